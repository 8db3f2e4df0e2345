"""`SourceRecords`: the validated records of the three mock sources (docs/sources.md shapes).

`records_from_mapping` takes a scenario's ``sources:`` block, ``{"hlr": {"subscribers": [...],
"devices": [...]}, "billing": {...}, "coverage": {...}}``; a source or table left out holds no
records. Every record is checked and typed (`_schema.normalize`); an unknown source or table
name, a malformed record or a duplicate key (two subscribers with one MSISDN, two cells with one
id, two charges with one id in an account) raises `RecordError` naming the table, row and field.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Final

from ._schema import SHAPES, RecordError, normalize

__all__ = ["Record", "SourceRecords", "records_from_mapping"]

Record = Mapping[str, Any]

#: the key that must be unique in each table (None: no key)
_KEYS: Final[Mapping[str, str | None]] = {
    "subscribers": "msisdn", "devices": "tac", "accounts": "msisdn", "customers": "msisdn",
    "cells": "cell_id", "alarms": None, "planned_works": None, "coverage_gaps": None,
    "measurements": None,
}
#: account sub-lists whose records must have unique keys
_ACCOUNT_KEYS: Final = {"charges": "id", "payments": "id", "recharge_cards": "serial"}


@dataclass(frozen=True)
class SourceRecords:
    """The records each table holds, validated and typed, in their original order."""

    subscribers: tuple[Record, ...] = ()
    devices: tuple[Record, ...] = ()
    accounts: tuple[Record, ...] = ()
    customers: tuple[Record, ...] = ()
    cells: tuple[Record, ...] = ()
    alarms: tuple[Record, ...] = ()
    planned_works: tuple[Record, ...] = ()
    coverage_gaps: tuple[Record, ...] = ()
    measurements: tuple[Record, ...] = ()

    def table(self, name: str) -> tuple[Record, ...]:
        """The records of a table by its name (``subscribers``, ``cells``, …)."""
        value: tuple[Record, ...] = getattr(self, name)
        return value

    def merged(self, other: SourceRecords) -> SourceRecords:
        """These records followed by `other`'s, re-checked for duplicate keys."""
        tables = {f.name: (*self.table(f.name), *other.table(f.name)) for f in fields(self)}
        for name, records in tables.items():
            _check_unique(records, name, f"merged {name} row {{}}".format)
        return SourceRecords(**tables)


def records_from_mapping(mapping: Mapping[str, Any] | None, *, origin: str = "sources",
                         text: bool = False) -> SourceRecords:
    """Validate a ``sources:`` block into `SourceRecords` (see the module docstring).

    `origin` prefixes error messages (a file name); `text` reads CSV-style strings.
    """
    if mapping is None:
        return SourceRecords()
    if not isinstance(mapping, Mapping):
        raise RecordError(origin, None,
                          f"expected a mapping of sources, got {type(mapping).__name__}")
    tables: dict[str, tuple[Record, ...]] = {}
    for source, block in mapping.items():
        if source not in SHAPES:
            hint = did_you_mean(str(source), SHAPES)
            raise RecordError(origin, None, f"unknown source {source!r} (expected hlr, billing, "
                              f"coverage)" + (f"; {hint}" if hint else ""))
        tables.update(source_tables(block, str(source), origin=origin, text=text))
    return SourceRecords(**tables)


def source_tables(block: Any, source: str, *, origin: str, text: bool = False,
                  ) -> dict[str, tuple[Record, ...]]:
    """The validated tables of one source's block (``{"subscribers": [...], ...}``)."""
    if block is None:
        return {}
    if not isinstance(block, Mapping):
        raise RecordError(f"{origin}: {source}", None,
                          f"expected a mapping of tables, got {type(block).__name__}")
    shapes = SHAPES[source]
    out: dict[str, tuple[Record, ...]] = {}
    for table, rows in block.items():
        if table not in shapes:
            hint = did_you_mean(str(table), shapes)
            raise RecordError(f"{origin}: {source}", None,
                              f"unknown table {table!r} (expected {', '.join(shapes)})"
                              + (f"; {hint}" if hint else ""))
        out[table] = table_records(rows, source, table, origin=origin, text=text)
    return out


def table_records(rows: Any, source: str, table: str, *, origin: str, text: bool = False,
                  row_names: Sequence[str] | None = None) -> tuple[Record, ...]:
    """Validate the rows of one table.

    Messages name ``<origin>: <source>.<table> row <i>``, or ``<origin> <row_names[i]>`` when
    `row_names` is given (a table file: ``cells.csv line 7``).
    """
    if rows is None:
        return ()
    if not isinstance(rows, Sequence) or isinstance(rows, str):
        raise RecordError(f"{origin}: {source}.{table}", None,
                          f"expected a list of records, got {type(rows).__name__}")
    shape = SHAPES[source][table]
    def where(i: int) -> str:
        if row_names is not None:
            return f"{origin} {row_names[i]}"
        return f"{origin}: {source}.{table} row {i}"

    records = tuple(normalize(row, shape, where(i), text=text) for i, row in enumerate(rows))
    _check_unique(records, table, where)
    return records


def _check_unique(records: Sequence[Record], table: str, where: Callable[[int], str]) -> None:
    key = _KEYS.get(table)
    if key is not None:
        seen: set[Any] = set()
        for i, record in enumerate(records):
            if record[key] in seen:
                raise RecordError(where(i), key, f"duplicate {key} {record[key]!r}")
            seen.add(record[key])
    if table == "accounts":
        for i, record in enumerate(records):
            for sub, sub_key in _ACCOUNT_KEYS.items():
                # a charge may have no id (docs/sources.md marks none required): it cannot clash
                counts = Counter(item[sub_key] for item in record.get(sub) or ()
                                 if item[sub_key] is not None)
                dupes = sorted(x for x, n in counts.items() if n > 1)
                if dupes:
                    raise RecordError(where(i), sub, f"duplicate {sub_key} {dupes[0]!r} in {sub}")


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A "did you mean" hint for a misspelt source or table name, or None. The names here
    are few and short, so difflib alone does (diagtree's own hint also matches dotted fact
    names by their last segment, which a source or table name never is)."""
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean {matches[0]!r}?" if matches else None
