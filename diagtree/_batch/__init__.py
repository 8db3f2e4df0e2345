"""Batch diagnosis (a tool above the public API): a complaints frame in, a results frame and an
errors frame out, in chunks, on every core or on a Dask cluster. `diagtree.batch` is the public
face; docs/batch.md the guide and the frames' contracts.

- `frames`: the three frames' contracts (columns, types) and their empty frames;
- `rows`: one row of a complaints frame → the complaint mapping `parse_complaint` reads and
  the customer's answers;
- `results`: one `Diagnosis` → one results row, one `ComplaintError` → one errors row;
- `spec`: `EngineSpec`, how a worker process builds (once) the engine it diagnoses with;
- `chunk`: a chunk of rows diagnosed — the one function every path (pandas, processes, Dask)
  runs, so they agree row for row;
- `files`: reading complaints and writing results in chunks (CSV, Parquet, JSON lines);
- `workers`: the arguments checked, the worker processes, the bounded pipeline of chunks that
  `frame` and `run` share;
- `run`: the streaming run over a file — the part files, progress, the resume manifest, the
  count;
- `frame`: `diagnose_frame` over a DataFrame in memory;
- `dask`: the same over a Dask DataFrame (`map_partitions`).
"""
