"""Builders shared by the adapter tests: complaints, records and points at a given distance."""

from __future__ import annotations

import copy
import math
from typing import Any

from diagtree._vocab.complaint import Complaint, parse_complaint
from diagtree_adapters import (
    BillingAdapter,
    CoverageAdapter,
    HlrAdapter,
    RecordStore,
    records_from_mapping,
)
from diagtree_adapters._geo import EARTH_RADIUS_M

MSISDN = "8613800000001"
HOME = (28.2282, 112.9388)
REPORTED = "2026-11-20T09:30:00+08:00"

SUBSCRIBER: dict[str, Any] = {
    "msisdn": MSISDN,
    "imsi": "460001234567890",
    "imei": "35328510123456",
    "status": "service_granted",
    "odb": [],
    "services": {"voice": True, "sms": True, "data": True, "volte": True, "nr": False,
                 "roaming": False},
    "apn": "cmnet",
    "call_forwarding": {"unconditional": None},
    "registration": {"state": "registered", "last_update": "2026-11-20T08:55:00+08:00",
                     "rat": "LTE", "cell_id": "460-00-20811-1", "roaming_plmn": None},
    "number_state": "in_use",
    "suspended_since": None,
}
DEVICE: dict[str, Any] = {"tac": "35328510", "model": "Phone X1", "volte": True, "nr": False}
ACCOUNT: dict[str, Any] = {
    "msisdn": MSISDN,
    "status": "active",
    "suspended_reason": None,
    "balance": 12.40,
    "overdue_amount": 0,
    "plan": {"code": "4G-58", "monthly_fee": 58, "data_quota_mb": 10240, "data_used_mb": 3120,
             "throttle_after_quota": True, "cycle_resets_on": "2026-12-01",
             "includes": ["voice", "sms", "data", "volte"],
             "rates": {"voice_per_min": 0.15, "sms_each": 0.1, "data_per_mb": 0.29}},
    "charges": [
        {"id": "c1", "cycle": "2026-10", "kind": "rental", "item": "monthly fee", "amount": 58},
        {"id": "c2", "cycle": "2026-10", "kind": "vas", "item": "Music club", "amount": 10,
         "sp_code": "801234"},
        {"id": "c3", "cycle": "2026-10", "kind": "usage", "item": "data", "quantity": 120,
         "unit": "mb", "amount": 34.80, "usage_ref": "u-77"},
    ],
    "vas_subscriptions": [
        {"sp_code": "801234", "service": "Music club", "monthly_fee": 10, "status": "active",
         "subscribed_at": "2026-09-03T21:14:00+08:00", "channel": "sms", "confirmation": None},
    ],
    "payments": [{"id": "p1", "amount": 50, "channel": "app", "at": "2026-11-19T10:00:00+08:00",
                  "posted": False}],
    "recharge_cards": [{"serial": "1234567890", "value": 50, "expires_on": "2026-06-30",
                        "used": False}],
}
CUSTOMER: dict[str, Any] = {"msisdn": MSISDN, "name": "张三", "tier": "normal"}
CELL: dict[str, Any] = {"cell_id": "460-00-20811-1", "tech": "LTE", "lat": HOME[0],
                        "lon": HOME[1], "range_m": 1500, "azimuth": 120, "status": "on_air",
                        "prb_util_busy_hour": 0.42}


def complaint(type_: str = "no_service", *, location: tuple[float, float] | None = HOME,
              reported_at: str = REPORTED, **extra: Any) -> Complaint:
    data: dict[str, Any] = {"id": "T1", "type": type_, "msisdn": MSISDN,
                            "reported_at": reported_at, **extra}
    if location is not None:
        data["location"] = {"lat": location[0], "lon": location[1]}
    return parse_complaint(data)


def sources(**tables: Any) -> dict[str, Any]:
    """A sources block with the default healthy records, tables overridden by keyword."""
    block: dict[str, Any] = {
        "hlr": {"subscribers": [SUBSCRIBER], "devices": [DEVICE]},
        "billing": {"accounts": [ACCOUNT], "customers": [CUSTOMER]},
        "coverage": {"cells": [CELL], "alarms": [], "planned_works": [], "coverage_gaps": [],
                     "measurements": []},
    }
    block = copy.deepcopy(block)
    for name, rows in tables.items():
        for source in block.values():
            if name in source:
                source[name] = rows
    return block


def store(**tables: Any) -> RecordStore:
    return RecordStore(records_from_mapping(sources(**tables)))


def hlr(c: Complaint, **tables: Any) -> dict[str, Any]:
    return HlrAdapter(store(**tables)).fetch(c, 1.0)


def billing(c: Complaint, **tables: Any) -> dict[str, Any]:
    return BillingAdapter(store(**tables)).fetch(c, 1.0)


def coverage(c: Complaint, **tables: Any) -> dict[str, Any]:
    return CoverageAdapter(store(**tables)).fetch(c, 1.0)


def with_(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(record)
    out.update(changes)
    return out


def destination(lat: float, lon: float, bearing_deg: float, distance_m: float,
                ) -> tuple[float, float]:
    """The point `distance_m` from (lat, lon) along the initial bearing (spherical Earth)."""
    delta = distance_m / EARTH_RADIUS_M
    theta = math.radians(bearing_deg)
    phi1, lam1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(math.sin(phi1) * math.cos(delta)
                     + math.cos(phi1) * math.sin(delta) * math.cos(theta))
    lam2 = lam1 + math.atan2(math.sin(theta) * math.sin(delta) * math.cos(phi1),
                             math.cos(delta) - math.sin(phi1) * math.sin(phi2))
    return math.degrees(phi2), (math.degrees(lam2) + 540) % 360 - 180
