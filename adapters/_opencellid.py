"""`read_opencellid`: the cells of an OpenCelliD export, as coverage ``cells`` records.

An OpenCelliD export (https://opencellid.org; per-country files ``<MCC>.csv.gz`` and the world
file ``cell_towers.csv.gz``) is a CSV of 14 columns, **without a header row**::

    radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal

A file whose first row is that header (as in copies people make) is read too: a first row whose
first cell is ``radio`` is taken for the header and must name exactly those columns. Gzipped
files (``.gz``) are read as they are downloaded.

Each row becomes a cell record of the source-record contract (docs/sources.md):

- ``tech`` = ``radio``: ``GSM``, ``UMTS``, ``LTE`` or ``NR`` (OpenCelliD's ``CDMA`` has no place
  in the contract and is a bad row);
- ``cell_id`` = ``MCC-MNC-ENB-CELL`` for LTE and NR (ENB = ``cell // 256``, CELL =
  ``cell % 256``) and ``MCC-MNC-LAC-CI`` for GSM and UMTS (LAC = ``area``, CI = ``cell``); the MNC
  is written with at least two digits (``net`` 0 → ``00``: the export stores it as a number, so a
  three-digit MNC with a leading zero cannot be told from a two-digit one);
- ``lat``, ``lon``; ``range_m`` = ``range``; ``status`` = ``on_air``;
  ``prb_util_busy_hour`` null (unknown: OpenCelliD knows nothing of load).

The other columns are checked (integers; ``averageSignal`` may be empty) but not kept. A row that
does not read — a wrong number of cells, a radio outside the four, a non-integer code, a
coordinate out of range, a negative range, a cell id seen on an earlier row — is a `RecordError`
naming the file, the line (1-based, the header included when there is one) and the column. By
default the first bad row raises; pass a list as ``errors`` to skip bad rows instead and
collect one `RecordError` per skipped row in it (never a silent skip: the caller reports them).
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final

from ._schema import SHAPES, RecordError, normalize

__all__ = ["COLUMNS", "RADIOS", "cell_record", "is_opencellid_file", "read_opencellid"]

#: the columns of an export, in order
COLUMNS: Final = ("radio", "mcc", "net", "area", "cell", "unit", "lon", "lat", "range",
                  "samples", "changeable", "created", "updated", "averageSignal")
RADIOS: Final = ("GSM", "UMTS", "LTE", "NR")
_CELL = SHAPES["coverage"]["cells"]
#: checked integers that are not kept, and whether they may be empty
_OTHER_INTS: Final = (("unit", False), ("samples", False), ("changeable", False),
                      ("created", False), ("updated", False), ("averageSignal", True))
#: codes: (column, the largest value) — MCC and MNC are three digits, LAC/TAC 16 bits (LTE's
#: TAC; 5G's 24), CI up to a 36-bit NR cell identity
_CODES: Final = (("mcc", 999), ("net", 999), ("area", 2**24 - 1), ("cell", 2**36 - 1))
#: the file names `load_records` takes for OpenCelliD exports in a coverage/ folder
_PREFIXES: Final = ("opencellid", "cell_towers")
_INT: Final = re.compile(r"[+-]?[0-9]{1,20}")
_DEC: Final = re.compile(r"[+-]?([0-9]{1,20}(\.[0-9]{0,20})?|\.[0-9]{1,20})([eE][+-]?[0-9]{1,3})?")


def is_opencellid_file(path: Path) -> bool:
    """Whether `load_records` reads `path` (in a coverage/ folder) as an OpenCelliD export:
    a ``.csv`` or ``.csv.gz`` file whose name starts with ``opencellid`` or ``cell_towers``
    (any case)."""
    name = path.name.lower()
    return name.startswith(_PREFIXES) and name.endswith((".csv", ".csv.gz"))


def read_opencellid(path: str | Path, *, errors: list[RecordError] | None = None,
                    ) -> tuple[dict[str, Any], ...]:
    """The cell records of an OpenCelliD export (see the module docstring), in file order.

    Raises `RecordError` on the first bad row, or — when `errors` is a list — skips bad rows and
    appends their `RecordError` to it. An unreadable file always raises.
    """
    file = Path(path)
    cells: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    try:
        with _open(file) as handle:
            for line, values in _rows(handle, file):
                where = f"{file} line {line}"
                try:
                    record = cell_record(values, where)
                    first = seen.get(record["cell_id"])
                    if first is not None:
                        raise RecordError(where, "cell", f"cell id {record['cell_id']!r} is "
                                          f"already on line {first}")
                except RecordError as exc:
                    if errors is None:
                        raise
                    errors.append(exc)
                    continue
                seen[record["cell_id"]] = line
                cells.append(record)
    except (OSError, UnicodeDecodeError, csv.Error, EOFError, gzip.BadGzipFile) as exc:
        raise RecordError(str(file), None, f"cannot read the OpenCelliD export: {exc}") from None
    return tuple(cells)


def _open(path: Path) -> IO[str]:
    if path.suffix.lower() == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _rows(handle: IO[str], path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each non-blank data row; the header, if any, is checked."""
    reader = csv.reader(handle)
    first = True
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if first:
            first = False
            if values[0].strip().lower() == "radio":
                header = tuple(v.strip() for v in values)
                if header != COLUMNS:
                    wrong = next((f"column {i + 1} is {h!r}, expected {c!r}" for i, (h, c)
                                  in enumerate(zip(header, COLUMNS, strict=False)) if h != c),
                                 f"{len(header)} columns, expected {len(COLUMNS)}")
                    raise RecordError(f"{path} line {reader.line_num}", None,
                                      f"not an OpenCelliD header: {wrong} ({','.join(COLUMNS)})")
                continue
        yield reader.line_num, values


