"""A chunk of complaint rows diagnosed: the one function every path runs (in this process,
in a worker process, in a Dask partition), so that all of them agree row for row with
`Engine.diagnose` on each complaint alone, with the answers its row gives.

Each row either gives a results row or an errors row — never both, never neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from diagtree import Complaint, ComplaintError, Engine, parse_complaint
from diagtree._batch.bulk import plan as bulk_plan
from diagtree._batch.results import (
    PLACE_FACTS,
    error_row,
    result_row,
    traced_row,
    walked_path,
    walked_place,
)
from diagtree._batch.rows import answers_of, complaint_of, is_absent
from diagtree._walk.answers import check_answers

__all__ = ["Options", "Outcome", "diagnose_rows", "frame_rows"]


@dataclass(frozen=True)
class Options:
    """What to put in the results besides the contract's columns."""

    script: bool = False
    trace: bool = False
    explanation: bool = False
    #: rows with neither script, trace nor explanation go the bulk way where the engine
    #: allows it (`_batch.bulk`); False: every row by `Engine.diagnose` (the reference)
    bulk: bool = True


@dataclass
class Outcome:
    """The rows a chunk gave: results rows and errors rows, each in row order."""

    results: list[dict[str, Any]]
    errors: list[dict[str, Any]]


#: a chunk row: its number, and the row's cells — or the error that reading it already gave
Row = tuple[int, Mapping[Any, Any] | ComplaintError]


def frame_rows(frame: Any, first_row: int) -> list[Row]:
    """The rows of a pandas DataFrame chunk, numbered from `first_row` (read column by
    column: the cells as ``to_dict("records")`` gives them, without its per-cell cost)."""
    keys = list(frame.columns)
    if not keys:  # (no columns: each row is empty, none is lost)
        return [(first_row + k, {}) for k in range(len(frame))]
    columns = [frame.iloc[:, k].tolist() for k in range(len(keys))]
    return list(enumerate((dict(zip(keys, cells, strict=True))
                           for cells in zip(*columns, strict=True)), start=first_row))


def diagnose_rows(engine: Engine, rows: Iterable[Row], options: Options) -> Outcome:
    """Diagnose each row as `Engine.diagnose` would the complaint alone."""
    bulk = None
    if options.bulk and not (options.script or options.trace or options.explanation):
        bulk = bulk_plan(engine)
    outcome = Outcome([], [])
    if bulk is None:
        for number, cells in rows:
            parsed = _parsed(engine, number, cells, outcome)
            if parsed is not None:
                outcome.results.append(_diagnosed(engine, *parsed, options))
        return outcome
    chunk: list[tuple[int, Complaint, Mapping[str, Any]]] = []
    given: list[dict[str, Any] | None] = []
    runtime = engine._runtime
    for number, cells in rows:
        parsed = _parsed(engine, number, cells, outcome)
        if parsed is None:
            continue
        _, complaint, answers = parsed
        try:  # checked as the engine's store checks them (`new_store`)
            checked = check_answers(answers, runtime.questions, valid=runtime.valid_answers) \
                if answers else {}
        except ComplaintError as exc:
            outcome.errors.append(error_row(number, complaint.id, exc))
            continue
        chunk.append((number, complaint, checked))
        given.append(answers)
    outcome.results.extend(bulk.diagnose(chunk, lambda k: _diagnosed(
        engine, chunk[k][0], chunk[k][1], given[k], options)))
    return outcome


def _parsed(engine: Engine, number: int, cells: Mapping[Any, Any] | ComplaintError,
            outcome: Outcome) -> tuple[int, Complaint, dict[str, Any] | None] | None:
    """The row's complaint and answers, or None with its errors row added to `outcome`."""
    if isinstance(cells, ComplaintError):
        outcome.errors.append(error_row(number, None, cells))
        return None
    complaint_id = cells.get("id")
    if is_absent(complaint_id):
        complaint_id = None
    try:
        data, given = complaint_of(cells)
        complaint_id = data.get("id", complaint_id)
        complaint = parse_complaint(data, default_region=engine.default_region)
        # checked after the complaint, in the order `Engine.diagnose` checks them
        answers = answers_of(given, engine.questions) if given else None
    except ComplaintError as exc:
        outcome.errors.append(error_row(number, complaint_id, exc))
        return None
    return number, complaint, answers


def _diagnosed(engine: Engine, number: int, complaint: Complaint,
               answers: dict[str, Any] | None, options: Options) -> dict[str, Any]:
    """The results row of one complaint by `Engine.diagnose`."""
    # the path and the cell are what the trace says: without a trace column, only those
    # of its parts are kept (`Engine._diagnose_walked`); the script only if asked
    walked = None if options.trace else engine._diagnose_walked(
        complaint, script=options.script, facts=PLACE_FACTS, answers=answers)
    reported_at = complaint.reported_at.isoformat()
    if walked is None:
        return traced_row(
            number, complaint.msisdn, complaint.channel, reported_at,
            engine.diagnose(complaint, answers=answers, trace=True, script=options.script),
            script=options.script, explanation=options.explanation, trace=options.trace)
    return result_row(
        number, complaint.msisdn, complaint.channel, reported_at, walked.diagnosis,
        walked_path(walked), walked_place(walked), script=options.script,
        explanation=options.explanation, trace=False)
