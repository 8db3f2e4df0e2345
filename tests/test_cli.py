"""The `diagtree` command: validate, test, diagnose."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from diagtree import shipped_trees
from diagtree._cli import main

from conftest import DATA


def _copy_trees(tmp_path: Path) -> Path:
    dest = tmp_path / "trees"
    shutil.copytree(shipped_trees(), dest,
                    ignore=shutil.ignore_patterns("__pycache__", "*.py", "scenarios"))
    return dest


def test_validate_shipped_trees_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(shipped_trees())]) == 0
    assert capsys.readouterr().out.startswith("ok: ")


def test_validate_reports_a_fact_typo_with_location_and_suggestion(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trees = _copy_trees(tmp_path)
    tree = trees / "no_service.yaml"
    text = tree.read_text(encoding="utf-8")
    tree.write_text(text.replace("check: hlr.sim_not_registered",
                                 "check: hlr.sim_not_registerd"), encoding="utf-8")
    line = next(i for i, s in enumerate(tree.read_text().splitlines(), 1)
                if "sim_not_registerd" in s)
    col = tree.read_text().splitlines()[line - 1].index("hlr.") + 1
    assert main(["validate", str(tree)]) == 1
    out = capsys.readouterr().out
    assert f"no_service.yaml:{line}:{col}: error unknown_fact" in out
    assert "did you mean 'hlr.sim_not_registered'?" in out
    assert "^" in out  # the caret under the column


def test_validate_missing_path_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "/no/such/trees"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_test_runs_scenarios_and_ends_with_the_count(
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["test", str(shipped_trees() / "scenarios" / "no_service.yaml")])
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].endswith(" failed")
    passed, failed = (int(w) for w in out[-1].replace(",", "").split()[::2])
    assert passed > 0 and failed == 0 and code == 0


def test_test_reports_a_failing_case_with_its_path(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (DATA / "spec_examples.yaml").read_text(encoding="utf-8")
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(text.replace("cause: network.known_coverage_gap",
                                  "cause: network.weak_coverage"), encoding="utf-8")
    assert main(["test", str(wrong)]) == 1
    out = capsys.readouterr().out
    assert "FAIL example-ns-gap" in out
    assert "expected 'network.weak_coverage', got 'network.known_coverage_gap'" in out
    assert "radio/gap[yes]" in out
    assert out.strip().splitlines()[-1].endswith("failed")


def test_test_counts_a_malformed_case_as_failed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("cases:\n  - id: x\n    complaint: {type: no_service}\n"
                   "    expect: {cause: network.site_outage, colour: red}\n", encoding="utf-8")
    assert main(["test", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "bad.yaml:4:42" in out and "unknown key 'colour'" in out
    assert out.strip().splitlines()[-1] == "0 passed, 1 failed"


def test_diagnose_from_a_scenario_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["diagnose", "--scenario", str(DATA / "spec_examples.yaml"),
                 "--case", "example-ns-outage", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cause"] == "network.site_outage"


def test_diagnose_prints_a_readable_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagnose", "--scenario", str(DATA / "spec_examples.yaml"),
                 "--case", "example-ns-gap", "--locale", "en"]) == 0
    out = capsys.readouterr().out
    for heading in ("Finding", "Grade", "Feedback", "Script (en)", "Evidence path"):
        assert heading in out


def test_diagnose_rejects_a_bad_complaint_without_traceback(
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["diagnose", "--type", "no_service", "--msisdn", "12",
                 "--at", "2026-11-20T09:30:00+08:00", "--lat", "28.2", "--lon", "112.9"])
    assert code == 2
    err = capsys.readouterr().err
    assert "msisdn" in err and "Traceback" not in err


def test_a_broken_action_template_is_a_located_problem(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trees = _copy_trees(tmp_path)
    catalog = trees / "outcomes.yaml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace(
        '"Attach the complaint to the open outage incident; do not open a new ticket"',
        '"Attach {{ oops"', 1), encoding="utf-8")
    assert main(["validate", str(trees)]) == 1
    out = capsys.readouterr().out
    assert "outcomes.yaml:" in out and "script_syntax" in out and "network.site_outage" in out


def test_each_failing_case_is_one_line(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    text = (DATA / "spec_examples.yaml").read_text(encoding="utf-8")
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(text.replace("cause: network.known_coverage_gap",
                                  "cause: network.weak_coverage").replace(
        "cause: network.site_outage\n    resolution: frontline",
        "cause: network.site_outage\n    resolution: dispatch"), encoding="utf-8")
    assert main(["test", str(wrong)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "6 passed, 2 failed"
    assert len(lines) == 3 and all(line.startswith("FAIL ") for line in lines[:2])
