"""`BillingAdapter`: the ``billing.*`` facts (docs/facts.md) from a BSS backend's records.

Conventions (docs/sources.md, docs/taxonomy.md):
- the *subject* records come from ``complaint.subject``: the charge by ``charge_id``, the SP
  subscription by ``sp_code`` or else by the SP code of the subject charge, the payment by
  ``payment_id``, the recharge card by ``card_serial``. A subject that is not named, or not there
  (or no account), gives ``*.found`` false and that record's other facts null;
- a charge's identical charges are those of the same cycle with the same kind, item and amount;
  for two ``usage`` charges that both carry a ``usage_ref`` the refs must be equal, otherwise
  their quantities must be; ``duplicate_count`` includes the charge itself;
- rated amount: a usage charge's quantity × the plan's rate for its unit (``mb`` →
  ``data_per_mb``, ``min`` → ``voice_per_min``, ``sms`` → ``sms_each``), a rental charge's plan
  ``monthly_fee``, rounded half up to the cent; above rate when the amount exceeds that by
  more than 0.01 CNY (exact decimal arithmetic on the numbers as written). Other kinds are not
  rated (rated null, above_rate false); a usage/rental charge that cannot be rated (no rate,
  unit or quantity) gives null;
- refund: all that was charged beyond one correctly rated charge — amount × n − rated amount
  for n identical charges above the rate (docs/taxonomy.md §8.15), amount × (n − 1) for n identical
  charges at the rate, amount − rated amount for one charge above it, else 0; money is rounded
  half-up to the cent;
- a recharge card is expired when the complaint's local date (its UTC offset) is after
  ``expires_on``, and in grace while expired and that date ≤ ``expires_on`` + 180 days;
- an SP subscription is confirmed when its ``confirmation`` has a non-null ``replied_at``;
  ``billing.vas.total_charged`` sums every charge with its SP code (any cycle).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

from diagtree import Complaint, FactSpec, FactType

from ._backends import BillingBackend, blocks
from ._lazy import FactGroups, Facts
from ._schema import SERVICES
from ._times import local_date
from ._values import choice, day, decimal, flag, money, number, sub, text, texts, when

__all__ = ["BILLING_FACTS", "GRACE", "TOLERANCE", "BillingAdapter"]

BOOL, DATE, DATETIME = FactType.BOOL, FactType.DATE, FactType.DATETIME
INT, NUMBER, STRING = FactType.INT, FactType.NUMBER, FactType.STRING

Record = Mapping[str, Any]
GRACE: Final = _dt.timedelta(days=180)
TOLERANCE: Final = Decimal("0.01")
UNIT_RATES: Final = {"mb": "data_per_mb", "min": "voice_per_min", "sms": "sms_each"}
KINDS: Final = ("rental", "vas", "usage", "other")
_E = FactType.enum
_CNY = "CNY"

BILLING_FACTS: Final[tuple[FactSpec, ...]] = (
    FactSpec("billing.found", BOOL, "an account exists for the MSISDN"),
    FactSpec("billing.account.status", _E("active", "suspended", "terminated"), "account status"),
    FactSpec("billing.account.suspended_reason",
             _E("arrears", "customer_request", "fraud", "real_name"), "why it is suspended"),
    FactSpec("billing.account.balance", NUMBER, "balance; negative is owed", _CNY),
    FactSpec("billing.account.overdue_amount", NUMBER, "overdue amount", _CNY),
    FactSpec("billing.plan.code", STRING, "plan code"),
    FactSpec("billing.plan.monthly_fee", NUMBER, "monthly fee", _CNY),
    FactSpec("billing.plan.includes", FactType.list_of(_E(*SERVICES)),
             "services the plan entitles"),
    FactSpec("billing.plan.data_quota_mb", NUMBER, "data quota", "MB"),
    FactSpec("billing.plan.data_used_mb", NUMBER, "data used this cycle", "MB"),
    FactSpec("billing.plan.quota_exhausted", BOOL, "data used ≥ quota"),
    FactSpec("billing.plan.throttle_after_quota", BOOL, "the plan throttles after the quota"),
    FactSpec("billing.plan.cycle_resets_on", DATE, "date the quota resets"),
    FactSpec("billing.customer.tier", _E("normal", "vip"), "customer tier"),
    FactSpec("billing.customer.name", STRING, "customer name"),
    FactSpec("billing.vas.unconfirmed", FactType.list_of(STRING),
             "SP codes of active subscriptions without a replied confirmation"),
    FactSpec("billing.charge.found", BOOL, "the subject charge exists"),
    FactSpec("billing.charge.id", STRING, "subject charge id"),
    FactSpec("billing.charge.cycle", STRING, "subject charge billing cycle"),
    FactSpec("billing.charge.item", STRING, "subject charge item"),
    FactSpec("billing.charge.sp_code", STRING, "subject charge SP code"),
    FactSpec("billing.charge.kind", _E(*KINDS), "subject charge kind"),
    FactSpec("billing.charge.amount", NUMBER, "subject charge amount", _CNY),
    FactSpec("billing.charge.duplicate_count", INT,
             "identical charges in its cycle, itself included (1 = no duplicate)"),
    FactSpec("billing.charge.is_duplicate", BOOL, "duplicate_count > 1"),
    FactSpec("billing.charge.rated_amount", NUMBER,
             "what the plan's rate gives (quantity × rate, or the monthly fee for rental)", _CNY),
    FactSpec("billing.charge.above_rate", BOOL,
             "amount exceeds the rated amount by more than 0.01 CNY"),
    FactSpec("billing.charge.refund_amount", NUMBER,
             "amount × n − rated amount for n identical charges above the rate, amount × (n − 1) "
             "for n identical charges at it, amount − rated amount for one above it, else 0",
             _CNY),
    FactSpec("billing.vas.found", BOOL, "the subject SP subscription exists"),
    FactSpec("billing.vas.sp_code", STRING, "subject subscription SP code"),
    FactSpec("billing.vas.service", STRING, "subject subscription service name"),
    FactSpec("billing.vas.status", _E("active", "cancelled"), "subject subscription status"),
    FactSpec("billing.vas.confirmed", BOOL, "it has a confirmation with a replied_at"),
    FactSpec("billing.vas.channel", _E("sms", "web", "app", "store"),
             "channel it was ordered through"),
    FactSpec("billing.vas.subscribed_at", DATETIME, "when it was ordered"),
    FactSpec("billing.vas.monthly_fee", NUMBER, "its monthly fee", _CNY),
    FactSpec("billing.vas.total_charged", NUMBER, "sum of all charges with its SP code", _CNY),
    FactSpec("billing.vas.charge_count", INT, "number of charges with its SP code"),
    FactSpec("billing.payment.found", BOOL, "the subject payment exists"),
    FactSpec("billing.payment.posted", BOOL, "the subject payment is posted"),
    FactSpec("billing.payment.amount", NUMBER, "its amount", _CNY),
    FactSpec("billing.payment.channel", STRING, "its channel"),
    FactSpec("billing.payment.at", DATETIME, "when it was made"),
    FactSpec("billing.card.found", BOOL, "the subject recharge card exists"),
    FactSpec("billing.card.value", NUMBER, "face value", _CNY),
    FactSpec("billing.card.used", BOOL, "already used"),
    FactSpec("billing.card.expires_on", DATE, "expiry date"),
    FactSpec("billing.card.expired", BOOL, "the complaint's date is after expires_on"),
    FactSpec("billing.card.in_grace", BOOL,
             "expired and the complaint's date ≤ expires_on + 180 days"),
)
_NAMES: Final = tuple(spec.name for spec in BILLING_FACTS)


def _absent(prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {n: None for n in _NAMES if n.startswith(prefix)}
    out[prefix + "found"] = False
    return out


_NO_CHARGE: Final = _absent("billing.charge.")
_NO_VAS: Final = _absent("billing.vas.")
_NO_PAYMENT: Final = _absent("billing.payment.")
_NO_CARD: Final = _absent("billing.card.")


class BillingAdapter:
    """The ``billing`` source: account, plan, customer and the complaint's subject records."""

    name = "billing"

    def __init__(self, backend: BillingBackend, *, blocking: bool | None = None) -> None:
        self.backend = backend
        #: whether the engine runs its fetch on a fetch thread and enforces its timeout: by
        #: default, unless `backend` is the in-memory `RecordStore` (see `blocks`)
        self.blocking = blocks(backend) if blocking is None else blocking

    def facts(self) -> Sequence[FactSpec]:
        return BILLING_FACTS

    def fetch(self, complaint: Complaint, timeout_s: float) -> Facts:
        """Every ``billing.*`` fact for the complaint's MSISDN and subject, each group looked
        up and derived when first read (the customer record for the grading policy's tier;
        the account, with its plan, charges, subscriptions, payments and cards, otherwise)."""
        return _GROUPS.facts({}, _Subject(self.backend, complaint))


