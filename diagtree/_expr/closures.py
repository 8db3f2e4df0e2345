"""Compile a checked expression into a Python closure ``fn(facts) -> value``.

`facts` maps fact names to values; it may be a dict subclass whose ``__missing__`` fetches a
source lazily, so facts are read with ``facts[name]`` and only when evaluation reaches them.
A fact's value is a value of its declared type, ``None`` (*null*: a known absence) or `UNKNOWN`
(its source failed).

Semantics (three-valued):

- UNKNOWN is contagious: an operator or function with an UNKNOWN operand gives UNKNOWN. The one
  exception is logic, which is Kleene's: ``false and UNKNOWN`` is false, ``true or UNKNOWN`` is
  true, ``not UNKNOWN`` is UNKNOWN. ``and``/``or`` evaluate their operands left to right and stop
  at the first decisive one (false for ``and``, true for ``or``), even when an earlier operand was
  UNKNOWN; with no decisive operand the result is UNKNOWN if any operand was, else true (``and``)
  or false (``or``).
- null: ``==``/``!=`` compare normally (``null == null`` is true, ``x == null`` tests absence);
  an ordered comparison (``< <= > >=``) with a null side is false; ``x in L`` and ``x not in L``
  are both false when ``x`` or ``L`` is null (a membership test on an absence is false — note
  that ``not (x in L)`` is then true); arithmetic and functions with a null argument give null,
  except ``count(null)`` which is 0; division by zero gives null.
- In boolean position — an operand of ``and``/``or``/``not``, or a whole condition — null counts
  as false. A condition therefore evaluates to exactly True, False or UNKNOWN.
- ``hours_since(t)``, ``days_since(t)`` and ``days_until(t)`` count from the fact
  ``complaint.reported_at``, never from the clock: ``hours_since(t)`` is
  ``(reported_at - t)`` in hours, ``days_since`` the same in days, ``days_until(t)`` is
  ``(t - reported_at)`` in days (all fractional). A date counts from midnight of that date in
  reported_at's UTC offset.
- ``/`` is true division; ``+ - *`` of two ints give an int.
- Arithmetic with no value — a result beyond the range of a float, as a huge int divided or
  times a fractional number — is UNKNOWN (a condition over it follows its ``on_unknown``
  rules), and noted for the diagnosis (`arithmetic_notes`).

Speed: the closures are specialised for the common shapes — a fact compared with a literal is one
closure that reads the dict and compares; a bare bool fact is one closure; ``and``/``or`` of two or
three operands are unrolled; nested ``and``/``or`` of the same operator are flattened. Constants
are bound as closure cells, nothing is allocated per call.
"""

from __future__ import annotations

import datetime as _dt
import operator
from collections.abc import Callable
from typing import Any, Final

from diagtree._expr.ast import (
    Arith,
    BoolOp,
    Call,
    Compare,
    FactRef,
    ListLit,
    Literal,
    Neg,
    Node,
    Not,
)
from diagtree._expr.check import REPORTED_AT
from diagtree._vocab.facts import UNKNOWN

__all__ = ["ARITHMETIC_NOTES", "Fn", "arithmetic_failed", "arithmetic_notes", "compile_ir",
           "facts_read"]

Fn = Callable[[dict[str, Any]], Any]

_U: Final = UNKNOWN
_MIDNIGHT: Final = _dt.time()
_combine = _dt.datetime.combine
_FLIP: Final = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_OPS: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}


def facts_read(node: Node) -> tuple[str, ...]:
    """The facts `node` reads, in first-read order (left to right), without repeats."""
    seen: dict[str, None] = {}

    def walk(n: Node) -> None:
        if isinstance(n, FactRef):
            seen.setdefault(n.name)
        elif isinstance(n, Not | Neg):
            walk(n.operand)
        elif isinstance(n, Compare | Arith):
            walk(n.left)
            walk(n.right)
        elif isinstance(n, BoolOp):
            for o in n.operands:
                walk(o)
        elif isinstance(n, Call):
            for a in n.args:
                walk(a)
            if n.func in ("hours_since", "days_since", "days_until"):
                seen.setdefault(REPORTED_AT)

    walk(node)
    return tuple(seen)


def compile_ir(node: Node, *, condition: bool = True) -> Fn:
    """The closure of a checked tree. `condition`: the whole is in boolean position."""
    return _compile(node, condition)


