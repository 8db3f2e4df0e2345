"""The condition language over columns: a checked expression evaluated on a selection of rows
at once, with the engine's three-valued rules (`_expr.closures`) written as masks.

A condition gives two masks over the selected rows, `T` (true) and `U` (unknown); false is
neither. A value gives a `Vals`: its values and its `unk` and `null` masks.

Vectorized: literals and list literals; facts; ``not``; ``and``/``or`` (Kleene: false wins an
``and`` and true an ``or`` whatever else is unknown — the same result as the engine's left to
right evaluation, which stops at the first decisive operand); ``== !=`` (null equal only to
null), ``< <= > >=`` (false with a null side) between facts and literals or two facts of the
same kind; a fact ``in`` / ``not in`` a list literal (false on null); a string literal ``in`` /
``not in`` a list fact. Anything else — arithmetic, unary minus, the functions ``count``,
``abs``, ``hours_since``, ``days_since``, ``days_until``, comparisons of their results — is
evaluated by the engine's own closure (`_expr.closures.compile_ir`), row by row, for the
selected rows only: never a different answer, only slower.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt

from diagtree._expr.ast import BoolOp, Compare, FactRef, ListLit, Literal, Node, Not
from diagtree._expr.closures import compile_ir, facts_read
from diagtree._vector.columns import Column, Vals
from diagtree._vocab.facts import UNKNOWN

__all__ = ["Frame", "Vals", "truth", "value"]

Mask = npt.NDArray[np.bool_]
Idx = npt.NDArray[np.intp]
_ORD: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_FLIP: Final = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


class Frame(Protocol):
    """Where expressions read their facts: each fact's `Column`."""

    def column(self, name: str) -> Column: ...


class _Closures:
    """The engine's closures of the expressions evaluated row by row (made once each). Keyed
    by the node's identity (equal nodes may differ in their checked types), so each entry
    holds its node: an id is never reused while the entry is there."""

    def __init__(self) -> None:
        self.fns: dict[tuple[int, bool],
                       tuple[Node, Callable[[Any], Any], tuple[str, ...]]] = {}

    def of(self, node: Node, condition: bool) -> tuple[Callable[[Any], Any], tuple[str, ...]]:
        key = (id(node), condition)
        hit = self.fns.get(key)
        if hit is None:
            hit = self.fns[key] = (node, compile_ir(node, condition=condition),
                                   facts_read(node))
        return hit[1], hit[2]


CLOSURES = _Closures()
#: how many selected rows were evaluated row by row (for the tests and the bench)
ROW_EVALUATIONS = [0]


def _rows(node: Node, frame: Frame, idx: Idx, condition: bool) -> list[Any]:
    """The engine's closure of `node` over each selected row."""
    fn, names = CLOSURES.of(node, condition)
    columns = [(name, frame.column(name).py()) for name in names]
    ROW_EVALUATIONS[0] += len(idx)
    out = []
    for i in idx.tolist():
        facts: dict[str, Any] = {name: values[i] for name, values in columns}
        out.append(fn(facts))
    return out


def _or(a: Mask | None, b: Mask | None) -> Mask | None:
    if a is None:
        return b
    return a if b is None else a | b


def _without(t: Mask, *masks: Mask | None) -> Mask:
    """`t` where none of `masks` is set (a mask of None: set nowhere)."""
    for m in masks:
        if m is not None:
            t = t & ~m
    return t


def _falsity(t: Mask, u: Mask | None) -> Mask:
    return ~t if u is None else ~(t | u)


def truth(node: Node, frame: Frame, idx: Idx) -> tuple[Mask, Mask | None]:
    """(true, unknown) of condition `node` over the rows `idx` (unknown None: nowhere)."""
    n = len(idx)
    if isinstance(node, BoolOp):
        parts = [truth(o, frame, idx) for o in node.operands]
        maybe = any(pu is not None for _, pu in parts)
        t0, u0 = parts[0]
        if node.op == "and":
            t = t0.copy()
            for pt, _ in parts[1:]:
                t &= pt
            if not maybe:
                return t, None
            false = _falsity(t0, u0)
            for pt, pu in parts[1:]:
                false |= _falsity(pt, pu)
            return t, ~(t | false)
        t = t0.copy()
        for pt, _ in parts[1:]:
            t |= pt
        if not maybe:
            return t, None
        false = _falsity(t0, u0)
        for pt, pu in parts[1:]:
            false &= _falsity(pt, pu)
        return t, ~(t | false)
    if isinstance(node, Not):
        t, u = truth(node.operand, frame, idx)
        return _falsity(t, u), u
    if isinstance(node, FactRef):
        vals = value(node, frame, idx)
        if vals.kind == "bool":
            return _without(vals.v, vals.null, vals.unk), vals.unk
    if isinstance(node, Literal) and isinstance(node.value, bool | None):
        return np.full(n, node.value is True), None
    if isinstance(node, Compare):
        found = _compare(node, frame, idx)
        if found is not None:
            return found
    return _fallback_truth(node, frame, idx)


def _fallback_truth(node: Node, frame: Frame, idx: Idx) -> tuple[Mask, Mask | None]:
    results = _rows(node, frame, idx, True)
    t = np.fromiter((r is True for r in results), bool, len(results))
    u = np.fromiter((r is UNKNOWN for r in results), bool, len(results))
    return t, u


