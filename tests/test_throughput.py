"""bench/throughput.py runs and prints every measure with its ratios (numbers are not checked:
speed is measured by the bench, never by a timed test); and what a kept diagnosis holds.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import tracemalloc
from pathlib import Path

import diagtree_adapters as ad
from diagtree import Engine
from diagtree_adapters import demo

BENCH = Path(__file__).resolve().parents[1] / "bench" / "throughput.py"


def test_throughput_bench_prints_every_mode_and_its_ratios() -> None:
    run = subprocess.run([sys.executable, str(BENCH), "--subscribers", "700", "--complaints",
                          "200", "--rounds", "1", "--kept", "100", "--no-baseline"],
                         capture_output=True, text=True, timeout=300, check=True)
    out = run.stdout
    for label in ("complaints/s on one core", "scripts off, trace off", "scripts on , trace on ",
                  "x target", "bytes held per kept diagnosis", "x the issue's"):
        assert label in out, (label, out)
    assert out.count("/s (") == 4 and out.count(" B / ") == 4, out


def _held(engine: Engine, cases: list[dict[str, object]], read: bool) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [engine.diagnose(c["complaint"], answers=c["answers"],  # type: ignore[arg-type]
                                trace=False, script=False) for c in cases]
        if read:
            for d in kept:
                assert isinstance(d.also_found, tuple)
        gc.collect()
        return (tracemalloc.get_traced_memory()[0] - before) / len(kept)
    finally:
        tracemalloc.stop()


def test_a_kept_diagnosis_lets_the_walk_go_once_also_found_is_read() -> None:
    """Until also_found is read, a diagnosis keeps the facts of its walk (its evidence);
    once read, only what the explanation needs (no store, no source answers)."""
    engine = Engine(sources=ad.mock_sources(demo.demo_records()))
    cases = [c for c in demo.demo_complaints() if not c["down"]][:200]
    for c in cases:  # templates compiled, caches warm
        engine.diagnose(c["complaint"], answers=c["answers"], script=False).to_dict()
    pending = _held(engine, cases, read=False)
    found = _held(engine, cases, read=True)
    assert found < pending - 1000, (found, pending)
