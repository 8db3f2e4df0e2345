"""The demo city's frame: where and when it is, the `DemoCity` value, and small geometry helpers.

The city is a 15 km × 15 km square centred on Changsha (28.2282 N, 112.9388 E). Positions are
planned in local metres (``x`` east, ``y`` north of the centre) and stored as degrees rounded to
5 decimals (about 1 m); every distance the generator relies on is measured on the rounded
values with the adapters' haversine, so the bundled data says exactly what was planned.

Times are in China Standard Time (+08:00). Complaints are reported between 2026-11-15 and
2026-11-21; the records are a snapshot taken at `SNAPSHOT`, after the last complaint.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from typing import Any, Final

from .._geo import EARTH_RADIUS_M, distance_m

__all__ = [
    "CENTRE",
    "HALF_SIZE_M",
    "SNAPSHOT",
    "TZ",
    "DemoCity",
    "Record",
    "at",
    "iso",
    "latlon",
    "metres_apart",
    "within_m",
]

Record = dict[str, Any]

CENTRE: Final = (28.2282, 112.9388)
HALF_SIZE_M: Final = 7500.0
TZ: Final = _dt.timezone(_dt.timedelta(hours=8))
SNAPSHOT: Final = _dt.datetime(2026, 11, 21, 23, 30, tzinfo=TZ)

_M_PER_DEG_LAT: Final = math.pi * EARTH_RADIUS_M / 180
_M_PER_DEG_LON: Final = _M_PER_DEG_LAT * math.cos(math.radians(CENTRE[0]))


@dataclass
class DemoCity:
    """A generated city: the source records (a ``sources:`` mapping) and the demo cases.

    ``records`` is ``{"hlr": {"subscribers": [...], "devices": [...]}, "billing": {...},
    "coverage": {...}}`` with JSON-ready values (times and dates as ISO strings); ``cases`` are
    scenario cases (docs/scenarios.md, without ``sources:``) whose ``expect.cause`` is the cause the
    generator planted.
    """

    seed: int
    records: dict[str, dict[str, list[Record]]]
    cases: list[Record] = field(default_factory=list)

    def table(self, source: str, name: str) -> list[Record]:
        """One table's records (``city.table("coverage", "cells")``)."""
        return self.records[source][name]

    def summary(self) -> str:
        """One line: the size of the city and of the case set."""
        hlr, billing, cov = self.records["hlr"], self.records["billing"], self.records["coverage"]
        causes = len({c["expect"]["cause"] for c in self.cases})
        return (f"demo city seed {self.seed}: {len(hlr['subscribers'])} subscribers, "
                f"{len(billing['accounts'])} accounts, {len(cov['cells'])} cells, "
                f"{len(cov['measurements'])} measurements, {len(cov['alarms'])} alarms, "
                f"{len(self.cases)} complaints over {causes} causes")


def latlon(x: float, y: float) -> tuple[float, float]:
    """Degrees (rounded to 5 decimals) of the point `x` m east and `y` m north of the centre."""
    return (round(CENTRE[0] + y / _M_PER_DEG_LAT, 5), round(CENTRE[1] + x / _M_PER_DEG_LON, 5))


def metres_apart(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lat, lon) points (the adapters' formula)."""
    return distance_m(a[0], a[1], b[0], b[1])


def within_m(a: tuple[float, float], b: tuple[float, float], radius_m: float) -> bool:
    """Whether two points are at most `radius_m` apart (a cheap box test first)."""
    if (abs(a[0] - b[0]) * 110_000 > radius_m + 50
            or abs(a[1] - b[1]) * 96_000 > radius_m + 50):
        return False
    return metres_apart(a, b) <= radius_m


def at(day: int, hour: int, minute: int = 0) -> _dt.datetime:
    """A time in November 2026, +08:00."""
    return _dt.datetime(2026, 11, day, hour, minute, tzinfo=TZ)


def iso(value: _dt.datetime | _dt.date) -> str:
    """ISO 8601 text of a time (with its offset, to the second) or a date."""
    if isinstance(value, _dt.datetime):
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()
