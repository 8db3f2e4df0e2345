"""The agent's view of a diagnosis: two to four plain sentences, and the causes also found.

The engineer reads the trace (`diagtree diagnose`); the front-line agent, on the call, reads
this: what was found, in plain words, what happens next and by when, and anything else the
evidence shows. No fact names, node ids, cause or department codes, source names — the script
rules of docs/taxonomy.md §6 apply (`explanation_problems` checks a text against them).

Where the sentences come from: each outcome of the catalog may carry an ``explanation:`` (one or
two sentences per locale, a Jinja template rendered in the scripts' sandbox with strict
variables and the script's variables) and an ``also_found:`` (a short clause per locale, no
variables). Without them, or when one fails to render (noted), a generic sentence for the
cause's category stands in. Then one sentence for what happens next (the department and the
deadline for a dispatched case; "on this call" for the front line), and one listing the causes
also found.

`also_found`: the causes that apply to the complaint's symptom (docs/taxonomy.md §3), come after
the diagnosis's cause in precedence, and whose evidence is present — for `unknown.data_unavailable`
every cause that applies. "Evidence present" is the taxonomy's evidence of each cause (`EVIDENCE`,
the table of §3 and §3a written as conditions on the facts of docs/facts.md), read from facts
the walk read or that a source which already answered holds: never an extra source call. A fact
that cannot be read that way (its source not asked, or failed) is no evidence. Two causes are
never listed: `billing.charge_confirmed` and `vas.confirmed_subscription` say the record is
right — nothing more for the agent to raise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import jinja2

from diagtree._check.catalog import Catalog, CatalogEntry
from diagtree._check.script_lint import ScriptRules
from diagtree._check.scripts import ScriptBook
from diagtree._templates.render import compile_template, render_template
from diagtree._vocab.facts import UNKNOWN, source_of
from diagtree._vocab.precedence import precedence_for
from diagtree._vocab.taxonomy import CAUSES, DATA_UNAVAILABLE, DEPARTMENTS, base_cause

if TYPE_CHECKING:  # policy.py imports this module
    from diagtree._conclude.policy import WalkEnd

__all__ = ["EVIDENCE", "Evidence", "Explainer", "also_found",
           "evidence_of", "evidence_taken", "explanation_problems", "lint_explanations",
           "sentences"]

Read = Callable[[str], Any]  # a fact's value; UNKNOWN when it cannot be read without a call
Check = Callable[[str, Read, Mapping[str, Any]], bool]

_NEEDS: Final = {"cannot_call_out": "voice", "cannot_receive_calls": "voice", "no_data": "data",
                 "sms_failure": "sms"}
_BAR_CAUSE: Final = {"arrears": "billing.suspended_arrears",
                     "real_name": "subscriber.barred_real_name",
                     "fraud": "subscriber.barred_other",
                     "customer_request": "subscriber.barred_other"}


def _known(value: Any) -> bool:
    return value is not UNKNOWN and value is not None


def _bar_causes(read: Read) -> set[str]:
    """The barring causes whose reason is on record (§3a): every reason of the ODB entries that
    bar the symptom, and billing's reason when the account is suspended."""
    reasons = read("hlr.odb.bar_reasons")
    found = list(reasons) if isinstance(reasons, list | tuple) else []
    if read("billing.account.status") == "suspended":
        found.append(read("billing.account.suspended_reason"))
    return {_BAR_CAUSE[r] for r in found if isinstance(r, str) and r in _BAR_CAUSE}


def _not_provisioned(symptom: str, read: Read, _answers: Mapping[str, Any]) -> bool:
    found = read("hlr.found")
    if symptom == "no_service":
        return found is False or read("hlr.status") in ("not_provisioned", "deleted")
    need = _NEEDS.get(symptom)
    includes, services = read("billing.plan.includes"), read("hlr.services")
    if need is None or not isinstance(includes, list | tuple) or need not in includes:
        return False
    return found is False or (isinstance(services, list | tuple) and need not in services)


def _settings(symptom: str, answers: Mapping[str, Any]) -> bool:
    if symptom == "no_data":
        return answers.get("mobile_data_enabled") is False \
            or answers.get("apn_manually_changed") is True
    return answers.get("airplane_mode") is True


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None


def _below(read: Read, name: str, limit: float) -> bool:
    n = _number(read(name))
    return n is not None and n < limit


def _at_least(read: Read, name: str, limit: float) -> bool:
    n = _number(read(name))
    return n is not None and n >= limit


def _barred_by(cause: str) -> Check:
    return lambda s, read, a: cause in _bar_causes(read)


def _is(name: str, value: Any = True) -> Check:
    return lambda s, read, a: read(name) is value if isinstance(value, bool) \
        else read(name) == value


