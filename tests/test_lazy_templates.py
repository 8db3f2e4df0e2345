"""Script templates are checked when they load and compiled on their first render: the lazy
path and the eager one (`ScriptBook(eager=True)`, every template compiled at load) find the
same problems, at the same places, and render the same text."""

from __future__ import annotations

import functools
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_template_limits import template_texts

import diagtree._check.library as library_module
import diagtree_adapters as ad
from diagtree import AuthoringError, Engine, shipped_trees
from diagtree._check.scripts import ScriptBook, read_scripts
from diagtree._errors import Problem
from diagtree._load.yaml import Positions
from diagtree._templates.render import LazyTemplates, render_template
from diagtree_adapters import demo

from conftest import fuzz
from tree_helpers import real_schemas

#: variables the fuzzed templates may read (the rest are undefined: an error both ways)
VARIABLES: dict[str, Any] = {"x": 3, "s": "ab", "items": [1, 2, 3], "n": 7, "name": "Li"}
#: refused when they load: bad syntax, an unknown filter or test, nested too deep, too big
BROKEN = ("{{ x | no_such_filter }}", "{{ x is no_such_test }}", "{{ x + }}",
          "{% for i in items %}", "{{ " + "(" * 40 + "x" + ")" * 40 + " }}",
          "{{ x }}" * 1001)
#: load, and fail only when rendered (jinja2 looks a test up at run time inside an `if`, and
#: refuses an attribute assignment at run time): both ways alike
FAIL_LATE = ("{% if x is no_such_test %}a{% endif %}", "{% set x.y = 1 %}{{ x }}")


def _shown(problems: Iterable[Problem]) -> list[str]:
    return [f"{p.location}: {p.code}: {p.message}" for p in problems]


def _read(text: str, *, eager: bool) -> tuple[list[str], ScriptBook]:
    problems: list[Problem] = []
    book = ScriptBook(eager=eager)
    read_scripts({"scripts": {"s": {"en": text, "zh-CN": text}}}, Positions("f.yaml"),
                 problems, book)
    return _shown(problems), book


def _rendered(template: jinja2.Template) -> tuple[str, str]:
    try:
        return "text", render_template(template, dict(VARIABLES))
    except Exception as exc:  # what it raises is part of what must agree
        return type(exc).__name__, str(exc)


def _agree(text: str) -> None:
    lazy_problems, lazy = _read(text, eager=False)
    eager_problems, eager = _read(text, eager=True)
    assert lazy_problems == eager_problems
    assert set(lazy.scripts) == set(eager.scripts)
    if "s" in lazy.scripts:
        templates = lazy.scripts["s"].templates
        assert isinstance(templates, LazyTemplates) and not templates.compiled()
        for locale in ("en", "zh-CN"):
            assert _rendered(templates[locale]) == \
                _rendered(eager.scripts["s"].templates[locale])
        assert lazy.variables("s") == eager.variables("s")


@fuzz(40)
@given(st.one_of(template_texts(), st.sampled_from(BROKEN + FAIL_LATE)))
def test_lazy_and_eager_loading_find_the_same_problems_and_render_the_same(text: str) -> None:
    _agree(text)


@pytest.mark.parametrize("text", BROKEN)
def test_broken_templates_are_problems_at_load_without_rendering(text: str) -> None:
    problems, book = _read(text, eager=False)
    assert len(problems) == 2 and "s" not in book.scripts  # one per locale
    _agree(text)


@pytest.mark.parametrize("text", FAIL_LATE)
def test_run_time_failures_load_and_fail_when_rendered(text: str) -> None:
    problems, book = _read(text, eager=False)
    assert not problems
    assert _rendered(book.scripts["s"].templates["en"])[0] != "text"
    _agree(text)


def test_templates_compile_on_first_use_only() -> None:
    book = ScriptBook()
    read_scripts({"scripts": {"s": {"en": "Hi {{ name }}", "zh-CN": "你好{{ name }}"}}},
                 Positions("f.yaml"), [], book)
    templates = book.scripts["s"].templates
    assert isinstance(templates, LazyTemplates)
    assert set(templates) == {"en", "zh-CN"} and not templates.compiled()
    assert render_template(templates["en"], {"name": "Li"}) == "Hi Li"
    assert templates.compiled() == {"en"}
    assert templates["en"] is templates["en"]  # compiled once, then kept
    with pytest.raises(KeyError):
        templates["fr"]


# -- a whole forest: the loader and the engine -----------------------------------------------
@pytest.fixture
def trees(tmp_path: Path) -> Path:
    dest = tmp_path / "trees"
    shutil.copytree(shipped_trees(), dest,
                    ignore=shutil.ignore_patterns("__pycache__", "*.py", "scenarios"))
    return dest


def _problems(trees: Path, *, eager: bool, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    with monkeypatch.context() as m:
        m.setattr(library_module, "ScriptBook", functools.partial(ScriptBook, eager=eager))
        schema, policy_schema = real_schemas()
        try:
            library_module.check_library([trees], schema, policy_schema)
        except AuthoringError as exc:
            return _shown(exc.problems)
        return []


def test_a_forest_with_broken_templates_is_refused_alike_lazy_or_eager(
        trees: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (trees / "scripts" / "broken.yaml").write_text(
        "scripts:\n"
        "  x.one:\n"
        "    en: 'Back by {{ eta | no_such_filter }}'\n"
        "    zh-CN: '预计{{ eta | datetime }}恢复'\n"
        "  x.two:\n"
        "    en: |\n"
        "      We call back by\n"
        "      {{ feedback_due | datetime \n"
        "    zh-CN: '{{ feedback_due | datetime }}前回电'\n", encoding="utf-8")
    outcomes = trees / "outcomes.yaml"
    outcomes.write_text(outcomes.read_text(encoding="utf-8").replace(
        "{{ refund_amount | money }}, credited", "{{ refund_amount | shout }}, credited", 1),
        encoding="utf-8")
    lazy = _problems(trees, eager=False, monkeypatch=monkeypatch)
    assert lazy == _problems(trees, eager=True, monkeypatch=monkeypatch)
    assert any("broken.yaml:3:" in p and "no_such_filter" in p for p in lazy), lazy
    assert any("broken.yaml:8:" in p and "script_syntax" in p for p in lazy), lazy
    # an action with an unknown filter is a located problem too (it used to pass the load and
    # make Engine() raise jinja2's TemplateAssertionError when it compiled the actions)
    assert any("outcomes.yaml:" in p and "shout" in p and "script_syntax" in p
               for p in lazy), lazy


def test_the_engine_renders_the_same_scripts_lazy_or_eager(
        monkeypatch: pytest.MonkeyPatch) -> None:
    sources = ad.mock_sources(demo.demo_records())
    lazy = Engine(sources=sources)
    with monkeypatch.context() as m:
        m.setattr(library_module, "ScriptBook", functools.partial(ScriptBook, eager=True))
        eager = Engine(sources=sources)
    cases = demo.demo_complaints()[:6]
    assert cases
    for case in cases:
        for locale in ("zh-CN", "en"):
            a = lazy.diagnose(case["complaint"], answers=case.get("answers"), locale=locale)
            b = eager.diagnose(case["complaint"], answers=case.get("answers"), locale=locale)
            assert (a.script, a.actions, a.notes) == (b.script, b.actions, b.notes)
            assert a.script
