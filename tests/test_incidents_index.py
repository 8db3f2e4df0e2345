"""`IncidentIndex`, fed one by one (issue 12 item 3): the same incidents as the grouping of the
whole results frame (a hypothesis property), the count the engine grades with
(`Engine(incidents=...)` grades as the caller passing the count by hand did), safe from
threads, and bounded by the window."""

from __future__ import annotations

import copy
import datetime as _dt
import re
import shutil
import threading
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from hypothesis import given
from hypothesis import strategies as st

import diagtree_adapters as ad
from diagtree import Engine, IncidentIndex, shipped_trees
from diagtree._check.policy import DEFAULT_INCIDENTS, IncidentRule
from diagtree._incidents.incident import Episode, Key, Member, peak
from diagtree._incidents.place import Place, place_of_outcome, trace_reads
from diagtree_adapters.demo import demo_complaints, demo_records

from conftest import fuzz

T0 = _dt.datetime(2026, 11, 20, 9, 0, tzinfo=_dt.timezone(_dt.timedelta(hours=8)))
CELL = "460-00-20811-1"
SCENARIOS = Path(__file__).resolve().parent.parent / "trees" / "scenarios"


# -- incremental == batch ----------------------------------------------------------------------
SMALL = IncidentRule(("network",), ("support.platform_fault",), 2.0, 3,
                     (("yellow", 3), ("orange", 4), ("red", 6)))
_CAUSES = ["network.site_outage", "network.congestion", "support.platform_fault",
           "billing.duplicate_charge"]

rows_strategy = st.lists(
    st.tuples(st.sampled_from(_CAUSES), st.sampled_from(["A", "B", None]),
              st.sampled_from(["smsc", "in", None]), st.integers(0, 6),
              st.integers(0, 6 * 60), st.sampled_from([0, 8, -5])),
    max_size=60)


def _frame(drawn: list[tuple[Any, ...]]) -> pd.DataFrame:
    rows = []
    for i, (cause, cell, platform, customer, minutes, offset) in enumerate(drawn, 1):
        at = (T0 + _dt.timedelta(minutes=minutes)).astimezone(
            _dt.timezone(_dt.timedelta(hours=offset)))
        rows.append({"row": i, "complaint_id": f"C{i}", "msisdn": f"86138000000{customer:02d}",
                     "reported_at": at.isoformat(), "cause": cause, "cell": cell,
                     "platform": platform})
    return pd.DataFrame(rows, columns=["row", "complaint_id", "msisdn", "reported_at", "cause",
                                       "cell", "platform"])


def _fed(frame: pd.DataFrame, rule: IncidentRule) -> IncidentIndex:
    index = IncidentIndex(rule)
    at = [_dt.datetime.fromisoformat(t) for t in frame["reported_at"]]
    for i in sorted(range(len(frame)), key=lambda i: (at[i], frame["row"].iloc[i])):
        r = frame.iloc[i]
        index.add_result(complaint_id=r["complaint_id"], msisdn=r["msisdn"],
                         reported_at=at[i], cause=r["cause"],
                         cell=None if pd.isna(r["cell"]) else r["cell"],
                         platform=None if pd.isna(r["platform"]) else r["platform"],
                         row=int(r["row"]))
    return index


def _key(incidents: list[Any]) -> list[dict[str, Any]]:
    return sorted((i.to_dict() for i in incidents), key=lambda d: d["incident_id"])


@fuzz(60)
@given(rows_strategy)
def test_the_index_fed_in_time_order_finds_what_the_frame_grouping_finds(
        drawn: list[tuple[Any, ...]]) -> None:
    frame = _frame(drawn)
    index = _fed(frame, SMALL)
    batch = IncidentIndex(SMALL).group_results(frame)
    assert _key(index.incidents()) == _key(batch)
    for incident in batch:  # and each answers "which incident" alike
        assert {i.customers for i in index.incidents()
                if i.incident_id == incident.incident_id} == {incident.customers}