def _compile(node: Node, boolean: bool) -> Fn:
    if isinstance(node, Literal):
        return _const(node.value)
    if isinstance(node, ListLit):
        return _const(tuple(item.value for item in node.items))
    if isinstance(node, FactRef):
        if boolean:
            return _bool_fact(node.name)
        return _fact(node.name)
    if isinstance(node, Not):
        if isinstance(node.operand, FactRef):
            return _not_fact(node.operand.name)
        return _not(_compile(node.operand, True))
    if isinstance(node, BoolOp):
        return _bool_op(node)
    if isinstance(node, Compare):
        return _compare(node)
    if isinstance(node, Arith):
        return _arith(node.op, _compile(node.left, False), _compile(node.right, False))
    if isinstance(node, Neg):
        return _neg(_compile(node.operand, False))
    if isinstance(node, Call):
        return _call(node)
    raise TypeError(f"not an expression node: {node!r}")


# -- leaves ---------------------------------------------------------------------------------------
def _const(value: Any) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        return value

    return fn


def _fact(name: str) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        return facts[name]

    return fn


def _bool_fact(name: str) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        v = facts[name]
        return False if v is None else v

    return fn


# -- logic ----------------------------------------------------------------------------------------
def _not_fact(name: str) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        v = facts[name]
        return _U if v is _U else not v

    return fn


def _not(p: Fn) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        v = p(facts)
        return _U if v is _U else not v

    return fn


def _flatten(node: BoolOp) -> list[Node]:
    out: list[Node] = []
    for o in node.operands:
        if isinstance(o, BoolOp) and o.op == node.op:
            out.extend(_flatten(o))
        else:
            out.append(o)
    return out


def _bool_op(node: BoolOp) -> Fn:
    ps = [_compile(o, True) for o in _flatten(node)]
    if node.op == "and":
        if len(ps) == 2:
            return _and2(*ps)
        if len(ps) == 3:
            return _and3(*ps)
        return _and_n(tuple(ps))
    if len(ps) == 2:
        return _or2(*ps)
    if len(ps) == 3:
        return _or3(*ps)
    return _or_n(tuple(ps))


# Operands in boolean position give exactly True, False or UNKNOWN.
def _and2(p: Fn, q: Fn) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        a = p(facts)
        if a is False:
            return False
        b = q(facts)
        if b is False:
            return False
        return _U if a is _U or b is _U else True

    return fn


def _and3(p: Fn, q: Fn, r: Fn) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        a = p(facts)
        if a is False:
            return False
        b = q(facts)
        if b is False:
            return False
        c = r(facts)
        if c is False:
            return False
        return _U if a is _U or b is _U or c is _U else True

    return fn


def _and_n(ps: tuple[Fn, ...]) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        result: Any = True
        for p in ps:
            v = p(facts)
            if v is False:
                return False
            if v is _U:
                result = _U
        return result

    return fn


def _or2(p: Fn, q: Fn) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        a = p(facts)
        if a is True:
            return True
        b = q(facts)
        if b is True:
            return True
        return _U if a is _U or b is _U else False

    return fn


def _or3(p: Fn, q: Fn, r: Fn) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        a = p(facts)
        if a is True:
            return True
        b = q(facts)
        if b is True:
            return True
        c = r(facts)
        if c is True:
            return True
        return _U if a is _U or b is _U or c is _U else False

    return fn


def _or_n(ps: tuple[Fn, ...]) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        result: Any = False
        for p in ps:
            v = p(facts)
            if v is True:
                return True
            if v is _U:
                result = _U
        return result

    return fn


# -- comparisons ----------------------------------------------------------------------------------
def _compare(node: Compare) -> Fn:
    op, left, right = node.op, node.left, node.right
    if op in ("in", "not in"):
        return _membership(op == "in", left, right)
    if isinstance(left, Literal | ListLit) and not isinstance(right, Literal | ListLit):
        op, left, right = _FLIP[op], right, left
    if isinstance(right, Literal | ListLit) and not isinstance(left, Literal | ListLit):
        c = right.value if isinstance(right, Literal) else tuple(i.value for i in right.items)
        if isinstance(left, FactRef):
            if c is None:
                return _FACT_NULL[op](left.name)
            return _FACT_LIT[op](left.name, c)
        p = _compile(left, False)
        if op in ("==", "!="):
            return _eq_lit(_OPS[op], p, c)
        if c is None:  # the checker forbids ordering with null; keep the semantics anyway
            return _const(False)
        return _ord_lit(_OPS[op], p, c)
    if isinstance(left, FactRef) and isinstance(right, FactRef) and op not in ("==", "!="):
        return _ord_facts(_OPS[op], left.name, right.name)
    p, q = _compile(left, False), _compile(right, False)
    return _eq(_OPS[op], p, q) if op in ("==", "!=") else _ord(_OPS[op], p, q)


