"""Where the chunks are diagnosed: in this process or on worker processes, in a bounded
pipeline — the one `diagnose_frame` and `run_file` share.

- `check_run`: the arguments every path checks the same way (the workers, the chunk size, an
  `Engine` that cannot be sent to a worker);
- the worker processes: spawned fresh, each building its engine once from the recipe
  (`worker_pool`, `start_worker`, `work`);
- `diagnosed`: the chunks' outcomes in the order the chunks were given, with at most
  ``2 × workers`` chunks read ahead of the one handed back (memory stays bounded whatever the
  input's size), every pending chunk cancelled and the pool shut down when the caller stops.
"""

from __future__ import annotations

import collections
import os
import signal
import warnings
from collections.abc import Generator, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import TypeVar

from diagtree import ConfigurationError, Engine
from diagtree._batch.chunk import Options, Outcome, Row, diagnose_rows
from diagtree._batch.spec import EngineFactory, engine_for

__all__ = ["check_run", "diagnosed", "needs_recipe", "start_worker", "work", "worker_pool"]

K = TypeVar("K")


def needs_recipe(field: str, who: str) -> ConfigurationError:
    """The error for an `Engine` given where `who` (worker processes, Dask workers) must build
    their own."""
    return ConfigurationError(field, f"{who} build their own engine: give an EngineSpec (or a "
                                     "picklable function returning the engine) instead of an "
                                     "Engine")


def check_run(engine: Engine | EngineFactory, workers: int | None, chunk_size: int) -> int:
    """The number of workers (None: 1 for an `Engine`, else every core), checked with the
    chunk size; `ConfigurationError` names the argument."""
    if chunk_size < 1:
        raise ConfigurationError("chunk_size", f"must be at least 1, got {chunk_size}")
    if workers is None:
        workers = 1 if isinstance(engine, Engine) else (os.cpu_count() or 1)
    if workers < 1:
        raise ConfigurationError("workers", f"must be at least 1, got {workers}")
    if workers > 1 and isinstance(engine, Engine):
        raise needs_recipe("workers", "worker processes")
    return workers


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


# -- the pipeline -------------------------------------------------------------------------------

def diagnosed(chunks: Iterable[tuple[K, list[Row]]], engine: Engine | EngineFactory,
              options: Options, workers: int) -> Generator[tuple[K, int, Outcome]]:
    """(key, rows, outcome) of each (key, chunk), in the chunks' order: with one worker in
    this process (`engine`, or the one its recipe builds here), else on `workers` processes.
    Close it (``contextlib.closing``) to stop early: the pending chunks are cancelled."""
    if workers == 1:
        local = engine if isinstance(engine, Engine) else engine_for(engine)
        for key, chunk in chunks:
            yield key, len(chunk), diagnose_rows(local, chunk, options)
        return
    assert not isinstance(engine, Engine)
    pool = worker_pool(engine, workers)
    pending: collections.deque[tuple[K, int, Future[Outcome]]] = collections.deque()
    try:
        for key, chunk in chunks:
            pending.append((key, len(chunk), pool.submit(work, chunk, options)))
            while len(pending) > 2 * workers:
                first, size, job = pending.popleft()
                yield first, size, job.result()
        while pending:
            first, size, job = pending.popleft()
            yield first, size, job.result()
    finally:
        for _, _, job in pending:
            job.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
