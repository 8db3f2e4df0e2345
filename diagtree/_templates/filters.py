"""The filters scripts may use, per locale: `time`, `date`, `datetime`, `money`, `hours`."""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable
from typing import Any, Final

from diagtree._templates.limits import TemplateLimitError

__all__ = ["EN_FILTERS", "MAX_SAID_NUMBER", "locale_filters"]


_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


def _as_date(value: Any) -> _dt.date:
    if isinstance(value, str):
        value = _dt.date.fromisoformat(value[:10])
    return value.date() if isinstance(value, _dt.datetime) else value


#: the largest amount (or number of hours) the `money` and `hours` filters say: beyond it a
#: number is nonsense to read out to a customer, and would lose its cents as a float
MAX_SAID_NUMBER: Final = 1e15


def _number(value: Any, what: str) -> float:
    """`value` as a float a customer can be told; a TemplateLimitError (or the ValueError or
    TypeError of `float`) for anything else: huge, not finite, not a number."""
    try:
        n = float(value)
    except OverflowError:
        n = math.inf
    if not math.isfinite(n) or abs(n) > MAX_SAID_NUMBER:
        shown = f"a number of {value.bit_length()} bits" if isinstance(value, int) else repr(n)
        raise TemplateLimitError(f"the {what} is out of range ({shown})")
    return n


def _hh_mm(value: _dt.datetime) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"  # as %H:%M, without strftime's cost


def locale_filters(locale: str) -> dict[str, Callable[..., str]]:
    zh = locale.startswith("zh")

    def time(value: Any) -> str:
        return _hh_mm(value) if isinstance(value, _dt.datetime) else str(value)

    def date(value: Any) -> str:
        d = _as_date(value)
        if zh:
            return f"{d.year}年{d.month}月{d.day}日"
        return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"

    def datetime(value: Any) -> str:
        if not isinstance(value, _dt.datetime):
            return date(value)
        if zh:  # the date as docs/taxonomy.md §6 writes it (2027年3月31日), then the time (13:00)
            return f"{value.year}年{value.month}月{value.day}日{_hh_mm(value)}"
        return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}, {_hh_mm(value)}"

    def money(value: Any) -> str:
        amount = _number(value, "amount")
        return f"{amount:.2f}元" if zh else f"CNY {amount:.2f}"

    def hours(value: Any) -> str:
        n = _number(value, "number of hours")
        text = f"{n:g}"
        return f"{text}小时" if zh else f"{text} hours"

    return {"time": time, "date": date, "datetime": datetime, "money": money, "hours": hours}


EN_FILTERS: Final = frozenset(locale_filters("en"))
