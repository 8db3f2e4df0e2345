"""A small, sound analysis of conditions, for the lint rules about tables and checks.

A condition is turned into a boolean formula over *tests*, each on one *subject* (a fact, or
any other non-literal expression such as ``days_since(hlr.suspended_since)``):

- a bool subject in boolean position (``hlr.found``: true only when the value is true);
- a subject compared with a literal: ``==``/``!=`` (``null`` included), ``<``/``<=``/``>``/
  ``>=`` with a number, ``in``/``not in`` a list literal, and ``"x" in``/``not in`` a list fact.

Any other part (two facts compared, ``==`` on lists…) becomes an *opaque* yes/no variable that
may take either value. The language's semantics are those of `_expr.closures`: every subject may
be null, null in boolean position is false, an ordered comparison or a membership test with a
null side is false. Unknown values need no modelling: a row or check that meets one stops there,
and every definite result under unknowns is the same under some known values (Kleene logic is
monotone), so "no known values make X true" means X is never true.

Each subject's values are enumerated by representatives — one per region the tests' literals
cut its type into (every enum value, the literals of a string and one other string, the numbers
at and between the thresholds, null) — so a formula's truth over all representatives is its
truth over all values. Claims that hold *for all* values (a row is shadowed, a condition is
constant) are sound even with opaque parts and subjects that share facts (the model only has
*more* valuations than reality). Claims that some values *exist* (two rows overlap) are only
made when the space is `exact`: facts only, no opaque part.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from diagtree._expr.ast import BoolOp, Call, Compare, FactRef, ListLit, Literal, Node, Not, to_text
from diagtree._expr.closures import facts_read
from diagtree._vocab.facts import FactType

__all__ = ["Formula", "Junction", "Opaque", "Space", "Subject", "Test", "evaluate", "formula_of",
           "show_value"]

#: beyond this many valuations the analysis gives up (and claims nothing)
MAX_VALUATIONS: Final = 50_000
_MAX_LIST_ITEMS: Final = 6
_OTHER: Final = "\u0000other"  # a string value no literal names
_SOME: Final = object()  # a value of a type compared only with null (a date, a datetime)
_ORDERED: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_FLIP: Final = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


@dataclass(frozen=True)
class Subject:
    """What a test looks at: a fact or another expression, by its text."""

    key: str
    type: FactType
    facts: frozenset[str]
    is_fact: bool
    nullable: bool = True


@dataclass(frozen=True)
class Test:
    """A yes/no test of one subject's value."""

    subject: Subject
    op: str  # truth == != < <= > >= in "not in" contains "not contains"
    value: Any = None  # the literal; a tuple for in / not in

    def holds(self, v: Any) -> bool:
        op, lit = self.op, self.value
        if op == "truth":
            return v is True
        if op == "==":
            return bool(v == lit) if v is not _SOME else lit is not None
        if op == "!=":
            return not (bool(v == lit) if v is not _SOME else lit is not None)
        if v is None or v is _SOME:
            return False
        if op in _ORDERED:
            return lit is not None and _ORDERED[op](v, lit)
        if op == "in":
            return bool(v in lit)
        if op == "not in":
            return bool(v not in lit)
        if op == "contains":
            return bool(lit in v)
        return bool(lit not in v)  # not contains


@dataclass(frozen=True)
class Opaque:
    """A part of a condition the analysis does not look into: either value is possible."""

    key: str
    facts: frozenset[str]


@dataclass(frozen=True)
class Junction:
    """``and`` / ``or`` of parts, ``not`` of one part, or a constant (``const``, `value`)."""

    kind: str
    parts: tuple[Formula, ...] = ()
    value: bool = False


Formula = Test | Opaque | Junction


def formula_of(ir: Node) -> Formula:
    """The formula of a checked condition (its IR), in boolean position."""
    if isinstance(ir, BoolOp):
        return Junction(ir.op, tuple(formula_of(o) for o in ir.operands))
    if isinstance(ir, Not):
        return Junction("not", (formula_of(ir.operand),))
    if isinstance(ir, Literal):
        return Junction("const", value=ir.value is True)
    if isinstance(ir, Compare):
        return _compare(ir)
    subject = _subject(ir)
    if subject is not None and subject.type.kind == "bool":
        return Test(subject, "truth")
    return _opaque(ir)


def _opaque(ir: Node) -> Opaque:
    return Opaque(to_text(ir), frozenset(facts_read(ir)))


def _subject(ir: Node) -> Subject | None:
    if isinstance(ir, Literal | ListLit) or ir.type is None:
        return None
    never_null = isinstance(ir, Call) and ir.func == "count"  # count(null) is 0
    return Subject(to_text(ir), ir.type, frozenset(facts_read(ir)), isinstance(ir, FactRef),
                   nullable=not never_null)


def _compare(ir: Compare) -> Formula:
    op, left, right = ir.op, ir.left, ir.right
    if op in ("in", "not in"):
        subject = _subject(left)
        if subject is not None and isinstance(right, ListLit):
            return _checked(Test(subject, op, tuple(i.value for i in right.items)), ir)
        target = _subject(right)
        if target is not None and isinstance(left, Literal) and target.type.kind == "list":
            kind = "contains" if op == "in" else "not contains"
            return _checked(Test(target, kind, left.value), ir)
        return _opaque(ir)
    if isinstance(left, Literal) and not isinstance(right, Literal | ListLit):
        op, left, right = _FLIP[op], right, left
    subject = _subject(left)
    if subject is None or not isinstance(right, Literal):
        return _opaque(ir)
    return _checked(Test(subject, op, right.value), ir)