#: cause -> its evidence (docs/taxonomy.md §3 and §3a, on the facts of docs/facts.md): the
#: symptom, a fact reader, the customer's own answers (defaults are no evidence)
EVIDENCE: Final[Mapping[str, Check]] = {
    "subscriber.number_recycled": _is("hlr.number_state", "reclaimed"),
    **{cause: _barred_by(cause) for cause in ("billing.suspended_arrears",
                                              "subscriber.barred_real_name",
                                              "subscriber.barred_other")},
    "support.platform_fault": _is("coverage.platform_fault.active"),
    "network.site_outage": _is("coverage.outage.active"),
    "network.planned_works": _is("coverage.planned_works.active"),
    "support.service_not_provisioned": _not_provisioned,
    "subscriber.roaming_not_enabled": lambda s, read, a: (
        read("hlr.odb.roaming_barred") is True
        or (isinstance(read("hlr.services"), list | tuple)
            and "roaming" not in read("hlr.services"))),
    "subscriber.call_forwarding_active": lambda s, read, a: (
        isinstance(read("hlr.forwarding.unconditional"), str)
        and bool(read("hlr.forwarding.unconditional"))),
    "device.volte_unsupported": lambda s, read, a: (
        read("hlr.device.volte") is False and read("coverage.lte_nr_only") is True),
    "product.quota_throttled": lambda s, read, a: (
        read("billing.plan.quota_exhausted") is True
        and read("billing.plan.throttle_after_quota") is True),
    "network.known_coverage_gap": _is("coverage.gap.in_gap"),
    "network.weak_coverage": lambda s, read, a: _below(read, "coverage.rsrp_dbm", -110),
    "network.interference": lambda s, read, a: (
        _at_least(read, "coverage.rsrp_dbm", -100) and _below(read, "coverage.sinr_db", 0)),
    "network.congestion": lambda s, read, a: _at_least(read, "coverage.prb_util_max", 0.85),
    "device.nr_unsupported": lambda s, read, a: (
        isinstance(read("billing.plan.includes"), list | tuple)
        and "nr" in read("billing.plan.includes") and read("hlr.device.nr") is False),
    "device.settings": lambda s, read, a: _settings(s, a),
    "device.sim_fault": _is("hlr.sim_not_registered"),
    "vas.unconfirmed_subscription": lambda s, read, a: (
        read("billing.vas.found") is True and read("billing.vas.status") == "active"
        and read("billing.vas.confirmed") is False),
    "billing.rating_error": lambda s, read, a: (
        read("billing.charge.found") is True
        and (read("billing.charge.is_duplicate") is True
             or read("billing.charge.above_rate") is True)),
    "billing.payment_not_posted": lambda s, read, a: (
        read("billing.payment.found") is True and read("billing.payment.posted") is False),
    "billing.recharge_card_expired": lambda s, read, a: (
        read("billing.card.found") is True and read("billing.card.in_grace") is True),
}
#: findings that say nothing is wrong: never "also found"
_NOTHING_WRONG: Final = frozenset({"billing.charge_confirmed", "vas.confirmed_subscription"})
_MISSING: Any = object()


class Evidence(NamedTuple):
    """What `also_found` reads, taken when the walk ends: the symptom, a fact reader, and the
    customer's own answers (a session's store goes on changing; its answers are copied)."""

    symptom: str
    read: Read
    answers: Mapping[str, Any]


_NO_ANSWERS: Mapping[str, Any] = {}


def evidence_taken(store: WalkEnd) -> tuple[tuple[str, ...], Mapping[str, Any]]:
    """What of `store` the evidence must take when the walk ends (a session's store goes on
    changing): the sources that answered, and the customer's own answers (not defaults)."""
    answered = tuple({call.source: None for call in store.calls if call.ok})
    given = store.answers
    if not given:
        return answered, _NO_ANSWERS
    defaulted = store.defaulted
    answers = {k: v for k, v in given.items() if k not in defaulted}
    return answered, answers or _NO_ANSWERS


def evidence_of(store: WalkEnd, answered: tuple[str, ...], answers: Mapping[str, Any],
                ) -> Evidence:
    """The evidence over `store`, with what `evidence_taken` took of it."""

    def read(name: str) -> Any:
        value = dict.get(store, name, _MISSING)
        if value is not _MISSING:
            return value
        if source_of(name) not in answered:
            return UNKNOWN
        try:
            return store[name]
        except Exception:  # a plain WalkEnd, or an adapter failing to derive it: no evidence
            return UNKNOWN
    return Evidence(store.complaint.type, read, answers)


