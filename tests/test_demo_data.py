"""The demo dataset: deterministic, complete, and carrying the evidence of each planted cause.

The evidence checks read the adapters' facts (never the trees): each complaint must show the
evidence of its planted cause (docs/taxonomy.md "when"), and no evidence of an earlier cause that
applies to its symptom (docs/taxonomy.md precedence) — this guards the generator, not the trees.
"""

from __future__ import annotations

import argparse
import datetime as _dt
from collections import Counter
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from diagtree import parse_complaint
from diagtree._cli.demo_data import add_demo_data
from diagtree._vocab.complaint import Complaint
from diagtree._vocab.taxonomy import LOCATED_SYMPTOMS, SYMPTOMS
from diagtree_adapters import load_records, mock_sources
from diagtree_adapters.demo import (
    MIN_SUBSCRIBERS,
    demo_complaints,
    demo_folder,
    demo_records,
    generate,
    read_complaints,
    write,
)

CAUSES = (
    "network.site_outage", "network.planned_works", "network.known_coverage_gap",
    "network.weak_coverage", "network.interference", "network.congestion",
    "device.volte_unsupported", "device.nr_unsupported", "device.settings", "device.sim_fault",
    "subscriber.barred_real_name", "subscriber.barred_other",
    "subscriber.call_forwarding_active", "subscriber.roaming_not_enabled",
    "subscriber.number_recycled", "billing.suspended_arrears", "billing.charge_confirmed",
    "billing.rating_error", "billing.payment_not_posted", "billing.recharge_card_expired",
    "product.quota_throttled", "vas.unconfirmed_subscription", "vas.confirmed_subscription",
    "support.service_not_provisioned", "support.platform_fault", "service.staff_conduct",
    "service.spam_reported", "unknown.needs_investigation", "unknown.data_unavailable",
)
Facts = Mapping[str, Any]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --- determinism and size -------------------------------------------------------------------

def test_regenerating_the_default_city_gives_the_bundled_files(tmp_path: Path) -> None:
    write(generate(), tmp_path)
    bundled = {k: v for k, v in _files(demo_folder()).items() if not k.startswith("__")}
    assert sorted(_files(tmp_path)) == sorted(bundled)
    for name, data in _files(tmp_path).items():
        assert data == bundled[name], f"{name} differs from the bundled file: regenerate it"


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        write(generate(seed, MIN_SUBSCRIBERS), tmp_path / name)
    a, b, c = (_files(tmp_path / n) for n in "abc")
    assert a == b
    assert a["complaints.yaml"] != c["complaints.yaml"]


def test_too_few_subscribers_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        generate(7, MIN_SUBSCRIBERS - 1)


def test_the_bundled_city_is_big_enough_and_small_on_disk() -> None:
    records = demo_records()
    assert len(records.subscribers) >= 2000
    assert len(records.accounts) >= 2000
    assert len(records.cells) >= 200
    assert len(records.measurements) >= 2000
    assert {c["tech"] for c in records.cells} == {"GSM", "UMTS", "LTE", "NR"}
    assert all(300 <= c["range_m"] <= 3000 for c in records.cells)
    total = sum(p.stat().st_size for p in demo_folder().rglob("*") if p.is_file())
    assert total < 3_000_000


def test_complaints_cover_every_cause_and_symptom() -> None:
    complaints = demo_complaints()
    assert len(complaints) >= 200
    causes = Counter(c["expected_cause"] for c in complaints)
    assert set(causes) == set(CAUSES)
    assert min(causes.values()) >= 5
    assert {c["complaint"]["type"] for c in complaints} == set(SYMPTOMS)
    assert len({c["complaint"]["channel"] for c in complaints}) == 6
    assert any(c["complaint"]["history"] for c in complaints)
    assert any(c["complaint"].get("incident") for c in complaints)


def test_every_complaint_parses_and_is_in_the_demo_week() -> None:
    start = _dt.datetime(2026, 11, 15, tzinfo=_dt.timezone(_dt.timedelta(hours=8)))
    ids = set()
    for item in demo_complaints():
        c = parse_complaint(item["complaint"])
        ids.add(c.id)
        assert c.id.startswith("D-")
        assert start <= c.reported_at < start + _dt.timedelta(days=7)
        assert c.reported_at.utcoffset() == _dt.timedelta(hours=8)
        assert (c.location is not None) == (c.type in LOCATED_SYMPTOMS)
        assert set(item["down"]) <= {"hlr", "billing", "coverage"}
        assert (item["expected_cause"] == "unknown.data_unavailable") <= bool(item["down"])
    assert len(ids) == len(demo_complaints())