class _Subject:
    """One complaint's customer and account; its methods derive the groups of facts (`Facts`
    calls the one named after a group). The account is looked up once, when first needed."""

    __slots__ = ("_account", "_looked_up", "backend", "complaint")

    def __init__(self, backend: BillingBackend, complaint: Complaint) -> None:
        self.backend = backend
        self.complaint = complaint
        self._account: Record | None = None
        self._looked_up = False

    def record(self) -> Record | None:
        if not self._looked_up:
            self._account = self.backend.account(self.complaint.msisdn)
            self._looked_up = True
        return self._account

    def customer(self) -> Mapping[str, Any]:
        record = self.backend.customer(self.complaint.msisdn)
        if record is None:
            return {}
        return {"billing.customer.tier": choice(record.get("tier"), ("normal", "vip")),
                "billing.customer.name": text(record.get("name"))}

    def account(self) -> Mapping[str, Any]:
        record = self.record()
        return {"billing.found": False} if record is None else _account(record)

    def plan(self) -> Mapping[str, Any]:
        record = self.record()
        return {} if record is None else _plan(record)

    def _charges(self, record: Record) -> tuple[Sequence[Record], Record | None]:
        """The account's charges, and the one the complaint is about (None: none named or
        none such)."""
        charges: Sequence[Record] = record.get("charges") or ()
        return charges, _find(charges, "id", self.complaint.subject.charge_id)

    def charge(self) -> Mapping[str, Any]:
        record = self.record()
        if record is None:
            return _NO_CHARGE
        charges, charge = self._charges(record)
        return _NO_CHARGE if charge is None else _charge(charge, charges, sub(record, "plan"))

    def vas(self) -> Mapping[str, Any]:
        record = self.record()
        if record is None:
            return _NO_VAS
        charges, charge = self._charges(record)
        sp_code = self.complaint.subject.sp_code
        if sp_code is None:  # the SP of the charge the complaint is about
            sp_code = None if charge is None else text(charge.get("sp_code"))
        return _vas(record, charges, sp_code)

    def payment(self) -> Mapping[str, Any]:
        record = self.record()
        payment = None if record is None else _find(record.get("payments") or (), "id",
                                                     self.complaint.subject.payment_id)
        return _NO_PAYMENT if payment is None else _payment(payment)

    def card(self) -> Mapping[str, Any]:
        record = self.record()
        card = None if record is None else _find(record.get("recharge_cards") or (),
                                                 "serial", self.complaint.subject.card_serial)
        return _NO_CARD if card is None else _card(card, local_date(self.complaint))


