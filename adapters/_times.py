"""Times and calendar dates in records, and the complaint's local calendar.

Records store times as ISO 8601 strings with a UTC offset and dates as ``YYYY-MM-DD``; YAML may
already have turned them into `datetime.datetime` / `datetime.date` objects. Both are accepted.

A date without a time (``expires_on``, ``planned_fix``, ``cycle_resets_on``,
``suspended_since``) is a calendar date in the complaint's UTC offset (sources.md): compare it
with `local_date`, the complaint's calendar date where it was reported.
"""

from __future__ import annotations

import datetime as _dt

from diagtree._complaint import Complaint

__all__ = ["local_date", "parse_date", "parse_datetime"]


def parse_datetime(value: object) -> _dt.datetime:
    """An aware datetime from a datetime or an ISO 8601 string; ValueError otherwise."""
    if isinstance(value, _dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = _dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 time "
                             "(expected e.g. 2026-11-20T09:30:00+08:00)") from None
    else:
        raise ValueError(f"expected an ISO 8601 time, got {type(value).__name__} {value!r}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"{value!s} has no UTC offset (add e.g. +08:00)")
    return parsed


def parse_date(value: object) -> _dt.date:
    """A calendar date from a date or a ``YYYY-MM-DD`` string; ValueError otherwise."""
    if isinstance(value, _dt.datetime):
        raise ValueError(f"expected a date without a time, got {value.isoformat()}")
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date (expected YYYY-MM-DD)") from None
    raise ValueError(f"expected a date (YYYY-MM-DD), got {type(value).__name__} {value!r}")


def local_date(complaint: Complaint) -> _dt.date:
    """The complaint's calendar date in its own UTC offset (``reported_at`` carries it)."""
    return complaint.reported_at.date()
