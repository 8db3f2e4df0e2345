"""The complaint a CRM sends, parsed and validated into a frozen value.

Shape and rules: ``shared/spec/sources.md`` ("The complaint"). A complaint missing a required
field, with an unknown ``type``, a malformed MSISDN or a bad time raises `ComplaintError` naming
the field. Unknown keys are rejected too (a CRM typo must not be silently ignored).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from ._errors import ComplaintError, did_you_mean

__all__ = ["SYMPTOMS", "Complaint", "HistoryEntry", "Location", "Subject", "parse_complaint"]

VOICE_SYMPTOMS: Final = ("no_service", "weak_signal", "call_drop", "cannot_call_out",
                         "cannot_receive_calls")
DATA_SYMPTOMS: Final = ("slow_data", "no_data")
SYMPTOMS: Final = (
    *VOICE_SYMPTOMS, *DATA_SYMPTOMS, "sms_failure", "bill_dispute", "unknown_vas_charge",
    "service_suspended", "roaming_failure", "recharge_issue", "number_recycled",
    "staff_conduct", "spam_harassment",
)
#: symptoms whose complaint must carry a location (taxonomy: voice, data and sms_failure)
LOCATED_SYMPTOMS: Final = frozenset((*VOICE_SYMPTOMS, *DATA_SYMPTOMS, "sms_failure"))
CHANNELS: Final = ("hotline", "app", "store", "social_media", "regulator", "media")
ROLES: Final = ("agent", "supervisor")

_MSISDN = re.compile(r"^[1-9][0-9]{7,14}$")  # E.164 digits without '+'
_KEYS: Final = frozenset({
    "id", "type", "msisdn", "channel", "text", "reported_at", "location", "subject",
    "agent_role", "incident", "history",
})
_SUBJECT_KEYS: Final = ("charge_id", "sp_code", "payment_id", "card_serial", "number")


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True)
class Subject:
    """The one record a complaint is about (all optional)."""

    charge_id: str | None = None
    sp_code: str | None = None
    payment_id: str | None = None
    card_serial: str | None = None
    number: str | None = None


@dataclass(frozen=True)
class HistoryEntry:
    id: str
    at: _dt.datetime | None  # None: not given (such an entry never counts as a repeat)
    type: str | None
    cause: str | None

    @property
    def category(self) -> str | None:
        return self.cause.split(".", 1)[0] if self.cause else None


@dataclass(frozen=True)
class Complaint:
    id: str
    type: str
    msisdn: str
    reported_at: _dt.datetime
    channel: str = "hotline"
    text: str = ""
    location: Location | None = None
    subject: Subject = field(default_factory=Subject)
    agent_role: str = "agent"
    incident_distinct_customers_24h: int = 0
    history: tuple[HistoryEntry, ...] = ()

    @property
    def utc_offset(self) -> _dt.tzinfo:
        tz = self.reported_at.tzinfo
        assert tz is not None
        return tz

    def masked_msisdn(self) -> str:
        return mask_digits(self.msisdn)


def mask_digits(value: str) -> str:
    """Mask an MSISDN or IMSI for logs: keep the first 3 and last 2 digits."""
    if len(value) <= 5:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


def parse_time(value: Any, field_name: str) -> _dt.datetime:
    """An ISO 8601 timestamp with a UTC offset (YAML may already have parsed it)."""
    if isinstance(value, _dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = _dt.datetime.fromisoformat(value)
        except ValueError:
            raise ComplaintError(field_name, f"{value!r} is not an ISO 8601 time "
                                 "(expected e.g. 2026-11-20T09:30:00+08:00)") from None
    else:
        raise ComplaintError(field_name, f"expected an ISO 8601 time, got {type(value).__name__}")
    if parsed.tzinfo is None:
        raise ComplaintError(field_name, f"{value!r} has no UTC offset (add e.g. +08:00)")
    return parsed


def _string(value: Any, field_name: str, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise ComplaintError(field_name, "is required", "complaint_missing_field")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ComplaintError(field_name, f"expected a string, got {type(value).__name__}")
    return str(value)


def _choice(value: Any, field_name: str, choices: tuple[str, ...], default: str) -> str:
    if value is None:
        return default
    text = _string(value, field_name)
    if text not in choices:
        hint = did_you_mean(str(text), choices)
        message = f"{text!r} is not one of {', '.join(choices)}" + (f"; {hint}" if hint else "")
        raise ComplaintError(field_name, message, "complaint_unknown_value")
    return str(text)


def _number(value: Any, field_name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ComplaintError(field_name, f"expected a number, got {value!r}")
    return float(value)


def parse_complaint(data: Mapping[str, Any], *, default_id: str | None = None) -> Complaint:
    """Validate a complaint mapping (from JSON/YAML/the CRM) into a `Complaint`."""
    if not isinstance(data, Mapping):
        raise ComplaintError("(complaint)", f"expected a mapping, got {type(data).__name__}")
    for key in data:
        if key not in _KEYS:
            hint = did_you_mean(str(key), _KEYS)
            raise ComplaintError(str(key), "unknown field" + (f"; {hint}" if hint else ""),
                                 "complaint_unknown_field")
    cid = _string(data.get("id", default_id), "id", required=True)
    ctype = _string(data.get("type"), "type", required=True)
    if ctype not in SYMPTOMS:
        hint = did_you_mean(str(ctype), SYMPTOMS)
        raise ComplaintError("type", f"unknown symptom {ctype!r}" + (f"; {hint}" if hint else ""),
                             "complaint_unknown_symptom")
    msisdn = _string(data.get("msisdn"), "msisdn", required=True)
    assert msisdn is not None and cid is not None
    if not _MSISDN.match(msisdn):
        raise ComplaintError("msisdn", f"{mask_digits(msisdn)!r} is not an E.164 number "
                             "(8 to 15 digits, no '+', e.g. 8613800000001)", "complaint_bad_msisdn")
    if data.get("reported_at") is None:
        raise ComplaintError("reported_at", "is required", "complaint_missing_field")
    reported_at = parse_time(data["reported_at"], "reported_at")

    location = None
    loc = data.get("location")
    if loc is not None:
        if not isinstance(loc, Mapping) or set(loc) - {"lat", "lon"}:
            raise ComplaintError("location", "expected {lat: <degrees>, lon: <degrees>}")
        lat = _number(loc.get("lat"), "location.lat")
        lon = _number(loc.get("lon"), "location.lon")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ComplaintError("location", f"({lat}, {lon}) is not a latitude/longitude")
        location = Location(lat, lon)
    elif ctype in LOCATED_SYMPTOMS:
        raise ComplaintError("location", f"is required for a {ctype} complaint "
                             "(where the problem happens)", "complaint_missing_field")

    subject = Subject()
    sub = data.get("subject")
    if sub is not None:
        if not isinstance(sub, Mapping):
            raise ComplaintError("subject", "expected a mapping")
        for key in sub:
            if key not in _SUBJECT_KEYS:
                hint = did_you_mean(str(key), _SUBJECT_KEYS)
                message = "unknown field" + (f"; {hint}" if hint else "")
                raise ComplaintError(f"subject.{key}", message, "complaint_unknown_field")
        subject = Subject(**{k: _string(sub.get(k), f"subject.{k}") for k in _SUBJECT_KEYS})

    incident = data.get("incident") or {}
    if not isinstance(incident, Mapping) or set(incident) - {"distinct_customers_24h"}:
        raise ComplaintError("incident", "expected {distinct_customers_24h: <count>}")
    distinct = incident.get("distinct_customers_24h", 0) or 0
    if isinstance(distinct, bool) or not isinstance(distinct, int) or distinct < 0:
        raise ComplaintError("incident.distinct_customers_24h", "expected a count (0 or more)")

    history: list[HistoryEntry] = []
    raw_history = data.get("history") or []
    if not isinstance(raw_history, list):
        raise ComplaintError("history", "expected a list of earlier complaints")
    for i, entry in enumerate(raw_history):
        name = f"history[{i}]"
        if not isinstance(entry, Mapping):
            raise ComplaintError(name, "expected {id, at, type, cause}")
        history.append(HistoryEntry(
            id=_string(entry.get("id"), f"{name}.id") or f"#{i}",
            at=None if entry.get("at") is None else parse_time(entry.get("at"), f"{name}.at"),
            type=_string(entry.get("type"), f"{name}.type"),
            cause=_string(entry.get("cause"), f"{name}.cause"),
        ))

    return Complaint(
        id=cid,
        type=ctype,
        msisdn=msisdn,
        reported_at=reported_at,
        channel=_choice(data.get("channel"), "channel", CHANNELS, "hotline"),
        text=_string(data.get("text"), "text") or "",
        location=location,
        subject=subject,
        agent_role=_choice(data.get("agent_role"), "agent_role", ROLES, "agent"),
        incident_distinct_customers_24h=distinct,
        history=tuple(history),
    )
