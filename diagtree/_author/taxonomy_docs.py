"""The text of ``docs/taxonomy.md``: the complaint taxonomy the shipped trees implement.

What the code and the shipped knowledge files hold is read from them: the symptoms, categories,
causes, departments and standard questions (`diagtree._vocab.taxonomy`), which tree handles each
symptom (the trees' ``symptoms:``), each cause's resolution, department and refund (the outcome
catalog, ``outcomes.yaml``), which causes apply to which symptom (the ``unreachable-cause`` lint
rule's table), the grade rules, feedback deadlines and refund authority (``policy.yaml``) and the
words scripts must not say (``script_rules.yaml``), and the shipped scenarios that pin each
ruling of §8 (their ``# §8.N`` tags). What no file holds — the evidence of each
cause, the precedence, the rulings on edge cases (§8) — is prose kept here, checked against the
code where it names codes (``tests/test_taxonomy_docs.py``).

``DIAGTREE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_taxonomy_docs.py`` rewrites the page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from diagtree._check.catalog import Catalog, read_catalog
from diagtree._errors import Problem
from diagtree._load.yaml import load_yaml
from diagtree._vocab.precedence import BARRED as _BARRED
from diagtree._vocab.precedence import PRECEDENCE, precedence_for
from diagtree._vocab.taxonomy import (
    CATEGORIES,
    CAUSES,
    DATA_SYMPTOMS,
    DEPARTMENTS,
    GRADES,
    STANDARD_QUESTIONS,
    SYMPTOMS,
    VOICE_SYMPTOMS,
    category_of,
)
from diagtree._walk.engine import shipped_trees

__all__ = ["CAUSE_EVIDENCE", "DECIDING_QUESTIONS", "PRECEDENCE", "precedence_for",
           "render_taxonomy_docs", "ruling_pins"]

#: symptom -> (zh, what the customer reports)
SYMPTOM_TEXT: Final[Mapping[str, tuple[str, str]]] = {
    "no_service": ("无信号/无服务", "phone shows no service / cannot register"),
    "weak_signal": ("信号弱", "poor or fluctuating signal, typically indoors"),
    "call_drop": ("通话掉线", "calls drop during conversation"),
    "cannot_call_out": ("无法拨出", "outgoing calls fail"),
    "cannot_receive_calls": ("被叫不通", "callers cannot reach the customer"),
    "slow_data": ("上网慢", "mobile data works but is slow"),
    "no_data": ("无法上网", "mobile data does not work at all"),
    "sms_failure": ("短信收发失败", "SMS cannot be sent or received"),
    "bill_dispute": ("话费争议", "charge higher than expected / unrecognised charge"),
    "unknown_vas_charge": ("不知情定制", "charged for a value-added (SP) service the customer "
                           "did not knowingly order"),
    "service_suspended": ("停机", "line suspended"),
    "roaming_failure": ("漫游不能用", "service fails abroad / in another network"),
    "recharge_issue": ("充值问题", "top-up or recharge card not credited / card expired"),
    "number_recycled": ("号码被回收", "number reclaimed after long suspension"),
    "staff_conduct": ("服务态度", "complaint about staff behaviour or store practice"),
    "spam_harassment": ("垃圾短信/骚扰电话", "receives spam SMS or harassing calls"),
}

#: category -> (zh, what it holds)
CATEGORY_TEXT: Final[Mapping[str, tuple[str, str]]] = {
    "network": ("网络类", "network faults, coverage, capacity"),
    "device": ("终端类", "handset capability or settings, SIM"),
    "subscriber": ("用户状态类", "HLR profile: barring, forwarding, roaming flag, number state"),
    "billing": ("话费类", "charges, payments, suspension for arrears"),
    "product": ("服务项目类", "plan rules: quotas, throttling"),
    "vas": ("SP类", "value-added / SP subscriptions"),
    "support": ("支撑系统类", "provisioning and platform (BOSS, IN, SMSC) faults"),
    "service": ("服务质量类", "staff conduct, spam/harassment handling"),
    "unknown": ("待查", "not determinable now"),
}

DEPARTMENT_TEXT: Final[Mapping[str, str]] = {
    "network_ops": "网络维护 network maintenance",
    "network_optimization": "网优 network optimisation",
    "billing_center": "账务中心 billing centre",
    "vas_management": "数据部/SP管理 value-added services",
    "it_support": "支撑 IT support",
    "service_quality": "服务质量管理 service quality",
    "store": "营业厅 store",
    "tier2": "后台专家 back-office experts",
}

#: cause -> (the evidence that concludes it, what the front line does)
CAUSE_EVIDENCE: Final[Mapping[str, tuple[str, str]]] = {
    "network.site_outage": (
        "a cell serving the location has an active critical alarm (site down, power, "
        "transmission)",
        "inform, give the alarm's ETA; attach to the open incident, no new ticket"),
    "network.planned_works": (
        "planned maintenance on a serving cell covers the reported time",
        "inform, give the end time"),
    "network.known_coverage_gap": (
        "the location lies in a registered coverage gap (distance ≤ `radius_m`; `planned_fix` "
        "may be null)",
        "explain, give the fix date, offer Wi-Fi calling"),
    "network.weak_coverage": (
        "median RSRP near the location below −110 dBm", "coverage test and improvement plan"),
    "network.interference": (
        "median RSRP near the location ≥ −100 dBm but median SINR < 0 dB",
        "interference investigation"),
    "network.congestion": (
        "data symptom, a serving cell's busy-hour PRB utilisation ≥ 0.85",
        "busy-hour capacity review"),
    "device.volte_unsupported": (
        "voice symptom, the device (IMEI TAC) lacks VoLTE where the network at the location is "
        "LTE/NR-only", "advise device change"),
    "device.nr_unsupported": (
        "data symptom, the plan includes `nr` and the device lacks NR", "explain"),
    "device.settings": (
        "the customer's answers: `airplane_mode` true (for `no_service`, `cannot_call_out`, "
        "`cannot_receive_calls`); `mobile_data_enabled` false or `apn_manually_changed` true "
        "(for `no_data`)", "guide the fix"),
    "device.sim_fault": (
        "the SIM has not registered (as [sources.md](sources.md) defines it)",
        "SIM replacement at a store"),
    "subscriber.barred_real_name": (
        "the line is barred (§3a) with reason `real_name`", "visit a store with ID"),
    "subscriber.barred_other": (
        "the line is barred (§3a) with reason `fraud` or `customer_request`",
        "back-office review"),
    "subscriber.call_forwarding_active": (
        "cannot receive calls, unconditional forwarding is set", "cancel forwarding"),
    "subscriber.roaming_not_enabled": (
        "roaming failure, and roaming is not provisioned or is barred (any reason)",
        "enable roaming"),
    "subscriber.number_recycled": (
        "the HLR's `number_state` is `reclaimed` (operators reclaim after 90 days' suspension)",
        "explain the rule, offer a new number"),
    "billing.suspended_arrears": (
        "the line is barred (§3a) with reason `arrears`",
        "explain, take payment; service restores after payment"),
    "billing.charge_confirmed": (
        "the subject charge exists and is neither a duplicate nor above the plan's rate "
        "([sources.md](sources.md))", "explain with the itemised records"),
    "billing.rating_error": (
        "the subject charge is a duplicate or above the plan's rate ([sources.md](sources.md))",
        "refund: on the call within the asker's authority (§5), else by `billing_center`"),
    "billing.payment_not_posted": (
        "the subject payment has `posted: false`", "posting the payment"),
    "billing.recharge_card_expired": (
        "the subject recharge card is past `expires_on` and within its grace period "
        "([sources.md](sources.md))", "extend the card"),
    "product.quota_throttled": (
        "data plan quota used up and the plan throttles after quota",
        "explain, offer an add-on pack"),
    "vas.unconfirmed_subscription": (
        "the subject SP subscription is active and has no confirmation (二次确认) with a "
        "`replied_at`", "unsubscribe, refund all its fees, report the SP"),
    "vas.confirmed_subscription": (
        "the subject SP subscription has a confirmation with a `replied_at`",
        "explain, unsubscribe on request"),
    "support.service_not_provisioned": (
        "the plan includes the service the symptom needs but the HLR profile lacks it; for "
        "`no_service`, the HLR has no usable profile (below)", "re-provision"),
    "support.platform_fault": (
        "an open incident on a platform (SMSC, IN, BOSS, charging) affects the symptom",
        "inform, give the ETA"),
    "service.staff_conduct": ("staff behaviour complaint", "service-quality review"),
    "service.spam_reported": (
        "spam/harassment from an identified number",
        "block and report to the anti-spam platform"),
    "unknown.needs_investigation": (
        "evidence gathered, no rule conclusive", "back-office investigation with the evidence"),
    "unknown.data_unavailable": (
        "a source needed to decide was down or timed out",
        "back-office investigation, a promised call-back; never an exception"),
}

#: the standard questions whose answer can conclude a cause (`device.settings`); the others
#: only go into the trace and the script
DECIDING_QUESTIONS: Final = ("airplane_mode", "mobile_data_enabled", "apn_manually_changed")

#: ODB category -> the symptoms it bars as "line barred" (§3a); ``None``: every such symptom
ODB_BARS: Final[Mapping[str, tuple[str, ...] | None]] = {
    "all": None,
    "all_outgoing": ("no_service", "cannot_call_out", "no_data", "sms_failure",
                     "roaming_failure", "service_suspended"),
    "all_incoming": ("cannot_receive_calls", "service_suspended"),
    "roaming": (),
    "premium_sms": (),
}
_ODB_NOTE: Final[Mapping[str, str]] = {
    "all": "every symptom whose causes list \"line barred\"",
    "roaming": "none as \"line barred\": it is `subscriber.roaming_not_enabled` for "
               "`roaming_failure`",
    "premium_sms": "none of the symptoms here",
}


# -- the page ---------------------------------------------------------------------------------
_HEADER = """\
# The complaint taxonomy

