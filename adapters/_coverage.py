"""`CoverageAdapter`: the ``coverage.*`` facts (docs/facts.md) at the complaint's location.

Conventions (docs/sources.md, docs/taxonomy.md), all at the complaint's location and reported time:
- serving cells: great-circle distance ≤ ``range_m`` (inclusive), whatever their ``status``;
  listed nearest first;
- measurements: the samples within 300 m (inclusive); medians of their RSRP and SINR (the mean
  of the two middle values for an even count); null when there are none;
- an alarm counts when ``raised_at`` ≤ the reported time (an ``eta`` is an estimate: an alarm
  past it is still open; it may be null);
- site outage: a ``critical`` alarm of type ``site_down``, ``power`` or ``transmission`` on a
  serving cell; its cell and type are those of the nearest such cell, its ETA the latest known;
- planned works on a serving cell with start ≤ reported time ≤ end; when several, the one that
  ends last (of those ending together, the one on the nearest serving cell);
- coverage gap: distance ≤ ``radius_m``; when several, the nearest centre;
- LTE/NR-only: at least one serving cell and none of them GSM or UMTS;
- ``prb_util_max``: the highest known ``prb_util_busy_hour`` among serving cells;
- platform fault: an alarm of type ``platform_fault`` (any severity, any element) whose
  ``affects`` lists the symptom's service (voice ← cannot_call_out; data ← slow_data, no_data;
  sms ← sms_failure; no other symptom has one). Its element is the first such alarm's, its ETA
  the latest known. Platform faults do not depend on the location: they are given for a
  complaint without one, while every location fact is null and ``coverage.located`` false.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from diagtree import Complaint, FactSpec, FactType

from ._backends import CoverageBackend, blocks
from ._geo import EPSILON_M, Origin
from ._lazy import FactGroups, Facts
from ._schema import AFFECTS
from ._values import choice, day, finite, number, text, texts, when

__all__ = ["COVERAGE_FACTS", "NEAR_M", "SYMPTOM_SERVICE", "CoverageAdapter", "median"]

BOOL, DATE, DATETIME = FactType.BOOL, FactType.DATE, FactType.DATETIME
INT, NUMBER, STRING = FactType.INT, FactType.NUMBER, FactType.STRING

Record = Mapping[str, Any]
NEAR_M: Final = 300.0
OUTAGE_TYPES: Final = ("site_down", "power", "transmission")
LEGACY_RATS: Final = frozenset({"GSM", "UMTS"})
#: the service a symptom depends on, for platform faults (docs/taxonomy.md)
SYMPTOM_SERVICE: Final[Mapping[str, str]] = {
    "cannot_call_out": "voice", "slow_data": "data", "no_data": "data", "sms_failure": "sms",
}
_E = FactType.enum

COVERAGE_FACTS: Final[tuple[FactSpec, ...]] = (
    FactSpec("coverage.located", BOOL,
             "the complaint has a location (otherwise location facts are null)"),
    FactSpec("coverage.serving_cells", FactType.list_of(STRING),
             "cells whose range covers the location, nearest first"),
    FactSpec("coverage.serving_cell_count", INT, "how many cells serve the location"),
    FactSpec("coverage.lte_nr_only", BOOL, "≥ 1 serving cell and none is GSM/UMTS"),
    FactSpec("coverage.outage.active", BOOL,
             "a critical site_down/power/transmission alarm on a serving cell, raised ≤ "
             "reported time"),
    FactSpec("coverage.outage.cell", STRING, "the cell of that alarm"),
    FactSpec("coverage.outage.type", _E(*OUTAGE_TYPES), "its type"),
    FactSpec("coverage.outage.eta", DATETIME, "its ETA (null when none is known; the latest "
             "of several)"),
    FactSpec("coverage.planned_works.active", BOOL,
             "planned works on a serving cell with start ≤ reported ≤ end"),
    FactSpec("coverage.planned_works.start", DATETIME, "start of their window"),
    FactSpec("coverage.planned_works.end", DATETIME, "end of their window"),
    FactSpec("coverage.planned_works.description", STRING, "what is done"),
    FactSpec("coverage.gap.in_gap", BOOL,
             "the location is within a registered coverage gap's radius"),
    FactSpec("coverage.gap.planned_fix", DATE, "its planned fix (null when none)"),
    FactSpec("coverage.gap.note", STRING, "its note"),
    FactSpec("coverage.measurements.count", INT, "samples within 300 m"),
    FactSpec("coverage.rsrp_dbm", NUMBER, "median RSRP within 300 m; null when no samples", "dBm"),
    FactSpec("coverage.sinr_db", NUMBER, "median SINR within 300 m; null when no samples", "dB"),
    FactSpec("coverage.prb_util_max", NUMBER,
             "highest busy-hour PRB utilisation among serving cells (null when none known)"),
    FactSpec("coverage.platform_fault.active", BOOL,
             "a platform_fault alarm raised ≤ reported time affects the symptom's service "
             "(voice: cannot_call_out; data: slow_data, no_data; sms: sms_failure)"),
    FactSpec("coverage.platform_fault.element", STRING, "the platform (smsc, in, …)"),
    FactSpec("coverage.platform_fault.eta", DATETIME, "its ETA"),
    FactSpec("coverage.platform_faults.affects", FactType.list_of(_E(*AFFECTS)),
             "services affected by any active platform fault"),
)
_NAMES: Final = tuple(spec.name for spec in COVERAGE_FACTS)


def _group_of(name: str) -> str | None:
    """The group of a coverage fact: what it is derived from."""
    if name == "coverage.located":
        return None  # known at once
    if name.startswith(("coverage.measurements.", "coverage.rsrp_dbm", "coverage.sinr_db")):
        return "samples"
    if name.startswith("coverage.gap."):
        return "gap"
    if name.startswith("coverage.platform_fault"):
        return "platform"
    if name == "coverage.serving_cells":
        return "order"
    if name in ("coverage.lte_nr_only", "coverage.prb_util_max"):
        return "radio"
    return "serving"  # how many serving cells, their alarms (outage) and works


_GROUPS: Final = FactGroups("coverage", _NAMES, _group_of)
_NUMERIC: Final = frozenset({int, float})
_STR: Final = frozenset({str})
_PLACED: Final = ("lat", "lon", "range_m")
#: without a location, every location fact is null (and known at once)
_NOT_LOCATED: Final[Mapping[str, Any]] = {
    **dict.fromkeys(name for name in _NAMES if _group_of(name) != "platform"),
    "coverage.located": False}
_NO_PLATFORM_FAULT: Final[Mapping[str, Any]] = {
    "coverage.platform_fault.active": False, "coverage.platform_fault.element": None,
    "coverage.platform_fault.eta": None, "coverage.platform_faults.affects": (),
}


class CoverageAdapter:
    """The ``coverage`` source: cells, alarms, works, gaps and measurements near the location."""

    name = "coverage"

    def __init__(self, backend: CoverageBackend, *, blocking: bool | None = None) -> None:
        self.backend = backend
        #: whether the engine runs its fetch on a fetch thread and enforces its timeout: by
        #: default, unless `backend` is the in-memory `RecordStore` (see `blocks`)
        self.blocking = blocks(backend) if blocking is None else blocking

    def facts(self) -> Sequence[FactSpec]:
        return COVERAGE_FACTS

    def fetch(self, complaint: Complaint, timeout_s: float) -> Facts:
        """Every ``coverage.*`` fact at the complaint's location and reported time, each group
        (serving cells with their alarms and works, their technology and load, their order,
        measurements, gap, platform faults) looked up and derived when first read."""
        location = complaint.location
        if location is None:
            return _GROUPS.facts(dict(_NOT_LOCATED), _Place(self.backend, None, complaint))
        return _GROUPS.facts({"coverage.located": True}, _Place(
            self.backend, Origin(location.lat, location.lon), complaint))


class _Place:
    """One complaint's location and reported time; its methods derive the groups of facts
    (`Facts` calls the one named after a group). The serving cells are found once, when a
    group first needs them, and shared by the groups derived from them."""

    __slots__ = ("_cells", "_ids", "_origin", "at", "backend", "symptom")

    def __init__(self, backend: CoverageBackend, here: Origin | None,
                 complaint: Complaint) -> None:
        self.backend = backend
        self._origin = here
        self.at = complaint.reported_at
        self.symptom = complaint.type
        self._cells: list[Record] | None = None
        self._ids: list[str] = []

    @property
    def here(self) -> Origin:
        assert self._origin is not None, "location facts are known at once without a location"
        return self._origin

    # called by name: `Facts._derive` looks up the group "platform" with getattr
    def platform(self) -> Mapping[str, Any]:
        """Platform faults raised by the reported time: whether one affects the complaint's
        service (its element, the latest ETA among those that do), and every service that
        the active ones affect."""
        at = self.at
        service = SYMPTOM_SERVICE.get(self.symptom)
        affects: set[str] = set()
        hits: list[Record] = []
        for alarm in self.backend.platform_alarms():
            if alarm.get("type") != "platform_fault" or not _raised(alarm, at):
                continue
            services = texts(alarm.get("affects")) or ()
            affects.update(services)
            if service in services:
                hits.append(alarm)
        if not affects:
            return _NO_PLATFORM_FAULT
        return {
            "coverage.platform_fault.active": bool(hits),
            "coverage.platform_fault.element": text(hits[0].get("element")) if hits else None,
            "coverage.platform_fault.eta": _latest(when(a.get("eta")) for a in hits),
            "coverage.platform_faults.affects": tuple(s for s in AFFECTS if s in affects),
        }

    def cells(self) -> list[Record]:
        """The serving cells (in no particular order); their ids are in `_ids`."""
        if self._cells is None:
            backend, here = self.backend, self.here
            split = getattr(backend, "cells_near_split", None)
            if split is not None:
                sure, candidates = split(here.lat, here.lon)
            else:
                sure, candidates = (), backend.cells_near(here.lat, here.lon)
            if candidates:  # a NaN or infinite place or range would serve nowhere or everywhere
                finite([c[key] for c in candidates for key in _PLACED])
            cells = [*sure, *[cell for _, cell in here.all_within(candidates, "range_m")]]
            ids = [cell["cell_id"] for cell in cells]
            if not set(map(type, ids)) <= _STR:
                ids = [text(cell_id) or "" for cell_id in ids]
            self._cells, self._ids = cells, ids
        return self._cells

    def nearest_first(self, wanted: Iterable[str] | None = None) -> list[str]:
        """The ids of the serving cells (those in `wanted`), nearest first; the id breaks a
        tie. Only these cells' distances are measured."""
        cells = self.cells()
        if wanted is not None:
            keep = frozenset(wanted)
            pairs = [(cell, cell_id) for cell, cell_id in zip(cells, self._ids, strict=True)
                     if cell_id in keep]
            if len(pairs) < 2:
                return [cell_id for _, cell_id in pairs]
        else:
            pairs = list(zip(cells, self._ids, strict=True))
        ids = {id(cell): cell_id for cell, cell_id in pairs}
        measured = sorted((d, ids[id(cell)])
                          for d, cell in self.here.all_within([c for c, _ in pairs], "range_m"))
        return [cell_id for _, cell_id in measured]

    def _ranks(self, wanted: Iterable[str] | None = None) -> dict[str, int]:
        """Each serving cell's id (of those in `wanted`) → its place, nearest first."""
        return {cell_id: k for k, cell_id in enumerate(self.nearest_first(wanted))}

    def serving(self) -> dict[str, Any]:
        cells = self.cells()
        out: dict[str, Any] = {"coverage.serving_cell_count": len(cells)}
        if cells:
            out.update(self._outage())
            out.update(self._works())
        else:
            out["coverage.outage.active"] = out["coverage.planned_works.active"] = False
        return out

    # called by name: `Facts._derive` looks up the group "radio" with getattr
    def radio(self) -> dict[str, Any]:
        cells = self.cells()
        prbs = numbers([cell.get("prb_util_busy_hour") for cell in cells])
        techs = {cell.get("tech") for cell in cells}
        return {"coverage.lte_nr_only": bool(cells) and techs.isdisjoint(LEGACY_RATS),
                "coverage.prb_util_max": max(prbs) if prbs else None}

    def order(self) -> dict[str, Any]:
        return {"coverage.serving_cells": tuple(self.nearest_first())}

    def samples(self) -> dict[str, Any]:
        here = self.here
        samples = here.all_within(self.backend.measurements_near(here.lat, here.lon, NEAR_M),
                                  None, NEAR_M)
        return {
            "coverage.measurements.count": len(samples),
            "coverage.rsrp_dbm": median(numbers([s.get("rsrp_dbm") for _, s in samples])),
            "coverage.sinr_db": median(numbers([s.get("sinr_db") for _, s in samples])),
        }

    def _outage(self) -> dict[str, Any]:
        at = self.at
        found = [a for a in self.backend.alarms_on_any(self._ids)
                 if a.get("severity") == "critical" and a.get("type") in OUTAGE_TYPES
                 and _raised(a, at)]
        if not found:
            return {"coverage.outage.active": False}
        if len({a.get("element") for a in found}) > 1:
            # the cell of the outage is the nearest serving cell that has one (distances are
            # measured only here); a stable sort keeps each cell's alarms in the backend's order
            rank = self._ranks(text(a.get("element")) or "" for a in found)
            found.sort(key=lambda a: rank.get(text(a.get("element")) or "", len(rank)))
        first = found[0]
        return {
            "coverage.outage.active": True,
            "coverage.outage.cell": text(first.get("element")),
            "coverage.outage.type": choice(first.get("type"), OUTAGE_TYPES),
            "coverage.outage.eta": _latest(when(a.get("eta")) for a in found),
        }

    def _works(self) -> dict[str, Any]:
        at = self.at
        active: list[tuple[_dt.datetime, _dt.datetime, Record]] = []
        for work in self.backend.planned_works_on_any(self._ids):
            start, end = when(work.get("start")), when(work.get("end"))
            if start is not None and end is not None and start <= at <= end:
                active.append((start, end, work))
        if not active:
            return {"coverage.planned_works.active": False}
        last = max(end for _, end, _ in active)
        ending = [entry for entry in active if entry[1] == last]
        if len(ending) > 1:  # the one on the nearest serving cell, as listed in that order
            rank = self._ranks()
            ending.sort(key=lambda entry: min(
                (rank[c] for c in map(text, entry[2].get("cells") or ()) if c in rank),
                default=len(rank)))
        start, end, work = ending[0]
        return {
            "coverage.planned_works.active": True,
            "coverage.planned_works.start": start,
            "coverage.planned_works.end": end,
            "coverage.planned_works.description": text(work.get("description")),
        }

    def gap(self) -> dict[str, Any]:
        here = self.here
        best: tuple[float, Record] | None = None
        for gap in self.backend.gaps_near(here.lat, here.lon):
            d = here.distance_m(gap["lat"], gap["lon"])
            if d <= gap["radius_m"] + EPSILON_M and (best is None or d < best[0]):
                best = (d, gap)
        if best is None:
            return {"coverage.gap.in_gap": False}
        number(best[1]["radius_m"])  # an infinite radius would put every place in the gap
        return {
            "coverage.gap.in_gap": True,
            "coverage.gap.planned_fix": day(best[1].get("planned_fix")),
            "coverage.gap.note": text(best[1].get("note")),
        }


def median(values: Sequence[float]) -> float | None:
    """The median (mean of the two middle values for an even count); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def _raised(alarm: Record, at: _dt.datetime) -> bool:
    raised = when(alarm.get("raised_at"))
    return raised is None or raised <= at


def _latest(times: Iterable[_dt.datetime | None]) -> _dt.datetime | None:
    known = [t for t in times if t is not None]
    return max(known) if known else None


def numbers(values: list[Any]) -> list[int | float]:
    """The known values of a list of record fields, each checked to be a number."""
    known = [v for v in values if v is not None]
    if not set(map(type, known)) <= _NUMERIC:
        for v in known:
            number(v)  # raises ValueError for a non-number (bool included)
    finite(known)  # NaN, ±inf or an absurd magnitude from a backend: a malformed record
    return known
