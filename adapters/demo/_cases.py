"""Demo complaints: the `Draft` a planter fills in, the `Ctx` it plants with, the case it becomes.

A planter (one per cause, in the ``_plant_*`` modules) receives a `Draft` whose cause, symptom
and variant are already chosen, places it (`Ctx.place`: a time, a location, a line reset to the
healthy baseline) and then edits that line's records so that they carry exactly the evidence of
the cause (docs/sources.md, docs/taxonomy.md). `Ctx.case` turns the draft into a scenario case
(without ``sources:``) whose ``expect.cause`` is the planted cause.
"""

from __future__ import annotations

import datetime as _dt
import random
from dataclasses import dataclass, field
from typing import Any, Final

from ._model import Record, at, iso, metres_apart
from ._network import PLATFORM_RAISED, Network, Spot
from ._subscribers import Line, Population
from ._texts import PLACES, TEXTS

__all__ = ["LOCATED", "PF_SERVICE", "Ctx", "Draft"]

LOCATED: Final = frozenset({"no_service", "weak_signal", "call_drop", "cannot_call_out",
                            "cannot_receive_calls", "slow_data", "no_data", "sms_failure"})
#: the service a platform fault must affect for the symptom (docs/taxonomy.md)
PF_SERVICE: Final = {"cannot_call_out": "voice", "slow_data": "data", "no_data": "data",
                     "sms_failure": "sms"}
ANSWER_DEFAULTS: Final = {
    "airplane_mode": False, "mobile_data_enabled": True, "apn_manually_changed": False,
    "indoor_only": False, "other_phones_affected": False, "sim_works_in_other_phone": True,
    "recognizes_usage": True, "requested_subscription": False,
}
_CHANNELS: Final = (("hotline", 55), ("app", 18), ("store", 8), ("social_media", 9),
                    ("regulator", 5), ("media", 5))

_DEFAULT_TIME: Final = at(15, 9)


@dataclass
class Draft:
    """One complaint being planted: what it is, where and when, and what was planted."""

    cause: str
    symptom: str
    variant: str
    line: Line
    reported_at: _dt.datetime = _DEFAULT_TIME
    location: tuple[float, float] | None = None
    spot: Spot | None = None
    subject: dict[str, str] = field(default_factory=dict)
    answers: dict[str, bool] = field(default_factory=dict)
    down: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    incident: int = 0

    def note(self, text: str) -> None:
        """Add to the case's description (what was planted)."""
        self.notes.append(text)


@dataclass
class Ctx:
    """What planters share: the random source, the network and the population."""

    rng: random.Random
    net: Network
    pop: Population

    def spot(self, kind: str, *, legacy: bool | None = None) -> Spot:
        """The spot of that kind with the fewest complaints so far (optionally legacy or not)."""
        spots = [s for s in self.net.spots_of(kind) if legacy is None or s.legacy == legacy]
        if not spots:
            raise ValueError(f"the network has no {kind} spot (legacy={legacy})")
        return min(spots, key=lambda s: s.complaints)

    def place(self, d: Draft, *, spot: Spot | None = None, lte_nr_only: bool | None = None,
              when: _dt.datetime | None = None, plan: str | None = None,
              located: bool | None = None) -> None:
        """Choose the draft's time and location, and reset its line to the healthy baseline."""
        rng = self.rng
        d.spot = spot
        d.reported_at = when or self._time(d, spot)
        if located is None:
            located = d.symptom in LOCATED or spot is not None
        if spot is not None:
            d.location = self.net.spot_point(rng, spot, lte_nr_only=lte_nr_only)
        elif located:
            d.location = self.net.healthy_point(rng, lte_nr_only=lte_nr_only)
        cell_id = self._serving_cell(d.location) if d.location else rng.choice(self.pop.cell_ids)
        d.line.reset(rng, self.pop, d.reported_at, cell_id, plan=plan)

    def _time(self, d: Draft, spot: Spot | None) -> _dt.datetime:
        rng = self.rng
        if d.cause == "support.platform_fault":
            raised = PLATFORM_RAISED[PF_SERVICE[d.symptom]]
            return raised + _dt.timedelta(minutes=rng.randrange(15, 9 * 60))
        if spot is not None and spot.kind == "outage" and spot.start is not None:
            return spot.start + _dt.timedelta(minutes=rng.randrange(30, 8 * 60))
        if spot is not None and spot.kind == "works" and spot.start and spot.end:
            span = int((spot.end - spot.start).total_seconds() // 60) - 30
            return spot.start + _dt.timedelta(minutes=15 + rng.randrange(span))
        # platform faults are raised on the 21st: complaints they could explain come earlier
        last_day = 20 if d.symptom in PF_SERVICE else 21
        return at(rng.randint(15, last_day), rng.randrange(8, 22), rng.randrange(60))

    def _serving_cell(self, point: tuple[float, float]) -> str:
        cells = [c for c in self.net.serving(point) if c["tech"] in ("LTE", "NR")]
        cells.sort(key=lambda c: metres_apart(point, (c["lat"], c["lon"])))
        return str(cells[0]["cell_id"])

    def case(self, d: Draft, number: int) -> Record:
        """The scenario case of a planted draft, numbered ``D-0001``…"""
        rng = self.rng
        cid = f"D-{number:04d}"
        place = rng.choice(PLACES)
        complaint: dict[str, Any] = {
            "id": cid, "type": d.symptom, "msisdn": d.line.msisdn,
            "channel": rng.choices([c for c, _ in _CHANNELS], [w for _, w in _CHANNELS])[0],
            "text": rng.choice(TEXTS[d.symptom]).format(p=place),
            "reported_at": iso(d.reported_at),
        }
        if d.location is not None:
            complaint["location"] = {"lat": d.location[0], "lon": d.location[1]}
        if d.subject:
            complaint["subject"] = dict(d.subject)
        complaint["agent_role"] = "supervisor" if rng.random() < 0.15 else "agent"
        if d.incident:
            complaint["incident"] = {"distinct_customers_24h": d.incident}
        complaint["history"] = self._history(d)
        case: Record = {"id": cid, "description": "; ".join(d.notes), "complaint": complaint,
                        "answers": {**ANSWER_DEFAULTS, **d.answers}}
        if d.down:
            case["down"] = list(d.down)
        case["expect"] = {"cause": d.cause}
        return case

    def _history(self, d: Draft) -> list[Record]:
        """Earlier complaints: none mostly; a repeat of the same category, or an older one."""
        rng = self.rng
        roll = rng.random()
        if roll >= 0.3:
            return []
        days = rng.randrange(3, 29) if roll < 0.15 else rng.randrange(35, 120)
        earlier = d.reported_at - _dt.timedelta(days=days, minutes=rng.randrange(600))
        cause = d.cause if roll < 0.15 else rng.choice(_OTHER_CAUSES)
        return [{"id": f"T{earlier:%Y%m%d}-{rng.randrange(1, 9999):04d}", "at": iso(earlier),
                 "type": d.symptom, "cause": cause}]


_OTHER_CAUSES: Final = ("network.weak_coverage", "billing.charge_confirmed",
                        "vas.confirmed_subscription", "device.settings",
                        "unknown.needs_investigation", "network.site_outage")
