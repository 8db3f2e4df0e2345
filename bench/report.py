"""`diagtree report` on a month of a million results: time and peak memory, in one run.

The results frame is made by repeating the tests' fixed frame (tests/data/report/results.csv,
the demo complaints diagnosed) with fresh complaint ids and customers spread over a month, so
the repeat rule, the cells and the paths have realistic cardinalities. Runs `diagtree report`
on it in a child process and prints the rows, the seconds, the child's peak RSS and the target
(≤ 1 GiB).

    .venv/bin/python bench/report.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
FIXED = ROOT / "tests" / "data" / "report" / "results.csv"
TARGET_MIB = 1024


def month(rows: int, out: Path) -> Path:
    base = pd.read_csv(FIXED, dtype=str, keep_default_na=False)
    reps = -(-rows // len(base))
    frame = pd.concat([base] * reps, ignore_index=True).head(rows)
    rng = np.random.default_rng(7)
    frame["row"] = np.arange(1, rows + 1).astype(str)
    frame["complaint_id"] = "M-" + frame["row"]
    # a city of 300 000 customers over 30 days
    frame["msisdn"] = (8613800000000 + rng.integers(0, 300_000, rows)).astype(str)
    minutes = rng.integers(0, 30 * 24 * 60, rows)
    start = pd.Timestamp("2026-11-01T00:00:00+08:00")
    reported = start + pd.to_timedelta(minutes, unit="min")
    frame["reported_at"] = reported.strftime("%Y-%m-%dT%H:%M:%S+08:00")
    frame["feedback_due"] = (reported + pd.Timedelta(hours=48)).strftime(
        "%Y-%m-%dT%H:%M:%S+08:00")
    path = out / "month.csv"
    frame.to_csv(path, index=False)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = month(args.rows, Path(tmp))
        size = results.stat().st_size / 2**20
        started = time.perf_counter()
        # the report runs as the command, in a child process: its peak is its own
        run = subprocess.run([sys.executable, "-m", "diagtree", "report", str(results), "-o",  # noqa: S603
                              str(Path(tmp) / "out")], capture_output=True, text=True,
                             check=False)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if run.returncode != 0:
        print(run.stderr, file=sys.stderr)
        return 1
    print(f"results frame: {args.rows:,} rows, {size:,.0f} MiB of CSV")
    print(f"diagtree report: {seconds:.1f} s ({args.rows / seconds:,.0f} rows/s)")
    print(f"peak RSS of the report: {peak:,.0f} MiB")
    print(f"target: peak ≤ {TARGET_MIB} MiB — {'met' if peak <= TARGET_MIB else 'MISSED'}")
    return 0 if peak <= TARGET_MIB else 1


if __name__ == "__main__":
    sys.exit(main())
