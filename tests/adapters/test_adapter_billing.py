"""Billing adapter: duplicates, rating, refunds, SP subscriptions, payments, cards, dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from adapter_support import ACCOUNT, CUSTOMER, billing, complaint, with_

C1 = {"id": "c1", "cycle": "2026-10", "kind": "usage", "item": "data", "quantity": 100,
      "unit": "mb", "amount": 29, "usage_ref": "u-1"}


def _charges(*charges: dict[str, Any], subject: str = "c1", **plan: Any) -> dict[str, Any]:
    account = with_(ACCOUNT, charges=list(charges))
    account["plan"].update(plan)
    return billing(complaint("bill_dispute", subject={"charge_id": subject}), accounts=[account])


def test_single_charge_at_rate() -> None:
    facts = _charges(C1)
    assert facts["billing.charge.found"] is True
    assert facts["billing.charge.kind"] == "usage"
    assert facts["billing.charge.duplicate_count"] == 1
    assert facts["billing.charge.is_duplicate"] is False
    assert facts["billing.charge.rated_amount"] == 29.0
    assert facts["billing.charge.above_rate"] is False
    assert facts["billing.charge.refund_amount"] == 0


def test_usage_duplicate_by_equal_usage_ref() -> None:
    facts = _charges(C1, with_(C1, id="c2"), with_(C1, id="c3"))
    assert facts["billing.charge.duplicate_count"] == 3
    assert facts["billing.charge.is_duplicate"] is True
    assert facts["billing.charge.refund_amount"] == 58.0


def test_usage_different_refs_are_not_duplicates() -> None:
    facts = _charges(C1, with_(C1, id="c2", usage_ref="u-2"))
    assert facts["billing.charge.duplicate_count"] == 1


def test_usage_without_both_refs_compares_quantity() -> None:
    same = with_(C1, id="c2", usage_ref=None)
    assert _charges(C1, same)["billing.charge.duplicate_count"] == 2
    other_quantity = with_(C1, id="c2", usage_ref=None, quantity=99)
    assert _charges(C1, other_quantity)["billing.charge.duplicate_count"] == 1
    neither = with_(C1, usage_ref=None)
    assert _charges(neither, with_(neither, id="c2"))["billing.charge.duplicate_count"] == 2


@pytest.mark.parametrize("change", [{"cycle": "2026-09"}, {"item": "voice"}, {"amount": 29.01},
                                    {"kind": "other"}])
def test_not_duplicate_when_a_key_differs(change: dict[str, Any]) -> None:
    assert _charges(C1, with_(C1, id="c2", **change))["billing.charge.duplicate_count"] == 1


def test_non_usage_duplicates_ignore_quantity_and_ref() -> None:
    rental = {"id": "c1", "cycle": "2026-10", "kind": "rental", "item": "monthly fee",
              "amount": 58}
    facts = _charges(rental, with_(rental, id="c2", usage_ref="x"), with_(rental, id="c3"))
    assert facts["billing.charge.duplicate_count"] == 3
    assert facts["billing.charge.refund_amount"] == 116.0


def test_amount_equality_int_vs_float() -> None:
    facts = _charges(C1, with_(C1, id="c2", amount=29.0))
    assert facts["billing.charge.duplicate_count"] == 2


@pytest.mark.parametrize(("amount", "above"), [
    (29.01, False),   # exactly 0.01 over: not above
    (29.0, False),
    (29.02, True),
    (29.011, True),
    (28.5, False),
])
def test_usage_above_rate_tolerance(amount: float, above: bool) -> None:
    facts = _charges(with_(C1, amount=amount))  # 100 MB × 0.29 = 29.00
    assert facts["billing.charge.above_rate"] is above
    expected_refund = round(amount - 29.0, 2) if above else 0
    assert facts["billing.charge.refund_amount"] == pytest.approx(expected_refund, abs=1e-9)


@pytest.mark.parametrize(("unit", "quantity", "rated"), [
    ("mb", 100, 29.0), ("min", 7, 1.05), ("sms", 3, 0.3), ("mb", 3.333, 0.97),
])
def test_rated_amount_by_unit(unit: str, quantity: float, rated: float) -> None:
    facts = _charges(with_(C1, unit=unit, quantity=quantity, amount=rated))
    assert facts["billing.charge.rated_amount"] == rated
    assert facts["billing.charge.above_rate"] is False


@pytest.mark.parametrize(("amount", "above"), [(58.01, False), (58.02, True), (58, False)])
def test_rental_above_rate(amount: float, above: bool) -> None:
    rental = {"id": "c1", "cycle": "2026-10", "kind": "rental", "item": "monthly fee",
              "amount": amount}
    facts = _charges(rental)
    assert facts["billing.charge.rated_amount"] == 58
    assert facts["billing.charge.above_rate"] is above


def test_overrate_example_refund() -> None:
    facts = _charges(with_(C1, amount=45))
    assert facts["billing.charge.above_rate"] is True
    assert facts["billing.charge.refund_amount"] == 16.0


def test_duplicates_above_the_rate_refund_all_beyond_one_rated_charge() -> None:
    # docs/taxonomy.md §8.15: n identical charges each above the rate refund amount × n − rated
    over = with_(C1, amount=45)  # rated 100 MB × 0.29 = 29.00
    facts = _charges(over, with_(over, id="c2"))
    assert facts["billing.charge.refund_amount"] == 61.0  # 90.00 charged, 29.00 due
    facts = _charges(over, with_(over, id="c2"), with_(over, id="c3"))
    assert facts["billing.charge.refund_amount"] == 106.0


def test_duplicates_at_the_rate_refund_every_extra_charge() -> None:
    facts = _charges(C1, with_(C1, id="c2"))
    assert facts["billing.charge.refund_amount"] == 29.0


@pytest.mark.parametrize(("amount", "above", "refund"), [
    (1.0, True, 0.56),    # the taxonomy's example: 1.00 − 0.44
    (0.45, False, 0),     # 0.01 over the rounded rate (0.015 over the unrounded 0.435)
    (0.46, True, 0.02),
])
def test_rated_amount_is_rounded_before_it_is_compared_or_subtracted(
        amount: float, above: bool, refund: float) -> None:
    # docs/taxonomy.md §8.22: 1.5 MB × 0.29 = 0.435 rates at 0.44 (half up)
    facts = _charges(with_(C1, quantity=1.5, amount=amount))
    assert facts["billing.charge.rated_amount"] == 0.44
    assert facts["billing.charge.above_rate"] is above
    assert facts["billing.charge.refund_amount"] == refund


def test_vas_charge_is_not_rated() -> None:
    vas = {"id": "c1", "cycle": "2026-10", "kind": "vas", "item": "Music club", "amount": 10,
           "sp_code": "801234"}
    facts = _charges(vas)
    assert facts["billing.charge.rated_amount"] is None
    assert facts["billing.charge.above_rate"] is False
    assert facts["billing.charge.refund_amount"] == 0
    assert facts["billing.charge.sp_code"] == "801234"
    # the subject SP subscription comes from the charge's SP code
    assert facts["billing.vas.found"] is True
    assert facts["billing.vas.sp_code"] == "801234"


def test_unknown_kind_reads_other() -> None:
    facts = _charges(with_(C1, kind="discount"))
    assert facts["billing.charge.kind"] == "other"


def test_charge_not_found_and_no_subject() -> None:
    facts = _charges(C1, subject="nope")
    assert facts["billing.charge.found"] is False
    assert all(v is None for k, v in facts.items()
               if k.startswith("billing.charge.") and k != "billing.charge.found")
    facts = billing(complaint("bill_dispute"))
    assert facts["billing.charge.found"] is False
    assert facts["billing.vas.found"] is False
    assert facts["billing.payment.found"] is False
    assert facts["billing.card.found"] is False


def _vas(confirmation: Any, *, status: str = "active", sp_code: str | None = "801234",
         charge_id: str | None = None) -> dict[str, Any]:
    account = with_(ACCOUNT)
    account["vas_subscriptions"][0]["confirmation"] = confirmation
    account["vas_subscriptions"][0]["status"] = status
    account["charges"].append({"id": "c9", "cycle": "2026-11", "kind": "vas",
                               "item": "Music club", "amount": 10.1, "sp_code": "801234"})
    subject = {"sp_code": sp_code, "charge_id": charge_id}
    return billing(complaint("unknown_vas_charge", subject=subject), accounts=[account])


def test_vas_unconfirmed() -> None:
    facts = _vas(None)
    assert facts["billing.vas.found"] is True
    assert facts["billing.vas.confirmed"] is False
    assert facts["billing.vas.unconfirmed"] == ("801234",)
    assert facts["billing.vas.total_charged"] == 20.1
    assert facts["billing.vas.charge_count"] == 2
    assert facts["billing.vas.status"] == "active"
    assert facts["billing.vas.channel"] == "sms"
    assert facts["billing.vas.service"] == "Music club"
    assert facts["billing.vas.monthly_fee"] == 10
    assert facts["billing.vas.subscribed_at"] == dt.datetime.fromisoformat(
        "2026-09-03T21:14:00+08:00")


def test_vas_confirmation_needs_replied_at() -> None:
    sent_only = {"sent_at": "2026-09-03T21:14:00+08:00", "replied_at": None}
    assert _vas(sent_only)["billing.vas.confirmed"] is False
    replied = {"sent_at": "2026-09-03T21:14:00+08:00", "replied_at": "2026-09-03T21:15:00+08:00"}
    facts = _vas(replied)
    assert facts["billing.vas.confirmed"] is True
    assert facts["billing.vas.unconfirmed"] == ()


def test_cancelled_subscription_is_not_in_unconfirmed() -> None:
    facts = _vas(None, status="cancelled")
    assert facts["billing.vas.unconfirmed"] == ()
    assert facts["billing.vas.status"] == "cancelled"


def test_vas_subject_from_charge() -> None:
    facts = _vas(None, sp_code=None, charge_id="c2")
    assert facts["billing.vas.found"] is True and facts["billing.vas.sp_code"] == "801234"


def test_vas_not_subscribed() -> None:
    facts = _vas(None, sp_code="999999")
    assert facts["billing.vas.found"] is False
    assert facts["billing.vas.total_charged"] is None


def test_payment() -> None:
    facts = billing(complaint("recharge_issue", subject={"payment_id": "p1"}))
    assert facts["billing.payment.found"] is True
    assert facts["billing.payment.posted"] is False
    assert facts["billing.payment.amount"] == 50
    assert facts["billing.payment.channel"] == "app"
    assert facts["billing.payment.at"] == dt.datetime.fromisoformat("2026-11-19T10:00:00+08:00")
    missing = billing(complaint("recharge_issue", subject={"payment_id": "p9"}))
    assert missing["billing.payment.found"] is False and missing["billing.payment.posted"] is None


@pytest.mark.parametrize(("reported_at", "expired", "in_grace"), [
    ("2026-06-30T23:59:59+08:00", False, False),   # the day of expires_on
    ("2026-07-01T00:00:00+08:00", True, True),
    ("2026-12-27T12:00:00+08:00", True, True),     # expires_on + 180 days
    ("2026-12-28T00:00:00+08:00", True, False),    # + 181 days
    # local date is the complaint's: 2026-07-01 00:30 +08:00 is 2026-06-30 in UTC
    ("2026-07-01T00:30:00+08:00", True, True),
    # and 2026-06-30 20:00 -05:00 is 2026-07-01 in UTC, but still the day of expiry locally
    ("2026-06-30T20:00:00-05:00", False, False),
    ("2026-12-27T23:30:00-10:00", True, True),     # 2026-12-28 in UTC
])
def test_card_expiry_in_local_calendar(reported_at: str, expired: bool, in_grace: bool) -> None:
    facts = billing(complaint("recharge_issue", reported_at=reported_at,
                              subject={"card_serial": "1234567890"}))
    assert facts["billing.card.found"] is True
    assert facts["billing.card.expires_on"] == dt.date(2026, 6, 30)
    assert facts["billing.card.expired"] is expired
    assert facts["billing.card.in_grace"] is in_grace
    assert facts["billing.card.value"] == 50
    assert facts["billing.card.used"] is False


def test_account_and_plan() -> None:
    facts = billing(complaint("slow_data"))
    assert facts["billing.found"] is True
    assert facts["billing.account.status"] == "active"
    assert facts["billing.account.balance"] == 12.4
    assert facts["billing.plan.code"] == "4G-58"
    assert facts["billing.plan.includes"] == ("voice", "sms", "data", "volte")
    assert facts["billing.plan.quota_exhausted"] is False
    assert facts["billing.plan.cycle_resets_on"] == dt.date(2026, 12, 1)
    assert facts["billing.customer.tier"] == "normal"
    assert facts["billing.customer.name"] == "张三"


@pytest.mark.parametrize(("used", "exhausted"), [(10239, False), (10240, True), (10241, True)])
def test_quota_exhausted_at_quota(used: int, exhausted: bool) -> None:
    account = with_(ACCOUNT)
    account["plan"]["data_used_mb"] = used
    assert billing(complaint("slow_data"), accounts=[account])[
        "billing.plan.quota_exhausted"] is exhausted


def test_no_account() -> None:
    facts = billing(complaint(), accounts=[])
    assert facts["billing.found"] is False
    assert facts["billing.customer.tier"] == "normal"  # the customer record is separate
    assert all(v in (None, False) for k, v in facts.items() if not k.startswith("billing.customer"))
    nobody = billing(complaint(), accounts=[], customers=[])
    assert nobody["billing.customer.tier"] is None
    assert with_(CUSTOMER)["tier"] == "normal"
