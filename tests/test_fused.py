"""Fused node decisions agree with the compiled expression on every condition and every facts."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from diagtree._compile.fused import fused_decision
from diagtree._errors import Location
from diagtree._expr import compile_expression
from diagtree._vocab.facts import BOOL, INT, NUMBER, UNKNOWN, FactSchema, FactSpec, FactType

COLOURS = ("red", "green", "blue")
SCHEMA = FactSchema([
    FactSpec("s.flag", BOOL, "a flag"),
    FactSpec("s.other", BOOL, "another flag"),
    FactSpec("s.n", INT, "a count"),
    FactSpec("s.x", NUMBER, "a level"),
    FactSpec("s.colour", FactType.enum(*COLOURS), "a colour"),
    FactSpec("s.tags", FactType.list_of(FactType.enum(*COLOURS)), "tags"),
])

LEAVES = st.sampled_from([
    "s.flag", "s.other", "not s.flag", 's.colour == "red"', 's.colour != "blue"',
    "s.colour == null", "s.n != null", "s.n > 2", "s.n <= 0", "s.x < -110", "s.x >= 0.85",
    's.colour in ["red", "green"]', 's.colour not in ["blue"]', '"red" in s.tags',
    '"green" not in s.tags', "s.flag == false", "s.n == 3",
])


@st.composite
def conditions(draw: Any) -> str:
    leaves = draw(st.lists(LEAVES, min_size=1, max_size=4))
    if len(leaves) == 1:
        return str(leaves[0])
    return f" {draw(st.sampled_from(['and', 'or']))} ".join(leaves)


def _value(spec: FactSpec) -> Any:
    kind = spec.type.kind
    if kind == "bool":
        return st.booleans()
    if kind == "int":  # 10**400: beyond any float, compared with the literals all the same
        return st.integers(-3, 5) | st.just(10**400)
    if kind == "number":
        return st.sampled_from([-120, -110, -110.0, -90.5, 0, 0.85, 0.9])
    if kind == "enum":
        return st.sampled_from(COLOURS)
    return st.lists(st.sampled_from(COLOURS), max_size=3).map(tuple)


FACTS = st.fixed_dictionaries({
    name: st.one_of(st.none(), st.just(UNKNOWN), _value(spec))
    for name, spec in SCHEMA.items()})


class Reads(dict[str, Any]):
    """Records the order facts are read in (reads fetch sources: the order must agree)."""

    def __init__(self, values: dict[str, Any]) -> None:
        super().__init__()
        self.values = values
        self.order: list[str] = []

    def __missing__(self, name: str) -> Any:
        self.order.append(name)
        self[name] = self.values[name]
        return self.values[name]


@settings(max_examples=600, deadline=None)
@given(conditions(), FACTS)
def test_fused_decision_matches_the_expression(text: str, facts: dict[str, Any]) -> None:
    expr, problems = compile_expression(text, SCHEMA, Location("t.yaml", 1, 1))
    assert expr is not None, problems
    run = fused_decision(expr.ir, "yes", "no", "unknown")
    assert run is not None, text
    generic = Reads(facts)
    r = expr.fn(generic)
    expected = "yes" if r is True else "unknown" if r is UNKNOWN else "no"
    fused = Reads(facts)
    assert run(fused) == expected, (text, facts)
    assert fused.order == generic.order  # the same facts read, in the same order


def test_other_conditions_are_not_fused() -> None:
    for text in ("s.n + 1 > 2", "not (s.flag and s.other)", "count(s.tags) > 1",
                 "s.flag and (s.other or s.n > 1)"):
        expr, _ = compile_expression(text, SCHEMA, Location("t.yaml", 1, 1))
        assert expr is not None
        assert fused_decision(expr.ir, "yes", "no", "unknown") is None
