"""The shared vocabulary (``docs/taxonomy.md``): cause codes, categories, departments,
grades and the standard customer questions. Trees may emit finer codes under a cause
(``network.site_outage.power``) but never rename these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "CATEGORIES",
    "CAUSES",
    "CHANNELS",
    "DEPARTMENTS",
    "GRADES",
    "LOCATED_SYMPTOMS",
    "RESOLUTIONS",
    "ROLES",
    "STANDARD_QUESTIONS",
    "SYMPTOMS",
    "Question",
    "base_cause",
    "category_of",
]

#: the symptoms a complaint can report (its `type`)
VOICE_SYMPTOMS: Final = ("no_service", "weak_signal", "call_drop", "cannot_call_out",
                         "cannot_receive_calls")
DATA_SYMPTOMS: Final = ("slow_data", "no_data")
SYMPTOMS: Final = (
    *VOICE_SYMPTOMS, *DATA_SYMPTOMS, "sms_failure", "bill_dispute", "unknown_vas_charge",
    "service_suspended", "roaming_failure", "recharge_issue", "number_recycled",
    "staff_conduct", "spam_harassment",
)
#: symptoms whose complaint must carry a location (taxonomy: voice, data and sms_failure)
LOCATED_SYMPTOMS: Final = frozenset((*VOICE_SYMPTOMS, *DATA_SYMPTOMS, "sms_failure"))
CHANNELS: Final = ("hotline", "app", "store", "social_media", "regulator", "media")
ROLES: Final = ("agent", "supervisor")

CATEGORIES: Final = ("network", "device", "subscriber", "billing", "product", "vas", "support",
                     "service", "unknown")

CAUSES: Final = (
    "network.site_outage", "network.planned_works", "network.known_coverage_gap",
    "network.weak_coverage", "network.interference", "network.congestion",
    "device.volte_unsupported", "device.nr_unsupported", "device.settings", "device.sim_fault",
    "subscriber.barred_real_name", "subscriber.barred_other", "subscriber.call_forwarding_active",
    "subscriber.roaming_not_enabled", "subscriber.number_recycled",
    "billing.suspended_arrears", "billing.charge_confirmed", "billing.rating_error",
    "billing.payment_not_posted", "billing.recharge_card_expired",
    "product.quota_throttled",
    "vas.unconfirmed_subscription", "vas.confirmed_subscription",
    "support.service_not_provisioned", "support.platform_fault",
    "service.staff_conduct", "service.spam_reported",
    "unknown.needs_investigation", "unknown.data_unavailable",
)

DATA_UNAVAILABLE: Final = "unknown.data_unavailable"
NEEDS_INVESTIGATION: Final = "unknown.needs_investigation"

DEPARTMENTS: Final = ("network_ops", "network_optimization", "billing_center", "vas_management",
                      "it_support", "service_quality", "store", "tier2")
RESOLUTIONS: Final = ("frontline", "dispatch")
GRADES: Final = ("normal", "escalated", "major")
LOCALES: Final = ("zh-CN", "en")


def category_of(cause: str) -> str:
    """The category of a cause: the prefix before the first dot."""
    return cause.split(".", 1)[0]


def base_cause(cause: str) -> str | None:
    """The taxonomy cause a (possibly finer) code falls under, or None when it is not one."""
    parts = cause.split(".")
    for n in range(len(parts), 1, -1):
        candidate = ".".join(parts[:n])
        if candidate in CAUSES:
            return candidate
    return None


@dataclass(frozen=True)
class Question:
    """A question to the customer. `type` is ``bool`` or ``choice`` (then `options`)."""

    id: str
    type: str
    default: bool | str
    text: tuple[tuple[str, str], ...]  # (locale, text) pairs
    options: tuple[str, ...] = ()

    def text_for(self, locale: str) -> str:
        table = dict(self.text)
        return table.get(locale) or table.get("en") or self.id

    def accepts(self, value: object) -> bool:
        if self.type == "bool":
            return isinstance(value, bool)
        return isinstance(value, str) and value in self.options


def _q(qid: str, default: bool, zh: str, en: str) -> Question:
    return Question(qid, "bool", default, (("zh-CN", zh), ("en", en)))


STANDARD_QUESTIONS: Final = {q.id: q for q in (
    _q("airplane_mode", False, "手机是否开启了飞行模式？", "Is airplane mode on?"),
    _q("mobile_data_enabled", True, "手机的移动数据开关是否已打开？",
       "Is the phone's mobile-data switch on?"),
    _q("apn_manually_changed", False, "接入点（APN）设置是否被手动修改过？",
       "Was the access point (APN) setting changed by hand?"),
    _q("indoor_only", False, "问题是否只在室内出现？", "Does the problem happen only indoors?"),
    _q("other_phones_affected", False, "同一地点的其他手机是否也有同样的问题？",
       "Do other phones at the same place have the same problem?"),
    _q("sim_works_in_other_phone", True, "把SIM卡放到另一部手机里能正常使用吗？",
       "Does the SIM work in another phone?"),
    _q("recognizes_usage", True, "听完详单后，您是否认可这些使用记录？",
       "After hearing the itemised records, does the customer recognise the usage?"),
    _q("requested_subscription", False, "您是否记得订购过这项增值业务？",
       "Does the customer remember ordering this value-added service?"),
)}
