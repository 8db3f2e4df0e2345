"""Benchmark: what the agent's view (issue 11 item 2) costs a diagnosis.

Run: ``.venv/bin/python bench/explain.py [--rounds N]``. In one process, interleaved, over the
demo complaints whose sources are up: a diagnosis as `Engine.diagnose` returns it (the agent view
not yet worked out), and the same diagnosis with `explanation` and `also_found` read (worked
out: the other causes' evidence read from the facts the sources already gave, the sentences
rendered). Prints the median time per diagnosis of each and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import diagtree_adapters as ad
from diagtree import Engine, parse_complaint
from diagtree_adapters import demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    engine = Engine(sources=ad.mock_sources(demo.demo_records()))
    items = [(parse_complaint(c["complaint"]), c.get("answers") or {})
             for c in demo.demo_complaints() if not c.get("down")]

    def plain(complaint: Any, answers: Any) -> None:
        engine.diagnose(complaint, answers=answers)

    def with_view(complaint: Any, answers: Any) -> None:
        d = engine.diagnose(complaint, answers=answers)
        _ = d.explanation, d.also_found

    for c, a in items:  # warm: every template compiled, every source's indexes built
        with_view(c, a)
    medians: dict[str, list[float]] = {"diagnose": [], "diagnose + agent view": []}
    for _ in range(args.rounds):
        for name, run in (("diagnose", plain), ("diagnose + agent view", with_view)):
            times = []
            for c, a in items:
                start = time.perf_counter()
                run(c, a)
                times.append(time.perf_counter() - start)
            medians[name].append(statistics.median(times) * 1e6)
    base = statistics.median(medians["diagnose"])
    for name, values in medians.items():
        m = statistics.median(values)
        print(f"{name:24s} {m:8.1f} µs/diagnosis   ratio {m / base:5.2f}x")
    print(f"({len(items)} demo complaints, {args.rounds} rounds, interleaved)")


if __name__ == "__main__":
    main()