def _group_of(name: str) -> str:
    """The group of a billing fact: what it is derived from."""
    if name == "billing.vas.unconfirmed" or not name.startswith(
            ("billing.customer.", "billing.plan.", "billing.charge.", "billing.vas.",
             "billing.payment.", "billing.card.")):
        return "account"  # billing.found, billing.account.*
    return name.split(".")[1]


_GROUPS: Final = FactGroups("billing", _NAMES, _group_of)


def _find(records: Sequence[Record], key: str, value: str | None) -> Record | None:
    if value is None:
        return None
    for record in records:
        if text(record.get(key)) == value:
            return record
    return None


def _account(account: Record) -> dict[str, Any]:
    return {
        "billing.found": True,
        "billing.account.status": choice(account.get("status"),
                                         ("active", "suspended", "terminated")),
        "billing.account.suspended_reason": choice(
            account.get("suspended_reason"), ("arrears", "customer_request", "fraud", "real_name")),
        "billing.account.balance": number(account.get("balance")),
        "billing.account.overdue_amount": number(account.get("overdue_amount")),
        "billing.vas.unconfirmed": tuple(dict.fromkeys(
            text(s.get("sp_code")) or "" for s in account.get("vas_subscriptions") or ()
            if s.get("status") == "active" and not _confirmed(s))),
    }