def test_the_property_can_tell_a_difference() -> None:
    """The comparison is not vacuous: the frame grouping with another window differs."""
    drawn = [("network.site_outage", "A", None, k, 50 * k, 0) for k in range(4)]
    frame = _frame(drawn)
    assert _key(_fed(frame, SMALL).incidents())
    wider = IncidentRule(("network",), (), 0.5, 3, (("yellow", 3), ("orange", 4), ("red", 6)))
    assert _key(IncidentIndex(wider).group_results(frame)) != \
        _key(_fed(frame, SMALL).incidents())


# -- the count of each complaint, kept as it comes ----------------------------------------------
def _trailing(members: list[Member], at: _dt.datetime, window: _dt.timedelta) -> int:
    """The definition: distinct customers among `members` reported in ``[at - window, at]``."""
    return len({m.msisdn for m in members if at - window <= m.at <= at})


@fuzz(80)
@given(st.lists(st.tuples(st.integers(0, 8 * 60), st.integers(0, 6), st.booleans()),
                max_size=40))
def test_an_episode_counts_each_complaint_as_the_definition_does(
        drawn: list[tuple[int, int, bool]]) -> None:
    """In any arrival order (late complaints too) and with complaints taken out again, the
    incremental count and peak equal the definitions worked out afresh."""
    window = _dt.timedelta(hours=2)
    episode = Episode(Key("network.site_outage", "cell", CELL), window)
    for n, (minutes, customer, drop_one) in enumerate(drawn):
        at = T0 + _dt.timedelta(minutes=minutes)
        count = episode.add(Member(at, f"C{n}", f"86138{customer:08d}", CELL, n))
        assert count == _trailing(episode.members, at, window)
        assert [m.at for m in episode.members] == sorted(m.at for m in episode.members)
        if drop_one and n % 3 == 0:
            held = {m.complaint_id for m in episode.members}
            assert episode.remove(f"C{n // 2}") == (f"C{n // 2}" in held)
            assert len(episode.members) == len(held - {f"C{n // 2}"})
        assert episode.peak() == peak(episode.members, window)


class _Counted(str):
    """A number that counts how often it is hashed: the work of the index, told without a
    clock."""

    hashes = 0

    def __hash__(self) -> int:
        _Counted.hashes += 1
        return str.__hash__(self)


def test_a_long_outage_costs_the_same_per_complaint() -> None:
    """20 000 complaints of one outage in 22 h (5 000 customers calling four times): each is
    counted with a few looks at its number, not one per complaint already held (the count used
    to go over the whole episode: 200 million looks here)."""
    index = IncidentIndex(DEFAULT_INCIDENTS)
    _Counted.hashes = 0
    counts = [index.add_result(complaint_id=f"C{k}", msisdn=_Counted(f"86138{k % 5000:08d}"),
                               reported_at=T0 + _dt.timedelta(seconds=4 * k),
                               cause="network.site_outage", cell=CELL, platform=None)
              for k in range(20_000)]
    assert _Counted.hashes < 10 * 20_000
    assert counts[:3] == [1, 2, 3] and counts[4999] == counts[-1] == 5000
    (incident,) = index.open_incidents()
    assert (incident.complaints, incident.distinct_customers, incident.warning_level) == \
        (20_000, 5000, "red")


