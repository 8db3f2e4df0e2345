"""The generated untraced walker agrees with the per-node closures on every shipped case."""

from __future__ import annotations

import pytest

import diagtree_adapters as ad
from diagtree import Engine, shipped_trees
from diagtree._compile.codegen import GeneratedWalker
from diagtree._testing.scenarios import load_cases
from diagtree_adapters import demo


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(sources=ad.mock_sources(ad.records_from_mapping({})))


def test_every_shipped_scenario_walks_the_same_without_trace(engine: Engine) -> None:
    cases, _ = load_cases([shipped_trees() / "scenarios"])
    for case in cases:
        sources = ad.mock_sources(ad.records_from_mapping(case.sources), down=case.down)
        complaint = {**case.complaint, "id": case.complaint.get("id", case.id)}
        traced = engine.diagnose(complaint, answers=case.answers, sources=sources)
        fast = engine.diagnose(complaint, answers=case.answers, sources=sources, trace=False)
        assert (fast.cause, fast.answers) == (traced.cause, traced.answers), case.id


def test_a_tree_generates_its_walker_on_its_first_untraced_walk_only() -> None:
    """Loading does not generate code; the first untraced diagnosis of a tree does, once, and a
    traced one never needs it."""
    engine = Engine(sources=ad.mock_sources(demo.demo_records()))
    case = next(c for c in demo.demo_complaints() if not c["down"])
    tree = engine.tree_for(case["complaint"]["type"])
    assert tree is not None and tree.fast is not None
    assert not _generated(tree.fast)  # loaded: nothing generated
    engine.diagnose(case["complaint"], answers=case["answers"])  # traced
    assert not _generated(tree.fast)
    engine.diagnose(case["complaint"], answers=case["answers"], trace=False)
    assert _generated(tree.fast)
    walker = tree.fast.walk
    engine.diagnose(case["complaint"], answers=case["answers"], trace=False)
    assert tree.fast.walk is walker  # generated once
    others = [t for t in engine.library.trees.values() if t is not tree]
    assert others and not any(_generated(t.fast) for t in others if t.fast is not None)


def _generated(fast: object) -> bool:
    return getattr(getattr(fast, "walk", None), "__func__", None) is not GeneratedWalker._first


def test_every_demo_complaint_walks_the_same_without_trace() -> None:
    engine = Engine(sources=ad.mock_sources(demo.demo_records()))
    for case in demo.demo_complaints():
        if case["down"]:
            continue
        traced = engine.diagnose(case["complaint"], answers=case["answers"])
        fast = engine.diagnose(case["complaint"], answers=case["answers"], trace=False)
        assert fast.cause == traced.cause, case["complaint"]["id"]


def test_the_generated_source_holds_no_author_text(engine: Engine) -> None:
    import builtins

    from diagtree._compile import codegen

    sources: list[str] = []
    original = builtins.compile

    def spy(source: str, filename: str, mode: str) -> object:
        sources.append(source)
        return original(source, filename, mode)

    codegen.compile = spy  # type: ignore[attr-defined]
    try:
        for tree in engine.library.trees.values():
            codegen.fast_walker(tree)
    finally:
        del codegen.compile  # type: ignore[attr-defined]
    text = "\n".join(sources)
    assert "hlr." not in text and "coverage." not in text and '"' not in text and "'" not in text


def test_bundled_rendering_equals_rendering_one_by_one() -> None:
    """A script and its actions render as one template; the texts and notes are those of
    rendering each on its own, in both locales, for every demo complaint."""
    bundled = Engine(sources=ad.mock_sources(demo.demo_records()))
    one_by_one = Engine(sources=ad.mock_sources(demo.demo_records()))
    one_by_one._runtime.conclude.scripts.render_bundle = (  # type: ignore[method-assign]
        lambda *args: None)
    for locale in ("zh-CN", "en"):
        for case in demo.demo_complaints():
            if case["down"]:
                continue
            a = bundled.diagnose(case["complaint"], answers=case["answers"], locale=locale)
            b = one_by_one.diagnose(case["complaint"], answers=case["answers"], locale=locale)
            assert (a.script, a.actions, a.notes) == (b.script, b.actions, b.notes), \
                case["complaint"]["id"]
    bundles = bundled._runtime.conclude.scripts.bundles()
    assert sum(bundle is not None for bundle in bundles.values()) >= 20


def test_a_bundles_parts_cannot_see_each_other() -> None:
    from diagtree._templates.render import compile_bundle
    env = Engine(sources=ad.mock_sources(demo.demo_records())).library.scripts.env("zh-CN")
    # what the script sets stays in the script: the action reads the diagnosis's own x
    scoped = compile_bundle(env, "{% set x = 1 %}{{ x }}", ["{{ x }}", "{% set x = 3 %}{{ x }}",
                                                           "{{ x }}"], "\x1e")
    assert scoped is not None
    assert scoped.render(x=2).split("\x1e") == ["1", "2", "3", "2"]
    # a macro or an include could reach across parts: those render one by one
    assert compile_bundle(env, "{% macro m() %}x{% endmacro %}hi", ["{{ 1 }}"], "\x1e") is None
    both = compile_bundle(env, "{{ due | datetime }}", ["{{ due | datetime }}"], "\x1e")
    assert both is not None
    import datetime as dt
    due = dt.datetime(2026, 11, 20, 9, 5, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert both.render(due=due).split("\x1e") == ["2026年11月20日09:05", "20 November 2026, 09:05"]
