"""`diagtree lint`: every rule against its own docstring examples, the condition analysis, inline
suppressions, the output formats, the command's exit codes, the generated rule reference, and
the shipped trees (which must lint clean under ``--strict``)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

from diagtree import shipped_trees
from diagtree._cli.common import default_schema
from diagtree._cli.lint import add_lint
from diagtree._errors import Location, Problem
from diagtree._expr import compile_expression
from diagtree._lint import (
    LintResult,
    Rule,
    adapter_fact_origins,
    all_rules,
    lint_paths,
    render,
    render_rule_docs,
)
from diagtree._lint._logic import MAX_VALUATIONS, Space, formula_of
from diagtree._lint._rule import Example
from diagtree._lint._suppress import find_suppressions
from diagtree._lint.rules.constant_condition import constant
from diagtree._lint.rules.presence_only_condition import is_null_test
from diagtree._vocab.facts import FactSchema

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "lint-rules.md"
RULES = all_rules()
SCHEMA = default_schema()


def _schema(facts: Sequence[str] | None) -> FactSchema:
    if facts is None:
        return SCHEMA
    return FactSchema([s for s in SCHEMA.values() if s.source == "complaint" or s.name in facts])


def _write(files: Sequence[tuple[str, str]], folder: Path) -> Path:
    for name, text in files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _lint_example(example: Example, folder: Path) -> LintResult:
    _write(example.files, folder)
    return lint_paths([folder], _schema(example.facts), fact_origins=adapter_fact_origins())


def _where(p: Problem, folder: Path) -> tuple[str, int]:
    return Path(p.location.file).relative_to(folder).as_posix(), p.location.line


# -- every rule, from its docstring -----------------------------------------------------------
@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_the_failing_example_is_reported_at_the_marked_lines(rule: Rule, tmp_path: Path) -> None:
    result = _lint_example(rule.fails, tmp_path)
    hits = [p for p in result.problems if p.code in rule.codes]
    assert hits, f"{rule.id} did not fire:\n" + "\n".join(p.headline() for p in result.problems)
    assert all(p.severity == rule.severity for p in hits)
    assert result.loaded == rule.needs_library  # the example is valid, but for script errors
    if rule.id == "unread-fact":  # reported at the adapters' declaration, not in the example
        assert [p.message.split("'")[1] for p in hits] == ["hlr.apn"]
        assert hits[0].location.file.endswith("_hlr.py") and hits[0].location.line > 0
        return
    assert rule.fails.marks, f"{rule.id}: mark the reported line with `# <- here`"
    assert {_where(p, tmp_path) for p in hits} == set(rule.fails.marks)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_the_passing_example_is_not_reported(rule: Rule, tmp_path: Path) -> None:
    result = _lint_example(rule.passes, tmp_path)
    assert result.loaded, "\n".join(p.headline() for p in result.problems)
    assert not [p for p in result.problems if p.code in rule.codes], \
        "\n".join(p.headline() for p in result.problems)
    assert not rule.passes.marks


def test_rule_modules_follow_the_contract() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids)) >= 12
    for rule in RULES:
        assert rule.module.endswith("." + rule.id.replace("-", "_"))
        assert rule.summary and "\n" not in rule.doc
        assert rule.fails.files and rule.passes.files
    codes = [c for r in RULES for c in r.codes]
    assert len(codes) == len(set(codes))


def test_a_rule_module_without_examples_is_refused() -> None:
    import types

    module = types.ModuleType("diagtree._lint.rules.bad_rule", "Only a paragraph.")
    module.ID, module.SEVERITY = "bad-rule", "warning"  # type: ignore[attr-defined]
    module.check = lambda ctx: iter(())  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="Fails"):
        Rule.from_module(module)
    module.ID = "Bad_Rule"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="kebab"):
        Rule.from_module(module)


def test_example_syntax() -> None:
    example = Example.parse("# facts: a.b, c\n# file: t.yaml\nx: 1   # <- here\n"
                            "# file: sub/u.yaml\ny: 2\nz: 3  # <- here\n")
    assert example.facts == ("a.b", "c")
    assert [name for name, _ in example.files] == ["t.yaml", "sub/u.yaml"]
    assert example.marks == (("t.yaml", 1), ("sub/u.yaml", 2))
    assert Example.parse("k: v\n").files == (("example.yaml", "k: v\n"),)


# -- the generated reference ------------------------------------------------------------------
def test_the_rule_reference_is_generated_from_the_docstrings() -> None:
    text = render_rule_docs()
    if os.environ.get("DIAGTREE_UPDATE_GOLDEN") == "1":
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, \
        "docs/lint-rules.md is stale: run DIAGTREE_UPDATE_GOLDEN=1 pytest tests/test_lint.py"
    for rule in RULES:
        assert f"## {rule.id}\n" in text and rule.doc in text


# -- the condition analysis -------------------------------------------------------------------
def _cond(text: str) -> object:
    expr, problems = compile_expression(text, SCHEMA, Location("t.yaml", 1, 1))
    assert expr is not None, problems
    return expr


@pytest.mark.parametrize(("text", "value"), [
    ("coverage.rsrp_dbm < -110 and coverage.rsrp_dbm > -100", False),
    ("coverage.rsrp_dbm < -110 or coverage.rsrp_dbm >= -110", None),  # null: both false
    ("coverage.rsrp_dbm < -110 or not (coverage.rsrp_dbm < -110)", True),
    ("hlr.found or not hlr.found", True),
    ('hlr.number_state == "in_use" and hlr.number_state == "reclaimed"', False),
    ('hlr.number_state != "in_use" or hlr.number_state != "reclaimed"', True),
    ("coverage.measurements.count > 5 and coverage.measurements.count < 6", False),  # an int
    ("coverage.rsrp_dbm > 5 and coverage.rsrp_dbm < 6", None),  # a number: 5.5
    ('"sms" in hlr.services and "sms" not in hlr.services', False),
    ('"sms" in hlr.services or "sms" not in hlr.services', None),  # null: both false
    ("count(hlr.services) >= 0 or count(hlr.services) < 0", True),  # count() is never null
    ("hlr.suspended_since == null or hlr.suspended_since != null", True),
    ("days_since(hlr.suspended_since) > 90", None),
    ("hlr.device.volte == hlr.device.nr", None),  # opaque: either way
    ("hlr.device.volte == hlr.device.nr or true", True),
    ("hlr.device.volte == hlr.device.nr and false", False),
])
def test_constant_conditions(text: str, value: bool | None) -> None:
    assert constant(_cond(text)) is value  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "value"), [
    ('hlr.number_state in ["in_use", "suspended", "reclaimed"]', True),
    ("hlr.found == true or hlr.found == false", True),
    ("coverage.rsrp_dbm < -110 or coverage.rsrp_dbm >= -110", True),
    ('"sms" in hlr.services or "sms" not in hlr.services', True),
    ('hlr.number_state in ["in_use", "suspended"]', None),
    ("hlr.found", None),
])
def test_conditions_that_only_test_presence(text: str, value: bool | None) -> None:
    assert constant(_cond(text), present=True) is value  # type: ignore[arg-type]


def test_null_tests_are_written_as_such() -> None:
    assert is_null_test(formula_of(_cond("hlr.apn != null").ir))  # type: ignore[attr-defined]
    assert is_null_test(formula_of(
        _cond("hlr.apn == null or hlr.device.tac == null").ir))  # type: ignore[attr-defined]
    assert not is_null_test(formula_of(_cond("hlr.found == true").ir))  # type: ignore[attr-defined]


def test_the_analysis_gives_up_rather_than_guess() -> None:
    parts = [formula_of(_cond(" and ".join(f"{fact} != {n}" for n in range(30))).ir)  # type: ignore[attr-defined]
             for fact in ("coverage.rsrp_dbm", "coverage.sinr_db", "coverage.prb_util_max")]
    space = Space(parts)
    assert space.valuations() is None  # 62 values each: more than MAX_VALUATIONS together
    assert MAX_VALUATIONS < 62 ** 3
    assert space.constant(parts[0]) is None
    opaque = formula_of(_cond("hlr.device.volte == hlr.device.nr").ir)  # type: ignore[attr-defined]
    assert not Space([opaque]).exact


def _tree(folder: Path, *nodes: str, name: str = "t.yaml", symptom: str = "weak_signal") -> Path:
    text = textwrap.dedent(f"""\
        tree: t_{symptom}
        version: "1.0.0"
        title: T
        symptoms: [{symptom}]
        start: first
        nodes:
        """) + "".join(textwrap.indent(textwrap.dedent(n), "  ") for n in nodes)
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


_CAUSES = {"weak": "network.weak_coverage", "gap": "network.known_coverage_gap",
           "investigate": "unknown.needs_investigation", "recycled": "subscriber.number_recycled"}


def _outcomes(*names: str) -> str:
    """Outcome nodes for the names given (every node must be reachable)."""
    return "".join(f"{n}:\n  outcome: {_CAUSES[n]}\n" for n in names)


def _lint(folder: Path) -> LintResult:
    result = lint_paths([folder], SCHEMA)
    assert result.loaded, "\n".join(p.headline() for p in result.problems)
    return result


def _codes(result: LintResult, code: str) -> list[Problem]:
    return [p for p in result.problems if p.code == code]


def test_a_row_covered_by_two_earlier_rows_is_shadowed(tmp_path: Path) -> None:
    _tree(tmp_path, """\
        first:
          table:
            - when: coverage.rsrp_dbm < -110
              then: weak
            - when: coverage.rsrp_dbm >= -110 and coverage.gap.in_gap
              then: gap
            - when: coverage.rsrp_dbm < -120 or (coverage.rsrp_dbm > -100 and coverage.gap.in_gap)
              then: investigate
          default: investigate
        """, _outcomes("weak", "gap", "investigate"))
    result = _lint(tmp_path)
    [shadowed] = _codes(result, "table-row-shadowed")
    assert "row 3" in shadowed.message and "one of row 1 and row 2" in shadowed.message
    assert shadowed.location.line == 13


def test_null_keeps_a_row_alive(tmp_path: Path) -> None:
    _tree(tmp_path, """\
        first:
          table:
            - when: hlr.number_state == "in_use" or hlr.number_state == "suspended"
              then: weak
            - when: hlr.number_state != "in_use"
              then: gap
            - when: hlr.number_state == "reclaimed"
              then: investigate
          default: investigate
        """, _outcomes("weak", "gap", "investigate"))
    result = _lint(tmp_path)
    # row 2 also holds for null; row 3 is taken by row 2 for "reclaimed"
    assert [p.message.split(" of")[0] for p in _codes(result, "table-row-shadowed")] == ["row 3"]
    overlap = _codes(result, "table-row-overlap")
    assert len(overlap) == 1 and 'hlr.number_state = "suspended"' in overlap[0].message


def test_an_exception_before_the_general_row_is_not_an_overlap(tmp_path: Path) -> None:
    _tree(tmp_path, """\
        first:
          table:
            - when: coverage.rsrp_dbm < -110 and coverage.gap.in_gap
              then: gap
            - when: coverage.rsrp_dbm < -100
              then: weak
            - when: coverage.rsrp_dbm < -90 and not coverage.gap.in_gap
              then: investigate
          default: investigate
        """, _outcomes("weak", "gap", "investigate"))
    result = _lint(tmp_path)
    # row 1 lies inside row 2 (deliberate); rows 2 and 3 overlap in part (-110 → both)
    [overlap] = _codes(result, "table-row-overlap")
    assert overlap.message.startswith("rows 2 and 3 of table 'first' both hold when ")
    assert not _codes(result, "table-row-shadowed")


def test_a_switch_that_names_every_value_keeps_its_default(tmp_path: Path) -> None:
    _tree(tmp_path, """\
        first:
          switch: hlr.number_state
          cases: {reclaimed: recycled, in_use: investigate, suspended: investigate}
          default: investigate
        """, _outcomes("recycled", "investigate"), symptom="number_recycled")
    assert [p for p in _lint(tmp_path).problems if p.severity != "info"] == []


def test_ask_before_lookup_follows_sub_tree_jumps(tmp_path: Path) -> None:
    (tmp_path / "radio.yaml").write_text(textwrap.dedent("""\
        subtree: radio
        version: "1.0.0"
        title: R
        exits: [clear]
        start: weak
        nodes:
          weak:
            check: coverage.rsrp_dbm < -110
            yes: weak_coverage
            no: clear
          weak_coverage:
            outcome: network.weak_coverage
          clear:
            exit: clear
        """), encoding="utf-8")
    _tree(tmp_path, """\
        first:
          ask: indoor_only
          yes: radio_indoor
          no: radio_outdoor
        radio_indoor:
          use: radio
          exits: {clear: investigate}
        radio_outdoor:
          use: radio
          exits: {clear: gap}
        """, _outcomes("gap", "investigate"))
    [found] = _codes(_lint(tmp_path), "ask-before-lookup")
    assert "coverage.rsrp_dbm < -110" in found.message and "'yes'" in found.message


# -- suppressions -----------------------------------------------------------------------------
def test_suppression_comments_are_found_in_the_raw_text() -> None:
    text = textwrap.dedent("""\
        a: 1  # diagtree: disable=x-rule, y-rule
        # diagtree: disable=z-rule

        # another comment
        b: 2
        c: "# diagtree: disable=in-a-string"
        d: |
          # diagtree: disable=in-a-block
        e: f#diagtree:disable=not-a-comment
        """)
    found = find_suppressions("f.yaml", text)
    assert [(s.location.line, s.location.col, s.covers, s.codes) for s in found] == [
        (1, 7, 1, ("x-rule", "y-rule")), (2, 1, 5, ("z-rule",))]


def test_a_suppression_silences_its_line_and_an_unused_one_is_reported(tmp_path: Path) -> None:
    _tree(tmp_path, """\
        first:
          # diagtree: disable=constant-condition  kept on purpose for the demo
          check: coverage.rsrp_dbm < -110 and coverage.rsrp_dbm > -100
          yes: weak
          no: second
        second:
          check: coverage.gap.in_gap   # diagtree: disable=constant-conditon,table-row-shadowed
          yes: gap
          no: third
        third:  # diagtree: disable=script_internal_term
          check: coverage.rsrp_dbm < -100 and coverage.rsrp_dbm > -90
          yes: weak
          no: investigate
        """, _outcomes("weak", "gap", "investigate"))
    result = _lint(tmp_path)
    [constant_] = _codes(result, "constant-condition")
    assert constant_.location.line == 17  # third: not suppressed (the comment is a line above)
    useless = _codes(result, "useless-suppression")
    assert [(p.location.line, p.message) for p in useless] == [
        (13, "`disable=table-row-shadowed` suppresses nothing on line 13"),
        (13, "no lint rule is called 'constant-conditon'"),
        (16, "script_internal_term is reported by the script lint: the engine refuses those "
             "files, so it cannot be suppressed")]
    assert useless[1].hint == "did you mean 'constant-condition'?"


# -- output formats ---------------------------------------------------------------------------
_PROBLEMS = [
    Problem(Location("trees/a.yaml", 3, 5), "table-row-overlap", "rows 1, 2: x", "warning",
            hint="fix: it"),
    Problem(Location("trees/b.yaml", 1, 1), "dangling_reference", "yes → 'x': no such node"),
    Problem(Location("adapters/_hlr.py", 62, 15), "unread-fact", "no tree reads 'hlr.apn'",
            "info"),
    Problem(Location("trees/c.yaml"), "script_internal_term", "shows 'HLR'\nline two"),
]


def test_text_format_shows_the_source_line_and_a_caret() -> None:
    out = render(_PROBLEMS[:1], "text", RULES,
                 sources={"trees/a.yaml": "a: 1\nb: 2\nc:  - when: x\n"})
    assert out.splitlines() == [
        "trees/a.yaml:3:5: warning table-row-overlap rows 1, 2: x (fix: it)",
        "    c:  - when: x", "        ^"]


def test_json_format() -> None:
    data = json.loads(render(_PROBLEMS, "json", RULES))
    assert data["summary"] == {"errors": 2, "warnings": 1, "info": 1}
    first = data["problems"][0]
    assert first == {"file": "trees/a.yaml", "line": 3, "col": 5, "severity": "warning",
                     "code": "table-row-overlap", "rule": "table-row-overlap",
                     "message": "rows 1, 2: x", "hint": "fix: it"}
    assert [p["rule"] for p in data["problems"]][1:] == ["validate", "unread-fact",
                                                          "script-lint"]


def test_github_format_escapes_workflow_commands() -> None:
    lines = render(_PROBLEMS, "github", RULES).splitlines()
    assert lines[0] == ("::warning file=trees/a.yaml,line=3,col=5,title=table-row-overlap::"
                        "rows 1, 2: x (fix: it)")
    assert lines[1].startswith("::error file=trees/b.yaml,line=1,col=1,title=dangling_reference::")
    assert lines[2].startswith("::notice file=adapters/_hlr.py,line=62,col=15,")
    assert lines[3] == ("::error file=trees/c.yaml,title=script_internal_term::"
                        "shows 'HLR'%0Aline two")


def test_sarif_format() -> None:
    log = json.loads(render(_PROBLEMS, "sarif", RULES, version="9.9"))
    assert log["version"] == "2.1.0" and "sarif-2.1.0" in log["$schema"]
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "diagtree" and driver["version"] == "9.9"
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        for code in rule.codes:
            meta = rules[ids.index(code)]
            assert meta["shortDescription"]["text"] == rule.summary
            assert meta["defaultConfiguration"]["level"] == \
                {"error": "error", "warning": "warning", "info": "note"}[rule.severity]
    assert rules[ids.index("dangling_reference")]["properties"]["rule"] == "validate"
    results = run["results"]
    assert [r["level"] for r in results] == ["warning", "error", "note", "error"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert results[0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "trees/a.yaml"},
        "region": {"startLine": 3, "startColumn": 5}}
    assert "region" not in results[3]["locations"][0]["physicalLocation"]


# -- the command ------------------------------------------------------------------------------
def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="diagtree")
    add_lint(parser.add_subparsers(dest="verb", required=True))
    args = parser.parse_args(["lint", *argv])
    code: int = args.run(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def _strict_folder(tmp_path: Path) -> Path:
    return _tree(tmp_path / "kb", """\
        first:
          switch: hlr.number_state
          cases: {reclaimed: recycled}
          default: investigate
        """, _outcomes("recycled", "investigate"), symptom="number_recycled").parent


def test_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _strict_folder(tmp_path)
    code, out, err = _run([str(folder)], capsys)
    assert code == 0 and "enum-switch-default" in out and "1 warning(s)" in err
    assert _run([str(folder), "--strict"], capsys)[0] == 2
    (folder / "t.yaml").write_text((folder / "t.yaml").read_text().replace(
        "switch: hlr.number_state", "switch: hlr.number_state\n    # diagtree: disable="
        "enum-switch-default").replace("default: investigate",
                                       "default: investigate  # diagtree: disable="
                                       "enum-switch-default"), encoding="utf-8")
    code, out, _ = _run([str(folder), "--strict"], capsys)
    assert code == 2 and "useless-suppression" in out  # the first comment covers `cases:`
    assert _run(["/no/such/folder"], capsys)[0] == 2


def test_files_that_do_not_load_print_validate_errors(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _strict_folder(tmp_path)
    path = folder / "t.yaml"
    path.write_text(path.read_text().replace("default: investigate", "default: investigat"),
                    encoding="utf-8")
    code, out, err = _run([str(folder), "--format", "json"], capsys)
    assert code == 1 and "do not load" in err
    assert "dangling_reference" in [p["code"] for p in json.loads(out)["problems"]]


def test_a_single_file_is_linted_in_its_folder(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    trees = tmp_path / "trees"
    shutil.copytree(shipped_trees(), trees,
                    ignore=shutil.ignore_patterns("__pycache__", "*.py", "scenarios"))
    radio = trees / "shared" / "radio.yaml"
    radio.write_text(radio.read_text().replace("coverage.rsrp_dbm < -110",
                                               "coverage.rsrp_dbm < -110 and false"),
                     encoding="utf-8")
    code, out, _ = _run([str(trees / "no_service.yaml"), "--format", "github"], capsys)
    assert code == 0 and out == ""  # the problem is in another file
    code, out, _ = _run([str(radio), "--show-info"], capsys)
    assert code == 1 and "constant-condition" in out and "unread-fact" not in out


# -- the shipped trees ------------------------------------------------------------------------
def test_the_shipped_trees_lint_clean_under_strict() -> None:
    result = lint_paths([shipped_trees()], SCHEMA, fact_origins=adapter_fact_origins(),
                        require_policy=True)
    shown = "\n".join(p.headline() for p in result.problems if p.severity != "info")
    assert result.exit_code(strict=True) == 0, shown
