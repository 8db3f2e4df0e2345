"""`generate_month`: a calendar month of complaints for a demo city, at operator scale.

November 2026 (+08:00), a city of `lines` subscribers (`_month_city`) on the synthetic network
or on the cells of an OpenCelliD export, and `complaints` complaints as a *complaints frame*
(docs/batch.md: one row per complaint, dotted columns, ``history`` as JSON text). Everything is
drawn with numpy from one ``numpy.random.Generator(PCG64(seed))`` in a fixed order, vectorised
(no loop per complaint), so the same seed and sizes give identical frames, and a million
complaints take seconds.

The network's events of the month, in ``coverage/``:

- a **mass incident**: a critical ``site_down`` alarm on one cell (the smallest cell of the
  synthetic city's small cells, or of the export), and at least `MASS_MIN` distinct customers
  — homed on that cell, otherwise healthy — complaining of ``no_service``, ``call_drop``,
  ``cannot_call_out`` or ``no_data`` at points the cell serves within 20 h of the alarm;
- a few smaller outages (``power``, ``transmission``) with a handful of complaints each;
- planned works over the month with complaints in their windows; platform faults (SMSC,
  charging, IN) with complaints of the services they affect;
- weak-coverage and interference zones (drive-test samples) and registered coverage gaps, with
  complaints placed in them.

The records are the snapshot at the end of the month, and the contract's `alarms` list holds
*open* alarms (an alarm past its ETA is still open): so the outages and platform faults are
raised in the month's last days (the earlier ones of a real month were cleared and are gone).

Complaints: a symptom mix of every taxonomy symptom (network, device, billing, VAS, staff,
spam), the six channels, 5 % asked by a supervisor; complainants drawn with a skew so that some
customers complain again (repeat complaints); the complainant of a billing, VAS, recharge or
barring complaint is drawn among the lines that have such a record, and the ``subject`` names
it (a charge, a duplicated charge, an SP service, a payment, a recharge card). ``history`` is
the JSON list of the customer's last five earlier complaints of the month (``id``, ``at``,
``type``; the generator plants evidence, it diagnoses nothing, so no ``cause``). No row is
malformed: every row parses with `diagtree.parse_complaint`.

The customer's answers (``answer.<question id>`` columns, `ANSWER_COLUMNS`, nullable booleans):
an agent asks the customer about the handset when the network and the line have nothing to
say — the trees ask last. So the customers asked are those of the month's everyday complaints
of a symptom whose tree asks (no service, cannot call out or receive, no data), made at home
(not in a weak-coverage, interference or gap zone), on a line with nothing wrong that the tree
checks first (no barring, suspension or reclaimed number; a phone with VoLTE for calls; no
call forwarding for incoming calls; data provisioned for data) — a healthy line or one whose
SIM has not registered. Each answers what the tree asks, about a handset drawn per complaint
(`HANDSET`): airplane mode (the call and service symptoms), the mobile-data switch and, with
it on, whether the APN was changed (no data); on a line whose SIM has not registered and with
airplane mode off, whether the SIM works in another phone. Everyone else has empty answer
cells: never asked (a few customers at home in the synthetic network's own weak spots are
asked, and their walk concludes on the coverage before the question).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from diagtree.batch import COMPLAINT_COLUMNS  # the batch input contract

from ._month_city import (
    MONTH_DAYS,
    MONTH_START,
    NOISE,
    SNAPSHOT,
    City,
    build_city,
    isotimes,
    or_none,
    point_in,
)
from ._texts import PLACES, TEXTS

__all__ = ["ANSWER_COLUMNS", "COMPLAINT_COLUMNS", "HANDSET", "MASS_MIN", "DemoMonth", "Incident",
           "generate_month"]

#: the least distinct customers of the mass incident (the policy counts ≥ 20 in 24 h)
MASS_MIN: Final = 30
HISTORY_KEPT: Final = 5
#: symptom: (share of the month, the pool its complainants come from, the share from it)
MIX: Final[Mapping[str, tuple[float, str, float]]] = {
    "no_service": (0.12, "all", 0.0), "weak_signal": (0.10, "all", 0.0),
    "call_drop": (0.08, "all", 0.0), "cannot_call_out": (0.06, "no_volte", 0.1),
    "cannot_receive_calls": (0.04, "forwarding", 0.25), "slow_data": (0.12, "throttled", 0.2),
    "no_data": (0.08, "all", 0.0), "sms_failure": (0.04, "all", 0.0),
    "bill_dispute": (0.10, "all", 0.0), "unknown_vas_charge": (0.06, "vas", 1.0),
    "service_suspended": (0.05, "barred", 0.7), "roaming_failure": (0.02, "all", 0.0),
    "recharge_issue": (0.05, "recharge", 1.0), "number_recycled": (0.005, "number", 0.8),
    "staff_conduct": (0.03, "all", 0.0), "spam_harassment": (0.045, "all", 0.0),
}
_SYMPTOMS: Final = tuple(MIX)
_LOCATED: Final = frozenset({"no_service", "weak_signal", "call_drop", "cannot_call_out",
                             "cannot_receive_calls", "slow_data", "no_data", "sms_failure"})
_MASS_SYMPTOMS: Final = ("no_service", "call_drop", "cannot_call_out", "no_data")
_MASS_CODES: Final = np.array([_SYMPTOMS.index(s) for s in _MASS_SYMPTOMS])
_LOCATED_CODES: Final = np.array([_SYMPTOMS.index(s) for s in _SYMPTOMS if s in _LOCATED])
CHANNELS: Final = ("hotline", "app", "store", "social_media", "regulator", "media")
_CHANNEL_P: Final = (0.55, 0.25, 0.08, 0.06, 0.04, 0.02)
#: complaints by hour of day (a day's shape: quiet nights, busy mornings and evenings)
_HOURS: Final = np.array([1, 0.5, 0.3, 0.3, 0.3, 0.5, 1.5, 3, 5, 6, 6, 5.5, 5, 5, 5, 5, 5,
                          5.5, 6, 6.5, 6, 5, 3.5, 2])
#: platform faults: element, affects, day, hour, hours to the ETA (all in the last days)
_PLATFORM: Final = (("smsc", ("sms",), 28, 9, 4), ("charging", ("data",), 29, 14, 3),
                    ("in", ("voice", "recharge"), 30, 10, 5))
#: the customer's answers (docs/batch.md: ``answer.<question id>``), to the questions the
#: shipped trees ask
ANSWER_COLUMNS: Final = ("answer.airplane_mode", "answer.sim_works_in_other_phone",
                         "answer.mobile_data_enabled", "answer.apn_manually_changed")
#: the handset of a customer who is asked, drawn per complaint: airplane mode on (by
#: symptom), the mobile-data switch off, the APN changed by hand (with the data switch on),
#: a SIM that has not registered working in another phone
HANDSET: Final[Mapping[str, Any]] = {
    "airplane_mode": {"no_service": 0.6, "cannot_call_out": 0.5, "cannot_receive_calls": 0.5},
    "mobile_data_off": 0.4, "apn_changed": 0.4, "sim_works_elsewhere": 0.5}


def _isotime(seconds: int) -> str:
    """`isotimes` of one time."""
    return str(isotimes(np.array([seconds]))[0])


@dataclass(frozen=True)
class Incident:
    """A planted outage: its alarm's cell, type and time, and the complaints planted at it."""

    cell_id: str
    type: str
    raised_at: str
    complaint_ids: tuple[str, ...]
    customers: int


