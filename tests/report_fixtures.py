"""Results frames for the report's tests, made by diagnosing the demo complaints one by one and
writing the batch contract's columns (docs/batch.md). Unlike a `diagtree batch` row, whose
`cell` is only the place its outcome or its trace names, `cell` here is taken from every fact
the sources answered (fetched again), so that the top-cells table of the golden report has
cells of every network cause to rank.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from diagtree import Diagnosis, Engine, parse_complaint
from diagtree._batch.results import walk_path
from diagtree_adapters import mock_sources
from diagtree_adapters.demo import demo_complaints, demo_records

RESULT_COLUMNS = (
    "row", "complaint_id", "symptom", "msisdn", "channel", "reported_at", "tree_id",
    "tree_version", "cause", "category", "resolution", "department", "grade", "grade_reasons",
    "feedback_due", "refund_amount", "refund_currency", "refund_within_authority", "path",
    "unavailable", "also_found", "cell", "platform")


def _facts(d: Diagnosis, complaint: dict[str, Any], sources: Iterable[Any]) -> dict[str, Any]:
    """The facts of the sources the diagnosis asked and that answered (fetched again: the
    trace holds only the facts its conditions read)."""
    asked = {call.source for call in d.sources if call.ok}
    parsed = parse_complaint(complaint)
    out: dict[str, Any] = {}
    for source in sources:
        if source.name in asked:
            fetched = source.fetch(parsed, 2.0)
            out.update({k: fetched.get(k) for k in fetched})
    return out


def _cell(facts: dict[str, Any]) -> Any:
    if facts.get("coverage.outage.cell") is not None:
        return facts["coverage.outage.cell"]
    if facts.get("coverage.serving_cells"):
        return next(iter(facts["coverage.serving_cells"]))
    return facts.get("hlr.registration.cell_id")


def result_row(row: int, d: Diagnosis, complaint: dict[str, Any],
               facts: dict[str, Any]) -> dict[str, Any]:
    refund = d.refund
    return {
        "row": row, "complaint_id": d.complaint_id, "symptom": d.symptom,
        "msisdn": complaint.get("msisdn"), "channel": complaint.get("channel"),
        "reported_at": complaint.get("reported_at"), "tree_id": d.tree_id,
        "tree_version": d.tree_version, "cause": d.cause, "category": d.category,
        "resolution": d.resolution, "department": d.department, "grade": d.grade,
        "grade_reasons": ";".join(d.grade_reasons), "feedback_due": d.feedback_due,
        "refund_amount": refund.amount if refund else None,
        "refund_currency": refund.currency if refund else None,
        "refund_within_authority": refund.within_authority if refund else None,
        "path": walk_path(d) or None, "unavailable": ";".join(d.unavailable),
        "also_found": ";".join(d.also_found), "cell": _cell(facts),
        "platform": facts.get("coverage.platform_fault.element")}


def demo_results(limit: int | None = None) -> Iterator[dict[str, Any]]:
    """One results row per demo complaint a tree handles, in the demo file's order."""
    records = demo_records()
    base = mock_sources(records)  # (building sources indexes the records: once)
    engine = Engine(sources=base)
    failing: dict[tuple[str, ...], list[Any]] = {}
    for row, case in enumerate(demo_complaints()[:limit], start=1):
        down = tuple(case["down"])
        if down and down not in failing:
            failing[down] = mock_sources(records, down=list(down))
        sources = failing[down] if down else None
        d = engine.diagnose(case["complaint"], answers=case["answers"], sources=sources,
                            script=False)
        yield result_row(row, d, case["complaint"], _facts(d, case["complaint"], base))


def write_csv(rows: Iterable[dict[str, Any]], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(RESULT_COLUMNS))
        writer.writeheader()
        for r in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in r.items()})
    return path


def _shifted(row: dict[str, Any], days: float, suffix: str, number: int) -> dict[str, Any]:
    import datetime as dt

    out = dict(row)
    for key in ("reported_at", "feedback_due"):
        out[key] = (dt.datetime.fromisoformat(row[key]) + dt.timedelta(days=days)).isoformat()
    out["complaint_id"] = f"{row['complaint_id']}-{suffix}"
    out["row"] = number
    return out


def fixed_results() -> list[dict[str, Any]]:
    """The golden input: every demo complaint, then the same customers again so that the
    repeat rule has something to find — 5 days later (a repeat), at the same time (Δ = 0: not a
    repeat) and 40 days later (outside the 30-day window: not a repeat)."""
    rows = list(demo_results())
    extra: list[dict[str, Any]] = []
    for i, row in enumerate(rows[:30]):
        days = (5.0, 0.0, 40.0)[i % 3]
        extra.append(_shifted(row, days, f"R{i % 3}", len(rows) + len(extra) + 1))
    return rows + extra
