"""Facts the engine derives itself: the complaint's own (`complaint.*`), and the facts the
policy reads after the walk (`diagnosis.*`, `history.*`)."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Final

from diagtree._complaint import Complaint
from diagtree._facts import BOOL, DATETIME, INT, STRING, FactSpec, FactType
from diagtree._taxonomy import CATEGORIES, CHANNELS, ROLES, SYMPTOMS

__all__ = ["COMPLAINT_FACTS", "POLICY_FACTS", "complaint_facts", "same_category_within"]

COMPLAINT_FACTS: Final = (
    FactSpec("complaint.type", FactType.enum(*SYMPTOMS), "the symptom the customer reports"),
    FactSpec("complaint.channel", FactType.enum(*CHANNELS), "the channel it came through"),
    FactSpec("complaint.agent_role", FactType.enum(*ROLES), "who is asking (refund authority)"),
    FactSpec("complaint.reported_at", DATETIME, "when it was reported"),
    FactSpec("complaint.has_location", BOOL, "the complaint says where the problem happens"),
    FactSpec("complaint.incident.distinct_customers_24h", INT,
             "distinct customers with this cause at this cell within 24 h (from the caller)"),
    FactSpec("complaint.subject.charge_id", STRING, "the charge the complaint is about"),
    FactSpec("complaint.subject.sp_code", STRING, "the SP service the complaint is about"),
    FactSpec("complaint.subject.payment_id", STRING, "the payment the complaint is about"),
    FactSpec("complaint.subject.card_serial", STRING, "the recharge card it is about"),
    FactSpec("complaint.subject.number", STRING, "the number sending spam or harassing calls"),
)

POLICY_FACTS: Final = (
    FactSpec("diagnosis.cause", STRING, "the cause the tree concluded"),
    FactSpec("diagnosis.category", FactType.enum(*CATEGORIES), "the category of that cause"),
    FactSpec("history.same_category_30d", INT,
             "earlier complaints whose cause has the same category, reported more than 0 and "
             "at most 30 days before this one"),
)

_30_DAYS: Final = _dt.timedelta(days=30)


def complaint_facts(c: Complaint) -> dict[str, Any]:
    s = c.subject
    return {
        "complaint.type": c.type,
        "complaint.channel": c.channel,
        "complaint.agent_role": c.agent_role,
        "complaint.reported_at": c.reported_at,
        "complaint.has_location": c.location is not None,
        "complaint.incident.distinct_customers_24h": c.incident_distinct_customers_24h,
        "complaint.subject.charge_id": s.charge_id,
        "complaint.subject.sp_code": s.sp_code,
        "complaint.subject.payment_id": s.payment_id,
        "complaint.subject.card_serial": s.card_serial,
        "complaint.subject.number": s.number,
    }


def same_category_within(c: Complaint, category: str) -> int:
    """Earlier complaints of the same category reported in (0, 30 days] before this one."""
    count = 0
    for entry in c.history:
        if entry.at is None:  # when it was is not known: it cannot be within the 30 days
            continue
        gap = c.reported_at - entry.at
        if entry.category == category and _dt.timedelta(0) < gap <= _30_DAYS:
            count += 1
    return count
