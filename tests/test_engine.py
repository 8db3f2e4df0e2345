"""The engine end to end over the shipped trees and mock sources."""

from __future__ import annotations

import copy
import json
import threading
import time
from typing import Any

import pytest

import diagtree_adapters as ad
from diagtree import ComplaintError, Diagnosis, Engine, FactSpec, FactType, SourceTimeout
from diagtree._vocab.complaint import Complaint

from conftest import example, sources_for


def run(engine: Engine, case: dict[str, Any], **kw: Any) -> Diagnosis:
    return engine.diagnose(case["complaint"], answers=case.get("answers"),
                           sources=sources_for(case, kw.pop("down", None)), **kw)


def healthy() -> dict[str, Any]:
    case = copy.deepcopy(example("example-ns-outage"))
    case["sources"]["coverage"]["alarms"] = []
    case["answers"] = {}
    return case


def test_site_outage_is_found_with_its_evidence(engine: Engine) -> None:
    d = run(engine, example("example-ns-outage"))
    assert d.cause == "network.site_outage"
    assert d.category == "network"
    assert d.tree_id == "no_service" and d.tree_version == "1.1.0"
    assert len(d.tree_sha256 or "") == 64
    step = next(s for s in d.trace if s.node == "location/outage")
    assert step.branch == "yes" and step.condition == "coverage.outage.active"
    assert step.facts[0].name == "coverage.outage.active" and step.facts[0].value is True
    assert step.at.endswith("location_events.yaml:16:3")
    assert dict(d.values)["eta"] == "2026-11-20T16:30:00+08:00"
    assert dict(d.values)["cell"]  # the outcome names its cell: the place of a mass incident


def test_diagnosis_is_frozen_and_json_serialisable(engine: Engine) -> None:
    d = run(engine, example("example-ns-outage"))
    data = json.loads(d.to_json())
    assert data["cause"] == "network.site_outage"
    assert data["trace"][0]["node"] == d.trace[0].node
    assert data["sources"] and all(
        call.keys() == {"source", "ok", "latency_ms", "error"} for call in data["sources"])
    assert [c["source"] for c in data["sources"]] == [c.source for c in d.sources]
    with pytest.raises(AttributeError):
        d.cause = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        d.sources[0].ok = False  # type: ignore[misc]


def test_log_form_masks_phone_numbers(engine: Engine) -> None:
    case = healthy()
    case["complaint"]["subject"] = {"number": "8613912345678"}
    d = run(engine, case)
    text = json.dumps(d.for_log(), ensure_ascii=False)
    assert "8613912345678" not in text
    assert d.complaint_id in text


def test_sources_are_fetched_lazily_and_once(engine: Engine) -> None:
    case = healthy()
    case["sources"]["hlr"]["subscribers"][0]["number_state"] = "reclaimed"
    calls: list[str] = []
    sources = sources_for(case)
    for src in sources:
        original = src.fetch

        def counted(complaint: Complaint, timeout_s: float, _o: Any = original,
                    _n: str = src.name) -> Any:
            calls.append(_n)
            return _o(complaint, timeout_s)

        src.fetch = counted  # type: ignore[method-assign]
    d = engine.diagnose(case["complaint"], sources=sources, trace=False)
    assert d.cause == "subscriber.number_recycled"
    assert "coverage" not in calls  # decided before any location check
    assert calls.count("hlr") == 1


def test_only_the_fact_groups_read_are_looked_up(engine: Engine) -> None:
    case = healthy()
    store = ad.RecordStore(ad.records_from_mapping(case["sources"]))
    asked: list[str] = []

    class Counting:
        def __getattr__(self, name: str) -> Any:
            asked.append(name)
            return getattr(store, name)

    backend: Any = Counting()
    d = engine.diagnose(case["complaint"], sources=[
        ad.HlrAdapter(backend), ad.BillingAdapter(backend), ad.CoverageAdapter(backend)])
    read = {f.name for step in d.trace for f in step.facts}
    assert "coverage.outage.active" in read and "coverage.rsrp_dbm" in read
    assert "cells_near_split" in asked and "measurements_near" in asked
    # the walk never reads a charge, payment or card: their records are never derived
    assert not any(name.startswith(("billing.charge.", "billing.payment.", "billing.card."))
                   for name in read)
    assert asked.count("cells_near_split") == 1 and asked.count("account") == 1


