"""Batch diagnosis: a complaints frame in, a results frame and an errors frame out.

Every row is diagnosed as `diagtree.Engine.diagnose` would diagnose that complaint alone; a row
that cannot be (an unknown symptom, a malformed MSISDN, a missing field, a bad number or
history) becomes a row of the errors frame naming the field — never dropped, never the end of
the run. The frames' columns are docs/batch.md's contracts (`COMPLAINT_COLUMNS`,
`RESULT_COLUMNS`, `ERROR_COLUMNS`).

- `diagnose_frame(frame, engine)` — a pandas DataFrame in memory → `BatchResult` (``results``,
  ``errors``, the counts; it unpacks as ``results, errors = ...``); on worker processes with
  ``workers=N``, on Dask with ``backend="dask"``;
- `diagnose_file(IN, OUT, engine)` — a CSV, Parquet or JSON-lines file streamed in chunks to
  results and errors files (by extension), on every core, resumable → `BatchReport`;
- `diagnose_dask(ddf, spec)` — a Dask DataFrame (e.g. partitioned Parquet) → the two lazy
  Dask frames;
- `EngineSpec` — how a worker process or a Dask worker builds the engine (once): an `Engine`
  is never sent to a worker, its recipe is. Any picklable function of no arguments that returns
  an `Engine` will do too.

>>> from diagtree.batch import EngineSpec, diagnose_frame
>>> import pandas as pd
>>> frame = pd.DataFrame([{"id": "B1", "type": "no_such_symptom", "msisdn": "8613800000001",
...                        "reported_at": "2026-11-20T09:30:00+08:00"}])
>>> result = diagnose_frame(frame, EngineSpec(demo=True))
>>> result.summary()
'1 rows: 0 diagnosed, 1 errors'
>>> result.errors.loc[0, "code"]
'complaint_unknown_symptom'
"""

from __future__ import annotations

from pathlib import Path

from diagtree import Engine
from diagtree._batch.chunk import Options
from diagtree._batch.dask import diagnose_dask
from diagtree._batch.files import BatchInputError, read_frame
from diagtree._batch.frame import BatchResult, diagnose_frame
from diagtree._batch.frames import (
    COMPLAINT_COLUMNS,
    ERROR_COLUMNS,
    OPTIONAL_RESULT_COLUMNS,
    RESULT_COLUMNS,
)
from diagtree._batch.run import BatchReport, run_file
from diagtree._batch.spec import EngineFactory, EngineSpec

__all__ = [
    "COMPLAINT_COLUMNS",
    "ERROR_COLUMNS",
    "OPTIONAL_RESULT_COLUMNS",
    "RESULT_COLUMNS",
    "BatchInputError",
    "BatchReport",
    "BatchResult",
    "EngineFactory",
    "EngineSpec",
    "diagnose_dask",
    "diagnose_file",
    "diagnose_frame",
    "read_frame",
]


def diagnose_file(source: str | Path, out: str | Path, engine: Engine | EngineFactory, *,
                  errors: str | Path | None = None, script: bool = False, trace: bool = False,
                  explanation: bool = False, workers: int | None = None,
                  chunk_size: int = 5000, resume: bool = False,
                  progress: bool | None = None) -> BatchReport:
    """Diagnose every complaint of the file `source` into `out` and `errors` (default: OUT
    with ``.errors`` before its extension), by extension CSV, Parquet or JSON lines.

    Streams `chunk_size` rows at a time on `workers` processes (default: every core with an
    `EngineSpec`/factory, 1 with an `Engine`), output in input order. `resume=True` carries on
    an interrupted run from its last finished chunk (``OUT.parts/``). `progress`: a bar on
    stderr (None: only when stderr is a terminal). Check ``report.balanced`` (rows in = rows
    out + error rows)."""
    return run_file(source, out, engine, errors=errors,
                    options=Options(script=script, trace=trace, explanation=explanation),
                    workers=workers, chunk_size=chunk_size, resume=resume, progress=progress)


# named from here (reprs, help(), and the pickles a worker receives)
for _cls in (BatchInputError, BatchReport, BatchResult, EngineSpec):
    _cls.__module__ = __name__
del _cls