# -- the engine asks the index -------------------------------------------------------------------
@cache
def _outage() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The `ns-outage-site-down` scenario's complaint, answers and records, with 30
    subscribers on its line (each their own MSISDN)."""
    cases = yaml.safe_load((SCENARIOS / "no_service.yaml").read_text(encoding="utf-8"))
    case = next(c for c in cases["cases"] if c["id"] == "ns-outage-site-down")
    sources = copy.deepcopy(case["sources"])
    sub, acc = sources["hlr"]["subscribers"][0], sources["billing"]["accounts"][0]
    subs, accs, customers = [], [], []
    for k in range(30):
        msisdn = f"86138{k:08d}"
        s, a = copy.deepcopy(sub), copy.deepcopy(acc)
        s["msisdn"], s["imsi"], a["msisdn"] = msisdn, f"4600{k:011d}", msisdn
        subs.append(s)
        accs.append(a)
        customers.append({"msisdn": msisdn, "name": "x", "tier": "normal"})
    sources["hlr"]["subscribers"] = subs
    sources["billing"]["accounts"] = accs
    sources["billing"]["customers"] = customers
    return case["complaint"], case.get("answers") or {}, sources


def _complaints(n: int, repeat_every: int = 0) -> list[dict[str, Any]]:
    base, _, _ = _outage()
    start = _dt.datetime.fromisoformat(base["reported_at"])
    out = []
    for k in range(n):
        customer = k % repeat_every if repeat_every else k
        out.append(dict(base, id=f"C{k}", msisdn=f"86138{customer:08d}",
                        reported_at=(start + _dt.timedelta(minutes=k)).isoformat()))
    return out


def _engine(index: IncidentIndex | None = None) -> Engine:
    _, _, sources = _outage()
    return Engine(sources=ad.mock_sources(ad.records_from_mapping(sources)), incidents=index)


def test_the_engine_grades_with_the_index_as_with_the_count_by_hand() -> None:
    _, answers, _ = _outage()
    index = IncidentIndex()
    with_index, by_hand = _engine(index), _engine()
    seen: set[str] = set()
    grades = []
    for complaint in _complaints(26, repeat_every=24):  # two customers call twice
        seen.add(complaint["msisdn"])
        d = with_index.diagnose(complaint, answers=answers)
        counted = dict(complaint, incident={"distinct_customers_24h": len(seen)})
        expected = by_hand.diagnose(counted, answers=answers)
        assert d.cause == "network.site_outage"
        assert (d.grade, d.grade_reasons, d.feedback_due) == \
            (expected.grade, expected.grade_reasons, expected.feedback_due)
        grades.append(d.grade)
    assert grades == ["normal"] * 19 + ["major"] * 7
    (incident,) = index.open_incidents()
    assert incident.cell == CELL and incident.distinct_customers == 24
    assert incident.members == tuple(f"C{k}" for k in range(26))
    assert index.incident_for("network.site_outage", cell=CELL) == incident
    assert index.incident_for("network.site_outage", cell="460-00-1-1") is None
    assert index.at_cell(CELL) == [incident]


def test_the_engine_without_a_trace_grades_the_same() -> None:
    _, answers, _ = _outage()
    engine = _engine(IncidentIndex())
    last = [engine.diagnose(c, answers=answers, trace=False) for c in _complaints(21)][-1]
    assert last.grade == "major"


def test_a_caller_count_above_the_index_is_kept() -> None:
    _, answers, _ = _outage()
    (complaint,) = _complaints(1)
    d = _engine(IncidentIndex()).diagnose(
        dict(complaint, incident={"distinct_customers_24h": 40}), answers=answers)
    assert d.grade == "major"


def test_a_complaint_diagnosed_twice_counts_once() -> None:
    _, answers, _ = _outage()
    index = IncidentIndex()
    engine = _engine(index)
    complaint = _complaints(1)[0]
    for _ in range(3):
        engine.diagnose(complaint, answers=answers)
    assert len(index) == 1


def test_add_takes_a_diagnosis_and_its_complaint() -> None:
    _, answers, _ = _outage()
    engine = _engine()
    index = IncidentIndex()
    for c in _complaints(20):
        d = engine.diagnose(c, answers=answers)
        index.add(d, c)
    # the site outage names its cell (its outcome's `cell` value): a Diagnosis alone says
    # where, as the engine's hook does
    assert IncidentIndex.place_of(d) == {"cell": dict(d.values)["cell"], "platform": None}
    assert dict(d.values)["cell"]
    [incident] = index.open_incidents()
    assert incident.distinct_customers == 20 and incident.cell == dict(d.values)["cell"]


# -- threads and memory ---------------------------------------------------------------------------
def test_feeding_from_threads_loses_nothing() -> None:
    index = IncidentIndex(DEFAULT_INCIDENTS)

    def feed(worker: int) -> None:
        for k in range(250):
            index.add_result(complaint_id=f"W{worker}-{k}", msisdn=f"86138{worker:04d}{k:04d}",
                             reported_at=T0 + _dt.timedelta(seconds=k), cause=
                             "network.site_outage", cell=f"cell-{k % 5}", platform=None)

    threads = [threading.Thread(target=feed, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(index) == 1000
    incidents = index.open_incidents()
    assert sorted(i.cell for i in incidents) == [f"cell-{k}" for k in range(5)]
    assert all(i.distinct_customers == 200 and i.warning_level == "red" for i in incidents)


def test_memory_is_bounded_by_the_window() -> None:
    index = IncidentIndex(DEFAULT_INCIDENTS, keep_closed=2)
    for day in range(5):
        for k in range(25):
            index.add_result(complaint_id=f"D{day}-{k}", msisdn=f"86138{k:08d}",
                             reported_at=T0 + _dt.timedelta(days=2 * day, minutes=k),
                             cause="network.site_outage", cell=CELL, platform=None)
    assert len(index) == 25  # only the last day's episode is held
    assert len(index.open_incidents()) == 1
    closed = index.take_closed()
    assert [i.first_at[:10] for i in closed] == ["2026-11-24", "2026-11-26"]  # newest 2 kept
    assert index.take_closed() == []
    # a quiet day later everything is closed
    index.add_result(complaint_id="late", msisdn="8613900000001",
                     reported_at=T0 + _dt.timedelta(days=12), cause="billing.duplicate_charge",
                     cell=CELL, platform=None)
    index.add_result(complaint_id="late2", msisdn="8613900000001",
                     reported_at=T0 + _dt.timedelta(days=12), cause="network.congestion",
                     cell="elsewhere", platform=None)
    assert len(index) == 1 and index.open_incidents() == []
    assert len(index.take_closed()) == 1


class _PlaceSpy:
    """An `incidents=` counter that records where the engine's hook places each complaint."""

    def __init__(self) -> None:
        self.places: list[tuple[str, str, Place]] = []

    def bind(self, policy: Any) -> None:
        pass

    def observe(self, end: Any, cause: str, steps: Any, values: Any) -> int:
        self.places.append((end.complaint.id, cause, place_of_outcome(values, trace_reads(steps))))
        return 0