def test_a_group_failing_when_first_read_makes_its_source_unavailable(engine: Engine) -> None:
    case = healthy()
    store = ad.RecordStore(ad.records_from_mapping(case["sources"]))

    class MeasurementsDown:  # the drive-test database fails; the rest of the NMS answers
        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

        def measurements_near(self, lat: float, lon: float, radius_m: float) -> Any:
            raise ConnectionError("drive-test database unreachable")

    backend: Any = MeasurementsDown()
    d = engine.diagnose(case["complaint"], sources=[
        ad.HlrAdapter(store), ad.BillingAdapter(store), ad.CoverageAdapter(backend)])
    failed = [c for c in d.sources if not c.ok]
    assert [c.source for c in failed] == ["coverage"]
    assert "unreachable" in (failed[0].error or "")
    assert d.unavailable == ("coverage",)
    # the serving-cell facts read before it stay in the trace as they were
    early = [f for step in d.trace for f in step.facts if f.name == "coverage.outage.active"]
    assert early and early[0].available
    assert d.trace[-1].branch == "on_unknown" and d.cause == "unknown.data_unavailable"


def test_a_blocking_adapter_does_all_its_look_ups_within_the_timeout(engine: Engine) -> None:
    case = healthy()
    store = ad.RecordStore(ad.records_from_mapping(case["sources"]))
    release = threading.Event()

    class SlowMeasurements:  # a look-up that ignores the timeout, made lazily by the adapter
        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

        def measurements_near(self, lat: float, lon: float, radius_m: float) -> Any:
            release.wait(5)
            return store.measurements_near(lat, lon, radius_m)

    backend: Any = SlowMeasurements()
    coverage = ad.CoverageAdapter(backend)
    coverage.blocking = True  # type: ignore[misc]
    fast = Engine(sources=[ad.HlrAdapter(store), ad.BillingAdapter(store), coverage],
                  timeouts={"coverage": 0.05})
    started = time.perf_counter()
    d = fast.diagnose(case["complaint"])
    release.set()
    assert time.perf_counter() - started < 2
    assert d.unavailable == ("coverage",)
    assert any("timed out" in (c.error or "") for c in d.sources if c.source == "coverage")


def test_a_source_down_is_data_not_an_exception(engine: Engine) -> None:
    d = run(engine, example("example-ns-covdown"))
    assert d.cause == "unknown.data_unavailable"
    assert d.unavailable == ("coverage",)
    failed = [c for c in d.sources if not c.ok]
    assert failed and failed[0].source == "coverage" and failed[0].error
    step = d.trace[-1]
    assert step.branch == "on_unknown"
    assert any(not f.available for f in step.facts)
    assert any("unavailable" in n for n in d.notes)


class _Hanging:
    """A source that ignores its timeout (blocking I/O): the engine must abandon it."""

    name = "hlr"
    blocking = True

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.release = threading.Event()

    def facts(self) -> Any:
        return self.inner.facts()

    def fetch(self, complaint: Complaint, timeout_s: float) -> Any:
        self.release.wait(5)
        return self.inner.fetch(complaint, timeout_s)


def test_a_blocking_source_is_abandoned_at_its_timeout() -> None:
    case = healthy()
    hlr, billing, coverage = sources_for(case)
    hanging = _Hanging(hlr)
    engine = Engine(sources=[hanging, billing, coverage], timeouts={"hlr": 0.05})
    started = time.perf_counter()
    d = engine.diagnose(case["complaint"])
    hanging.release.set()
    assert time.perf_counter() - started < 2
    assert d.cause == "unknown.data_unavailable"
    assert "timed out" in (d.sources[0].error or "")


def test_an_adapter_returning_wrong_types_counts_as_failed(engine: Engine) -> None:
    case = healthy()
    hlr, billing, coverage = sources_for(case)

    class Liar:
        name = "hlr"

        def facts(self) -> Any:
            return hlr.facts()

        def fetch(self, complaint: Complaint, timeout_s: float) -> Any:
            values = dict(hlr.fetch(complaint, timeout_s))
            values["hlr.number_state"] = "banana"
            return values

    d = engine.diagnose(case["complaint"], sources=[Liar(), billing, coverage])
    assert d.cause == "unknown.data_unavailable"
    assert any("banana" in (call.error or "") for call in d.sources)
    assert d.unavailable == ("hlr",)