<!-- Generated by diagtree/_author/taxonomy_docs.py from the vocabulary, the shipped trees,
outcome catalog, policy and script rules; do not edit by hand. Regenerate with
DIAGTREE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_taxonomy_docs.py -->

This is the vocabulary that CRM back-ends, agent tooling, reports and the shipped trees share.
The shipped trees produce exactly these codes; a tree may add finer codes under a cause
(`network.site_outage.power`), never rename these. Complaints are classified by what the
customer perceives (the symptom, §1), diagnosed to a root cause (§3), graded (§4), and either
resolved at first contact (the front line, within its authority, §5) or dispatched to a
back-office department with a committed deadline, with a customer-facing script (§6) and the
standard questions (§7). §8 rules on the edge cases. The records the facts come from are in
[sources.md](sources.md), the facts the trees read in [facts.md](facts.md), the scenario files
that pin all this in [scenarios.md](scenarios.md).

Comments, docstrings and scenario tags cite this page by section: `docs/taxonomy.md §3a`, and
a scenario case that pins a ruling says so on its `- id:` line (`# §8.7`).

Where a table below says *(from …)*, it is generated from that file or module, so it shows what
the shipped knowledge does; the prose states the contract the shipped trees are tested against.
"""


def _code_list(codes: Sequence[str]) -> str:
    return ", ".join(f"`{c}`" for c in codes)


def _symptoms(trees: Mapping[str, list[tuple[str, str]]]) -> str:
    out = ["\n## 1. Symptoms — `complaint.type` (what the customer reports)\n\n",
           "Voice symptoms: ", _code_list(VOICE_SYMPTOMS), ". Data symptoms: ",
           _code_list(DATA_SYMPTOMS), ". *(Codes from `diagtree._vocab.taxonomy`; trees from the "
           "shipped trees' `symptoms:`.)*\n\n",
           "| code | zh | meaning | shipped tree |\n|---|---|---|---|\n"]
    for s in SYMPTOMS:
        zh, meaning = SYMPTOM_TEXT[s]
        handled = ", ".join(f"`{f}` {v}" for f, v in trees.get(s, ())) or "none"
        out.append(f"| `{s}` | {zh} | {meaning} | {handled} |\n")
    return "".join(out)


def _categories() -> str:
    out = ["\n## 2. Categories — the prefix of every cause code\n\n"
           "| category | zh | holds | causes |\n|---|---|---|---|\n"]
    for c in CATEGORIES:
        zh, holds = CATEGORY_TEXT[c]
        out.append(f"| `{c}` | {zh} | {holds} | "
                   f"{_code_list([x for x in CAUSES if category_of(x) == c])} |\n")
    return "".join(out)


def _resolution(catalog: Catalog, cause: str) -> str:
    entry = catalog.entry(cause)
    if entry is None:
        return "*(no catalog entry)*"
    text = entry.resolution + (f" `{entry.department}`" if entry.department else "")
    if entry.refund is not None:
        text += "; refund " + ("in full, at any amount" if entry.refund.any_amount
                               else "within the authority (§5)")
    return text


def _causes(catalog: Catalog) -> str:
    out = ["\n## 3. Causes — the outcome's `cause` (what the engine concludes)\n\n"
           "Resolution is `frontline` (closed at first contact, 一次性解决) or `dispatch` (派单) "
           "to a department:\n\n| department | who |\n|---|---|\n"]
    out += [f"| `{d}` | {DEPARTMENT_TEXT[d]} |\n" for d in DEPARTMENTS]
    out.append("\nThe resolution and department are the shipped outcome catalog's "
               "(`outcomes.yaml`, which operators edit); the evidence is the contract every "
               "tree implements.\n\n"
               "| cause | when (the evidence) | resolution *(from outcomes.yaml)* | what it "
               "means for the customer |\n|---|---|---|---|\n")
    for c in CAUSES:
        when, does = CAUSE_EVIDENCE[c]
        out.append(f"| `{c}` | {when} | {_resolution(catalog, c)} | {does} |\n")
    return "".join(out)


_BARRING = """
### 3a. When is a line barred

