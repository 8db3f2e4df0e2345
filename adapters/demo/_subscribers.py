"""Subscribers of the demo city: the TAC database, HLR profiles, plans, accounts and customers.

`build_population` makes ``n`` subscribers, each with an HLR profile, a billing account and a
customer record. Most are healthy; a few carry the everyday noise of a real base (arrears,
old phones, stale registrations) — they never complain in the demo. A subscriber chosen to
complain is first reset to the healthy baseline of the worked examples (`Line.reset`) and then
given exactly the evidence of its planted cause.
"""

from __future__ import annotations

import datetime as _dt
import random
from dataclasses import dataclass
from typing import Any, Final

from ._model import SNAPSHOT, Record, iso

__all__ = ["PLANS", "SP_SERVICES", "Line", "Population", "build_population"]

#: model, VoLTE, NR, TAC prefix (8-digit TACs are drawn from it)
_MODELS: Final = (
    ("HUAWEI Mate 60", True, True, "86"), ("Xiaomi 14", True, True, "86"),
    ("vivo X100", True, True, "86"), ("OPPO Reno11", True, True, "86"),
    ("HONOR 100", True, True, "86"), ("iPhone 15", True, True, "35"),
    ("iPhone 13", True, True, "35"), ("Redmi K70", True, True, "86"),
    ("iPhone 11", True, False, "35"), ("Redmi Note 9", True, False, "86"),
    ("OPPO A57", True, False, "86"), ("vivo Y33s", True, False, "86"),
    ("HUAWEI nova 5", True, False, "86"), ("Samsung Galaxy A51", True, False, "35"),
    ("Coolpad N3", False, False, "86"), ("ZTE BA520", False, False, "86"),
    ("Lenovo A3800", False, False, "86"), ("Nokia 105", False, False, "35"),
)
_SURNAMES: Final = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高谭彭曾唐邓"
_GIVEN: Final = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰",
                 "娟", "涛", "明", "超", "秀英", "华", "慧", "建国", "志强", "丹", "湘", "岳")
_PREFIXES: Final = ("134", "135", "136", "137", "138", "139", "147", "150", "151", "152",
                    "157", "158", "159", "178", "182", "183", "187", "188", "198")


@dataclass(frozen=True)
class Plan:
    """A tariff plan (billing ``plan``)."""

    code: str
    monthly_fee: int
    data_quota_mb: int
    throttle_after_quota: bool
    includes: tuple[str, ...]
    voice_per_min: float
    sms_each: float
    data_per_mb: float
    weight: int

    def record(self, used_mb: int) -> Record:
        return {"code": self.code, "monthly_fee": self.monthly_fee,
                "data_quota_mb": self.data_quota_mb, "data_used_mb": used_mb,
                "throttle_after_quota": self.throttle_after_quota,
                "cycle_resets_on": "2026-12-01", "includes": list(self.includes),
                "rates": {"voice_per_min": self.voice_per_min, "sms_each": self.sms_each,
                          "data_per_mb": self.data_per_mb}}


_4G: Final = ("voice", "sms", "data", "volte")
PLANS: Final = {p.code: p for p in (
    Plan("4G-38", 38, 5120, True, _4G, 0.15, 0.1, 0.29, 25),
    Plan("4G-58", 58, 10240, True, _4G, 0.15, 0.1, 0.29, 30),
    Plan("5G-128", 128, 30720, True, (*_4G, "nr"), 0.15, 0.1, 0.29, 25),
    Plan("5G-198", 198, 61440, True, (*_4G, "nr"), 0.1, 0.1, 0.19, 8),
    Plan("BASIC-18", 18, 1024, False, ("voice", "sms", "data"), 0.19, 0.1, 0.5, 12),
)}


def _devices(rng: random.Random) -> list[Record]:
    out: list[Record] = []
    used: set[str] = set()
    for model, volte, nr, prefix in _MODELS:
        tac = prefix + f"{rng.randrange(10**6):06d}"
        while tac in used:
            tac = prefix + f"{rng.randrange(10**6):06d}"
        used.add(tac)
        out.append({"tac": tac, "model": model, "volte": volte, "nr": nr})
    return out


