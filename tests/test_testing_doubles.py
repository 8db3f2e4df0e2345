"""`diagtree.testing`: the source doubles an integrator tests a tree of its own with."""

from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path
from typing import Any

import pytest

from diagtree import (
    UNKNOWN,
    Complaint,
    ConfigurationError,
    Engine,
    FactSpec,
    FactType,
    Source,
    SourceError,
    SourceTimeout,
)
from diagtree.testing import CallableSource, StaticSource

TREE = """\
tree: cannot_receive_calls
version: "1.0.0"
title: {zh-CN: 被叫不通, en: Cannot receive calls}
symptoms: [cannot_receive_calls]
description: A tree for the doubles' tests.
start: outage
nodes:
  outage:
    check: coverage.outage.active
    yes: site_outage
    no: forwarding
  site_outage:
    outcome: network.site_outage
  forwarding:
    check: hlr.forwarding.unconditional != null
    yes: forwarded
    no: barred
  forwarded:
    outcome: subscriber.call_forwarding_active
  barred:
    check: hlr.status == "barred"
    yes: settings
    no: investigate
  settings:
    outcome: device.settings
  investigate:
    outcome: unknown.needs_investigation
"""
OUTCOMES = """\
outcomes:
  network.site_outage: {resolution: frontline, script: s}
  subscriber.call_forwarding_active: {resolution: frontline, script: s}
  device.settings: {resolution: frontline, script: s}
  unknown.needs_investigation: {resolution: dispatch, department: tier2, script: later}
  unknown.data_unavailable: {resolution: dispatch, department: tier2, script: later}
"""
SCRIPTS = """\
scripts:
  s: {zh-CN: 您好, en: Hello}
  later:
    zh-CN: 我们会在{{ feedback_due | datetime }}前回电
    en: We will call you back by {{ feedback_due | datetime }}
"""
POLICY = """\
policy:
  grades: []
  feedback:
    normal: {within_hours: 48, kind: result}
    escalated: {within_hours: 24, kind: progress}
    major: {within_hours: 6, every_hours: 6, kind: progress}
  authority:
    limits: {agent: 50, supervisor: 200}
    above: billing_center
"""
COMPLAINT = {"id": "T1", "type": "cannot_receive_calls", "msisdn": "8613800000001",
             "reported_at": "2026-11-20T09:30:00+08:00",
             "location": {"lat": 28.2282, "lon": 112.9388}}
HLR_SPECS = [
    FactSpec("hlr.forwarding.unconditional", FactType.STRING, "forwarding target"),
    FactSpec("hlr.status", FactType.enum("active", "barred"), "line status"),
]


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kb")
    for name, text in [("tree.yaml", TREE), ("outcomes.yaml", OUTCOMES),
                       ("scripts.yaml", SCRIPTS), ("policy.yaml", POLICY)]:
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def coverage(active: Any = False) -> StaticSource:
    return StaticSource("coverage", {"coverage.outage.active": active},
                        specs=[FactSpec("coverage.outage.active", FactType.BOOL, "outage")])


def test_static_sources_drive_a_tree(kb: Path) -> None:
    hlr = StaticSource("hlr", {"hlr.forwarding.unconditional": "8613900000002"},
                       specs=HLR_SPECS)
    cov = coverage(False)
    engine = Engine(kb, sources=[hlr, cov])
    result = engine.diagnose(COMPLAINT)
    assert result.cause == "subscriber.call_forwarding_active"
    assert [c.msisdn for c in hlr.calls] == ["8613800000001"] and len(cov.calls) == 1
    assert isinstance(hlr, Source) and isinstance(cov, Source)


def test_a_fact_declared_and_not_given_is_a_known_absence(kb: Path) -> None:
    hlr = StaticSource("hlr", {"hlr.status": "barred"}, specs=HLR_SPECS)
    result = Engine(kb, sources=[hlr, coverage()]).diagnose(COMPLAINT)
    assert result.cause == "device.settings" and result.unavailable == ()


def test_a_source_read_only_when_the_walk_needs_it(kb: Path) -> None:
    hlr = StaticSource("hlr", specs=HLR_SPECS)
    result = Engine(kb, sources=[hlr, coverage(True)]).diagnose(COMPLAINT)
    assert result.cause == "network.site_outage" and hlr.calls == []


@pytest.mark.parametrize("error", [SourceTimeout("hlr", 0.5), SourceError("hlr", "down"),
                                   ConnectionError("refused")])
def test_a_source_down_makes_its_facts_unavailable(kb: Path, error: BaseException) -> None:
    hlr = StaticSource("hlr", {"hlr.status": "active"}, specs=HLR_SPECS, error=error)
    result = Engine(kb, sources=[hlr, coverage()]).diagnose(COMPLAINT)
    assert result.cause == "unknown.data_unavailable" and result.unavailable == ("hlr",)
    assert str(next(c.error for c in result.sources if c.source == "hlr")).startswith(
        type(error).__name__)


def test_an_unknown_fact_fails_the_source_from_its_read_on(kb: Path) -> None:
    # forwarding is read (None), then the status is unknown: the source fails at that read
    hlr = StaticSource("hlr", {"hlr.forwarding.unconditional": None, "hlr.status": UNKNOWN},
                       specs=HLR_SPECS)
    result = Engine(kb, sources=[hlr, coverage()]).diagnose(COMPLAINT)
    assert result.cause == "unknown.data_unavailable" and result.unavailable == ("hlr",)
    reads = {f.name: f for step in result.trace for f in step.facts}
    forwarding, status = reads["hlr.forwarding.unconditional"], reads["hlr.status"]
    assert forwarding.available and forwarding.value is None and not status.available
    # the same unknown fact, never read: the source answers
    hlr = StaticSource("hlr", {"hlr.forwarding.unconditional": "8613900000002",
                               "hlr.status": UNKNOWN}, specs=HLR_SPECS)
    result = Engine(kb, sources=[hlr, coverage()]).diagnose(COMPLAINT)
    assert result.cause == "subscriber.call_forwarding_active" and result.unavailable == ()


