"""Complaints read and results written in chunks, by the file's extension: CSV (``.csv``),
Parquet (``.parquet``/``.pq``, a file or a folder of partitions) and JSON lines
(``.jsonl``/``.ndjson``).

Reading streams: a chunk of rows at a time (never the whole file). A CSV row with the wrong
number of cells, a JSON line that is not a JSON object, or a cell that is not UTF-8 becomes an
error for that row (its `ComplaintError`), never the end of the run. A file whose header names
a column outside the contract — or an answer column naming no question of the engine — is
refused before any row (`BatchInputError`): a misspelt column would otherwise reject every row.
(JSON lines have no header: there an unknown answer is an error row.)

Writing: each chunk's frame to a part file, the parts joined in order at the end (`join_parts`).
"""

from __future__ import annotations

import csv
import itertools
import json
import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from diagtree import ComplaintError
from diagtree._batch.chunk import Row
from diagtree._batch.frames import COMPLAINT_COLUMNS, dtypes
from diagtree._batch.rows import ANSWER, ANSWERS, PARENTS
from diagtree._errors import did_you_mean
from diagtree._vocab.taxonomy import Question

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = ["FORMATS", "BatchInputError", "check_columns", "count_rows", "file_format",
           "has_answers", "join_parts", "read_chunks", "read_frame", "results_format",
           "write_frame", "write_part"]

FORMATS: Final = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl",
                  ".ndjson": "jsonl"}


class BatchInputError(ValueError):
    """The batch input or output cannot be used at all (unknown format, unreadable file,
    a column outside the contract): said in one line, before any row is diagnosed."""


def file_format(path: str | Path) -> str:
    """``csv``, ``parquet`` or ``jsonl``, by the extension; a folder (or a URL such as
    ``s3://bucket/month/``) without one is a folder of Parquet partitions."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS and ("://" in str(path) or Path(path).is_dir()):
        return "parquet"
    if suffix not in FORMATS:
        raise BatchInputError(f"{path}: unknown file type {suffix or '(no extension)'!r}: "
                              "use .csv, .parquet or .jsonl")
    return FORMATS[suffix]


def results_format(path: str | Path) -> str:
    """The format of a results or errors file to be read whole (`file_format`), once the file
    is known to be there and its reader installed — else a `BatchInputError` saying which. The
    one check of every reader of a results file: `read_frame`, `diagtree incidents`,
    `diagtree report`."""
    kind = file_format(path)
    if not Path(path).is_file():
        raise BatchInputError(f"{path}: no such file")
    if kind == "parquet":
        _need_pyarrow(path)
    return kind


def _need_pyarrow(path: str | Path) -> None:
    """Parquet is read by pyarrow (the `batch` extra): a `BatchInputError` when it is not
    installed, never an ImportError's traceback."""
    try:
        import pyarrow  # noqa: F401, PLC0415 - the `batch` extra
    except ImportError:
        raise BatchInputError(f"{path}: reading Parquet needs pyarrow "
                              "(pip install 'diagtree[batch]')") from None


def check_columns(path: str | Path, columns: list[str],
                  questions: Mapping[str, Question] | None = None) -> None:
    """Refuse a header with a column twice or outside the contract; with `questions` (the
    engine's), also an answer column naming no question."""
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            raise BatchInputError(f"{path}: the column {column!r} is given twice")
        seen.add(column)
        parent, dot, qid = column.partition(".")
        if dot and parent == ANSWER:
            if questions is not None and qid not in questions:
                hint = did_you_mean(column[:100], [f"{ANSWER}.{q}" for q in questions])
                raise BatchInputError(
                    f"{path}: unknown column {column[:60]!r}: no such question" +
                    (f"; {hint}" if hint else
                     " (the questions: " + ", ".join(sorted(questions)) + ")"))
        elif column not in COMPLAINT_COLUMNS and column != ANSWERS and parent not in PARENTS:
            hint = did_you_mean(column[:100], COMPLAINT_COLUMNS)
            raise BatchInputError(f"{path}: unknown column {column[:60]!r}" +
                                  (f"; {hint}" if hint else "") +
                                  " (the columns are docs/batch.md's complaints frame)")


def has_answers(columns: list[str]) -> bool:
    """Whether a header has answer columns (to check against an engine's questions)."""
    return any(c.startswith(ANSWER + ".") for c in columns)


def read_chunks(path: str | Path, chunk_size: int,
                questions: Mapping[str, Question] | None = None) -> Iterator[list[Row]]:
    """The rows of a complaints file, `chunk_size` at a time, numbered from 1; its header
    checked (`check_columns`, with `questions`) before the first chunk."""
    kind = file_format(path)
    if kind == "parquet":
        return _parquet_chunks(path, chunk_size, questions)
    try:
        handle = open(path, encoding="utf-8", errors="surrogateescape", newline="")  # noqa: SIM115
    except OSError as exc:
        raise BatchInputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    rows = _csv_rows(path, handle, questions) if kind == "csv" else _jsonl_rows(handle)
    return _chunked(rows, chunk_size)


