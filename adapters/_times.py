"""Times and calendar dates in records, and the complaint's local calendar.

Records store times as ISO 8601 strings with a UTC offset and dates as ``YYYY-MM-DD``; YAML may
already have turned them into `datetime.datetime` / `datetime.date` objects. Both are accepted.

A date without a time (``expires_on``, ``planned_fix``, ``cycle_resets_on``,
``suspended_since``) is a calendar date in the complaint's UTC offset (docs/sources.md): compare it
with `local_date`, the complaint's calendar date where it was reported.
"""

from __future__ import annotations

import datetime as _dt
from typing import Final

from diagtree import Complaint

__all__ = ["FIRST_TIME", "LAST_TIME", "in_range", "local_date", "parse_date", "parse_datetime"]

#: the times a record may hold: a day inside the calendar's ends, so that the time reads the
#: same in any UTC offset (a script shows it in the complaint's; 9999-12-31T23:00-08:00 is
#: already past the calendar in UTC). Dates without a time may be any calendar date.
FIRST_TIME: Final = _dt.datetime(1, 1, 2, tzinfo=_dt.UTC)
LAST_TIME: Final = _dt.datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=_dt.UTC)


def in_range(value: _dt.datetime) -> _dt.datetime:
    """`value` (aware) when it lies between `FIRST_TIME` and `LAST_TIME`; ValueError otherwise."""
    if FIRST_TIME <= value <= LAST_TIME:  # aware comparisons never overflow
        return value
    raise ValueError(f"{value.isoformat()} is too near the ends of the calendar (times lie "
                     "between 0001-01-02 and 9999-12-30 in UTC)")


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
    return in_range(parsed)


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
