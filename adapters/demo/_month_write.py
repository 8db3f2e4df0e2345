"""`write_month`: a generated month as a data folder (the CSV layout) and its complaints frame.

The records go where `load_records` reads them (``hlr/``, ``billing/``, ``coverage/``, the
columns of `_write`); the complaints go beside them as ``complaints.parquet`` (the default;
needs pyarrow, the ``batch`` extra) or ``complaints.csv`` — both are the *complaints frame* of
docs/batch.md, and `load_records` passes over them like the demo's ``complaints.yaml``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from ._month import DemoMonth
from ._write import _ACCOUNT, _CHILDREN, _SUBSCRIBER, _TABLES

__all__ = ["FORMATS", "write_month"]

#: complaints file formats and their file names
FORMATS: Final = {"parquet": "complaints.parquet", "csv": "complaints.csv"}
_COLUMNS: Final = {
    ("hlr", "subscribers"): _SUBSCRIBER, ("billing", "accounts"): _ACCOUNT,
    **_TABLES,
    **{(source, field): ("msisdn", *columns)
       for (source, _, field), columns in _CHILDREN.items()},
}


def write_month(month: DemoMonth, folder: str | Path, fmt: str = "parquet") -> list[Path]:
    """Write the month under `folder` (created); return the files written. `fmt` is
    ``parquet`` (needs pyarrow: ImportError otherwise) or ``csv``."""
    if fmt not in FORMATS:
        raise ValueError(f"format is one of {', '.join(FORMATS)}, got {fmt!r}")
    root = Path(folder)
    written: list[Path] = []
    for (source, table), columns in _COLUMNS.items():
        frame = month.tables[(source, table)]
        out = frame.reindex(columns=list(columns))
        path = root / source / f"{table}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        _csv(out, path)
        written.append(path)
    path = root / FORMATS[fmt]
    if fmt == "parquet":
        month.complaints.to_parquet(path, index=False, engine="pyarrow", compression="zstd")
    else:
        _csv(month.complaints, path)
    written.append(path)
    return written


def _csv(frame: pd.DataFrame, path: Path) -> None:
    """A frame as CSV (UTF-8, ``\\n``, a header, empty cells for nulls, quotes only where
    needed): by pyarrow's writer when it is installed (several times faster), else pandas'."""
    try:
        import pyarrow as pa  # noqa: PLC0415 - optional (the batch extra)
        import pyarrow.csv as pa_csv  # noqa: PLC0415
    except ImportError:
        frame.to_csv(path, index=False, lineterminator="\n", na_rep="")
        return
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pa_csv.write_csv(table, path, pa_csv.WriteOptions(quoting_style="needed"))
