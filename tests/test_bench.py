"""The benchmark script runs and prints what it promises (it is not a timed test: the numbers
are not checked, only that every measure and target is reported)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "walk.py"


def test_bench_prints_every_measure_and_target() -> None:
    run = subprocess.run([sys.executable, str(BENCH), "--rounds", "3", "--batch", "20"],
                         capture_output=True, text=True, timeout=300, check=True)
    out = run.stdout
    for label in ("hand-written", "walk, no trace", "walk, full trace", "full diagnosis",
                  "without trace", "round medians", "targets: walk ≤ 2x", "full ≤ 100 µs"):
        assert label in out, (label, out)
