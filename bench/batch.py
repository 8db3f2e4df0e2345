"""Benchmark: `diagtree batch` on a large complaints file — rows per second and peak memory.

Run: ``.venv/bin/python bench/batch.py [--rows 1000000] [--workers N] [--chunk-size N]
[--format csv|parquet|jsonl] [--keep DIR] [--baseline]``.

Writes a complaints file of `--rows` rows (the
demo city's complaints over and over, ids made unique, one bad row in a thousand), runs
`diagtree.batch.diagnose_file` on it with the demo city's records, and prints the rows per
second (total and per worker), the peak resident memory of the whole run (this process and
its workers, summed, sampled every 50 ms — shared pages counted in each process, so an upper
bound), and both against the targets (issue 12): 1 M complaints within 1 GiB peak; a full
diagnosis from raw records, scripts off, ≥ 25 k complaints/s per core. Not a test: the numbers
are printed, never asserted (``--no-fail`` is implied). With ``--baseline`` it first runs the
same file the old way — every row diagnosed with its full trace, the path and the cell read
from it — on one worker in this process, and prints both rates per CPU-second and their ratio.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import tempfile
import threading
import time
from pathlib import Path

from diagtree import Engine
from diagtree._batch.spec import engine_for
from diagtree.batch import COMPLAINT_COLUMNS, EngineSpec, diagnose_file
from diagtree_adapters.demo import demo_complaints

MEMORY_TARGET = 1 << 30  # 1 GiB for 1 M complaints
RATE_TARGET = 25_000  # complaints per second per core (full diagnosis, scripts off)


def flat(complaint: dict[str, object]) -> dict[str, object]:
    row: dict[str, object] = {}
    for key, value in complaint.items():
        if isinstance(value, dict):
            row.update({f"{key}.{k}": v for k, v in value.items()})
        elif key == "history":
            row[key] = json.dumps(value, ensure_ascii=False)
        else:
            row[key] = value
    return row


def write_complaints(path: Path, rows: int) -> None:
    """`rows` complaints, streamed to the file (never all in memory)."""
    base = [flat(c["complaint"]) for c in demo_complaints()]
    columns = list(COMPLAINT_COLUMNS)
    chunk = 50_000

    def rows_of(start: int, stop: int) -> list[dict[str, object]]:
        out = []
        for i in range(start, stop):
            row = dict(base[i % len(base)])
            row["id"] = f"B-{i + 1:08d}"
            if i % 1000 == 999:
                row["msisdn"] = "12"  # a bad row: the errors file gets it
            out.append(row)
        return out

    if path.suffix == ".parquet":
        import pandas as pd  # noqa: PLC0415 - only for --format parquet
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.parquet as pq  # noqa: PLC0415

        writer = None
        for start in range(0, rows, chunk):
            frame = pd.DataFrame(rows_of(start, min(rows, start + chunk)), columns=columns)
            table = pa.Table.from_pandas(frame.astype("string"), preserve_index=False)
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
        if writer is not None:
            writer.close()
        return
    with open(path, "w", encoding="utf-8", newline="") as handle:
        if path.suffix == ".csv":
            out = csv.DictWriter(handle, columns)
            out.writeheader()
            for start in range(0, rows, chunk):
                out.writerows(rows_of(start, min(rows, start + chunk)))
        else:
            for start in range(0, rows, chunk):
                handle.writelines(json.dumps(r, ensure_ascii=False) + "\n"
                                  for r in rows_of(start, min(rows, start + chunk)))


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            pids.extend(_tree(int(child)))
    return pids


class PeakMemory:
    """The peak of the summed RSS of this process and its descendants."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, sum(_rss(p) for p in _tree(os.getpid())))

    def __enter__(self) -> PeakMemory:
        self.peak = sum(_rss(p) for p in _tree(os.getpid()))
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the workers, once shut down)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def engine_loop_rate(rows: int) -> float:
    """The baseline: `Engine.diagnose` in a loop (scripts and trace off), complaints per
    CPU-second, on the same complaints."""
    engine = engine_for(EngineSpec(demo=True))
    complaints = [c["complaint"] for c in demo_complaints()]
    n = max(len(complaints), min(rows, 20_000))
    started = time.process_time()
    for i in range(n):
        engine.diagnose(complaints[i % len(complaints)], trace=False, script=False)
    return n / (time.process_time() - started)