@dataclass
class Line:
    """One subscriber's three records (HLR profile, account, customer), edited in place."""

    sub: Record
    account: Record
    customer: Record
    next_charge: int = 1
    in_hlr: bool = True

    @property
    def msisdn(self) -> str:
        return str(self.sub["msisdn"])

    @property
    def plan(self) -> Plan:
        return PLANS[self.account["plan"]["code"]]

    def charge(self, **fields: Any) -> Record:
        """Append a charge with a fresh id (``c<n>``) and return it."""
        record: Record = {"id": f"c{self.next_charge}", **fields}
        self.next_charge += 1
        self.account["charges"].append(record)
        return record

    def reset(self, rng: random.Random, pop: Population, reported_at: _dt.datetime,
              cell_id: str | None, *, plan: str | None = None) -> None:
        """The healthy baseline: granted, unbarred, registered minutes ago, services per plan."""
        chosen = PLANS[plan] if plan else self.plan
        if plan is None and chosen.code == "BASIC-18" and rng.random() < 0.7:
            chosen = PLANS[rng.choice(("4G-58", "5G-128"))]
        nr_plan = "nr" in chosen.includes
        device = pop.device(rng, volte=True, nr=True if nr_plan else None)
        last = reported_at - _dt.timedelta(minutes=rng.randrange(5, 8 * 60))
        self.sub.update({
            "imei": device["tac"] + self.sub["imei"][8:],
            "status": "service_granted", "odb": [],
            "services": _services(chosen, roaming=rng.random() < 0.3),
            "apn": "cmnet", "call_forwarding": {"unconditional": None},
            "registration": {"state": "registered", "last_update": iso(last),
                             "rat": "NR" if nr_plan and device["nr"] and rng.random() < 0.5
                             else "LTE", "cell_id": cell_id, "roaming_plmn": None},
            "number_state": "in_use", "suspended_since": None,
        })
        changed = chosen.code != self.account["plan"]["code"]
        used = int(chosen.data_quota_mb * rng.uniform(0.05, 0.85))
        self.account.update({"status": "active", "suspended_reason": None,
                             "balance": round(rng.uniform(8, 180), 2), "overdue_amount": 0,
                             "plan": chosen.record(used)})
        if changed:  # re-bill under the new plan, so that every charge is rated right
            self.account["charges"] = []
            self.account["vas_subscriptions"] = []
            self.next_charge = 1
            _bill(rng, self, with_vas=False)


def _services(plan: Plan, *, roaming: bool) -> Record:
    return {"voice": "voice" in plan.includes, "sms": "sms" in plan.includes,
            "data": "data" in plan.includes, "volte": "volte" in plan.includes,
            "nr": "nr" in plan.includes, "roaming": roaming}


@dataclass
class Population:
    """Every line, the TAC database, and the order in which lines are handed out to complain."""

    devices: list[Record]
    lines: list[Line]
    cell_ids: list[str]
    _next: int = 0

    def device(self, rng: random.Random, *, volte: bool | None = None,
               nr: bool | None = None) -> Record:
        """A device from the TAC database with the capabilities asked for."""
        fits = [d for d in self.devices
                if (volte is None or d["volte"] == volte) and (nr is None or d["nr"] == nr)]
        return rng.choice(fits)

    def take(self) -> Line:
        """The next line that has not complained yet."""
        if self._next >= len(self.lines):
            raise ValueError("not enough subscribers for the demo complaints")
        line = self.lines[self._next]
        self._next += 1
        return line


def build_population(rng: random.Random, n: int, cell_ids: list[str]) -> Population:
    """`n` lines with unique MSISDNs, in a shuffled order (the complainants are the first ones)."""
    devices = _devices(rng)
    pop = Population(devices, [], cell_ids)
    numbers: set[str] = set()
    plans = list(PLANS.values())
    for _ in range(n):
        msisdn = "86" + rng.choice(_PREFIXES) + f"{rng.randrange(10**8):08d}"
        while msisdn in numbers:
            msisdn = "86" + rng.choice(_PREFIXES) + f"{rng.randrange(10**8):08d}"
        numbers.add(msisdn)
        plan = rng.choices(plans, weights=[p.weight for p in plans])[0]
        pop.lines.append(_line(rng, pop, msisdn, plan))
    return pop


def _line(rng: random.Random, pop: Population, msisdn: str, plan: Plan) -> Line:
    nr_plan = "nr" in plan.includes
    roll = rng.random()
    if roll < 0.06:
        device = pop.device(rng, volte=False)
    elif nr_plan and roll < 0.9:
        device = pop.device(rng, nr=True)
    else:
        device = pop.device(rng, volte=True)
    last = SNAPSHOT - _dt.timedelta(minutes=rng.randrange(1, 20 * 60))
    sub: Record = {
        "msisdn": msisdn,
        "imsi": "46000" + f"{rng.randrange(10**10):010d}",
        "imei": device["tac"] + f"{rng.randrange(10**6):06d}" + str(rng.randrange(10)),
        "status": "service_granted", "odb": [],
        "services": _services(plan, roaming=rng.random() < 0.3),
        "apn": "cmnet", "call_forwarding": {"unconditional": None},
        "registration": {"state": "registered", "last_update": iso(last),
                         "rat": "NR" if nr_plan and device["nr"] and rng.random() < 0.5
                         else "LTE", "cell_id": rng.choice(pop.cell_ids), "roaming_plmn": None},
        "number_state": "in_use", "suspended_since": None,
    }
    account: Record = {
        "msisdn": msisdn, "status": "active", "suspended_reason": None,
        "balance": round(rng.uniform(5, 200), 2), "overdue_amount": 0,
        "plan": plan.record(int(plan.data_quota_mb * rng.uniform(0.05, 0.85))),
        "charges": [], "vas_subscriptions": [], "payments": [], "recharge_cards": [],
    }
    customer: Record = {"msisdn": msisdn,
                        "name": rng.choice(_SURNAMES) + rng.choice(_GIVEN),
                        "tier": "vip" if rng.random() < 0.06 else "normal"}
    line = Line(sub, account, customer)
    _bill(rng, line, with_vas=True)
    _noise(rng, line)
    return line


