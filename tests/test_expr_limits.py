"""Conditions under limits: bad text is a located problem, arithmetic with no value is UNKNOWN.

Three-valued logic decides what an overflow means: `a / b` beyond any float has no value, so a
condition over it is unknown — the walk then follows the node's `on_unknown` (or concludes
`unknown.data_unavailable`), a grade rule over it does not match — and the diagnosis notes why.
The generated walker (tracing off) and the closures (tracing on) agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import diagtree_adapters as ad
from diagtree import AuthoringError, Engine
from diagtree._author.codes import EXAMPLE_CONTEXT
from diagtree._errors import Location
from diagtree._expr import compile_expression
from diagtree._expr.closures import ARITHMETIC_NOTES, arithmetic_notes
from diagtree._expr.parse import MAX_LITERAL
from diagtree._vocab.facts import UNKNOWN, FactSchema, FactSpec, FactType

from conftest import fuzz
from expr_reference import evaluate

SCHEMA = FactSchema(FactSpec(name, FactType(kind), "a test fact")
                    for name, kind in (("c.count", "int"), ("c.amount", "number"),
                                       ("c.on", "bool")))
ORIGIN = Location("tree.yaml", 7, 12)
# 2**1060 as a product of literals each within the limit: an int no float can hold
HUGE = " * ".join(["9007199254740992"] * 20)


def _compile(text: str) -> Any:
    return compile_expression(text, SCHEMA, ORIGIN)


# -- refused at compile ----------------------------------------------------------------------------
def test_a_lone_surrogate_is_a_located_problem() -> None:
    # it raised UnicodeEncodeError out of the parser
    expr, problems = _compile("c.on and c.count\udeff > 1")
    assert expr is None
    assert [(p.code, p.location.line, p.location.col) for p in problems] == [
        ("expr_syntax", 7, 12 + len("c.on and c.count"))]
    assert "U+DEFF" in problems[0].message


def test_a_lone_surrogate_on_a_later_line_is_located_there() -> None:
    _, problems = _compile("c.on and\n  c.count > \ud800")
    assert [(p.code, p.location.line, p.location.col) for p in problems] == [
        ("expr_syntax", 8, 12 + len("  c.count > "))]


@pytest.mark.parametrize(("text", "col"), [
    ("c.amount * " + "9" * 400 + " > 0", len("c.amount * ")),  # evaluated to OverflowError
    ("c.count > 9007199254740993", len("c.count > ")),
    ("c.count > -9007199254740993", len("c.count > ")),  # at its sign
    ("c.amount < 1e999", len("c.amount < ")),
    ("c.count in [1, 2, " + "7" * 30 + "]", len("c.count in [1, 2, ")),
])
def test_a_number_literal_out_of_range_is_refused_where_it_is(text: str, col: int) -> None:
    expr, problems = _compile(text)
    assert expr is None
    assert [(p.code, p.location.line, p.location.col) for p in problems] == [
        ("expr_number_out_of_range", 7, 12 + col)]


def test_literals_up_to_the_limit_compile() -> None:
    for text in (f"c.count < {MAX_LITERAL}", f"c.count > -{MAX_LITERAL}", "c.amount < 1e300"):
        expr, problems = _compile(text)
        assert expr is not None, problems


# -- arithmetic with no value is UNKNOWN -----------------------------------------------------------
@pytest.mark.parametrize(("text", "facts"), [
    ("c.amount * c.count > 0", {"c.amount": 1.5, "c.count": 10**400}),
    ("c.count / 2 >= 10", {"c.count": 10**400}),
    (f"c.count * {HUGE} * 1.5 > 10", {"c.count": 1}),
    ("c.count / 3 - c.amount < 0", {"c.count": -(10**400), "c.amount": 0.0}),
])
def test_arithmetic_that_overflows_is_unknown_and_noted(text: str,
                                                        facts: dict[str, Any]) -> None:
    expr, problems = _compile(text)
    assert expr is not None, problems
    store = dict(facts)
    assert expr.fn(store) is UNKNOWN
    notes = arithmetic_notes(store)
    assert len(notes) == 1 and "OverflowError" in notes[0], notes
    expr.fn(store)  # evaluated again (a trace asks twice): noted once
    assert arithmetic_notes(store) == notes


def test_unknown_arithmetic_follows_kleene_logic() -> None:
    facts = {"c.count": 10**400, "c.on": False}
    assert _compile("c.on and c.count / 2 > 1")[0].fn(dict(facts)) is False
    assert _compile("c.on or c.count / 2 > 1")[0].fn(dict(facts)) is UNKNOWN
    assert _compile("not (c.count / 2 > 1)")[0].fn(dict(facts)) is UNKNOWN
    assert _compile("c.count / 2 > 1")[0].fn({"c.count": 4}) is True


# -- in the engine: policy rules and tree checks ---------------------------------------------------
COMPLAINT = {"id": "EL-1", "type": "staff_conduct", "msisdn": "8613800000001",
             "reported_at": "2026-11-20T09:30:00+08:00",
             "incident": {"distinct_customers_24h": 1}}
OVERFLOW = f"complaint.incident.distinct_customers_24h * {HUGE} * 1.5 > 10"
TREE = """\
tree: limits
version: "1"
title: Limits
symptoms: [staff_conduct]
start: mass
nodes:
  mass:
    check: CHECK
    yes: done
    no: done
    ON_UNKNOWN
  done:
    outcome: service.staff_conduct
