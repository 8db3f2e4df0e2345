"""`diagtree incidents RESULTS [--records DIR | --demo] -o DIR`: the mass incidents of a day's
results (docs/incidents.md).

Reads a results file (the batch output: CSV, Parquet or JSON lines, by its suffix — the formats
and errors of `diagtree batch`, read as `diagtree.batch.read_frame` reads it), groups it by the
policy's `incidents:` rule (``--trees``: the knowledge folder whose policy to use, default the
shipped one) and writes into DIR:

- ``problems.json``: the incidents as TMF656 ServiceProblems (a JSON list);
- ``incidents.csv``: one row per incident (incident_id, cause, cell, platform, first_at,
  last_at, distinct_customers, complaints, warning_level, members);
- ``regraded.<ext>``: the results with the members' grade raised per the policy;
- ``notices.csv``: for each cell incident, the customers registered on its cell (the HLR
  records of ``--records DIR`` or the demo city's with ``--demo``) who have not complained.

It prints counts only, never a number. Exit 0, or 2 for input it cannot read.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from diagtree import _records
from diagtree._batch.files import BatchInputError, read_frame, results_format, write_frame

__all__ = ["add_incidents"]


def add_incidents(sub: Any) -> None:
    """Register the ``incidents`` verb on the CLI's sub-parsers."""
    p: argparse.ArgumentParser = sub.add_parser(
        "incidents", help="group a day's results into mass incidents (TMF656, notices)",
        description="Group a results file into mass incidents: TMF656 problems, the "
                    "incidents table, the results with members regraded, proactive notices.")
    p.add_argument("results", metavar="RESULTS",
                   help="the results file (.csv, .parquet or .jsonl), as `diagtree batch` "
                        "writes it")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--records", metavar="DIR",
                       help="source records (their HLR subscribers give the notices)")
    where.add_argument("--demo", action="store_true", help="the bundled demo city's records")
    p.add_argument("--trees", metavar="DIR",
                   help="knowledge folder whose policy to use (default: the shipped trees)")
    p.add_argument("-o", "--out", required=True, metavar="DIR", help="folder to write (created)")
    p.set_defaults(run=run_incidents)


def _registrations(records: Any) -> list[tuple[str, str]]:
    """(msisdn, cell) of every subscriber the HLR has registered on a cell."""
    pairs = []
    for subscriber in records.subscribers:
        registration = subscriber.get("registration") or {}
        cell = registration.get("cell_id")
        if registration.get("state") == "registered" and cell:
            pairs.append((str(subscriber["msisdn"]), str(cell)))
    return pairs


def run_incidents(args: argparse.Namespace) -> int:
    import diagtree_adapters as ad  # noqa: PLC0415 - the CLI is the composition root
    from diagtree import Engine, IncidentIndex, service_problem  # noqa: PLC0415

    results = Path(args.results)
    try:
        kind = results_format(results)
    except BatchInputError as exc:
        print(f"diagtree incidents: {exc}", file=sys.stderr)
        return 2
    if args.trees is not None and not Path(args.trees).is_dir():
        print(f"diagtree incidents: {args.trees}: no such folder", file=sys.stderr)
        return 2
    try:
        frame = read_frame(results)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        print(f"diagtree incidents: {results}: cannot read it ({exc})", file=sys.stderr)
        return 2
    records = _records.source_records(args.records, demo=args.demo) \
        if args.demo or args.records else None
    engine = Engine(args.trees, sources=ad.mock_sources(ad.records_from_mapping({})))
    index = IncidentIndex(engine.library.policy)
    incidents = index.group_results(frame)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    problems = [service_problem(i, window_hours=index.rule.window_hours) for i in incidents]
    (out / "problems.json").write_text(json.dumps(problems, ensure_ascii=False, indent=2) + "\n",
                                       encoding="utf-8")
    index.table(incidents).to_csv(out / "incidents.csv", index=False)
    regraded = index.regrade_results(frame, incidents)
    write_frame(regraded, out / f"regraded{results.suffix.lower()}", kind)
    notices = index.notices(incidents, _registrations(records) if records is not None else [])
    with (out / "notices.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["incident_id", "msisdn", "cell"])
        writer.writerows(notices)
    members = sum(i.complaints for i in incidents)
    levels = ", ".join(f"{i.incident_id} {i.warning_level or 'none'}" for i in incidents)
    print(f"{len(incidents)} incidents ({levels or 'none'}); {members} complaints regraded; "
          f"{len(notices)} customers to notify" + ("" if records is not None else
                                                   " (no --records: none listed)")
          + f"; written to {out}")
    return 0
