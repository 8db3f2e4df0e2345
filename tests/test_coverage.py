"""`diagtree test --coverage` and `_testing.coverage`: which nodes and branches the scenarios
took, where the missed ones are written, the merge of shared sub-trees, which on_unknown
branches count, `--min-coverage`, and the JSON form.

The knowledge folder here is the shipped catalog, scripts and policy with two tiny trees that
share one tiny sub-tree, so every count below is exact.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

import diagtree_adapters as ad
from diagtree import Engine, shipped_trees
from diagtree._cli import main
from diagtree._testing.coverage import (
    BranchCoverage,
    CoverageReport,
    DocumentCoverage,
    _unknown_possible,
    compute_coverage,
    format_text,
    to_dict,
    to_json,
)
from diagtree._testing.scenarios import load_cases, run_cases

SUB = """\
subtree: tiny_sub
version: "1.0.0"
title: Tiny sub-tree
exits: [clear]
start: odb
nodes:
  odb:
    switch: hlr.odb.bar_reason
    cases:
      arrears: barred
      "null": clear
    default: barred
  barred:
    outcome: subscriber.barred_other
    values: {odb_reasons: hlr.odb.bar_reasons, billing_reason: billing.account.suspended_reason,
             billing_suspended: billing.account.status == "suspended"}
  clear:
    exit: clear
"""

TREE_A = """\
tree: tiny_a
version: "1.0.0"
title: Tiny tree A
symptoms: [service_suspended]
start: sub
nodes:
  sub:
    use: tiny_sub
    exits: {clear: account}
  account:
    check: billing.account.status == "suspended"
    yes: suspended
    no: found
  found:
    check: hlr.found
    yes: investigate
    no: kind
  kind:
    table:
      - when: complaint.channel == "regulator"
        then: investigate
      - when: coverage.located
        then: investigate
    default: ask_air
    on_unknown: ask_air
  ask_air:
    ask: airplane_mode
    yes: investigate
    no: channel
  channel:
    check: complaint.has_location
    yes: investigate
    no: investigate
    on_unknown: investigate
  suspended:
    outcome: subscriber.barred_other
    values: {odb_reasons: hlr.odb.bar_reasons, billing_reason: billing.account.suspended_reason,
             billing_suspended: "true"}
  investigate:
    outcome: unknown.needs_investigation
"""

TREE_B = """\
tree: tiny_b
version: "1.0.0"
title: Tiny tree B
symptoms: [roaming_failure]
start: sub
nodes:
  sub:
    use: tiny_sub
    exits: {clear: investigate}
  investigate:
    outcome: unknown.needs_investigation
"""

SCENARIOS = """\
cases:
  - id: a-nothing-found
    complaint: {type: service_suspended, msisdn: "8613800000001",
                reported_at: "2026-11-20T09:30:00+08:00"}
    expect: {cause: unknown.needs_investigation}
  - id: a-billing-down
    complaint: {type: service_suspended, msisdn: "8613800000001",
                reported_at: "2026-11-20T09:30:00+08:00"}
    down: [billing]
    expect: {cause: unknown.data_unavailable}
  - id: a-regulator
    complaint: {type: service_suspended, msisdn: "8613800000001", channel: regulator,
                reported_at: "2026-11-20T09:30:00+08:00"}
    expect: {cause: unknown.needs_investigation}
  - id: b-hlr-down
    complaint: {type: roaming_failure, msisdn: "8613800000001",
                reported_at: "2026-11-20T09:30:00+08:00"}
    down: [hlr]
    expect: {cause: unknown.data_unavailable}
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped catalog, scripts and policy, with the tiny trees instead of the shipped."""
    root = tmp_path_factory.mktemp("coverage")
    trees = root / "trees"
    shutil.copytree(shipped_trees(), trees,
                    ignore=shutil.ignore_patterns("__pycache__", "*.py", "scenarios"))
    for path in trees.rglob("*.yaml"):
        if re.search(r"^(sub)?tree:", path.read_text(encoding="utf-8"), re.MULTILINE):
            path.unlink()
    (trees / "shared" / "tiny_sub.yaml").write_text(SUB, encoding="utf-8")
    (trees / "tiny_a.yaml").write_text(TREE_A, encoding="utf-8")
    (trees / "tiny_b.yaml").write_text(TREE_B, encoding="utf-8")
    (root / "cases.yaml").write_text(SCENARIOS, encoding="utf-8")
    return root


def _where(text: str, file: str, line_has: str, col_of: str | None = None,
           after: str | None = None) -> str:
    """file:line:col of the first line containing `line_has` (after a line with `after`),
    at `col_of` in it (default: the first non-blank character)."""
    lines = text.splitlines()
    start = 0 if after is None else next(i for i, s in enumerate(lines) if after in s)
    n = next(i for i in range(start, len(lines)) if line_has in lines[i])
    line = lines[n]
    col = line.index(col_of) if col_of is not None else len(line) - len(line.lstrip())
    return f"{file}:{n + 1}:{col + 1}"


def _run(folder: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list[str]]:
    """Exit code and standard output lines of `diagtree test` on the tiny folder's cases."""
    code = main(["test", str(folder / "cases.yaml"), "--trees", str(folder / "trees"), *extra])
    captured = capsys.readouterr()
    _run.err = captured.err  # type: ignore[attr-defined]
    return code, captured.out.splitlines()


