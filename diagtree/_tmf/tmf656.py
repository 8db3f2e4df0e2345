"""A mass incident as a TM Forum TMF656 (v4) ServiceProblem, the body a service-problem
management system accepts on ``POST /serviceProblem`` (the ``ServiceProblem_Create`` shape).

Each field, from the `Incident` (docs/incidents.md has the table):

- ``category`` the cause's category (``network``, ``support``); ``reason`` the cause
  (``network.site_outage``); ``description`` what happened where, in plain English;
- ``priority`` from the early-warning level (red 1, orange 2, yellow 3, none 4: TMF656 counts
  from 1, the highest); ``status`` ``Submitted``; ``correlationId`` the incident id;
- ``timeRaised`` the first member complaint, ``timeChanged`` the last;
  ``affectedNumberOfServices`` the distinct customers;
- ``originatorParty`` diagtree (the system that found it); ``originatingSystem`` ``diagtree``;
- ``affectedResource`` the cell (``@referredType`` ``Cell``) or the platform element
  (``PlatformElement``); ``affectedLocation`` the cells (a platform incident: the cells its
  members were on);
- ``relatedObject`` each member complaint (``@referredType`` ``CustomerComplaint``, in time
  order);
- ``extensionInfo`` characteristics: ``warningLevel`` (``yellow`` / ``orange`` / ``red`` /
  ``none``), ``distinctCustomers``, ``complaints``, ``cause``, ``windowHours``.

No customer number is in it: the members are complaint ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from diagtree._check.policy import DEFAULT_INCIDENTS
from diagtree._incidents.incident import Incident

__all__ = ["PRIORITY", "service_problem"]

#: early-warning level -> TMF656 priority (1 is the highest); None: below yellow
PRIORITY: Final[Mapping[str | None, int]] = {"red": 1, "orange": 2, "yellow": 3, None: 4}
_SYSTEM: Final = "diagtree"


def service_problem(incident: Incident, *,
                    window_hours: float = DEFAULT_INCIDENTS.window_hours) -> dict[str, Any]:
    """The TMF656 v4 ServiceProblem (plain JSON types) for a mass incident; `window_hours`
    is the policy's window, recorded among its characteristics."""
    cell_kind = incident.cell is not None
    place = incident.cell if cell_kind else incident.platform
    resource = {"id": place, "name": place,
                "@referredType": "Cell" if cell_kind else "PlatformElement"}
    level = incident.warning_level or "none"
    problem: dict[str, Any] = {
        "@type": "ServiceProblem",
        "correlationId": incident.incident_id,
        "category": incident.category,
        "reason": incident.cause,
        "description": _description(incident),
        "priority": PRIORITY[incident.warning_level],
        "status": "Submitted",
        "timeRaised": incident.first_at,
        "timeChanged": incident.last_at,
        "affectedNumberOfServices": incident.distinct_customers,
        "originatingSystem": _SYSTEM,
        "originatorParty": {"id": _SYSTEM, "name": _SYSTEM, "role": "originator",
                            "@referredType": "Organization"},
        "affectedResource": [resource],
        "relatedObject": [{"id": member, "name": "complaint",
                           "@referredType": "CustomerComplaint"}
                          for member in incident.members],
        "extensionInfo": [
            {"name": "warningLevel", "valueType": "string", "value": level},
            {"name": "distinctCustomers", "valueType": "integer",
             "value": incident.distinct_customers},
            {"name": "complaints", "valueType": "integer", "value": incident.complaints},
            {"name": "cause", "valueType": "string", "value": incident.cause},
            {"name": "windowHours", "valueType": "number", "value": window_hours},
        ],
    }
    if incident.cells:
        problem["affectedLocation"] = [{"id": cell, "name": f"cell {cell}", "@type": "Cell"}
                                       for cell in incident.cells]
    return problem


def _description(i: Incident) -> str:
    where = f"cell {i.cell}" if i.cell is not None else f"platform {i.platform}"
    level = f"{i.warning_level} warning" if i.warning_level else "no warning level"
    return (f"Mass incident {i.incident_id}: {i.complaints} complaints from "
            f"{i.distinct_customers} distinct customers diagnosed as {i.cause} at {where} "
            f"between {i.first_at} and {i.last_at}; {level}.")