def _plan(account: Record) -> dict[str, Any]:
    plan = sub(account, "plan")
    if plan is None:
        return {}
    quota, used = number(plan.get("data_quota_mb")), number(plan.get("data_used_mb"))
    includes = texts(plan.get("includes"))
    return {
        "billing.plan.code": text(plan.get("code")),
        "billing.plan.monthly_fee": number(plan.get("monthly_fee")),
        "billing.plan.includes": (None if includes is None
                                  else tuple(s for s in includes if s in SERVICES)),
        "billing.plan.data_quota_mb": quota,
        "billing.plan.data_used_mb": used,
        "billing.plan.quota_exhausted": None if quota is None or used is None else used >= quota,
        "billing.plan.throttle_after_quota": flag(plan.get("throttle_after_quota")),
        "billing.plan.cycle_resets_on": day(plan.get("cycle_resets_on")),
    }


def _confirmed(subscription: Record) -> bool:
    confirmation = sub(subscription, "confirmation")
    return confirmation is not None and confirmation.get("replied_at") is not None


def identical(a: Record, b: Record) -> bool:
    """Whether two charges are the same item charged twice (docs/sources.md)."""
    # numbers compare equal exactly when the decimals they were written as do (10 == 10.0)
    if (a.get("cycle") != b.get("cycle") or a.get("kind") != b.get("kind")
            or a.get("item") != b.get("item")
            or number(a.get("amount")) != number(b.get("amount"))):
        return False
    if a.get("kind") == "usage":
        ref_a, ref_b = a.get("usage_ref"), b.get("usage_ref")
        if ref_a is not None and ref_b is not None:
            return bool(ref_a == ref_b)
        return number(a.get("quantity")) == number(b.get("quantity"))
    return True


def _amount(charge: Record) -> Decimal | None:
    value = number(charge.get("amount"))
    return None if value is None else decimal(value)


def rated(charge: Record, plan: Record | None) -> Decimal | None:
    """What the plan's rate gives for the charge, exactly; None when it cannot be rated."""
    if plan is None:
        return None
    kind = charge.get("kind")
    if kind == "rental":
        fee = number(plan.get("monthly_fee"))
        return None if fee is None else decimal(fee)
    if kind == "usage":
        rates = sub(plan, "rates")
        key = UNIT_RATES.get(str(charge.get("unit")))
        rate = None if rates is None or key is None else number(rates.get(key))
        quantity = number(charge.get("quantity"))
        if rate is None or quantity is None:
            return None
        return decimal(quantity) * decimal(rate)
    return None