def test_api_caches_and_copies() -> None:
    assert demo_records() is demo_records()
    first = demo_complaints()
    assert sorted(first[0]) == ["answers", "complaint", "down", "expected_cause"]
    first[0]["expected_cause"] = "changed"
    assert demo_complaints()[0]["expected_cause"] != "changed"
    assert read_complaints(demo_folder()) == demo_complaints()


def test_cli_verb_writes_a_loadable_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           ) -> None:
    parser = argparse.ArgumentParser(prog="diagtree")
    add_demo_data(parser.add_subparsers(dest="verb"))
    args = parser.parse_args(["demo-data", "--seed", "5", "--subscribers",
                              str(MIN_SUBSCRIBERS), "--out", str(tmp_path / "city")])
    assert args.run(args) == 0
    out = capsys.readouterr().out.strip()
    assert out.count("\n") == 0 and "complaints" in out
    assert len(load_records(tmp_path / "city").accounts) == MIN_SUBSCRIBERS
    assert read_complaints(tmp_path / "city")
    args = parser.parse_args(["demo-data", "--subscribers", "10", "--out", str(tmp_path)])
    assert args.run(args) == 2


@pytest.mark.parametrize("extra", [["--complaints", "5000"], ["--format", "csv"]])
def test_month_options_without_month_are_a_usage_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="diagtree")
    add_demo_data(parser.add_subparsers(dest="verb"))
    args = parser.parse_args(["demo-data", *extra, "--out", str(tmp_path / "city")])
    assert args.run(args) == 2
    assert f"{extra[0]} need --month" in capsys.readouterr().err
    assert not (tmp_path / "city").exists()  # nothing written


# --- evidence (adapter facts, no trees) -----------------------------------------------------

@cache
def _sources() -> tuple[Any, ...]:
    return tuple(mock_sources(demo_records()))


def _facts(item: Mapping[str, Any]) -> tuple[Complaint, dict[str, Any]]:
    """The complaint and the facts of every source that is not down for it."""
    complaint = parse_complaint(item["complaint"])
    facts: dict[str, Any] = {}
    for source in _sources():
        if source.name not in item["down"]:
            facts.update(source.fetch(complaint, 2.0))
    return complaint, facts


def _barred(f: Facts) -> bool:
    """Whether the line is barred for the complaint's symptom (docs/taxonomy.md §3a)."""
    return bool(f["hlr.odb.bars_symptom"]) or f["billing.account.status"] == "suspended"


def _bar_reason(f: Facts) -> str | None:
    """The reason a line is barred for the complaint's symptom (docs/taxonomy.md §3a), or None."""
    if f["hlr.odb.bar_reason"]:
        return str(f["hlr.odb.bar_reason"])
    if f["billing.account.status"] == "suspended" and f["billing.account.suspended_reason"]:
        return str(f["billing.account.suspended_reason"])
    return None


_NEEDS = {"cannot_call_out": "voice", "no_data": "data", "sms_failure": "sms"}


def _not_provisioned(c: Complaint, f: Facts, _answers: Mapping[str, Any]) -> bool:
    if c.type == "no_service":
        return not f["hlr.found"] or f["hlr.status"] in ("not_provisioned", "deleted")
    need, services = _NEEDS[c.type], f["hlr.services"]
    # an MSISDN the HLR does not hold lacks every service; a profile without services is unknown
    return need in (f["billing.plan.includes"] or ()) and (
        not f["hlr.found"] or (services is not None and need not in services))


def _settings(c: Complaint, answers: Mapping[str, Any]) -> bool:
    if c.type == "no_data":
        return not answers["mobile_data_enabled"] or answers["apn_manually_changed"]
    return bool(answers["airplane_mode"])


def _rsrp(f: Facts) -> float:
    return float("nan") if f["coverage.rsrp_dbm"] is None else float(f["coverage.rsrp_dbm"])


