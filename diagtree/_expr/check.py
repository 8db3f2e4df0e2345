"""Type-check a parsed expression against the declared facts.

`check` returns a copy of the tree with every node's `type` filled in (a ``null`` literal keeps
``None``), or reports every problem it finds. Rules:

- a fact must be declared (``unknown_fact``); a function must be one of `FUNCTIONS`
  (``unknown_function``), called with the right number and types of arguments;
- ``==``/``!=`` compare values of one family (int/number, string/enum, date, datetime, bool,
  list); ``null`` may stand on either side (a presence test);
- ``< <= > >=`` compare numbers, dates or datetimes;
- ``in``/``not in`` test a string or enum against a list fact or a list literal;
- ``and``/``or``/``not`` take conditions; ``+ - * /`` and unary ``-`` take numbers;
- a string written against an enum must be one of its values (``unknown_enum_value``);
- the whole expression must be of the expected type (``not_a_condition``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from diagtree._errors import Problem, did_you_mean
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
from diagtree._expr.parse import Locate
from diagtree._vocab.facts import BOOL, INT, NUMBER, STRING, FactSchema, FactType

__all__ = ["FUNCTIONS", "REPORTED_AT", "check"]

REPORTED_AT: Final = "complaint.reported_at"
"""The fact relative times count from (never the clock)."""

# name -> (accepted argument kinds, result type, description of the argument)
FUNCTIONS: Final[dict[str, tuple[frozenset[str], FactType, str]]] = {
    "count": (frozenset({"list"}), INT, "a list"),
    "hours_since": (frozenset({"datetime"}), NUMBER, "a datetime"),
    "days_since": (frozenset({"date", "datetime"}), NUMBER, "a date or a datetime"),
    "days_until": (frozenset({"date", "datetime"}), NUMBER, "a date or a datetime"),
    "abs": (frozenset({"int", "number"}), NUMBER, "a number"),
}
_RELATIVE: Final = frozenset({"hours_since", "days_since", "days_until"})
_FAMILY: Final = {"int": "number", "enum": "string"}
_ORDERED: Final = frozenset({"number", "date", "datetime"})


def _family(t: FactType | None) -> str:
    """int and number are one family, string and enum another; a null literal is "null"."""
    return "null" if t is None else _FAMILY.get(t.kind, t.kind)


def _describe(node: Node) -> str:
    """``a number (billing.account.balance)`` — for messages."""
    if isinstance(node, Literal) and node.value is None:
        return "null"
    t = node.type
    kind = "?" if t is None else ("a list" if t.kind == "list" else _article(t.kind))
    if isinstance(node, FactRef):
        return f"{kind} ({node.name})"
    return kind


def _owner(node: Node) -> str:
    """The fact an enum value belongs to, for messages."""
    return node.name if isinstance(node, FactRef) else "this enum"


def _article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _is_null(node: Node) -> bool:
    return isinstance(node, Literal) and node.value is None


class _Checker:
    def __init__(self, schema: FactSchema, locate: Locate) -> None:
        self.schema = schema
        self.locate = locate
        self.problems: list[Problem] = []

    def error(self, node: Node, code: str, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(self.locate(node.line, node.col), code, message, hint=hint))

    def mismatch(self, node: Node, message: str, hint: str | None = None) -> None:
        self.error(node, "type_mismatch", message, hint)

    # -- dispatch: each returns the typed node, or None after reporting -----------------------
    def check(self, node: Node) -> Node | None:
        if isinstance(node, Literal):
            return self.literal(node)
        if isinstance(node, FactRef):
            return self.fact(node)
        if isinstance(node, ListLit):
            return self.list_literal(node)
        if isinstance(node, Not | Neg):
            return self.unary(node)
        if isinstance(node, BoolOp):
            return self.bool_op(node)
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, Arith):
            return self.arith(node)
        if isinstance(node, Call):
            return self.call(node)
        raise TypeError(f"not an expression node: {node!r}")

    def literal(self, node: Literal) -> Node:
        v = node.value
        if v is None:
            return node
        if isinstance(v, bool):
            return replace(node, type=BOOL)
        if isinstance(v, int):
            return replace(node, type=INT)
        return replace(node, type=NUMBER if isinstance(v, float) else STRING)

    def fact(self, node: FactRef) -> Node | None:
        spec = self.schema.get(node.name)
        if spec is not None:
            return replace(node, type=spec.type)
        hint = did_you_mean(node.name, self.schema)
        if hint is None:
            under = sorted(n for n in self.schema if n.startswith(node.name + "."))
            if under:
                more = ", …" if len(under) > 5 else ""
                hint = f"{node.name} is a group of facts: {', '.join(under[:5])}{more}"
        self.error(node, "unknown_fact", f"no source declares the fact {node.name}", hint)
        return None

    def list_literal(self, node: ListLit) -> Node | None:
        items: list[Literal] = []
        for item in node.items:
            if not isinstance(item.value, str) or isinstance(item.value, bool):
                self.mismatch(item, "list literals hold strings only", 'quote it, e.g. ["a", "b"]')
                return None
            items.append(replace(item, type=STRING))
        return replace(node, items=tuple(items), type=FactType.list_of(STRING))

    def unary(self, node: Not | Neg) -> Node | None:
        operand = self.check(node.operand)
        if operand is None:
            return None
        if isinstance(node, Not):
            if not self.want_bool(operand, "`not`"):
                return None
            return replace(node, operand=operand, type=BOOL)
        if not self.want_number(operand, "unary `-`"):
            return None
        return replace(node, operand=operand, type=operand.type)

    def bool_op(self, node: BoolOp) -> Node | None:
        operands = [self.check(o) for o in node.operands]
        ok = True
        for operand in operands:
            ok = operand is not None and self.want_bool(operand, f"`{node.op}`") and ok
        if not ok:
            return None
        return replace(node, operands=tuple(o for o in operands if o is not None), type=BOOL)

    def want_bool(self, node: Node, where: str) -> bool:
        if node.type is not None and node.type.kind == "bool":
            return True
        self.mismatch(
            node,
            f"{where} combines conditions, but this is {_describe(node)}",
            'compare it to make a condition, e.g. `x > 0` or `x == "value"`',
        )
        return False

    def want_number(self, node: Node, where: str) -> bool:
        if node.type is not None and _family(node.type) == "number":
            return True
        self.mismatch(node, f"{where} works on numbers, but this is {_describe(node)}")
        return False

    def arith(self, node: Arith) -> Node | None:
        left, right = self.check(node.left), self.check(node.right)
        if left is None or right is None:
            return None
        ok = self.want_number(left, f"`{node.op}`")
        ok = self.want_number(right, f"`{node.op}`") and ok
        if not ok:
            return None
        both_int = left.type == INT and right.type == INT and node.op != "/"
        return replace(node, left=left, right=right, type=INT if both_int else NUMBER)

    def call(self, node: Call) -> Node | None:
        args = [self.check(a) for a in node.args]
        spec = FUNCTIONS.get(node.func)
        if spec is None:
            hint = did_you_mean(node.func, FUNCTIONS) or "functions: " + ", ".join(FUNCTIONS)
            self.error(node, "unknown_function", f"there is no function {node.func}()", hint)
            return None
        kinds, result, wanted = spec
        if len(node.args) != 1:
            self.mismatch(node, f"{node.func}() takes one argument ({wanted}), not {len(args)}")
            return None
        arg = args[0]
        if arg is None:
            return None
        if arg.type is None or arg.type.kind not in kinds:
            self.mismatch(arg, f"{node.func}() takes {wanted}, but this is {_describe(arg)}")
            return None
        if node.func in _RELATIVE and REPORTED_AT not in self.schema:
            self.error(
                node,
                "unknown_fact",
                f"{node.func}() counts from the fact {REPORTED_AT}, which no source declares",
            )
            return None
        return replace(node, args=(arg,), type=result)

    # -- comparisons ----------------------------------------------------------------------------
    def compare(self, node: Compare) -> Node | None:
        left, right = self.check(node.left), self.check(node.right)
        if left is None or right is None:
            return None
        op = node.op
        if op in ("in", "not in"):
            ok = self.membership(node, left, right)
        elif op in ("==", "!="):
            ok = self.equality(node, left, right)
        else:
            ok = self.ordering(node, left, right)
        return replace(node, left=left, right=right, type=BOOL) if ok else None

    def equality(self, node: Compare, left: Node, right: Node) -> bool:
        if _is_null(left) or _is_null(right):
            return True
        if _family(left.type) != _family(right.type):
            self.mismatch(
                node,
                f"`{node.op}` compares values of one kind, but the left side is "
                f"{_describe(left)} and the right side is {_describe(right)}",
                _literal_hint(left, right) or _literal_hint(right, left),
            )
            return False
        return self.enum_values(left, right) and self.enum_values(right, left)

    def ordering(self, node: Compare, left: Node, right: Node) -> bool:
        for side in (left, right):
            if _is_null(side):
                self.mismatch(
                    side,
                    f"null can only be compared with == or !=, not `{node.op}`",
                    "test presence with `x != null`",
                )
                return False
        fam_l, fam_r = _family(left.type), _family(right.type)
        if fam_l not in _ORDERED or fam_r not in _ORDERED or fam_l != fam_r:
            self.mismatch(
                node,
                f"`{node.op}` compares two numbers, two dates or two datetimes, but the left "
                f"side is {_describe(left)} and the right side is {_describe(right)}",
                _literal_hint(left, right) or _literal_hint(right, left),
            )
            return False
        return True

    def membership(self, node: Compare, left: Node, right: Node) -> bool:
        lt, rt = left.type, right.type
        if _family(lt) != "string":
            self.mismatch(
                left,
                f"`{node.op}` tests a string or enum value, but the left side is {_describe(left)}",
            )
            return False
        if rt is None or rt.kind != "list":
            self.mismatch(
                right,
                f"`{node.op}` needs a list on the right, but it is {_describe(right)}",
                'write a list, e.g. `x in ["a", "b"]`, or compare with `==`',
            )
            return False
        if isinstance(right, ListLit):
            return all([self.enum_values(left, item) for item in right.items])
        if isinstance(left, Literal) and rt.item is not None and rt.item.kind == "enum":
            return self.enum_value(left, rt.item, _owner(right))
        return True

    def enum_values(self, fact: Node, other: Node) -> bool:
        """A string literal (or list literal) compared with an enum (list) must use its values."""
        t = fact.type
        if t is None:
            return True
        if t.kind == "list" and t.item is not None:
            t = t.item
        if t.kind != "enum":
            return True
        if isinstance(other, Literal):
            return self.enum_value(other, t, _owner(fact))
        if isinstance(other, ListLit):
            return all([self.enum_value(item, t, _owner(fact)) for item in other.items])
        return True

    def enum_value(self, literal: Literal, enum: FactType, owner: str) -> bool:
        if not isinstance(literal.value, str) or literal.value in enum.values:
            return True
        self.error(
            literal,
            "unknown_enum_value",
            f"{literal.value!r} is not a value of {owner}; its values are "
            + ", ".join(enum.values),
            did_you_mean(literal.value, enum.values),
        )
        return False


def _literal_hint(node: Node, literal: Node) -> str | None:
    """Advice for the usual slips: a quoted number, a quoted boolean, a date written as text."""
    if not isinstance(literal, Literal) or node.type is None:
        return None
    fam = _family(node.type)
    value = literal.value
    if fam == "number" and isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return None
        return f"write the number without quotes: {value}"
    if fam == "bool" and isinstance(value, str) and value.lower() in ("true", "false"):
        return f"write {value.lower()} without quotes"
    if fam in ("date", "datetime") and isinstance(value, str | int | float):
        return (
            "dates cannot be written as literals; use days_since(...), days_until(...) or "
            "hours_since(...), e.g. `days_since(hlr.suspended_since) > 30`"
        )
    return None


def check(
    node: Node, schema: FactSchema, locate: Locate, expect: FactType | None = BOOL
) -> tuple[Node | None, list[Problem]]:
    """The typed copy of `node`, or None and every problem found."""
    checker = _Checker(schema, locate)
    typed = checker.check(node)
    if typed is None:
        return None, checker.problems
    t = typed.type
    if t is None:
        checker.error(
            typed,
            "not_a_condition" if expect == BOOL else "type_mismatch",
            "null alone is not a value here",
            "test presence with `x == null` or `x != null`" if expect == BOOL else None,
        )
        return None, checker.problems
    if expect is not None and not _matches(t, expect):
        if expect == BOOL:
            example = "x > 0" if _family(t) == "number" else 'x == "value"'
            if t.kind in ("date", "datetime"):
                example = "days_since(x) > 30"
            elif t.kind == "list":
                example = "count(x) > 0"
            message = (
                f"a condition must be true or false, but this expression is {_describe(typed)}; "
                f"compare it, e.g. `{example}`"
            )
        else:
            message = f"expected {_article(str(expect))} here, but this is {_describe(typed)}"
        checker.error(typed, "not_a_condition", message)
        return None, checker.problems
    return typed, []


def _matches(actual: FactType, expect: FactType) -> bool:
    if expect.kind == "number":
        return _family(actual) == "number"
    if expect.kind == "string":
        return _family(actual) == "string"
    return actual.kind == expect.kind