def value(node: Node, frame: Frame, idx: Idx) -> Vals:
    """The value of `node` over the rows `idx`."""
    if isinstance(node, Literal):
        return Vals("const", node.value, None, None)
    if isinstance(node, ListLit):
        return Vals("const", tuple(i.value for i in node.items), None, None)
    if isinstance(node, FactRef):
        col = frame.column(node.name)
        if len(idx) == len(col.v):  # every row, in order (`idx` is always increasing)
            return col
        return Vals(col.kind, col.v[idx], None if col.unk is None else col.unk[idx],
                    None if col.null is None else col.null[idx], col.cats)
    results = _rows(node, frame, idx, False)
    n = len(results)
    unk = np.fromiter((r is UNKNOWN for r in results), bool, n)
    null = np.fromiter((r is None for r in results), bool, n)
    v = np.empty(n, dtype=object)
    v[:] = [None if r is UNKNOWN else r for r in results]
    return Vals("obj", v, unk, null)


def _compare(node: Compare, frame: Frame, idx: Idx) -> tuple[Mask, Mask | None] | None:
    """A comparison as masks, or None where it is left to the closures."""
    op, left, right = node.op, node.left, node.right
    n = len(idx)
    if op in ("in", "not in"):
        positive = op == "in"
        if isinstance(left, FactRef) and isinstance(right, ListLit):
            a = value(left, frame, idx)
            found = _member(a, frozenset(i.value for i in right.items), n)
            if found is None:
                return None
            return _without(found if positive else ~found, a.unk, a.null), a.unk
        if isinstance(left, Literal) and isinstance(right, FactRef) \
                and isinstance(left.value, str):
            b = value(right, frame, idx)
            if b.kind != "obj":
                return None
            c = left.value
            has = np.fromiter(((x is not None and c in x) for x in b.v), bool, n)
            return _without(has if positive else ~has, b.unk, b.null), b.unk
        return None
    if isinstance(left, Literal | ListLit) and not isinstance(right, Literal | ListLit):
        op, left, right = _FLIP[op], right, left
    if not isinstance(left, FactRef) or not isinstance(right, FactRef | Literal):
        return None
    a, b = value(left, frame, idx), value(right, frame, idx)
    unk = _or(a.unk, b.unk)
    if op in ("==", "!="):
        if b.kind == "const" and b.v is None:
            eq = a.null if a.null is not None else np.zeros(n, dtype=bool)
        else:
            same = _equal(a, b, n)
            if same is None:
                return None
            eq = _without(same, a.null, b.null)
            if a.null is not None and b.null is not None:
                eq = eq | (a.null & b.null)
        return _without(eq if op == "==" else ~eq, unk), unk
    if b.kind == "const" and b.v is None:
        return np.zeros(n, dtype=bool), unk
    order = _ordered(a, b, _ORD[op])
    if order is None:
        return None
    return _without(order, a.null, b.null, unk), unk


def _member(a: Vals, values: frozenset[Any], n: int) -> Mask | None:
    if a.kind == "cat":
        assert a.cats is not None
        lut = np.array([c in values for c in a.cats] + [False], dtype=bool)
        return np.asarray(lut[a.v], dtype=bool)
    if a.kind in ("num", "bool"):
        found = np.zeros(n, dtype=bool)
        for c in values:
            if (_scalar(c) and a.kind == "num") or (type(c) is bool and a.kind == "bool"):
                found |= a.v == c
            else:
                return None
        return found
    return None


def _equal(a: Vals, b: Vals, n: int) -> Mask | None:
    """Where a and b are equal (rows where either is null or unknown: anything)."""
    if b.kind == "const":
        c = b.v
        if a.kind == "cat":
            assert a.cats is not None
            if not isinstance(c, str):
                return np.zeros(n, dtype=bool)
            try:
                code = a.cats.index(c)
            except ValueError:
                return np.zeros(n, dtype=bool)
            return np.asarray(a.v == code, dtype=bool)
        if a.kind == "bool" and type(c) is bool:
            return np.asarray(a.v == c, dtype=bool)
        if a.kind == "num" and _scalar(c):
            return np.asarray(a.v == c, dtype=bool)
        return None
    if a.kind != b.kind:
        return None
    if a.kind == "cat":
        assert a.cats is not None and b.cats is not None
        if a.cats is b.cats:
            return np.asarray(a.v == b.v, dtype=bool)
        table = np.array([*b.cats, None], dtype=object)
        other = {c: i for i, c in enumerate(a.cats)}
        mapped = np.array([other.get(c, -2) for c in table], dtype=np.int64)
        return np.asarray(a.v == mapped[b.v], dtype=bool)
    if a.kind in ("bool", "num"):
        return np.asarray(a.v == b.v, dtype=bool)
    return None


def _ordered(a: Vals, b: Vals, op: Callable[[Any, Any], Any]) -> Mask | None:
    """`op` between numbers (rows where either is null or unknown: anything); None: left to
    the closures."""
    if a.kind != "num" or not (b.kind == "num" or (b.kind == "const" and _scalar(b.v))):
        return None
    return np.asarray(op(a.v, b.v), dtype=bool)


def _scalar(c: Any) -> bool:
    """A number literal numpy compares exactly as Python does (ints within int64)."""
    if type(c) is float:
        return True
    return type(c) is int and -(2**63) <= c < 2**63
