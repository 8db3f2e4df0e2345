"""`load_records`: read source records from a file or a data folder (YAML, JSON or CSV).

The layout, for users, is in ``docs/data.md``. ``load_records(path)`` accepts:

- a single YAML/JSON file holding a ``sources:`` block: ``{hlr: {...}, billing: {...},
  coverage: {...}}`` (optionally wrapped in a top-level ``sources:`` key);
- a folder holding, for each source (``hlr``, ``billing``, ``coverage``; any may be missing):

  - a file ``<source>.yaml`` / ``.yml`` / ``.json`` with that source's tables
    (``{subscribers: [...], devices: [...]}``), or
  - a sub-folder ``<source>/`` with one file per table, ``<table>.csv`` (or ``.json``,
    ``.yaml``, ``.yml`` holding a list of records).

A path with no record file it recognises (an empty folder, a folder holding only
``records.yaml``, a file that names no source) is refused with a `RecordError` naming what it
ignored and the layout it expects. Files beside recognised ones that are not part of the layout
are named in an `IgnoredFilesWarning` (never skipped silently); only hidden files (``.name``)
and the ``complaints.yaml`` (with ``--month``: ``complaints.parquet`` or ``.csv``) that
``diagtree demo-data`` writes beside its records are passed over without one.

YAML and JSON files are read under the limits of a tree file (`FILE_LIMITS`, `Limits().yaml()`:
size, values, alias uses, depth), so a hostile file (an alias bomb) is refused at once; YAML is
read safely (no tags that build objects), JSON without ``NaN``/``Infinity`` or duplicate keys.

CSV layout (UTF-8, a header row, one record per row):

- tables and their files: ``hlr/subscribers.csv``, ``hlr/devices.csv``,
  ``billing/accounts.csv``, ``billing/customers.csv``, ``coverage/cells.csv``,
  ``coverage/alarms.csv``, ``coverage/planned_works.csv``, ``coverage/coverage_gaps.csv``,
  ``coverage/measurements.csv``; columns are the record's field names (docs/sources.md);
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

OpenCelliD exports: in ``coverage/``, a ``.csv`` or ``.csv.gz`` file whose name starts with
``opencellid`` or ``cell_towers`` (``coverage/opencellid_460.csv``, ``coverage/cell_towers.csv.gz``)
is read by `read_opencellid` (the export's own 14 columns, header row or not; ``_opencellid.py``)
and its cells appended to the ``cells`` table (after ``cells.csv``, files in name order); a
cell id given twice across them is a `RecordError`.

Errors name the file, the line (CSV: the line number of the row, header = line 1) or row, and
the field: ``data/coverage/cells.csv line 7: field 'range_m': expected a number, got 'far'``.
"""

from __future__ import annotations

import csv
import gc
import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from diagtree import AuthoringError, Limits, read_yaml

from ._csvfast import RawTable, fast_tables
from ._opencellid import is_opencellid_file, read_opencellid
from ._records import SourceRecords, records_from_mapping, source_tables, table_records
from ._schema import SHAPES, RecordError, Shape, normalize

__all__ = ["CHILD_TABLES", "LAYOUT", "IgnoredFilesWarning", "load_records"]

#: the limits of a tree file, under which `read_yaml` reads every YAML file diagtree reads
#: besides trees; a JSON record file is held to the same
FILE_LIMITS: Final = Limits().yaml()

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
#: beside the records, a demo data folder holds its complaints (`diagtree demo-data`)
_COMPLAINTS: Final = frozenset({"complaints.yaml", "complaints.parquet", "complaints.csv"})
#: what a data path may be, for messages
LAYOUT: Final = (
    "a data folder holds hlr.yaml, billing.yaml, coverage.yaml (or .yml/.json), or folders "
    "hlr/, billing/, coverage/ with one file per table (e.g. coverage/cells.csv); a single "
    ".yaml/.yml/.json file holding every source (hlr:, billing:, coverage:) is given as the "
    "path itself (see docs/data.md)")


class IgnoredFilesWarning(UserWarning):
    """A data folder holds files that are not part of its layout; `ignored` names them."""

    def __init__(self, folder: str, ignored: tuple[str, ...]) -> None:
        self.folder = folder
        self.ignored = ignored
        super().__init__(f"{folder}: ignored {', '.join(ignored)} (not record files of the "
                         "layout: hlr/billing/coverage files or folders; see docs/data.md)")


