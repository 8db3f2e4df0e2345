"""`IncidentIndex.add` on one long outage: complaints per second, against the old way.

One site outage of `--complaints` complaints (default 20 000) four seconds apart — 22 hours,
all inside the 24 h window, a quarter as many customers each calling four times — fed to an
`IncidentIndex` one by one, as the engine feeds it. The old way (``--baseline``) counted each
complaint's window by going over every complaint of its episode: the same feed through that
count, for the ratio. Not a test: the numbers are printed, never asserted.

    .venv/bin/python bench/incidents.py [--complaints 20000] [--baseline]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import time

from diagtree import IncidentIndex
from diagtree._check.policy import DEFAULT_INCIDENTS

T0 = _dt.datetime(2026, 11, 20, 9, 0, tzinfo=_dt.timezone(_dt.timedelta(hours=8)))
CELL = "460-00-20811-1"


def feed(n: int) -> list[tuple[str, str, _dt.datetime]]:
    return [(f"C{k}", f"86138{k % max(1, n // 4):08d}", T0 + _dt.timedelta(seconds=4 * k))
            for k in range(n)]


def indexed(complaints: list[tuple[str, str, _dt.datetime]]) -> tuple[float, int]:
    index = IncidentIndex(DEFAULT_INCIDENTS)
    start = time.perf_counter()
    for complaint_id, msisdn, at in complaints:
        last = index.add_result(complaint_id=complaint_id, msisdn=msisdn, reported_at=at,
                                cause="network.site_outage", cell=CELL, platform=None)
    return time.perf_counter() - start, last


def old_way(complaints: list[tuple[str, str, _dt.datetime]]) -> tuple[float, int]:
    """The count as it was: every member of the episode looked at for each complaint."""
    window = _dt.timedelta(hours=DEFAULT_INCIDENTS.window_hours)
    members: list[tuple[_dt.datetime, str]] = []
    start = time.perf_counter()
    last = 0
    for _, msisdn, at in complaints:
        members.append((at, msisdn))
        last = len({m for t, m in members if at - window <= t <= at})
    return time.perf_counter() - start, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=20_000)
    parser.add_argument("--baseline", action="store_true",
                        help="also time the old count (quadratic: minutes at 100 000)")
    args = parser.parse_args()
    complaints = feed(args.complaints)
    seconds, last = indexed(complaints)
    rate = args.complaints / seconds
    print(f"IncidentIndex.add, one outage of {args.complaints} complaints: "
          f"{rate:,.0f} complaints/s ({last} customers in the last window)")
    if args.baseline:
        old_seconds, old_last = old_way(complaints)
        assert old_last == last, (old_last, last)
        old_rate = args.complaints / old_seconds
        print(f"old count (every member looked at per complaint): {old_rate:,.0f} "
              f"complaints/s; ratio {rate / old_rate:.1f}x")


if __name__ == "__main__":
    main()