Check = Callable[[Complaint, Facts, Mapping[str, Any]], bool]
#: cause -> (the sources its evidence needs, the evidence as docs/taxonomy.md defines it)
EVIDENCE: dict[str, tuple[tuple[str, ...], Check]] = {
    "service.staff_conduct": ((), lambda c, f, a: c.type == "staff_conduct"),
    "service.spam_reported": ((), lambda c, f, a: c.subject.number is not None),
    "subscriber.number_recycled": (("hlr",), lambda c, f, a: f["hlr.number_state"] == "reclaimed"),
    "billing.suspended_arrears": (("hlr", "billing"), lambda c, f, a: _bar_reason(f) == "arrears"),
    "subscriber.barred_real_name": (("hlr", "billing"),
                                    lambda c, f, a: _bar_reason(f) == "real_name"),
    "subscriber.barred_other": (("hlr", "billing"), lambda c, f, a: _bar_reason(f) in (
        "fraud", "customer_request")),
    "support.platform_fault": (("coverage",), lambda c, f, a: f["coverage.platform_fault.active"]),
    "network.site_outage": (("coverage",), lambda c, f, a: f["coverage.outage.active"]),
    "network.planned_works": (("coverage",), lambda c, f, a: f["coverage.planned_works.active"]),
    "support.service_not_provisioned": (("hlr", "billing"), _not_provisioned),
    "subscriber.roaming_not_enabled": (("hlr",), lambda c, f, a: (
        "roaming" not in f["hlr.services"] or f["hlr.odb.roaming_barred"])),
    "subscriber.call_forwarding_active": (("hlr",), lambda c, f, a: bool(
        f["hlr.forwarding.unconditional"])),
    "device.volte_unsupported": (("hlr", "coverage"), lambda c, f, a: (
        f["hlr.device.volte"] is False and f["coverage.lte_nr_only"])),
    "product.quota_throttled": (("billing",), lambda c, f, a: (
        f["billing.plan.quota_exhausted"] and f["billing.plan.throttle_after_quota"])),
    "network.known_coverage_gap": (("coverage",), lambda c, f, a: f["coverage.gap.in_gap"]),
    "network.weak_coverage": (("coverage",), lambda c, f, a: _rsrp(f) < -110),
    "network.interference": (("coverage",), lambda c, f, a: (
        _rsrp(f) >= -100 and f["coverage.sinr_db"] < 0)),
    "network.congestion": (("coverage",), lambda c, f, a: (
        (f["coverage.prb_util_max"] or 0) >= 0.85)),
    "device.nr_unsupported": (("hlr", "billing"), lambda c, f, a: (
        "nr" in (f["billing.plan.includes"] or ()) and f["hlr.device.nr"] is False)),
    "device.settings": ((), lambda c, f, a: _settings(c, a)),
    "device.sim_fault": (("hlr",), lambda c, f, a: f["hlr.sim_not_registered"]),
    "vas.unconfirmed_subscription": (("billing",), lambda c, f, a: (
        f["billing.vas.found"] and f["billing.vas.status"] == "active"
        and not f["billing.vas.confirmed"])),
    "vas.confirmed_subscription": (("billing",), lambda c, f, a: (
        f["billing.vas.found"] and f["billing.vas.confirmed"])),
    "billing.rating_error": (("billing",), lambda c, f, a: (
        f["billing.charge.found"] and (f["billing.charge.is_duplicate"]
                                       or f["billing.charge.above_rate"]))),
    "billing.charge_confirmed": (("billing",), lambda c, f, a: f["billing.charge.found"]),
    "billing.payment_not_posted": (("billing",), lambda c, f, a: (
        f["billing.payment.found"] and f["billing.payment.posted"] is False)),
    "billing.recharge_card_expired": (("billing",), lambda c, f, a: (
        f["billing.card.found"] and f["billing.card.in_grace"])),
}
_BARRED = ("billing.suspended_arrears", "subscriber.barred_real_name", "subscriber.barred_other")
_EVENT = ("network.site_outage", "network.planned_works")
_RADIO = ("network.known_coverage_gap", "network.weak_coverage", "network.interference")
#: symptom -> the causes that apply to it (docs/taxonomy.md), unknown.* left out
APPLIES: dict[str, tuple[str, ...]] = {
    "no_service": ("subscriber.number_recycled", *_BARRED, "support.service_not_provisioned",
                   *_EVENT, "network.known_coverage_gap", "network.weak_coverage",
                   "device.settings", "device.sim_fault"),
    "weak_signal": (*_EVENT, *_RADIO),
    "call_drop": (*_EVENT, *_RADIO, "device.volte_unsupported"),
    "cannot_call_out": (*_BARRED, "support.platform_fault", *_EVENT,
                        "support.service_not_provisioned", "network.known_coverage_gap",
                        "network.weak_coverage", "device.volte_unsupported", "device.settings",
                        "device.sim_fault"),
    "cannot_receive_calls": (*_BARRED, *_EVENT, "subscriber.call_forwarding_active",
                             "network.known_coverage_gap", "network.weak_coverage",
                             "device.volte_unsupported", "device.settings"),
    "slow_data": ("support.platform_fault", *_EVENT, "product.quota_throttled", *_RADIO,
                  "network.congestion", "device.nr_unsupported"),
    "no_data": (*_BARRED, "support.platform_fault", *_EVENT, "support.service_not_provisioned",
                "network.known_coverage_gap", "network.weak_coverage", "device.settings"),
    "sms_failure": (*_BARRED, "support.platform_fault", *_EVENT,
                    "support.service_not_provisioned", "network.known_coverage_gap",
                    "network.weak_coverage"),
    "bill_dispute": ("vas.unconfirmed_subscription", "vas.confirmed_subscription",
                     "billing.rating_error", "billing.charge_confirmed"),
    "unknown_vas_charge": ("vas.unconfirmed_subscription", "vas.confirmed_subscription"),
    "service_suspended": ("subscriber.number_recycled", *_BARRED),
    "roaming_failure": (*_BARRED, "subscriber.roaming_not_enabled"),
    "recharge_issue": ("billing.payment_not_posted", "billing.recharge_card_expired"),
    "number_recycled": ("subscriber.number_recycled",),
    "staff_conduct": ("service.staff_conduct",),
    "spam_harassment": ("service.spam_reported",),
}
#: docs/taxonomy.md precedence, one cause after another (no_service moves the events before barring)
PRECEDENCE = (
    "service.staff_conduct", "service.spam_reported", "subscriber.number_recycled", *_BARRED,
    "support.platform_fault", *_EVENT, "support.service_not_provisioned",
    "subscriber.roaming_not_enabled", "subscriber.call_forwarding_active",
    "device.volte_unsupported", "product.quota_throttled", *_RADIO, "network.congestion",
    "device.nr_unsupported", "device.settings", "device.sim_fault",
    "vas.unconfirmed_subscription", "vas.confirmed_subscription", "billing.rating_error",
    "billing.charge_confirmed", "billing.payment_not_posted", "billing.recharge_card_expired",
)


