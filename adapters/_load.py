"""`load_records`: read source records from a file or a data folder (YAML, JSON or CSV).

``load_records(path)`` accepts:

- a single YAML/JSON file holding a ``sources:`` block: ``{hlr: {...}, billing: {...},
  coverage: {...}}`` (optionally wrapped in a top-level ``sources:`` key);
- a folder holding, for each source (``hlr``, ``billing``, ``coverage``; any may be missing):

  - a file ``<source>.yaml`` / ``.yml`` / ``.json`` with that source's tables
    (``{subscribers: [...], devices: [...]}``), or
  - a sub-folder ``<source>/`` with one file per table, ``<table>.csv`` (or ``.json``,
    ``.yaml``, ``.yml`` holding a list of records).

YAML is read with ``yaml.safe_load`` only.

CSV layout (UTF-8, a header row, one record per row):

- tables and their files: ``hlr/subscribers.csv``, ``hlr/devices.csv``,
  ``billing/accounts.csv``, ``billing/customers.csv``, ``coverage/cells.csv``,
  ``coverage/alarms.csv``, ``coverage/planned_works.csv``, ``coverage/coverage_gaps.csv``,
  ``coverage/measurements.csv``; columns are the record's field names (sources.md);
- an empty cell, or ``null``, is a null (missing) field; booleans are ``true``/``false``
  (also ``1``/``0``, ``yes``/``no``); numbers and ISO times/dates are written as usual;
- nested mappings use dotted column names: ``registration.state``, ``registration.last_update``,
  ``services.voice``, ``call_forwarding.unconditional``, ``plan.code``,
  ``plan.rates.data_per_mb``, ``confirmation.replied_at``; a group whose cells are all empty is
  a null mapping;
- a list of strings is written ``a;b;c`` or as a JSON array (``plan.includes``, ``cells`` of a
  planned work, ``affects`` of an alarm);
- a list of records is a JSON array in its cell (``odb``, ``charges``, …), or a *child table*
  with an ``msisdn`` column naming the parent record, its other columns the item's fields (rows
  are appended in file order after any JSON cell items):

  ==============================  ===========================================
  child table                     appended to
  ==============================  ===========================================
  ``hlr/odb.csv``                 ``odb`` of the subscriber
  ``billing/charges.csv``         ``charges`` of the account
  ``billing/vas_subscriptions.csv``  ``vas_subscriptions`` of the account
  ``billing/payments.csv``        ``payments`` of the account
  ``billing/recharge_cards.csv``  ``recharge_cards`` of the account
  ==============================  ===========================================

Errors name the file, the line (CSV: the line number of the row, header = line 1) or row, and
the field: ``data/coverage/cells.csv line 7: field 'range_m': expected a number, got 'far'``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import yaml

from ._records import SourceRecords, records_from_mapping, source_tables, table_records
from ._schema import SHAPES, RecordError, Shape, normalize

__all__ = ["CHILD_TABLES", "load_records"]

#: child table -> (parent table, list field)
CHILD_TABLES: Final[Mapping[str, Mapping[str, tuple[str, str]]]] = {
    "hlr": {"odb": ("subscribers", "odb")},
    "billing": {
        "charges": ("accounts", "charges"),
        "vas_subscriptions": ("accounts", "vas_subscriptions"),
        "payments": ("accounts", "payments"),
        "recharge_cards": ("accounts", "recharge_cards"),
    },
    "coverage": {},
}
_STRUCTURED: Final = (".yaml", ".yml", ".json")
_NULLS: Final = frozenset({"", "null", "none", "~"})


def load_records(path: str | Path) -> SourceRecords:
    """The records in a file or data folder (layout in the module docstring)."""
    root = Path(path)
    if root.is_file():
        data = _read_structured(root)
        if isinstance(data, Mapping) and set(data) == {"sources"}:
            data = data["sources"]
        return records_from_mapping(data, origin=str(root))
    if not root.is_dir():
        raise RecordError(str(root), None, "no such file or folder")
    tables: dict[str, Any] = {}
    for source in SHAPES:
        files = [p for ext in _STRUCTURED if (p := root / f"{source}{ext}").is_file()]
        folder = root / source
        if len(files) + folder.is_dir() > 1:
            found = [p.name for p in files] + ([f"{source}/"] if folder.is_dir() else [])
            raise RecordError(str(root), None, f"source {source!r} is given twice: "
                              f"{', '.join(found)} (keep one)")
        if files:
            data = _read_structured(files[0])
            if isinstance(data, Mapping) and set(data) == {source}:
                data = data[source]
            tables.update(source_tables(data, source, origin=str(files[0])))
        elif folder.is_dir():
            tables.update(_read_folder(folder, source))
    return SourceRecords(**tables)


def _read_structured(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordError(str(path), None, f"cannot read: {exc}") from None
    try:
        if path.suffix == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise RecordError(f"{path}:{exc.lineno}:{exc.colno}", None,
                          f"not valid JSON: {exc.msg}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        raise RecordError(where, None, f"not valid YAML: {exc}") from None


def _read_folder(folder: Path, source: str) -> dict[str, tuple[Mapping[str, Any], ...]]:
    shapes = SHAPES[source]
    children = CHILD_TABLES[source]
    known = {*shapes, *children}
    rows: dict[str, tuple[list[Any], Path, list[str] | None]] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".csv", *_STRUCTURED) or not path.is_file():
            continue
        table = path.stem
        if table not in known:
            raise RecordError(str(path), None, f"unknown table {table!r} for source {source!r} "
                              f"(expected {', '.join(sorted(known))})")
        if table in rows:
            raise RecordError(str(path), None, f"table {table!r} is given twice "
                              f"({rows[table][1].name} and {path.name})")
        if path.suffix == ".csv":
            rows[table] = _read_csv(path)
        else:
            data = _read_structured(path)
            if not isinstance(data, list):
                raise RecordError(str(path), None, "expected a list of records")
            rows[table] = (data, path, None)
    _attach_children(rows, source)
    out: dict[str, tuple[Mapping[str, Any], ...]] = {}
    for table, (data, path, lines) in rows.items():
        if table in shapes:
            names = [f"row {i}" for i in range(len(data))] if lines is None else lines
            out[table] = table_records(data, source, table, origin=str(path),
                                       text=lines is not None, row_names=names)
    return out


def _read_csv(path: Path) -> tuple[list[Any], Path, list[str]]:
    """The rows of a CSV file (nested by dotted columns) and their ``line N`` names."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                return [], path, []
            header = [h.strip() for h in header]
            records: list[Any] = []
            lines: list[str] = []
            for values in reader:
                if not any(v.strip() for v in values):
                    continue
                if len(values) != len(header):
                    raise RecordError(f"{path} line {reader.line_num}", None,
                                      f"{len(values)} cells for {len(header)} columns")
                records.append(_nest(dict(zip(header, values, strict=True))))
                lines.append(f"line {reader.line_num}")
            return records, path, lines
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RecordError(str(path), None, f"cannot read CSV: {exc}") from None