def _bill(rng: random.Random, line: Line, *, with_vas: bool) -> None:
    """Two cycles of rental and usage, maybe a confirmed SP service, payments and cards."""
    plan = line.plan
    for cycle in ("2026-10", "2026-11"):
        line.charge(cycle=cycle, kind="rental", item="monthly fee", amount=plan.monthly_fee)
        if rng.random() < 0.4:
            minutes = rng.randrange(5, 120)
            line.charge(cycle=cycle, kind="usage", item="voice", quantity=minutes, unit="min",
                        amount=round(minutes * plan.voice_per_min, 2),
                        usage_ref=f"u-{rng.randrange(10**6):06d}")
    if plan.code == "BASIC-18" and rng.random() < 0.5:
        mb = rng.randrange(20, 400)
        line.charge(cycle="2026-10", kind="usage", item="data", quantity=mb, unit="mb",
                    amount=round(mb * plan.data_per_mb, 2),
                    usage_ref=f"u-{rng.randrange(10**6):06d}")
    if with_vas and rng.random() < 0.12:
        sp_code, service, fee = rng.choice(SP_SERVICES)
        subscribed = SNAPSHOT - _dt.timedelta(days=rng.randrange(60, 400))
        sent = subscribed + _dt.timedelta(seconds=5)
        line.account["vas_subscriptions"].append({
            "sp_code": sp_code, "service": service, "monthly_fee": fee, "status": "active",
            "subscribed_at": iso(subscribed), "channel": rng.choice(("app", "web", "sms")),
            "confirmation": {"sent_at": iso(sent),
                             "replied_at": iso(sent + _dt.timedelta(minutes=rng.randrange(1, 9)))}})
        for cycle in ("2026-10", "2026-11"):
            line.charge(cycle=cycle, kind="vas", item=service, amount=fee, sp_code=sp_code)
    if rng.random() < 0.5:
        paid = SNAPSHOT - _dt.timedelta(days=rng.randrange(3, 40), minutes=rng.randrange(600))
        line.account["payments"].append({
            "id": f"p{rng.randrange(10**7):07d}", "amount": rng.choice((30, 50, 100, 200)),
            "channel": rng.choice(("app", "wechat", "alipay", "store")), "at": iso(paid),
            "posted": True})
    if rng.random() < 0.04:
        line.account["recharge_cards"].append({
            "serial": f"{rng.randrange(10**16, 10**17)}", "value": rng.choice((30, 50, 100)),
            "expires_on": "2027-06-30", "used": True})


def _noise(rng: random.Random, line: Line) -> None:
    """The everyday anomalies of a subscriber base (never on a line that complains)."""
    roll = rng.random()
    sub, account = line.sub, line.account
    if roll < 0.025:
        sub["status"] = "operator_barred"
        sub["odb"] = [{"category": "all_outgoing", "reason": "arrears"}]
        account.update({"status": "suspended", "suspended_reason": "arrears",
                        "balance": -round(rng.uniform(5, 90), 2)})
        account["overdue_amount"] = -account["balance"]
    elif roll < 0.03:
        sub["status"] = "operator_barred"
        sub["odb"] = [{"category": "all", "reason": "real_name"}]
    elif roll < 0.045:
        sub["registration"]["state"] = "detached"
        stale = SNAPSHOT - _dt.timedelta(days=rng.randrange(2, 30))
        sub["registration"]["last_update"] = iso(stale)
    elif roll < 0.05:
        sub["number_state"] = "suspended"
        sub["suspended_since"] = iso((SNAPSHOT - _dt.timedelta(days=rng.randrange(10, 80))).date())
        account.update({"status": "suspended", "suspended_reason": "customer_request"})


#: SP code, service name, monthly fee
SP_SERVICES: Final = (
    ("801234", "彩铃音乐包", 10), ("802817", "视频会员", 15), ("806655", "手机报", 3),
    ("901166", "游戏点卡月包", 20), ("908803", "天气预报", 2), ("917720", "阅读畅享包", 9.9),
    ("923301", "云盘扩容", 5), ("955108", "健康咨询", 12),
)
