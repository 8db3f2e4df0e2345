"""The city of a demo month, as frames: subscribers, accounts, customers and the network.

Built with numpy from one `numpy.random.Generator` (no loop per subscriber), so that a city of
a few hundred thousand lines takes seconds. The records are a snapshot at the end of the month
(`SNAPSHOT`), in the shapes of the source-record contract and the columns of the CSV layout
(`_write`). Times are +08:00, the month is November 2026.

Cells are either the synthetic city of `_network` (macro LTE grid, NR, GSM/UMTS, small cells,
its drive-test samples and coverage gaps) or the cells of an OpenCelliD export. Every line has a
*home cell* and a home point within 90 % of its range; its HLR registration names that cell.

The everyday noise of a subscriber base is planted so that complaints take many paths: arrears
and other barring, stale registrations, suspended and reclaimed numbers, phones without VoLTE,
call forwarding, roaming not provisioned, exhausted data quotas, a data service missing from
the HLR, SP subscriptions without the 二次确认 reply, duplicated charges, unposted payments and
expired recharge cards. The network's events of the month (outages, planned works, platform
faults, weak-coverage and interference zones, gaps) are placed by `_month`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from ._network import build_network
from ._subscribers import _MODELS, _PREFIXES, PLANS, SP_SERVICES

__all__ = ["MONTH_DAYS", "MONTH_START", "SNAPSHOT", "City", "build_city", "isotimes",
           "or_none", "point_in"]

#: the month's first second (local time, +08:00): the times are seconds since it
MONTH_START: Final = np.datetime64("2026-11-01T00:00:00", "s")
MONTH_DAYS: Final = 30
#: the records' snapshot: half an hour before the month ends
SNAPSHOT: Final = MONTH_DAYS * 86400 - 1800
_M_PER_DEG: Final = 111_195.0
#: noise kinds, and their share of the base
NOISE: Final = ("none", "arrears", "real_name", "fraud", "customer_request", "stale",
                "suspended", "reclaimed")
_NOISE_P: Final = (0.9515, 0.025, 0.005, 0.002, 0.003, 0.008, 0.004, 0.0015)
_NAMES: Final = ("王伟", "李芳", "张娜", "刘敏", "陈静", "杨丽", "黄强", "赵磊", "吴洋", "周艳",
                 "徐勇", "孙军", "马杰", "朱娟", "胡涛", "郭明", "何超", "林秀英", "罗华", "高慧",
                 "谭建国", "彭志强", "曾丹", "唐湘", "邓岳")


def isotimes(seconds: np.ndarray) -> np.ndarray:
    """ISO 8601 texts (+08:00, to the second) of seconds since `MONTH_START`."""
    local = MONTH_START + seconds.astype("timedelta64[s]")
    return np.char.add(np.datetime_as_string(local, unit="s"), "+08:00")


def _numbers(rng: np.random.Generator, n: int, digits: int) -> np.ndarray:
    """`n` distinct integers below 10**digits: an affine bijection of 0..n-1, so no retries."""
    size = 10**digits
    step = 1_000_003 if digits > 6 else 7919
    start = int(rng.integers(0, size))
    return np.asarray((start + np.arange(n, dtype=np.int64) * step) % size, np.int64)


def _zfill(values: np.ndarray, width: int) -> np.ndarray:
    return np.asarray(np.char.zfill(values.astype(str), width))


def or_none(mask: np.ndarray, values: Any) -> np.ndarray:
    """`values` where `mask` holds, None elsewhere (an object array)."""
    out = np.full(len(mask), None, object)
    chosen = np.broadcast_to(np.asarray(values, object), (len(mask),))
    out[mask] = chosen[mask]
    return out


@dataclass
class City:
    """The month's city: record frames by (source, table), and what `_month` needs to plant
    complaints (home points, pools of lines by what they can complain of)."""

    tables: dict[tuple[str, str], pd.DataFrame]
    cells: pd.DataFrame  # cell_id, tech, lat, lon, range_m (+ the rest)
    msisdn: np.ndarray  # str
    home_cell: np.ndarray  # index into cells
    home: np.ndarray  # (n, 2) lat, lon
    noise: np.ndarray  # index into NOISE
    pools: dict[str, np.ndarray]  # line indices
    charges: pd.DataFrame  # line, id, kind, duplicate (for subjects)
    vas: pd.DataFrame  # line, sp_code, charge_id
    payments: pd.DataFrame  # line, id, posted
    cards: pd.DataFrame  # line, serial, expired


def point_in(rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray,
             radius_m: np.ndarray) -> np.ndarray:
    """A uniform point within `radius_m` of each (lat, lon), rounded to 6 decimals (0.1 m)."""
    n = len(lat)
    r = radius_m * np.sqrt(rng.random(n))
    a = rng.random(n) * 2 * np.pi
    dlat = r * np.cos(a) / _M_PER_DEG
    dlon = r * np.sin(a) / (_M_PER_DEG * np.cos(np.radians(lat)))
    return np.round(np.column_stack([lat + dlat, np.clip(lon + dlon, -180, 180)]), 6)


def build_city(rng: np.random.Generator, seed: int, lines: int,
               cells: Sequence[Mapping[str, Any]] | None) -> tuple[City, dict[str, Any]]:
    """The city of `lines` subscribers on `cells` (None: the synthetic network of `seed`), and
    the synthetic network's background (measurements, gaps) to keep."""
    background: dict[str, Any] = {"measurements": [], "coverage_gaps": []}
    if cells is None:
        net = build_network(random.Random(seed))  # noqa: S311 - reproducible demo data
        cell_frame = pd.DataFrame(net.cells)
        background = {"measurements": net.measurements, "coverage_gaps": net.coverage_gaps}
        homes = np.flatnonzero(((cell_frame["tech"] == "LTE")
                                & (cell_frame["range_m"] >= 1500)).to_numpy())
    else:
        cell_frame = pd.DataFrame(list(cells), columns=[
            "cell_id", "tech", "lat", "lon", "range_m", "azimuth", "status",
            "prb_util_busy_hour"])
        homes = np.arange(len(cell_frame))
    if cell_frame.empty:
        raise ValueError("no cells to place the city on")
    n = lines
    home_cell = homes[rng.integers(0, len(homes), n)]
    radius = np.minimum(cell_frame["range_m"].to_numpy(float)[home_cell] * 0.9, 3000.0)
    home = point_in(rng, cell_frame["lat"].to_numpy(float)[home_cell],
                    cell_frame["lon"].to_numpy(float)[home_cell], radius)

    prefixes = np.array(_PREFIXES)[rng.integers(0, len(_PREFIXES), n)]
    msisdn = np.char.add(np.char.add("86", prefixes), _zfill(_numbers(rng, n, 8), 8))
    noise = rng.choice(len(NOISE), size=n, p=_NOISE_P)
    plan_list = list(PLANS.values())
    weights = np.array([p.weight for p in plan_list], float)
    plan = rng.choice(len(plan_list), size=n, p=weights / weights.sum())

    subscribers, devices, no_volte = _hlr(rng, n, msisdn, noise, plan, plan_list, cell_frame,
                                          home_cell)
    accounts, charges, vas, payments, cards, customers, tables = _billing(
        rng, n, msisdn, noise, plan, plan_list)
    tables[("hlr", "subscribers")] = subscribers
    tables[("hlr", "devices")] = devices
    tables[("hlr", "odb")] = _odb(msisdn, noise)
    tables[("billing", "accounts")] = accounts
    tables[("billing", "customers")] = customers
    forwarding = subscribers["call_forwarding.unconditional"].notna().to_numpy()
    quota_out = (accounts["plan.data_used_mb"] >= accounts["plan.data_quota_mb"]).to_numpy()
    healthy = noise == 0
    pools = {
        "all": np.arange(n),
        "healthy": np.flatnonzero(healthy & ~forwarding & ~no_volte & ~quota_out),
        "barred": np.flatnonzero(np.isin(noise, [1, 2, 3, 4, 6])),
        "number": np.flatnonzero(np.isin(noise, [6, 7])),
        "forwarding": np.flatnonzero(forwarding),
        "vas": np.unique(vas["line"].to_numpy()),
        "recharge": np.unique(np.concatenate([payments["line"].to_numpy(),
                                              cards["line"].to_numpy()])),
        "throttled": np.flatnonzero(quota_out),
        "no_volte": np.flatnonzero(no_volte),
    }
    return City(tables, cell_frame, msisdn, home_cell, home, noise, pools, charges, vas,
                payments, cards), background