def also_found(evidence: Evidence, cause: str) -> tuple[str, ...]:
    """The causes also evidenced, which lost to `cause` on precedence (module docstring)."""
    symptom, read, answers = evidence
    order = precedence_for(symptom)
    base = base_cause(cause) or cause
    if base == DATA_UNAVAILABLE:
        candidates = order
    elif base in order:
        candidates = order[order.index(base) + 1:]
    else:
        return ()
    found = []
    for candidate in candidates:
        check = EVIDENCE.get(candidate)
        if check is None or candidate in _NOTHING_WRONG or candidate == base:
            continue
        if check(symptom, read, answers):
            found.append(candidate)
    return tuple(found)


# -- the sentences ----------------------------------------------------------------------------
_CATEGORY: Final[Mapping[str, tuple[str, str]]] = {  # category -> (zh-CN, en) finding
    "network": ("问题出在客户所在位置的网络上。", "The problem lies in the network at the "
                "customer's location."),
    "device": ("问题出在客户的手机或SIM卡上。", "The problem lies with the customer's phone or SIM "
               "card."),
    "subscriber": ("问题出在这个号码的开通设置上。", "The problem lies in how this number is set "
                   "up."),
    "billing": ("问题出在这个账户的费用或缴费上。", "The problem lies in the account's charges or "
                "payments."),
    "product": ("问题出在客户套餐的使用规则上。", "The problem comes from the rules of the "
                "customer's plan."),
    "vas": ("问题出在一项增值业务的订购上。", "The problem lies in a value-added service "
            "subscription."),
    "support": ("问题出在我们的业务系统上，不在客户这边。", "The problem lies in our own service "
                "systems, not on the customer's side."),
    "service": ("这是对我们服务的投诉。", "This is a complaint about our service."),
    "unknown": ("目前的记录还不能确定原因。", "The records available now do not show the cause."),
}
_ALSO_GENERIC: Final[Mapping[str, tuple[str, str]]] = {
    "network": ("该位置的网络也有问题", "a network problem at the location"),
    "device": ("手机或SIM卡也有问题", "a problem with the phone or SIM card"),
    "subscriber": ("号码的设置也有问题", "a problem with how the number is set up"),
    "billing": ("账户的费用也有问题", "a problem with the account's charges"),
    "product": ("套餐规则也有影响", "a limit of the customer's plan"),
    "vas": ("增值业务的订购也有问题", "a problem with a value-added service"),
    "support": ("业务系统也有问题", "a problem in our service systems"),
}
_TEAMS: Final[Mapping[str, tuple[str, str]]] = {  # department -> (zh-CN, en), plain words
    "network_ops": ("网络维护团队", "network maintenance team"),
    "network_optimization": ("网络优化团队", "network optimisation team"),
    "billing_center": ("账务中心", "billing centre"),
    "vas_management": ("增值业务管理团队", "value-added services team"),
    "it_support": ("系统支撑团队", "systems support team"),
    "service_quality": ("服务质量管理团队", "service quality team"),
    "store": ("营业厅", "store"),
    "tier2": ("后台专家团队", "back-office experts"),
}
_NEXT: Final[Mapping[tuple[str, str], str]] = {
    ("dispatch", "zh-CN"): "此事已转交{{ team }}处理，"
                           "须在{{ feedback_due | datetime }}前给客户答复。",
    ("dispatch", "en"): "It goes to the {{ team }}, and the customer must hear back by "
                        "{{ feedback_due | datetime }}.",
    ("frontline", "zh-CN"): "这个问题可以在本次通话中处理。",
    ("frontline", "en"): "This can be handled on this call.",
}
_ALSO: Final[Mapping[str, str]] = {"zh-CN": "另外还发现：{}。", "en": "Also found: {}."}
_CLAUSE_END = re.compile(r"[\s.。;；]+$")