def load_records(path: str | Path) -> SourceRecords:
    """The records in a file or data folder (layout in the module docstring and docs/data.md).

    Raises `RecordError` for a malformed record or file, and for a path with no record file it
    recognises; warns (`IgnoredFilesWarning`) naming the files of a folder it passed over.
    """
    root = Path(path)
    if root.is_file():
        return _load_file(root)
    if not root.is_dir():
        raise RecordError(str(root), None, "no such file or folder")
    # a month's folder makes millions of dicts that all live on: the cyclic collector's passes
    # over them find nothing and cost more than the reading (2x at 50 000 subscribers, more
    # beyond), so it pauses while the folder is read
    paused = gc.isenabled()
    gc.disable()
    try:
        return _load_folder(root)
    finally:
        if paused:
            gc.enable()


def _load_folder(root: Path) -> SourceRecords:
    """The records of a data folder (`load_records`; warnings name its caller)."""
    tables: dict[str, Any] = {}
    used: set[str] = set()  # the folder's entries that are part of the layout
    ignored: list[str] = []  # files passed over inside the source folders
    found = 0  # record files read
    for source in SHAPES:
        files = [p for ext in _STRUCTURED if (p := root / f"{source}{ext}").is_file()]
        folder = root / source
        if len(files) + folder.is_dir() > 1:
            given = [p.name for p in files] + ([f"{source}/"] if folder.is_dir() else [])
            raise RecordError(str(root), None, f"source {source!r} is given twice: "
                              f"{', '.join(given)} (keep one)")
        if files:
            used.add(files[0].name)
            found += 1
            data = _read_structured(files[0])
            if isinstance(data, Mapping) and set(data) == {source}:
                data = data[source]
            tables.update(source_tables(data, source, origin=str(files[0])))
        elif folder.is_dir():
            used.add(folder.name)
            read, passed = _read_folder(folder, source)
            tables.update(read)
            found += len(passed[0])
            ignored.extend(f"{source}/{name}" for name in passed[1])
    ignored = sorted(
        [_shown(p) for p in root.iterdir() if p.name not in used
         and not p.name.startswith(".") and p.name not in _COMPLAINTS] + ignored)
    if not found:
        what = f"it ignored {', '.join(ignored)}" if ignored else "it is empty"
        raise RecordError(str(root), None, f"holds no record files ({what}); {LAYOUT}")
    if ignored:
        warnings.warn(IgnoredFilesWarning(str(root), tuple(ignored)), stacklevel=3)
    return SourceRecords(**tables)


def _shown(path: Path) -> str:
    return f"{path.name}/" if path.is_dir() else path.name


def _load_file(path: Path) -> SourceRecords:
    """The records of a single file holding every source (or a ``sources:`` block)."""
    if path.suffix not in _STRUCTURED:
        raise RecordError(str(path), None, "a single record file is YAML or JSON "
                          "(.yaml, .yml, .json); CSV tables go in a data folder "
                          f"(<source>/<table>.csv); {LAYOUT}")
    data = _read_structured(path)
    if isinstance(data, Mapping) and set(data) == {"sources"}:
        data = data["sources"]
    if data is None or (isinstance(data, Mapping) and not data):
        raise RecordError(str(path), None, "holds no records (expected hlr:, billing: or "
                          "coverage:, optionally under sources:)")
    return records_from_mapping(data, origin=str(path))


def _read_structured(path: Path) -> Any:
    """A YAML or JSON file's data, read under a tree file's limits; RecordError otherwise."""
    try:
        size = path.stat().st_size
        if size > FILE_LIMITS.max_bytes:
            raise RecordError(str(path), None, f"file is {size} bytes; the limit for a YAML or "
                              f"JSON record file is {FILE_LIMITS.max_bytes} (split it by table, "
                              "or write the tables as CSV, which has no such limit)")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordError(str(path), None, f"cannot read: {exc}") from None
    if path.suffix == ".json":
        return _read_json(text, path)
    try:
        return read_yaml(text, str(path))
    except AuthoringError as exc:
        first = exc.problems[0]
        loc = first.location
        where = f"{path}:{loc.line}:{loc.col}" if loc.line > 0 else str(path)
        what = ("too large or complex to read" if first.code.startswith("file_too")
                else "not valid YAML")
        raise RecordError(where, None, f"{what}: {first.message}"
                          + (f" ({first.hint})" if first.hint else "")) from None


def _read_json(text: str, path: Path) -> Any:
    def no_constant(name: str) -> Any:
        raise ValueError(f"{name} is not a number JSON allows")

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ValueError(f"key {key!r} appears twice in one object")
            out[key] = value
        return out

    try:
        data = json.loads(text, parse_constant=no_constant, object_pairs_hook=unique)
    except json.JSONDecodeError as exc:
        raise RecordError(f"{path}:{exc.lineno}:{exc.colno}", None,
                          f"not valid JSON: {exc.msg}") from None
    except ValueError as exc:  # a constant, a duplicate key, an integer with too many digits
        raise RecordError(str(path), None, f"not valid JSON: {exc}") from None
    except RecursionError:
        raise RecordError(str(path), None, "too large or complex to read: the JSON nests too "
                          "deeply to read") from None
    _check_limits(data, path)
    return data