def _hlr(rng: np.random.Generator, n: int, msisdn: np.ndarray, noise: np.ndarray,
         plan: np.ndarray, plan_list: list[Any], cells: pd.DataFrame, home_cell: np.ndarray,
         ) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    tacs = [prefix + f"{(i * 7_654_321 + 123_457) % 10**6:06d}"
            for i, (_, _, _, prefix) in enumerate(_MODELS)]
    devices = pd.DataFrame({"tac": tacs, "model": [m[0] for m in _MODELS],
                            "volte": [m[1] for m in _MODELS], "nr": [m[2] for m in _MODELS]})
    volte = np.array([m[1] for m in _MODELS])
    nr = np.array([m[2] for m in _MODELS])
    includes_nr = np.array(["nr" in p.includes for p in plan_list])[plan]
    # 6 % of phones lack VoLTE; NR plans mostly carry NR phones
    roll = rng.random(n)
    capable = np.flatnonzero(volte)
    nr_capable = np.flatnonzero(nr)
    legacy_phones = np.flatnonzero(~volte)
    device = capable[rng.integers(0, len(capable), n)]
    nr_pick = nr_capable[rng.integers(0, len(nr_capable), n)]
    device = np.where(includes_nr & (roll < 0.9), nr_pick, device)
    device = np.where(roll > 0.94, legacy_phones[rng.integers(0, len(legacy_phones), n)], device)
    no_volte = ~volte[device]
    tac_arr = np.array(tacs)[device]
    imei = np.char.add(tac_arr, _zfill(_numbers(rng, n, 7), 7))
    imsi = np.char.add("46000", _zfill(_numbers(rng, n, 10), 10))

    status = np.where(np.isin(noise, [1, 2, 3, 4]), "operator_barred", "service_granted")
    includes_data = np.array(["data" in p.includes for p in plan_list])[plan]
    unprovisioned = (noise == 0) & (rng.random(n) < 0.005)
    data = np.where(unprovisioned, False, includes_data)
    last = SNAPSHOT - rng.integers(60, 20 * 3600, n)
    stale = noise == 5
    last = np.where(stale, rng.integers(0, 20 * 86400, n), last)
    rat = np.where(includes_nr & nr[device] & (rng.random(n) < 0.5), "NR", "LTE")
    forwarding = (noise == 0) & (rng.random(n) < 0.012)
    fwd_to = np.char.add("86139", _zfill(_numbers(rng, n, 8), 8))
    number_state = np.select([noise == 6, noise == 7], ["suspended", "reclaimed"], "in_use")
    since_days = np.where(noise == 7, rng.integers(95, 200, n), rng.integers(10, 80, n))
    since = (np.datetime64("2026-11-30") - since_days.astype("timedelta64[D]")).astype(str)
    subscribers = pd.DataFrame({
        "msisdn": msisdn, "imsi": imsi, "imei": imei, "status": status,
        "services.voice": _flag(np.ones(n, bool)), "services.sms": _flag(np.ones(n, bool)),
        "services.data": _flag(data),
        "services.volte": _flag(np.array(["volte" in p.includes for p in plan_list])[plan]),
        "services.nr": _flag(includes_nr), "services.roaming": _flag(rng.random(n) < 0.3),
        "apn": "cmnet",
        "call_forwarding.unconditional": or_none(forwarding, fwd_to),
        "registration.state": np.where(stale, "detached", "registered"),
        "registration.last_update": isotimes(last),
        "registration.rat": rat,
        "registration.cell_id": cells["cell_id"].to_numpy()[home_cell],
        "registration.roaming_plmn": None,
        "number_state": number_state,
        "suspended_since": or_none(np.isin(noise, [6, 7]), since),
    })
    return subscribers, devices, no_volte


