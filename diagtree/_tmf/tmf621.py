"""A dispatched diagnosis as a TM Forum TMF621 (v4) TroubleTicket, the body a back office's
ticketing system accepts on ``POST /troubleTicket`` (the ``TroubleTicket_Create`` shape).

Each field, from the diagnosis and its complaint (docs/integration.md has the full table):

- ``ticketType`` ``"complaint"``; ``name`` the symptom and the cause; ``description`` what was
  found and where it goes, in plain English;
- ``severity`` from the grade (normal → ``Minor``, escalated → ``Major``, major →
  ``Critical``), ``priority`` likewise (``Medium``, ``High``, ``Critical``);
- ``status`` ``acknowledged``; ``creationDate`` when the complaint was reported;
  ``expectedResolutionDate`` the feedback deadline (`Diagnosis.feedback_due`);
- ``channel`` the complaint's channel; ``externalId`` the complaint id;
- ``relatedParty`` the customer (by MSISDN: the back office calls them back) and the
  department it is dispatched to;
- ``relatedEntity`` the complaint, and the record it is about (charge, payment, recharge card,
  SP service) when it names one;
- ``note`` the agent explanation, the evidence (the trace: each node, its condition, the facts
  read and the branch taken), the causes also found, the grade's reasons, the actions and any
  refund.

A diagnosis that is not dispatched has no ticket: `TicketError` says why. The ticket holds the
customer's MSISDN, as a ticket must; like the complaint, it is not for logs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from diagtree._conclude.diagnosis import Diagnosis, json_value
from diagtree._errors import DiagtreeError
from diagtree._vocab.complaint import Complaint, parse_complaint

__all__ = ["PRIORITY", "SEVERITY", "TicketError", "trouble_ticket"]

#: grade -> TMF621 severity / priority
SEVERITY: Final[Mapping[str, str]] = {"normal": "Minor", "escalated": "Major",
                                      "major": "Critical"}
PRIORITY: Final[Mapping[str, str]] = {"normal": "Medium", "escalated": "High",
                                      "major": "Critical"}
_AUTHOR: Final = "diagtree"
#: the subject reference of a complaint -> the TMF entity it names
_SUBJECTS: Final = (("charge_id", "AppliedCustomerBillingRate"), ("payment_id", "Payment"),
                    ("card_serial", "RechargeCard"), ("sp_code", "ProductOffering"))


class TicketError(DiagtreeError, ValueError):
    """No ticket can be made of this diagnosis: `field` names what stands in the way (e.g.
    ``diagnosis.resolution``), `reason` says why, `code` is stable (``ticket_not_dispatched``,
    ``ticket_wrong_complaint``)."""

    def __init__(self, field_name: str, reason: str, code: str) -> None:
        self.field = field_name
        self.reason = reason
        self.code = code
        super().__init__(f"{field_name}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.field, self.reason, self.code), self.__dict__)


def trouble_ticket(diagnosis: Diagnosis, complaint: Complaint | Mapping[str, Any]
                   ) -> dict[str, Any]:
    """The TMF621 v4 TroubleTicket (plain JSON types) for a dispatched diagnosis of
    `complaint` (a `Complaint`, or the complaint as the CRM sent it). Raises `TicketError`
    for a diagnosis that is not dispatched or of another complaint, `ComplaintError` for a
    malformed complaint."""
    if diagnosis.resolution != "dispatch":
        raise TicketError("diagnosis.resolution",
                          f"{diagnosis.cause!r} is resolved on the call ({diagnosis.resolution}"
                          "), not dispatched: there is no ticket to open",
                          "ticket_not_dispatched")
    if not isinstance(complaint, Complaint):
        complaint = parse_complaint(complaint)
    if complaint.id != diagnosis.complaint_id:
        raise TicketError("complaint.id", f"the diagnosis is of complaint "
                          f"{diagnosis.complaint_id!r}, not {complaint.id!r}",
                          "ticket_wrong_complaint")
    created = complaint.reported_at.isoformat()
    department = diagnosis.department or "tier2"
    return {
        "@type": "TroubleTicket",
        "externalId": complaint.id,
        "name": f"{complaint.type}: {diagnosis.cause}",
        "description": _description(diagnosis, department),
        "ticketType": "complaint",
        "severity": SEVERITY[diagnosis.grade],
        "priority": PRIORITY[diagnosis.grade],
        "status": "acknowledged",
        "creationDate": created,
        "expectedResolutionDate": diagnosis.feedback_due,
        "channel": {"id": complaint.channel, "name": complaint.channel},
        "relatedParty": [
            {"id": complaint.msisdn, "role": "customer", "@referredType": "Individual"},
            {"id": department, "name": department, "role": "assignee",
             "@referredType": "Organization"},
        ],
        "relatedEntity": _entities(complaint),
        "note": _notes(diagnosis, created),
    }


def _description(d: Diagnosis, department: str) -> str:
    text = (f"Customer complaint {d.complaint_id} ({d.symptom}) diagnosed as {d.cause} "
            f"[{d.category}], dispatched to {department}; grade {d.grade}, "
            f"{d.feedback_kind} due {d.feedback_due}.")
    if d.unavailable:
        text += f" Sources unavailable: {', '.join(d.unavailable)}."
    return text


def _entities(complaint: Complaint) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = [
        {"id": complaint.id, "name": complaint.type, "role": "complaint",
         "@referredType": "CustomerComplaint"}]
    for key, referred in _SUBJECTS:
        value = getattr(complaint.subject, key)
        if value is not None:
            entities.append({"id": value, "role": "subject", "@referredType": referred})
    return entities


def _notes(d: Diagnosis, date: str) -> list[dict[str, Any]]:
    def note(note_id: str, text: str) -> dict[str, Any]:
        return {"id": note_id, "author": _AUTHOR, "date": date, "text": text}

    notes = [note("explanation", d.explanation), note("evidence", _evidence(d))]
    if d.also_found:
        notes.append(note("also_found", "Also found (lost on precedence): "
                          + ", ".join(d.also_found)))
    if d.grade_reasons:
        notes.append(note("grade", f"Grade {d.grade}: " + "; ".join(d.grade_reasons)))
    if d.actions:
        notes.append(note("actions", "\n".join(f"- {a}" for a in d.actions)))
    if d.refund is not None:
        r = d.refund
        notes.append(note("refund", f"Refund {r.amount:.2f} {r.currency}; the {r.role} "
                          + ("may grant it" if r.within_authority else "may not grant it")))
    return notes


def _evidence(d: Diagnosis) -> str:
    """The trace as lines: each node, its condition, the facts read and the branch taken."""
    lines = [f"Tree {d.tree_id or '-'} v{d.tree_version or '-'}"]
    for i, step in enumerate(d.trace, 1):
        facts = ", ".join(f"{f.name}={_shown(f.value) if f.available else 'UNAVAILABLE'}"
                          for f in step.facts)
        lines.append(f"{i}. {step.node} [{step.kind}]"
                     + (f" {step.condition}" if step.condition else "")
                     + (f" ({facts})" if facts else "") + f" -> {step.branch}")
    if d.answers:
        lines.append("Answers: " + ", ".join(f"{k}={_shown(v)}" for k, v in d.answers))
    return "\n".join(lines)


def _shown(value: Any) -> str:
    shown = json_value(value)
    return shown if isinstance(shown, str) else json.dumps(shown, ensure_ascii=False)
