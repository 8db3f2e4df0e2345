"""The shapes of source records (docs/sources.md) and their validation into typed values.

`normalize` checks one record against its table's `Shape` and returns a copy whose known fields
are typed: times become aware `datetime`, dates `date`, numbers `int`/`float`, lists tuples;
an optional field that is missing or null becomes ``None`` (a known absence). Fields the shape
does not know are kept unchanged (a record may carry more fields than the adapters use).

With ``text=True`` (CSV cells) strings are read as what the field needs: ``""`` and ``null`` are
null, ``true``/``false`` (also ``1``/``0``, ``yes``/``no``) are booleans, numbers are parsed, and
a list of strings may be written ``a;b;c`` or as a JSON array.

Anything wrong raises `RecordError` (a `ValueError`) naming where the record came from, the row
and the field.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from diagtree import ConfigurationError

from ._times import parse_date, parse_datetime
from ._values import MAX_MAGNITUDE, brief

__all__ = ["SHAPES", "TABLES", "Field", "RecordError", "Shape", "normalize"]


class RecordError(ConfigurationError):
    """A source record is malformed; the message names the file/table, row and field. A
    `ConfigurationError` (and so a `ValueError`): the records are what the code building the
    engine hands to its mock sources. The reason and the message mask any MSISDN or IMSI they
    quote, like every diagtree error's: error messages end up in logs."""

    def __init__(self, where: str, field_name: str | None, reason: str) -> None:
        super().__init__(f"{where}: field {field_name!r}" if field_name else where, reason)
        self.where = where
        self.field: str | None = field_name  # type: ignore[assignment]  # None: the whole record

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.where, self.field, self.reason), self.__dict__)


@dataclass(frozen=True)
class Field:
    """One field: its kind, whether it is required, enum values, or a nested shape."""

    kind: str  # str num bool datetime date enum strlist enumlist flags map maplist any
    required: bool = False
    values: tuple[str, ...] = ()
    shape: Shape | None = None
    bounds: tuple[float, float] | None = None  # num: the range it must lie in (inclusive)


@dataclass(frozen=True)
class Shape:
    fields: Mapping[str, Field] = field(default_factory=dict)


def _f(kind: str, *values: str, required: bool = False, shape: Shape | None = None,
       bounds: tuple[float, float] | None = None) -> Field:
    return Field(kind, required, tuple(values), shape, bounds)


REQ: Final = True
LAT: Final = (-90.0, 90.0)
LON: Final = (-180.0, 180.0)
#: a cell's range or a gap's radius: up to half the Earth's circumference (it then covers all)
RADIUS: Final = (0.0, 20_015_115.0)
SERVICES: Final = ("voice", "sms", "data", "volte", "nr", "roaming")
ODB_CATEGORIES: Final = ("all", "all_outgoing", "all_incoming", "roaming", "premium_sms")
BAR_REASONS: Final = ("arrears", "real_name", "fraud", "customer_request")
RATS: Final = ("GSM", "UMTS", "LTE", "NR")
ALARM_TYPES: Final = ("site_down", "power", "transmission", "degraded", "platform_fault")
AFFECTS: Final = ("sms", "recharge", "data", "voice", "billing")

