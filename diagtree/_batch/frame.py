"""`diagnose_frame`: a complaints DataFrame in memory → its results and errors frames.

The rows go through `chunk.diagnose_rows`, in this process, on worker processes
(``workers > 1``, each with its engine built once from the recipe: `workers.diagnosed`), or on
Dask (``backend="dask"``) — the same rows either way. Answer columns are checked against the
engine's questions before any row (here, an engine built from the recipe once in this process;
on Dask, on a worker).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from diagtree import ConfigurationError, Engine
from diagtree._batch.chunk import Options, Row, frame_rows
from diagtree._batch.files import check_columns, has_answers
from diagtree._batch.frames import errors_frame, frame_of, result_columns
from diagtree._batch.spec import EngineFactory, engine_for
from diagtree._batch.workers import check_run, diagnosed, needs_recipe

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BatchResult", "diagnose_frame"]

COMPLAINTS: Final = "the complaints frame"  # how the messages name the input


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


def _chunks(frame: pd.DataFrame, size: int) -> Iterator[tuple[int, list[Row]]]:
    for start in range(0, len(frame), size):
        yield start, frame_rows(frame.iloc[start:start + size], start + 1)


def diagnose_frame(frame: pd.DataFrame, engine: Engine | EngineFactory, *,
                   script: bool = False, trace: bool = False, explanation: bool = False,
                   workers: int = 1, chunk_size: int = 5000, backend: str = "pandas",
                   scheduler: Any = None) -> BatchResult:
    """Diagnose every row of a complaints frame (docs/batch.md): each as `Engine.diagnose`
    would alone, with the answers its row gives. See `diagtree.batch.diagnose_frame`."""
    options = Options(script=script, trace=trace, explanation=explanation)
    columns = [str(c) for c in frame.columns]
    check_columns(COMPLAINTS, columns)
    if backend == "dask":
        from diagtree._batch.dask import diagnose_dask_frame  # noqa: PLC0415

        if isinstance(engine, Engine):
            raise needs_recipe("engine", "Dask workers")
        results, errors = diagnose_dask_frame(frame, engine, options, workers=workers,
                                              scheduler=scheduler)
        return BatchResult(results, errors, len(frame))
    if backend != "pandas":
        raise ConfigurationError("backend", f"must be 'pandas' or 'dask', got {backend!r}")
    workers = check_run(engine, workers, chunk_size)
    if has_answers(columns):  # the engine's questions name the answer columns
        local = engine if isinstance(engine, Engine) else engine_for(engine)
        check_columns(COMPLAINTS, columns, local.questions)
    found: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for _, _, outcome in diagnosed(_chunks(frame, chunk_size), engine, options, workers):
        found.extend(outcome.results)
        rejected.extend(outcome.errors)
    names = result_columns(script=script, explanation=explanation, trace=trace)
    return BatchResult(frame_of(found, names), errors_frame(rejected), len(frame))