"""


def _engine(folder: Path, *, check: str = "complaint.incident.distinct_customers_24h > 0",
            on_unknown: bool = False, rule: str | None = None) -> Engine:
    files = dict(EXAMPLE_CONTEXT)
    tree = TREE.replace("CHECK", f"'{check}'").replace(
        "ON_UNKNOWN", "on_unknown: done" if on_unknown else "")
    files["tree.yaml"] = tree
    if rule is not None:
        files["policy.yaml"] = files["policy.yaml"].replace(
            "  grades: []\n",
            f"  grades:\n    - grade: major\n      when: '{rule}'\n      reason: mass incident\n")
        assert "mass incident" in files["policy.yaml"]
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return Engine(folder, sources=ad.mock_sources(ad.records_from_mapping({})))


def test_a_policy_rule_whose_arithmetic_overflows_does_not_match(tmp_path: Path) -> None:
    # an operator's rule dividing a complaint's count raised OverflowError out of diagnose (a
    # rule on the count alone must say "from N customers": validate refuses this one alone)
    engine = _engine(tmp_path, rule=f'{OVERFLOW} and complaint.type == "staff_conduct"')
    d = engine.diagnose(COMPLAINT, locale="en")
    assert d.grade == "normal" and d.grade_reasons == ()
    assert any("could not be read" in n for n in d.notes), d.notes
    assert any("arithmetic" in n and "OverflowError" in n for n in d.notes), d.notes


def test_a_check_whose_arithmetic_overflows_is_unknown_on_both_walkers(tmp_path: Path) -> None:
    engine = _engine(tmp_path, check=OVERFLOW)
    traced = engine.diagnose(COMPLAINT, locale="en")
    fast = engine.diagnose(COMPLAINT, locale="en", trace=False)
    assert traced.cause == fast.cause == "unknown.data_unavailable"
    assert traced.trace[0].branch == "on_unknown"
    for d in (traced, fast):
        assert any("arithmetic" in n for n in d.notes), d.notes
    with_fallback = _engine(tmp_path, check=OVERFLOW, on_unknown=True)
    for trace in (True, False):
        d = with_fallback.diagnose(COMPLAINT, locale="en", trace=trace)
        assert d.cause == "service.staff_conduct"
        assert any("arithmetic" in n for n in d.notes), d.notes


@pytest.mark.parametrize(("old", "new"), [
    ("normal: {within_hours: 48,", "normal: {within_hours: " + "9" * 400 + ","),  # float() raised
    ("normal: {within_hours: 48,", "normal: {within_hours: .inf,"),  # timedelta() raised
    ("major: {within_hours: 6, every_hours: 6}", "major: {within_hours: 6, every_hours: .nan}"),
    ("escalated: {within_hours: 24}", "escalated: {within_hours: -24}"),
    ("limits: {agent: 50,", "limits: {agent: 1.0e+300,"),
])
def test_policy_numbers_out_of_range_are_located_problems(tmp_path: Path, old: str,
                                                          new: str) -> None:
    files = dict(EXAMPLE_CONTEXT)
    assert old in files["policy.yaml"]
    files["policy.yaml"] = files["policy.yaml"].replace(old, new)
    files["tree.yaml"] = TREE.replace("CHECK", "true").replace("ON_UNKNOWN", "")
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(AuthoringError) as caught:
        Engine(tmp_path, sources=ad.mock_sources(ad.records_from_mapping({})))
    problems = [p for p in caught.value.problems if p.code == "policy_out_of_range"]
    assert len(problems) == 1, caught.value.problems
    line = files["policy.yaml"].splitlines()[problems[0].location.line - 1]
    assert new.rsplit(": ", maxsplit=1)[-1].rstrip(",}") in line


def test_the_store_key_of_the_notes_is_not_a_fact_name() -> None:
    expr, problems = compile_expression(f"{ARITHMETIC_NOTES} == 1", SCHEMA, ORIGIN)
    assert expr is None and problems


# -- fuzz ------------------------------------------------------------------------------------------
_PIECES = ["c.count", "c.amount", "c.on", "(", ")", "[", "]", ",", "+", "-", "*", "/", "==",
           "<", ">=", "and", "or", "not", "in", "0", "2", "1.5", "1e300", "1e999", "9" * 20,
           str(MAX_LITERAL), "count(", "abs(", "null", "true", "'a'", "\udc80", "é", " "]
_VALUES = {"c.count": st.sampled_from([0, 3, -2, 10**400, -(10**400), None, UNKNOWN]),
           "c.amount": st.sampled_from([0.0, 1.5, -1e308, 1e308, None, UNKNOWN]),
           "c.on": st.sampled_from([True, False, None, UNKNOWN])}


@fuzz(300)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=25).map(" ".join),
       st.fixed_dictionaries(_VALUES))
def test_fuzzed_conditions_compile_to_problems_and_evaluate_to_three_values(
        text: str, facts: dict[str, Any]) -> None:
    expr, problems = _compile(text)  # never raises
    if expr is None:
        assert problems and all(p.location.file == "tree.yaml" for p in problems)
        return
    assert expr.fn(dict(facts)) in (True, False, UNKNOWN)  # never raises


_OPERANDS = ["c.count", "c.amount", "2", "1.5", "1e300", str(MAX_LITERAL)]
arithmetic = st.recursive(
    st.sampled_from(_OPERANDS),
    lambda sub: st.tuples(sub, st.sampled_from(["+", "-", "*", "/"]), sub).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"),
    max_leaves=6)


@fuzz(300)
@given(arithmetic, st.sampled_from(["<", ">=", "=="]), st.fixed_dictionaries(_VALUES))
def test_overflowing_arithmetic_agrees_with_the_reference(
        text: str, op: str, facts: dict[str, Any]) -> None:
    expr, problems = _compile(f"{text} {op} 0")
    assert expr is not None, problems
    got = expr.fn(dict(facts))
    assert got is evaluate(expr.ir, facts), expr.text
