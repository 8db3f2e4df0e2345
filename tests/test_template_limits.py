"""Author templates (scripts and actions) run under limits: nothing escapes, nothing hangs.

A template that nests too deep is refused when it loads, at its line and column; one that goes
over a limit while it renders (size, arithmetic, loops, time) — or raises anything at all —
ends as a note in `Diagnosis.notes` with an empty script, never as an exception out of
`diagnose`, and never runs for long.
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
import time
from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st

import diagtree._conclude.script as script_module
import diagtree_adapters as ad
from diagtree import AuthoringError, Engine
from diagtree._author.codes import EXAMPLE_CONTEXT
from diagtree._check.scripts import ScriptBook, read_scripts
from diagtree._errors import Problem
from diagtree._load.yaml import Positions
from diagtree._templates.limits import (
    MAX_CALL_DEPTH,
    MAX_LOOP_ITEMS,
    MAX_NESTING,
    MAX_OUTPUT,
    MAX_PARTS,
    RENDER_BUDGET_S,
    TemplateLimitError,
    TemplateTooComplex,
)
from diagtree._templates.render import compile_template, render_template

from conftest import fuzz

COMPLAINT = {"id": "TL-1", "type": "staff_conduct", "msisdn": "8613800000001",
             "reported_at": "2026-11-20T09:30:00+08:00"}
DEADLINE = "{{ feedback_due | datetime }}"  # the lint wants it in a dispatched case's script
TREE = """\
tree: limits
version: "1"
title: Limits
symptoms: [staff_conduct]
start: done
nodes:
  done:
    outcome: service.staff_conduct
    values: {amount: AMOUNT}
"""
# 2**1060: far beyond any float, from literals each within the condition language's limit
HUGE = " * ".join(["9007199254740992"] * 20)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _knowledge(folder: Path, script: str, *, amount: str = "'0'",
               action: str | None = None) -> Path:
    """A small knowledge folder whose staff_conduct outcome says `script` (both locales) and
    gives it `amount`; `action`, if given, is that outcome's one action."""
    files = dict(EXAMPLE_CONTEXT)
    text = f"{script} {DEADLINE} {{{{ amount is none }}}}"
    shipped = ("    zh-CN: 非常抱歉给您带来不好的体验，服务质量部门将在"
               "{{ feedback_due | datetime }}前联系您。\n"
               "    en: I am sorry; our service quality team will contact you by "
               "{{ feedback_due | datetime }}.\n")
    assert shipped in files["scripts.yaml"]
    files["scripts.yaml"] = files["scripts.yaml"].replace(
        shipped, f"    zh-CN: {_quoted(text)}\n    en: {_quoted(text)}\n")
    # every other outcome reads no `amount`, which the tree does not give them
    if action is not None:
        files["outcomes.yaml"] = files["outcomes.yaml"].replace(
            "service.staff_conduct: {resolution: dispatch, department: service_quality}",
            "service.staff_conduct:\n    resolution: dispatch\n    department: service_quality\n"
            f"    actions:\n      - {_quoted(action)}")
    files["tree.yaml"] = TREE.replace("AMOUNT", amount)
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        (folder / name).write_text(body, encoding="utf-8")
    return folder


def _engine(folder: Path, script: str, **kw: Any) -> Engine:
    return Engine(_knowledge(folder, script, **kw),
                  sources=ad.mock_sources(ad.records_from_mapping({})))


def _problems(folder: Path, script: str, **kw: Any) -> list[Problem]:
    with pytest.raises(AuthoringError) as caught:
        _engine(folder, script, **kw)
    return list(caught.value.problems)


# -- refused at load ------------------------------------------------------------------------------
def test_a_script_nested_seventy_deep_is_refused_at_its_line_and_column(tmp_path: Path) -> None:
    # jinja2's parser recursed once per bracket: 70 of them raised RecursionError out of Engine()
    problems = _problems(tmp_path, "{{ " + "(" * 70 + "1" + ")" * 70 + " }}")
    found = [p for p in problems if p.code == "script_too_complex"]
    assert len(found) == 2, problems  # once per locale
    line = (tmp_path / "scripts.yaml").read_text(encoding="utf-8").splitlines()
    for problem in found:
        assert problem.location.file.endswith("scripts.yaml")
        text = line[problem.location.line - 1]
        # the column is the bracket that goes one level too deep
        assert text[problem.location.col - 1] == "("
        assert text[:problem.location.col - 1].count("(") == MAX_NESTING