def test_injected_timeout_from_mock_sources(engine: Engine) -> None:
    case = healthy()
    d = run(engine, case, down=["hlr"])
    assert d.cause == "unknown.data_unavailable"
    assert d.unavailable == ("hlr",)


@pytest.mark.parametrize(("change", "field"), [
    ({"type": "no_such_symptom"}, "type"),
    ({"msisdn": "+86 138"}, "msisdn"),
    ({"location": None}, "location"),
    ({"reported_at": "yesterday"}, "reported_at"),
    ({"reported_at": "2026-11-20T09:30:00"}, "reported_at"),
    ({"colour": "red"}, "colour"),
])
def test_bad_complaints_are_typed_errors(engine: Engine, change: dict[str, Any],
                                         field: str) -> None:
    case = healthy()
    complaint = {**case["complaint"], **change}
    with pytest.raises(ComplaintError) as err:
        engine.diagnose(complaint, sources=sources_for(case))
    assert err.value.field == field
    assert isinstance(err.value, ValueError)


def test_unknown_symptom_suggests_the_closest() -> None:
    from diagtree import parse_complaint

    with pytest.raises(ComplaintError, match="no_service"):
        parse_complaint({"id": "1", "type": "no_servce", "msisdn": "8613800000001",
                         "reported_at": "2026-11-20T09:30:00+08:00"})


def test_answers_decide_only_what_systems_cannot_see(engine: Engine) -> None:
    case = healthy()
    case["answers"] = {"airplane_mode": True}
    assert run(engine, case).cause == "device.settings"
    outage = example("example-ns-outage")
    outage = {**outage, "answers": {"airplane_mode": True}}
    assert run(engine, outage).cause == "network.site_outage"


def test_unanswered_questions_take_their_default(engine: Engine) -> None:
    d = run(engine, healthy())
    assert dict(d.answers) == {"airplane_mode": False}
    assert d.cause == "unknown.needs_investigation"
    ask = next(s for s in d.trace if s.kind == "ask")
    assert ask.branch == "default false"


def test_session_pauses_at_the_question_and_resumes_elsewhere(engine: Engine) -> None:
    case = healthy()
    sources = sources_for(case)
    engine2 = Engine(sources=sources)
    session = engine2.session(case["complaint"])
    assert session.question is not None and session.question.id == "airplane_mode"
    assert session.question.text_for("zh-CN").endswith("？")
    state = json.loads(json.dumps(session.state()))
    resumed = engine2.resume(state)
    assert resumed.question is not None and resumed.question.id == "airplane_mode"
    with pytest.raises(ComplaintError):
        resumed.answer("airplane_mode", "maybe")
    assert resumed.answer("airplane_mode", True) is None
    d = resumed.diagnosis()
    assert d.cause == "device.settings"
    assert dict(d.answers) == {"airplane_mode": True}


def test_grade_follows_the_policy(engine: Engine) -> None:
    case = example("example-ns-outage")
    vip = copy.deepcopy(case)
    vip["sources"]["billing"]["customers"][0]["tier"] = "vip"
    d = run(engine, vip)
    assert d.grade == "escalated" and d.grade_reasons == ("VIP customer",)
    assert d.feedback_due == "2026-11-21T09:30:00+08:00"
    regulator = copy.deepcopy(case)
    regulator["complaint"]["channel"] = "regulator"
    d = run(engine, regulator)
    assert d.grade == "major" and d.feedback_every_hours == 6
    assert d.feedback_due == "2026-11-20T15:30:00+08:00"


def test_unreadable_tier_counts_as_not_vip(engine: Engine) -> None:
    case = copy.deepcopy(example("example-ns-outage"))
    case["sources"]["billing"]["customers"][0]["tier"] = "vip"
    d = run(engine, case, down=["billing"])
    assert d.cause == "network.site_outage"
    assert d.grade == "normal"
    assert any("could not be read" in n for n in d.notes)


def test_english_script_on_request(engine: Engine) -> None:
    d = run(engine, example("example-ns-outage"), locale="en")
    assert d.locale == "en"


