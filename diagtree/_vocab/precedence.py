"""The precedence of docs/taxonomy.md §3: which causes apply to which symptom, and the order in
which a diagnosis considers them ("When several signals are present"). One table, read by the
`unreachable-cause` lint rule, the generated taxonomy page and the agent explanation's
`also_found` (`diagtree._conclude.explain`).
"""

from __future__ import annotations

from typing import Final

__all__ = ["APPLIES", "BARRED", "PRECEDENCE", "precedence_for"]

BARRED: Final = ("billing.suspended_arrears", "subscriber.barred_real_name",
                 "subscriber.barred_other")
_EVENT: Final = ("network.site_outage", "network.planned_works")
_RADIO: Final = ("network.known_coverage_gap", "network.weak_coverage", "network.interference")
_GAP_WEAK: Final = ("network.known_coverage_gap", "network.weak_coverage")

#: docs/taxonomy.md §3 "Which causes apply to which symptom" (unknown.* apply to every symptom)
APPLIES: Final[dict[str, tuple[str, ...]]] = {
    "no_service": ("subscriber.number_recycled", *BARRED, "support.service_not_provisioned",
                   *_EVENT, *_GAP_WEAK, "device.settings", "device.sim_fault"),
    "weak_signal": (*_EVENT, *_RADIO),
    "call_drop": (*_EVENT, *_RADIO, "device.volte_unsupported"),
    "cannot_call_out": (*BARRED, "support.platform_fault", *_EVENT,
                        "support.service_not_provisioned", *_GAP_WEAK,
                        "device.volte_unsupported", "device.settings", "device.sim_fault"),
    "cannot_receive_calls": (*BARRED, *_EVENT, "subscriber.call_forwarding_active",
                             *_GAP_WEAK, "device.volte_unsupported", "device.settings"),
    "slow_data": ("support.platform_fault", *_EVENT, "product.quota_throttled", *_RADIO,
                  "network.congestion", "device.nr_unsupported"),
    "no_data": (*BARRED, "support.platform_fault", *_EVENT, "support.service_not_provisioned",
                *_GAP_WEAK, "device.settings"),
    "sms_failure": (*BARRED, "support.platform_fault", *_EVENT,
                    "support.service_not_provisioned", *_GAP_WEAK),
    "bill_dispute": ("vas.unconfirmed_subscription", "vas.confirmed_subscription",
                     "billing.rating_error", "billing.charge_confirmed"),
    "unknown_vas_charge": ("vas.unconfirmed_subscription", "vas.confirmed_subscription"),
    "service_suspended": ("subscriber.number_recycled", *BARRED),
    "roaming_failure": (*BARRED, "subscriber.roaming_not_enabled"),
    "recharge_issue": ("billing.payment_not_posted", "billing.recharge_card_expired"),
    "number_recycled": ("subscriber.number_recycled",),
    "staff_conduct": ("service.staff_conduct",),
    "spam_harassment": ("service.spam_reported",),
}

#: the precedence of §3: (step, why, the causes in the order the step checks them)
PRECEDENCE: Final[tuple[tuple[str, str, tuple[str, ...]], ...]] = (
    ("`service.*`", "the symptom itself says so",
     ("service.staff_conduct", "service.spam_reported")),
    ("a reclaimed number", "a reclaimed number has no profile to register with",
     ("subscriber.number_recycled",)),
    ("line barred", "the line cannot work whatever the network does; the customer must act "
     "first — except for `no_service`, where a location event (5) comes first: barring does "
     "not take the signal away", BARRED),
    ("a platform fault", "an incident on a platform the symptom depends on",
     ("support.platform_fault",)),
    ("an event at the location now", "`network.site_outage`, then `network.planned_works`",
     ("network.site_outage", "network.planned_works")),
    ("the line's profile and capability", "no call can work on an LTE/NR-only site without "
     "VoLTE", ("support.service_not_provisioned", "subscriber.roaming_not_enabled",
               "subscriber.call_forwarding_active", "device.volte_unsupported")),
    ("the quota", "a billing fact: revisit congestion only after a top-up",
     ("product.quota_throttled",)),
    ("radio conditions", "high load alone is not capacity when coverage is weak",
     ("network.known_coverage_gap", "network.weak_coverage", "network.interference",
      "network.congestion")),
    ("the handset and SIM", "", ("device.nr_unsupported", "device.settings",
                                 "device.sim_fault")),
    ("the record the complaint is about (its `subject`)", "",
     ("vas.unconfirmed_subscription", "vas.confirmed_subscription", "billing.rating_error",
      "billing.charge_confirmed", "billing.payment_not_posted",
      "billing.recharge_card_expired")),
    ("no rule conclusive", "", ("unknown.needs_investigation",)),
)


def precedence_for(symptom: str) -> list[str]:
    """The causes that apply to `symptom`, in the order a diagnosis considers them (§3): the
    precedence, with the location event before barring for ``no_service`` (§8.1)."""
    applies = set(APPLIES.get(symptom, ())) | {"unknown.needs_investigation"}
    steps = [causes for _step, _why, causes in PRECEDENCE]
    if symptom == "no_service":  # 1, 2, 5, 3, 4, 6, … (§8.1)
        steps.insert(2, steps.pop(4))
    return [c for causes in steps for c in causes if c in applies]
