"""One diagnosis → one row of the results frame; one rejected complaint → one errors row.

The row holds plain values (text, numbers, booleans, None for a missing value); lists are
``;``-joined, the path is the node ids joined by ``>``. ``cell`` and ``platform`` are the place
of the diagnosis (`_incidents.place`: the outcome's own ``cell``/``platform`` values, else the
facts the walk read), the same derivation the incident index uses.

Both are read from the trace (`walk_path`, `place_of_diagnosis`) — or, when the row has no
trace to show, from what the engine's walk gives without building one (`Walked`: the trace's
node ids and its reads of the place facts; `walked_path`, `walked_place`), the same values
(a property test holds them equal).
"""

from __future__ import annotations

import json
from typing import Any

from diagtree import ComplaintError, Diagnosis
from diagtree._incidents.place import PLACE_FACTS, Place, place_of_diagnosis, place_of_outcome
from diagtree._walk.engine import Walked

__all__ = ["PLACE_FACTS", "error_row", "result_row", "traced_row", "walk_path", "walked_path",
           "walked_place"]

_NOWHERE = Place(None, None)


def _joined(values: tuple[str, ...], sep: str = ";") -> str | None:
    return sep.join(values) if values else None


def walk_path(diagnosis: Diagnosis) -> str | None:
    """The results frame's ``path``: the nodes the walk passed, ``>``-joined, ending at the
    node where it concluded (so two outcomes of one cause stay apart on a path overlay);
    None for a walk with no step."""
    nodes = [step.node for step in diagnosis.trace]
    if nodes and diagnosis.trace[-1].next:
        nodes.append(diagnosis.trace[-1].next)
    return ">".join(nodes) if nodes else None


def walked_path(walked: Walked) -> str | None:
    """`walk_path` of the diagnosis had it been traced."""
    return ">".join(walked.path) if walked.path else None


def walked_place(walked: Walked) -> Place:
    """`place_of_diagnosis` of the diagnosis had it been traced: the outcome's own values
    first, then the place facts the walk read."""
    values = walked.diagnosis.values
    if not values and not walked.reads:  # the common case: nothing says a place
        return _NOWHERE
    return place_of_outcome(values, walked.reads)


def traced_row(row: int, msisdn: str, channel: str, reported_at: str, diagnosis: Diagnosis, *,
               script: bool, explanation: bool, trace: bool) -> dict[str, Any]:
    """The results row of a diagnosis walked with its trace (the path and the cell are read
    from it); the complaint's own fields as parsed."""
    return result_row(row, msisdn, channel, reported_at, diagnosis, walk_path(diagnosis),
                      place_of_diagnosis(diagnosis), script=script, explanation=explanation,
                      trace=trace)


def result_row(row: int, msisdn: str, channel: str, reported_at: str, diagnosis: Diagnosis,
               path: str | None, place: Place, *, script: bool, explanation: bool,
               trace: bool) -> dict[str, Any]:
    """The results row of a diagnosis, its `path` and its `place` (`traced_row`, or
    `walked_path` and `walked_place`); the complaint's own fields as parsed."""
    refund = diagnosis.refund
    out: dict[str, Any] = {
        "row": row, "complaint_id": diagnosis.complaint_id, "symptom": diagnosis.symptom,
        "msisdn": msisdn, "channel": channel, "reported_at": reported_at,
        "tree_id": diagnosis.tree_id, "tree_version": diagnosis.tree_version,
        "cause": diagnosis.cause, "category": diagnosis.category,
        "resolution": diagnosis.resolution, "department": diagnosis.department,
        "grade": diagnosis.grade, "grade_reasons": _joined(diagnosis.grade_reasons),
        "feedback_due": diagnosis.feedback_due,
        "refund_amount": None if refund is None else float(refund.amount),
        "refund_currency": None if refund is None else refund.currency,
        "refund_within_authority": None if refund is None else refund.within_authority,
        "path": path,
        "unavailable": _joined(diagnosis.unavailable),
        "also_found": _joined(diagnosis.also_found),
        "cell": place.cell,
        "platform": place.platform,
    }
    if script:
        out["script"] = diagnosis.script
    if explanation:
        out["explanation"] = diagnosis.explanation
    if trace:
        out["trace"] = json.dumps([step.to_dict() for step in diagnosis.trace],
                                  ensure_ascii=False)
    return out


def error_row(row: int, complaint_id: Any, error: ComplaintError) -> dict[str, Any]:
    """The errors row of a complaint rejected (its id as given, if it had one)."""
    cid = None if complaint_id is None else str(complaint_id)
    return {"row": row, "complaint_id": cid, "field": error.field, "code": error.code,
            "message": error.reason}
