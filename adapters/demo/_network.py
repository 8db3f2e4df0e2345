"""The radio network of the demo city: cells, measurements, alarms, works and coverage gaps.

Layout (local metres from the centre, see `_model`):

- 100 LTE macro sites on a 1.5 km grid, 3 sectors each (``460-00-ENB-CELL``), ranges
  1.5–2.5 km so that every point of the city is served; NR cells at the central sites;
  GSM (``460-00-LAC-CI``) in the west and UMTS in the north-east, so that whether a location is
  "LTE/NR-only" depends on where it is;
- a 6 × 6 lattice of *spots* 2.5 km apart. A spot of a network kind (``outage``, ``works``,
  ``gap``, ``weak``, ``interference``, ``congestion``, or a ``bg_*`` background anomaly with no
  complaint) holds that anomaly and nothing else: its own small cell (range ≤ 550 m), its own
  drive-test samples within 150 m of its centre, its own gap (radius ≤ 500 m). Complaints
  planted at a spot lie within `SPOT_JITTER_M` of its centre;
- healthy drive-test samples (RSRP −95…−80 dBm, SINR 5…20 dB) on a 250 m grid everywhere except
  within `SPOT_CLEAR_M` of a spot, so that a point near no spot always has healthy samples
  within 300 m and none of a spot's; a *healthy* location is at least `HEALTHY_AWAY_M` from
  every spot (out of reach of every spot's cell, gap and samples).
"""

from __future__ import annotations

import datetime as _dt
import random
from dataclasses import dataclass, field
from typing import Final

from ._model import HALF_SIZE_M, Record, at, iso, latlon, metres_apart, within_m

__all__ = ["HEALTHY_AWAY_M", "SPOT_JITTER_M", "Network", "Spot", "build_network"]

SPOT_JITTER_M: Final = 60.0
SPOT_SAMPLE_M: Final = 150.0
SPOT_CLEAR_M: Final = 650.0
HEALTHY_AWAY_M: Final = 1100.0
_LATTICE: Final = (-6250.0, -3750.0, -1250.0, 1250.0, 3750.0, 6250.0)
#: spot kinds assigned to lattice points served only by LTE/NR, and to those with GSM/UMTS
_MODERN_KINDS: Final = ("outage", "weak", "works", "gap", "interference", "congestion",
                        "outage", "weak", "works", "outage", "weak", "bg_gap")
_LEGACY_KINDS: Final = ("interference", "outage", "gap", "weak", "works", "congestion", "gap",
                        "bg_weak", "bg_gap")
_OUTAGE_TYPES: Final = ("site_down", "power", "transmission")


@dataclass
class Spot:
    """One isolated anomaly area (see the module docstring)."""

    kind: str
    centre: tuple[float, float]
    legacy: bool
    cell_id: str | None = None
    start: _dt.datetime | None = None  # outage: alarm raised; works: window start
    end: _dt.datetime | None = None  # works: window end
    complaints: int = 0


@dataclass
class Network:
    """The coverage source's tables and the spots they were planned around."""

    cells: list[Record] = field(default_factory=list)
    alarms: list[Record] = field(default_factory=list)
    planned_works: list[Record] = field(default_factory=list)
    coverage_gaps: list[Record] = field(default_factory=list)
    measurements: list[Record] = field(default_factory=list)
    spots: list[Spot] = field(default_factory=list)

    def serving(self, point: tuple[float, float]) -> list[Record]:
        """Cells whose range covers the point (docs/sources.md)."""
        return [c for c in self.cells if within_m(point, (c["lat"], c["lon"]), c["range_m"])]

    def lte_nr_only(self, point: tuple[float, float]) -> bool:
        """At least one serving cell and none of them GSM or UMTS."""
        techs = [c["tech"] for c in self.serving(point)]
        return bool(techs) and not any(t in ("GSM", "UMTS") for t in techs)

    def spots_of(self, kind: str) -> list[Spot]:
        return [s for s in self.spots if s.kind == kind]

    def healthy_point(self, rng: random.Random, *, lte_nr_only: bool | None = None,
                      ) -> tuple[float, float]:
        """A point at least `HEALTHY_AWAY_M` from every spot (optionally LTE/NR-only or not)."""
        while True:
            point = latlon(rng.uniform(-7000, 7000), rng.uniform(-7000, 7000))
            if any(within_m(point, s.centre, HEALTHY_AWAY_M) for s in self.spots):
                continue
            if lte_nr_only is None or self.lte_nr_only(point) == lte_nr_only:
                return point

    def spot_point(self, rng: random.Random, spot: Spot, *, lte_nr_only: bool | None = None,
                   ) -> tuple[float, float]:
        """A point within `SPOT_JITTER_M` of the spot's centre (optionally LTE/NR-only or not)."""
        for _ in range(200):
            point = _near(rng, spot.centre, SPOT_JITTER_M)
            if lte_nr_only is None or self.lte_nr_only(point) == lte_nr_only:
                spot.complaints += 1
                return point
        raise ValueError(f"no point at the {spot.kind} spot with lte_nr_only={lte_nr_only}")