def _checked(test: Test, ir: Node) -> Formula:
    """The test, or an opaque part when the subject's values cannot be enumerated for it."""
    kind = test.subject.type.kind
    if test.op in ("==", "!=") and test.value is None:
        return test  # a null test works on any type
    supported = {
        "bool": ("==", "!="),
        "enum": ("==", "!=", "in", "not in"),
        "string": ("==", "!=", "in", "not in"),
        "int": ("==", "!=", *_ORDERED),
        "number": ("==", "!=", *_ORDERED),
        "list": ("contains", "not contains"),
    }
    if test.op not in supported.get(kind, ()):
        return _opaque(ir)
    if kind == "list" and (test.subject.type.item is None
                           or test.subject.type.item.kind not in ("enum", "string")):
        return _opaque(ir)
    return test


def _walk(f: Formula) -> Iterator[Test | Opaque]:
    if isinstance(f, Junction):
        for part in f.parts:
            yield from _walk(part)
    else:
        yield f


def evaluate(f: Formula, env: Mapping[str, Any]) -> bool:
    """The formula's truth under one valuation (subject key or opaque key → value)."""
    if isinstance(f, Test):
        return f.holds(env[f.subject.key])
    if isinstance(f, Opaque):
        return bool(env[f.key])
    if f.kind == "and":
        return all(evaluate(p, env) for p in f.parts)
    if f.kind == "or":
        return any(evaluate(p, env) for p in f.parts)
    if f.kind == "not":
        return not evaluate(f.parts[0], env)
    return f.value


class Space:
    """Every valuation that matters for a set of formulas (one per representative)."""

    def __init__(self, formulas: Sequence[Formula]) -> None:
        self.formulas = tuple(formulas)
        tests: dict[str, list[Test]] = {}
        self.subjects: dict[str, Subject] = {}
        self.opaque: dict[str, Opaque] = {}
        for f in formulas:
            for leaf in _walk(f):
                if isinstance(leaf, Test):
                    self.subjects.setdefault(leaf.subject.key, leaf.subject)
                    tests.setdefault(leaf.subject.key, []).append(leaf)
                else:
                    self.opaque.setdefault(leaf.key, leaf)
        self.values: dict[str, tuple[Any, ...] | None] = {
            key: _representatives(self.subjects[key], ts) for key, ts in tests.items()}

    @property
    def exact(self) -> bool:
        """Whether every valuation is a real one: facts only (independent), nothing opaque."""
        return not self.opaque and all(s.is_fact for s in self.subjects.values())

    def facts(self, f: Formula) -> frozenset[str]:
        """The facts one formula tests."""
        out: set[str] = set()
        for leaf in _walk(f):
            out |= leaf.subject.facts if isinstance(leaf, Test) else leaf.facts
        return frozenset(out)

    def valuations(self, *, present: bool = False) -> list[dict[str, Any]] | None:
        """Every valuation, or None when there are too many (or a subject cannot be listed).

        With `present`, subjects are never null (opaque parts still take both values)."""
        axes: list[tuple[str, tuple[Any, ...]]] = []
        for key, values in self.values.items():
            if values is None:
                return None
            axes.append((key, tuple(v for v in values if v is not None) if present else values))
        axes += [(key, (True, False)) for key in self.opaque]
        if math.prod(len(v) for _, v in axes) > MAX_VALUATIONS:
            return None
        keys = [k for k, _ in axes]
        return [dict(zip(keys, combo, strict=True))
                for combo in itertools.product(*(v for _, v in axes))]

    def constant(self, f: Formula, *, present: bool = False) -> bool | None:
        """True or False when `f` has that value under every valuation, else None."""
        seen: set[bool] = set()
        for env in self.valuations(present=present) or ():
            seen.add(evaluate(f, env))
            if len(seen) > 1:
                return None
        return next(iter(seen)) if len(seen) == 1 else None


def _representatives(subject: Subject, tests: Sequence[Test]) -> tuple[Any, ...] | None:
    """One value per region the tests cut the subject's type into, null first."""
    t = subject.type
    null: tuple[Any, ...] = (None,) if subject.nullable else ()
    literals = [v for test in tests for v in (test.value if isinstance(test.value, tuple)
                                               else (test.value,)) if v is not None]
    if t.kind == "bool":
        return (*null, True, False)
    if t.kind == "enum":
        return (*null, *t.values)
    if t.kind == "string":
        return (*null, *sorted({str(v) for v in literals}), _OTHER)
    if t.kind in ("int", "number"):
        cuts = sorted({float(v) for v in literals if isinstance(v, int | float)
                       and not isinstance(v, bool) and math.isfinite(v)})
        if t.kind == "int":
            ints = {n for c in cuts for n in (math.floor(c) - 1, math.floor(c), math.ceil(c),
                                              math.ceil(c) + 1)} or {0}
            return (*null, *sorted(ints))
        if not cuts:
            return (*null, 0.0)
        mids = [(a + b) / 2 for a, b in itertools.pairwise(cuts)]
        return (*null, *sorted({cuts[0] - 1, *cuts, *mids, cuts[-1] + 1}))
    if t.kind == "list":
        items = sorted({str(v) for v in literals})
        if len(items) > _MAX_LIST_ITEMS:
            return None
        subsets = [tuple(c) for n in range(len(items) + 1)
                   for c in itertools.combinations(items, n)]
        return (*null, *subsets)
    return (*null, _SOME)  # dates and times: only tested against null


def show_value(v: Any) -> str:
    """A value as the condition language writes it (for messages)."""
    if v is None:
        return "null"
    if v is _SOME:
        return "a value"
    if isinstance(v, bool):
        return "true" if v else "false"
    if v == _OTHER:
        return "another string"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, tuple):
        return "[" + ", ".join(f'"{x}"' for x in v) + "]"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