SUBSCRIBER: Final = Shape({
    "msisdn": _f("str", required=REQ),
    "imsi": _f("str"),
    "imei": _f("str"),
    "status": _f("enum", "service_granted", "operator_barred", "not_provisioned", "deleted"),
    "odb": _f("maplist", shape=Shape({
        "category": _f("enum", *ODB_CATEGORIES, required=REQ),
        "reason": _f("enum", *BAR_REASONS),
    })),
    "services": _f("flags"),
    "apn": _f("str"),
    "call_forwarding": _f("map", shape=Shape({"unconditional": _f("str")})),
    "registration": _f("map", shape=Shape({
        "state": _f("enum", "registered", "detached", "never"),
        "last_update": _f("datetime"),
        "rat": _f("enum", *RATS),
        "cell_id": _f("str"),
        "roaming_plmn": _f("str"),
    })),
    "number_state": _f("enum", "in_use", "suspended", "reclaimed"),
    "suspended_since": _f("date"),
})
DEVICE: Final = Shape({
    "tac": _f("str", required=REQ), "model": _f("str"), "volte": _f("bool"), "nr": _f("bool"),
})
CHARGE: Final = Shape({
    "id": _f("str"), "cycle": _f("str"), "kind": _f("str"), "item": _f("str"),
    "amount": _f("num", required=REQ), "sp_code": _f("str"), "quantity": _f("num"),
    "unit": _f("str"), "usage_ref": _f("str"),
})
VAS: Final = Shape({
    "sp_code": _f("str", required=REQ), "service": _f("str"), "monthly_fee": _f("num"),
    "status": _f("enum", "active", "cancelled"), "subscribed_at": _f("datetime"),
    "channel": _f("enum", "sms", "web", "app", "store"),
    "confirmation": _f("map", shape=Shape({
        "sent_at": _f("datetime"), "replied_at": _f("datetime"),
    })),
})
PAYMENT: Final = Shape({
    "id": _f("str", required=REQ), "amount": _f("num"), "channel": _f("str"),
    "at": _f("datetime"), "posted": _f("bool"),
})
CARD: Final = Shape({
    "serial": _f("str", required=REQ), "value": _f("num"), "expires_on": _f("date"),
    "used": _f("bool"),
})
ACCOUNT: Final = Shape({
    "msisdn": _f("str", required=REQ),
    "status": _f("enum", "active", "suspended", "terminated"),
    "suspended_reason": _f("enum", "arrears", "customer_request", "fraud", "real_name"),
    "balance": _f("num"),
    "overdue_amount": _f("num"),
    "plan": _f("map", shape=Shape({
        "code": _f("str"), "monthly_fee": _f("num"), "data_quota_mb": _f("num"),
        "data_used_mb": _f("num"), "throttle_after_quota": _f("bool"),
        "cycle_resets_on": _f("date"), "includes": _f("strlist"),  # unknown names: unread
        "rates": _f("map", shape=Shape({
            "voice_per_min": _f("num"), "sms_each": _f("num"), "data_per_mb": _f("num"),
        })),
    })),
    "charges": _f("maplist", shape=CHARGE),
    "vas_subscriptions": _f("maplist", shape=VAS),
    "payments": _f("maplist", shape=PAYMENT),
    "recharge_cards": _f("maplist", shape=CARD),
})
CUSTOMER: Final = Shape({
    "msisdn": _f("str", required=REQ), "name": _f("str"), "tier": _f("enum", "normal", "vip"),
})
CELL: Final = Shape({
    "cell_id": _f("str", required=REQ), "tech": _f("enum", *RATS),
    "lat": _f("num", required=REQ, bounds=LAT), "lon": _f("num", required=REQ, bounds=LON),
    "range_m": _f("num", required=REQ, bounds=RADIUS), "status": _f("str"),
    "prb_util_busy_hour": _f("num"),
})
ALARM: Final = Shape({
    # a platform fault is told by its type and `affects`; without `raised_at` an open alarm
    # counts (docs/sources.md: the list holds open alarms)
    "element": _f("str"), "type": _f("enum", *ALARM_TYPES, required=REQ),
    "severity": _f("enum", "critical", "major", "minor", "warning"),
    "raised_at": _f("datetime"), "eta": _f("datetime"),
    "affects": _f("strlist"),
})
WORK: Final = Shape({
    "cells": _f("strlist", required=REQ), "start": _f("datetime", required=REQ),
    "end": _f("datetime", required=REQ), "description": _f("str"),
})
GAP: Final = Shape({
    "lat": _f("num", required=REQ, bounds=LAT), "lon": _f("num", required=REQ, bounds=LON),
    "radius_m": _f("num", required=REQ, bounds=RADIUS), "planned_fix": _f("date"),
    "note": _f("str"),
})
MEASUREMENT: Final = Shape({
    "lat": _f("num", required=REQ, bounds=LAT), "lon": _f("num", required=REQ, bounds=LON),
    "rsrp_dbm": _f("num"), "sinr_db": _f("num"), "at": _f("datetime"),
})

#: source -> table -> shape of its records
SHAPES: Final[Mapping[str, Mapping[str, Shape]]] = {
    "hlr": {"subscribers": SUBSCRIBER, "devices": DEVICE},
    "billing": {"accounts": ACCOUNT, "customers": CUSTOMER},
    "coverage": {"cells": CELL, "alarms": ALARM, "planned_works": WORK,
                 "coverage_gaps": GAP, "measurements": MEASUREMENT},
}
TABLES: Final = {source: tuple(tables) for source, tables in SHAPES.items()}

_NULLS: Final = frozenset({"", "null", "none", "~"})
_OUT_OF_RANGE: Final = "is out of range"
_TRUE: Final = frozenset({"true", "1", "yes", "y", "t"})
_FALSE: Final = frozenset({"false", "0", "no", "n", "f"})


def normalize(record: object, shape: Shape, where: str, *, text: bool = False,
              prefix: str = "") -> dict[str, Any]:
    """A typed copy of `record` (see the module docstring); RecordError when malformed."""
    if not isinstance(record, Mapping):
        raise RecordError(where, prefix.rstrip(".") or None,
                          f"expected a mapping, got {type(record).__name__}")
    out: dict[str, Any] = {str(k): v for k, v in record.items()}
    for name, spec in shape.fields.items():
        path = prefix + name
        value = out.get(name)
        if text and isinstance(value, str) and value.strip().lower() in _NULLS:
            value = None
        if value is None:
            if spec.required:
                raise RecordError(where, path, "is required")
            out[name] = None
            continue
        try:
            out[name] = _convert(value, spec, where, text, path)
        except (ValueError, TypeError) as exc:
            if isinstance(exc, RecordError):
                raise
            raise RecordError(where, path, str(exc)) from None
    return out