def _near(rng: random.Random, centre: tuple[float, float], radius: float) -> tuple[float, float]:
    """A point within `radius` m of `centre` (checked on the rounded degrees)."""
    while True:
        dy, dx = rng.uniform(-radius, radius), rng.uniform(-radius, radius)
        point = (round(centre[0] + dy / 111_195.0, 5),
                 round(centre[1] + dx / 97_960.0, 5))
        if metres_apart(point, centre) <= radius - 1:
            return point


def build_network(rng: random.Random) -> Network:
    """Cells, then spots (which need to know where GSM/UMTS reach), then samples and alarms."""
    net = Network()
    _macro_cells(rng, net)
    _legacy_cells(rng, net)
    _spots(rng, net)
    _healthy_samples(rng, net)
    _background_events(rng, net)
    return net


def _macro_cells(rng: random.Random, net: Network) -> None:
    enb = 558_100
    nr_gnb = 610_200
    for i in range(10):
        for j in range(10):
            x = -6750 + 1500 * i + rng.uniform(-150, 150)
            y = -6750 + 1500 * j + rng.uniform(-150, 150)
            lat, lon = latlon(x, y)
            enb += rng.randint(1, 9)
            base_az = rng.randrange(0, 120)
            for sector in range(3):
                net.cells.append(_cell(
                    f"460-00-{enb}-{sector + 1}", "LTE", lat, lon, rng.randrange(1500, 2501, 50),
                    (base_az + 120 * sector) % 360, _busy(rng)))
            if x * x + y * y <= 4500**2:
                nr_gnb += rng.randint(1, 5)
                net.cells.append(_cell(
                    f"460-00-{nr_gnb}-{rng.choice((1, 2))}", "NR", lat, lon,
                    rng.randrange(400, 901, 50), rng.randrange(0, 360, 10),
                    round(rng.uniform(0.1, 0.5), 2)))


def _busy(rng: random.Random) -> float | None:
    """A busy-hour PRB utilisation: mostly 0.2–0.7, some busier, a few unknown; never ≥ 0.85."""
    roll = rng.random()
    if roll < 0.04:
        return None
    if roll < 0.12:
        return round(rng.uniform(0.7, 0.82), 2)
    return round(rng.uniform(0.2, 0.7), 2)


def _legacy_cells(rng: random.Random, net: Network) -> None:
    for x in (-7000.0, -5000.0):
        for y in (-6000.0, -3000.0, 0.0, 3000.0, 6000.0):
            lat, lon = latlon(x + rng.uniform(-100, 100), y + rng.uniform(-100, 100))
            lac = 7101 if y < 0 else 7102
            for _ in range(2):
                net.cells.append(_cell(
                    f"460-00-{lac}-{rng.randrange(10000, 65000)}", "GSM", lat, lon,
                    rng.randrange(2500, 3001, 100), rng.randrange(0, 360, 10),
                    None if rng.random() < 0.5 else round(rng.uniform(0.1, 0.5), 2)))
    for x, y in ((5000.0, 5000.0), (6500.0, 6500.0), (5000.0, 6500.0), (6500.0, 5000.0)):
        lat, lon = latlon(x + rng.uniform(-100, 100), y + rng.uniform(-100, 100))
        for _ in range(2):
            net.cells.append(_cell(
                f"460-00-9301-{rng.randrange(20000, 65000)}", "UMTS", lat, lon,
                rng.randrange(2200, 2601, 100), rng.randrange(0, 360, 10),
                round(rng.uniform(0.1, 0.5), 2)))