def _fact_eq(name: str, c: Any) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        v = facts[name]
        return _U if v is _U else v == c

    return fn


def _fact_ne(name: str, c: Any) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        v = facts[name]
        return _U if v is _U else v != c

    return fn


def _fact_lt(name: str, c: Any) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        v = facts[name]
        if v is None:
            return False
        return _U if v is _U else v < c

    return fn


def _fact_le(name: str, c: Any) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        v = facts[name]
        if v is None:
            return False
        return _U if v is _U else v <= c

    return fn


def _fact_gt(name: str, c: Any) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        v = facts[name]
        if v is None:
            return False
        return _U if v is _U else v > c

    return fn


def _fact_ge(name: str, c: Any) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        v = facts[name]
        if v is None:
            return False
        return _U if v is _U else v >= c

    return fn


def _fact_is_null(name: str) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        v = facts[name]
        return _U if v is _U else v is None

    return fn


def _fact_not_null(name: str) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        v = facts[name]
        return _U if v is _U else v is not None

    return fn


def _false(name: str) -> Fn:
    return _const(False)


_FACT_LIT: Final[dict[str, Callable[[str, Any], Fn]]] = {
    "==": _fact_eq,
    "!=": _fact_ne,
    "<": _fact_lt,
    "<=": _fact_le,
    ">": _fact_gt,
    ">=": _fact_ge,
}
_FACT_NULL: Final[dict[str, Callable[[str], Fn]]] = {
    "==": _fact_is_null,
    "!=": _fact_not_null,
    "<": _false,
    "<=": _false,
    ">": _false,
    ">=": _false,
}


def _eq_lit(op: Callable[[Any, Any], Any], p: Fn, c: Any) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        v = p(facts)
        return _U if v is _U else op(v, c)

    return fn


def _ord_lit(op: Callable[[Any, Any], Any], p: Fn, c: Any) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        v = p(facts)
        if v is None:
            return False
        return _U if v is _U else op(v, c)

    return fn


def _ord_facts(op: Callable[[Any, Any], Any], a: str, b: str) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        x = facts[a]
        y = facts[b]
        if x is _U or y is _U:
            return _U
        if x is None or y is None:
            return False
        return op(x, y)

    return fn


def _eq(op: Callable[[Any, Any], Any], p: Fn, q: Fn) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        x = p(facts)
        y = q(facts)
        return _U if x is _U or y is _U else op(x, y)

    return fn


def _ord(op: Callable[[Any, Any], Any], p: Fn, q: Fn) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        x = p(facts)
        y = q(facts)
        if x is _U or y is _U:
            return _U
        if x is None or y is None:
            return False
        return op(x, y)

    return fn


def _membership(positive: bool, left: Node, right: Node) -> Fn:
    if isinstance(left, FactRef) and isinstance(right, ListLit):
        return _fact_in_set(left.name, frozenset(str(i.value) for i in right.items), positive)
    if isinstance(left, Literal) and isinstance(right, FactRef):
        return _lit_in_fact(left.value, right.name, positive)
    return _in(_compile(left, False), _compile(right, False), positive)


def _fact_in_set(name: str, values: frozenset[str], positive: bool) -> Fn:
    if positive:

        def fn(facts: dict[str, Any]) -> Any:
            v = facts[name]
            if v is None:
                return False
            return _U if v is _U else v in values

    else:

        def fn(facts: dict[str, Any]) -> Any:
            v = facts[name]
            if v is None:
                return False
            return _U if v is _U else v not in values

    return fn


def _lit_in_fact(c: Any, name: str, positive: bool) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        items = facts[name]
        if items is None:
            return False
        if items is _U:
            return _U
        return (c in items) is positive

    return fn


