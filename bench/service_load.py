"""Load on the HTTP service: N concurrent sessions against `diagtree serve` on loopback.

Each session is a demo complaint (D-0046) walked in three answering steps: answer the first
question, answer the second (the diagnosis), take it back and answer it again the other way;
then its state is read back and checked (its own complaint id, its answers, its version):
no session lost, none crossed with another. Then one session takes 30 concurrent answers:
its version must grow by exactly 30 (no step lost to a race between the workers). Prints
p50/p99 latency per endpoint and the count of 5xx. `run_load` is what
tests/test_service_load.py runs (bounded); run this file for the numbers:

    python bench/service_load.py [--sessions 200] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from service_server import AGENT_KEY, serve, write_config

from diagtree_adapters.demo import demo_complaints

CASE = "D-0046"  # asks airplane_mode, then sim_works_in_other_phone


async def _session(client: httpx.AsyncClient, i: int, complaint: dict[str, Any],
                   timings: dict[str, list[float]], errors: list[str]) -> None:
    async def call(name: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
        started = time.perf_counter()
        response = await client.request(method, path, json=body)
        timings[name].append((time.perf_counter() - started) * 1000)
        if response.status_code >= 500:
            errors.append(f"{name}: {response.status_code} {response.text[:200]}")
        elif response.status_code >= 400:
            errors.append(f"{name}: unexpected {response.status_code} {response.text[:200]}")
        data: dict[str, Any] = response.json()
        return data

    own = {**complaint, "id": f"L-{i:04d}"}
    view = await call("POST /sessions", "POST", "/sessions", {"complaint": own})
    sid = view["id"]
    view = await call("POST /answers", "POST", f"/sessions/{sid}/answers",
                      {"question": "airplane_mode", "value": False})
    last = i % 2 == 0
    view = await call("POST /answers", "POST", f"/sessions/{sid}/answers",
                      {"question": "sim_works_in_other_phone", "value": last})
    view = await call("POST /back", "POST", f"/sessions/{sid}/back", {})
    view = await call("POST /answers", "POST", f"/sessions/{sid}/answers",
                      {"question": "sim_works_in_other_phone", "value": not last})
    got = await call("GET /sessions/{id}", "GET", f"/sessions/{sid}")
    if got.get("id") != sid or got.get("version") != 5 \
            or got.get("diagnosis", {}).get("complaint_id") != own["id"] \
            or got.get("answers") != {"airplane_mode": False,
                                      "sim_works_in_other_phone": not last}:
        errors.append(f"session {own['id']} lost or crossed: {str(got)[:300]}")


async def _hammer(client: httpx.AsyncClient, complaint: dict[str, Any], steps: int,
                  errors: list[str]) -> None:
    """`steps` concurrent answers to one session (both workers take some): each must be
    applied exactly once — the version ends at 1 + steps (no step lost to a race)."""
    sid = (await client.post("/sessions", json={"complaint": {**complaint, "id": "L-hot"}}
                             )).json()["id"]
    first = await client.post(f"/sessions/{sid}/answers",
                              json={"question": "airplane_mode", "value": False})
    replies = await asyncio.gather(*(
        client.post(f"/sessions/{sid}/answers",
                    json={"question": "airplane_mode", "value": i % 2 == 0})
        for i in range(steps)))
    bad = [r.status_code for r in (first, *replies) if r.status_code != 200]
    if bad:
        errors.append(f"one session stepped concurrently: statuses {bad[:10]}")
    final = (await client.get(f"/sessions/{sid}")).json()
    if final.get("version") != 2 + steps:
        errors.append(f"one session stepped concurrently: version {final.get('version')}, "
                      f"expected {2 + steps} (a step lost)")


async def _drive(url: str, sessions: int) -> tuple[dict[str, list[float]], list[str]]:
    complaint = next(c["complaint"] for c in demo_complaints()
                     if c["complaint"]["id"] == CASE)
    timings: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    limits = httpx.Limits(max_connections=sessions, max_keepalive_connections=sessions)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {AGENT_KEY}"},
                                 timeout=60, limits=limits) as client:
        await asyncio.gather(*(_session(client, i, complaint, timings, errors)
                               for i in range(sessions)))
        await _hammer(client, complaint, 30, errors)
    return timings, errors


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return p50, p99


def run_load(folder: Path, sessions: int = 200, workers: int = 2
             ) -> tuple[dict[str, list[float]], list[str], float]:
    """Start `diagtree serve` with `workers` processes on one SQLite store and drive
    `sessions` concurrent sessions; (timings by endpoint, errors, seconds)."""
    write_config(folder, max_open_sessions=sessions + 10)  # + the hot session
    with serve(folder, workers=workers) as server:
        started = time.perf_counter()
        timings, errors = asyncio.run(_drive(server.url, sessions))
        return timings, errors, time.perf_counter() - started


def report(timings: dict[str, list[float]]) -> str:
    lines = [f"{'endpoint':<22}{'calls':>7}{'p50 ms':>10}{'p99 ms':>10}"]
    for name, values in sorted(timings.items()):
        p50, p99 = percentiles(values)
        lines.append(f"{name:<22}{len(values):>7}{p50:>10.1f}{p99:>10.1f}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        timings, errors, seconds = run_load(Path(tmp), args.sessions, args.workers)
    print(f"{args.sessions} concurrent sessions, {args.workers} workers, one SQLite store: "
          f"{seconds:.1f} s")
    print(report(timings))
    server_errors = sum(e.split(": ", 1)[1].startswith("5") for e in errors)
    print(f"5xx: {server_errors}; other errors (lost, crossed, 4xx): "
          f"{len(errors) - server_errors}")
    for error in errors[:10]:
        print("  ", error)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
