"""Benchmark: vectorized replay against its targets (issue 12, item 2), in one run.

Run: ``.venv/bin/python bench/vector.py [--rows N]``. Prints rows/s and the ratio to each target:

- the vectorized route (`ColumnTree.route`) of the shipped ``no_service`` tree over a facts frame
  of N rows (default 1 M; pandas ``category`` columns for the text facts, bool and float columns,
  a few missing cells): target ≥ 5 M rows/s per core; and its ratio to a hand-written numpy
  ceiling — the same decision written as plain masks by hand, without unknowns or paths;
- the per-row reference (`ColumnTree.route_rows`) from the same pre-derived facts, scripts off:
  target ≥ 200 k rows/s per core;
- a full diagnosis from raw records (the demo city, `Engine.diagnose(c, trace=False)`, with
  ``script=False`` where the engine has that keyword): target ≥ 25 k complaints/s per core.

Everything runs on one core (one process, one thread); each figure is the best of a few rounds,
in CPU time of this process (``time.process_time``): per core, whatever else the machine runs.
The fetch pool's threads of a full diagnosis count too (their CPU time is the process's).
"""

from __future__ import annotations

import argparse
import inspect
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import diagtree_adapters as ad
from diagtree import Engine
from diagtree.vector import ColumnTree, compile_columns
from diagtree_adapters import demo

VECTOR_TARGET = 5_000_000
ROWS_TARGET = 200_000
FULL_TARGET = 25_000


def realistic_frame(tree: ColumnTree, rows: int, seed: int = 1) -> pd.DataFrame:
    """A realistic facts frame for `tree` (generated; `diagtree.vector.facts_frame` reads one
    from a decision log): most lines healthy, a few of everything else."""
    rng = np.random.default_rng(seed)
    data: dict[str, Any] = {"id": np.arange(rows)}
    for name in tree.facts():
        kind = tree.types[name]
        k = kind.kind
        if k == "bool":
            data[name] = rng.random(rows) < 0.08
        elif k in ("int", "number"):
            values = rng.normal(-95.0, 12.0, rows)
            values[rng.random(rows) < 0.01] = np.nan  # a few unknown
            data[name] = values
        elif k in ("string", "enum"):
            cats = list(kind.values) if k == "enum" else ["a", "b", "c"]
            if name == "hlr.odb.bar_reason":
                cats = ["arrears", "real_name", "fraud", "customer_request"]
            codes = rng.integers(-1, len(cats), rows)  # -1: missing (unknown; null for complaint)
            data[name] = pd.Categorical.from_codes(codes, cats)
    for question in tree.questions():
        data["answer." + question] = pd.array(
            np.where(rng.random(rows) < 0.5, True, False), dtype="boolean")
    return pd.DataFrame(data)


def numpy_ceiling(df: pd.DataFrame) -> np.ndarray:
    """The no_service decision by hand in numpy masks (no unknowns, no paths): the ceiling."""
    n = len(df)
    out = np.full(n, 13, dtype=np.int8)  # needs investigation
    left = np.ones(n, dtype=bool)

    def take(mask: np.ndarray, code: int) -> None:
        nonlocal left
        hit = left & mask
        out[hit] = code
        left &= ~mask

    state = df["hlr.number_state"].cat
    take(state.codes.to_numpy() == list(state.categories).index("reclaimed"), 0)
    take(df["coverage.outage.active"].to_numpy(), 1)
    take(df["coverage.planned_works.active"].to_numpy(), 2)
    reason = df["hlr.odb.bar_reason"].cat.codes.to_numpy()
    take(reason == 0, 3)
    take(reason == 1, 4)
    take(reason >= 2, 5)
    take(~df["hlr.found"].to_numpy(), 6)
    take(df["coverage.gap.in_gap"].to_numpy(), 7)
    take(df["coverage.rsrp_dbm"].to_numpy() < -110, 8)
    take(df["answer.airplane_mode"].to_numpy(dtype=bool), 9)
    take(df["hlr.sim_not_registered"].to_numpy(), 10)
    return out


def best(fn: Callable[[], Any], rounds: int) -> tuple[float, float]:
    """The best CPU time of `rounds` runs: seconds of this process on its core (the machine may
    be shared: wall time would count the time other processes held the core); and the best
    wall time, shown too."""
    times = []
    walls = []
    for _ in range(rounds):
        start, wall = time.process_time(), time.perf_counter()
        fn()
        times.append(time.process_time() - start)
        walls.append(time.perf_counter() - wall)
    return max(min(times), 1e-9), min(walls)


def line(what: str, rate: float, target: float, unit: str = "rows/s", wall: float = 0.0
         ) -> None:
    verdict = "meets" if rate >= target else "BELOW"
    print(f"{what:<52} {rate / 1000:>10,.0f} k {unit}   target {target / 1000:,.0f} k   "
          f"ratio {rate / target:5.2f}  {verdict}   (wall clock: {wall / 1000:,.0f} k/s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    records = demo.demo_records()
    engine = Engine(sources=ad.mock_sources(records))
    tree = compile_columns(engine, "no_service")
    df = realistic_frame(tree, args.rows)
    nodes = sum(1 for node in tree.tree.flat.nodes.values() if node.kind != "jump")
    print(f"no_service: {nodes} nodes (sub-trees inlined); facts frame {len(df):,} rows × "
          f"{len(df.columns)} columns")

    tree.route(df.iloc[:1000])  # warm-up
    vector_s, vector_wall = best(lambda: tree.route(df), args.rounds)
    ceiling_s = best(lambda: numpy_ceiling(df), args.rounds)[0]
    vector = len(df) / vector_s
    ceiling = len(df) / ceiling_s
    line("vectorized route (ColumnTree.route)", vector, VECTOR_TARGET,
         wall=len(df) / vector_wall)
    print(f"{'hand-written numpy ceiling (no unknowns, no paths)':<52} {ceiling / 1000:>10,.0f} k "
          f"rows/s   vectorized / ceiling {vector / ceiling:5.2f}")

    part = df.iloc[: min(len(df), 200_000)]
    rows_s, rows_wall = best(lambda: tree.route_rows(part), max(1, args.rounds - 1))
    line("per-row reference from facts (route_rows)", len(part) / rows_s, ROWS_TARGET,
         wall=len(part) / rows_wall)

    cases = [c["complaint"] for c in demo.demo_complaints()]
    keywords: dict[str, Any] = {"trace": False}
    if "script" in inspect.signature(engine.diagnose).parameters:
        keywords["script"] = False
    for c in cases:  # warm-up: every tree's walker generated
        engine.diagnose(c, **keywords)
    rounds = max(1, 20_000 // len(cases))

    def diagnose_all() -> None:
        for _ in range(rounds):
            for c in cases:
                engine.diagnose(c, **keywords)

    full_s, full_wall = best(diagnose_all, 2)
    shown = ", ".join(f"{k}={v}" for k, v in keywords.items())
    line(f"full diagnosis from raw records ({shown})", rounds * len(cases) / full_s,
         FULL_TARGET, "complaints/s", wall=rounds * len(cases) / full_wall)


if __name__ == "__main__":
    main()