@pytest.fixture(scope="module")
def report(folder: Path) -> CoverageReport:
    engine = Engine(folder / "trees", sources=ad.mock_sources(ad.records_from_mapping({})))
    def make(block: Any, down: Any) -> Any:
        return list(ad.mock_sources(ad.records_from_mapping(block), down=down))

    cases, problems = load_cases([folder / "cases.yaml"])
    assert not problems
    results = run_cases(cases, engine.diagnose, make)
    assert all(r.passed for r in results), [r.describe() for r in results]
    return compute_coverage(engine.library, [r.diagnosis for r in results if r.diagnosis])


def _doc(report: CoverageReport, doc_id: str) -> DocumentCoverage:
    return next(d for d in report.documents if d.id == doc_id)


def _branches(doc: DocumentCoverage) -> dict[str, BranchCoverage]:
    return {f"{n.id} {b.label}": b for n in doc.nodes for b in n.branches}


def test_exact_branches_of_a_tree(report: CoverageReport) -> None:
    a = _branches(_doc(report, "tiny_a"))
    covered = {k for k, b in a.items() if b.covered and b.counted}
    missed = {k for k, b in a.items() if not b.covered and b.counted}
    assert covered == {"account no", "account on_unknown", "found no", "kind row 1",
                       "kind default", "ask_air answer false", "channel no"}
    assert missed == {"account yes", "found yes", "kind row 2", "kind on_unknown",
                      "ask_air answer true", "channel yes"}
    # an unanswered question counts as its default answer; the sub-tree exit reaches `account`
    assert a["ask_air answer false"].hits == 1
    assert a["account no"].hits == 2 and a["account on_unknown"].hits == 1
    assert a["account on_unknown"].implicit and a["account on_unknown"].target \
        == "unknown.data_unavailable"
    assert not a["kind on_unknown"].implicit and a["kind on_unknown"].target == "ask_air"


def test_on_unknown_counts_only_where_a_failed_source_can_reach_it(
        report: CoverageReport) -> None:
    a = _branches(_doc(report, "tiny_a"))
    # hlr.found: the HLR has answered in the sub-tree's switch on every path here
    assert "found on_unknown" not in a
    # complaint facts are never unavailable: the written on_unknown is listed, not counted
    assert a["channel on_unknown"].counted is False
    assert [(d.id, n.id, b.label) for d, n, b in report.unreachable()] == \
        [("tiny_a", "channel", "on_unknown")]
    # the sub-tree's switch is the first read of the HLR: its implicit on_unknown counts
    assert _branches(_doc(report, "tiny_sub"))["odb on_unknown"].counted


def test_a_shared_subtree_is_reported_once_and_merged_across_trees(
        report: CoverageReport) -> None:
    sub = _doc(report, "tiny_sub")
    assert sub.kind == "subtree" and sub.used_by == ("tiny_a", "tiny_b")
    assert sub.file.endswith("shared/tiny_sub.yaml")
    b = _branches(sub)
    assert b["odb case null"].covered  # tree A's walks
    assert b["odb on_unknown"].covered  # tree B's walk (HLR down)
    assert not b["odb case arrears"].covered and not b["odb default"].covered
    assert {n.id: n.covered for n in sub.nodes} == {"odb": True, "barred": False,
                                                    "clear": True}
    assert [d.id for d in report.documents] == ["tiny_a", "tiny_b", "tiny_sub"]


