"""Reading a results frame (the batch contract, docs/batch.md) for a report: only the columns
asked for, low-cardinality ones as categories, times parsed — so a month of a million rows fits
in a few hundred MiB.

The formats are `diagtree batch`'s (`diagtree._batch.files.FORMATS`: CSV, Parquet — needs
pyarrow, ``pip install 'diagtree[batch]'`` — and JSON lines), told by the file's suffix, with
its errors (`results_format`). A missing column is a `ReportInputError` naming the file and the
column; so is a time that does not parse (with its 1-based row).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from diagtree._batch.files import BatchInputError, results_format
from diagtree._errors import DiagtreeError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CATEGORICAL", "TIMES", "ReportInputError", "read_frame"]

#: columns with few distinct values, read as pandas categories
CATEGORICAL: Final = frozenset({"symptom", "channel", "tree_id", "tree_version", "cause",
                                "category", "resolution", "department", "grade", "path",
                                "cell", "platform", "warning_level"})
#: columns holding ISO times, parsed to UTC timestamps
TIMES: Final = frozenset({"reported_at", "feedback_due", "first_at", "last_at"})
_CHUNK: Final = 200_000


class ReportInputError(DiagtreeError, ValueError):
    """A results or incidents file that a report cannot read: the file and what is wrong."""


def _columns_of(path: Path, kind: str) -> list[str]:
    import pandas as pd  # noqa: PLC0415 - pandas is loaded only by the verbs that need it

    if kind == "csv":
        return list(pd.read_csv(path, nrows=0).columns)
    if kind == "parquet":
        import pyarrow.parquet as pq  # noqa: PLC0415

        return list(pq.read_schema(path).names)
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                first = pd.read_json(io.StringIO(line), lines=True)
                return list(first.columns)
    return []


def read_frame(path: str | Path, columns: Sequence[str],
               optional: Sequence[str] = ()) -> pd.DataFrame:
    """The `columns` (each required) and `optional` columns (read when present) of a results
    or incidents file, in that order; every value a string, a category or a UTC time; an empty
    cell is NA."""
    import pandas as pd  # noqa: PLC0415

    path = Path(path)
    try:
        kind = results_format(path)
    except BatchInputError as exc:
        raise ReportInputError(str(exc)) from None
    try:
        present = _columns_of(path, kind)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ReportInputError(f"{path}: cannot read it: {exc}") from None
    missing = [c for c in columns if c not in present]
    if missing:
        raise ReportInputError(f"{path}: no column {', '.join(repr(c) for c in missing)} "
                               "(a results frame has the batch contract's columns, "
                               "docs/batch.md)")
    wanted = list(columns) + [c for c in optional if c in present and c not in columns]
    try:
        if kind == "csv":
            # times repeat (a month has ~43 000 minutes): each distinct text is parsed once
            dtypes = {c: "category" if c in CATEGORICAL or c in TIMES else "string"
                      for c in wanted}
            frame = pd.read_csv(path, usecols=wanted, dtype=dtypes, keep_default_na=False,
                                na_values=[""])
        elif kind == "parquet":
            frame = pd.read_parquet(path, columns=wanted)
        else:
            parts = [chunk.reindex(columns=wanted) for chunk in
                     pd.read_json(path, lines=True, dtype=False, chunksize=_CHUNK)]
            frame = pd.concat(parts, ignore_index=True) if parts \
                else pd.DataFrame(columns=wanted)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ReportInputError(f"{path}: cannot read it: {exc}") from None
    frame = frame[wanted]
    for column in wanted:
        if column in TIMES:
            frame[column] = _times(frame[column], path, column)
        elif column in CATEGORICAL:
            frame[column] = frame[column].astype("string").astype("category")
        elif frame[column].dtype != "string":
            frame[column] = frame[column].astype("string")
    return frame


def _times(values: pd.Series, path: Path, column: str) -> pd.Series:
    import pandas as pd  # noqa: PLC0415

    codes = values.astype("string").astype("category")
    distinct = codes.cat.categories
    parsed = pd.to_datetime(pd.Series(distinct, dtype="string"), utc=True, format="ISO8601",
                            errors="coerce")
    if parsed.isna().any():
        wrong = str(distinct[int(parsed.isna().to_numpy().nonzero()[0][0])])
        row = int((codes == wrong).to_numpy().nonzero()[0][0]) + 1
        raise ReportInputError(f"{path}: row {row}: {column}: not an ISO time: {wrong!r}")
    times = pd.DatetimeIndex(parsed).take(codes.cat.codes.to_numpy(), allow_fill=True,
                                          fill_value=pd.NaT)
    return pd.Series(times, index=values.index, name=column)