def test_engine_rejects_unknown_locale() -> None:
    with pytest.raises(ValueError, match="locale"):
        Engine(sources=ad.mock_sources(ad.records_from_mapping({})), locale="fr")


def test_custom_source_facts_extend_the_schema(tmp_path: Any) -> None:
    class Weather:
        name = "weather"

        def facts(self) -> Any:
            return [FactSpec("weather.storm", FactType("bool"), "a storm warning is active")]

        def fetch(self, complaint: Complaint, timeout_s: float) -> Any:
            raise SourceTimeout("weather", timeout_s)

    engine = Engine(sources=[*ad.mock_sources(ad.records_from_mapping({})), Weather()])
    assert "weather.storm" in engine.schema


FALLBACK_TREE = """
tree: weak_signal_demo
version: "0.1"
title: {zh-CN: 信号弱, en: Weak signal}
symptoms: [weak_signal]
start: measured
nodes:
  measured:
    check: coverage.rsrp_dbm < -110
    yes: weak
    no: fine
    on_unknown: ask_others       # lookup first; ask only when the systems cannot tell
  ask_others:
    ask: other_phones_affected
    yes: weak
    no: fine
  weak:
    outcome: network.weak_coverage
  fine:
    outcome: unknown.needs_investigation
"""


def test_on_unknown_can_fall_back_to_asking_the_customer(tmp_path: Any) -> None:
    import shutil

    from diagtree import shipped_trees

    trees = tmp_path / "trees"
    shutil.copytree(shipped_trees(), trees, ignore=shutil.ignore_patterns("*.py", "scenarios"))
    (trees / "weak_signal.yaml").unlink(missing_ok=True)  # replaced by the tree above
    (trees / "weak_signal_demo.yaml").write_text(FALLBACK_TREE, encoding="utf-8")
    case = healthy()
    case["complaint"]["type"] = "weak_signal"
    engine = Engine(trees, sources=sources_for(case))
    d = engine.diagnose(case["complaint"], sources=sources_for(case, ["coverage"]),
                        answers={"other_phones_affected": True})
    assert d.cause == "network.weak_coverage"
    assert [s.branch for s in d.trace] == ["on_unknown", "answer true"]
    assert engine.diagnose(case["complaint"]).cause == "unknown.needs_investigation"
    session = engine.session(case["complaint"])
    assert session.question is None  # coverage answered: nothing to ask


def test_source_failures_are_logged_with_the_msisdn_masked(
        engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    case = healthy()
    with caplog.at_level("WARNING", logger="diagtree.sources"):
        run(engine, case, down=["hlr"])
    text = caplog.text
    assert "source hlr unavailable" in text and case["complaint"]["id"] in text
    assert case["complaint"]["msisdn"] not in text
    assert case["complaint"]["msisdn"][:3] in text  # masked, not dropped


def test_an_internal_failure_still_gives_a_diagnosis(
        engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    case = healthy()
    tree = engine.tree_for("no_service")
    assert tree is not None
    step = tree.start
    original = step.run

    def broken(f: Any) -> Any:
        raise ZeroDivisionError("a bug")

    step.run = broken
    try:
        with caplog.at_level("ERROR", logger="diagtree.engine"):
            d = run(engine, case)
    finally:
        step.run = original
    assert d.cause == "unknown.needs_investigation"
    assert (d.resolution, d.department) == ("dispatch", "tier2")
    assert any("internal error" in n and "a bug" in n for n in d.notes)
    assert case["complaint"]["msisdn"] not in caplog.text and "failed" in caplog.text


def test_frozen_records_built_in_one_step_equal_the_constructed_ones() -> None:
    import dataclasses

    from diagtree._conclude.diagnosis import Refund, build

    fields = {"amount": 12.5, "currency": "CNY", "within_authority": True, "role": "frontline",
              "limit": 50.0}
    made = build(Refund, dict(fields))
    assert made == Refund(**fields) and hash(made) == hash(Refund(**fields))
    assert repr(made) == repr(Refund(**fields))
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.amount = 0.0  # type: ignore[misc]
    with pytest.raises(TypeError, match="missing"):
        build(Refund, {k: v for k, v in fields.items() if k != "limit"})
    with pytest.raises(TypeError, match="unexpected"):
        build(Refund, {**fields, "extra": 1})