def test_nodes_and_totals(report: CoverageReport) -> None:
    a = _doc(report, "tiny_a")
    assert {n.id for n in a.nodes if not n.covered} == {"suspended"}
    assert (a.node_counts.covered, a.node_counts.total) == (7, 8)
    assert (a.branch_counts.covered, a.branch_counts.total) == (7, 13)
    b = _doc(report, "tiny_b")
    assert (b.node_counts.covered, b.node_counts.total) == (1, 2)
    assert (report.nodes.covered, report.nodes.total) == (10, 13)
    assert (report.branches.covered, report.branches.total) == (9, 17)
    assert report.diagnoses == 4 and report.skipped == 0
    assert report.meets(52.94) and not report.meets(52.95)


def test_untraced_and_foreign_diagnoses_are_skipped(folder: Path, report: CoverageReport) -> None:
    engine = Engine(folder / "trees", sources=ad.mock_sources(ad.records_from_mapping({})))
    complaint = {"id": "C1", "type": "roaming_failure", "msisdn": "8613800000001",
                 "reported_at": "2026-11-20T09:30:00+08:00"}
    untraced = engine.diagnose(complaint, trace=False)
    no_tree = engine.diagnose({**complaint, "type": "call_drop",
                               "location": {"lat": 28.2, "lon": 112.9}})
    traced = engine.diagnose(complaint)
    other_version = dataclasses.replace(traced, tree_sha256="0" * 64)
    got = compute_coverage(engine.library, [untraced, no_tree, other_version, traced])
    assert (got.diagnoses, got.skipped) == (1, 3)
    assert _branches(_doc(got, "tiny_sub"))["odb case null"].hits == 1


def test_text_lists_the_missed_branches_where_they_are_written(
        folder: Path, report: CoverageReport) -> None:
    text = format_text(report)
    tree_a = str(folder / "trees" / "tiny_a.yaml")
    sub = str(folder / "trees" / "shared" / "tiny_sub.yaml")
    missed = text.split("Branches never taken (8):\n")[1].split("\n\n")[0].splitlines()
    assert missed == [
        "  " + _where(TREE_A, tree_a, "yes: suspended", "suspended")
        + ": tiny_a/account yes → suspended",
        "  " + _where(TREE_A, tree_a, "yes: investigate", "investigate", after="found:")
        + ": tiny_a/found yes → investigate",
        "  " + _where(TREE_A, tree_a, "- when: coverage.located", "when")
        + ": tiny_a/kind row 2 → investigate",
        "  " + _where(TREE_A, tree_a, "on_unknown: ask_air", "ask_air")
        + ": tiny_a/kind on_unknown → ask_air",
        "  " + _where(TREE_A, tree_a, "yes: investigate", "investigate", after="ask_air:")
        + ": tiny_a/ask_air answer true → investigate",
        "  " + _where(TREE_A, tree_a, "yes: investigate", "investigate", after="channel:")
        + ": tiny_a/channel yes → investigate",
        "  " + _where(SUB, sub, "arrears: barred", "barred")
        + ": tiny_sub/odb case arrears → barred",
        "  " + _where(SUB, sub, "default: barred", "barred")
        + ": tiny_sub/odb default → barred",
    ]
    assert re.search(r"^ *10/13 +76\.9% +9/17 +52\.9% +total$", text, re.MULTILINE)
    assert re.search(r"^ *7/8 +87\.5% +7/13 +53\.8% +tree tiny_a +\S+tiny_a\.yaml$", text,
                     re.MULTILINE)
    assert "  " + _where(TREE_A, tree_a, "on_unknown: investigate", "investigate") \
        + ": tiny_a/channel on_unknown → investigate" in text  # listed as not counted


def test_an_implicit_on_unknown_is_located_at_its_node(report: CoverageReport) -> None:
    b = _branches(_doc(report, "tiny_a"))["account on_unknown"]
    assert str(b.location).endswith(_where(TREE_A, "tiny_a.yaml", "  account:", "account"))


def test_json_per_document_node_and_branch(report: CoverageReport) -> None:
    data = json.loads(to_json(report))
    assert data == to_dict(report)
    assert data["total"]["branches"] == {"covered": 9, "total": 17, "percent": 52.94}
    sub = next(d for d in data["documents"] if d["id"] == "tiny_sub")
    odb = next(n for n in sub["node_list"] if n["id"] == "odb")
    assert odb["hits"] == 4 and odb["kind"] == "switch"
    assert {b["label"]: b["hits"] for b in odb["branches"]} == {
        "case arrears": 0, "case null": 3, "default": 0, "on_unknown": 1}


