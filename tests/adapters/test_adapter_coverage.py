"""Coverage adapter: serving cells, measurements, alarms, works, gaps, platform faults."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

import pytest
from adapter_support import CELL, HOME, complaint, coverage, destination, with_
from hypothesis import given
from hypothesis import strategies as st

from diagtree._taxonomy import SYMPTOMS
from diagtree_adapters._coverage import median

AT = "2026-11-20T09:30:00+08:00"


def _cell(cell_id: str, distance: float, range_m: float, bearing: float = 45,
          **extra: Any) -> dict[str, Any]:
    lat, lon = destination(*HOME, bearing, distance)
    return with_(CELL, cell_id=cell_id, lat=lat, lon=lon, range_m=range_m, **extra)


def _sample(distance: float, rsrp: float | None, sinr: float | None = 5,
            bearing: float = 90) -> dict[str, Any]:
    lat, lon = destination(*HOME, bearing, distance)
    return {"lat": lat, "lon": lon, "rsrp_dbm": rsrp, "sinr_db": sinr, "at": AT}


@pytest.mark.parametrize("bearing", [0, 37, 90, 180, 271])
def test_cell_exactly_at_range_serves(bearing: float) -> None:
    cells = [_cell("edge", 1500, 1500, bearing), _cell("out", 1500.01, 1500, bearing),
             _cell("in", 10, 1500, bearing)]
    facts = coverage(complaint(), cells=cells)
    assert facts["coverage.serving_cells"] == ("in", "edge")
    assert facts["coverage.serving_cell_count"] == 2


def test_cell_not_on_air_still_serves() -> None:
    facts = coverage(complaint(), cells=[_cell("c", 100, 500, status="off_air")])
    assert facts["coverage.serving_cells"] == ("c",)


def test_serving_cells_nearest_first() -> None:
    cells = [_cell("far", 900, 1000), _cell("near", 100, 1000), _cell("mid", 500, 3000)]
    assert coverage(complaint(), cells=cells)["coverage.serving_cells"] == ("near", "mid", "far")


@pytest.mark.parametrize(("techs", "expected"), [
    (["LTE"], True), (["LTE", "NR"], True), (["NR"], True), (["LTE", "GSM"], False),
    (["UMTS"], False), ([], False),
])
def test_lte_nr_only(techs: list[str], expected: bool) -> None:
    cells = [_cell(f"c{i}", 100 * i, 1000, tech=t) for i, t in enumerate(techs)]
    cells.append(_cell("gsm-far", 5000, 1000, tech="GSM"))  # does not serve
    assert coverage(complaint(), cells=cells)["coverage.lte_nr_only"] is expected


def test_prb_max_over_serving_cells_with_known_values() -> None:
    cells = [_cell("a", 10, 1000, prb_util_busy_hour=0.5),
             _cell("b", 20, 1000, prb_util_busy_hour=None),
             _cell("c", 30, 1000, prb_util_busy_hour=0.86),
             _cell("far", 3000, 1000, prb_util_busy_hour=0.99)]
    assert coverage(complaint(), cells=cells)["coverage.prb_util_max"] == 0.86
    unknown = [_cell("b", 20, 1000, prb_util_busy_hour=None)]
    assert coverage(complaint(), cells=unknown)["coverage.prb_util_max"] is None


@pytest.mark.parametrize("bearing", [0, 90, 200])
def test_measurement_exactly_at_300_m_counts(bearing: float) -> None:
    samples = [_sample(300, -120, bearing=bearing), _sample(300.01, -60, bearing=bearing),
               _sample(0, -100)]
    facts = coverage(complaint(), measurements=samples)
    assert facts["coverage.measurements.count"] == 2
    assert facts["coverage.rsrp_dbm"] == -110  # (-120 + -100) / 2: even count


def test_median_odd_and_even() -> None:
    odd = [_sample(10 * i, r, s) for i, (r, s) in enumerate([(-90, 3), (-120, -1), (-100, 9)])]
    facts = coverage(complaint(), measurements=odd)
    assert (facts["coverage.rsrp_dbm"], facts["coverage.sinr_db"]) == (-100, 3)
    even = [*odd, _sample(50, -111, 0)]
    facts = coverage(complaint(), measurements=even)
    assert facts["coverage.rsrp_dbm"] == -105.5
    assert facts["coverage.sinr_db"] == 1.5
    assert facts["coverage.measurements.count"] == 4


def test_no_measurements_near() -> None:
    facts = coverage(complaint(), measurements=[_sample(1000, -120)])
    assert facts["coverage.measurements.count"] == 0
    assert facts["coverage.rsrp_dbm"] is None
    assert facts["coverage.sinr_db"] is None


def test_sample_without_sinr() -> None:
    facts = coverage(complaint(), measurements=[_sample(10, -100, None), _sample(20, -110, 4)])
    assert facts["coverage.measurements.count"] == 2
    assert facts["coverage.rsrp_dbm"] == -105
    assert facts["coverage.sinr_db"] == 4


@given(st.lists(st.integers(-140, -40) | st.floats(-140, -40), min_size=1, max_size=30))
def test_median_matches_statistics(values: list[float]) -> None:
    assert median(values) == statistics.median(values)
    assert median([]) is None


def _alarm(**kw: Any) -> dict[str, Any]:
    base = {"element": CELL["cell_id"], "type": "site_down", "severity": "critical",
            "raised_at": "2026-11-20T07:10:00+08:00", "eta": "2026-11-20T13:00:00+08:00"}
    base.update(kw)
    return base


@pytest.mark.parametrize(("alarm", "active"), [
    (_alarm(), True),
    (_alarm(raised_at=AT), True),                                   # raised at the reported time
    (_alarm(raised_at="2026-11-20T09:30:01+08:00"), False),         # raised after
    (_alarm(raised_at="2026-11-20T01:29:59+00:00"), True),          # other offset, before
    (_alarm(eta="2026-11-20T08:00:00+08:00"), True),                # past its eta
    (_alarm(eta=None), True),
    (_alarm(type="power"), True),
    (_alarm(type="transmission"), True),
    (_alarm(type="degraded"), False),
    (_alarm(severity="major"), False),
    (_alarm(element="460-00-99999-9"), False),                      # not a serving cell
])
def test_site_outage(alarm: dict[str, Any], active: bool) -> None:
    facts = coverage(complaint(), alarms=[alarm])
    assert facts["coverage.outage.active"] is active
    if active:
        assert facts["coverage.outage.cell"] == CELL["cell_id"]
        assert facts["coverage.outage.type"] == alarm["type"]
        eta = alarm["eta"]
        assert facts["coverage.outage.eta"] == (eta and dt.datetime.fromisoformat(eta))
    else:
        assert facts["coverage.outage.cell"] is None
        assert facts["coverage.outage.eta"] is None


def test_outage_eta_latest_of_several() -> None:
    alarms = [_alarm(eta="2026-11-20T13:00:00+08:00"), _alarm(type="power", eta=None),
              _alarm(type="transmission", eta="2026-11-20T15:00:00+08:00")]
    facts = coverage(complaint(), alarms=alarms)
    assert facts["coverage.outage.eta"] == dt.datetime.fromisoformat("2026-11-20T15:00:00+08:00")
    assert facts["coverage.outage.type"] == "site_down"


def test_outage_cell_is_the_nearest_alarmed_serving_cell() -> None:
    cells = [_cell("far", 900, 2000), _cell("near", 50, 2000), _cell("mid", 400, 2000)]
    alarms = [_alarm(element="far", type="power"), _alarm(element="mid"),
              _alarm(element="near", severity="major")]  # not an outage: skipped
    facts = coverage(complaint(), cells=cells, alarms=alarms)
    assert facts["coverage.serving_cells"] == ("near", "mid", "far")
    assert (facts["coverage.outage.cell"], facts["coverage.outage.type"]) == ("mid", "site_down")


def test_outage_on_the_nearest_cell_whose_alarm_is_raised_the_cells_first_alarm() -> None:
    cells = [_cell("far", 900, 2000), _cell("near", 50, 2000), _cell("mid", 400, 2000)]
    alarms = [_alarm(element="far", eta="2026-11-20T18:00:00+08:00"),
              _alarm(element="mid", type="power", eta=None),
              _alarm(element="near", raised_at="2026-11-20T09:31:00+08:00"),  # after the call
              _alarm(element="mid", type="transmission")]
    facts = coverage(complaint(), cells=cells, alarms=alarms)
    assert (facts["coverage.outage.cell"], facts["coverage.outage.type"]) == ("mid", "power")
    # the ETA is the latest of every outage alarm on a serving cell, the far one's included
    assert facts["coverage.outage.eta"] == dt.datetime.fromisoformat("2026-11-20T18:00:00+08:00")


def _works(start: str, end: str, cells: list[str] | None = None) -> list[dict[str, Any]]:
    return [{"cells": cells or [CELL["cell_id"]], "start": start, "end": end,
             "description": "antenna swap"}]


@pytest.mark.parametrize(("start", "end", "active"), [
    (AT, "2026-11-20T12:00:00+08:00", True),                      # start = reported
    ("2026-11-20T01:00:00+08:00", AT, True),                      # end = reported
    ("2026-11-20T09:30:01+08:00", "2026-11-20T12:00:00+08:00", False),
    ("2026-11-20T01:00:00+08:00", "2026-11-20T09:29:59+08:00", False),
    ("2026-11-20T01:30:00+00:00", "2026-11-20T01:30:00+00:00", True),  # same instant, UTC
])
def test_planned_works_window_inclusive(start: str, end: str, active: bool) -> None:
    facts = coverage(complaint(), planned_works=_works(start, end))
    assert facts["coverage.planned_works.active"] is active
    if active:
        assert facts["coverage.planned_works.start"] == dt.datetime.fromisoformat(start)
        assert facts["coverage.planned_works.end"] == dt.datetime.fromisoformat(end)
        assert facts["coverage.planned_works.description"] == "antenna swap"
    else:
        assert facts["coverage.planned_works.end"] is None


def test_works_listing_two_serving_cells_counts_once() -> None:
    cells = [_cell("a", 50, 2000), _cell("b", 100, 2000)]
    works = (_works("2026-11-20T01:00:00+08:00", "2026-11-20T12:00:00+08:00", ["b", "a"])
             + _works("2026-11-20T02:00:00+08:00", "2026-11-20T11:00:00+08:00", ["a"]))
    facts = coverage(complaint(), cells=cells, planned_works=works)
    assert facts["coverage.planned_works.end"] == dt.datetime.fromisoformat(
        "2026-11-20T12:00:00+08:00")


def test_works_ending_together_the_one_on_the_nearest_cell() -> None:
    cells = [_cell("far", 900, 2000), _cell("near", 50, 2000), _cell("mid", 400, 2000)]
    window = ("2026-11-20T01:00:00+08:00", "2026-11-20T12:00:00+08:00")
    works = [{**_works(*window, ["far"])[0], "description": "far work"},
             {**_works(*window, ["mid", "far"])[0], "description": "mid work"}]
    facts = coverage(complaint(), cells=cells, planned_works=works)
    assert facts["coverage.planned_works.description"] == "mid work"
    assert facts["coverage.serving_cells"] == ("near", "mid", "far")


def test_planned_works_on_other_cell() -> None:
    works = _works("2026-11-20T01:00:00+08:00", "2026-11-20T12:00:00+08:00", ["other"])
    assert coverage(complaint(), planned_works=works)["coverage.planned_works.active"] is False


@pytest.mark.parametrize(("distance", "in_gap"), [(0, True), (400, True), (400.01, False)])
def test_coverage_gap_radius_inclusive(distance: float, in_gap: bool) -> None:
    lat, lon = destination(*HOME, 123, distance)
    gap = {"lat": lat, "lon": lon, "radius_m": 400, "planned_fix": "2027-03-31",
           "note": "new site planned"}
    facts = coverage(complaint(), coverage_gaps=[gap])
    assert facts["coverage.gap.in_gap"] is in_gap
    assert facts["coverage.gap.planned_fix"] == (dt.date(2027, 3, 31) if in_gap else None)
    assert facts["coverage.gap.note"] == ("new site planned" if in_gap else None)


def test_gap_without_planned_fix() -> None:
    gap = {"lat": HOME[0], "lon": HOME[1], "radius_m": 400, "planned_fix": None, "note": None}
    facts = coverage(complaint(), coverage_gaps=[gap])
    assert facts["coverage.gap.in_gap"] is True
    assert facts["coverage.gap.planned_fix"] is None


SERVICE = {"cannot_call_out": "voice", "slow_data": "data", "no_data": "data",
           "sms_failure": "sms"}
LOCATED = {"no_service", "weak_signal", "call_drop", "cannot_call_out", "cannot_receive_calls",
           "slow_data", "no_data", "sms_failure"}


@pytest.mark.parametrize("symptom", SYMPTOMS)
@pytest.mark.parametrize("affects", [["sms"], ["voice"], ["data"], ["recharge", "billing"],
                                     ["voice", "data", "sms"]])
def test_platform_fault_by_symptom(symptom: str, affects: list[str]) -> None:
    alarm = {"element": "smsc", "type": "platform_fault", "severity": "minor",
             "raised_at": "2026-11-20T08:00:00+08:00", "eta": None, "affects": affects}
    c = complaint(symptom, location=HOME if symptom in LOCATED else None)
    facts = coverage(c, alarms=[alarm])
    active = SERVICE.get(symptom) in affects
    assert facts["coverage.platform_fault.active"] is active
    assert facts["coverage.platform_fault.element"] == ("smsc" if active else None)
    assert set(facts["coverage.platform_faults.affects"]) == set(affects)


def test_platform_fault_raised_later_or_other_type() -> None:
    later = {"element": "smsc", "type": "platform_fault", "severity": "critical",
             "raised_at": "2026-11-20T09:30:01+08:00", "affects": ["sms"]}
    degraded = {"element": "smsc", "type": "degraded", "severity": "critical",
                "raised_at": "2026-11-20T08:00:00+08:00", "affects": ["sms"]}
    facts = coverage(complaint("sms_failure"), alarms=[later, degraded])
    assert facts["coverage.platform_fault.active"] is False
    assert facts["coverage.platform_faults.affects"] == ()


def test_platform_fault_eta_latest() -> None:
    raised = "2026-11-20T08:00:00+08:00"
    alarms = [{"element": "in", "type": "platform_fault", "raised_at": raised,
               "eta": "2026-11-20T10:00:00+08:00", "affects": ["data"]},
              {"element": "smsc", "type": "platform_fault", "raised_at": raised,
               "eta": "2026-11-20T11:00:00+08:00", "affects": ["data", "sms"]}]
    facts = coverage(complaint("no_data"), alarms=alarms)
    assert facts["coverage.platform_fault.element"] == "in"
    assert facts["coverage.platform_fault.eta"] == dt.datetime.fromisoformat(
        "2026-11-20T11:00:00+08:00")
    assert facts["coverage.platform_faults.affects"] == ("sms", "data")


def test_no_location() -> None:
    alarm = {"element": "boss", "type": "platform_fault", "raised_at": "2026-11-20T08:00:00+08:00",
             "affects": ["billing"]}
    facts = coverage(complaint("bill_dispute", location=None), alarms=[alarm, _alarm()])
    assert facts["coverage.located"] is False
    location_facts = {k: v for k, v in facts.items()
                      if k != "coverage.located" and ".platform_fault" not in k}
    assert location_facts and all(v is None for v in location_facts.values())
    assert facts["coverage.platform_faults.affects"] == ("billing",)
    assert facts["coverage.platform_fault.active"] is False


def test_no_cells_near() -> None:
    facts = coverage(complaint(), cells=[_cell("far", 10_000, 1000)])
    assert facts["coverage.located"] is True
    assert facts["coverage.serving_cells"] == ()
    assert facts["coverage.serving_cell_count"] == 0
    assert facts["coverage.outage.active"] is False
    assert facts["coverage.planned_works.active"] is False
    assert facts["coverage.gap.in_gap"] is False
    assert facts["coverage.prb_util_max"] is None