def traced_rate(source: Path, folder: Path, chunk_size: int) -> float:
    """The old way, for comparison: each row diagnosed with its full trace (the engine's
    trace-less walk refused, as for an engine that logs decisions), one worker in this
    process; rows per CPU-second."""
    walked = Engine._diagnose_walked
    Engine._diagnose_walked = lambda self, *a, **k: None  # type: ignore[method-assign]
    try:
        started = time.process_time()
        report = diagnose_file(source, folder / f"baseline{source.suffix}",
                               EngineSpec(demo=True), workers=1, chunk_size=chunk_size,
                               progress=False)
        return report.rows / (time.process_time() - started)
    finally:
        Engine._diagnose_walked = walked  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--chunk-size", type=int, default=5000)
    parser.add_argument("--format", choices=("csv", "parquet", "jsonl"), default="csv")
    parser.add_argument("--keep", metavar="DIR", help="write the files here (kept)")
    parser.add_argument("--baseline", action="store_true",
                        help="also run the old way (full trace per row) and print the ratio")
    args = parser.parse_args()

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="batch-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"complaints.{args.format}"
    started = time.perf_counter()
    write_complaints(source, args.rows)
    print(f"input: {args.rows:,} complaints, {source.stat().st_size / 2**20:.1f} MiB "
          f"{args.format} (written in {time.perf_counter() - started:.1f} s)")

    before = traced_rate(source, folder, args.chunk_size) if args.baseline else None
    with PeakMemory() as memory:
        cpu = cpu_seconds()
        started = time.perf_counter()
        report = diagnose_file(source, folder / f"results.{args.format}", EngineSpec(demo=True),
                               workers=args.workers, chunk_size=args.chunk_size,
                               progress=False)
        seconds = time.perf_counter() - started
        cpu = cpu_seconds() - cpu
    rate = report.rows / seconds
    per_core = rate / args.workers
    scaled = memory.peak * 1_000_000 / max(1, args.rows) if args.rows > 1_000_000 else \
        memory.peak
    print(report.summary() + ("" if report.balanced else "  (COUNT BROKEN)"))
    print(f"time:   {seconds:.1f} s on {args.workers} worker(s), chunks of {args.chunk_size}")
    print(f"rate:   {rate:,.0f} rows/s, {per_core:,.0f} rows/s per worker "
          f"(target ≥ {RATE_TARGET:,} per core: ratio {per_core / RATE_TARGET:.2f})")
    per_cpu = report.rows / cpu
    baseline = engine_loop_rate(args.rows)
    print(f"cpu:    {cpu:.1f} CPU-s (this process and its workers, start-up included): "
          f"{per_cpu:,.0f} rows per CPU-second, the machine's load aside (target ≥ "
          f"{RATE_TARGET:,}: ratio {per_cpu / RATE_TARGET:.2f}; the Engine.diagnose loop, "
          f"scripts and trace off, does {baseline:,.0f}: batch/loop ratio "
          f"{per_cpu / baseline:.2f})")
    if before is not None:
        print(f"before: the old way (full trace per row, 1 worker in this process) "
              f"{before:,.0f} rows per CPU-second: now/before ratio {per_cpu / before:.2f}")
    print(f"memory: peak {memory.peak / 2**20:,.0f} MiB (this process and its workers, summed; "
          f"target ≤ {MEMORY_TARGET / 2**20:,.0f} MiB for 1 M rows: ratio "
          f"{scaled / MEMORY_TARGET:.2f})")
    if not args.keep:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
