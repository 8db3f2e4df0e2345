"""The second paths loading takes for speed agree with the first: the shared cache of compiled
expressions gives what compiling each text afresh gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from test_expr import SCHEMA, facts

from diagtree._errors import Location
from diagtree._expr import ExpressionCache, compile_expression
from diagtree._vocab.facts import BOOL, FactType

from conftest import fuzz

# pieces of conditions and values, sound and broken: joined at random they make texts that
# compile, that fail to parse, that fail to type-check, that are too long
_PIECES = ["b.flag", "b.other", "n.count", "x.rsrp", "e.status", "s.name", "l.tags", "t.eta",
           "nope.fact", "and", "or", "not", "==", "!=", "<", ">=", "in", "+", "*", "(", ")",
           "1", "2.5", "-3", '"vip"', "'active'", "true", "null", "[", "]", ",", "True", "#",
           "abs(", "count(", "days_since(", "\n", "é"]
_EXPECTS: list[FactType | None] = [BOOL, None, FactType("int")]


_SOUND = ["b.flag", "b.flag and not b.other", "n.count + 1", "e.status == 'active'", "s.name",
          "count(l.tags) > 2", "x.rsrp < -110 or b.flag", "null", "not b.other"]


@st.composite
def _texts(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(st.sampled_from(_SOUND))
    words = draw(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=7))
    return " ".join(words)


@fuzz(300)
@given(st.lists(_texts(), min_size=1, max_size=4, unique=True),
       st.lists(st.tuples(st.integers(0, 3), st.sampled_from(_EXPECTS), st.integers(1, 30),
                          st.integers(0, 20), st.sampled_from([8, 40, 1000])),
                min_size=1, max_size=16))
def test_expression_cache_agrees_with_compiling_afresh(
        texts: list[str], uses: list[tuple[int, FactType | None, int, int, int]]) -> None:
    cache = ExpressionCache(SCHEMA)
    # the texts are used again and again (as trees repeat conditions), at other places, for
    # other types, under other limits
    for index, expect, line, col, limit in uses:
        text = texts[index % len(texts)]
        origin = Location("t.yaml", line, col + 1)
        got, got_problems = cache.compile(text, origin, expect=expect, max_length=limit)
        want, want_problems = compile_expression(text, SCHEMA, origin, expect=expect,
                                                 max_length=limit)
        assert got_problems == want_problems
        assert got == want  # text, type and facts
        if want is not None:
            assert got is not None and got.ir == want.ir
            assert repr(got.fn(facts())) == repr(want.fn(facts()))