def _in(p: Fn, q: Fn, positive: bool) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        x = p(facts)
        items = q(facts)
        if x is _U or items is _U:
            return _U
        if x is None or items is None:
            return False
        return (x in items) is positive

    return fn


# -- arithmetic and functions ---------------------------------------------------------------------
def _arith(op: str, p: Fn, q: Fn) -> Fn:
    if op == "/":
        return _div(p, q)
    f = _OPS[op]

    def fn(facts: dict[str, Any]) -> Any:
        x = p(facts)
        y = q(facts)
        if x is _U or y is _U:
            return _U
        if x is None or y is None:
            return None
        try:
            return f(x, y)
        except ArithmeticError as exc:  # a huge int times a float: no value to compare
            return arithmetic_failed(facts, op, exc)

    return fn


def _div(p: Fn, q: Fn) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        x = p(facts)
        y = q(facts)
        if x is _U or y is _U:
            return _U
        if x is None or y is None or y == 0:
            return None
        try:
            return x / y
        except ArithmeticError as exc:  # a quotient of huge ints beyond any float
            return arithmetic_failed(facts, "/", exc)

    return fn


#: the key of a fact store (never a fact name) under which failed arithmetic is noted
ARITHMETIC_NOTES: Final = "!arithmetic"


def arithmetic_failed(facts: dict[str, Any], op: str, exc: ArithmeticError) -> Any:
    """UNKNOWN, the value of arithmetic that has none (an overflow); noted in `facts` under
    `ARITHMETIC_NOTES` for the diagnosis to report (`arithmetic_notes`)."""
    if isinstance(facts, dict):
        notes = facts.get(ARITHMETIC_NOTES)
        if not isinstance(notes, dict):
            notes = facts[ARITHMETIC_NOTES] = {}
        notes[f"arithmetic `{op}` in a condition or value failed ({type(exc).__name__}: "
              f"{exc}); taken as unknown"] = None
    return _U


def arithmetic_notes(facts: dict[str, Any]) -> list[str]:
    """The notes of the arithmetic that failed while evaluating over `facts`, once each."""
    notes = facts.get(ARITHMETIC_NOTES)
    return list(notes) if isinstance(notes, dict) else []


def _neg(p: Fn) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        v = p(facts)
        if v is None or v is _U:
            return v
        return -v

    return fn


def _call(node: Call) -> Fn:
    arg = node.args[0]
    # a fact argument is read by the function's own closure: one call fewer
    name = arg.name if isinstance(arg, FactRef) else None
    p = _fact(name) if name is not None else _compile(arg, False)
    if node.func == "count":
        return _count_fact(name) if name is not None else _count(p)
    if node.func == "abs":
        return _abs(p)
    is_date = arg.type is not None and arg.type.kind == "date"
    if node.func == "hours_since":
        return _since(p, name, 3600.0, is_date)
    if node.func == "days_since":
        return _since(p, name, 86400.0, is_date)
    if node.func == "days_until":
        return _until(p, name, is_date)
    raise TypeError(f"unknown function {node.func!r}")


def _count(p: Fn) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        v = p(facts)
        if v is None:
            return 0
        return _U if v is _U else len(v)

    return fn


def _count_fact(name: str) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        v = facts[name]
        if v is None:
            return 0
        return _U if v is _U else len(v)

    return fn


def _abs(p: Fn) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        v = p(facts)
        if v is None or v is _U:
            return v
        return abs(v)

    return fn


def _since(p: Fn, name: str | None, unit: float, is_date: bool) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        t = p(facts) if name is None else facts[name]
        now = facts[REPORTED_AT]
        if t is _U or now is _U:
            return _U
        if t is None or now is None:
            return None
        if is_date:  # midnight of the date, in reported_at's own offset
            return (now.replace(tzinfo=None) - _combine(t, _MIDNIGHT)).total_seconds() / unit
        return (now - t).total_seconds() / unit

    return fn


def _until(p: Fn, name: str | None, is_date: bool) -> Fn:
    def fn(facts: dict[str, Any]) -> Any:
        t = p(facts) if name is None else facts[name]
        now = facts[REPORTED_AT]
        if t is _U or now is _U:
            return _U
        if t is None or now is None:
            return None
        if is_date:
            return (_combine(t, _MIDNIGHT) - now.replace(tzinfo=None)).total_seconds() / 86400.0
        return (t - now).total_seconds() / 86400.0

    return fn