class Explainer:
    """Renders the agent's explanation of a diagnosis; templates compile on first use."""

    def __init__(self, book: ScriptBook, catalog: Catalog) -> None:
        self.book = book
        self.catalog = catalog
        # per (cause, locale, part), its compiled template (None: use the generic text)
        self._templates: dict[tuple[str, str, str], jinja2.Template | None] = {}
        self._clauses: dict[tuple[str, str], str] = {}

    def _template(self, entry: CatalogEntry | None, cause: str, locale: str, part: str
                  ) -> jinja2.Template | None:
        key = (cause, locale, part)
        if key in self._templates:
            return self._templates[key]
        text = None
        if part == "next":
            text = _NEXT[(cause, locale)]
        elif entry is not None:
            text = dict(entry.explanation).get(locale)
        template: jinja2.Template | None = None
        if text is not None:
            try:
                template = compile_template(self.book.env(locale), text)
            except jinja2.TemplateError:  # `lint_explanations` reports it; generic here
                template = None
        self._templates[key] = template
        return template

    def clause(self, cause: str, locale: str) -> str:
        """The plain clause saying `cause` was also found (the catalog's, else generic)."""
        key = (cause, locale)
        text = self._clauses.get(key)
        if text is None:
            entry = self.catalog.entry(cause)
            given = dict(entry.also_found).get(locale) if entry is not None else None
            zh, en = _ALSO_GENERIC.get(cause.split(".", 1)[0], _ALSO_GENERIC["support"])
            text = _CLAUSE_END.sub("", given or (zh if locale == "zh-CN" else en))
            self._clauses[key] = text
        return text

    def explain(self, entry: CatalogEntry | None, cause: str, category: str, resolution: str,
                department: str | None, locale: str, variables: dict[str, Any],
                also: Iterable[str], notes: list[str]) -> str:
        """The agent's two to four sentences in `locale` (zh-CN, else English)."""
        loc = "zh-CN" if locale == "zh-CN" else "en"
        parts = []
        finding = ""
        template = self._template(entry, entry.cause if entry else cause, loc, "finding")
        if template is not None:
            try:
                finding = " ".join(render_template(template, variables).split())
            except Exception as exc:  # an author's template: noted, the generic text instead
                notes.append(f"explanation of {cause!r} ({loc}) failed to render: "
                             f"{type(exc).__name__}")
        if not finding:
            zh, en = _CATEGORY.get(category, _CATEGORY["unknown"])
            finding = zh if loc == "zh-CN" else en
        parts.append(finding)
        team = _TEAMS.get(department or "tier2", _TEAMS["tier2"])
        nxt = self._template(None, resolution if resolution == "dispatch" else "frontline",
                             loc, "next")
        assert nxt is not None
        parts.append(render_template(nxt, {**variables, "team": team[0 if loc == "zh-CN"
                                                                     else 1]}))
        clauses = [self.clause(c, loc) for c in also]
        if clauses:
            parts.append(_ALSO[loc].format(("；" if loc == "zh-CN" else "; ").join(clauses)))
        return ("" if loc == "zh-CN" else " ").join(parts)


# -- the lint ---------------------------------------------------------------------------------
#: department codes that are not plain words (as the script lint counts them)
_DEPARTMENT_CODES: Final = tuple(d for d in DEPARTMENTS
                                 if "_" in d or any(c.isdigit() for c in d))
_SENTENCE_END = re.compile(r"[。！？!?]|\.(?!\d)(?=\s|$)")


def sentences(text: str) -> int:
    """How many sentences `text` has (ends: . ! ? 。！？; a decimal point is none)."""
    return len(_SENTENCE_END.findall(text.strip()))


def explanation_problems(text: str, locale: str, rules: ScriptRules,
                         internal: Iterable[str] = ()) -> list[str]:
    """What in an agent explanation breaks the script rules of docs/taxonomy.md §6: a promised
    outcome, an internal name or code (the rules' terms, cause and department codes, and
    `internal`: e.g. fact names, node ids and source names), or not two to four sentences."""
    found = []
    lowered = text.lower()
    for term in rules.forbidden.get(locale, ()):
        if term.lower() in lowered:
            found.append(f"promises an outcome: {term!r}")
    codes = (*rules.internal, *CAUSES, *_DEPARTMENT_CODES, *internal)
    for term in codes:
        if term and re.search(rf"(?<![\w.]){re.escape(term)}(?![\w])", text):
            found.append(f"shows the internal name {term!r}")
    n = sentences(text)
    if not 2 <= n <= 4:
        found.append(f"has {n} sentences, not two to four")
    return found


_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def lint_explanations(catalog: Catalog, book: ScriptBook, rules: ScriptRules) -> list[str]:
    """What in the catalog's explanation texts breaks the script rules (every cause × locale,
    the generic sentences included): a template that does not compile, a promised outcome or an
    internal name in the words (template tags blanked out, as the script lint does). The
    sentence count is checked on the rendered text (`explanation_problems`)."""
    found = []
    explainer = Explainer(book, catalog)
    for cause in CAUSES:
        entry = catalog.entry(cause)
        for loc in ("zh-CN", "en"):
            texts = dict(entry.explanation) if entry is not None else {}
            text = texts.get(loc)
            where = f"{cause} ({loc})"
            if text is not None:
                try:
                    compile_template(book.env(loc), text)
                except jinja2.TemplateError as exc:
                    found.append(f"{where}: the explanation does not compile: {exc}")
                spoken = _TAG.sub(" ", text)
            else:
                zh, en = _CATEGORY.get(cause.split(".", 1)[0], _CATEGORY["unknown"])
                spoken = zh if loc == "zh-CN" else en
            clause = explainer.clause(cause, loc)
            for part in (spoken, clause):
                for problem in explanation_problems(part + ("。" if loc == "zh-CN" else ". ")
                                                    * 2, loc, rules):
                    found.append(f"{where}: {problem}")
    return found