@dataclass(frozen=True)
class _Planted:
    """An outage being planted: its complaints are `rows` of the rows being assembled."""

    cell_id: str
    type: str
    raised_at: str
    rows: range
    customers: int


@dataclass
class DemoMonth:
    """A generated month: record frames by (source, table) in the CSV layout's columns, the
    complaints frame (time order), and the planted outages (the first is the mass incident)."""

    seed: int
    tables: dict[tuple[str, str], pd.DataFrame]
    complaints: pd.DataFrame
    incidents: list[Incident] = field(default_factory=list)

    def summary(self) -> str:
        """One line: the size of the city and of the month."""
        t = self.tables
        mass = self.incidents[0]
        return (f"demo month seed {self.seed}: {len(t['hlr', 'subscribers'])} subscribers, "
                f"{len(t['coverage', 'cells'])} cells, {len(t['coverage', 'alarms'])} alarms, "
                f"{len(self.complaints)} complaints; mass incident at {mass.cell_id} "
                f"({mass.type} raised {mass.raised_at}, {mass.customers} customers)")


@dataclass
class _Rows:
    """Complaint columns being assembled (arrays of one length)."""

    parts: list[dict[str, np.ndarray]] = field(default_factory=list)

    def add(self, **columns: Any) -> None:
        self.parts.append(columns)

    def frame(self) -> dict[str, np.ndarray]:
        names = {name for part in self.parts for name in part}
        out = {}
        for name in sorted(names):
            arrays = []
            for part in self.parts:
                size = len(part["line"])
                arrays.append(part[name] if name in part else np.full(size, None, object))
            out[name] = np.concatenate(arrays)
        return out


