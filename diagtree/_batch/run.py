"""A batch run over a file: read in chunks, diagnose each chunk (here or on worker processes),
write each chunk's results and errors as part files, join them at the end.

Memory stays bounded: at most ``2 × workers`` chunks are read ahead of the one being written.
Output rows keep the input order (chunks are written in order, whichever worker finished
first).

Resume: next to OUT, the folder ``OUT.parts/`` holds the finished chunks' part files and
``manifest.jsonl`` — its first line the run (input, its size and time, chunk size, options),
then one line per finished chunk, appended once both its part files are whole. A run started
again with ``resume=True`` skips the chunks listed (it still reads them, to count them) and
diagnoses the rest; a run that finishes joins the parts into OUT and the errors file and
removes the folder.

The count: every row read gives a results row or an errors row. The run counts rows read,
results and errors (resumed chunks included) and reports whether rows = diagnosed + errors.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from diagtree import Engine
from diagtree._batch.chunk import Options, Row
from diagtree._batch.files import (
    BatchInputError,
    count_rows,
    file_format,
    join_parts,
    read_chunks,
    write_part,
)
from diagtree._batch.frames import ERROR_COLUMNS, errors_frame, frame_of, result_columns
from diagtree._batch.spec import EngineFactory, engine_for
from diagtree._batch.workers import check_run, diagnosed

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BatchReport", "Parts", "errors_path_for", "progress_bar", "run_file"]

MANIFEST: Final = "manifest.jsonl"
_VERSION: Final = 1


@dataclass(frozen=True)
class BatchReport:
    """What a batch run over a file did: rows read, diagnosed, rejected; where it wrote."""

    rows: int
    diagnosed: int
    errors: int
    results_path: str
    errors_path: str
    resumed_chunks: int = 0

    @property
    def balanced(self) -> bool:
        """rows in = rows out + error rows (a run where this fails has lost a complaint)."""
        return self.rows == self.diagnosed + self.errors

    def summary(self) -> str:
        return f"{self.rows} rows: {self.diagnosed} diagnosed, {self.errors} errors"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "balanced": self.balanced}


def errors_path_for(out: str | Path) -> Path:
    """The default errors file: ``results.csv`` → ``results.errors.csv``."""
    path = Path(out)
    return path.with_name(f"{path.stem}.errors{path.suffix}")


@dataclass(frozen=True)
class Parts:
    """A run's part files in ``OUT.parts/`` next to OUT: each chunk's results and errors
    (``000007.results``, ``000007.errors``), joined in order into OUT and the errors file at
    the end (the local run and the Dask run alike)."""

    out: Path
    errors: Path
    columns: tuple[str, ...]  # the results'

    @classmethod
    def of(cls, out: str | Path, errors: str | Path | None, options: Options) -> Parts:
        """The parts of a run writing `out` (and `errors`, default `errors_path_for`); the
        formats are checked here, before anything is written."""
        out = Path(out)
        parts = cls(out, Path(errors) if errors is not None else errors_path_for(out),
                    result_columns(script=options.script, explanation=options.explanation,
                                   trace=options.trace))
        file_format(parts.out)
        file_format(parts.errors)
        return parts

    @property
    def folder(self) -> Path:
        return self.out.with_name(self.out.name + ".parts")

    def start(self) -> None:
        """An empty folder (a previous run's parts removed)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)

    def write(self, index: int, results: pd.DataFrame, errors: pd.DataFrame) -> None:
        """Chunk `index`'s frames (the errors first: a chunk is finished once both exist)."""
        write_part(errors, self.folder / f"{index:06d}.errors", file_format(self.errors))
        write_part(results, self.folder / f"{index:06d}.results", file_format(self.out))

    def join(self, indices: Iterable[int]) -> None:
        """The parts of these chunks, in this order, as OUT and the errors file; the folder
        removed."""
        order = list(indices)
        join_parts([self.folder / f"{i:06d}.results" for i in order], self.out,
                   file_format(self.out), self.columns)
        join_parts([self.folder / f"{i:06d}.errors" for i in order], self.errors,
                   file_format(self.errors), ERROR_COLUMNS)
        shutil.rmtree(self.folder, ignore_errors=True)


# -- the manifest -------------------------------------------------------------------------------

def _fingerprint(source: Path, chunk_size: int, options: Options,
                 columns: tuple[str, ...]) -> dict[str, Any]:
    stat = source.stat()
    return {"version": _VERSION, "input": str(source.resolve()), "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns, "chunk_size": chunk_size,
            "options": asdict(options), "columns": list(columns)}


def _finished(parts: Path, run: dict[str, Any]) -> dict[int, dict[str, int]]:
    """The chunks a previous run finished (a torn last line is a chunk not finished)."""
    lines = (parts / MANIFEST).read_text(encoding="utf-8").splitlines()
    try:
        first = json.loads(lines[0]) if lines else None
    except json.JSONDecodeError:
        first = None
    if first != run:
        raise BatchInputError(f"{parts}: cannot resume: the input, the chunk size or the "
                              "options differ from the interrupted run's (run again without "
                              "--resume to start over)")
    done: dict[int, dict[str, int]] = {}
    for line in lines[1:]:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            break
        done[int(entry["chunk"])] = entry
    return done


def _append(manifest: Path, entry: dict[str, Any]) -> None:
    with open(manifest, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


# -- the run ------------------------------------------------------------------------------------

def progress_bar(total: Callable[[], int | None], enabled: bool | None) -> Any:
    """A tqdm bar on stderr (rate, time left) of `total()` rows, or None when not shown
    (`enabled` None: only on a terminal)."""
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        return None
    from tqdm import tqdm  # noqa: PLC0415 - the `batch` extra

    return tqdm(total=total(), unit="rows", unit_scale=True, dynamic_ncols=True, file=sys.stderr,
                desc="diagnosing")


def run_file(source: str | Path, out: str | Path, engine: Engine | EngineFactory, *,
             errors: str | Path | None = None, options: Options | None = None,
             workers: int | None = None, chunk_size: int = 5000, resume: bool = False,
             progress: bool | None = None,
             on_chunk: Callable[[int], None] | None = None) -> BatchReport:
    """Diagnose every complaint of `source` into `out` and the errors file (see the module)."""
    source = Path(source)
    options = options or Options()
    workers = check_run(engine, workers, chunk_size)
    file_format(source)  # an input of no known format is refused before anything is written
    parts = Parts.of(out, errors, options)
    if not source.exists():
        raise BatchInputError(f"{source}: no such file or folder")
    run = _fingerprint(source, chunk_size, options, parts.columns)
    manifest = parts.folder / MANIFEST
    done: dict[int, dict[str, int]] = {}
    if resume and manifest.is_file():
        done = _finished(parts.folder, run)
    else:
        parts.start()
        _append(manifest, run)
    # the engine is built here first: a bad knowledge folder or records folder is one clear
    # error before any worker starts (in this process it is also the engine of `workers=1`);
    # its questions check the answer columns of the header
    local = engine if isinstance(engine, Engine) else engine_for(engine)

    bar = progress_bar(lambda: count_rows(source), progress)
    rows = found = rejected = 0
    chunk_ids: list[int] = []

    def todo() -> Iterator[tuple[int, list[Row]]]:
        nonlocal rows, found, rejected
        for index, chunk in enumerate(read_chunks(source, chunk_size, local.questions)):
            rows += len(chunk)
            chunk_ids.append(index)
            if index not in done:
                yield index, chunk
                continue
            if done[index]["rows"] != len(chunk):
                raise BatchInputError(f"{parts.folder}: cannot resume: chunk {index} had "
                                      f"{done[index]['rows']} rows, now {len(chunk)}")
            found += done[index]["diagnosed"]
            rejected += done[index]["errors"]
            if bar is not None:
                bar.update(len(chunk))

    try:
        with contextlib.closing(diagnosed(todo(), engine, options, workers)) as outcomes:
            for index, size, outcome in outcomes:
                # a chunk that lost a row (never expected) is not hidden: the count at the
                # end (rows read against results + errors) fails, and the command exits 1
                parts.write(index, frame_of(outcome.results, parts.columns),
                            errors_frame(outcome.errors))
                _append(manifest, {"chunk": index, "rows": size,
                                   "diagnosed": len(outcome.results),
                                   "errors": len(outcome.errors)})
                found += len(outcome.results)
                rejected += len(outcome.errors)
                if bar is not None:
                    bar.update(size)
                if on_chunk is not None:
                    on_chunk(index)
    finally:
        if bar is not None:
            bar.close()

    parts.join(chunk_ids)
    return BatchReport(rows, found, rejected, str(parts.out), str(parts.errors),
                       resumed_chunks=len(done))
