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


LOAD_BENCH = BENCH.parent / "load.py"


def test_load_bench_prints_every_forest_the_slope_and_the_target() -> None:
    run = subprocess.run([sys.executable, str(LOAD_BENCH), "--rounds", "1", "--sizes", "300,600",
                          "--no-fail"], capture_output=True, text=True, timeout=300, check=True)
    out = run.stdout
    for label in ("shipped forest", "generated 300", "generated 600", "ms median",
                  "per-node slope", "ms/node", "targets: load ≤ 200 ms"):
        assert label in out, (label, out)


def test_generated_forests_are_sound_and_of_the_size_asked(tmp_path: Path) -> None:
    sys.path.insert(0, str(LOAD_BENCH.parent))
    try:
        import load
    finally:
        sys.path.remove(str(LOAD_BENCH.parent))
    schema, policy_schema = load.schemas()
    for size in (120, 1000):
        folder = tmp_path / str(size)
        written = load.write_forest(folder, size)
        library = load.load_library([folder], schema, policy_schema)  # raises on any problem
        assert written == load.count_nodes(library)
        assert size * 0.95 <= written <= size
        assert library.by_symptom


INCIDENTS_BENCH = BENCH.parent / "incidents.py"


def test_incidents_bench_prints_both_rates_and_the_ratio() -> None:
    run = subprocess.run([sys.executable, str(INCIDENTS_BENCH), "--complaints", "400",
                          "--baseline"], capture_output=True, text=True, timeout=120, check=True)
    for label in ("IncidentIndex.add, one outage of 400 complaints", "complaints/s",
                  "100 customers in the last window", "old count", "ratio"):
        assert label in run.stdout, (label, run.stdout)
