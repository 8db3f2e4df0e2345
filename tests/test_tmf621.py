"""TMF621 tickets (issue 11 item 5): every dispatched diagnosis of the shipped scenarios becomes
a TroubleTicket that validates against the official TM Forum swagger (tests/standards/tmf621/,
copied with its licence), `$ref`s resolved; anything else gets a typed error naming why."""

from __future__ import annotations

import copy
import datetime as _dt
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from scenario_runs import shipped_runs

import diagtree
from diagtree import ComplaintError, Diagnosis, TicketError, trouble_ticket

SWAGGER = (Path(__file__).parent / "standards" / "tmf621"
           / "TMF621-TroubleTicket-v4.0.0.swagger.json")


def _date_time(value: object) -> bool:
    """RFC 3339 date-time (jsonschema checks the format only with an optional package)."""
    if not isinstance(value, str) or "T" not in value:
        return False
    try:
        return _dt.datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


FORMATS = jsonschema.FormatChecker()
FORMATS.checks("date-time")(_date_time)


def _closed(schema: Any) -> Any:
    """The schema with every object closed (``additionalProperties: false``): a key the ticket
    writes must be one TMF621 defines, not merely allowed by an open schema."""
    if isinstance(schema, dict):
        out = {k: _closed(v) for k, v in schema.items()}
        if out.get("type") == "object" and "properties" in out:
            out.setdefault("additionalProperties", False)
        return out
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema


@cache
def _validator(definition: str, closed: bool = True) -> jsonschema.Draft4Validator:
    swagger = json.loads(SWAGGER.read_text(encoding="utf-8"))
    assert swagger["swagger"] == "2.0" and swagger["info"]["version"].startswith("4.")
    definitions = _closed(swagger["definitions"]) if closed else swagger["definitions"]
    schema = {"$ref": f"#/definitions/{definition}", "definitions": definitions}
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=FORMATS)


def _errors(ticket: dict[str, Any], definition: str = "TroubleTicket") -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in _validator(definition).iter_errors(ticket)]


def _dispatched() -> list[tuple[dict[str, Any], Diagnosis]]:
    return [(run.complaint, d) for run in shipped_runs() for d in run.diagnoses.values()
            if d.resolution == "dispatch"]


def test_every_dispatched_scenario_diagnosis_validates_against_tmf621() -> None:
    dispatched = _dispatched()
    assert len(dispatched) > 50
    causes = set()
    for complaint, d in dispatched:
        ticket = trouble_ticket(d, complaint)
        for definition in ("TroubleTicket", "TroubleTicket_Create"):
            assert _errors(ticket, definition) == [], (d.complaint_id, definition)
        json.dumps(ticket)  # plain JSON types
        assert ticket["externalId"] == d.complaint_id == complaint["id"]
        assert ticket["expectedResolutionDate"] == d.feedback_due
        assert ticket["severity"] == {"normal": "Minor", "escalated": "Major",
                                      "major": "Critical"}[d.grade]
        notes = {n["id"]: n["text"] for n in ticket["note"]}
        assert notes["explanation"] == d.explanation
        assert all(step.node in notes["evidence"] for step in d.trace)
        assert ticket["relatedEntity"][0] == {"id": d.complaint_id, "name": d.symptom,
                                              "role": "complaint",
                                              "@referredType": "CustomerComplaint"}
        causes.add(d.cause)
    # every dispatching cause the scenarios reach, refunds above authority included
    assert {"network.weak_coverage", "unknown.data_unavailable", "billing.rating_error",
            "service.staff_conduct"} <= causes


def test_a_ticket_shows_department_deadline_and_evidence() -> None:
    complaint, d = next((c, d) for c, d in _dispatched()
                        if d.cause == "network.weak_coverage" and d.locale == "en")
    ticket = trouble_ticket(d, diagtree.parse_complaint(complaint))  # a Complaint works too
    assert ticket == trouble_ticket(d, complaint)
    assert ticket["ticketType"] == "complaint" and ticket["status"] == "acknowledged"
    assert ticket["relatedParty"][1] == {"id": "network_optimization",
                                         "name": "network_optimization", "role": "assignee",
                                         "@referredType": "Organization"}
    assert ticket["relatedParty"][0]["id"] == complaint["msisdn"]
    evidence = next(n["text"] for n in ticket["note"] if n["id"] == "evidence")
    assert "coverage.rsrp_dbm" in evidence


def test_the_validation_can_fail() -> None:
    """The closed official schema rejects what TMF621 does not define or type that way."""
    complaint, d = _dispatched()[0]
    ticket = trouble_ticket(d, complaint)
    bad = copy.deepcopy(ticket)
    bad["status"] = "open"  # not a TroubleTicketStatusType
    bad["grade"] = d.grade  # not a TroubleTicket property
    bad["relatedParty"][0].pop("@referredType")  # required by RelatedParty
    bad["expectedResolutionDate"] = "tomorrow"
    found = " ".join(_errors(bad))
    for expected in ("'open' is not one of", "'grade' was unexpected",
                     "'@referredType' is a required property", "'tomorrow' is not a 'date-time'"):
        assert expected in found
    create = copy.deepcopy(ticket)
    del create["severity"]
    assert any("'severity' is a required property" in e
               for e in _errors(create, "TroubleTicket_Create"))


def test_a_diagnosis_that_is_not_dispatched_has_no_ticket() -> None:
    run = next(r for r in shipped_runs() if r.diagnoses["en"].resolution == "frontline")
    d = run.diagnoses["en"]
    with pytest.raises(TicketError) as info:
        trouble_ticket(d, run.complaint)
    assert info.value.field == "diagnosis.resolution"
    assert info.value.code == "ticket_not_dispatched"
    assert d.cause in str(info.value) and "not dispatched" in str(info.value)
    assert isinstance(info.value, ValueError | diagtree.DiagtreeError)


def test_a_ticket_is_of_its_own_complaint() -> None:
    complaint, d = _dispatched()[0]
    with pytest.raises(TicketError) as info:
        trouble_ticket(d, {**complaint, "id": "someone-else"})
    assert info.value.field == "complaint.id" and info.value.code == "ticket_wrong_complaint"
    with pytest.raises(ComplaintError):
        trouble_ticket(d, {**complaint, "msisdn": "not a number"})


def test_a_ticket_names_the_record_the_complaint_is_about() -> None:
    complaint, d = next((c, d) for c, d in _dispatched() if c.get("subject"))
    ticket = trouble_ticket(d, complaint)
    subjects = [e for e in ticket["relatedEntity"] if e["role"] == "subject"]
    assert subjects and all(e["id"] in json.dumps(complaint["subject"]) for e in subjects)