def _charge(charge: Record, charges: Sequence[Record], plan: Record | None) -> dict[str, Any]:
    amount = _amount(charge)
    if amount is None:
        raise ValueError(f"charge {charge.get('id')!r} has no amount")
    cycle, item = charge.get("cycle"), charge.get("item")
    count = sum(1 for other in charges if other is charge or (
        other.get("cycle") == cycle and other.get("item") == item and identical(charge, other)))
    exact = rated(charge, plan)
    # the rated amount is rounded half up to the cent, as the charge it stands for would have
    # been, before it is compared or subtracted (docs/taxonomy.md §8.22: 1.5 MB × 0.29 → 0.44)
    rated_amount = None if exact is None else decimal(money(exact))
    kind = charge.get("kind")
    above: bool | None
    if rated_amount is not None:
        above = amount - rated_amount > TOLERANCE
    else:
        above = None if kind in ("rental", "usage") else False
    refund: float | None
    if above and rated_amount is not None:
        # all that was charged beyond one correctly rated charge (§8.15): for n identical
        # charges each above the rate, amount × n − rated amount
        refund = money(amount * count - rated_amount)
    elif count > 1:
        refund = money(amount * (count - 1))
    elif above is None:
        refund = None
    else:
        refund = 0.0
    return {
        "billing.charge.found": True,
        "billing.charge.id": text(charge.get("id")),
        "billing.charge.cycle": text(charge.get("cycle")),
        "billing.charge.item": text(charge.get("item")),
        "billing.charge.sp_code": text(charge.get("sp_code")),
        "billing.charge.kind": kind if kind in KINDS else "other",
        "billing.charge.amount": number(charge.get("amount")),
        "billing.charge.duplicate_count": count,
        "billing.charge.is_duplicate": count > 1,
        "billing.charge.rated_amount": None if rated_amount is None else float(rated_amount),
        "billing.charge.above_rate": above,
        "billing.charge.refund_amount": refund,
    }


def _vas(account: Record, charges: Sequence[Record], sp_code: str | None) -> dict[str, Any]:
    if sp_code is None:
        return _NO_VAS
    matches = [s for s in account.get("vas_subscriptions") or ()
               if text(s.get("sp_code")) == sp_code]
    if not matches:
        return _NO_VAS
    active = [s for s in matches if s.get("status") == "active"]
    subscription = active[0] if active else matches[-1]
    amounts = [_amount(c) for c in charges if text(c.get("sp_code")) == sp_code]
    return {
        "billing.vas.found": True,
        "billing.vas.sp_code": sp_code,
        "billing.vas.service": text(subscription.get("service")),
        "billing.vas.status": choice(subscription.get("status"), ("active", "cancelled")),
        "billing.vas.confirmed": _confirmed(subscription),
        "billing.vas.channel": choice(subscription.get("channel"), ("sms", "web", "app", "store")),
        "billing.vas.subscribed_at": when(subscription.get("subscribed_at")),
        "billing.vas.monthly_fee": number(subscription.get("monthly_fee")),
        "billing.vas.total_charged": money(sum((a for a in amounts if a is not None), Decimal(0))),
        "billing.vas.charge_count": len(amounts),
    }


def _payment(payment: Record) -> dict[str, Any]:
    return {
        "billing.payment.found": True,
        "billing.payment.posted": flag(payment.get("posted")),
        "billing.payment.amount": number(payment.get("amount")),
        "billing.payment.channel": text(payment.get("channel")),
        "billing.payment.at": when(payment.get("at")),
    }


def _card(card: Record, today: _dt.date) -> dict[str, Any]:
    expires_on = day(card.get("expires_on"))
    expired = None if expires_on is None else today > expires_on
    return {
        "billing.card.found": True,
        "billing.card.value": number(card.get("value")),
        "billing.card.used": flag(card.get("used")),
        "billing.card.expires_on": expires_on,
        "billing.card.expired": expired,
        # days apart, not expires_on + 180 days: that date may be past the calendar (9999)
        "billing.card.in_grace": (None if expires_on is None
                                  else bool(expired) and today - expires_on <= GRACE),
    }
