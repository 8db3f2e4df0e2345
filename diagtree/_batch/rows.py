"""One row of a complaints frame → the complaint mapping `parse_complaint` reads.

A row is a mapping of column → cell: the contract's dotted columns (``location.lat``), or — from
JSON lines — nested objects (``location: {lat, lon}``). An empty or NA cell is an absent field.
Cells typed by the file (Parquet, pandas) are taken as they are, numpy scalars as Python
values; text cells of number columns (CSV) must read as a number; ``history`` is the JSON text
of the list (or the list itself). Anything wrong raises `ComplaintError` naming the column;
everything else is `parse_complaint`'s to check — a batch row is judged exactly like a complaint
given to `Engine.diagnose`.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from collections.abc import Mapping
from typing import Any, Final

from diagtree import ComplaintError

__all__ = ["PARENTS", "complaint_of", "is_absent"]

#: the objects a dotted column names a field of
PARENTS: Final = frozenset({"location", "subject", "incident"})
#: the columns whose cells are numbers (in a CSV, their text must read as one)
_DECIMALS: Final = frozenset({"location.lat", "location.lon"})
_COUNTS: Final = frozenset({"incident.distinct_customers_24h"})
#: the columns whose cells are taken as they are (`parse_complaint` checks them)
_TOP: Final = frozenset({"id", "type", "msisdn", "channel", "text", "reported_at",
                         "agent_role"})
_DECIMAL: Final = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
#: a whole number, also as pandas writes an integer column that has NAs (``56.0``)
_INTEGER: Final = re.compile(r"\+?[0-9]+(?:\.0*)?")


def is_absent(value: Any) -> bool:
    """An empty or NA cell: None, pandas' NA and NaT, NaN, the empty text."""
    if value is None or (isinstance(value, str) and value == ""):
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    kind = type(value).__name__
    return kind in {"NAType", "NaTType"}


def _plain(value: Any) -> Any:
    """A numpy scalar, array or pandas timestamp as the Python value it holds."""
    module = type(value).__module__
    if module.startswith("numpy"):
        return value.tolist() if hasattr(value, "tolist") else value
    if module.startswith("pandas") and hasattr(value, "to_pydatetime"):
        stamp: _dt.datetime = value.to_pydatetime()
        return stamp
    return value


def _number(column: str, value: Any) -> Any:
    if column not in _DECIMALS and column not in _COUNTS:
        return value
    if not isinstance(value, str):
        if column in _COUNTS and isinstance(value, float) and value.is_integer():
            return int(value)  # an integer column with NAs reads back as floats
        return value
    text = value.strip()
    if column in _COUNTS:
        if not _INTEGER.fullmatch(text):
            raise ComplaintError(column, f"{value[:30]!r} is not a whole number")
        return int(text.partition(".")[0])
    if not _DECIMAL.fullmatch(text):
        raise ComplaintError(column, f"{value[:30]!r} is not a number")
    return float(text)


def _history(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise ComplaintError("history", f"not valid JSON text of a list: {exc.msg} at "
                             f"character {exc.pos}") from None
    except RecursionError:
        raise ComplaintError("history", "the JSON nests too deeply to read") from None


def complaint_of(row: Mapping[Any, Any]) -> dict[str, Any]:
    """The complaint mapping of one row (absent cells left out); `ComplaintError` names the
    column of a cell that cannot be read, or an unknown column."""
    out: dict[str, Any] = {}
    for key, raw in row.items():
        if raw.__class__ is str:  # a CSV's cells: the common case, kept quick
            if not raw:
                continue
            value: Any = raw
        elif is_absent(raw):
            continue
        else:
            value = _plain(raw)
        column = key if key.__class__ is str else str(key)
        if column in _TOP:
            out[column] = value
            continue
        parent, dot, child = column.partition(".")
        if dot:
            if parent not in PARENTS:
                raise ComplaintError(column, "unknown column", "complaint_unknown_field")
            nested = out.setdefault(parent, {})
            if not isinstance(nested, dict):
                raise ComplaintError(column, f"{parent} is given twice (as an object and as "
                                     "columns)")
            nested[child] = _number(column, value)
        elif column == "history":
            out[column] = _history(value)
        elif column in PARENTS and isinstance(value, Mapping):
            fields = {k: v for k, v in value.items() if not is_absent(v)}
            if column in out:
                raise ComplaintError(column, f"{column} is given twice (as an object and as "
                                     "columns)")
            out[column] = {str(k): _number(f"{column}.{k}", _plain(v)) for k, v in fields.items()}
        else:
            out[column] = value
    return out