def _chunked(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    """The rows, `size` at a time (the last chunk may be shorter; no empty chunk)."""
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def _csv_rows(path: str | Path, handle: Any,
              questions: Mapping[str, Question] | None) -> Iterator[Row]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        check_columns(path, header, questions)
        width = len(header)
        for number, cells in enumerate(reader, start=1):
            if len(cells) == width:
                yield number, dict(zip(header, cells, strict=True))
            elif cells:  # a blank line is no row
                yield number, ComplaintError(
                    "(row)", f"has {len(cells)} cells, the header has {width}")


def _jsonl_rows(handle: Any) -> Iterator[Row]:
    with handle:
        number = 0
        for line in handle:
            if not line.strip():
                continue
            number += 1
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, ComplaintError(
                    "(row)", f"not valid JSON: {exc.msg} at character {exc.pos}")
            except RecursionError:
                yield number, ComplaintError("(row)", "the JSON nests too deeply")
            else:
                yield number, value if isinstance(value, dict) else ComplaintError(
                    "(row)", f"expected a JSON object, got {type(value).__name__}")


def _parquet_chunks(path: str | Path, chunk_size: int,
                    questions: Mapping[str, Question] | None) -> Iterator[list[Row]]:
    _need_pyarrow(path)
    import pyarrow.dataset as ds  # noqa: PLC0415 - the `batch` extra

    try:
        dataset = ds.dataset(str(path), format="parquet")
    except (OSError, ValueError) as exc:
        raise BatchInputError(f"{path}: cannot read as Parquet: {exc}") from None
    check_columns(path, list(dataset.schema.names), questions)

    def chunks() -> Iterator[list[Row]]:
        number = 1
        for batch in dataset.to_batches(batch_size=chunk_size):
            if batch.num_rows == 0:
                continue
            rows = batch.to_pylist()
            yield list(enumerate(rows, start=number))
            number += len(rows)

    return chunks()


def count_rows(path: str | Path) -> int | None:
    """The number of rows (Parquet: exact, from the metadata; CSV and JSON lines: the lines,
    an estimate for the progress bar), or None when it cannot be told cheaply."""
    try:
        if file_format(path) == "parquet":
            import pyarrow.dataset as ds  # noqa: PLC0415

            return int(ds.dataset(str(path), format="parquet").count_rows())
        lines = 0
        with open(path, "rb") as handle:
            while block := handle.read(1 << 22):
                lines += block.count(b"\n")
        return max(0, lines - (file_format(path) == "csv"))
    except (OSError, ValueError):
        return None


# -- writing ------------------------------------------------------------------------------------

def arrow_schema(columns: tuple[str, ...]) -> pa.Schema:
    import pyarrow as pa  # noqa: PLC0415 - the `batch` extra

    kinds = {"Int64": pa.int64(), "Float64": pa.float64(), "boolean": pa.bool_()}
    types = dtypes(columns)
    return pa.schema([(c, kinds.get(types[c], pa.string())) for c in columns])


def write_part(frame: pd.DataFrame, path: Path, kind: str) -> None:
    """One chunk's frame to a part file (written aside, then renamed: a part file that exists
    is whole)."""
    tmp = path.with_name(path.name + ".tmp")
    if kind == "csv":
        frame.to_csv(tmp, index=False, header=False, lineterminator="\n")
    elif kind == "jsonl":
        text = frame.to_json(orient="records", lines=True, force_ascii=False) if len(frame) \
            else ""
        tmp.write_text(text if not text or text.endswith("\n") else text + "\n",
                       encoding="utf-8")
    else:
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.parquet as pq  # noqa: PLC0415

        table = pa.Table.from_pandas(frame, schema=arrow_schema(tuple(frame.columns)),
                                     preserve_index=False)
        pq.write_table(table, tmp)
    tmp.replace(path)


def join_parts(parts: list[Path], out: Path, kind: str, columns: tuple[str, ...]) -> None:
    """The part files, in order, as one file `out` (written aside, then renamed)."""
    tmp = out.with_name(out.name + ".tmp")
    if kind == "parquet":
        import pyarrow.parquet as pq  # noqa: PLC0415

        with pq.ParquetWriter(tmp, arrow_schema(columns)) as writer:
            for part in parts:
                writer.write_table(pq.read_table(part))
    else:
        with open(tmp, "wb") as sink:
            if kind == "csv":
                sink.write((",".join(columns) + "\n").encode("utf-8"))
            for part in parts:
                with open(part, "rb") as piece:
                    shutil.copyfileobj(piece, sink, 1 << 20)
    tmp.replace(out)


def read_frame(path: str | Path) -> pd.DataFrame:
    """A results or errors file written by a batch run, with the contract's dtypes."""
    import pandas as pd  # noqa: PLC0415

    kind = results_format(path)
    if kind == "parquet":
        frame = pd.read_parquet(path)
    elif kind == "csv":
        with open(path, encoding="utf-8") as handle:
            header = next(csv.reader(handle), [])
        return pd.read_csv(path, dtype=dtypes(tuple(header)), keep_default_na=False,
                           na_values=[""])
    else:
        frame = pd.read_json(path, lines=True, dtype=False, convert_dates=False)
    types = dtypes(tuple(frame.columns))
    return frame.astype({c: types[c] for c in frame.columns})


def write_frame(frame: pd.DataFrame, path: Path, kind: str) -> None:
    """A whole frame to one file of the format `kind` (with its header: `read_frame` reads it
    back)."""
    if kind == "csv":
        frame.to_csv(path, index=False)
    elif kind == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
