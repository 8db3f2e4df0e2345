"""The second paths loading takes for speed agree with the first: the shared cache of compiled
expressions gives what compiling each text afresh gives; the variables of a plain template,
read off its names, are those jinja2's code generator finds; the structural checks' plain
graph walks find what networkx finds; libyaml's quicker resolver tags plain scalars as
PyYAML's own does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import networkx as nx
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from test_expr import SCHEMA, facts

from diagtree._check.scripts import ScriptBook
from diagtree._check.structure import _longest, _predecessors, _reach, is_acyclic
from diagtree._errors import Location
from diagtree._expr import ExpressionCache, compile_expression
from diagtree._load import yaml as _yaml
from diagtree._load.files import knowledge_files
from diagtree._templates.analysis import Analysis, analyse_template, plain_variables
from diagtree._vocab.facts import BOOL, FactType
from diagtree._walk.engine import shipped_trees

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


# -- template analysis --------------------------------------------------------------------------
_BOOK = ScriptBook()


def _by_jinja2(env: jinja2.Environment, text: str) -> Analysis:
    """The analysis as jinja2's code generator makes it (`analyse_template` before its plain
    path)."""
    try:
        return Analysis(frozenset(jinja2.meta.find_undeclared_variables(env.parse(text))))
    except jinja2.TemplateSyntaxError as exc:
        return Analysis(frozenset(), exc)


def _same(got: Analysis, want: Analysis) -> None:
    assert got.variables == want.variables
    if want.error is None:
        assert got.error is None
    else:
        assert got.error is not None
        assert (type(got.error), got.error.message, got.error.lineno) == \
            (type(want.error), want.error.message, want.error.lineno)


# names, with the special ones: the environment's globals, the template itself, a loop's
_NAMES = ["a", "b", "eta", "self", "range", "loop", "caller", "lipsum", "namespace", "kwargs"]
_FILTERS = ["time", "money", "upper", "default('-')", "join(', ')", "length", "attr('x')",
            "first", "no_such_filter"]
_TESTS = ["defined", "none", "number", "no_such_test"]


def _exprs(depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(_NAMES) | st.sampled_from(["1", "'x'", "true", "none", "2.5"])
    if depth <= 0:
        return leaves
    sub = st.deferred(lambda: _exprs(depth - 1))
    return st.one_of(
        leaves,
        st.tuples(sub, st.sampled_from(_FILTERS)).map(lambda t: f"{t[0]} | {t[1]}"),
        st.tuples(sub, st.sampled_from(_TESTS)).map(lambda t: f"{t[0]} is {t[1]}"),
        st.tuples(sub, st.sampled_from(["+", "-", "~", "==", "<", "and", "or", "in", "*",
                                        "//", "%", "**"]), sub).map(" ".join),
        sub.map(lambda e: f"not {e}"),
        sub.map(lambda e: f"-({e})"),
        st.tuples(sub, sub, sub).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        st.lists(sub, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.tuples(sub, sub).map(lambda t: f"({t[0]}, {t[1]})"),
        sub.map(lambda e: "{'k': " + e + "}"),
        sub.map(lambda e: f"({e}).attr"),
        st.tuples(sub, sub).map(lambda t: f"({t[0]})[{t[1]}]"),
        st.tuples(sub, sub).map(lambda t: f"({t[0]})[{t[1]}:]"),
        st.tuples(sub, sub).map(lambda t: f"({t[0]})({t[1]}, k={t[1]})"),
    )


def _blocks(depth: int) -> st.SearchStrategy[str]:
    expr = _exprs(2)
    leaves = st.one_of(st.sampled_from(["text ", "\n", "{# note #}"]),
                       expr.map(lambda e: "{{ " + e + " }}"))
    if depth <= 0:
        return leaves
    body = st.lists(st.deferred(lambda: _blocks(depth - 1)), max_size=3).map("".join)
    name = st.sampled_from(_NAMES)
    return st.one_of(
        leaves,
        st.tuples(expr, body, expr, body, body).map(
            lambda t: f"{{% if {t[0]} %}}{t[1]}{{% elif {t[2]} %}}{t[3]}{{% else %}}{t[4]}"
                      "{% endif %}"),
        st.tuples(expr, body).map(lambda t: f"{{% if {t[0]} %}}{t[1]}{{% endif %}}"),
        st.tuples(name, expr).map(lambda t: f"{{% set {t[0]} = {t[1]} %}}"),
        st.tuples(name, name, expr).map(lambda t: f"{{% set {t[0]}, {t[1]} = {t[2]}, 1 %}}"),
        st.tuples(name, name, expr).map(lambda t: f"{{% set ({t[0]}, {t[1]}), b = {t[2]} %}}"),
        st.tuples(name, expr, body).map(
            lambda t: f"{{% for {t[0]} in {t[1]} %}}{t[2]}{{% endfor %}}"),
        st.tuples(name, expr, body).map(
            lambda t: f"{{% with {t[0]} = {t[1]} %}}{t[2]}{{% endwith %}}"),
        body.map(lambda b: f"{{% filter upper %}}{b}{{% endfilter %}}"),
        st.tuples(name, body).map(lambda t: f"{{% macro m({t[0]}) %}}{t[1]}{{% endmacro %}}"),
    )


def _outcome(analyse: Callable[[], Analysis]) -> tuple[Any, ...]:
    """What an analysis gives: its variables and error. jinja2's optimizer may raise while
    compiling (`{{ (1).x ~ a }}`): the reference raises, `analyse_template` refuses the text as
    one that cannot be compiled, naming the exception — the same outcome."""
    try:
        found = analyse()
    except Exception as exc:
        return ("cannot be compiled", f"{type(exc).__name__}: {str(exc)[:200]}")
    error = found.error
    prefix = "the template cannot be compiled: "
    if error is not None and error.message and error.message.startswith(prefix):
        return ("cannot be compiled", error.message.removeprefix(prefix))
    return (found.variables, None if error is None else (type(error), error.message,
                                                         error.lineno))


@fuzz(600)
@given(st.lists(_blocks(2), min_size=1, max_size=4).map("".join),
       st.sampled_from(sorted(_BOOK._envs)))
def test_plain_template_variables_are_jinja2s(text: str, locale: str) -> None:
    env = _BOOK.env(locale)
    assert _outcome(lambda: analyse_template(env, text)) == \
        _outcome(lambda: _by_jinja2(env, text))


def test_shipped_templates_analyse_as_jinja2_does() -> None:
    """Every script and action shipped: the same variables, most of them by the plain path."""
    data: list[tuple[str, str]] = []
    for path in knowledge_files([shipped_trees()]):
        if path.parent.name == "scripts" or path.name == "outcomes.yaml":
            doc = yaml_data(path)
            for script in (doc.get("scripts") or {}).values():
                data.extend((loc, text) for loc, text in script.items())
            for entry in (doc.get("outcomes") or {}).values():
                data.extend(("en", a) for a in entry.get("actions") or [])
    assert len(data) > 100
    plain = 0
    for locale, text in data:
        env = _BOOK.env(locale)
        _same(analyse_template(env, text), _by_jinja2(env, text))
        plain += "{" in text and plain_variables(env, env.parse(text)) is not None
    assert plain > len(data) // 2


def yaml_data(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


@pytest.mark.parametrize("text", ["{{ x | no_such_filter }}",
                                  "{% if y is no_such_test %}{% endif %}",
                                  "{{ self }}{{ range }}"])
def test_plain_path_leaves_the_hard_cases_to_jinja2(text: str) -> None:
    env = _BOOK.env("en")
    _same(analyse_template(env, text), _by_jinja2(env, text))


# -- graph walks --------------------------------------------------------------------------------
@fuzz(300)
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n),
    st.lists(st.integers(0, n - 1), min_size=1, max_size=3))))
def test_graph_walks_agree_with_networkx(graph: tuple[int, list[tuple[int, int]], list[int]]
                                         ) -> None:
    n, edges, starts = graph
    succ: dict[str, list[str]] = {str(i): [] for i in range(n)}
    for a, b in edges:
        succ[str(a)].append(str(b))
    g = nx.DiGraph()
    g.add_nodes_from(succ)
    g.add_edges_from((a, b) for a, targets in succ.items() for b in targets)
    first = [str(s) for s in starts]
    assert _reach(succ, first) == set(first).union(*(nx.descendants(g, s) for s in first))
    assert _reach(_predecessors(succ), first) == \
        set(first).union(*(nx.ancestors(g, s) for s in first))
    assert is_acyclic(succ) == nx.is_directed_acyclic_graph(g)
    if nx.is_directed_acyclic_graph(g):
        assert _longest(succ) == nx.dag_longest_path_length(g)
    else:
        assert _longest(succ) is None


# -- YAML ---------------------------------------------------------------------------------------
_SCALARS = ["yes", "No", "on", "OFF", "y", "n", "true", "False", "~", "null", "Null", "", "0x1f",
            "0o17", "0b101", "1_000", "-12", "+3", "1e3", "-.inf", ".NaN", "1.5", "12:30:00",
            "190:20:30", "2024-01-31", "2024-01-31 10:00:00", "<<", "=", "n12", "check", "é"]


@fuzz(500)
@given(st.sampled_from(_SCALARS) | st.text(max_size=12), st.booleans(), st.booleans())
@pytest.mark.skipif(not hasattr(_yaml, "_CTimestampless"), reason="PyYAML built without libyaml")
def test_libyaml_resolver_tags_as_pyyaml_does(value: str, plain: bool, quoted: bool) -> None:
    fast = _yaml._CTimestampless("")  # type: ignore[attr-defined]
    slow = _yaml._Timestampless("")
    for kind in (yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode):
        assert fast.resolve(kind, value, (plain, quoted)) == \
            slow.resolve(kind, value, (plain, quoted))


@fuzz(200)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "yes", "no", "1"]),
                          st.sampled_from(_SCALARS), st.sampled_from(["", "'", "- "])),
                max_size=8))
@pytest.mark.skipif(not hasattr(_yaml, "_CTimestampless"), reason="PyYAML built without libyaml")
def test_libyaml_and_pyyaml_load_alike(entries: list[tuple[str, str, str]]) -> None:
    lines = []
    for i, (key, value, how) in enumerate(entries):
        shown = f"'{value}'" if how == "'" else value
        lines.append(f"{key}{i}: [{shown}]" if how == "- " else f"{key}{i}: {shown}")
    text = "\n".join(lines) + "\n"
    results = []
    for composer in (_yaml._CTimestampless, _yaml._Timestampless):  # type: ignore[attr-defined]
        original = _yaml._Composer
        _yaml._Composer = composer
        try:
            data, pos, problems = _yaml.load_yaml(text, "f.yaml")
        finally:
            _yaml._Composer = original
        results.append((data, pos, problems))
    assert repr(results[0]) == repr(results[1])  # NaN == NaN as written