def test_a_callable_source_answers_per_complaint(kb: Path) -> None:
    def hlr_values(complaint: Complaint) -> dict[str, Any]:
        if complaint.msisdn.endswith("99"):
            raise ConnectionError("HLR front-end refused the connection")
        return {"hlr.status": "barred" if complaint.msisdn.endswith("2") else "active"}

    hlr = CallableSource("hlr", hlr_values, specs=HLR_SPECS)
    engine = Engine(kb, sources=[hlr, coverage()])
    assert engine.diagnose({**COMPLAINT, "msisdn": "8613800000002"}).cause == "device.settings"
    assert engine.diagnose(COMPLAINT).cause == "unknown.needs_investigation"
    refused = engine.diagnose({**COMPLAINT, "msisdn": "8613800000099"})
    assert refused.unavailable == ("hlr",)
    assert next(c.error for c in refused.sources if c.source == "hlr") == \
        "ConnectionError: HLR front-end refused the connection"
    assert len(hlr.calls) == 3


def test_a_callable_source_per_fact_computes_each_when_first_read(kb: Path) -> None:
    reads: list[str] = []

    def status(complaint: Complaint) -> str:
        reads.append("status")
        return "barred"

    def forwarding(complaint: Complaint) -> None:
        reads.append("forwarding")

    hlr = CallableSource("hlr", {"hlr.status": status,
                                 "hlr.forwarding.unconditional": forwarding}, specs=HLR_SPECS)
    assert Engine(kb, sources=[hlr, coverage()]).diagnose(COMPLAINT).cause == "device.settings"
    assert reads == ["forwarding", "status"]


@pytest.mark.parametrize("error", [KeyError("profile"), SourceTimeout("hlr", 0.1)])
def test_a_per_fact_function_that_raises_fails_the_source(kb: Path, error: Exception) -> None:
    def fails(complaint: Complaint) -> str:
        raise error

    hlr = CallableSource("hlr", {"hlr.forwarding.unconditional": fails}, specs=HLR_SPECS)
    result = Engine(kb, sources=[hlr, coverage()]).diagnose(COMPLAINT)
    assert result.unavailable == ("hlr",) and result.cause == "unknown.data_unavailable"


def test_a_blocking_double_is_abandoned_at_its_timeout(kb: Path) -> None:
    def slow(complaint: Complaint) -> dict[str, Any]:
        time.sleep(1.0)
        return {}

    hlr = CallableSource("hlr", slow, specs=HLR_SPECS, blocking=True)
    engine = Engine(kb, sources=[hlr, coverage()], timeouts={"hlr": 0.05})
    start = time.perf_counter()
    result = engine.diagnose(COMPLAINT)
    assert time.perf_counter() - start < 0.9
    assert result.unavailable == ("hlr",)


def test_types_are_inferred_from_values() -> None:
    when = _dt.datetime(2026, 11, 20, 9, 30, tzinfo=_dt.UTC)
    source = StaticSource("x", {"x.b": True, "x.i": 3, "x.n": 2.5, "x.s": "a", "x.t": when,
                                "x.d": when.date(), "x.l": ("a", "b")})
    assert {s.name: str(s.type) for s in source.facts()} == {
        "x.b": "bool", "x.i": "int", "x.n": "number", "x.s": "string", "x.t": "datetime",
        "x.d": "date", "x.l": "list[string]"}


@pytest.mark.parametrize(("build", "field"), [
    (lambda: StaticSource("hlr", {"hlr.x": None}), "hlr.x"),
    (lambda: StaticSource("hlr", {"hlr.x": UNKNOWN}), "hlr.x"),
    (lambda: StaticSource("hlr", {"hlr.x": ["a"]}), "hlr.x"),
    (lambda: StaticSource("hlr", {"hlr.x": ()}), "hlr.x"),
    (lambda: StaticSource("hlr", {"hlr.x": _dt.datetime(2026, 1, 1)}), "hlr.x"),
    (lambda: StaticSource("hlr", {"hlr.status": "gone"}, specs=HLR_SPECS), "hlr.status"),
    (lambda: StaticSource("hlr", {"hlr.x": float("nan")}), "hlr.x"),
    (lambda: StaticSource("hlr", {"billing.x": 1}), "facts"),
    (lambda: StaticSource("hlr.x"), "name"),
    (lambda: StaticSource("hlr", specs=[*HLR_SPECS, *HLR_SPECS]), HLR_SPECS[0].name),
    (lambda: StaticSource("hlr", error="down"), "error"),  # type: ignore[arg-type]
    (lambda: CallableSource("hlr", {"hlr.x": lambda c: 1}, specs=HLR_SPECS), "hlr.x"),
    (lambda: CallableSource("hlr", {"hlr.status": "barred"}, specs=HLR_SPECS),  # type: ignore[dict-item]
     "hlr.status"),
    (lambda: CallableSource("hlr", 42, specs=HLR_SPECS), "function"),  # type: ignore[arg-type]
])
def test_a_wrong_double_is_a_configuration_error_naming_the_field(build: Any,
                                                                  field: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        build()
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)
