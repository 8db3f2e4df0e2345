"""Benchmark: sources asked in parallel, and a hanging source given up at its timeout.

Run: ``.venv/bin/python bench/fetch.py [--repeats N]``. One process, one run; it prints the
median wall time of one diagnosis in each case and its ratio to the target (issue 11):

1. three sources (hlr, billing, coverage) of 50 ms each, a walk that reads all three: one
   diagnosis within 1.3 × 50 ms;
2. the same with coverage down — hanging, ignoring its timeout (0.2 s here) — one diagnosis
   within the timeout + 10 %.

The baseline is printed alongside: the same sources asked one after another, each when the walk
first reads one of its facts (what diagtree did before: sources marked ``prefetch = False``).
The complaint is the demo city's healthy no_service line (its walk reads every source).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import diagtree_adapters as ad
from diagtree import Complaint, Engine, FactSpec, parse_complaint
from diagtree._walk.pool import MAX_HUNG_CALLS
from diagtree_adapters import demo

LATENCY_S = 0.05
TIMEOUT_S = 0.2


class Slow:
    """A network source standing in for an HLR, BSS or NMS: answers after `latency_s` (or,
    `hang`, never — until the bench ends — whatever its timeout)."""

    def __init__(self, inner: Any, latency_s: float, *, hang: bool = False,
                 prefetch: bool = True) -> None:
        self.inner = inner
        self.name = inner.name
        self.latency_s = latency_s
        self.hang = hang
        self.prefetch = prefetch
        self.release = threading.Event()

    def facts(self) -> list[FactSpec]:
        return list(self.inner.facts())

    def fetch(self, complaint: Complaint, timeout_s: float) -> Mapping[str, Any]:
        if self.hang:
            self.release.wait(30)  # a backend that ignores its timeout
        else:
            time.sleep(self.latency_s)
        return self.inner.fetch(complaint, timeout_s)


def timed(engine: Engine, complaint: Complaint, repeats: int,
          fresh: Callable[[], list[Slow]]) -> tuple[float, Any]:
    """The median time of one diagnosis, each with fresh sources (`fresh()`): a source whose
    earlier calls still hang is not asked again (`MAX_HUNG_CALLS`), which is not this case."""
    engine.diagnose(complaint, sources=fresh())  # warm-up: threads started, scripts compiled
    samples = []
    d = None
    for _ in range(repeats):
        sources = fresh()
        start = time.perf_counter()
        d = engine.diagnose(complaint, sources=sources)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), d


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    records = demo.demo_records()
    case = next(c for c in demo.demo_complaints() if c["complaint"]["type"] == "no_service"
                and not c.get("down") and c["expected_cause"] == "unknown.needs_investigation")
    complaint = parse_complaint(case["complaint"])
    plain = ad.mock_sources(records)

    engine = Engine(sources=plain, default_timeout_s=TIMEOUT_S)
    made: list[Slow] = []

    def sources(hang: str | None, prefetch: bool) -> Callable[[], list[Slow]]:
        def fresh() -> list[Slow]:
            made.extend(Slow(s, LATENCY_S, hang=s.name == hang, prefetch=prefetch)
                        for s in plain)
            return made[-3:]
        return fresh

    rows = []
    for label, hang, target in (("three sources of 50 ms", None, 1.3 * LATENCY_S),
                                ("one of three hanging", "coverage", TIMEOUT_S * 1.1)):
        seconds, d = timed(engine, complaint, args.repeats, sources(hang, True))
        base, base_d = timed(engine, complaint, args.repeats, sources(hang, False))
        assert d.cause == base_d.cause and d.trace == base_d.trace, "parallel ≠ sequential"
        if hang is None:
            assert not d.unavailable and {c.source for c in d.sources} == {
                "hlr", "billing", "coverage"}, d.sources
        else:
            assert d.unavailable == (hang,), d.unavailable
        rows.append((label, seconds, base, target, d))
    # a source whose calls all hang: once MAX_HUNG_CALLS of them are stuck past their timeout,
    # it is not asked again (no thread taken) until one returns
    stuck = Slow(plain[2], LATENCY_S, hang=True)
    others = sources(None, True)()[:2]
    for _ in range(MAX_HUNG_CALLS + 1):
        engine.diagnose(complaint, sources=[*others, stuck])
    start = time.perf_counter()
    refused = engine.diagnose(complaint, sources=[*others, stuck])
    fast_fail = time.perf_counter() - start
    for source in [*made, stuck]:
        source.release.set()

    print(f"demo complaint {complaint.id} (no_service, cause {rows[0][4].cause}); each source "
          f"answers in {LATENCY_S * 1000:.0f} ms, timeout {TIMEOUT_S * 1000:.0f} ms; median of "
          f"{args.repeats}")
    verdicts = []
    for label, seconds, base, target, d in rows:
        timings = dict(d.timings_ms)
        met = seconds <= target
        verdicts.append(f"{label} ≤ {target * 1000:.0f} ms ({'met' if met else 'MISSED'})")
        print(f"{label:<24} {seconds * 1000:7.1f} ms   {seconds / target:4.2f}x target   "
              f"sequential baseline {base * 1000:7.1f} ms ({base / seconds:4.2f}x slower)   "
              f"booked: fetch {timings['fetch']:.1f} ms, walk {timings['walk']:.3f} ms; "
              + ", ".join(f"{c.source} {c.latency_ms:.1f} ms{'' if c.ok else ' (failed)'}"
                          for c in d.sources))
    print(f"{'a source stuck ×' + str(MAX_HUNG_CALLS):<24} {fast_fail * 1000:7.1f} ms   not "
          f"asked again: {next(c.error for c in refused.sources if not c.ok)}")
    print("targets: " + "; ".join(verdicts))


if __name__ == "__main__":
    main()