def _cell(cell_id: str, tech: str, lat: float, lon: float, range_m: int, azimuth: int,
          prb: float | None, status: str = "on_air") -> Record:
    return {"cell_id": cell_id, "tech": tech, "lat": lat, "lon": lon, "range_m": range_m,
            "azimuth": azimuth, "status": status, "prb_util_busy_hour": prb}


def _spots(rng: random.Random, net: Network) -> None:
    modern: list[tuple[float, float]] = []
    legacy: list[tuple[float, float]] = []
    for x in _LATTICE:
        for y in _LATTICE:
            point = latlon(x + rng.uniform(-200, 200), y + rng.uniform(-200, 200))
            (modern if net.lte_nr_only(point) else legacy).append(point)
    rng.shuffle(modern)
    rng.shuffle(legacy)
    for kinds, points, is_legacy in ((_MODERN_KINDS, modern, False),
                                     (_LEGACY_KINDS, legacy, True)):
        for kind, centre in zip(kinds, points, strict=False):
            net.spots.append(Spot(kind, centre, is_legacy))
    small_cell = 571_000
    for index, spot in enumerate(net.spots):
        if spot.kind in ("outage", "works", "congestion"):
            small_cell += rng.randint(3, 30)
            spot.cell_id = f"460-00-{small_cell}-{rng.choice((1, 2, 3))}"
            lat, lon = _near(rng, spot.centre, 30)
            prb = (round(rng.uniform(0.86, 0.97), 2) if spot.kind == "congestion"
                   else round(rng.uniform(0.3, 0.6), 2))
            net.cells.append(_cell(spot.cell_id, "LTE", lat, lon, rng.randrange(400, 551, 10),
                                   rng.randrange(0, 360, 10), prb,
                                   "off_air" if spot.kind == "outage" else "on_air"))
        _spot_events(rng, net, spot, index)
        _spot_samples(rng, net, spot, weak_outage=spot.kind == "outage" and index % 2 == 1)


def _spot_events(rng: random.Random, net: Network, spot: Spot, index: int) -> None:
    day = 15 + index % 6
    if spot.kind == "outage":
        spot.start = at(day, rng.randrange(6, 11), rng.randrange(0, 60))
        eta = spot.start + _dt.timedelta(hours=rng.randrange(3, 9))
        net.alarms.append({"element": spot.cell_id, "type": _OUTAGE_TYPES[index % 3],
                           "severity": "critical", "raised_at": iso(spot.start),
                           "eta": None if index % 4 == 3 else iso(eta)})
    elif spot.kind == "works":
        spot.start = at(day, 9, 0)
        spot.end = at(day, 17, 0)
        net.planned_works.append({"cells": [spot.cell_id], "start": iso(spot.start),
                                  "end": iso(spot.end),
                                  "description": rng.choice(("antenna swap", "BBU upgrade",
                                                             "power system maintenance"))})
    elif spot.kind in ("gap", "bg_gap"):
        lat, lon = _near(rng, spot.centre, 30)
        fix = None if index % 3 == 2 else _dt.date(2027, rng.randrange(1, 10), 28)
        net.coverage_gaps.append({
            "lat": lat, "lon": lon, "radius_m": rng.randrange(350, 501, 10),
            "planned_fix": None if fix is None else iso(fix),
            "note": "new site planned" if fix is not None else "site acquisition pending"})


