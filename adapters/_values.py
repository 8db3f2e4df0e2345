"""Reading single values out of backend records, as the fact types want them.

Records from `RecordStore` are already typed, so each reader returns at once; records from an
operator's own backend may hold ISO strings, ints for codes, lists for tuples: they are
converted here. A value that cannot be read raises `ValueError`; the adapters turn it into a
`SourceError` (the source's facts become unavailable rather than wrong).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from ._times import FIRST_TIME, LAST_TIME, parse_date, parse_datetime

__all__ = ["MAX_MAGNITUDE", "brief", "choice", "day", "decimal", "finite", "flag", "money",
           "number", "sub", "text", "texts", "when"]

#: the largest magnitude a number in a record may have: far beyond any amount of money, MB or
#: dBm, and small enough that products of two (quantity × rate) stay exact in `decimal`'s 28
#: digits and every value converts to a float. NaN and ±inf fail the same test.
MAX_MAGNITUDE: Final = 1e12
_CENT: Final = Decimal("0.01")
_STR: Final = frozenset({str})


def sub(record: Mapping[str, Any] | None, key: str) -> Mapping[str, Any] | None:
    """A nested mapping field, or None."""
    if record is None:
        return None
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValueError(f"{key}: expected a mapping, got {type(value).__name__}")
    return value


def text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected a string, got {value!r}")


def number(value: Any) -> int | float | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE:  # False for NaN and ±inf too
            return value
        raise ValueError(f"expected a finite number of magnitude at most {MAX_MAGNITUDE:g}, "
                         f"got {brief(value)}")
    raise ValueError(f"expected a number, got {value!r}")


def finite(values: Sequence[int | float]) -> None:
    """Check numbers at once, as `number` does one by one: ValueError for NaN, ±inf or an
    absurd magnitude (one exact sum, then min and max: no Python-level loop when all is well).
    """
    if not values:
        return
    try:
        total = math.fsum(values)
    except OverflowError:  # an int too large for a float
        total = math.inf
    if math.isfinite(total) and min(values) >= -MAX_MAGNITUDE and max(values) <= MAX_MAGNITUDE:
        return
    for v in values:
        number(v)
    raise ValueError("numbers whose sum is not finite")  # e.g. 1e308 + 1e308 (absurd anyway)


def brief(value: int | float) -> str:
    """A number for a message: huge integers by their size, not their 400 digits."""
    if isinstance(value, int) and abs(value) > 10**15:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    return repr(value)


def flag(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"expected true or false, got {value!r}")


def when(value: Any) -> _dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime) and value.tzinfo is not None and (
            1 < value.year < 9999  # an aware comparison only in the calendar's end years
            or FIRST_TIME <= value <= LAST_TIME):
        return value
    return parse_datetime(value)


def day(value: Any) -> _dt.date | None:
    if value is None:
        return None
    if type(value) is _dt.date:
        return value
    return parse_date(value)


def choice(value: Any, values: tuple[str, ...] | frozenset[str]) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value in values:
        return value
    raise ValueError(f"{value!r} is not one of {', '.join(sorted(values))}")


def texts(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if type(value) is tuple and set(map(type, value)) <= _STR:
        return value  # already what it should be (typed records): no call per item
    if isinstance(value, list | tuple):
        return tuple(text(v) or "" for v in value)
    raise ValueError(f"expected a list, got {value!r}")


def money(value: Decimal | float | int) -> float:
    """A CNY amount rounded half-up to the cent, as a float."""
    return float(Decimal(str(value)).quantize(_CENT, rounding=ROUND_HALF_UP))


def decimal(value: float | int) -> Decimal:
    """The decimal a number was written as (0.29, not 0.2899999…)."""
    return Decimal(str(value))
