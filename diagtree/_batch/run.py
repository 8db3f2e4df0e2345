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

import collections
import json
import os
import shutil
import signal
import sys
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Final

from diagtree import ConfigurationError, Engine
from diagtree._batch.chunk import Options, Outcome, Row, diagnose_rows
from diagtree._batch.files import (
    BatchInputError,
    count_rows,
    file_format,
    join_parts,
    read_chunks,
    write_part,
)
from diagtree._batch.frames import ERROR_COLUMNS, errors_frame, result_columns, results_frame
from diagtree._batch.spec import EngineFactory, engine_for

__all__ = ["BatchReport", "errors_path_for", "progress_bar", "run_file", "start_worker", "work",
           "worker_pool"]

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


# -- the worker processes ---------------------------------------------------------------------

_worker_engine: Engine | None = None


def start_worker(factory: EngineFactory) -> None:
    global _worker_engine  # noqa: PLW0603 - one engine per worker process, built once
    # Ctrl-C is the parent's to handle (it stops handing out chunks and keeps the finished
    # ones for --resume); a worker finishes the chunk it holds, without a traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # the parent built the same engine first and showed its warnings (ignored files…) once
    warnings.simplefilter("ignore")
    _worker_engine = engine_for(factory)


def work(rows: list[Row], options: Options) -> Outcome:
    """A chunk diagnosed on a worker process, with its engine."""
    assert _worker_engine is not None
    return diagnose_rows(_worker_engine, rows, options)


def worker_pool(factory: EngineFactory, workers: int) -> ProcessPoolExecutor:
    """`workers` fresh processes (spawned: no fetch thread or lock of this process copied),
    each building its engine once from `factory`."""
    return ProcessPoolExecutor(workers, mp_context=get_context("spawn"),
                               initializer=start_worker, initargs=(factory,))


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
    source, out = Path(source), Path(out)
    options = options or Options()
    errors_out = Path(errors) if errors is not None else errors_path_for(out)
    if chunk_size < 1:
        raise ConfigurationError("chunk_size", f"must be at least 1, got {chunk_size}")
    file_format(source)  # an input of no known format is refused before anything is written
    out_kind, err_kind = file_format(out), file_format(errors_out)
    if not source.exists():
        raise BatchInputError(f"{source}: no such file or folder")
    if workers is None:
        workers = 1 if isinstance(engine, Engine) else (os.cpu_count() or 1)
    if workers < 1:
        raise ConfigurationError("workers", f"must be at least 1, got {workers}")
    if workers > 1 and isinstance(engine, Engine):
        raise ConfigurationError("workers", "worker processes build their own engine: give "
                                 "an EngineSpec (or a picklable function returning the "
                                 "engine) instead of an Engine")
    columns = result_columns(script=options.script, explanation=options.explanation,
                             trace=options.trace)
    run = _fingerprint(source, chunk_size, options, columns)
    parts = out.with_name(out.name + ".parts")
    done: dict[int, dict[str, int]] = {}
    if resume and (parts / MANIFEST).is_file():
        done = _finished(parts, run)
    else:
        shutil.rmtree(parts, ignore_errors=True)
        parts.mkdir(parents=True)
        _append(parts / MANIFEST, run)
    # the engine is built here first: a bad knowledge folder or records folder is one clear
    # error before any worker starts (in this process it is also the engine of `workers=1`)
    local = engine if isinstance(engine, Engine) else engine_for(engine)

    bar = progress_bar(lambda: count_rows(source), progress)
    rows = diagnosed = rejected = 0
    chunk_ids: list[int] = []
    pool = None if workers == 1 or isinstance(engine, Engine) else worker_pool(engine, workers)
    pending: collections.deque[tuple[int, int, Future[Outcome] | Outcome]] = \
        collections.deque()

    def finish_one() -> None:
        nonlocal diagnosed, rejected
        index, size, job = pending.popleft()
        outcome = job.result() if isinstance(job, Future) else job
        # a chunk that lost a row (never expected) is not hidden: the count at the end
        # (rows read against results + errors) fails, and the command exits 1
        write_part(errors_frame(outcome.errors), parts / f"{index:06d}.errors", err_kind)
        write_part(results_frame(outcome.results, columns), parts / f"{index:06d}.results",
                   out_kind)
        _append(parts / MANIFEST, {"chunk": index, "rows": size,
                                   "diagnosed": len(outcome.results),
                                   "errors": len(outcome.errors)})
        diagnosed += len(outcome.results)
        rejected += len(outcome.errors)
        if bar is not None:
            bar.update(size)
        if on_chunk is not None:
            on_chunk(index)

    try:
        chunks: Iterator[list[Row]] = read_chunks(source, chunk_size)
        for index, chunk in enumerate(chunks):
            rows += len(chunk)
            chunk_ids.append(index)
            if index in done:
                if done[index]["rows"] != len(chunk):
                    raise BatchInputError(f"{parts}: cannot resume: chunk {index} had "
                                          f"{done[index]['rows']} rows, now {len(chunk)}")
                diagnosed += done[index]["diagnosed"]
                rejected += done[index]["errors"]
                if bar is not None:
                    bar.update(len(chunk))
                continue
            job: Future[Outcome] | Outcome = (
                diagnose_rows(local, chunk, options) if pool is None
                else pool.submit(work, chunk, options))
            pending.append((index, len(chunk), job))
            while len(pending) > (0 if pool is None else 2 * workers):
                finish_one()
        while pending:
            finish_one()
    finally:
        for _, _, job in pending:
            if isinstance(job, Future):
                job.cancel()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if bar is not None:
            bar.close()

    join_parts([parts / f"{i:06d}.results" for i in chunk_ids], out, out_kind, columns)
    join_parts([parts / f"{i:06d}.errors" for i in chunk_ids], errors_out, err_kind,
               ERROR_COLUMNS)
    shutil.rmtree(parts, ignore_errors=True)
    return BatchReport(rows, diagnosed, rejected, str(out), str(errors_out),
                       resumed_chunks=len(done))
