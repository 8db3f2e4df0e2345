"""The batch on Dask: each partition of a complaints Dask DataFrame diagnosed by
`chunk.diagnose_rows` on the worker that holds it, with the engine that worker built once
from the recipe (`spec.engine_for`) — the same rows as the pandas path, row for row.

Each partition gives one frame holding its results rows and its errors rows (the errors'
``field``/``code``/``message`` columns set); `diagnose_dask` splits it into the two lazy
frames, which `dask.compute` computes in one pass.
"""

from __future__ import annotations

import collections
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diagtree._batch.chunk import Options, diagnose_rows, frame_rows
from diagtree._batch.files import BatchInputError, check_columns, file_format, has_answers
from diagtree._batch.frames import ERROR_COLUMNS, frame_of, result_columns
from diagtree._batch.run import BatchReport, Parts, progress_bar
from diagtree._batch.spec import EngineFactory, engine_for

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd

__all__ = ["diagnose_dask", "diagnose_dask_frame", "run_dask_file"]

_ERROR_ONLY = ("field", "code", "message")


def _combined_columns(options: Options) -> tuple[str, ...]:
    return result_columns(script=options.script, explanation=options.explanation,
                          trace=options.trace) + _ERROR_ONLY


def _partition(frame: pd.DataFrame, factory: EngineFactory, options: Options,
               offsets: tuple[int, ...], partition_info: dict[str, Any] | None = None,
               ) -> pd.DataFrame:
    columns = _combined_columns(options)
    if partition_info is None or len(frame) == 0:  # dask's meta call, an empty partition
        return frame_of([], columns)
    first = offsets[partition_info["number"]] + 1
    outcome = diagnose_rows(engine_for(factory), frame_rows(frame, first), options)
    rows = sorted([*outcome.results, *outcome.errors], key=lambda r: int(r["row"]))
    return frame_of(rows, columns)


def diagnose_dask(frame: dd.DataFrame, factory: EngineFactory, *, script: bool = False,
                  trace: bool = False, explanation: bool = False,
                  ) -> tuple[dd.DataFrame, dd.DataFrame]:
    """The results and the errors of a complaints Dask DataFrame, lazily (compute both with
    ``dask.compute(results, errors)``: one pass). The partitions' lengths are computed first,
    to number the rows from 1 across partitions."""
    options = Options(script=script, trace=trace, explanation=explanation)
    results, errors, _ = _lazy(frame, factory, options, "the complaints frame")
    return results, errors


def _check_answers(factory: EngineFactory, where: str, columns: list[str]) -> None:
    """The answer columns checked against the questions of the engine a worker builds."""
    check_columns(where, columns, engine_for(factory).questions)


def _lazy(frame: dd.DataFrame, factory: EngineFactory, options: Options, where: str,
          ) -> tuple[dd.DataFrame, dd.DataFrame, int]:
    names = [str(c) for c in frame.columns]
    check_columns(where, names)
    if has_answers(names):  # on a worker (its engine is kept for the partitions): once
        import dask  # noqa: PLC0415

        dask.delayed(_check_answers)(factory, where, names).compute()
    lengths = frame.map_partitions(len).compute()
    offsets = [0]
    for length in lengths:
        offsets.append(offsets[-1] + int(length))
    columns = _combined_columns(options)
    combined = frame.map_partitions(_partition, factory, options, tuple(offsets),
                                    meta=frame_of([], columns), align_dataframes=False)
    diagnosed = combined["code"].isna()
    results = combined[diagnosed][list(columns[:-len(_ERROR_ONLY)])]
    errors = combined[~diagnosed][list(ERROR_COLUMNS)]
    return results, errors, offsets[-1]


def diagnose_dask_frame(frame: pd.DataFrame, factory: EngineFactory, options: Options, *,
                        workers: int = 2, scheduler: Any = None,
                        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A pandas complaints frame diagnosed on Dask (`scheduler`: a `distributed.Client`, an
    address, or None for the client already set as default): the two frames, computed."""
    import dask  # noqa: PLC0415 - the `dask` extra
    import dask.dataframe as dd  # noqa: PLC0415

    ddf = dd.from_pandas(frame, npartitions=max(1, min(len(frame), 2 * workers)))
    results, errors = diagnose_dask(ddf, factory, script=options.script,
                                    trace=options.trace, explanation=options.explanation)
    if isinstance(scheduler, str):
        from distributed import Client  # noqa: PLC0415

        with Client(scheduler) as client:
            done = client.compute([results, errors], sync=True)
    elif scheduler is not None:
        done = scheduler.compute([results, errors], sync=True)
    else:
        done = dask.compute(results, errors)
    out_results, out_errors = done
    return out_results.reset_index(drop=True), out_errors.reset_index(drop=True)


def run_dask_file(source: str | Path, out: str | Path, factory: EngineFactory, *,
                  errors: str | Path | None, options: Options, scheduler: str,
                  progress: bool | None = None) -> BatchReport:
    """`diagnose_file` on a Dask cluster: `source` (Parquet — a file or a folder of
    partitions — or CSV) read by the workers, partitions diagnosed where they are, the results
    and errors brought back partition by partition (a few at a time) and written in input
    order with the same writers as the local run."""
    import dask.dataframe as dd  # noqa: PLC0415 - the `dask` extra
    from distributed import Client  # noqa: PLC0415

    where = str(source)  # a local path, or a URL the workers read (s3://…, hdfs://…)
    kind = file_format(where)
    parts = Parts.of(out, errors, options)
    if kind == "jsonl":
        raise BatchInputError(f"{where}: on Dask the input is Parquet or CSV (JSON lines: "
                              "run without --scheduler)")
    if "://" not in where and not Path(where).exists():
        raise BatchInputError(f"{where}: no such file or folder")
    parts.start()
    with Client(scheduler) as client:
        frame = (dd.read_parquet(where) if kind == "parquet" else
                 dd.read_csv(where, dtype=str, keep_default_na=False))
        results, rejected, rows = _lazy(frame, factory, options, where)
        pairs = list(zip(results.to_delayed(), rejected.to_delayed(), strict=True))
        bar = progress_bar(lambda: rows, progress)
        diagnosed = failed = 0
        window: collections.deque[Any] = collections.deque()
        index = 0

        def write_next() -> None:
            nonlocal index, diagnosed, failed
            got, lost = (f.result().reset_index(drop=True) for f in window.popleft())
            parts.write(index, got, lost)
            index, diagnosed, failed = index + 1, diagnosed + len(got), failed + len(lost)
            if bar is not None:
                bar.update(len(got) + len(lost))

        try:
            for pair in pairs:
                window.append(client.compute(list(pair)))
                while len(window) > 4:
                    write_next()
            while window:
                write_next()
        finally:
            if bar is not None:
                bar.close()
    parts.join(range(index))
    return BatchReport(rows, diagnosed, failed, str(parts.out), str(parts.errors))