def _nest(flat: Mapping[str, str]) -> dict[str, Any]:
    """Dotted columns into nested mappings; a group of empty cells is None."""
    out: dict[str, Any] = {}
    for column, value in flat.items():
        node = out
        *parents, leaf = column.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return {k: _collapse(v) for k, v in out.items()}


def _collapse(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    inner = {k: _collapse(v) for k, v in value.items()}
    if all(v is None or (isinstance(v, str) and v.strip().lower() in _NULLS)
           for v in inner.values()):
        return None
    return inner


def _attach_children(rows: dict[str, tuple[list[Any], Path, list[str] | None]],
                     source: str) -> None:
    """Append each child table's rows to the list field of the parent they name by msisdn."""
    for child, (parent, list_field) in CHILD_TABLES[source].items():
        if child not in rows:
            continue
        items, path, lines = rows.pop(child)
        if parent not in rows:
            raise RecordError(str(path), None, f"child table {child!r} needs the {parent!r} table")
        parents, _, _ = rows[parent]
        by_msisdn = {str(p.get("msisdn")): p for p in parents if isinstance(p, dict)}
        shape = SHAPES[source][parent].fields[list_field].shape or Shape()
        for i, raw in enumerate(items):
            where = f"{path} {lines[i]}" if lines is not None else f"{path} row {i}"
            if not isinstance(raw, Mapping):
                raise RecordError(where, None, "expected a mapping")
            item = dict(raw)
            msisdn = str(item.pop("msisdn", "") or "")
            target = by_msisdn.get(msisdn)
            if target is None:
                raise RecordError(where, "msisdn",
                                  f"{msisdn!r} is not in the {parent} table" if msisdn
                                  else "is required (the parent record)")
            record = normalize(item, shape, where, text=lines is not None)
            existing = target.get(list_field)
            if isinstance(existing, str):
                existing = None if existing.strip().lower() in _NULLS else _json_list(
                    existing, f"{source}.{parent} msisdn {msisdn}: field {list_field!r}")
            target[list_field] = [*(existing or []), record]


def _json_list(value: str, where: str) -> list[Any]:
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise RecordError(where, None, f"not a JSON list: {exc.msg}") from None
    if not isinstance(parsed, list):
        raise RecordError(where, None, "expected a JSON list")
    return parsed
