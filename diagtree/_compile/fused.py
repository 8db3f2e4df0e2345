"""Fused decisions: the commonest `check` conditions compiled into the node's own closure.

A condition built only from *leaves* — a bool fact, a fact compared with a literal, a fact in a
literal list, a literal in a list fact, `not` of a bool fact — and `and`/`or` over them is
evaluated inside the node's closure without calling the expression's closures: each leaf is a
small tuple interpreted in a loop, with comparisons done by `operator` functions. This is the
hot path of the walk.

The semantics are exactly the expression language's (`_expr.closures`): unknown is contagious
except through Kleene `and`/`or`, which evaluate left to right and stop at the first decisive
operand; null makes an ordered comparison or a membership test false, and counts as false in
boolean position. `tests/test_fused.py` checks the two against each other on generated
conditions and facts.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, Final

from diagtree._expr.ast import BoolOp, Compare, FactRef, ListLit, Literal, Node, Not
from diagtree._vocab.facts import UNKNOWN

__all__ = ["BOOL", "EQ", "HAS", "IN", "NE", "NOT_BOOL", "NOT_HAS", "NOT_IN", "ORD",
           "fused_decision", "leaf"]

# leaf kinds (the generated walker of `_compile.codegen` reads them too)
BOOL, NOT_BOOL, EQ, NE, ORD, IN, NOT_IN, HAS, NOT_HAS = range(9)
_ORDERED: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
Leaf = tuple[int, str, Any, Any]  # (kind, fact name, literal, ordered operator or None)


def leaf(node: Node) -> Leaf | None:
    if isinstance(node, FactRef) and node.type is not None and node.type.kind == "bool":
        return (BOOL, node.name, None, None)
    if isinstance(node, Not) and isinstance(node.operand, FactRef):
        inner = leaf(node.operand)
        return (NOT_BOOL, inner[1], None, None) if inner is not None else None
    if not isinstance(node, Compare):
        return None
    left, right, op = node.left, node.right, node.op
    if isinstance(left, FactRef) and isinstance(right, Literal):
        if op == "==":
            return (EQ, left.name, right.value, None)
        if op == "!=":
            return (NE, left.name, right.value, None)
        if op in _ORDERED and right.value is not None:
            return (ORD, left.name, right.value, _ORDERED[op])
    if isinstance(left, FactRef) and isinstance(right, ListLit) and op in ("in", "not in"):
        values = frozenset(item.value for item in right.items)
        return (IN if op == "in" else NOT_IN, left.name, values, None)
    if isinstance(left, Literal) and isinstance(right, FactRef) and op in ("in", "not in") \
            and isinstance(left.value, str):
        return (HAS if op == "in" else NOT_HAS, right.name, left.value, None)
    return None


def _truth(leaf: Leaf, v: Any) -> Any:
    """A leaf's value for fact value `v`: True, False or UNKNOWN."""
    kind, _, lit, cmp = leaf
    if v is UNKNOWN:
        return UNKNOWN
    if kind == BOOL:
        return v is True
    if kind == NOT_BOOL:
        return v is not True
    if kind == EQ:
        return v == lit
    if kind == NE:
        return v != lit
    if v is None:
        return False
    if kind == ORD:
        return bool(cmp(v, lit))
    if kind == IN:
        return v in lit
    if kind == NOT_IN:
        return v not in lit
    if kind == HAS:
        return lit in v
    return lit not in v


def fused_decision(ir: Node, yes: Any, no: Any, unk: Any) -> Callable[[Any], Any] | None:
    """A closure `f -> yes | no | unk` for `ir`, or None when it is not made of leaves."""
    single = leaf(ir)
    if single is not None:
        return _single(single, yes, no, unk)
    if not isinstance(ir, BoolOp):
        return None
    leaves = [leaf(operand) for operand in ir.operands]
    if any(leaf is None for leaf in leaves) or not leaves:
        return None
    chain = tuple(leaf for leaf in leaves if leaf is not None)
    truth = _truth
    if ir.op == "and":
        def run_and(f: Any) -> Any:
            unknown = False
            for leaf in chain:
                r = truth(leaf, f[leaf[1]])
                if r is False:
                    return no
                if r is UNKNOWN:
                    unknown = True
            return unk if unknown else yes

        return run_and

    def run_or(f: Any) -> Any:
        unknown = False
        for leaf in chain:
            r = truth(leaf, f[leaf[1]])
            if r is True:
                return yes
            if r is UNKNOWN:
                unknown = True
        return unk if unknown else no

    return run_or


def _single(leaf: Leaf, yes: Any, no: Any, unk: Any) -> Callable[[Any], Any]:
    kind, name, lit, cmp = leaf
    if kind == BOOL:
        def run_bool(f: Any) -> Any:
            v = f[name]
            if v is True:
                return yes
            if v is UNKNOWN:
                return unk
            return no

        return run_bool
    if kind == EQ:
        def run_eq(f: Any) -> Any:
            v = f[name]
            if v is UNKNOWN:
                return unk
            return yes if v == lit else no

        return run_eq
    if kind == ORD:
        def run_ord(f: Any) -> Any:
            v = f[name]
            if v is None:
                return no
            if v is UNKNOWN:
                return unk
            return yes if cmp(v, lit) else no

        return run_ord

    def run_leaf(f: Any) -> Any:
        r = _truth(leaf, f[name])
        if r is True:
            return yes
        if r is UNKNOWN:
            return unk
        return no

    return run_leaf
