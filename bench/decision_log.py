"""What the decision log costs a diagnosis: the demo complaints diagnosed without a log, with
a log not synced (``fsync=False``) and with the default (each record synced to disk).

Run: ``.venv/bin/python bench/decision_log.py [--rounds N]``. Each round diagnoses every demo
complaint once per setting, interleaved so that the machine's drift hits them alike; it prints
the median microseconds per diagnosis and each setting's ratio to no log, measured in the same
run. Without a log the engine does one ``None`` check per diagnosis: the ratio of a log is what
it adds (building the record, masking it, the JSON, the write and the sync).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import diagtree_adapters as ad
from diagtree import DecisionLog, Engine, parse_complaint
from diagtree_adapters import demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    records = demo.demo_records()
    sources = ad.mock_sources(records)
    cases = [(parse_complaint(c["complaint"]), dict(c.get("answers") or {}))
             for c in demo.demo_complaints() if not c.get("down")]
    with tempfile.TemporaryDirectory() as tmp:
        engines = {
            "no log": Engine(sources=sources),
            "log, fsync=False": Engine(sources=sources, decision_log=DecisionLog(
                Path(tmp) / "a.jsonl", fsync=False)),
            "log, fsync=True": Engine(sources=sources, decision_log=DecisionLog(
                Path(tmp) / "b.jsonl")),
        }
        times: dict[str, list[float]] = {name: [] for name in engines}
        for _ in range(args.rounds):
            for name, engine in engines.items():
                start = time.perf_counter()
                for complaint, answers in cases:
                    engine.diagnose(complaint, answers=answers)
                times[name].append((time.perf_counter() - start) / len(cases) * 1e6)
    base = statistics.median(times["no log"])
    print(f"{len(cases)} demo complaints x {args.rounds} rounds")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<18} {median:9.1f} us per diagnosis   {median / base:5.2f}x no log")


if __name__ == "__main__":
    main()
