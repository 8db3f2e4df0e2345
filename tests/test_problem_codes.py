"""The problem-code reference (`diagtree._author.codes`, ``docs/errors.md``) matches the code base.

1. An AST scan of ``diagtree/**/*.py`` (the lint package aside: its rules document their own
   codes) finds every code the code reports — the code argument of ``Problem(…)``, of any
   ``….error(loc, "code", …)`` helper, of ``ComplaintError(field, reason, "code")`` (its
   default when left out) and ``TicketError(…)``, and of the service's
   ``ProblemError(status, "code", …)`` and ``problem_body(…)`` — and checks each is in
   `CODES`, and each `CODES` entry is reported somewhere.
2. ``docs/errors.md`` is exactly `render_error_docs()` (``DIAGTREE_UPDATE_GOLDEN=1`` rewrites it).
3. Every example not marked illustrative reports its code, and nothing else but its `also`.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import diagtree
from diagtree import ComplaintError, Engine, SessionStateError, parse_complaint
from diagtree._author.codes import (
    AREAS,
    CODES,
    EXAMPLE_CONTEXT,
    EXAMPLE_KINDS,
    Example,
    example_files,
    render_error_docs,
)
from diagtree._compile.library import load_library
from diagtree._errors import AuthoringError, Problem, format_problems
from diagtree._load.yaml import load_yaml
from diagtree._testing.scenarios import load_cases

from tree_helpers import real_schemas

PACKAGE = Path(diagtree.__file__).parent
DOC = PACKAGE.parent / "docs" / "errors.md"


# -- 1. the codes the code base reports ----------------------------------------------------------
def _code_argument(call: ast.Call) -> ast.expr | str | None:
    """The expression passed as the code of a reporting call; the default code as a string;
    None when the call is not one that reports a code."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr \
        if isinstance(func, ast.Attribute) else None
    keywords = {k.arg: k.value for k in call.keywords}
    if name == "Problem":
        code = call.args[1] if len(call.args) > 1 else keywords.get("code")
        assert code is not None, f"line {call.lineno}: a Problem(…) whose code the scan cannot find"
        return code
    if name == "error" and isinstance(func, ast.Attribute):  # Fields/_DocReader/_Checker.error
        return call.args[1] if len(call.args) > 1 else keywords.get("code")
    if name in ("ProblemError", "problem_body"):  # the service's problem documents
        return call.args[1] if len(call.args) > 1 else keywords.get("code")
    if name in ("ComplaintError", "SessionStateError", "TicketError"):
        given = call.args[2] if len(call.args) > 2 else keywords.get("code")
        if given is None and name == "TicketError":
            raise AssertionError(f"line {call.lineno}: a TicketError(…) whose code the scan "
                                 "cannot find")
        if given is None:
            error = ComplaintError if name == "ComplaintError" else SessionStateError
            default = inspect.signature(error).parameters["code"].default
            assert isinstance(default, str)
            return default
        return given
    return None


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    args = node.args
    return {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}


def _scan(source: str, where: str) -> Iterator[tuple[str, str]]:
    """(code, file:line) for every code reported in one module's source."""
    tree = ast.parse(source, where)

    def visit(node: ast.AST, params: set[str]) -> Iterator[tuple[str, str]]:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            params = _parameters(node)
        if isinstance(node, ast.Call):
            arg = _code_argument(node)
            if isinstance(arg, str):
                yield arg, f"{where}:{node.lineno}"
            elif arg is not None:
                found = [c.value for c in ast.walk(arg)
                         if isinstance(c, ast.Constant) and isinstance(c.value, str)]
                # a parameter, or a parameter's code (`exc.code`, `self.code`), passed on
                forwarded = (isinstance(arg, ast.Name) and arg.id in params) or (
                    isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name)
                    and arg.value.id in params and arg.attr == "code")
                assert found or forwarded, (
                    f"{where}:{node.lineno}: the code is passed as `{ast.unparse(arg)}`, which "
                    "this scan cannot read: pass a string literal (or teach the scan)")
                for code in found:
                    yield code, f"{where}:{node.lineno}"
        for child in ast.iter_child_nodes(node):
            yield from visit(child, params)

    yield from visit(tree, set())


def reported_codes() -> dict[str, list[str]]:
    """Every code the package reports (outside the lint package), with where."""
    out: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "_lint" in path.relative_to(PACKAGE).parts:
            continue
        source = path.read_text(encoding="utf-8")
        for code, where in _scan(source, path.relative_to(PACKAGE.parent).as_posix()):
            out.setdefault(code, []).append(where)
    return out


def test_the_scan_reads_every_way_codes_are_passed() -> None:
    found = reported_codes()
    # a positional Problem code, a Fields.error code, a conditional code in _expr.check, a
    # ComplaintError's explicit and default codes
    for code in ("yaml_syntax", "unknown_key", "not_a_condition", "complaint_bad_msisdn",
                 "complaint_invalid", "session_state_invalid", "ticket_not_dispatched",
                 "tree_changed", "body_too_large"):
        assert code in found, code
    assert any(w.startswith("diagtree/_expr/check.py") for w in found["type_mismatch"])