def _spot_samples(rng: random.Random, net: Network, spot: Spot, *, weak_outage: bool) -> None:
    for _ in range(rng.randrange(7, 12)):
        lat, lon = _near(rng, spot.centre, SPOT_SAMPLE_M)
        if spot.kind in ("gap", "bg_gap", "weak", "bg_weak") or weak_outage:
            rsrp, sinr = rng.randint(-124, -112), rng.randint(-5, 4)
        elif spot.kind == "interference":
            rsrp, sinr = rng.randint(-98, -82), rng.randint(-9, -1)
        else:
            rsrp, sinr = rng.randint(-95, -80), rng.randint(5, 20)
        net.measurements.append(_sample(rng, lat, lon, rsrp, sinr))


def _sample(rng: random.Random, lat: float, lon: float, rsrp: int, sinr: int) -> Record:
    taken = at(rng.randrange(1, 15), rng.randrange(8, 22), rng.randrange(0, 60))
    return {"lat": lat, "lon": lon, "rsrp_dbm": rsrp, "sinr_db": sinr, "at": iso(taken)}


def _healthy_samples(rng: random.Random, net: Network) -> None:
    steps = int(2 * HALF_SIZE_M // 250) + 1
    for i in range(steps):
        for j in range(steps):
            point = latlon(-HALF_SIZE_M + 250 * i + rng.uniform(-40, 40),
                           -HALF_SIZE_M + 250 * j + rng.uniform(-40, 40))
            if any(within_m(point, s.centre, SPOT_CLEAR_M) for s in net.spots):
                continue
            net.measurements.append(_sample(rng, point[0], point[1], rng.randint(-95, -80),
                                            rng.randint(5, 20)))


def _background_events(rng: random.Random, net: Network) -> None:
    """Alarms and works that decide no complaint: degraded/minor alarms, future works, platforms."""
    macro = [c for c in net.cells if c["tech"] == "LTE" and c["range_m"] >= 1500]
    picks = rng.sample(macro, 5)
    net.alarms.append({"element": picks[0]["cell_id"], "type": "degraded", "severity": "major",
                       "raised_at": iso(at(19, 14, 20)), "eta": iso(at(22, 18, 0))})
    net.alarms.append({"element": picks[1]["cell_id"], "type": "power", "severity": "minor",
                       "raised_at": iso(at(20, 3, 45)), "eta": None})
    net.alarms.append({"element": picks[2]["cell_id"], "type": "transmission",
                       "severity": "warning", "raised_at": iso(at(17, 11, 5)),
                       "eta": iso(at(17, 15, 0))})
    net.planned_works.append({"cells": [picks[3]["cell_id"]], "start": iso(at(25, 1, 0)),
                              "end": iso(at(25, 5, 0)), "description": "software upgrade"})
    net.planned_works.append({"cells": [picks[4]["cell_id"], picks[3]["cell_id"]],
                              "start": iso(at(10, 0, 30)), "end": iso(at(10, 4, 30)),
                              "description": "transmission cut-over"})
    for element, severity, affects, raised, eta in PLATFORM_FAULTS:
        net.alarms.append({"element": element, "type": "platform_fault", "severity": severity,
                           "raised_at": iso(raised), "eta": None if eta is None else iso(eta),
                           "affects": list(affects)})


#: element, severity, affects, raised_at, eta; faults that affect a symptom's service are raised
#: on 21 Nov after 08:00: only complaints planted as platform faults come later
PLATFORM_FAULTS: Final[tuple[tuple[str, str, tuple[str, ...], _dt.datetime,
                                   _dt.datetime | None], ...]] = (
    ("boss", "minor", ("billing",), at(18, 16, 0), at(19, 2, 0)),
    ("charging", "major", ("data",), at(21, 8, 40), at(21, 14, 0)),
    ("smsc", "major", ("sms",), at(21, 9, 15), at(21, 12, 30)),
    ("in", "critical", ("voice", "recharge"), at(21, 10, 5), None),
)
#: when each service's platform fault was raised
PLATFORM_RAISED: Final = {"data": at(21, 8, 40), "sms": at(21, 9, 15), "voice": at(21, 10, 5)}
