"""Planting the causes decided by the complaint's subject (SP subscriptions, charges, payments,
recharge cards), the service causes, and the two ``unknown`` outcomes.

The subject is the one record the complaint names (``complaint.subject``); the planter creates
that record with exactly the property of its cause (docs/sources.md): an SP subscription with or
without a replied confirmation, a duplicate charge or one above the plan's rate, a correctly
rated charge, an unposted payment, a card expired within its 180-day grace period.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Final

from ._cases import Ctx, Draft
from ._model import Record, iso
from ._plant_line import bar, set_device
from ._subscribers import PLANS, SP_SERVICES, Line

__all__ = ["BILLING_PLANTERS"]


def _sp(ctx: Ctx, d: Draft, *, confirmed: bool, replied: bool = True) -> tuple[str, list[Record]]:
    """A new SP subscription (unlike the line's others) charged in both cycles."""
    taken = {s["sp_code"] for s in d.line.account["vas_subscriptions"]}
    sp_code, service, fee = ctx.rng.choice([s for s in SP_SERVICES if s[0] not in taken])
    subscribed = d.reported_at - _dt.timedelta(days=ctx.rng.randrange(20, 150),
                                               minutes=ctx.rng.randrange(1440))
    confirmation = None
    if confirmed or not replied:
        sent = subscribed + _dt.timedelta(seconds=ctx.rng.randrange(3, 40))
        reply = sent + _dt.timedelta(minutes=ctx.rng.randrange(1, 30)) if confirmed else None
        confirmation = {"sent_at": iso(sent), "replied_at": None if reply is None else iso(reply)}
    d.line.account["vas_subscriptions"].append({
        "sp_code": sp_code, "service": service, "monthly_fee": fee, "status": "active",
        "subscribed_at": iso(subscribed), "channel": ctx.rng.choice(("sms", "web", "app")),
        "confirmation": confirmation})
    charges = [d.line.charge(cycle=cycle, kind="vas", item=service, amount=fee, sp_code=sp_code)
               for cycle in ("2026-10", "2026-11")]
    return sp_code, charges


def vas_subscription(ctx: Ctx, d: Draft) -> None:
    confirmed = d.cause == "vas.confirmed_subscription"
    ctx.place(d)
    sp_code, charges = _sp(ctx, d, confirmed=confirmed, replied=d.variant != "sent_no_reply")
    if d.variant == "duplicate":
        first = charges[-1]
        charges.append(d.line.charge(**{k: v for k, v in first.items() if k != "id"}))
        d.note("the SP fee is charged twice this cycle (the SP subscription comes first)")
    if d.symptom == "unknown_vas_charge" and d.variant == "sp":
        d.subject["sp_code"] = sp_code
    else:
        d.subject["charge_id"] = charges[-1]["id"]
    d.answers["requested_subscription"] = confirmed and ctx.rng.random() < 0.5
    d.answers["recognizes_usage"] = False
    state = ("confirmation sent, never replied" if d.variant == "sent_no_reply"
             else "with a replied 二次确认" if confirmed else "without any 二次确认")
    d.note(f"active SP subscription {sp_code} {state}")


def _usage(ctx: Ctx, line: Line, cycle: str = "2026-11", *, unit: str | None = None,
           ref: bool = True) -> dict[str, Any]:
    """Fields of a correctly rated usage charge (amount = quantity × the plan's rate)."""
    plan = PLANS[line.account["plan"]["code"]]
    unit = unit or ctx.rng.choice(("mb", "min"))
    item, rate, quantity = {
        "mb": ("data", plan.data_per_mb, ctx.rng.randrange(50, 900)),
        "min": ("voice", plan.voice_per_min, ctx.rng.randrange(20, 300)),
        "sms": ("sms", plan.sms_each, ctx.rng.randrange(10, 200)),
    }[unit]
    fields: dict[str, Any] = {"cycle": cycle, "kind": "usage", "item": item,
                              "quantity": quantity, "unit": unit,
                              "amount": round(quantity * rate, 2)}
    if ref:
        fields["usage_ref"] = f"u-{ctx.rng.randrange(10**6):06d}"
    return fields


def _rental(line: Line, cycle: str = "2026-11") -> Record:
    return next(c for c in line.account["charges"] if c["kind"] == "rental" and c["cycle"] == cycle)


def rating_error(ctx: Ctx, d: Draft) -> None:
    ctx.place(d)
    line = d.line
    if d.variant in ("duplicate_ref", "duplicate_qty"):
        fields = _usage(ctx, line, ref=d.variant == "duplicate_ref")
        line.charge(**fields)
        subject = line.charge(**fields)
        how = "same usage_ref" if d.variant == "duplicate_ref" else "same quantity, no usage_ref"
        d.note(f"usage charge billed twice ({how}): refund {subject['amount']}")
    elif d.variant == "rental":
        subject = _rental(line)
        subject["amount"] = line.plan.monthly_fee + ctx.rng.choice((10, 20, 30, 70))
        d.note(f"monthly fee charged {subject['amount']} on a {line.plan.monthly_fee} plan")
    else:
        fields = _usage(ctx, line, unit="mb")
        rated = fields["amount"]
        factor = ctx.rng.choice((1.5, 2, 3)) if ctx.rng.random() < 0.7 else 8
        fields["amount"] = round(rated * factor + 0.37, 2)
        subject = line.charge(**fields)
        d.note(f"data charged {subject['amount']} for {fields['quantity']} MB, rated {rated}")
    d.subject["charge_id"] = subject["id"]
    d.answers["recognizes_usage"] = d.variant == "rental"
    if d.variant == "down_hlr":
        d.down.append("hlr")
        d.note("HLR down (not needed for a bill dispute)")


def charge_confirmed(ctx: Ctx, d: Draft) -> None:
    ctx.place(d)
    if d.variant == "rental":
        subject = _rental(d.line)
        d.note("the monthly fee, as the plan says")
    else:
        unit = "sms" if d.variant == "sms" else None
        subject = d.line.charge(**_usage(ctx, d.line, unit=unit))
        d.note(f"usage charge {subject['amount']} = {subject['quantity']} {subject['unit']} "
               "at the plan's rate, no duplicate")
    d.subject["charge_id"] = subject["id"]
    d.answers["recognizes_usage"] = d.variant != "not_recognized"


def _payment(ctx: Ctx, d: Draft, *, posted: bool) -> None:
    paid = d.reported_at - _dt.timedelta(minutes=ctx.rng.randrange(60, 3 * 24 * 60))
    pid = f"p{ctx.rng.randrange(10**7):07d}"
    d.line.account["payments"].append({
        "id": pid, "amount": ctx.rng.choice((30, 50, 100, 200)),
        "channel": ctx.rng.choice(("app", "wechat", "alipay", "bank")), "at": iso(paid),
        "posted": posted})
    d.subject["payment_id"] = pid
    d.note(f"payment {pid} {'posted' if posted else 'not posted'}")


def _card(ctx: Ctx, d: Draft, days_expired: int) -> None:
    serial = f"{ctx.rng.randrange(10**16, 10**17)}"
    expires = d.reported_at.date() - _dt.timedelta(days=days_expired)
    d.line.account["recharge_cards"].append({
        "serial": serial, "value": ctx.rng.choice((30, 50, 100)), "expires_on": iso(expires),
        "used": False})
    d.subject["card_serial"] = serial
    d.note(f"recharge card expired on {expires} ({days_expired} days before the report)")


def payment_not_posted(ctx: Ctx, d: Draft) -> None:
    ctx.place(d)
    _payment(ctx, d, posted=False)
    if d.variant == "down_hlr":
        d.down.append("hlr")
        d.note("HLR down (not needed for a recharge issue)")


def recharge_card_expired(ctx: Ctx, d: Draft) -> None:
    ctx.place(d)
    _card(ctx, d, ctx.rng.randrange(3, 171))


def staff_conduct(ctx: Ctx, d: Draft) -> None:
    ctx.place(d)
    d.note("staff behaviour complaint")
    if d.variant == "arrears":
        bar(d.line, "all_outgoing", "arrears", billing=True)
        d.note("the line is barred for arrears too (the symptom decides)")


def spam_reported(ctx: Ctx, d: Draft) -> None:
    ctx.place(d)
    prefix = ctx.rng.choice(("86170", "86171", "86165", "86731"))
    number = prefix + f"{ctx.rng.randrange(10**8):08d}"
    d.subject["number"] = number
    d.note(f"spam from {number}")
    if d.variant == "down_billing":
        d.down.append("billing")
        d.note("billing down (not needed)")


def needs_investigation(ctx: Ctx, d: Draft) -> None:
    """A healthy line with no evidence, or evidence that does not apply to the symptom."""
    v, rng = d.variant, ctx.rng
    spot = ctx.spot(v) if v in ("interference", "congestion") else None
    lte = {"novolte_lte": True, "novolte_legacy": False}.get(v)
    ctx.place(d, spot=spot, lte_nr_only=lte, plan="BASIC-18" if v == "no_throttle" else None)
    line, sub = d.line, d.line.sub
    d.note("healthy line, no evidence" if not v else f"no applicable evidence ({v})")
    if lte is not None:
        set_device(ctx, line, volte=False, nr=False)
    if v == "incoming_barred":
        bar(line, "all_incoming", "fraud")
    elif v == "roaming_barred":
        bar(line, "roaming", "customer_request")
    elif v == "premium_sms":
        bar(line, "premium_sms", "customer_request")
    elif v == "operator_barred":
        sub["status"] = "operator_barred"
    elif v == "no_throttle":
        line.account["plan"]["data_used_mb"] = line.account["plan"]["data_quota_mb"] + 300
    elif v == "indoor":
        d.answers["indoor_only"] = True
    elif v == "suspended":
        sub["number_state"] = "suspended"
        sub["suspended_since"] = iso(d.reported_at.date() - _dt.timedelta(days=40))
    elif v == "posted":
        _payment(ctx, d, posted=True)
    elif v == "card_old":
        _card(ctx, d, rng.randrange(200, 400))
    elif v == "no_charge":
        d.subject["charge_id"] = f"c{line.next_charge + 40}"
    if d.symptom == "roaming_failure":
        sub["services"]["roaming"] = True
        sub["registration"]["roaming_plmn"] = rng.choice(("45400", "44010"))


def data_unavailable(ctx: Ctx, d: Draft) -> None:
    """A healthy line whose needed source is down (the evidence it hides, if any, is planted)."""
    ctx.place(d)
    d.down.append(d.variant)
    d.note(f"{d.variant} down; the line is otherwise healthy")
    if d.symptom == "bill_dispute":
        d.subject["charge_id"] = _rental(d.line)["id"]
    elif d.symptom == "recharge_issue":
        _payment(ctx, d, posted=False)
    elif d.symptom == "unknown_vas_charge":
        d.subject["sp_code"] = _sp(ctx, d, confirmed=False)[0]
    elif d.symptom == "roaming_failure":
        d.line.sub["registration"]["roaming_plmn"] = "45400"


BILLING_PLANTERS: Final = {
    "vas.unconfirmed_subscription": vas_subscription,
    "vas.confirmed_subscription": vas_subscription,
    "billing.rating_error": rating_error,
    "billing.charge_confirmed": charge_confirmed,
    "billing.payment_not_posted": payment_not_posted,
    "billing.recharge_card_expired": recharge_card_expired,
    "service.staff_conduct": staff_conduct,
    "service.spam_reported": spam_reported,
    "unknown.needs_investigation": needs_investigation,
    "unknown.data_unavailable": data_unavailable,
}