def _order(symptom: str) -> list[str]:
    order = [cause for cause in PRECEDENCE if cause in APPLIES[symptom]]
    if symptom == "no_service":  # barring does not take the signal away
        for event in reversed(_EVENT):
            order.remove(event)
            order.insert(order.index(_BARRED[0]), event)
    return order


def _first_cause(item: Mapping[str, Any]) -> str:
    """The cause the precedence list gives from the adapters' facts (docs/taxonomy.md §3)."""
    complaint, facts = _facts(item)
    for cause in _order(complaint.type):
        needs, evidence = EVIDENCE[cause]
        if any(source in item["down"] for source in needs):
            return "unknown.data_unavailable"
        if evidence(complaint, facts, item["answers"]):
            return cause
        if cause == _BARRED[-1] and _barred(facts) and _bar_reason(facts) is None:
            return "unknown.needs_investigation"  # barred, but no reason names a cause
    return "unknown.needs_investigation"


@pytest.mark.parametrize("cause", CAUSES)
def test_planted_evidence_is_visible(cause: str) -> None:
    items = [i for i in demo_complaints() if i["expected_cause"] == cause]
    assert len(items) >= 5
    for item in items:
        if cause in EVIDENCE:
            complaint, facts = _facts(item)
            assert EVIDENCE[cause][1](complaint, facts, item["answers"]), item["complaint"]["id"]
        assert _first_cause(item) == cause, item["complaint"]["id"]


def test_network_anomalies_reach_only_the_complaints_planted_with_them() -> None:
    """A complaint of a non-network cause sees healthy radio, unless its description says not."""
    data = yaml.safe_load((demo_folder() / "complaints.yaml").read_text(encoding="utf-8"))
    healthy = 0
    for case in data["cases"]:
        item = {"complaint": case["complaint"], "answers": case["answers"],
                "down": case.get("down", [])}
        if (case["expect"]["cause"].startswith("network.") or "coverage" in item["down"]
                or "location" not in case["complaint"]):
            continue
        _, f = _facts(item)
        anomalies = {"outage": f["coverage.outage.active"],
                     "works": f["coverage.planned_works.active"],
                     "gap": f["coverage.gap.in_gap"], "weak": _rsrp(f) < -100,
                     "interference": _rsrp(f) >= -100 and f["coverage.sinr_db"] < 0,
                     "congestion": (f["coverage.prb_util_max"] or 0) >= 0.85}
        for name, present in anomalies.items():
            if present:
                assert name in case["description"], (case["id"], name)
        if not any(anomalies.values()):
            healthy += 1
            assert -95 <= f["coverage.rsrp_dbm"] <= -80 and f["coverage.sinr_db"] >= 5, case["id"]
    assert healthy >= 100