@pytest.mark.parametrize("text", [
    "{{ " + "9" * 5000 + " }}",  # jinja2's lexer: int() of more than 4,300 digits, ValueError
    "{{ (1).attr ~ a }}",  # its optimizer folds the constant part: UndefinedError
])
def test_a_template_jinja2_itself_cannot_compile_is_a_problem_not_a_crash(
        tmp_path: Path, text: str) -> None:
    problems = _problems(tmp_path, text)
    found = [p for p in problems if p.code == "script_syntax"]
    assert len(found) == 2, problems  # once per locale
    assert all(p.location.file.endswith("scripts.yaml") for p in found)
    assert all("cannot be compiled" in p.message for p in found)


def test_an_action_nested_seventy_deep_is_refused_at_load(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "Sorry.",
                         action="{{ " + "(" * 70 + "1" + ")" * 70 + " }}")
    found = [p for p in problems if p.code == "script_too_complex"]
    assert len(found) == 1, problems
    assert found[0].location.file.endswith("outcomes.yaml") and found[0].location.line > 0


@pytest.mark.parametrize("text", [
    "{{ " + "-" * 40 + "1 }}",  # unary operators, each a level of the parser
    "{{ " + "not " * 40 + "true }}",
    "{{ " + " + ".join(["1"] * 40) + " }}",  # a chain of `+` is nested in the tree it parses to
    "{{ complaint_id" + " | upper" * 40 + " }}",
    "{% if true %}" * 40 + "x" + "{% endif %}" * 40,
    "{{ " + "[" * 40 + "1" + "]" * 40 + " }}",
])
def test_every_way_of_nesting_deep_is_refused(text: str) -> None:
    env = ScriptBook().env("en")
    with pytest.raises(TemplateTooComplex) as caught:
        compile_template(env, text)
    assert caught.value.lineno >= 1


def test_a_template_of_too_many_parts_is_refused() -> None:
    # one output joins all its parts at once: 1200 copies of a 20,000-character variable
    # would be built (24 million characters) before the output is counted
    env = ScriptBook().env("en")
    with pytest.raises(TemplateTooComplex, match=f"more than {MAX_PARTS} parts"):
        compile_template(env, "{{ " + " ~ ".join(["x"] * 1200) + " }}")
    compile_template(env, "{{ " + " ~ ".join(["x"] * 400) + " }}")


def test_nesting_at_the_limit_still_loads() -> None:
    env = ScriptBook().env("en")
    text = "{{ " + "(" * (MAX_NESTING - 1) + "1" + ")" * (MAX_NESTING - 1) + " }}"
    assert render_template(compile_template(env, text), {}) == "1"


def test_a_too_deep_template_line_is_counted_from_the_block_scalar() -> None:
    book = ScriptBook()
    problems: list[Problem] = []
    pos = Positions("s.yaml")
    data = {"scripts": {"s": {"en": "fine\nstill fine\n{{ " + "(" * 40 + "1" + ")" * 40 + " }}",
                              "zh-CN": "好"}}}
    read_scripts(data, pos, problems, book)
    assert [p.code for p in problems] == ["script_too_complex"]
    assert problems[0].location.line == 3  # the third line of the text (no file positions)


# -- render-time limits ----------------------------------------------------------------------------
def _render(text: str, **variables: Any) -> str:
    return render_template(compile_template(ScriptBook().env("en"), text), variables)


@pytest.mark.parametrize(("text", "variables"), [
    ("{{ x ** 100000000 }}", {"x": 7}),  # hung for minutes
    ("{{ 2 ** 257 }}", {}),
    ("{{ x * x }}", {"x": 2**200}),
    ("{{ x + 1 }}", {"x": 10**400}),
])
def test_arithmetic_is_bounded(text: str, variables: dict[str, Any]) -> None:
    start = time.perf_counter()
    with pytest.raises(TemplateLimitError, match="bits"):
        _render(text, **variables)
    assert time.perf_counter() - start < 1