def _convert(value: Any, spec: Field, where: str, text: bool, path: str) -> Any:
    kind = spec.kind
    if kind == "str":
        return _string(value)
    if kind == "num":
        bounds = spec.bounds
        if bounds is None:
            return _number(value, text)
        # the field's own range first: lat 1e400 is out of -90..90, whatever else it is
        number = value if isinstance(value, int | float) and not isinstance(value, bool) \
            else _number(value, text)
        if not bounds[0] <= number <= bounds[1]:  # NaN included
            raise ValueError(f"{_short(number)} {_OUT_OF_RANGE} ({bounds[0]:g} to {bounds[1]:g})")
        return number
    if kind == "bool":
        return _boolean(value, text)
    if kind == "datetime":
        return parse_datetime(value)
    if kind == "date":
        return parse_date(value)
    if kind == "enum":
        return _enum(_string(value), spec.values)
    if kind in ("strlist", "enumlist"):
        items = _list(value, text)
        strings = tuple(_string(v) for v in items)
        if kind == "enumlist":
            for s in strings:
                _enum(s, spec.values)
        return strings
    if kind == "flags":
        mapping = _json(value) if text and isinstance(value, str) else value
        if not isinstance(mapping, Mapping):
            raise ValueError(f"expected a mapping of name: true/false, got {_short(value)}")
        return {str(k): (None if v is None else _boolean(v, text)) for k, v in mapping.items()}
    if kind == "map":
        mapping = _json(value) if text and isinstance(value, str) else value
        return normalize(mapping, spec.shape or Shape(), where, text=text, prefix=path + ".")
    if kind == "maplist":
        shape = spec.shape or Shape()
        return tuple(normalize(item, shape, where, text=text, prefix=f"{path}[{i}].")
                     for i, item in enumerate(_list(value, text)))
    return value


def _string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # an unquoted MSISDN or SP code in YAML
    if isinstance(value, _dt.date):
        return value.isoformat()  # an unquoted date-like code in YAML
    raise ValueError(f"expected a string, got {type(value).__name__} {_short(value)}")


def _number(value: Any, text: bool) -> int | float:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, int | float):
        return _sized(value)
    if text and isinstance(value, str):
        s = value.strip()
        try:
            return _sized(int(s))
        except ValueError as exc:  # not an integer, one out of range, or of 4300+ digits
            if _OUT_OF_RANGE in str(exc):
                raise
        try:
            number = float(s)
        except ValueError:
            raise ValueError(f"expected a number, got {_short(value)}") from None
        if math.isinf(number) and s.lower().lstrip("+-") not in ("inf", "infinity"):
            raise ValueError(f"{_short(value)} {_OUT_OF_RANGE} (a number's magnitude is at most "
                             f"{MAX_MAGNITUDE:g})")
        return _sized(number)
    raise ValueError(f"expected a number, got {type(value).__name__} {_short(value)}")


def _sized(value: int | float) -> int | float:
    """`value` when finite and of a sane magnitude (`MAX_MAGNITUDE`); ValueError otherwise."""
    if -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE:  # False for NaN and ±inf too
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    raise ValueError(f"{brief(value)} {_OUT_OF_RANGE} (a number's magnitude is at most "
                     f"{MAX_MAGNITUDE:g})")


def _short(value: Any) -> str:
    """A value for a message: at most 80 characters, whatever its repr does."""
    try:
        text = brief(value) if isinstance(value, int) else repr(value)
    except Exception:  # a caller's object whose repr fails
        text = f"<a {type(value).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


def _boolean(value: Any, text: bool) -> bool:
    if isinstance(value, bool):
        return value
    if text and isinstance(value, str):
        s = value.strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
    raise ValueError(f"expected true or false, got {_short(value)}")


def _enum(value: str, values: tuple[str, ...]) -> str:
    if value not in values:
        raise ValueError(f"{_short(value)} is not one of {', '.join(values)}")
    return value


def _list(value: Any, text: bool) -> list[Any]:
    if text and isinstance(value, str):
        s = value.strip()
        if s.startswith("["):
            value = _json(s)
        else:
            return [part.strip() for part in s.split(";") if part.strip()]
    if isinstance(value, list | tuple):
        return list(value)
    raise ValueError(f"expected a list, got {type(value).__name__} {_short(value)}")


def _json(value: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{_short(value)} is not valid JSON ({exc.msg})") from None
