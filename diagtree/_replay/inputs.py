"""The complaints of a replay, read from a file: a complaints frame (the batch contract:
CSV, Parquet, JSON lines; docs/batch.md), a YAML/JSON complaints file, or a decision log.

A frame row becomes the complaint mapping the engine takes: dotted columns nest
(``location.lat`` → ``{"location": {"lat": …}}``), an empty cell is an absent field, numbers and
the ``history`` JSON text are read back. A value that is wrong stays as written, so the engine's
complaint check names the field (the replay lists that row as skipped, never drops it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from diagtree._errors import DiagtreeError
from diagtree._load.data import read_yaml

__all__ = [
    "FRAME_SUFFIXES",
    "InputError",
    "file_complaints",
    "frame_complaints",
    "is_decision_log",
]

FRAME_SUFFIXES: Final = (".csv", ".parquet", ".pq", ".jsonl", ".ndjson")
_NUMBERS: Final = {"location.lat": float, "location.lon": float,
                   "incident.distinct_customers_24h": int}


class InputError(DiagtreeError, ValueError):
    """An input file a replay cannot read (the file, and why)."""


def is_decision_log(path: Path) -> bool:
    """Whether a JSON-lines file is a decision log (its first record has a ``kind`` and the
    recorded ``facts``), not a complaints frame."""
    if path.suffix.lower() not in (".jsonl", ".ndjson", ".log") and ".jsonl" not in path.name:
        return False
    try:
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    first = json.loads(line)
                    return isinstance(first, dict) and "kind" in first and "facts" in first
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return False


def _value(column: str, value: Any) -> Any:
    if isinstance(value, str) and column in _NUMBERS:
        try:
            return _NUMBERS[column](value)
        except ValueError:
            return value  # the complaint check names the field
    if column == "history" and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _absent(value: Any) -> bool:
    if value is None or (isinstance(value, str) and value == ""):
        return True
    import pandas as pd  # noqa: PLC0415

    return bool(pd.isna(value))


def frame_complaints(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(1-based row, complaint mapping) of each row of a complaints frame file."""
    import pandas as pd  # noqa: PLC0415 - only a frame input needs pandas

    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        elif suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_json(path, lines=True, dtype=False)
    except ImportError:
        raise InputError(f"{path}: reading Parquet needs pyarrow "
                         "(pip install 'diagtree[batch]')") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: cannot read it: {exc}") from None
    columns = list(frame.columns)
    for number, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        complaint: dict[str, Any] = {}
        for column, value in zip(columns, values, strict=True):
            if isinstance(value, Mapping | list):
                complaint[column] = value
                continue
            if _absent(value):
                continue
            head, _, tail = str(column).partition(".")
            if tail:
                complaint.setdefault(head, {})[tail] = _value(column, value)
            else:
                complaint[head] = _value(column, value)
        yield number, complaint


def file_complaints(path: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(complaint, answers) from a YAML/JSON file: one complaint, a list of them, or
    scenario-style ``cases:`` (each with ``complaint`` and optional ``answers``)."""
    try:
        data = read_yaml(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read it: {exc}") from None
    if isinstance(data, Mapping) and isinstance(data.get("cases"), list):
        items = data["cases"]
        out = []
        for i, case in enumerate(items, start=1):
            if not isinstance(case, Mapping) or not isinstance(case.get("complaint"), Mapping):
                raise InputError(f"{path}: cases[{i}]: needs a complaint mapping")
            complaint = dict(case["complaint"])
            if case.get("id") is not None:  # a scenario's complaint is named by its case
                complaint.setdefault("id", str(case["id"]))
            out.append((complaint, dict(case.get("answers") or {})))
        return out
    if isinstance(data, Mapping):
        return [(dict(data), {})]
    if isinstance(data, list) and all(isinstance(c, Mapping) for c in data):
        return [(dict(c), {}) for c in data]
    raise InputError(f"{path}: expected a complaint, a list of complaints or cases:")