def generate_month(seed: int = 7, complaints: int = 1_000_000, lines: int | None = None,
                   cells: Sequence[Mapping[str, Any]] | None = None) -> DemoMonth:
    """A month of `complaints` complaints from a city of `lines` subscribers (default: one per
    four complaints, at least 2 000) on `cells` (an OpenCelliD export's records,
    `read_opencellid`) or the synthetic network."""
    if complaints < 1000:
        raise ValueError(f"a month holds at least 1000 complaints, got {complaints}")
    lines = max(complaints // 4, 2000) if lines is None else lines
    if lines < 1000:
        raise ValueError(f"a month's city has at least 1000 subscribers, got {lines}")
    rng = np.random.Generator(np.random.PCG64(seed))
    city, background = build_city(rng, seed, lines, cells)
    coverage = _Coverage(city, background)
    rows = _Rows()
    incidents = coverage.outages(rng, rows, complaints)
    coverage.works(rng, rows)
    zones = coverage.zones(rng)
    planted = sum(len(p["line"]) for p in rows.parts)
    _everyday(rng, city, rows, complaints - planted, zones)
    frame, ids = _frame(rng, city, rows)
    named = [Incident(i.cell_id, i.type, i.raised_at, tuple(ids[list(i.rows)]), i.customers)
             for i in incidents]
    tables = dict(city.tables)
    tables.update(coverage.tables())
    return DemoMonth(seed, tables, frame, named)


class _Coverage:
    """The network's records of the month and the places complaints are planted at."""

    def __init__(self, city: City, background: Mapping[str, Any]) -> None:
        self.city = city
        self.cells = city.cells
        self.alarms: list[dict[str, Any]] = []
        self.planned_works: list[dict[str, Any]] = []
        self.gaps = pd.DataFrame(list(background["coverage_gaps"]),
                                 columns=["lat", "lon", "radius_m", "planned_fix", "note"])
        self.samples = pd.DataFrame(list(background["measurements"]),
                                    columns=["lat", "lon", "rsrp_dbm", "sinr_db", "at"])

    def _cell_lines(self, rng: np.random.Generator, cell: int, count: int,
                    healthy: bool) -> np.ndarray:
        """`count` distinct lines to complain at `cell` (homed there when enough are)."""
        pool = self.city.pools["healthy" if healthy else "all"]
        homed = pool[self.city.home_cell[pool] == cell]
        if len(homed) < count:
            extra = pool[rng.choice(len(pool), min(2 * count, len(pool)), replace=False)]
            homed = np.unique(np.concatenate([homed, extra]))
        return np.sort(rng.choice(homed, count, replace=False))

    def _at_cell(self, rng: np.random.Generator, cell: int, count: int) -> np.ndarray:
        c = self.cells.iloc[cell]
        radius = np.full(count, min(float(c["range_m"]) * 0.8, 3000.0))
        return point_in(rng, np.full(count, float(c["lat"])), np.full(count, float(c["lon"])),
                        radius)

    def _register(self, rng: np.random.Generator, cell_id: str, who: np.ndarray) -> None:
        """Make the HLR's last serving cell `cell_id` for the lines `who` (they complain there)
        and for as many again who do not: the customers an incident's proactive notice
        reaches before they call (no shipped tree reads the registration cell)."""
        pool = self.city.pools["healthy"]
        others = pool[~np.isin(pool, who)]
        quiet = rng.choice(others, min(len(who), len(others)), replace=False)
        subscribers = self.city.tables[("hlr", "subscribers")]
        lines = np.concatenate([who, quiet])
        column = subscribers.columns.get_loc("registration.cell_id")
        subscribers.iloc[lines, column] = cell_id

    def outages(self, rng: np.random.Generator, rows: _Rows, total: int) -> list[_Planted]:
        """The mass incident and four smaller outages in the last days, with their complaints;
        platform faults."""
        ranges = self.cells["range_m"].to_numpy(float)
        order = np.argsort(ranges, kind="stable")
        big_enough = order[ranges[order] >= 300]
        ranked = big_enough if len(big_enough) >= 5 else order
        picks = [int(c) for c in ranked[: max(1, min(5, len(ranked)))]]
        out: list[_Planted] = []
        mass = min(max(MASS_MIN, total // 2000), len(self.city.pools["healthy"]) // 2)
        for k, cell in enumerate(picks):
            kind = ("site_down", "power", "transmission")[min(k, 2) if k else 0]
            day, hour = 27 + k % 3, 8 + 2 * k
            raised = (day - 1) * 86400 + hour * 3600 + 20 * 60
            count = mass if k == 0 else int(rng.integers(5, 15))
            who = self._cell_lines(rng, cell, count, healthy=k == 0)
            at = raised + rng.integers(300, 20 * 3600, count)
            symptom = _MASS_CODES[rng.integers(0, len(_MASS_CODES), count)]
            start = sum(len(p["line"]) for p in rows.parts)
            rows.add(line=who, at=np.minimum(at, SNAPSHOT - 60), type=symptom,
                     loc=self._at_cell(rng, cell, count))
            cell_id = str(self.cells["cell_id"].iloc[cell])
            if k == 0:  # the HLR last saw the mass incident's customers, and its neighbours
                self._register(rng, cell_id, who)
            raised_text = _isotime(raised)
            self.alarms.append({
                "element": cell_id, "type": kind, "severity": "critical",
                "raised_at": raised_text,
                "eta": _isotime(raised + (4 + k) * 3600), "affects": None})
            out.append(_Planted(cell_id, kind, raised_text, range(start, start + count),
                                len(set(who.tolist()))))
        for element, affects, day, hour, eta in _PLATFORM:
            raised = (day - 1) * 86400 + hour * 3600
            self.alarms.append({
                "element": element, "type": "platform_fault", "severity": "major",
                "raised_at": _isotime(raised),
                "eta": _isotime(raised + eta * 3600),
                "affects": ";".join(affects)})
        return out

    def works(self, rng: np.random.Generator, rows: _Rows) -> None:
        """Eight planned works over the month (nights and days), a few complaints in each."""
        n = len(self.cells)
        for k in range(8):
            cell = int(rng.integers(0, n))
            day = 2 + 3 * k
            start = day * 86400 + (1 if k % 2 else 9) * 3600
            end = start + (4 if k % 2 else 8) * 3600
            cell_id = str(self.cells["cell_id"].iloc[cell])
            self.planned_works.append({
                "cells": cell_id, "start": _isotime(start),
                "end": _isotime(end),
                "description": ("antenna swap", "BBU upgrade", "transmission cut-over",
                                "power system maintenance")[k % 4]})
            count = int(rng.integers(4, 12))
            who = self._cell_lines(rng, cell, count, healthy=True)
            symptom = _MASS_CODES[rng.integers(0, len(_MASS_CODES), count)]
            rows.add(line=who, at=start + rng.integers(60, end - start, count), type=symptom,
                     loc=self._at_cell(rng, cell, count))

    def zones(self, rng: np.random.Generator) -> np.ndarray:
        """Weak-coverage, interference and gap zones (lat, lon); their samples and gaps."""
        count = 18
        cell = rng.integers(0, len(self.cells), count)
        lat = self.cells["lat"].to_numpy(float)[cell]
        lon = self.cells["lon"].to_numpy(float)[cell]
        radius = np.minimum(self.cells["range_m"].to_numpy(float)[cell] * 0.4, 1500.0)
        centres = point_in(rng, lat, lon, radius)
        kind = np.arange(count) % 3  # weak, interference, gap
        # no background sample within 450 m of a zone: the zone's own samples decide
        if len(self.samples):
            s = self.samples[["lat", "lon"]].to_numpy(float)
            keep = np.ones(len(s), bool)
            for c in centres:
                dy = (s[:, 0] - c[0]) * 111_195.0
                dx = (s[:, 1] - c[1]) * 111_195.0 * np.cos(np.radians(c[0]))
                keep &= dy * dy + dx * dx > 450.0**2
            self.samples = self.samples[keep]
        per = 9
        zone = np.repeat(np.arange(count), per)
        points = point_in(rng, centres[zone, 0], centres[zone, 1], np.full(len(zone), 120.0))
        weak = kind[zone] != 1
        samples = pd.DataFrame({
            "lat": points[:, 0], "lon": points[:, 1],
            "rsrp_dbm": np.where(weak, rng.integers(-126, -112, len(zone)),
                                 rng.integers(-95, -80, len(zone))),
            "sinr_db": np.where(weak, rng.integers(-2, 9, len(zone)),
                                rng.integers(-7, -1, len(zone))),
            "at": isotimes(rng.integers(0, SNAPSHOT, len(zone)))})
        self.samples = (pd.concat([self.samples, samples], ignore_index=True)
                        if len(self.samples) else samples)
        gap = np.flatnonzero(kind == 2)
        fixed = np.arange(len(gap)) % 2 == 0
        gaps = pd.DataFrame({
            "lat": centres[gap, 0], "lon": centres[gap, 1], "radius_m": 400,
            "planned_fix": or_none(fixed, "2027-03-31"),
            "note": np.where(fixed, "new site planned", "site acquisition pending")})
        self.gaps = pd.concat([self.gaps, gaps], ignore_index=True) if len(self.gaps) else gaps
        return centres

    def tables(self) -> dict[tuple[str, str], pd.DataFrame]:
        return {
            ("coverage", "cells"): self.cells,
            ("coverage", "alarms"): pd.DataFrame(self.alarms, columns=[
                "element", "type", "severity", "raised_at", "eta", "affects"]),
            ("coverage", "planned_works"): pd.DataFrame(self.planned_works, columns=[
                "cells", "start", "end", "description"]),
            ("coverage", "coverage_gaps"): self.gaps,
            ("coverage", "measurements"): self.samples.reset_index(drop=True),
        }


def _everyday(rng: np.random.Generator, city: City, rows: _Rows, count: int,
              zones: np.ndarray) -> None:
    """The month's other complaints: symptoms by `MIX`, times by `_HOURS`, complainants with a
    skew (repeat complaints), located ones at home or in a zone."""
    shares = np.array([MIX[s][0] for s in _SYMPTOMS])
    symptom = rng.choice(len(_SYMPTOMS), size=count, p=shares / shares.sum())
    day = rng.integers(0, MONTH_DAYS, count)
    hour = rng.choice(24, size=count, p=_HOURS / _HOURS.sum())
    at = np.minimum(day * 86400 + hour * 3600 + rng.integers(0, 3600, count), SNAPSHOT - 60)
    # a skewed draw over a fixed shuffle of each pool: some customers call again and again
    skew = rng.random(count) ** 1.3
    everyone = city.pools["all"]
    line = everyone[(skew * len(everyone)).astype(np.int64)]
    from_pool = rng.random(count)
    for index, name in enumerate(_SYMPTOMS):
        _, pool_name, share = MIX[name]
        pool = city.pools[pool_name]
        chosen = (symptom == index) & (from_pool < share)
        if share and len(pool):
            line[chosen] = pool[(skew[chosen] * len(pool)).astype(np.int64)]
    located = np.isin(symptom, _LOCATED_CODES)
    loc = np.full((count, 2), np.nan)
    home = point_in(rng, city.home[line, 0], city.home[line, 1], np.full(count, 80.0))
    loc[located] = home[located]
    in_zone = located & (rng.random(count) < 0.1)
    zone = rng.integers(0, len(zones), count)
    near = point_in(rng, zones[zone, 0], zones[zone, 1], np.full(count, 100.0))
    loc[in_zone] = near[in_zone]
    rows.add(line=line, at=at, type=symptom, loc=loc, home=~in_zone)


def _subjects(rng: np.random.Generator, city: City, line: np.ndarray, code: np.ndarray,
              ) -> dict[str, np.ndarray]:
    """The ``subject.*`` columns: the charge, SP service, payment or card a complaint is about."""
    n = len(line)
    out = {name: np.full(n, None, object) for name in (
        "subject.charge_id", "subject.sp_code", "subject.payment_id", "subject.card_serial",
        "subject.number")}
    # a bill dispute names one of the line's charges (its duplicate, when it has one)
    charges = city.charges
    first = np.searchsorted(charges["line"].to_numpy(), np.arange(len(city.msisdn) + 1))
    counts = np.diff(first)
    bill = np.flatnonzero(code == _SYMPTOMS.index("bill_dispute"))
    pick = first[line[bill]] + (rng.random(len(bill)) * counts[line[bill]]).astype(np.int64)
    dup = charges.index[charges["duplicate"]].to_numpy()
    dup_of = np.full(len(city.msisdn), -1)
    dup_of[charges["line"].to_numpy()[dup]] = dup
    has_dup = dup_of[line[bill]] >= 0
    pick = np.where(has_dup & (rng.random(len(bill)) < 0.7), dup_of[line[bill]], pick)
    out["subject.charge_id"][bill] = charges["id"].to_numpy()[pick]
    # an unknown VAS charge names the SP service's charge, and its code half of the time
    vas = np.flatnonzero(code == _SYMPTOMS.index("unknown_vas_charge"))
    by_line = city.vas.drop_duplicates("line").set_index("line")
    known = np.isin(line[vas], by_line.index.to_numpy())
    vas = vas[known]
    rows = by_line.loc[line[vas]]
    out["subject.charge_id"][vas] = rows["charge_id"].to_numpy()
    named = rng.random(len(vas)) < 0.5
    out["subject.sp_code"][vas[named]] = rows["sp_code"].to_numpy()[named]
    # a recharge complaint names a payment (the unposted one first) or a card
    rec = np.flatnonzero(code == _SYMPTOMS.index("recharge_issue"))
    pays = city.payments.sort_values(["line", "posted"], kind="stable").drop_duplicates("line")
    pays = pays.set_index("line")
    cards = city.cards.sort_values(["line", "expired"], ascending=[True, False],
                                   kind="stable").drop_duplicates("line").set_index("line")
    has_card = np.isin(line[rec], cards.index.to_numpy())
    has_pay = np.isin(line[rec], pays.index.to_numpy())
    use_card = has_card & (~has_pay | (rng.random(len(rec)) < 0.5))
    out["subject.card_serial"][rec[use_card]] = cards.loc[line[rec[use_card]], "serial"].to_numpy()
    use_pay = has_pay & ~use_card
    out["subject.payment_id"][rec[use_pay]] = pays.loc[line[rec[use_pay]], "id"].to_numpy()
    spam = np.flatnonzero(code == _SYMPTOMS.index("spam_harassment"))
    numbers = np.char.add("861", np.char.zfill(rng.integers(0, 10**10, len(spam)).astype(str),
                                               10))
    numbers = or_none(rng.random(len(spam)) < 0.8, numbers)
    out["subject.number"][spam] = numbers
    return out


def _texts(rng: np.random.Generator, code: np.ndarray) -> np.ndarray:
    """A customer's words for each complaint (a template of its symptom with a place)."""
    out = np.empty(len(code), object)
    for index, symptom in enumerate(_SYMPTOMS):
        templates = TEXTS[symptom]
        where = np.flatnonzero(code == index)
        if not len(where):
            continue
        variants = np.array([t.format(p=p) for t in templates for p in PLACES], object)
        out[where] = variants[rng.integers(0, len(variants), len(where))]
    return out


def _frame(rng: np.random.Generator, city: City, rows: _Rows) -> tuple[pd.DataFrame, np.ndarray]:
    """The complaints frame in time order (ids numbered in it; the complaints frame's columns,
    then the answer columns), and each planted row's id."""
    cols = rows.frame()
    line = cols["line"].astype(np.int64)
    at = cols["at"].astype(np.int64)
    code = cols["type"].astype(np.int64)
    loc = np.asarray(cols["loc"], float)
    n = len(line)
    order = np.lexsort((line, at))
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)
    ids = np.char.add("M202611-", np.char.zfill((rank + 1).astype(str), 7)).astype(object)
    subjects = _subjects(rng, city, line, code)
    channel = np.array(CHANNELS, object)[rng.choice(len(CHANNELS), size=n, p=_CHANNEL_P)]
    role = np.where(rng.random(n) < 0.05, "supervisor", "agent").astype(object)
    located = np.isin(code, _LOCATED_CODES)
    lat = np.where(located, loc[:, 0], np.nan)
    lon = np.where(located, loc[:, 1], np.nan)
    frame = pd.DataFrame({
        "id": ids, "type": np.array(_SYMPTOMS, object)[code],
        "msisdn": city.msisdn.astype(object)[line],
        "channel": channel, "text": _texts(rng, code), "reported_at": isotimes(at).astype(object),
        "location.lat": pd.array(lat, dtype="Float64"),
        "location.lon": pd.array(lon, dtype="Float64"), **subjects, "agent_role": role,
        "incident.distinct_customers_24h": pd.arrays.IntegerArray(
            np.zeros(n, np.int64), np.ones(n, bool)),
        **_answers(rng, city, line, code, at, np.asarray(cols["home"]).astype(bool)),
        "_line": line, "_at": at})
    frame = frame.iloc[order].reset_index(drop=True)
    frame["history"] = _history(frame)
    return frame[[*COMPLAINT_COLUMNS, *ANSWER_COLUMNS]], ids


def _answers(rng: np.random.Generator, city: City, line: np.ndarray, code: np.ndarray,
             at: np.ndarray, home: np.ndarray) -> dict[str, pd.arrays.BooleanArray]:
    """The answer columns: the answers of the customers asked (see the module), NA for the
    rest."""
    n = len(line)
    noise = city.noise[line]
    fit = (noise == 0) | (noise == NOISE.index("stale"))
    subscribers = city.tables[("hlr", "subscribers")]
    # a SIM not registered: its line's last update more than 24 h before the complaint
    last = (pd.to_datetime(subscribers["registration.last_update"].str.slice(0, 19))
            - MONTH_START).dt.total_seconds().to_numpy(np.int64)
    stale = (noise == NOISE.index("stale")) & (at - last[line] > 86400)
    volte = ~np.isin(line, city.pools["no_volte"])
    forwarding = np.isin(line, city.pools["forwarding"])
    data = (subscribers["services.data"].to_numpy() == "true")[line]
    symptom = np.array(_SYMPTOMS, object)[code]
    asked = home & fit
    service = asked & (symptom == "no_service")
    calls = asked & volte & ((symptom == "cannot_call_out")
                             | ((symptom == "cannot_receive_calls") & ~forwarding))
    no_data = asked & data & (symptom == "no_data")
    share = np.zeros(n)
    for name, p in HANDSET["airplane_mode"].items():
        share[symptom == name] = p
    airplane = rng.random(n) < share
    data_on = rng.random(n) >= HANDSET["mobile_data_off"]
    apn = rng.random(n) < HANDSET["apn_changed"]
    works = rng.random(n) < HANDSET["sim_works_elsewhere"]
    sim_asked = (service | (calls & (symptom == "cannot_call_out"))) & stale & ~airplane

    def column(values: np.ndarray, given: np.ndarray) -> pd.arrays.BooleanArray:
        return pd.arrays.BooleanArray(values & given, ~given)

    return {"answer.airplane_mode": column(airplane, service | calls),
            "answer.sim_works_in_other_phone": column(works, sim_asked),
            "answer.mobile_data_enabled": column(data_on, no_data),
            "answer.apn_manually_changed": column(apn, no_data & data_on)}


def _history(frame: pd.DataFrame) -> np.ndarray:
    """Each complaint's earlier complaints of the month by the same customer (the last
    `HISTORY_KEPT`, oldest first) as JSON text; None for a first complaint. The frame is in
    time order, so a stable sort by customer keeps each customer's complaints in order."""
    by = np.argsort(frame["_line"].to_numpy(), kind="stable")
    line = frame["_line"].to_numpy()[by]
    items = [f'{{"id": "{i}", "at": "{a}", "type": "{t}"}}' for i, a, t in zip(
        frame["id"].to_numpy(object)[by].tolist(),
        frame["reported_at"].to_numpy(object)[by].tolist(),
        frame["type"].to_numpy(object)[by].tolist(), strict=True)]
    first = np.r_[True, line[1:] != line[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(line)), 0))
    low = np.maximum(group_start, np.arange(len(line)) - HISTORY_KEPT).tolist()
    texts = [None if lo == i else "[" + ", ".join(items[lo:i]) + "]"
             for i, lo in enumerate(low)]
    out = np.empty(len(line), object)
    out[by] = texts
    return out
