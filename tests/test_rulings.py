"""Every ruling of docs/taxonomy.md §8 ("Rulings on edge cases", rules 1–28 and the formats
table) is pinned by at least one shipped scenario, so the mapping cannot silently rot.

A scenario names the rulings it pins in a YAML comment on its ``- id:`` line
(``- id: sd-quota-reset-date-today-not-applied  # §8.7``; several: ``# §8.8 §8.21``; the
formats table: ``§8.formats``). The scenario format has no key for it, and unknown keys are
errors, so the comment is the tag. Besides the mapping, this file checks what a scenario's
``expect`` cannot say: text a script must NOT contain, and evidence the trace must keep.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

import diagtree_adapters as ad
from diagtree import Diagnosis, Engine, shipped_trees
from diagtree._testing.scenarios import Case, load_cases, run_case

SCENARIOS = shipped_trees() / "scenarios"
RULINGS = (*(str(n) for n in range(1, 29)), "formats")
_ID_LINE = re.compile(r"^\s*-\s+id:\s*(?P<id>[^\s#]+)\s*#(?P<comment>.*)$")
_TAG = re.compile(r"§8\.(\d+|formats)\b")


def _tags(text: str) -> dict[str, list[str]]:
    """Case id → the rulings named in the comment on its ``- id:`` line."""
    tags: dict[str, list[str]] = {}
    for line in text.splitlines():
        match = _ID_LINE.match(line)
        if match:
            found = _TAG.findall(match["comment"])
            if found:
                tags[match["id"]] = found
    return tags


def _case_ids(path: Path) -> set[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {case["id"] for case in data["cases"]}


def ruling_map() -> dict[str, list[tuple[str, str]]]:
    """Ruling → the (file, case id) pairs that pin it."""
    out: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
    for path in sorted(SCENARIOS.glob("*.yaml")):
        for case_id, rulings in _tags(path.read_text(encoding="utf-8")).items():
            for ruling in rulings:
                out[ruling].append((path.name, case_id))
    return out


def test_the_tag_parser_reads_only_id_lines() -> None:
    text = ("cases:\n"
            "  # §8.9 a comment alone names nothing\n"
            "  - id: a-case  # §8.8 §8.21\n"
            "    description: mentions §8.7 in prose\n"
            "  - id: b-case\n"
            "  - id: c-case  # §8.formats, see the table\n")
    assert _tags(text) == {"a-case": ["8", "21"], "c-case": ["formats"]}


def test_every_ruling_is_pinned_by_a_shipped_scenario() -> None:
    mapping = ruling_map()
    missing = [r for r in RULINGS if not mapping.get(r)]
    assert not missing, f"§8 rulings no shipped scenario names: {missing}"
    unknown = sorted(set(mapping) - set(RULINGS))
    assert not unknown, f"scenarios name rulings §8 does not have: {unknown}"


def test_every_tag_names_a_real_case() -> None:
    for path in sorted(SCENARIOS.glob("*.yaml")):
        tagged = set(_tags(path.read_text(encoding="utf-8")))
        assert tagged <= _case_ids(path), f"{path.name}: {sorted(tagged - _case_ids(path))}"


# -- what a scenario's expect cannot say -----------------------------------------------------
@pytest.fixture(scope="module")
def shipped() -> Engine:
    return Engine(sources=ad.mock_sources(ad.records_from_mapping({})))


@pytest.fixture(scope="module")
def cases() -> dict[str, Case]:
    loaded, problems = load_cases([SCENARIOS])
    assert not problems
    return {case.id: case for case in loaded}


def _run(shipped: Engine, case: Case, answers: Mapping[str, Any] | None = None) -> Diagnosis:
    if answers is not None:  # other answers: the case's own expectations no longer apply
        case = Case(**{**case.__dict__, "answers": dict(answers), "expect": {}})
    result = run_case(case, shipped.diagnose, lambda block, down: ad.mock_sources(
        ad.records_from_mapping(block), down=down))
    assert result.passed and result.diagnosis is not None, result.describe()
    return result.diagnosis


@pytest.mark.parametrize("case_id", [
    "co-barred-arrears-script-names-second-odb-reason",
    "co-barred-real-name-script-names-billing-arrears",
])
def test_a_second_barring_reason_promises_no_restoration(
        shipped: Engine, cases: dict[str, Case], case_id: str) -> None:
    # §8.3: the script names the second reason and does not say service returns after payment
    script = _run(shipped, cases[case_id]).script
    assert "自动为您恢复服务" not in script
    assert "当场为您恢复号码的使用" not in script


def test_a_single_barring_reason_keeps_the_restoration_sentence(
        shipped: Engine, cases: dict[str, Case]) -> None:
    script = _run(shipped, cases["co-down-billing-odb-arrears"]).script
    assert "缴清欠费后，系统会自动为您恢复服务" in script


def test_hlr_down_with_billing_suspended_keeps_billings_reason_in_the_trace(
        shipped: Engine, cases: dict[str, Case]) -> None:
    # §8.2: unknown.data_unavailable, the trace names the HLR and keeps billing's reason
    diagnosis = _run(shipped, cases["co-down-hlr-billing-suspended"])
    assert diagnosis.cause == "unknown.data_unavailable"
    assert diagnosis.unavailable == ("hlr",)
    read = {fact.name: fact.value for step in diagnosis.trace for fact in step.facts}
    assert read.get("billing.account.suspended_reason") == "arrears"


@pytest.mark.parametrize("case_id", ["ns-outage-past-eta-still-counts",
                                     "ns-outage-eta-equal-to-report-unknown"])
def test_a_past_eta_is_never_stated(shipped: Engine, cases: dict[str, Case],
                                    case_id: str) -> None:
    # §8.11: an ETA at or before reported_at is unknown; the script never states it
    eta = cases[case_id].sources["coverage"]["alarms"][0]["eta"]
    hhmm = eta[11:16]
    diagnosis = _run(shipped, cases[case_id])
    assert f"2026年11月20日{hhmm}" not in diagnosis.script
    # nor do the agent's actions offer it as an estimate
    assert not any(hhmm in action and "expected back" in action for action in diagnosis.actions)


def test_the_past_planned_fix_is_never_stated(shipped: Engine, cases: dict[str, Case]) -> None:
    diagnosis = _run(shipped, cases["ns-gap-planned-fix-already-past"])
    assert "2026年10月1日" not in diagnosis.script
    assert not any("planned by" in action for action in diagnosis.actions)


@pytest.mark.parametrize("answer", [True, False])
def test_another_phone_answers_never_change_the_cause(
        shipped: Engine, cases: dict[str, Case], answer: bool) -> None:
    # §8.6: other_phones_affected and sim_works_in_other_phone change the script only
    for case_id in ("ns-sim-fault-works-in-other-phone",
                    "co-sim-fault-default-answer-checks-handset",
                    "ns-other-phones-affected-does-not-change-cause"):
        base = _run(shipped, cases[case_id])
        for question in ("other_phones_affected", "sim_works_in_other_phone"):
            other = _run(shipped, cases[case_id], {**cases[case_id].answers, question: answer})
            assert (other.cause, other.category, other.resolution, other.department) == (
                base.cause, base.category, base.resolution, base.department)


def test_only_a_sim_that_works_elsewhere_sends_the_handset_to_the_store(
        shipped: Engine, cases: dict[str, Case]) -> None:
    script = _run(shipped, cases["ns-sim-fault-fails-in-other-phone"]).script
    assert "同时检查SIM卡和手机" not in script