def _flag(values: np.ndarray) -> np.ndarray:
    return np.where(values, "true", "false")


def _odb(msisdn: np.ndarray, noise: np.ndarray) -> pd.DataFrame:
    barred = np.flatnonzero(np.isin(noise, [1, 2, 3, 4]))
    category = np.select([noise[barred] == 1, noise[barred] == 2], ["all_outgoing", "all"],
                         "all_outgoing")
    reason = np.array(["", "arrears", "real_name", "fraud", "customer_request"])[noise[barred]]
    return pd.DataFrame({"msisdn": msisdn[barred], "category": category, "reason": reason})


def _billing(rng: np.random.Generator, n: int, msisdn: np.ndarray, noise: np.ndarray,
             plan: np.ndarray, plan_list: list[Any]) -> tuple[Any, ...]:
    fee = np.array([p.monthly_fee for p in plan_list])[plan]
    quota = np.array([p.data_quota_mb for p in plan_list])[plan]
    used = (quota * rng.uniform(0.05, 0.85, n)).astype(np.int64)
    out_of_quota = (noise == 0) & (rng.random(n) < 0.06)
    used = np.where(out_of_quota, quota + rng.integers(1, 800, n), used)
    throttles = np.array([p.throttle_after_quota for p in plan_list])[plan]
    voice_rate = np.array([p.voice_per_min for p in plan_list])[plan]
    arrears = noise == 1
    balance = np.round(rng.uniform(5, 200, n), 2)
    balance = np.where(arrears, -np.round(rng.uniform(5, 90, n), 2), balance)
    status = np.select([arrears | (noise == 6), noise == 7], ["suspended", "terminated"],
                       "active")
    reason = or_none(arrears | (noise == 6), np.where(arrears, "arrears", "customer_request"))
    rates = {name: np.array([getattr(p, name) for p in plan_list])[plan]
             for name in ("voice_per_min", "sms_each", "data_per_mb")}
    accounts = pd.DataFrame({
        "msisdn": msisdn, "status": status, "suspended_reason": reason, "balance": balance,
        "overdue_amount": np.where(arrears, -balance, 0.0),
        "plan.code": np.array([p.code for p in plan_list])[plan], "plan.monthly_fee": fee,
        "plan.data_quota_mb": quota, "plan.data_used_mb": used,
        "plan.throttle_after_quota": _flag(throttles), "plan.cycle_resets_on": "2026-12-01",
        "plan.includes": np.array([";".join(p.includes) for p in plan_list])[plan],
        "plan.rates.voice_per_min": rates["voice_per_min"],
        "plan.rates.sms_each": rates["sms_each"],
        "plan.rates.data_per_mb": rates["data_per_mb"],
    })
    lines = np.arange(n)
    parts = []
    for order, cycle in enumerate(("2026-10", "2026-11")):
        parts.append(pd.DataFrame({"line": lines, "order": order * 10, "cycle": cycle,
                                   "kind": "rental", "item": "monthly fee", "amount": fee}))
        talk = np.flatnonzero(rng.random(n) < 0.4)
        minutes = rng.integers(5, 120, len(talk))
        parts.append(pd.DataFrame({
            "line": talk, "order": order * 10 + 1, "cycle": cycle, "kind": "usage",
            "item": "voice", "amount": np.round(minutes * voice_rate[talk], 2),
            "quantity": minutes, "unit": "min",
            "usage_ref": np.char.add(f"u{order}-", _zfill(talk, 7))}))
    # SP services: 12 % subscribe, a third of them without the confirmation reply
    subs = np.flatnonzero(rng.random(n) < 0.12)
    sp = rng.integers(0, len(SP_SERVICES), len(subs))
    sp_code = np.array([s[0] for s in SP_SERVICES])[sp]
    sp_name = np.array([s[1] for s in SP_SERVICES])[sp]
    sp_fee = np.array([s[2] for s in SP_SERVICES], float)[sp]
    for order, cycle in ((3, "2026-10"), (13, "2026-11")):
        parts.append(pd.DataFrame({"line": subs, "order": order, "cycle": cycle, "kind": "vas",
                                   "item": sp_name, "amount": sp_fee, "sp_code": sp_code}))
    # rating errors: a duplicated monthly fee in 1.5 % of accounts
    dup = np.flatnonzero((noise == 0) & (rng.random(n) < 0.015))
    parts.append(pd.DataFrame({"line": dup, "order": 19, "cycle": "2026-11", "kind": "rental",
                               "item": "monthly fee", "amount": fee[dup]}))
    charges = pd.concat(parts, ignore_index=True)
    charges = charges.iloc[np.lexsort((charges["order"].to_numpy(), charges["line"].to_numpy()))]
    charges["id"] = np.char.add("c", (charges.groupby("line").cumcount() + 1)
                                .to_numpy().astype(str))
    charges["quantity"] = charges["quantity"].astype("Int64")
    charges["msisdn"] = msisdn[charges["line"].to_numpy()]
    charges = charges.reset_index(drop=True)

    subscribed = SNAPSHOT - rng.integers(60, 400, len(subs)) * 86400
    unconfirmed = rng.random(len(subs)) < 0.35
    sent = subscribed + 5
    vas_frame = pd.DataFrame({
        "msisdn": msisdn[subs], "sp_code": sp_code, "service": sp_name, "monthly_fee": sp_fee,
        "status": "active", "subscribed_at": isotimes(subscribed),
        "channel": np.array(["app", "web", "sms"])[rng.integers(0, 3, len(subs))],
        "confirmation.sent_at": or_none(~unconfirmed, isotimes(sent)),
        "confirmation.replied_at": or_none(
            ~unconfirmed, isotimes(sent + rng.integers(60, 540, len(subs))))})
    vas_charge = charges[(charges["kind"] == "vas") & (charges["cycle"] == "2026-11")]
    vas = pd.DataFrame({"line": vas_charge["line"].to_numpy(),
                        "sp_code": vas_charge["sp_code"].to_numpy(),
                        "charge_id": vas_charge["id"].to_numpy()})

    paid = np.flatnonzero(rng.random(n) < 0.5)
    unposted = np.flatnonzero((noise == 0) & (rng.random(n) < 0.01))
    pay_lines = np.concatenate([paid, unposted])
    pay_at = SNAPSHOT - rng.integers(3 * 86400, 40 * 86400, len(pay_lines))
    pay_at[len(paid):] = SNAPSHOT - rng.integers(3600, 5 * 86400, len(unposted))
    payments = pd.DataFrame({
        "line": pay_lines, "msisdn": msisdn[pay_lines],
        "id": np.char.add("p", _zfill(np.arange(len(pay_lines)) * 7 + 1000003, 8)),
        "amount": np.array([30, 50, 100, 200])[rng.integers(0, 4, len(pay_lines))],
        "channel": np.array(["app", "wechat", "alipay", "store"])[
            rng.integers(0, 4, len(pay_lines))],
        "at": isotimes(pay_at),
        "posted": np.where(np.arange(len(pay_lines)) < len(paid), "true", "false")})
    payments = payments.iloc[np.argsort(pay_lines, kind="stable")].reset_index(drop=True)

    used_cards = np.flatnonzero(rng.random(n) < 0.04)
    expired = np.flatnonzero((noise == 0) & (rng.random(n) < 0.012))
    card_lines = np.concatenate([used_cards, expired])
    serial = 10**16 + _numbers(rng, len(card_lines), 16)
    cards = pd.DataFrame({
        "line": card_lines, "msisdn": msisdn[card_lines], "serial": serial.astype(str),
        "value": np.array([30, 50, 100])[rng.integers(0, 3, len(card_lines))],
        "expires_on": np.where(np.arange(len(card_lines)) < len(used_cards), "2027-06-30",
                               "2026-10-20"),
        "used": np.where(np.arange(len(card_lines)) < len(used_cards), "true", "false"),
        "expired": np.arange(len(card_lines)) >= len(used_cards)})
    cards = cards.iloc[np.argsort(card_lines, kind="stable")].reset_index(drop=True)

    customers = pd.DataFrame({
        "msisdn": msisdn, "name": np.array(_NAMES)[rng.integers(0, len(_NAMES), n)],
        "tier": np.where(rng.random(n) < 0.06, "vip", "normal")})
    tables = {
        ("billing", "charges"): charges,
        ("billing", "vas_subscriptions"): vas_frame,
        ("billing", "payments"): payments,
        ("billing", "recharge_cards"): cards,
    }
    charge_view = pd.DataFrame({
        "line": charges["line"].to_numpy(), "id": charges["id"].to_numpy(),
        "duplicate": (charges["order"] == 19).to_numpy()})
    return (accounts, charge_view, vas, payments[["line", "id", "posted"]],
            cards[["line", "serial", "expired"]], customers, tables)