def cell_record(values: list[str], where: str) -> dict[str, Any]:
    """The cell record of one export row's cells; `RecordError` naming `where` and the column."""
    if len(values) != len(COLUMNS):
        raise RecordError(where, None, f"{len(values)} cells, an OpenCelliD row has "
                          f"{len(COLUMNS)} ({','.join(COLUMNS)})")
    row = dict(zip(COLUMNS, (v.strip() for v in values), strict=True))
    radio = row["radio"]
    if radio not in RADIOS:
        raise RecordError(where, "radio", f"{_shown(radio)} is not one of {', '.join(RADIOS)}")
    mcc, net, area, cell = (_integer(row, name, where, 0, top) for name, top in _CODES)
    for name, optional in _OTHER_INTS:
        if not (optional and row[name] == ""):
            _integer(row, name, where, None, None)
    lon = _decimal(row, "lon", where, -180.0, 180.0)
    lat = _decimal(row, "lat", where, -90.0, 90.0)
    radius = _decimal(row, "range", where, 0.0, 20_015_115.0)
    if radio in ("LTE", "NR"):
        cell_id = f"{mcc}-{net:02d}-{cell // 256}-{cell % 256}"
    else:
        cell_id = f"{mcc}-{net:02d}-{area}-{cell}"
    record = {"cell_id": cell_id, "tech": radio, "lat": lat, "lon": lon,
              "range_m": int(radius) if radius.is_integer() else radius,
              "status": "on_air", "prb_util_busy_hour": None}
    return normalize(record, _CELL, where)


def _integer(row: dict[str, str], name: str, where: str, low: int | None,
             high: int | None) -> int:
    text = row[name]
    if not _INT.fullmatch(text):
        raise RecordError(where, name, f"expected an integer, got {_shown(text)}")
    value = int(text)
    if (low is not None and value < low) or (high is not None and value > high):
        raise RecordError(where, name, f"{value} is out of range ({low} to {high})")
    return value


def _decimal(row: dict[str, str], name: str, where: str, low: float, high: float) -> float:
    text = row[name]
    if not _DEC.fullmatch(text):
        raise RecordError(where, name, f"expected a number, got {_shown(text)}")
    value = float(text)
    if not math.isfinite(value) or not low <= value <= high:
        raise RecordError(where, name, f"{_shown(text)} is out of range ({low:g} to {high:g})")
    return value


def _shown(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(text[:37] + "...")