def test_the_hook_places_a_complaint_alike_with_and_without_a_trace(tmp_path: Path) -> None:
    """A tree whose condition reads the cell (no outcome value names it): the hook places
    the complaint by the walk's reads whether the caller asked for a trace or not."""
    trees = tmp_path / "trees"
    shutil.copytree(shipped_trees(), trees,
                    ignore=shutil.ignore_patterns("scenarios", "__pycache__", "*.py"))
    events = trees / "shared" / "location_events.yaml"
    text = events.read_text(encoding="utf-8")
    text = text.replace("check: coverage.outage.active\n",
                        "check: coverage.outage.active and coverage.outage.cell != null\n")
    text = re.sub(r"\n +cell: coverage\.outage\.cell[^\n]*", "", text)
    events.write_text(text, encoding="utf-8")
    records = demo_records()
    places = []
    for trace in (True, False):
        spy = _PlaceSpy()
        engine = Engine(trees, sources=ad.mock_sources(records), incidents=spy)
        for case in demo_complaints():
            engine.diagnose(case["complaint"], answers=case.get("answers") or {},
                            trace=trace, script=False)
        places.append(spy.places)
    traced, untraced = places
    assert sum(1 for _, cause, place in traced
               if cause == "network.site_outage" and place.cell) >= 5
    assert untraced == traced


def test_an_episode_out_of_the_window_is_not_open_before_it_is_swept() -> None:
    index = IncidentIndex(DEFAULT_INCIDENTS)
    for k in range(25):
        index.add_result(complaint_id=f"C{k}", msisdn=f"86138{k:08d}",
                         reported_at=T0 + _dt.timedelta(minutes=k),
                         cause="network.site_outage", cell=CELL, platform=None)
    for k, minutes in enumerate((24 * 60, 24 * 60 + 30)):  # swept at the first, not the second
        index.add_result(complaint_id=f"E{k}", msisdn="8613900000001",
                         reported_at=T0 + _dt.timedelta(minutes=minutes),
                         cause="network.congestion", cell="elsewhere", platform=None)
    assert len(index) == 27  # the outage's episode is still held (the sweep runs hourly) …
    assert index.open_incidents() == []  # … but its last complaint is out of the window
    assert [i.cell for i in index.incidents()] == [CELL]
