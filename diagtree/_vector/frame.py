"""Facts frames read back from the decision log: one row per logged diagnosis.

A record (`_decisions.record`) holds the complaint, the answers given, every source fact the
walk, the outcome's values and the policy read (JSON form) and the facts read but unavailable.
Its row: ``record_id``, ``id`` and ``type`` (the complaint's), the complaint's own facts
(``complaint.*``, derived from the recorded complaint as the engine derives them), each
recorded fact in its column (a recorded null: a missing cell and a true ``<fact>:null``; an
unavailable fact: a missing cell), ``answer.<id>`` per answer given, and
``history.same_category_30d`` for the category the record concluded (the policy's repeat
rule; exact when a replay concludes the same category).

Facts a record does not hold — the walk never read them — are missing cells: unknown, as
``diagtree log verify`` takes them. Columns whose values are all text become pandas
``category`` columns (what `ColumnTree.route` reads fastest).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pandas as pd

from diagtree._decisions.log import read_log
from diagtree._decisions.verify import record_complaint
from diagtree._errors import ComplaintError
from diagtree._vector.columns import ANSWER_PREFIX, NULL_SUFFIX
from diagtree._vocab.engine_facts import complaint_facts, same_category_within

__all__ = ["facts_frame", "record_row"]


def record_row(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The facts-frame row of one decision record (None: not a diagnosis, or its complaint
    cannot be read back)."""
    diagnosis = record.get("diagnosis")
    if not isinstance(diagnosis, Mapping):
        return None
    try:
        complaint = record_complaint(record)
    except ComplaintError:
        return None
    row: dict[str, Any] = {"record_id": record.get("id"), "id": complaint.id,
                           "type": complaint.type}
    row.update(complaint_facts(complaint))
    for name, value in (record.get("facts") or {}).items():
        if value is None:
            row[name] = None
            row[name + NULL_SUFFIX] = True
        else:
            row[name] = tuple(value) if isinstance(value, list) else value
    for name in record.get("unknown") or ():
        row[name] = None
    for question, answer in (record.get("answers") or {}).items():
        row[ANSWER_PREFIX + str(question)] = answer
    category = diagnosis.get("category")
    if isinstance(category, str):
        row["history.same_category_30d"] = same_category_within(complaint, category)
    return row


def _records(source: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(source, str | os.PathLike):
        for line in read_log(source):
            if line.record is not None:
                yield line.record
        return
    for item in source:
        if isinstance(item, str | os.PathLike):
            yield from _records(item)
        elif isinstance(item, Mapping):
            yield item
        elif getattr(item, "record", None) is not None:  # a LogLine
            yield item.record


def facts_frame(source: str | os.PathLike[str] | Iterable[Any]) -> pd.DataFrame:
    """The facts frame of the diagnoses in a decision log: a log file, several, or records
    (dicts, or `LogLine`s) — see the module docstring."""
    rows = [row for row in map(record_row, _records(source)) if row is not None]
    df = pd.DataFrame(rows)
    for name in df.columns:
        if name.endswith(NULL_SUFFIX):
            df[name] = [v is True for v in df[name].tolist()]
            continue
        values = df[name].dropna()
        if len(values) and all(type(v) is str for v in values.tolist()):
            df[name] = df[name].astype("category")
    return df
