"""The proactive notice (预警, 投诉处理前移): for each incident on a cell, the customers
registered on it who have not complained yet, to be told before they call.

Takes plain ``(msisdn, cell)`` pairs (the HLR's registration cell of each subscriber: the CLI
builds them from the records with `diagtree_adapters`). A platform incident has no cell of its
own (the platform serves every cell): it gives no notice here. Numbers appear masked in every
log line.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

from diagtree._incidents.incident import Incident
from diagtree._privacy import mask_number

__all__ = ["Notice", "notices"]

_log = logging.getLogger("diagtree.incidents")


class Notice(NamedTuple):
    """One customer to tell of an incident on their cell (holds the MSISDN: not for logs)."""

    incident_id: str
    msisdn: str
    cell: str


def notices(incidents: Iterable[Incident], registrations: Iterable[tuple[str, str]]
            ) -> list[Notice]:
    """The customers registered on each cell incident's cell who are not among its
    complainants, in the order of the registrations (each customer once per incident)."""
    on_cell: dict[str, list[Incident]] = {}
    for incident in incidents:
        if incident.cell is not None:
            on_cell.setdefault(incident.cell, []).append(incident)
    found: list[Notice] = []
    seen: set[tuple[str, str]] = set()
    for msisdn, cell in registrations:
        for incident in on_cell.get(cell, ()):
            if msisdn in incident.customers or (incident.incident_id, msisdn) in seen:
                continue
            seen.add((incident.incident_id, msisdn))
            found.append(Notice(incident.incident_id, msisdn, cell))
            _log.debug("notice for incident %s to %s on cell %s", incident.incident_id,
                       mask_number(msisdn), cell)
    counts = Counter(n.incident_id for n in found)
    for listed in on_cell.values():
        for inc in listed:
            _log.info("incident %s on cell %s: %d customers to notify", inc.incident_id,
                      inc.cell, counts[inc.incident_id])
    return found
