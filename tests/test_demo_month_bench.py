"""bench/demo_month.py runs and prints what it promises (not a timed test: the numbers are not
checked, only that every step and the target are reported)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "demo_month.py"


def test_month_bench_prints_each_step_and_the_target() -> None:
    run = subprocess.run([sys.executable, str(BENCH), "--complaints", "2000", "--load",
                          "--no-fail"], capture_output=True, text=True, timeout=300, check=True)
    out = run.stdout
    for label in ("generate", "write", "total", "complaints/s", "load",
                  "target: 2,000 complaints in ≤ 0.1 s", "x of the budget"):
        assert label in out, (label, out)