def test_cli_coverage_report_comes_before_the_last_line(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(folder, capsys, "--coverage")
    assert code == 0
    assert out[-1] == "4 passed, 0 failed"
    assert out[0].startswith("Coverage by 4 diagnoses")
    assert any(re.search(r"9/17 +52\.9% +total$", line) for line in out)
    assert any("tiny_sub/odb case arrears → barred" in line for line in out)


@pytest.mark.parametrize(("minimum", "expected"), [("52.9", 0), ("52.95", 1), ("100", 1)])
def test_cli_min_coverage(folder: Path, capsys: pytest.CaptureFixture[str], minimum: str,
                          expected: int) -> None:
    code, out = _run(folder, capsys, "--min-coverage", minimum)
    assert code == expected
    assert out[-1] == "4 passed, 0 failed"
    assert out[-2 - expected] == "coverage: 52.9% of branches (9/17), 76.9% of nodes (10/13)"
    if expected:
        assert out[-2] == (f"FAIL coverage: 52.9% of branches taken (9/17) is below "
                           f"--min-coverage {float(minimum):g}%")


def test_cli_min_coverage_adds_to_failing_cases(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SCENARIOS.replace("expect: {cause: unknown.data_unavailable}\n  - id: a-reg",
                                     "expect: {cause: billing}\n  - id: a-reg"),
                   encoding="utf-8")
    code = main(["test", str(bad), "--trees", str(folder / "trees"), "--min-coverage", "10"])
    out = capsys.readouterr().out.splitlines()
    assert code == 1 and out[-1] == "3 passed, 1 failed"


@pytest.mark.parametrize("value", ["101", "-1", "lots"])
def test_cli_min_coverage_must_be_a_percentage(
        folder: Path, capsys: pytest.CaptureFixture[str], value: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["test", str(folder / "cases.yaml"), "--min-coverage", value])
    assert exc.value.code == 2
    assert "expected a percentage from 0 to 100" in capsys.readouterr().err


def test_cli_json_to_stdout_and_to_a_file(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(folder, capsys, "--coverage-format", "json")  # implies --coverage
    assert code == 0 and out[-1] == "4 passed, 0 failed"
    data = json.loads("\n".join(out[:-2]))
    assert data["total"]["branches"]["covered"] == 9
    target = tmp_path / "coverage.json"
    code, out = _run(folder, capsys, "--coverage-format", "json",
                     "--coverage-output", str(target))
    assert code == 0 and len(out) == 2 and out[-1] == "4 passed, 0 failed"
    assert json.loads(target.read_text(encoding="utf-8")) == data
    code, out = _run(folder, capsys, "--coverage-output", str(tmp_path / "no" / "such.txt"))
    assert code == 2 and out[-1] == "4 passed, 0 failed"
    assert "cannot write" in _run.err  # type: ignore[attr-defined]


def test_shipped_scenarios_take_every_branch(capsys: pytest.CaptureFixture[str]) -> None:
    """CI's coverage gate: every branch of every shipped tree is taken by some scenario.

    100% because every counted branch is reachable (unreachable on_unknown branches are not
    counted) and each branch is about 1% of the total: a lower bar would let a new, untested
    branch ship silently."""
    code = main(["test", str(shipped_trees() / "scenarios"), "--min-coverage", "100"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert re.fullmatch(r"\d+ passed, 0 failed", out[-1])
    summary = next(line for line in out if line.startswith("coverage: "))
    match = re.search(r"\((\d+)/(\d+)\)", summary)
    assert match is not None and match[1] == match[2]  # every branch taken


def test_no_walk_takes_an_on_unknown_the_analysis_rules_out(folder: Path) -> None:
    """Every case with every combination of sources down: an on_unknown is only ever taken
    where `_unknown_possible` says a failed source can reach it, and each of those is taken."""
    engine = Engine(folder / "trees", sources=ad.mock_sources(ad.records_from_mapping({})))
    possible = {(t, q) for t, tree in engine.library.trees.items()
                for q in _unknown_possible(tree.flat)}
    assert possible == {("tiny_a", "sub/odb"), ("tiny_a", "account"), ("tiny_a", "kind"),
                        ("tiny_b", "sub/odb")}
    cases, _ = load_cases([folder / "cases.yaml"])
    taken = set()
    for case in cases:
        for k in range(4):
            for down in itertools.combinations(("hlr", "billing", "coverage"), k):
                sources = ad.mock_sources(ad.records_from_mapping(case.sources), down=down)
                diagnosis = engine.diagnose({"id": case.id, **case.complaint},
                                            answers=case.answers, sources=sources)
                taken |= {(diagnosis.tree_id, s.node) for s in diagnosis.trace
                          if s.branch.startswith("on_unknown")}
    assert taken == possible