def _check_limits(data: Any, path: Path) -> None:
    """The node and depth limits of `FILE_LIMITS`, for JSON (YAML's loader applies them)."""
    count = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > FILE_LIMITS.max_nodes or depth > FILE_LIMITS.max_depth:
            what = (f"more than {FILE_LIMITS.max_nodes} values" if count > FILE_LIMITS.max_nodes
                    else f"nested deeper than {FILE_LIMITS.max_depth} levels")
            raise RecordError(str(path), None, f"too large or complex to read: {what}")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def _read_folder(folder: Path, source: str
                 ) -> tuple[dict[str, tuple[Mapping[str, Any], ...]], tuple[list[str], list[str]]]:
    """A source folder's tables, and (the table files read, the files passed over)."""
    shapes = SHAPES[source]
    children = CHILD_TABLES[source]
    known = {*shapes, *children}
    rows: dict[str, tuple[list[Any], Path, list[str] | None]] = {}
    raw: dict[str, RawTable] = {}  # the CSV tables, for the fast path (`_csvfast`)
    read: list[str] = []
    passed: list[str] = []
    exports: list[tuple[Path, tuple[dict[str, Any], ...]]] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if source == "coverage" and path.is_file() and is_opencellid_file(path):
            read.append(path.name)
            exports.append((path, read_opencellid(path)))
            continue
        if path.suffix not in (".csv", *_STRUCTURED) or not path.is_file():
            passed.append(_shown(path))
            continue
        table = path.stem
        if table not in known:
            raise RecordError(str(path), None, f"unknown table {table!r} for source {source!r} "
                              f"(expected {', '.join(sorted(known))})")
        if table in rows:
            raise RecordError(str(path), None, f"table {table!r} is given twice "
                              f"({rows[table][1].name} and {path.name})")
        read.append(path.name)
        if path.suffix == ".csv":
            raw[table] = _read_csv(path)
            rows[table] = ([], path, [])  # the row path's records, made when it is taken
        else:
            data = _read_structured(path)
            if not isinstance(data, list):
                raise RecordError(str(path), None, "expected a list of records")
            rows[table] = (data, path, None)
    out: dict[str, tuple[Mapping[str, Any], ...]] = {}
    fast = fast_tables(raw, source, children) if len(raw) == len(rows) else None
    if fast is not None:
        out.update(fast)
    else:
        rows.update({table: _nested(table_raw) for table, table_raw in raw.items()})
        _attach_children(rows, source)
        for table, (data, path, lines) in rows.items():
            if table in shapes:
                names = [f"row {i}" for i in range(len(data))] if lines is None else lines
                out[table] = table_records(data, source, table, origin=str(path),
                                           text=lines is not None, row_names=names)
    if exports:
        out["cells"] = _with_exports(out.get("cells", ()), exports)
    return out, (read, passed)


def _with_exports(cells: tuple[Mapping[str, Any], ...],
                  exports: list[tuple[Path, tuple[dict[str, Any], ...]]],
                  ) -> tuple[Mapping[str, Any], ...]:
    """The cells table followed by the OpenCelliD exports' cells, in file-name order; a cell
    id given twice (in two files) is a RecordError naming the second file."""
    seen = {str(c["cell_id"]) for c in cells}
    out = list(cells)
    for path, records in exports:
        for record in records:
            if record["cell_id"] in seen:
                raise RecordError(str(path), "cell", f"cell id {record['cell_id']!r} is given "
                                  "twice (in cells.csv or another OpenCelliD export)")
            seen.add(record["cell_id"])
        out.extend(records)
    return tuple(out)


def _read_csv(path: Path) -> RawTable:
    """The header and the non-blank rows of a CSV file, with their ``line N`` names."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                return RawTable([], [], path, [])
            header = [h.strip() for h in header]
            rows: list[list[str]] = []
            lines: list[str] = []
            for values in reader:
                if not any(v.strip() for v in values):
                    continue
                if len(values) != len(header):
                    raise RecordError(f"{path} line {reader.line_num}", None,
                                      f"{len(values)} cells for {len(header)} columns")
                rows.append(values)
                lines.append(f"line {reader.line_num}")
            return RawTable(header, rows, path, lines)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RecordError(str(path), None, f"cannot read CSV: {exc}") from None


def _nested(table: RawTable) -> tuple[list[Any], Path, list[str]]:
    """A CSV table's rows as records nested by dotted columns (the row path)."""
    header = table.header
    return ([_nest(dict(zip(header, values, strict=True))) for values in table.rows],
            table.path, list(table.lines))


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