A line is barred for a symptom when the HLR has an `odb` entry whose category bars that symptom,
or billing has the account `status: suspended`. The cause comes from the reason: the ODB entry's
`reason`, else billing's `suspended_reason` — `arrears` → `billing.suspended_arrears`,
`real_name` → `subscriber.barred_real_name`, `fraud` or `customer_request` →
`subscriber.barred_other`. An HLR `status: operator_barred` with no `odb` entry is not evidence
by itself. (§8.2, §8.3 and §8.23 rule on a source down, two reasons and several entries.)

| ODB category | bars |
|---|---|
"""

_SUBJECT = """
The "subject" of a complaint is the record named in `complaint.subject`
([sources.md](sources.md)); for `unknown_vas_charge` without an `sp_code`, the SP code of the
subject charge.
"""


def _barring() -> str:
    out = [_BARRING]
    for category, bars in ODB_BARS.items():
        note = _ODB_NOTE.get(category) or _code_list(bars or ())
        out.append(f"| `{category}` | {note} |\n")
    out.append(_SUBJECT)
    return "".join(out)


_APPLY_INTRO = """
### Which causes apply to which symptom

"Line barred" = {barred}. "Location event" = `network.site_outage`, `network.planned_works`.
Every symptom can also end in `unknown.needs_investigation` or `unknown.data_unavailable`. The
table is the one the `unreachable-cause` lint rule checks the trees against (see
[lint-rules.md](lint-rules.md#unreachable-cause)); the causes are listed in the order a
diagnosis considers them (the precedence below).

| symptom | causes that apply, in precedence order |
|---|---|
"""

_APPLY_AFTER = """
A platform fault (for the symptoms whose row lists it) is present when an open platform alarm
`affects` the symptom's service: voice for `cannot_call_out`, data for `slow_data` and `no_data`,
sms for `sms_failure`. A line is "not provisioned" for `no_service` when the HLR `status` is
`not_provisioned` or `deleted`, or the MSISDN is not in the HLR; for the other symptoms when the
plan includes the service the symptom needs and the HLR `services` lacks it (§8.14, §8.19).
"""


def _applicability() -> str:
    out = [_APPLY_INTRO.replace("{barred}", _code_list(_BARRED))]
    for s in SYMPTOMS:
        order = [c for c in precedence_for(s) if not c.startswith("unknown.")]
        out.append(f"| `{s}` | {_code_list(order)} |\n")
    return "".join([*out, _APPLY_AFTER])


_PRECEDENCE_INTRO = """
### When several signals are present (precedence)

Real lines often show more than one anomaly. The diagnosis is the first cause in this order whose
evidence is present and which applies to the symptom; a tree may check in any order it likes as
long as the result is the same:

"""

_PRECEDENCE_AFTER = """
For `no_service` the order is 1, 2, 5, 3, 4, 6, … (§8.1). A cause is concluded only when every
earlier cause that applies to the symptom is ruled out by the evidence available. Where ruling
one out needs a source that is down, the diagnosis is `unknown.data_unavailable` (the trace
names the source). Answers from the customer never override system evidence; they decide only
what the systems cannot see (airplane mode, the data switch, a hand-changed APN →
`device.settings`; other phones and another phone for the SIM → the SIM/handset split;
indoor-only → the script's advice).
"""


def _precedence() -> str:
    out = [_PRECEDENCE_INTRO]
    for n, (step, why, causes) in enumerate(PRECEDENCE, 1):
        reason = f" ({why})" if why and not why.startswith("`") else ""
        end = "." if n == len(PRECEDENCE) else ";"
        out.append(f"{n}. {step}: {_code_list(causes)}{reason}{end}\n")
    return "".join([*out, _PRECEDENCE_AFTER])


def _policy(policy: Mapping[str, Any]) -> str:
    grades = policy.get("grades") or []
    feedback = policy.get("feedback") or {}
    authority = policy.get("authority") or {}
    zh = {"normal": "普通投诉", "escalated": "升级投诉", "major": "重大投诉"}
    out = ["\n## 4. Grade and feedback deadline (分级与时限)\n\n"
           "*(From the shipped `policy.yaml`, which operators edit.)* A complaint is `normal` "
           "unless a rule below matches; every rule that matches raises it to at least its "
           "grade. The deadline counts from `reported_at`.\n\n"
           "| grade | zh | feedback |\n|---|---|---|\n"]
    for g in GRADES:
        fb = feedback.get(g) or {}
        text = f"{fb.get('kind', '?')} within {fb.get('within_hours', '?')} h"
        if fb.get("every_hours") is not None:
            text += f", then every {fb['every_hours']} h"
        out.append(f"| `{g}` | {zh.get(g, '')} | {text} |\n")
    out.append("\n| grade | when (a condition of the tree condition language) | reason |\n"
               "|---|---|---|\n")
    for rule in grades:
        out.append(f"| `{rule.get('grade')}` | `{rule.get('when')}` | {rule.get('reason')} |\n")
    out.append("""
A VIP tier that cannot be read counts as not VIP. A repeat is an entry of the complaint's
`history` whose cause has the same category (the same prefix before the first dot, `unknown`
included, §8.24), reported more than 0 and at most 30 × 24 hours before this one. A mass
incident is the caller's `complaint.incident.distinct_customers_24h`: the same cause at the same
cell from that many distinct customers within 24 h.
""")
    limits = authority.get("limits") or {}
    out.append("\n## 5. Authority (分层授权)\n\n*(From the shipped `policy.yaml`.)* A refund "
               "or credit the front line may grant on the spot, by the asking role "
               "(`complaint.agent_role`, `agent` when absent); amounts at the limit are within "
               "it (≤):\n\n| role | up to |\n|---|---|\n")
    out += [f"| `{role}` | {limit} CNY |\n" for role, limit in limits.items()]
    out.append(f"""
Above that the case is dispatched to `{authority.get('above')}`. The refund of a
`billing.rating_error` is, for n identical charges, the amount × (n − 1); for a charge above the
plan's rate, the amount minus the rated amount; both together, §8.15. Unconfirmed SP
subscriptions (`vas.unconfirmed_subscription`) are refunded in full — every charge of that SP
code — at any amount (the operator's own rule against 不知情定制). Money is decimal (§8.22).
""")
    return "".join(out)


def _words(value: Any) -> str:
    if isinstance(value, Mapping):
        return "; ".join(f"{loc}: {_words(v)}" for loc, v in value.items())
    return ", ".join(str(v) for v in (value or ()))


def _scripts(rules: Mapping[str, Any]) -> str:
    return f"""
## 6. Script rules (话术)

Every outcome has a customer-facing script in `zh-CN` and `en`: empathy first (共情), the
finding in plain words, what will happen and by when (a concrete time or date, never "soon" —
every script that promises a later action states when; every dispatch script does, §8.20), and a
closing question. A script never promises an outcome, never blames the customer, and never shows
internal system names or codes to the customer. Times are shown in the complaint's UTC offset;
zh-CN writes `13:00`, `2027年3月31日`, `12.40元` (the formats table under §8). Where a value is
unknown (an alarm with no ETA, a gap with no planned fix) the script says so plainly and commits
to a call-back time instead (§8.11).

The script lint (`diagtree validate`, and the `script-lint` rule of `diagtree lint`) checks every
script against the word lists of the shipped `script_rules.yaml`, which operators extend:

| rule | words |
|---|---|
| promises of an outcome (any case, anywhere) | {_words(rules.get('forbidden_promises'))} |
| internal names (whole words; cause and department codes too) | {
    _words(rules.get('internal_terms'))} |
| promises of a later action (the script must then state when) | {
    _words(rules.get('later_actions'))} |
"""


def _questions() -> str:
    out = ["""
## 7. Standard questions (问询) — ids every tree uses for these meanings

A tree asks the customer only what the systems cannot tell. Where it asks one of these things,
it uses this id and type, so that sessions, scenario files and operators' case archives answer
the same question the same way. Every question has a default, used when no answer is given: the
standard ones below (*from `diagtree._vocab.taxonomy`*), and any other question a tree asks must
declare its own. Only the answers marked "decides" can change a cause (`device.settings`, §3);
the others go into the trace and shape the script (indoor advice, the records read out, the SP's
name) but never override the systems (§8.6).

| id | type | default | decides | question | zh-CN |
|---|---|---|---|---|---|
"""]
    for q in STANDARD_QUESTIONS.values():
        default = str(q.default).lower() if isinstance(q.default, bool) else q.default
        decides = "yes" if q.id in DECIDING_QUESTIONS else ""
        out.append(f"| `{q.id}` | {q.type} | {default} | {decides} | "
                   f"{q.text_for('en')} | {q.text_for('zh-CN')} |\n")
    return "".join(out)


_RULINGS = """
## 8. Rulings on edge cases

These rules settle cases that §1–§7 and [sources.md](sources.md) leave open, by §3's principle.
Their numbers are stable: shipped scenarios name the ruling they pin on their `- id:` line
(`# §8.7`, `# §8.formats`), and `tests/test_rulings.py` requires every ruling to be pinned. A
known absence (a record or field that is not there) makes the conditions that need it false and
so rules a cause out; evidence that is present but contradictory rules nothing out and ends in
`unknown.needs_investigation`; a needed source that is down gives `unknown.data_unavailable`.

1. **`no_service`: location event and reclaimed number.** §3 item 3's exception moves only line
   barring behind the location event; `subscriber.number_recycled` stays second (a reclaimed
   number has no profile to register with): the order is 1, 2, 5, 3, 4, 6, …. A reclaimed number
   with a site outage, or with coverage down, is `subscriber.number_recycled`; the HLR down with a
   site outage is `unknown.data_unavailable`.
2. **HLR down, billing `suspended`.** Billing proves the line barred but not the cause, which a
   barring ODB entry's reason would decide (§3a): every symptom whose row lists line barred gives
   `unknown.data_unavailable` (the trace names `hlr` and keeps billing's reason), never a later
   cause. With billing down, a barring ODB entry that gives a reason decides alone.
3. **ODB reason against billing's reason.** The reason of an ODB entry that bars the symptom
   decides even when billing gives another (`all_outgoing`/`real_name` with billing `arrears` →
   `subscriber.barred_real_name`); billing's `suspended_reason` decides only when no barring ODB
   entry gives one; a barred line with no reason in either source is `unknown.needs_investigation`.
   Where a second barring reason is present, the script names it too and does not say that
   service returns after payment.
4. **Airplane mode and a silent SIM.** §3 item 9's order holds: a phone in airplane mode does not
   register, so a SIM that has not registered does not contradict the answer.
   `airplane_mode: true` with `registration.state: never` or a `last_update` over 24 h old is
   `device.settings`.
5. **Airplane mode and a recent registration.** The HLR's registration shows when the phone last
   attached, not its switches (a detach does not reach the HLR at once), so it does not contradict
   the answer: `airplane_mode: true` with a registration minutes old is `device.settings`. An
   answer yields only to the evidence of an earlier cause in §3's order.
6. **`other_phones_affected`, `sim_works_in_other_phone`.** They never change the cause, category
   or resolution; they go into the trace and the script (with `device.sim_fault`,
   `sim_works_in_other_phone: true` has the store check the handset as well as the SIM).
7. **Quota reset date.** `cycle_resets_on` is the first day of the new cycle, in the complaint's
   offset. A used-up quota whose `cycle_resets_on` is on or before the complaint's date is a reset
   not yet applied: `product.quota_throttled` is neither concluded nor ruled out, so `slow_data`
   ends in `unknown.needs_investigation` unless an earlier cause is concluded. A later date, or
   none, changes nothing.
8. **`bill_dispute` on an SP charge.** The subject SP subscription is the one with the subject
   charge's `sp_code`. With no confirmation that has a `replied_at`: `status: active` →
   `vas.unconfirmed_subscription` (its full refund covers any duplicate); cancelled, no `status`
   or no subscription → `unknown.needs_investigation`, never `billing.charge_confirmed`. With
   one: a duplicate charge → `billing.rating_error` (a confirmation proves the order, not the
   amount), else `vas.confirmed_subscription`.
9. **A subject naming two records.** A `payment_id` and a `card_serial` (`recharge_issue`) are
   both checked, in §3 item 10's order: `billing.payment_not_posted`, then
   `billing.recharge_card_expired`. A named `sp_code` that is not the named charge's SP code
   (`bill_dispute`, `unknown_vas_charge`) leaves the subject undecided:
   `unknown.needs_investigation`.
10. **Zero padding.** Hours and minutes always have two digits (`09:30`); zh-CN months and days
    are never padded (`2027年3月5日`); amounts always have two decimals (`0.50元`). Table below.
11. **Unknown time or date.** An alarm with `eta: null` or an `eta` at or before `reported_at`, and
    a gap with `planned_fix: null` or one before the complaint's date, count as unknown. The
    script says plainly that the time or date is not yet known and commits to a call-back by the
    grade's feedback deadline (`reported_at` + 48 h, 24 h or 6 h, §4) as a date and time; it
    never states the missing or past value.
12. **Distance.** Great-circle distance is the haversine formula on a sphere of radius
    6 371 008.8 m (the IUGG mean radius), in metres, unrounded; `range_m`, `radius_m` and 300 m
    are inclusive (≤).
13. **Spam without a number.** `service.spam_reported` needs a non-empty
    `complaint.subject.number`; without one nothing can be blocked or reported:
    `unknown.needs_investigation`.
14. **MSISDN not in the HLR** (the HLR answers, not found). The line has no profile: no service,
    ODB entry, forwarding, registration or `number_state`. It is `support.service_not_provisioned`
    for `no_service`, and for `cannot_call_out`, `no_data` and `sms_failure` when the plan
    includes the service (after §3's earlier causes); `subscriber.roaming_not_enabled` for
    `roaming_failure`; never `subscriber.number_recycled`.
15. **Duplicate and above the rate.** For n identical charges each above the rate, the refund is
    all that was charged beyond one correctly rated charge: amount × n − rated amount
    (= amount × (n − 1) + amount − rated amount); §5's limits apply to that total.
16. **TAC not in `devices`.** A TAC missing from the device database, or a `volte`/`nr` field left
    out, is no evidence that the device lacks the capability: `device.volte_unsupported` and
    `device.nr_unsupported` are ruled out and the walk goes on.
17. **Used recharge card.** A subject card with `used: true` has been credited already and an
    extension would credit it twice: it is never `billing.recharge_card_expired` but
    `unknown.needs_investigation` (unless `billing.payment_not_posted` comes first, rule 9).
18. **No billing account while billing answers.** A known absence: only an ODB entry can bar the
    line, and the causes that need the plan (`support.service_not_provisioned` other than for
    `no_service`, `product.quota_throttled`, `device.nr_unsupported`) are ruled out. `bill_dispute`,
    `unknown_vas_charge` and `recharge_issue` find no subject record: `unknown.needs_investigation`.
19. **The service `cannot_call_out` needs.** `voice`, and also `volte` where the network at the
    location is LTE/NR-only (no circuit-switched layer to fall back to): the plan including
    `volte`, the HLR `services` lacking it and an LTE/NR-only location give
    `support.service_not_provisioned`, before `device.volte_unsupported` (§3 item 6).
20. **Dispatch deadline.** A dispatch script states the grade's feedback deadline as a date and
    time in the complaint's offset: `reported_at` + 48 h (`normal`), + 24 h (`escalated`), + 6 h
    (`major`, the first progress report).
21. **Refund amount.** A refund script states the amount refunded, in the table's format: rule 15's
    for `billing.rating_error`, the sum of every charge of the SP code for
    `vas.unconfirmed_subscription`.
22. **Exact money.** Money is decimal: 100 MB × 0.29 = 29.00, so a charge of 29.01 is not above the
    rate (not more than 0.01 CNY over), and a refund of exactly 50.00 is within an agent's ≤ 50.
    A rated amount is rounded half up to 0.01 CNY, as the charge it stands for would have been,
    before it is compared or subtracted: 1.5 MB × 0.29 rates at 0.44, so a 1.00 charge refunds 0.56.
23. **Several barring ODB entries.** The cause first in §3 item 3's order (`arrears`, `real_name`,
    then `fraud` or `customer_request`), whatever the entries' order in the list; rule 3's last
    sentence applies.
24. **Repeats of `unknown`.** The repeat rule applies to `unknown.*` like any category:
    `unknown.data_unavailable` after `unknown.needs_investigation` within §4's window is a repeat
    (`escalated`): the customer still has no answer.
25. **Quota used up** means `data_used_mb` ≥ `data_quota_mb`.
26. **Ruled out by one source.** A cause is ruled out once any source that answers shows one of
    its conditions false: a plan without `nr` rules out `device.nr_unsupported`, and a GSM or UMTS
    cell serving the location rules out `device.volte_unsupported`, with the HLR down.
27. **Cancelled SP subscription.** For `unknown_vas_charge`, a subscription cancelled or without
    `status`, with no confirmation that has a `replied_at`, matches neither `vas` cause:
    `unknown.needs_investigation` (for `bill_dispute`, rule 8).
28. **Department.** A frontline resolution has `department: null`; a dispatch always names one
    (`tier2` for `unknown.*`).

### Formats in scripts (§6) — `§8.formats`

| value | zh-CN | en | rule |
|---|---|---|---|
"""

#: §8.formats: (value, zh-CN, en, rule)
FORMATS: Final = (
    ("time", "`09:30`, `13:00`", "`09:30`", "24-hour clock; hour and minute always two digits; "
     "no seconds; in the complaint's UTC offset, which is not written"),
    ("date", "`2027年3月5日`", "`5 March 2027`", "four-digit year; month and day never padded"),
    ("date and time", "`2027年3月5日09:30`", "`5 March 2027, 09:30`", "every stated time (ETA, "
     "end of works, call-back, deadline) carries its date; zh-CN has no space"),
    ("amount", "`12.40元`, `0.50元`, `1250.00元`", "`CNY 12.40`", "always two decimals, rounded "
     "half up to 0.01 CNY; no thousands separator; no space before `元`"),
)


_PINS_INTRO = """
### The scenarios that pin each ruling

*(From the tags on the `- id:` lines of the shipped `scenarios/*.yaml`.)* Each of these cases runs
in `diagtree test` and in the test suite; its description says what it shows.

| ruling | pinned by |
|---|---|
"""
_ID_LINE: Final = re.compile(r"^[ \t]*-[ \t]+id:[ \t]*(?P<id>[^\s#]+)[ \t]*#(?P<comment>.*)$",
                              re.M)
_TAG: Final = re.compile(r"§8\.(\d+|formats)\b")


def ruling_pins(scenarios: Path) -> dict[str, list[tuple[str, str]]]:
    """Ruling (``"7"``, ``"formats"``) → the (file, case id) of every scenario in `scenarios`
    that names it in the comment on its ``- id:`` line (``# §8.7``)."""
    pins: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(scenarios.glob("*.yaml")):
        for m in _ID_LINE.finditer(path.read_text(encoding="utf-8")):
            for ruling in _TAG.findall(m["comment"]):
                pins.setdefault(ruling, []).append((path.name, m["id"]))
    return pins


def _rulings(pins: Mapping[str, list[tuple[str, str]]]) -> str:
    out = [_RULINGS, *(f"| {' | '.join(row)} |\n" for row in FORMATS), _PINS_INTRO]
    for ruling in (*(str(n) for n in range(1, 29)), "formats"):
        by_file: dict[str, list[str]] = {}
        for file, case in pins.get(ruling, ()):
            by_file.setdefault(file, []).append(f"`{case}`")
        cited = "; ".join(f"{file}: {', '.join(cases)}" for file, cases in by_file.items())
        out.append(f"| §8.{ruling} | {cited or '*none*'} |\n")
    return "".join(out)


# -- reading the knowledge folder ------------------------------------------------------------
def _load(path: Path, problems: list[Problem]) -> Any:
    data, _pos, found = load_yaml(path.read_text(encoding="utf-8"), path.name)
    problems.extend(found)
    return data if isinstance(data, Mapping) else {}


def _trees(folder: Path, problems: list[Problem]) -> dict[str, list[tuple[str, str]]]:
    """symptom -> the (file, version) of every tree in `folder` that declares it."""
    out: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(folder.glob("*.yaml")):
        data = _load(path, problems)
        if "tree" not in data:
            continue
        for symptom in data.get("symptoms") or ():
            out.setdefault(str(symptom), []).append((path.name, str(data.get("version", ""))))
    return out


def render_taxonomy_docs(trees: Path | None = None) -> str:
    """The text of ``docs/taxonomy.md`` for the knowledge folder `trees` (default: the shipped
    one). Raises `ValueError` when a file it reads has a problem."""
    if trees is None:
        trees = shipped_trees()
    problems: list[Problem] = []
    handled = _trees(trees, problems)
    data, pos, found = load_yaml((trees / "outcomes.yaml").read_text(encoding="utf-8"),
                                 "outcomes.yaml")
    problems += found
    catalog = read_catalog(data, pos, problems)
    policy = _load(trees / "policy.yaml", problems).get("policy") or {}
    rules = _load(trees / "script_rules.yaml", problems).get("script_rules") or {}
    if problems:
        raise ValueError("; ".join(p.headline() for p in problems))
    return "".join((_HEADER, _symptoms(handled), _categories(), _causes(catalog), _barring(),
                    _applicability(), _precedence(), _policy(policy), _scripts(rules),
                    _questions(), _rulings(ruling_pins(trees / "scenarios"))))


if __name__ == "__main__":  # pragma: no cover - `python -m diagtree._author.taxonomy_docs`
    print(render_taxonomy_docs(), end="")
