"""Planting the line's own causes: barring, number state, provisioning, roaming, forwarding,
device capability, settings, SIM and quota (docs/taxonomy.md §3, §3a).

Each planter places its draft (a healthy line, see `Ctx.place`) and then edits only the records
that evidence its cause; the variants named in `_plan` add a deliberate second signal whose
precedence the description states.
"""

from __future__ import annotations

import datetime as _dt
from typing import Final

from ._cases import Ctx, Draft
from ._model import iso
from ._network import PLATFORM_RAISED
from ._subscribers import Line

__all__ = ["LINE_PLANTERS", "bar", "set_device", "stale_registration"]

_ROAMING_PLMNS: Final = ("45400", "44010", "45412", "52001", "40410", "23415")


def bar(line: Line, category: str | None, reason: str, *, billing: bool = False) -> None:
    """Bar the line: an ODB entry (when `category`) and/or a suspended account."""
    if category is not None:
        line.sub["status"] = "operator_barred"
        line.sub["odb"].append({"category": category, "reason": reason})
    if billing:
        line.account["status"] = "suspended"
        line.account["suspended_reason"] = reason
        if reason == "arrears":
            owed = round(line.account["plan"]["monthly_fee"] * 0.6 + 7.35, 2)
            line.account["balance"] = -owed
            line.account["overdue_amount"] = owed


def set_device(ctx: Ctx, line: Line, *, volte: bool, nr: bool) -> str:
    """Give the line a device of these capabilities (its TAC is in the database); its model."""
    device = ctx.pop.device(ctx.rng, volte=volte, nr=nr)
    line.sub["imei"] = device["tac"] + line.sub["imei"][8:]
    if not nr:
        line.sub["registration"]["rat"] = "LTE"
    return str(device["model"])


def stale_registration(ctx: Ctx, d: Draft, *, never: bool = False) -> None:
    """The SIM has not registered: state never, or a last update 26 h–6 days before the report."""
    reg = d.line.sub["registration"]
    if never:
        reg.update({"state": "never", "last_update": None, "rat": None, "cell_id": None})
        d.note("SIM never registered")
        return
    hours = ctx.rng.randrange(26, 6 * 24)
    reg["state"] = ctx.rng.choice(("detached", "registered"))
    reg["last_update"] = iso(d.reported_at - _dt.timedelta(hours=hours))
    d.note(f"last registration {hours} h before the report")


def _roaming_abroad(ctx: Ctx, d: Draft) -> None:
    d.line.sub["registration"]["roaming_plmn"] = ctx.rng.choice(_ROAMING_PLMNS)


def number_recycled(ctx: Ctx, d: Draft) -> None:
    ctx.place(d)
    sub = d.line.sub
    since = d.reported_at.date() - _dt.timedelta(days=ctx.rng.randrange(95, 240))
    sub.update({"number_state": "reclaimed", "suspended_since": iso(since),
                "status": "deleted" if d.variant == "deleted" else "operator_barred"})
    sub["registration"].update({"state": "detached", "last_update": f"{since}T10:00:00+08:00"})
    d.line.account.update({"status": "terminated", "balance": 0})
    d.note(f"number reclaimed, suspended since {since}")
    if d.variant == "deleted":
        d.note("HLR status deleted too (number_recycled comes before not-provisioned)")
    if d.variant == "arrears":
        bar(d.line, "all_outgoing", "arrears", billing=True)
        d.note("also an arrears barring (number_recycled comes first)")


def suspended_arrears(ctx: Ctx, d: Draft) -> None:
    spot = ctx.spot("outage") if d.variant == "outage" else None
    ctx.place(d, spot=spot)
    category = {"all": "all", "billing_only": None}.get(d.variant, "all_outgoing")
    bar(d.line, category, "arrears", billing=True)
    d.note(f"arrears: account suspended{'' if category is None else ', ODB ' + category}")
    if d.symptom == "roaming_failure":
        _roaming_abroad(ctx, d)
    if d.variant == "no_roaming":
        d.line.sub["services"]["roaming"] = False
        d.note("roaming not provisioned either (barring comes first)")
    if spot is not None:
        d.note(f"a site outage at the location too (barring comes first for {d.symptom})")


def barred_real_name(ctx: Ctx, d: Draft) -> None:
    when = None
    if d.variant == "smsc":
        when = PLATFORM_RAISED["sms"] + _dt.timedelta(minutes=ctx.rng.randrange(20, 300))
    ctx.place(d, when=when)
    if d.variant == "billing_only":
        bar(d.line, None, "real_name", billing=True)
        d.note("account suspended for real-name verification (no ODB)")
    else:
        bar(d.line, "all", "real_name")
        d.note("ODB all, reason real_name")
    if d.symptom == "roaming_failure":
        _roaming_abroad(ctx, d)
    if when is not None:
        d.note("an SMSC platform fault is open too (barring comes first)")


def barred_other(ctx: Ctx, d: Draft) -> None:
    ctx.place(d)
    if d.variant == "customer_request":
        bar(d.line, "all_outgoing", "customer_request", billing=True)
        d.note("suspended at the customer's request (报停)")
    elif d.variant == "forwarding":
        bar(d.line, "all_incoming", "fraud")
        d.line.sub["call_forwarding"]["unconditional"] = "8613907310000"
        d.note("ODB all_incoming for fraud, and unconditional forwarding (barring comes first)")
    else:
        bar(d.line, "all", "fraud")
        d.note("ODB all, reason fraud")
    if d.symptom == "roaming_failure":
        _roaming_abroad(ctx, d)


