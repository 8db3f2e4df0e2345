"""`diagnose_frame`: a complaints DataFrame in memory → its results and errors frames.

The rows go through `chunk.diagnose_rows`, in this process, on worker processes
(``workers > 1``, each with its engine built once from the recipe), or on Dask
(``backend="dask"``) — the same rows either way.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from diagtree import ConfigurationError, Engine
from diagtree._batch.chunk import Options, Outcome, Row, diagnose_rows, frame_rows
from diagtree._batch.files import check_columns
from diagtree._batch.frames import errors_frame, result_columns, results_frame
from diagtree._batch.spec import EngineFactory, engine_for

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BatchResult", "diagnose_frame"]


@dataclass(frozen=True)
class BatchResult:
    """The results frame and the errors frame of a batch, with their counts."""

    results: pd.DataFrame
    errors: pd.DataFrame
    rows: int

    @property
    def diagnosed(self) -> int:
        return len(self.results)

    @property
    def failed(self) -> int:
        return len(self.errors)

    @property
    def balanced(self) -> bool:
        """rows in = rows out + error rows."""
        return self.rows == self.diagnosed + self.failed

    def summary(self) -> str:
        return f"{self.rows} rows: {self.diagnosed} diagnosed, {self.failed} errors"

    def __iter__(self) -> Iterator[pd.DataFrame]:
        """``results, errors = diagnose_frame(...)``."""
        return iter((self.results, self.errors))


def _chunks(frame: pd.DataFrame, size: int) -> Iterator[list[Row]]:
    for start in range(0, len(frame), size):
        yield frame_rows(frame.iloc[start:start + size], start + 1)


def _outcomes(frame: pd.DataFrame, engine: Engine | EngineFactory, options: Options,
              workers: int, chunk_size: int) -> Iterator[Outcome]:
    if workers == 1:
        local = engine if isinstance(engine, Engine) else engine_for(engine)
        for chunk in _chunks(frame, chunk_size):
            yield diagnose_rows(local, chunk, options)
        return
    from diagtree._batch.run import work, worker_pool  # noqa: PLC0415

    assert not isinstance(engine, Engine)
    with worker_pool(engine, workers) as pool:
        pending: collections.deque[Future[Outcome]] = collections.deque()
        for chunk in _chunks(frame, chunk_size):
            pending.append(pool.submit(work, chunk, options))
            if len(pending) > 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def diagnose_frame(frame: pd.DataFrame, engine: Engine | EngineFactory, *,
                   script: bool = False, trace: bool = False, explanation: bool = False,
                   workers: int = 1, chunk_size: int = 5000, backend: str = "pandas",
                   scheduler: Any = None) -> BatchResult:
    """Diagnose every row of a complaints frame (docs/batch.md): each as `Engine.diagnose`
    would alone. See `diagtree.batch.diagnose_frame`."""
    options = Options(script=script, trace=trace, explanation=explanation)
    check_columns("the complaints frame", [str(c) for c in frame.columns])
    if backend == "dask":
        from diagtree._batch.dask import diagnose_dask_frame  # noqa: PLC0415

        if isinstance(engine, Engine):
            raise ConfigurationError("engine", "Dask workers build their own engine: give an "
                                     "EngineSpec (or a picklable function returning the "
                                     "engine) instead of an Engine")
        results, errors = diagnose_dask_frame(frame, engine, options, workers=workers,
                                              scheduler=scheduler)
        return BatchResult(results, errors, len(frame))
    if backend != "pandas":
        raise ConfigurationError("backend", f"must be 'pandas' or 'dask', got {backend!r}")
    if workers < 1:
        raise ConfigurationError("workers", f"must be at least 1, got {workers}")
    if chunk_size < 1:
        raise ConfigurationError("chunk_size", f"must be at least 1, got {chunk_size}")
    if workers > 1 and isinstance(engine, Engine):
        raise ConfigurationError("workers", "worker processes build their own engine: give "
                                 "an EngineSpec (or a picklable function returning the "
                                 "engine) instead of an Engine")
    found: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for outcome in _outcomes(frame, engine, options, workers, chunk_size):
        found.extend(outcome.results)
        rejected.extend(outcome.errors)
    columns = result_columns(script=script, explanation=explanation, trace=trace)
    return BatchResult(results_frame(found, columns), errors_frame(rejected), len(frame))