def test_the_scan_on_a_made_up_module() -> None:
    source = textwrap.dedent("""
        def report(self, node, code, message):
            self.problems.append(Problem(node, code, message))   # forwarded: not a code
        def check(f, loc, expect):
            f.error(loc, "a_code", "message")
            problems.append(Problem(loc, "b_code" if expect else "c_code", "message"))
            raise ComplaintError("type", "unknown")
            raise TicketError("complaint.id", "another complaint", "d_code")
            raise ProblemError(409, "e_code", "detail")
        def answer(exc):
            return ProblemError(422, exc.code, "detail")   # a parameter's code: not a code
        """)
    found = sorted(code for code, _ in _scan(source, "m.py"))
    assert found == ["a_code", "b_code", "c_code", "complaint_invalid", "d_code", "e_code"]
    with pytest.raises(AssertionError, match="cannot read"):
        list(_scan("CODE = 'x'\nProblem(loc, CODE, 'message')\n", "m.py"))


def test_every_reported_code_is_documented() -> None:
    missing = {c: w for c, w in reported_codes().items() if c not in CODES}
    assert not missing, ("codes reported but not in diagtree/_author/codes.py CODES (add a CodeDoc "
                         f"for each): {missing}")


def test_every_documented_code_is_reported() -> None:
    stale = sorted(set(CODES) - set(reported_codes()))
    assert not stale, f"CODES documents codes that nothing reports any more: {stale}"


def test_the_registry_is_well_formed() -> None:
    areas = [a for a, _ in AREAS]
    for code, doc in CODES.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code), code
        assert doc.area in areas, (code, doc.area)
        assert doc.summary and "\n" not in doc.summary, code
        assert doc.fix and "\n" not in doc.fix, code
        if doc.example is not None:
            assert doc.example.kind in EXAMPLE_KINDS, code
            assert all(c in CODES for c in doc.example.also), code
    assert all(any(d.area == a for d in CODES.values()) for a in areas), "an empty area"


def test_lint_rules_keep_their_own_codes() -> None:
    """The lint rules' codes are documented in lint-rules.md; the only ones shared with this
    registry are the script lint's, which `diagtree lint` re-reports."""
    from diagtree._lint import all_rules

    shared = {c for rule in all_rules() for c in rule.codes} & set(CODES)
    assert all(CODES[c].area == "script lint" for c in shared), shared


# -- 2. the page ----------------------------------------------------------------------------------
def test_errors_md_is_generated_from_the_registry() -> None:
    text = render_error_docs()
    if os.environ.get("DIAGTREE_UPDATE_GOLDEN") == "1":
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, (
        "docs/errors.md is stale: run DIAGTREE_UPDATE_GOLDEN=1 .venv/bin/pytest "
        "tests/test_problem_codes.py")


def test_the_page_shows_every_code_as_a_heading() -> None:
    headings = re.findall(r"^### (\S+)$", render_error_docs(), re.MULTILINE)
    assert sorted(headings) == sorted(CODES)


# -- 3. the examples -----------------------------------------------------------------------------
def _load(folder: Path, example: Example) -> list[Problem]:
    """Write the example's files (beside the context, for `knowledge`) and load them."""
    files = dict(EXAMPLE_CONTEXT) if example.kind == "knowledge" else {}
    files.update(example_files(example))
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    schema, policy_schema = real_schemas()
    try:
        if example.kind == "engine":
            import diagtree_adapters as ad

            Engine(folder, sources=ad.mock_sources(ad.records_from_mapping({})))
        else:
            load_library([folder], schema, policy_schema,
                         display=lambda p: p.relative_to(folder).as_posix())
    except AuthoringError as exc:
        return list(exc.problems)
    raise AssertionError("the example loads without an error")


def _scenario(folder: Path, example: Example) -> list[Problem]:
    path = folder / "cases.yaml"
    path.write_text(example.text, encoding="utf-8")
    cases, problems = load_cases([path], only_scenarios=False)
    return [*problems, *(p for case in cases for p in case.problems)]


def _complaint_code(example: Example) -> str:
    data, _, problems = load_yaml(example.text, "complaint")
    assert not problems
    try:
        parse_complaint(data)
    except ComplaintError as exc:
        return exc.code
    raise AssertionError("the complaint is accepted")


EXECUTED = sorted(c for c, d in CODES.items()
                  if d.example is not None and d.example.kind != "illustrative")


def test_most_examples_are_executed() -> None:
    assert len(EXECUTED) >= 60, len(EXECUTED)


@pytest.mark.parametrize("code", EXECUTED)
def test_the_example_reports_its_code(code: str, tmp_path: Path) -> None:
    example = CODES[code].example
    assert example is not None
    if example.kind == "complaint":
        assert _complaint_code(example) == code
        return
    problems = _scenario(tmp_path, example) if example.kind == "scenario" \
        else _load(tmp_path, example)
    reported = {p.code for p in problems}
    assert reported == {code, *example.also}, format_problems(problems, context=False)


def test_the_page_header_shows_what_validate_prints(tmp_path: Path) -> None:
    example = CODES["unknown_fact"].example
    assert example is not None
    (problem,) = _load(tmp_path, example)
    shown = format_problems([problem], {"tree.yaml": example_files(example)[0][1]})
    assert "```text\n" + shown + "\n```" in render_error_docs()
