"""Tests of the condition language: parsing, checking, compiling and its three-valued semantics."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagtree._errors import Location, Problem
from diagtree._expr import Expression, compile_expression
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
    to_text,
)
from diagtree._vocab.facts import UNKNOWN, FactSchema, FactSpec, FactType, source_of

from expr_reference import evaluate

# -- the test schema ------------------------------------------------------------------------------
STATUS = FactType.enum("active", "suspended", "terminated")
TIER = FactType.enum("normal", "vip")
SERVICE = FactType.enum("voice", "sms", "data")
KINDS = {
    "b.flag": FactType("bool"),
    "b.other": FactType("bool"),
    "n.count": FactType("int"),
    "n.level": FactType("int"),
    "x.rsrp": FactType("number"),
    "x.sinr": FactType("number"),
    "e.status": STATUS,
    "e.tier": TIER,
    "s.name": FactType("string"),
    "s.code": FactType("string"),
    "d.since": FactType("date"),
    "d.until": FactType("date"),
    "t.at": FactType("datetime"),
    "t.eta": FactType("datetime"),
    "complaint.reported_at": FactType("datetime"),
    "l.tags": FactType.list_of(FactType("string")),
    "l.services": FactType.list_of(SERVICE),
}
SCHEMA = FactSchema(FactSpec(name, t, "test fact") for name, t in KINDS.items())
ORIGIN = Location("tree.yaml", 10, 12)
CST = dt.timezone(dt.timedelta(hours=8))
REPORTED = dt.datetime(2024, 3, 10, 14, 30, tzinfo=CST)


def compile_ok(text: str, **kw: Any) -> Expression:
    expr, problems = compile_expression(text, SCHEMA, ORIGIN, **kw)
    assert problems == [], [p.headline() for p in problems]
    assert expr is not None
    return expr


def problems_of(text: str, **kw: Any) -> list[Problem]:
    expr, problems = compile_expression(text, SCHEMA, ORIGIN, **kw)
    assert expr is None
    assert problems
    return problems


def one_problem(text: str, **kw: Any) -> Problem:
    problems = problems_of(text, **kw)
    assert len(problems) == 1, [p.headline() for p in problems]
    return problems[0]


def facts(**overrides: Any) -> dict[str, Any]:
    """All facts null except the complaint time, then `overrides` (dots written as __)."""
    values: dict[str, Any] = dict.fromkeys(KINDS)
    values["complaint.reported_at"] = REPORTED
    for key, value in overrides.items():
        values[key.replace("__", ".")] = value
    return values


# -- public API -----------------------------------------------------------------------------------
def test_expression_fields() -> None:
    expr = compile_ok(
        'e.status == "active" and hours_since(t.at) > 2 and b.flag and e.status != null'
    )
    assert expr.type == FactType("bool")
    assert expr.facts == ("e.status", "t.at", "complaint.reported_at", "b.flag")
    assert {source_of(name) for name in expr.facts} == {"e", "t", "complaint", "b"}
    assert to_text(expr.ir) == expr.text


def test_value_expression_types() -> None:
    assert compile_ok("n.count + 1", expect=None).type == FactType("int")
    assert compile_ok("n.count / 2", expect=None).type == FactType("number")
    assert compile_ok("e.status", expect=None).type == STATUS
    assert compile_ok("x.rsrp", expect=FactType("number")).fn(facts(x__rsrp=-3.5)) == -3.5
    assert compile_ok("n.count", expect=FactType("number")).type == FactType("int")


def test_lazy_dict_reads_through_missing() -> None:
    class Lazy(dict[str, Any]):
        def __missing__(self, key: str) -> Any:
            self[key] = 5
            return 5

    expr = compile_ok("n.count > 3 and n.level == 5")
    lazy = Lazy()
    assert expr.fn(lazy) is True
    assert set(lazy) == {"n.count", "n.level"}


def test_and_stops_at_first_false() -> None:
    class Recording(dict[str, Any]):
        def __getitem__(self, key: str) -> Any:
            read.append(key)
            return super().__getitem__(key)

    read: list[str] = []
    expr = compile_ok("b.flag and n.count > 1 and b.other")
    assert expr.fn(Recording(facts(b__flag=UNKNOWN, n__count=0, b__other=True))) is False
    assert read == ["b.flag", "n.count"]


# -- parse errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "code", "line", "col"),
    [
        ("b.flag and", "expr_syntax", 10, 22),
        ("b.flag && b.other", "expr_syntax", 10, 20),
        ("n.count = 1", "expr_syntax", 10, 20),
        ("'abc", "expr_syntax", 10, 12),
        ("", "expr_syntax", 10, 12),
        ("   ", "expr_syntax", 10, 12),
        # a text spanning lines is a literal block scalar whose lines share the first's indent
        ("b.flag and\n  True", "expr_unsupported", 11, 14),
        ("n.count < n.level < 3", "expr_unsupported", 10, 22),
        ("n.count is null", "expr_unsupported", 10, 12),
        ("l.tags[0] == 'a'", "expr_unsupported", 10, 12),
        ("count(l.tags, x=1) > 0", "expr_unsupported", 10, 28),
        ("f'{n.count}' == 'a'", "expr_unsupported", 10, 12),
        ("(lambda: 1)() == 1", "expr_unsupported", 10, 13),
        ("[x for x in l.tags] == []", "expr_unsupported", 10, 12),
        ("n.count ** 2 > 1", "expr_unsupported", 10, 12),
        ("n.count // 2 > 1", "expr_unsupported", 10, 12),
        ("n.count % 2 > 1", "expr_unsupported", 10, 12),
        ("b.flag & b.other", "expr_unsupported", 10, 12),
        ("1 if b.flag else 2", "expr_unsupported", 10, 12),
        ("(n := 1) == 1", "expr_unsupported", 10, 13),
        ("{'a': 1} == 1", "expr_unsupported", 10, 12),
        ("{'a'} == 1", "expr_unsupported", 10, 12),
        ("s.name.upper() == 'A'", "expr_unsupported", 10, 12),
        ("count(*l.tags) > 0", "expr_unsupported", 10, 18),
        ("e.status in ['a', s.name]", "expr_unsupported", 10, 30),
        ("b.flag # why", "expr_syntax", 10, 19),
        ("~b.flag", "expr_unsupported", 10, 12),
    ],
)
def test_parse_errors(text: str, code: str, line: int, col: int) -> None:
    problem = problems_of(text)[0]
    assert (problem.code, problem.location.line, problem.location.col) == (code, line, col)
    assert problem.location.file == "tree.yaml"


def test_python_literals_hint() -> None:
    problem = one_problem("b.flag == True")
    assert problem.code == "expr_unsupported"
    assert problem.hint == "write true / false / null"
    assert "`true`" in problem.message


def test_all_parse_problems_reported() -> None:
    problems = problems_of("b.flag == True or n.count == None or n.count ** 2 > 1")
    assert [(p.code, p.location.col) for p in problems] == [
        ("expr_unsupported", 22),
        ("expr_unsupported", 41),
        ("expr_unsupported", 49),
    ]


def test_multi_line_positions() -> None:
    text = 'e.status == "active"\n  and e.tier == "vpi"'
    problem = one_problem(text)
    assert problem.code == "unknown_enum_value"
    assert (problem.location.line, problem.location.col) == (11, 12 + 16)
    compile_ok('e.status == "active"\n  and\n  b.flag')
    compile_ok('e.status == "active"\r\n  and b.flag')


def test_non_ascii_columns() -> None:
    problem = one_problem('s.name == "张三" and e.tier == "vpi"')
    assert problem.location.col == 12 + len('s.name == "张三" and e.tier == ')


def test_syntax_hints() -> None:
    assert one_problem("b.flag || b.other").hint == "write `and` / `or`"
    assert one_problem("n.count = 3").hint == "compare with `==`"
    assert one_problem("!b.flag").hint == "write `not x` or `!=`"


# -- limits ---------------------------------------------------------------------------------------
def test_too_long() -> None:
    text = " or ".join(["b.flag"] * 200)
    assert one_problem(text).code == "expr_too_long"
    assert one_problem("b.flag", max_length=3).code == "expr_too_long"
    compile_ok(" or ".join(["b.flag"] * 100))


def test_too_many_nodes() -> None:
    text = " or ".join(["b.flag"] * 201)
    assert one_problem(text, max_length=5000).code == "expr_too_complex"


def test_too_deep() -> None:
    deep = "not " * 40 + "b.flag"
    assert one_problem(deep).code == "expr_too_complex"
    compile_ok("not " * 30 + "b.flag")
    nested = "(" * 150 + "b.flag" + ")" * 150
    compile_ok(nested)  # parentheses are not nesting of the tree
    assert problems_of("-(" * 400 + "1" + ")" * 400, max_length=5000, expect=None)


def test_huge_input_never_raises() -> None:
    for text in ["(" * 5000, "-" * 100_000 + "1", "[" * 3000 + "]" * 3000, "a." * 5000 + "b"]:
        expr, problems = compile_expression(text, SCHEMA, ORIGIN, max_length=200_000)
        assert expr is None
        assert problems
        assert problems[0].code in ("expr_syntax", "expr_too_complex")


# -- type errors ----------------------------------------------------------------------------------
def test_unknown_fact_did_you_mean() -> None:
    problem = one_problem('e.stauts == "active"')
    assert problem.code == "unknown_fact"
    assert problem.hint == "did you mean 'e.status'?"
    assert (problem.location.line, problem.location.col) == (10, 12)
    assert "e.stauts" in problem.message


def test_unknown_fact_group_hint() -> None:
    problem = one_problem("complaint == null")
    assert problem.code == "unknown_fact"
    assert problem.hint is not None
    assert "complaint.reported_at" in problem.hint


def test_unknown_function() -> None:
    problem = one_problem("hour_since(t.at) > 3")
    assert problem.code == "unknown_function"
    assert problem.hint == "did you mean 'hours_since'?"
    assert one_problem("len(l.tags) > 3").code == "unknown_function"


def test_all_type_problems_reported() -> None:
    problems = problems_of('e.stauts == "a" or n.coutn > 1 or e.tier == "vpi"')
    assert [p.code for p in problems] == ["unknown_fact", "unknown_fact", "unknown_enum_value"]


@pytest.mark.parametrize(
    "text",
    [
        "count(n.count) > 0",
        "count(l.tags, l.tags) > 0",
        "count() > 0",
        "hours_since(d.since) > 0",
        "days_since(n.count) > 0",
        "abs(s.name) > 0",
        'n.count == "3"',
        "n.count == b.flag",
        "d.since == t.at",
        "d.since < t.at",
        "s.name < s.code",
        "b.flag < b.other",
        "n.count < null",
        "e.status in e.tier",
        "n.count in [1, 2]",
        "n.count in l.tags",
        "b.flag and n.count",
        "not s.name",
        "s.name + 1 > 0",
        "-s.name == 1",
        "l.tags == s.name",
        "e.status in [1]",
        'hours_since(t.at) > "5"',
    ],
)
def test_type_mismatch(text: str) -> None:
    assert [p.code for p in problems_of(text)] == ["type_mismatch"]


def test_type_mismatch_hints() -> None:
    assert one_problem('n.count == "3"').hint == "write the number without quotes: 3"
    assert one_problem('b.flag == "true"').hint == "write true without quotes"
    hint = one_problem('d.since < "2024-01-01"').hint
    assert hint is not None
    assert "days_since" in hint
    message = one_problem("n.count == b.flag").message
    assert "int (n.count)" in message
    assert "bool (b.flag)" in message


def test_unknown_enum_value() -> None:
    problem = one_problem('e.status == "suspend"')
    assert problem.code == "unknown_enum_value"
    assert problem.hint == "did you mean 'suspended'?"
    assert "active, suspended, terminated" in problem.message
    assert problem.location.col == 12 + len("e.status == ")
    assert one_problem('"actve" == e.status').code == "unknown_enum_value"
    assert one_problem('e.status != "x"').code == "unknown_enum_value"
    assert one_problem('e.status in ["active", "gone"]').location.col == 12 + 23
    assert one_problem('"fax" in l.services').code == "unknown_enum_value"
    assert one_problem('l.services == ["voice", "mms"]').code == "unknown_enum_value"
    compile_ok('"anything" in l.tags and s.name in ["x"] and s.name == "free"')
    compile_ok("e.status == e.tier or e.status == s.name or e.status in l.tags")


def test_not_a_condition() -> None:
    problem = one_problem("n.count + 1")
    assert problem.code == "not_a_condition"
    assert "number" in problem.message or "int" in problem.message
    assert "`x > 0`" in problem.message
    assert "days_since" in one_problem("t.at").message
    assert "count(x) > 0" in one_problem("l.tags").message
    assert one_problem("null").code == "not_a_condition"
    assert one_problem("b.flag", expect=FactType("number")).code == "not_a_condition"
    assert one_problem("null", expect=None).code == "type_mismatch"


def test_relative_functions_need_reported_at() -> None:
    schema = FactSchema(FactSpec(n, t, "x") for n, t in KINDS.items() if not n.startswith("comp"))
    expr, problems = compile_expression("hours_since(t.at) > 1", schema, ORIGIN)
    assert expr is None
    assert [p.code for p in problems] == ["unknown_fact"]
    assert "complaint.reported_at" in problems[0].message


# -- semantics ------------------------------------------------------------------------------------
U = UNKNOWN
SEMANTICS = [
    # Kleene logic
    ("b.flag and b.other", {"b.flag": False, "b.other": U}, False),
    ("b.flag and b.other", {"b.flag": U, "b.other": False}, False),
    ("b.flag and b.other", {"b.flag": U, "b.other": True}, U),
    ("b.flag and b.other", {"b.flag": True, "b.other": True}, True),
    ("b.flag or b.other", {"b.flag": True, "b.other": U}, True),
    ("b.flag or b.other", {"b.flag": U, "b.other": True}, True),
    ("b.flag or b.other", {"b.flag": U, "b.other": False}, U),
    ("b.flag or b.other", {"b.flag": None, "b.other": False}, False),
    ("not b.flag", {"b.flag": U}, U),
    ("not b.flag", {"b.flag": None}, True),
    ("not b.flag", {"b.flag": True}, False),
    ("b.flag", {"b.flag": None}, False),
    ("b.flag", {"b.flag": U}, U),
    ("b.flag and b.other and n.count > 1 and true", {"b.flag": U, "n.count": 0}, False),
    ("b.flag or b.other or n.count > 1 or false", {"b.flag": U, "n.count": 2}, True),
    ("(b.flag or b.other) and not (n.count > 1)", {"b.flag": U, "n.count": 0}, U),
    # null
    ("n.count == null", {"n.count": None}, True),
    ("n.count != null", {"n.count": None}, False),
    ("null == n.count", {"n.count": 3}, False),
    ("n.count == null", {"n.count": U}, U),
    ("n.count == n.level", {}, True),
    ("n.count != 3", {"n.count": None}, True),
    ("n.count < 3", {"n.count": None}, False),
    ("n.count >= 3", {"n.count": None}, False),
    ("3 > n.count", {"n.count": None}, False),
    ("n.count < n.level", {"n.count": 1}, False),
    ("n.count < n.level", {"n.count": U}, U),
    ("n.count < 3", {"n.count": U}, U),
    ("e.status in ['active']", {"e.status": None}, False),
    ("e.status not in ['active']", {"e.status": None}, False),
    ("not (e.status in ['active'])", {"e.status": None}, True),
    ("'voice' in l.services", {"l.services": None}, False),
    ("'voice' not in l.services", {"l.services": None}, False),
    ("'voice' not in l.services", {"l.services": ("sms",)}, True),
    ("'voice' in l.services", {"l.services": U}, U),
    ("e.status in l.tags", {"e.status": "active", "l.tags": ("active",)}, True),
    ("e.status not in l.tags", {"e.status": "active", "l.tags": None}, False),
    ("e.status in ['active']", {"e.status": U}, U),
    ("s.name in l.tags", {"s.name": U, "l.tags": None}, U),
    ("n.count + 1 == null", {"n.count": None}, True),
    ("n.count / n.level == null", {"n.count": 1, "n.level": 0}, True),
    ("x.rsrp / 0 > 1", {"x.rsrp": 2.5}, False),
    ("-n.count == null", {"n.count": None}, True),
    ("-n.count < 0", {"n.count": U}, U),
    ("n.count * 2 + 1 == 7", {"n.count": 3}, True),
    ("abs(x.rsrp) > 100", {"x.rsrp": -110.5}, True),
    ("abs(x.rsrp) == null", {"x.rsrp": None}, True),
    ("count(l.tags) == 0", {"l.tags": None}, True),
    ("count(l.tags) == 2", {"l.tags": ("a", "b")}, True),
    ("count(l.tags) == 0", {"l.tags": U}, U),
    ("count(['a']) == 1", {}, True),
    ("l.tags == ['a', 'b']", {"l.tags": ("a", "b")}, True),
    ("l.tags == ['b', 'a']", {"l.tags": ("a", "b")}, False),
    ("l.tags != null", {"l.tags": ()}, True),
    # time, relative to complaint.reported_at
    ("hours_since(t.at) == 2.5", {"t.at": dt.datetime(2024, 3, 10, 12, 0, tzinfo=CST)}, True),
    ("hours_since(t.at) == 2.5", {"t.at": dt.datetime(2024, 3, 10, 4, 0, tzinfo=dt.UTC)}, True),
    ("hours_since(t.at) > 1", {"t.at": None}, False),
    ("hours_since(t.at) > 1", {"t.at": U}, U),
    ("hours_since(t.at) > 1", {"complaint.reported_at": U, "t.at": REPORTED}, U),
    ("days_since(d.since) == 9 + 14.5 / 24", {"d.since": dt.date(2024, 3, 1)}, True),
    ("days_until(d.until) == 0.5 - 14.5 / 24 + 1", {"d.until": dt.date(2024, 3, 11)}, False),
    ("days_until(d.until) == (24 - 14.5) / 24", {"d.until": dt.date(2024, 3, 11)}, True),
    ("days_until(t.eta) == -1", {"t.eta": REPORTED - dt.timedelta(days=1)}, True),
    ("days_since(t.at) == 0.5", {"t.at": REPORTED - dt.timedelta(hours=12)}, True),
    ("t.at < t.eta", {"t.at": REPORTED, "t.eta": REPORTED + dt.timedelta(seconds=1)}, True),
    ("d.since <= d.until", {"d.since": dt.date(2024, 1, 1), "d.until": dt.date(2024, 1, 1)}, True),
    # strings and enums
    ("e.status == 'active'", {"e.status": "active"}, True),
    ("e.status != 'active'", {"e.status": None}, True),
    ("e.status == s.name", {"e.status": "vip", "s.name": "vip"}, True),
    ("b.flag == false", {"b.flag": None}, False),
    ("b.flag == b.other", {"b.flag": None, "b.other": None}, True),
    ("(b.flag and b.other) == false", {"b.flag": None}, True),
    ("true", {}, True),
    ("null == null", {}, True),
]


@pytest.mark.parametrize(("text", "values", "expected"), SEMANTICS)
def test_semantics(text: str, values: dict[str, Any], expected: Any) -> None:
    expr = compile_ok(text)
    env = facts(**{k.replace(".", "__"): v for k, v in values.items()})
    assert expr.fn(env) is expected
    assert evaluate(expr.ir, env) is expected


def test_value_semantics() -> None:
    assert compile_ok("b.flag", expect=None).fn(facts()) is None  # a value, not a condition
    assert compile_ok("n.count / n.level", expect=None).fn(facts(n__count=3, n__level=2)) == 1.5
    assert compile_ok("-x.rsrp", expect=None).fn(facts(x__rsrp=U)) is U
    assert compile_ok("count(l.tags)", expect=None).fn(facts()) == 0


# -- property tests -------------------------------------------------------------------------------
STRINGS = ["a", "b", "active", "vip", "voice", "sms", "", "张"]
FACTS_BY_KIND: dict[str, list[str]] = {}
for _name, _t in KINDS.items():
    FACTS_BY_KIND.setdefault(_t.kind, []).append(_name)
ENUM_FACTS = FACTS_BY_KIND["enum"]


def fact(name: str) -> st.SearchStrategy[Node]:
    return st.just(FactRef(name))


def facts_of(*kinds: str) -> st.SearchStrategy[Node]:
    return st.sampled_from([FactRef(n) for k in kinds for n in FACTS_BY_KIND[k]])


int_lit = st.integers(-3, 3).map(Literal)
num_lit = st.sampled_from([-1.5, 0.0, 0.5, 2.5, 1e300]).map(Literal)
str_lit = st.sampled_from(STRINGS).map(Literal)


def enum_lit(name: str) -> st.SearchStrategy[Literal]:
    t = KINDS[name]
    return st.sampled_from((t.item or t).values).map(Literal)


def str_list(items: st.SearchStrategy[Literal]) -> st.SearchStrategy[Node]:
    return st.lists(items, max_size=3).map(lambda xs: ListLit(tuple(xs)))


def maybe_flip(pair: tuple[Node, Node]) -> st.SearchStrategy[tuple[Node, Node]]:
    return st.sampled_from([pair, (pair[1], pair[0])])


@st.composite
def enum_and_literal(draw: st.DrawFn) -> tuple[Node, Node]:
    name = draw(st.sampled_from(ENUM_FACTS))
    return FactRef(name), draw(enum_lit(name))


def numbers(depth: int) -> st.SearchStrategy[Node]:
    leaves = st.one_of(facts_of("int", "number"), int_lit, num_lit)
    if depth <= 0:
        return leaves
    sub = st.deferred(lambda: numbers(depth - 1))
    return st.one_of(
        leaves,
        st.builds(Arith, st.sampled_from(["+", "-", "*", "/"]), sub, sub),
        st.builds(Neg, facts_of("int", "number") | st.builds(Arith, st.just("+"), sub, sub)),
        st.builds(lambda a: Call("abs", (a,)), sub),
        st.builds(lambda a: Call("count", (a,)), facts_of("list") | str_list(str_lit)),
        st.builds(lambda a: Call("hours_since", (a,)), facts_of("datetime")),
        st.builds(
            Call,
            st.sampled_from(["days_since", "days_until"]),
            facts_of("date", "datetime").map(lambda a: (a,)),
        ),
    )


def equality_pairs(depth: int) -> st.SearchStrategy[tuple[Node, Node]]:
    any_fact = st.sampled_from([FactRef(n) for n in KINDS])
    services = str_list(enum_lit("l.services"))
    pairs = st.one_of(
        st.tuples(numbers(depth), numbers(depth)),
        enum_and_literal(),
        st.tuples(facts_of("enum", "string"), facts_of("enum", "string")),
        st.tuples(fact("s.name"), str_lit),
        st.tuples(facts_of("date"), facts_of("date")),
        st.tuples(facts_of("datetime"), facts_of("datetime")),
        st.tuples(conditions(depth - 1), conditions(depth - 1)),
        st.tuples(fact("l.services"), services),
        st.tuples(fact("l.tags"), str_list(str_lit)),
        st.tuples(facts_of("list"), facts_of("list")),
        st.tuples(any_fact, st.just(Literal(None))),
    )
    return pairs.flatmap(maybe_flip)


def ordered_pairs(depth: int) -> st.SearchStrategy[tuple[Node, Node]]:
    return st.one_of(
        st.tuples(numbers(depth), numbers(depth)),
        st.tuples(facts_of("date"), facts_of("date")),
        st.tuples(facts_of("datetime"), facts_of("datetime")),
    )


@st.composite
def membership(draw: st.DrawFn) -> Compare:
    op = draw(st.sampled_from(["in", "not in"]))
    shape = draw(st.integers(0, 3))
    if shape == 0:
        name = draw(st.sampled_from(ENUM_FACTS))
        left: Node = FactRef(name)
        right: Node = draw(str_list(enum_lit(name)) | facts_of("list"))
    elif shape == 1:
        left = FactRef("s.name")
        right = draw(str_list(str_lit) | facts_of("list"))
    elif shape == 2:
        left, right = draw(enum_lit("l.services")), FactRef("l.services")
    else:
        left, right = draw(str_lit), draw(st.just(FactRef("l.tags")) | str_list(str_lit))
    return Compare(op, left, right)


def conditions(depth: int) -> st.SearchStrategy[Node]:
    leaves = st.one_of(facts_of("bool"), st.sampled_from([Literal(True), Literal(False)]))
    if depth <= 0:
        return leaves
    sub = st.deferred(lambda: conditions(depth - 1))
    return st.one_of(
        leaves,
        st.builds(Not, sub),
        st.builds(
            BoolOp, st.sampled_from(["and", "or"]), st.lists(sub, min_size=2, max_size=5).map(tuple)
        ),
        st.builds(
            lambda op, p: Compare(op, *p), st.sampled_from(["==", "!="]), equality_pairs(depth - 1)
        ),
        st.builds(
            lambda op, p: Compare(op, *p),
            st.sampled_from(["<", "<=", ">", ">="]),
            ordered_pairs(depth - 1),
        ),
        membership(),
    )


def fact_value(name: str, t: FactType) -> st.SearchStrategy[Any]:
    kind = t.kind
    if kind == "bool":
        typed: st.SearchStrategy[Any] = st.booleans()
    elif kind == "int":  # now and then one beyond any float: its arithmetic may have no value
        typed = st.integers(-3, 3) | st.sampled_from([10**400, -(10**400)])
    elif kind == "number":
        typed = st.sampled_from([-1.5, 0.0, 0.5, 2.5, -3, 1])
    elif kind == "enum":
        typed = st.sampled_from(t.values)
    elif kind == "string":
        typed = st.sampled_from(STRINGS)
    elif kind == "date":
        typed = st.dates(dt.date(2024, 3, 8), dt.date(2024, 3, 12))
    elif kind == "datetime":
        typed = st.builds(
            lambda minutes, tz: (REPORTED + dt.timedelta(minutes=minutes)).astimezone(tz),
            st.integers(-3000, 3000),
            st.sampled_from([CST, dt.UTC, dt.timezone(dt.timedelta(hours=-5))]),
        )
    else:
        assert t.item is not None
        pool = list(t.item.values) if t.item.kind == "enum" else STRINGS
        typed = st.lists(st.sampled_from(pool), max_size=3).map(tuple)
    absent = st.sampled_from([None, UNKNOWN])
    if name == "complaint.reported_at":
        return st.one_of(st.just(REPORTED), typed, absent)
    return st.one_of(typed, absent)


fact_values = st.fixed_dictionaries({n: fact_value(n, t) for n, t in KINDS.items()})


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


class Recording(dict[str, Any]):
    def __init__(self, values: dict[str, Any]) -> None:
        super().__init__(values)
        self.read: list[str] = []

    def __getitem__(self, key: str) -> Any:
        self.read.append(key)
        return super().__getitem__(key)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conditions(3), st.lists(fact_values, min_size=1, max_size=4))
def test_compiled_matches_reference(ir: Node, envs: list[dict[str, Any]]) -> None:
    text = to_text(ir)
    expr = compile_ok(text)
    assert expr.ir == ir
    assert to_text(expr.ir) == text  # round trip
    for env in envs:
        recording = Recording(env)
        got = expr.fn(recording)
        assert got is True or got is False or got is UNKNOWN
        assert same(got, evaluate(expr.ir, env)), text
        assert set(recording.read) <= set(expr.facts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(numbers(3), st.lists(fact_values, min_size=1, max_size=4))
def test_compiled_values_match_reference(ir: Node, envs: list[dict[str, Any]]) -> None:
    expr = compile_ok(to_text(ir), expect=None)
    assert expr.ir == ir
    for env in envs:
        assert same(expr.fn(env), evaluate(expr.ir, env, boolean=False)), expr.text


def test_logic_exhaustive() -> None:
    """Every and/or of 2–4 operands (a fact or its negation) over true/false/null/UNKNOWN."""
    names = [f"p.f{i}" for i in range(4)]
    schema = FactSchema(FactSpec(n, FactType("bool"), "x") for n in names)
    for n in range(2, 5):
        for op in ("and", "or"):
            for negated in itertools.product([False, True], repeat=n):
                pairs = zip(negated, names[:n], strict=True)
                parts = [("not " if neg else "") + name for neg, name in pairs]
                text = f" {op} ".join(parts)
                expr, problems = compile_expression(text, schema, ORIGIN)
                assert expr is not None, problems
                for values in itertools.product([True, False, None, UNKNOWN], repeat=n):
                    env = dict(zip(names, values, strict=False))
                    assert expr.fn(env) is evaluate(expr.ir, env), (text, values)


ATOM_VALUES: dict[str, list[Any]] = {
    "n.count": [-1, 0, 1, 2],
    "x.rsrp": [-1.5, 0.0, 0.5, 1, 2],
    "e.status": ["active", "suspended"],
    "s.name": ["a", "active", ""],
    "d.since": [dt.date(2024, 3, 9), dt.date(2024, 3, 10)],
    "t.at": [REPORTED, REPORTED.astimezone(dt.UTC), REPORTED + dt.timedelta(seconds=1)],
    "l.services": [(), ("voice",), ("sms", "voice")],
    "l.tags": [(), ("a",), ("active", "b")],
}


def atoms() -> list[str]:
    """Comparisons of a fact with a literal or another fact, both ways round."""
    out = []
    number_literals = ["-1", "0", "0.5", "1", "2"]
    for op in ("==", "!=", "<", "<=", ">", ">="):
        for lit in number_literals:
            out += [f"n.count {op} {lit}", f"{lit} {op} x.rsrp", f"count(l.tags) {op} {lit}"]
        out += [f"n.count {op} x.rsrp", f"d.since {op} d.until", f"t.at {op} t.eta"]
    for op in ("==", "!="):
        out += [f"e.status {op} 'active'", f"'a' {op} s.name", f"e.status {op} s.name"]
        out += [f"n.count {op} null", f"null {op} t.at", f"l.tags {op} ['a']"]
        out += [f"l.services {op} ['sms', 'voice']", f"b.flag {op} true"]
    for op in ("in", "not in"):
        out += [f"e.status {op} ['active', 'terminated']", f"'voice' {op} l.services"]
        out += [f"s.name {op} l.tags", f"e.status {op} l.services", f"'a' {op} ['a', 'b']"]
    return out


@pytest.mark.parametrize("text", atoms())
def test_atoms_exhaustive(text: str) -> None:
    expr = compile_ok(text)
    pools = [
        [*ATOM_VALUES.get(n, [True, False] if n.startswith("b.") else []), None, UNKNOWN]
        for n in expr.facts
    ]
    if "d.until" in expr.facts or "t.eta" in expr.facts:
        pools = [
            [*ATOM_VALUES["d.since" if "d.until" in expr.facts else "t.at"], None, UNKNOWN]
            for _ in expr.facts
        ]
    for values in itertools.product(*pools):
        env = facts(**{n.replace(".", "__"): v for n, v in zip(expr.facts, values, strict=True)})
        assert expr.fn(env) is evaluate(expr.ir, env), (text, values)


_CODES_TEXT = """expr_syntax expr_unsupported expr_too_long expr_too_complex unknown_fact
    unknown_function type_mismatch unknown_enum_value not_a_condition expr_number_out_of_range"""
CODES = frozenset(_CODES_TEXT.split())
_TOKENS_TEXT = r"""( ) [ ] , . ' " and or not in == != < >= - + * / ** null true True b.flag n.count
    e.status 'active' count( hours_since( 1 2.5 # \ := lambda if else 张"""
TOKENS = [*_TOKENS_TEXT.split(), " ", "\n"]


SMALL_CONDITIONS = conditions(2)


@st.composite
def near_misses(draw: st.DrawFn) -> str:
    text = to_text(draw(SMALL_CONDITIONS))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["insert", "delete", "replace"]))
        token = draw(st.sampled_from(TOKENS))
        if edit == "insert":
            text = text[:at] + token + text[at:]
        elif edit == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 4)) :]
        else:
            text = text[:at] + token + text[at + len(token) :]
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=60), near_misses()), st.sampled_from([None, FactType("bool")]))
def test_never_raises(text: str, expect: FactType | None) -> None:
    expr, problems = compile_expression(text, SCHEMA, ORIGIN, expect=expect)
    assert (expr is None) == bool(problems)
    for problem in problems:
        assert problem.location.file == "tree.yaml"
        assert problem.location.line >= ORIGIN.line
        assert problem.code in CODES
    if expr is not None:
        expr.fn(facts())


def test_render_examples() -> None:
    cases = [
        (Not(BoolOp("and", (FactRef("a"), FactRef("b")))), "not (a and b)"),
        (
            BoolOp("and", (BoolOp("and", (FactRef("a"), FactRef("b"))), FactRef("c"))),
            "(a and b) and c",
        ),
        (BoolOp("or", (BoolOp("and", (FactRef("a"), FactRef("b"))), FactRef("c"))), "a and b or c"),
        (Arith("-", FactRef("a"), Arith("-", FactRef("b"), Literal(-1))), "a - (b - -1)"),
        (Neg(Literal(-1)), "-(-1)"),
        (Compare("==", Not(FactRef("a")), Literal(None)), "(not a) == null"),
        (ListLit((Literal("x"), Literal("y"))), '["x", "y"]'),
    ]
    for ir, text in cases:
        assert to_text(ir) == text
