"""`RecordStore`: the in-memory backend for all three sources, indexed once at construction.

Subscribers, devices, accounts and customers are dicts by MSISDN/TAC; alarms are grouped by
element, planned works by cell id, platform-fault alarms kept in one short list; cells and
coverage gaps live in a `DiskGrid` and measurements in a `PointGrid`, so that a look-up reads
only the records near the location (a few tens of microseconds in a city of thousands of
records). This is the part an operator replaces with clients of its HLR, BSS and NMS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ._geo import DiskGrid, PointGrid
from ._records import Record, SourceRecords
from ._schema import LAT, LON, RADIUS, RecordError
from ._values import brief

__all__ = ["RecordStore"]

CELL_STEP_DEG: Final = 0.0025  # ~280 m buckets for cells and gaps
CELL_MAX_BUCKETS: Final = 10_000  # a larger disk (a ~35 km rural GSM cell) is always a candidate
POINT_STEP_DEG: Final = 0.003  # ~330 m buckets for measurement samples


class RecordStore:
    """Implements `HlrBackend`, `BillingBackend` and `CoverageBackend` over `SourceRecords`."""

    def __init__(self, records: SourceRecords) -> None:
        self.records = records
        self._subscribers = {r["msisdn"]: r for r in records.subscribers}
        self._devices = {r["tac"]: r for r in records.devices}
        self._accounts = {r["msisdn"]: r for r in records.accounts}
        self._customers = {r["msisdn"]: r for r in records.customers}
        self._cells: DiskGrid[Record] = DiskGrid(CELL_STEP_DEG, CELL_MAX_BUCKETS)
        for i, cell in enumerate(records.cells):
            _placed(cell, "cells", i, "range_m")
            self._cells.add(cell["lat"], cell["lon"], cell["range_m"], cell)
        self._gaps: DiskGrid[Record] = DiskGrid(CELL_STEP_DEG, CELL_MAX_BUCKETS)
        for i, gap in enumerate(records.coverage_gaps):
            _placed(gap, "coverage_gaps", i, "radius_m")
            self._gaps.add(gap["lat"], gap["lon"], gap["radius_m"], gap)
        self._samples: PointGrid[Record] = PointGrid(POINT_STEP_DEG)
        for i, sample in enumerate(records.measurements):
            _placed(sample, "measurements", i, None)
            self._samples.add(sample["lat"], sample["lon"], sample)
        alarms: dict[str, list[Record]] = {}
        for alarm in records.alarms:
            if alarm.get("element") is not None:  # an alarm on no element is on no cell
                alarms.setdefault(alarm["element"], []).append(alarm)
        self._alarms = {k: tuple(v) for k, v in alarms.items()}
        self._platform = tuple(a for a in records.alarms if a["type"] == "platform_fault")
        works: dict[str, list[Record]] = {}
        for work in records.planned_works:
            for cell_id in dict.fromkeys(work["cells"]):
                works.setdefault(cell_id, []).append(work)
        self._works = {k: tuple(v) for k, v in works.items()}

    # HlrBackend ---------------------------------------------------------------------------
    def subscriber(self, msisdn: str) -> Record | None:
        return self._subscribers.get(msisdn)

    def device(self, tac: str) -> Record | None:
        return self._devices.get(tac)

    # BillingBackend -----------------------------------------------------------------------
    def account(self, msisdn: str) -> Record | None:
        return self._accounts.get(msisdn)

    def customer(self, msisdn: str) -> Record | None:
        return self._customers.get(msisdn)

    # CoverageBackend ----------------------------------------------------------------------
    def cells_near(self, lat: float, lon: float) -> Sequence[Record]:
        return self._cells.covering(lat, lon)

    def cells_near_split(self, lat: float, lon: float) -> tuple[Sequence[Record],
                                                               Sequence[Record]]:
        return self._cells.split(lat, lon)

    def alarms_on_any(self, elements: Sequence[str]) -> Sequence[Record]:
        alarms = self._alarms
        if alarms.keys().isdisjoint(elements):  # most places: no alarm on any serving cell
            return []
        return [a for e in elements if e in alarms for a in alarms[e]]

    def platform_alarms(self) -> Sequence[Record]:
        return self._platform

    def planned_works_on_any(self, cell_ids: Sequence[str]) -> Sequence[Record]:
        works = self._works
        if works.keys().isdisjoint(cell_ids):
            return []
        found = [w for c in cell_ids if c in works for w in works[c]]
        if len(found) < 2:
            return found
        return list({id(w): w for w in found}.values())  # a work listing two of the cells

    def gaps_near(self, lat: float, lon: float) -> Sequence[Record]:
        return self._gaps.covering(lat, lon)

    def measurements_near(self, lat: float, lon: float, radius_m: float) -> Sequence[Record]:
        return self._samples.near(lat, lon, radius_m)


_BOUNDS: Final = {"lat": LAT, "lon": LON}


def _placed(record: Record, table: str, row: int, radius: str | None) -> None:
    """The place (and radius) the grids index, checked as `records_from_mapping` checks them:
    `SourceRecords` built by hand skips that check, and a lat of 1e400 would overflow here."""
    for key, (low, high) in (*_BOUNDS.items(), *(((radius, RADIUS),) if radius else ())):
        value = record.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            if low <= value <= high:  # False for NaN too
                continue
            got = brief(value)
        else:
            got = type(value).__name__
        raise RecordError(f"{table} row {row}", key,
                          f"expected a number from {low:g} to {high:g}, got {got}")