def test_small_arithmetic_still_works() -> None:
    assert _render("{{ 2 ** 10 }} {{ 3 * 4 }} {{ 'ab' * 3 }} {{ '%05.1f' % 2.25 }} {{ 1 + 2 }}") \
        == "1024 12 ababab 002.2 3"


@pytest.mark.parametrize("text", [
    "{{ 'a' * 10**9 }}",  # allocated a gigabyte
    "{{ 10**9 * 'a' }}",
    "{{ [1] * 10**9 }}",
    "{{ s + s }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ '%0999999999d' | format(1) }}",
    "{{ '%*d' % (10**9, 1) }}",
    "{{ 'a'.ljust(10**9) }}",
    "{{ 'a' | center(10**9) }}",
    "{{ s.replace('', s) }}",
    "{{ s | replace('', s) }}",
    "{{ [s, s, s] | join }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ '{:>{}}'.format(1, 10**9) }}",
    "{{ 'a'.zfill(10**9) }}",
    "{{ [1, 2] | batch(10**9, 0) | list }}",
    "{% macro f(t) %}{{ f(t ~ t) }}{% endmacro %}{{ f(s) }}",  # passing on a doubling text
])
def test_building_a_huge_string_or_list_is_refused_before_it_is_built(text: str) -> None:
    start = time.perf_counter()
    with pytest.raises(TemplateLimitError):
        _render(text, s="x" * (MAX_OUTPUT // 2 + 1))
    assert time.perf_counter() - start < 1


def test_ordinary_numbers_and_texts_pass_the_checks() -> None:
    # only widths and counts are held to the output limit, not every number a template uses
    text = ("{% macro mb(n) %}{{ '{:,}'.format(n) }} MB{% endmacro %}{{ mb(30720) }}; "
            "{{ x | default(50000, true) }}; {{ 'Call at {}: {}'.format(20261120, 'ok') }}; "
            "{{ 'ab'.center(6) }}; {{ 'x' * 3 ~ '%d' % 100000 }}")
    assert _render(text, x=None) == "30,720 MB; 50000; Call at 20261120: ok;   ab  ; xxx100000"


def test_the_output_is_bounded() -> None:
    s = "x" * (MAX_OUTPUT // 4)
    assert len(_render("{{ s }}{{ s }}{{ s }}{{ s }}", s=s)) == MAX_OUTPUT
    with pytest.raises(TemplateLimitError, match="longer than"):
        _render("{{ s }}{{ s }}{{ s }}{{ s }}!", s=s)
    with pytest.raises(TemplateLimitError, match="longer than"):  # counted as a loop writes
        _render("{% for i in items %}{{ s }}{% endfor %}", s=s, items=list(range(100)))


def test_loops_are_bounded() -> None:
    items = list(range(200))
    text = "{% for a in items %}{% for b in items %}{% endfor %}{% endfor %}done"
    with pytest.raises(TemplateLimitError, match=str(MAX_LOOP_ITEMS)):
        _render(text, items=items)
    assert _render("{% for a in items %}{{ loop.index }}/{{ loop.length }} {% endfor %}",
                   items=[1, 2]) == "1/2 2/2 "


def test_calls_nest_only_so_deep() -> None:
    with pytest.raises(TemplateLimitError, match=f"deeper than {MAX_CALL_DEPTH}"):
        _render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}")
    text = ("{% macro f(n) %}{% if n < " + str(MAX_CALL_DEPTH - 1) + " %}{{ f(n + 1) }}"
            "{% else %}{{ n }}{% endif %}{% endmacro %}{{ f(0) }}")
    assert _render(text) == str(MAX_CALL_DEPTH - 1)


def test_a_render_has_a_time_budget() -> None:
    # each call doubles the work: 2**25 calls, each within every size and depth limit
    text = ("{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
            "{{ f(25) }}")
    start = time.perf_counter()
    with pytest.raises(TemplateLimitError, match="budget"):
        _render(text)
    assert time.perf_counter() - start < RENDER_BUDGET_S + 1


@pytest.mark.parametrize(("value", "ok"), [
    (12.4, "CNY 12.40"), (0, "CNY 0.00"), (-3, "CNY -3.00"),
    (-10**400, None), (10**16, None), (float("inf"), None), (float("nan"), None),
])
def test_money_says_a_real_amount_and_refuses_the_rest(value: Any, ok: str | None) -> None:
    if ok is not None:
        assert _render("{{ x | money }}", x=value) == ok
    else:
        with pytest.raises(TemplateLimitError, match="amount is out of range"):
            _render("{{ x | money }}", x=value)


def test_hours_refuses_a_huge_number() -> None:
    assert _render("{{ x | hours }}", x=2.5) == "2.5 hours"
    with pytest.raises(TemplateLimitError):
        _render("{{ x | hours }}", x=10**400)


# -- the render boundary: a failure is a note, never an exception ---------------------------------
@pytest.mark.parametrize("script", [
    "{{ 7 ** 100000000 }}",
    "{{ 'a' * 10**9 }}",
    "{{ 1 / 0 }}",  # ZeroDivisionError
    "{{ 1.5 ** 100000 }}",  # OverflowError
    "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",  # RecursionError
    "{{ complaint_id | indent(10**9) }}",  # a filter refused its argument
    "{{ 10**5000 }}",  # a number beyond the integer limit
])
def test_a_script_failing_at_render_time_is_a_note(tmp_path: Path, script: str) -> None:
    engine = _engine(tmp_path, script)
    start = time.perf_counter()
    d = engine.diagnose(COMPLAINT, locale="en")
    assert time.perf_counter() - start < 3 * RENDER_BUDGET_S + 2
    assert d.cause == "service.staff_conduct"
    assert d.script == ""
    assert any("failed to render" in n for n in d.notes), d.notes


def test_a_huge_amount_in_a_script_is_a_note(tmp_path: Path) -> None:
    # the amount a money filter was given overflowed float() out of diagnose
    engine = _engine(tmp_path, "{{ amount | money }}", amount=HUGE)
    d = engine.diagnose(COMPLAINT, locale="en")
    assert d.script == ""
    assert any("amount is out of range" in n for n in d.notes), d.notes
    ok = _engine(tmp_path / "ok", "{{ amount | money }}", amount="12.5")
    assert ok.diagnose(COMPLAINT, locale="en").script.startswith("CNY 12.50")


def test_a_hanging_action_is_a_note_and_the_script_still_renders(tmp_path: Path) -> None:
    engine = _engine(tmp_path, "Sorry.", action="Call back {{ 7 ** 100000000 }}")
    d = engine.diagnose(COMPLAINT, locale="en")
    assert d.script.startswith("Sorry.")
    assert d.actions == ("Call back {{ 7 ** 100000000 }}",)  # the text, unrendered
    assert any("action" in n and "failed to render" in n for n in d.notes), d.notes


@pytest.mark.parametrize("error", [MemoryError(), RecursionError("deep"), OverflowError("big"),
                                   ZeroDivisionError("zero"), KeyError("k"), LookupError("x"),
                                   jinja2.UndefinedError("y"), type("Odd", (Exception,), {})()])
def test_every_exception_of_a_render_is_caught_at_the_boundary(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    engine = _engine(tmp_path, "Sorry.", action="Call back by {{ feedback_due | datetime }}")

    def failing(*args: Any, **kwargs: Any) -> str:
        raise error

    monkeypatch.setattr(script_module, "render_template", failing)
    d = engine.diagnose(COMPLAINT, locale="en")
    assert d.script == ""
    assert sum("failed to render" in n for n in d.notes) == 2, d.notes  # the script, the action
    assert any(type(error).__name__ in n or str(error) in n for n in d.notes)


def test_a_time_at_the_edge_of_the_calendar_renders_in_its_own_offset() -> None:
    from diagtree._templates.render import localize

    edge = dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC)
    shown = localize({"t": edge}, dt.timezone(dt.timedelta(hours=8)))["t"]
    assert shown == edge  # +08:00 would be year 10000: the same instant, kept in UTC


# -- fuzz ----------------------------------------------------------------------------------------
_PIECES = ["{{", "}}", "{%", "%}", "(", ")", "[", "]", "{", "}", "*", "**", "+", "-", "%", "/",
           "~", "|", ",", ".", "'a'", "'%s'", "'%099d'", "9", "99999", "10", "0", "1.5", "x",
           "s", "complaint_id", "feedback_due", "money", "hours", "datetime", "upper", "join",
           "center", "replace", "int", "if", "else", "endif", "for", "in", "endfor", "not",
           "and", "set", "=", "macro", "endmacro", "f", "loop", " ", "\n", "\udc80"]


_OPERANDS = ["1", "9", "99999", "10", "0", "-3", "1.5", "1e400", "'a'", "'%099d'", "'{:>99}'",
             "[1, 2]", "complaint_id", "feedback_due", "reported_at", "answers", "unavailable",
             "grade", "refund"]
_FILTERS = ["money", "hours", "datetime", "date", "time", "upper", "join", "center(99999)",
            "replace('', 'xx')", "int", "format(1)", "list", "length", "default(7)", "string"]
_METHODS = ["get('a')", "date()", "ljust(99999)", "replace('', 'ab')", "format(7)",
            "upper()", "split()"]


def _expressions() -> st.SearchStrategy[str]:
    return st.recursive(
        st.sampled_from(_OPERANDS),
        lambda e: st.one_of(
            st.tuples(e, st.sampled_from(["+", "-", "*", "**", "/", "//", "%", "~", "and",
                                          "==", "<"]), e).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(e, st.sampled_from(_FILTERS)).map(lambda t: f"{t[0]} | {t[1]}"),
            st.tuples(e, st.sampled_from(_METHODS)).map(lambda t: f"({t[0]}).{t[1]}"),
            st.tuples(e, e, e).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})")),
        max_leaves=8)


def _segments() -> st.SearchStrategy[str]:
    e = _expressions()
    return st.one_of(
        st.sampled_from(["Sorry. ", "非常抱歉，", "\n"]),
        e.map(lambda x: "{{ " + x + " }}"),
        st.tuples(e, e).map(lambda t: "{% if " + t[0] + " %}{{ " + t[1] + " }}{% endif %}"),
        st.tuples(e, e).map(lambda t: "{% for x in " + t[0] + " %}{{ x ~ " + t[1]
                            + " }}{% endfor %}"),
        e.map(lambda x: "{% macro m(n) %}{{ m(n) ~ " + x + " }}{% endmacro %}{{ m(1) }}"))


@st.composite
def template_texts(draw: st.DrawFn) -> str:
    """Mostly templates jinja2 can parse, built from the operations the limits are about; now
    and then a soup of template pieces (whatever it is, loading must report a problem)."""
    if draw(st.integers(0, 3)) == 0:
        return "".join(draw(st.lists(st.sampled_from(_PIECES), max_size=40)))
    return "".join(draw(st.lists(_segments(), min_size=1, max_size=4)))


_FUZZ_FOLDER = tempfile.TemporaryDirectory(prefix="diagtree-template-fuzz-")


@functools.cache
def _fuzz_engine() -> Engine:
    return _engine(Path(_FUZZ_FOLDER.name), "Sorry.")


@fuzz(60)
@given(template_texts())
def test_fuzzed_templates_load_as_problems_and_render_as_notes(text: str) -> None:
    problems: list[Problem] = []
    book = ScriptBook()
    read_scripts({"scripts": {"s": {"en": text, "zh-CN": text}}}, Positions("f.yaml"),
                 problems, book)  # never raises: what is wrong is a problem
    assert all(p.code in ("script_syntax", "script_too_complex") for p in problems), problems
    if "s" not in book.scripts or problems:
        return
    engine = _fuzz_engine()
    script = engine.library.scripts.scripts["service.staff_conduct"]
    for locale in ("en", "zh-CN"):  # render it as the staff_conduct script
        script.templates[locale] = book.scripts["s"].templates[locale]
    engine._runtime.conclude.scripts.bundles().clear()
    start = time.perf_counter()
    d = engine.diagnose(COMPLAINT, locale="en")  # never raises
    assert time.perf_counter() - start < 4 * RENDER_BUDGET_S + 2
    assert len(d.script) <= MAX_OUTPUT


def test_a_render_failure_note_masks_subscriber_numbers(tmp_path: Path) -> None:
    engine = _engine(tmp_path, "{{ ('n ' ~ complaint_id) | money }}")
    d = engine.diagnose({**COMPLAINT, "id": "8613800000001"}, locale="en")
    note = next(n for n in d.notes if "failed to render" in n)
    assert "ValueError" in note and "8613800000001" not in note and "861" in note