_NEEDS: Final = {"cannot_call_out": "voice", "no_data": "data", "sms_failure": "sms"}


def service_not_provisioned(ctx: Ctx, d: Draft) -> None:
    ctx.place(d)
    sub = d.line.sub
    if d.symptom == "no_service":
        if d.variant == "missing":
            d.line.in_hlr = False
            d.note("MSISDN missing from the HLR (account active)")
            return
        sub["status"] = "not_provisioned" if d.variant == "not_provisioned" else "deleted"
        sub["registration"].update({"state": "never", "last_update": None, "rat": None,
                                    "cell_id": None})
        d.note(f"HLR status {sub['status']}")
        return
    service = _NEEDS[d.symptom]
    sub["services"][service] = False
    d.note(f"plan includes {service}, HLR profile lacks it")
    if d.variant == "sim":
        stale_registration(ctx, d)
        d.note("(provisioning comes before the SIM)")


def roaming_not_enabled(ctx: Ctx, d: Draft) -> None:
    ctx.place(d)
    _roaming_abroad(ctx, d)
    if d.variant == "odb":
        d.line.sub["services"]["roaming"] = True
        bar(d.line, "roaming", ctx.rng.choice(("customer_request", "fraud")))
        d.note("roaming provisioned but barred by ODB roaming")
    else:
        d.line.sub["services"]["roaming"] = False
        d.note("roaming not provisioned")
    if d.variant == "down_coverage":
        d.down.append("coverage")
        d.note("coverage down (not needed for roaming)")


def call_forwarding_active(ctx: Ctx, d: Draft) -> None:
    ctx.place(d)
    target = "86" + ctx.rng.choice(("139", "138", "150")) + f"{ctx.rng.randrange(10**8):08d}"
    d.line.sub["call_forwarding"]["unconditional"] = target
    d.note(f"unconditional forwarding to {target}")
    if d.variant == "airplane":
        d.answers["airplane_mode"] = True
        d.note("the customer also says airplane mode is on (forwarding comes first)")


def volte_unsupported(ctx: Ctx, d: Draft) -> None:
    spot = ctx.spot("weak", legacy=False) if d.variant == "weak" else None
    ctx.place(d, spot=spot, lte_nr_only=True)
    model = set_device(ctx, d.line, volte=False, nr=False)
    d.note(f"{model} without VoLTE on an LTE/NR-only location")
    if spot is not None:
        d.note("coverage is weak there too (VoLTE comes first)")
    if d.variant == "airplane":
        d.answers["airplane_mode"] = True
        d.note("the customer also says airplane mode is on (the device capability comes first)")


def nr_unsupported(ctx: Ctx, d: Draft) -> None:
    ctx.place(d, plan=ctx.rng.choice(("5G-128", "5G-198")))
    model = set_device(ctx, d.line, volte=True, nr=False)
    d.note(f"5G plan, {model} without NR")


def quota_throttled(ctx: Ctx, d: Draft) -> None:
    kind = {"congestion": "congestion", "weak": "weak"}.get(d.variant)
    spot = ctx.spot(kind) if kind else None
    plans = ("5G-128", "5G-198") if d.variant == "nr" else ("4G-38", "4G-58", "5G-128")
    ctx.place(d, spot=spot, plan=ctx.rng.choice(plans))
    exhaust_quota(ctx, d.line)
    d.note(f"quota of {d.line.plan.code} used up, throttled after quota")
    if spot is not None:
        d.note(f"a {kind} spot too (the quota comes first)")
    if d.variant == "nr":
        set_device(ctx, d.line, volte=True, nr=False)
        d.note("the device lacks NR too (the quota comes first)")


def exhaust_quota(ctx: Ctx, line: Line) -> None:
    plan = line.account["plan"]
    plan["data_used_mb"] = plan["data_quota_mb"] + ctx.rng.randrange(0, 2500)


def settings(ctx: Ctx, d: Draft) -> None:
    ctx.place(d)
    if d.variant == "data_off":
        d.answers["mobile_data_enabled"] = False
        d.note("customer: the mobile-data switch is off")
    elif d.variant == "apn":
        d.answers["apn_manually_changed"] = True
        d.note("customer: the APN was changed by hand")
    else:
        d.answers["airplane_mode"] = True
        d.note("customer: airplane mode is on")
    if d.variant == "airplane_sim":
        stale_registration(ctx, d)
        d.note("(settings come before the SIM)")


def sim_fault(ctx: Ctx, d: Draft) -> None:
    ctx.place(d)
    stale_registration(ctx, d, never=d.variant == "never")
    d.answers["sim_works_in_other_phone"] = False


LINE_PLANTERS: Final = {
    "subscriber.number_recycled": number_recycled,
    "billing.suspended_arrears": suspended_arrears,
    "subscriber.barred_real_name": barred_real_name,
    "subscriber.barred_other": barred_other,
    "support.service_not_provisioned": service_not_provisioned,
    "subscriber.roaming_not_enabled": roaming_not_enabled,
    "subscriber.call_forwarding_active": call_forwarding_active,
    "device.volte_unsupported": volte_unsupported,
    "device.nr_unsupported": nr_unsupported,
    "product.quota_throttled": quota_throttled,
    "device.settings": settings,
    "device.sim_fault": sim_fault,
}
