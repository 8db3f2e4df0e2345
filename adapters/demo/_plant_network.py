"""Planting the network's causes: site outages, planned works, coverage gaps, weak coverage,
interference, congestion and platform faults.

Location causes put the complaint at a spot of that kind (`_network`): the spot's own cell,
alarm, works, gap or samples are the only network anomaly within reach, so the complaint sees
exactly that evidence. Platform faults are global: they are raised on 21 Nov, and only the
complaints planted as platform faults are reported after them (`Ctx.place`).
"""

from __future__ import annotations

import datetime as _dt
from typing import Final

from ._cases import Ctx, Draft
from ._network import PLATFORM_RAISED
from ._plant_line import bar, set_device, stale_registration

__all__ = ["NETWORK_PLANTERS"]


def site_outage(ctx: Ctx, d: Draft) -> None:
    spot = ctx.spot("outage")
    ctx.place(d, spot=spot)
    d.note(f"critical alarm on serving cell {spot.cell_id} raised before the report")
    if d.variant == "arrears":
        bar(d.line, "all_outgoing", "arrears", billing=True)
        d.note("the line is also barred for arrears (for no_service the outage comes first)")
    elif d.variant == "mass":
        d.incident = ctx.rng.randrange(20, 60)
        d.note(f"mass incident: {d.incident} customers in 24 h")
    elif d.variant == "volte":
        model = set_device(ctx, d.line, volte=False, nr=False)
        d.note(f"{model} lacks VoLTE too (the outage comes first)")


def planned_works(ctx: Ctx, d: Draft) -> None:
    spot = ctx.spot("works")
    ctx.place(d, spot=spot)
    d.note(f"planned works on serving cell {spot.cell_id} cover the reported time")
    if d.variant == "sim":
        stale_registration(ctx, d)
        d.note("(the works come before the SIM)")


def known_coverage_gap(ctx: Ctx, d: Draft) -> None:
    ctx.place(d, spot=ctx.spot("gap"))
    d.note("inside a registered coverage gap (samples weak too)")


def weak_coverage(ctx: Ctx, d: Draft) -> None:
    plan = ctx.rng.choice(("5G-128", "5G-198")) if d.variant == "nr" else None
    ctx.place(d, spot=ctx.spot("weak"), plan=plan)
    d.note("median RSRP near the location below -110 dBm, no registered gap")
    if d.variant == "airplane":
        d.answers["airplane_mode"] = True
        d.note("the customer says airplane mode is on (system evidence comes first)")
    elif d.variant == "nr":
        set_device(ctx, d.line, volte=True, nr=False)
        d.note("5G plan on a phone without NR (radio comes first)")


def interference(ctx: Ctx, d: Draft) -> None:
    legacy = True if d.variant == "legacy_novolte" else None
    ctx.place(d, spot=ctx.spot("interference", legacy=legacy),
              lte_nr_only=False if legacy else None)
    d.note("median RSRP >= -100 dBm but median SINR < 0 dB near the location")
    if legacy:
        model = set_device(ctx, d.line, volte=False, nr=False)
        d.note(f"{model} lacks VoLTE but GSM/UMTS serve the location (not a VoLTE case)")


def congestion(ctx: Ctx, d: Draft) -> None:
    spot = ctx.spot("congestion")
    ctx.place(d, spot=spot)
    d.note(f"serving cell {spot.cell_id} at busy-hour PRB utilisation >= 0.85")


def platform_fault(ctx: Ctx, d: Draft) -> None:
    if d.variant == "outage":
        when = PLATFORM_RAISED["data"] + _dt.timedelta(minutes=ctx.rng.randrange(20, 400))
        ctx.place(d, spot=ctx.spot("outage"), when=when)
        d.note("a site outage at the location too (the platform fault comes first)")
    else:
        ctx.place(d)
    d.note(f"open platform fault affecting {d.symptom} raised before the report")
    if d.variant == "settings":
        d.answers["mobile_data_enabled"] = False
        d.note("the customer says mobile data is off (the platform fault comes first)")


NETWORK_PLANTERS: Final = {
    "network.site_outage": site_outage,
    "network.planned_works": planned_works,
    "network.known_coverage_gap": known_coverage_gap,
    "network.weak_coverage": weak_coverage,
    "network.interference": interference,
    "network.congestion": congestion,
    "support.platform_fault": platform_fault,
}
