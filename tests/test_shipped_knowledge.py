"""The shipped knowledge as a whole: every symptom has a tree, every cause is reachable and has
scenarios, every shipped scenario passes, and the policy file — not code — decides grades,
deadlines and refund authority."""

from __future__ import annotations

import collections
import copy
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

import diagtree_adapters as ad
from diagtree import Engine, shipped_trees
from diagtree._testing.scenarios import load_cases, run_cases
from diagtree._vocab.taxonomy import CAUSES, SYMPTOMS

from conftest import sources_for

SCENARIOS = shipped_trees() / "scenarios"


@pytest.fixture(scope="module")
def shipped() -> Engine:
    return Engine(sources=ad.mock_sources(ad.records_from_mapping({})))


def test_every_symptom_routes_to_a_tree(shipped: Engine) -> None:
    assert sorted(shipped.library.by_symptom) == sorted(SYMPTOMS)


def test_every_cause_is_an_outcome_of_some_tree(shipped: Engine) -> None:
    produced = {step.cause for tree in shipped.library.trees.values()
                for step in [*tree.steps.values(), tree.unavailable, tree.undecided]
                if step.cause}
    assert set(CAUSES) <= produced


def test_every_shipped_scenario_passes_and_every_cause_has_two(shipped: Engine) -> None:
    cases, problems = load_cases([SCENARIOS])
    assert not problems
    results = run_cases(cases, shipped.diagnose, lambda block, down: ad.mock_sources(
        ad.records_from_mapping(block), down=down))
    failed = [r.describe() for r in results if not r.passed]
    assert not failed, "\n".join(failed)
    per_cause = collections.Counter(r.diagnosis.cause for r in results if r.diagnosis)
    assert {c: per_cause[c] for c in CAUSES if per_cause[c] < 2} == {}


def test_every_tree_has_a_case_with_each_source_it_reads_down(shipped: Engine) -> None:
    cases, _ = load_cases([SCENARIOS])
    down_by_symptom: dict[str, set[str]] = collections.defaultdict(set)
    for case in cases:
        down_by_symptom[case.complaint.get("type", "")].update(case.down)
    for symptom, tree in shipped.library.by_symptom.items():
        reads = {source for step in tree.steps.values() for _, source in step.reads}
        reads.discard("complaint")
        assert reads <= down_by_symptom[symptom], (symptom, reads - down_by_symptom[symptom])


def _knowledge_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "trees"
    shutil.copytree(shipped_trees(), dest,
                    ignore=shutil.ignore_patterns("__pycache__", "*.py", "scenarios"))
    return dest


def _rating_error_case() -> dict[str, Any]:
    cases = yaml.safe_load((SCENARIOS / "bill_dispute.yaml").read_text(encoding="utf-8"))
    for case in cases["cases"]:
        if case["expect"].get("cause") == "billing.rating_error" and not case.get("down"):
            found = copy.deepcopy(case)
            found["complaint"].setdefault("id", found["id"])
            return found
    raise AssertionError("no rating_error scenario")


def test_editing_the_policy_file_changes_grade_deadline_and_authority(tmp_path: Path) -> None:
    case = _rating_error_case()
    case["complaint"]["channel"] = "social_media"
    before = Engine(sources=sources_for(case)).diagnose(case["complaint"])
    assert before.grade == "escalated"
    assert before.refund is not None and before.refund.amount > 0

    trees = _knowledge_copy(tmp_path)
    policy = trees / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    text = text.replace('when: complaint.channel == "social_media"\n      reason: came through '
                        'social media', 'when: complaint.channel == "social_media"\n      '
                        'reason: came through social media (now major)')
    text = text.replace("- grade: escalated\n      when: complaint.channel == \"social_media\"",
                        "- grade: major\n      when: complaint.channel == \"social_media\"")
    text = text.replace("escalated: {within_hours: 24, kind: progress}",
                        "escalated: {within_hours: 12, kind: progress}")
    text = text.replace("major: {within_hours: 6, every_hours: 6, kind: progress}",
                        "major: {within_hours: 2, every_hours: 2, kind: progress}")
    text = text.replace("limits: {agent: 50, supervisor: 200}",
                        "limits: {agent: 0.01, supervisor: 200}")
    policy.write_text(text, encoding="utf-8")
    after = Engine(trees, sources=sources_for(case)).diagnose(case["complaint"])
    assert after.grade == "major"
    assert "came through social media (now major)" in after.grade_reasons
    assert after.feedback_every_hours == 2
    reported = dt.datetime.fromisoformat(str(case["complaint"]["reported_at"]))
    assert dt.datetime.fromisoformat(after.feedback_due) == reported + dt.timedelta(hours=2)
    assert after.refund is not None and not after.refund.within_authority
    assert (after.resolution, after.department) == ("dispatch", "billing_center")


def test_shipped_trees_are_in_the_canonical_layout(capsys: pytest.CaptureFixture[str]) -> None:
    from diagtree._cli import main

    assert main(["fmt", "--check", str(shipped_trees())]) == 0, capsys.readouterr().out


def test_shipped_trees_lint_clean_under_strict() -> None:
    from diagtree._cli import main

    assert main(["lint", "--strict", str(shipped_trees())]) == 0


def test_the_contracts_worked_examples_pass(shipped: Engine) -> None:
    from conftest import DATA

    cases, problems = load_cases([DATA / "spec_examples.yaml"])
    assert not problems and len(cases) == 8
    results = run_cases(cases, shipped.diagnose, lambda block, down: ad.mock_sources(
        ad.records_from_mapping(block), down=down))
    assert [r.describe() for r in results if not r.passed] == []
