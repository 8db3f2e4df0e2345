"""The complaints of a replay, read from a file: a complaints frame (the batch contract:
CSV, Parquet, JSON lines; docs/batch.md), a YAML/JSON complaints file, or a decision log.

A frame is read exactly as `diagtree batch` reads it (`_batch.files.read_chunks`, then
`_batch.rows.complaint_of`): dotted columns nest, an empty cell is an absent field, numbers and
the ``history`` JSON text are read back, ``answer.<question id>`` columns (and a JSON-lines
``answers`` object) are the customer's answers; a column outside the contract is refused before
any row. A row that cannot be read is given with its `ComplaintError` (the replay lists it as
skipped, never drops it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from diagtree._batch.files import FORMATS, read_chunks
from diagtree._batch.rows import RowComplaint, complaint_of
from diagtree._errors import ComplaintError, DiagtreeError
from diagtree._load.data import read_yaml
from diagtree._vocab.taxonomy import Question

__all__ = [
    "FRAME_SUFFIXES",
    "InputError",
    "file_complaints",
    "frame_complaints",
    "is_decision_log",
]

FRAME_SUFFIXES: Final = tuple(FORMATS)  # the batch reader's
_CHUNK: Final = 1000  # rows read at a time


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


def frame_complaints(path: Path, questions: Mapping[str, Question] | None = None,
                     ) -> Iterator[tuple[int, RowComplaint | ComplaintError]]:
    """(1-based row, the row read — complaint and answer cells — or why it cannot be) of each
    row of a complaints frame file, read as `diagtree batch` reads it (an answer column naming
    none of `questions`, or Parquet without pyarrow, is refused before any row,
    `BatchInputError`)."""
    for chunk in read_chunks(path, _CHUNK, questions):
        for number, cells in chunk:
            if isinstance(cells, ComplaintError):
                yield number, cells
                continue
            try:
                yield number, complaint_of(cells)
            except ComplaintError as exc:
                yield number, exc


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
