"""The shipped outcome catalog and customer scripts (trees/outcomes.yaml, trees/scripts/*.yaml).

Checks them with the project's own loaders, then renders every script in both locales with
representative values (every nullable value once null, once set) against the rules of
docs/taxonomy.md §6: real values, a concrete time for every later action, a closing question, no
promises and no internal names.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest
from jinja2 import meta

from diagtree._check.catalog import Catalog, read_catalog
from diagtree._check.scripts import ScriptBook, read_scripts
from diagtree._errors import Problem
from diagtree._load.yaml import load_yaml
from diagtree._templates.render import compile_bundle, localize, render_template
from diagtree._vocab.taxonomy import CAUSES, DEPARTMENTS, LOCALES, RESOLUTIONS

TREES = Path(__file__).resolve().parents[1] / "trees"
TZ = dt.timezone(dt.timedelta(hours=8))
UTC = dt.UTC

# -- what the engine passes ------------------------------------------------------------------
COMMON = ("complaint_id", "grade", "resolution", "department", "feedback_due", "reported_at",
          "refund", "unavailable", "answers")

# Per cause: each variable with a representative value, and whether it may be null.
E = dt.datetime(2026, 11, 20, 5, 0, tzinfo=UTC)  # 13:00 at +08:00: the renderer converts
# every barring reason the line_barred outcomes hand over (docs/taxonomy.md §8.3): the ODB entries'
# reasons and billing's suspension, so that a script can name a second reason
BARRING: dict[str, tuple[Any, bool]] = {"odb_reasons": ((), True),
                                        "billing_reason": ("arrears", True),
                                        "billing_suspended": (True, True)}
PER_CAUSE: dict[str, dict[str, tuple[Any, bool]]] = {
    "network.site_outage": {"eta": (E, True)},
    "network.planned_works": {"end": (dt.datetime(2026, 11, 20, 18, 0, tzinfo=TZ), False),
                              "description": ("antenna swap", True)},
    "network.known_coverage_gap": {"planned_fix": (dt.date(2027, 3, 31), True)},
    "network.weak_coverage": {},
    "network.interference": {},
    "network.congestion": {},
    "device.volte_unsupported": {"model": ("Nokia 105", True)},
    "device.nr_unsupported": {"model": ("Galaxy A14", True)},
    "device.settings": {"setting": ("airplane_mode", False)},
    "device.sim_fault": {"check_handset": (True, False)},
    "subscriber.barred_real_name": {**BARRING},
    "subscriber.barred_other": {**BARRING},
    "subscriber.call_forwarding_active": {"forwarded_to": ("13900001111", True)},
    "subscriber.roaming_not_enabled": {},
    "subscriber.number_recycled": {"suspended_since": (dt.date(2026, 7, 1), True)},
    "billing.suspended_arrears": {"overdue_amount": (58.3, True), "balance": (-58.3, True),
                                  **BARRING},
    "billing.charge_confirmed": {"item": ("data usage", True), "amount": (45.0, True)},
    "billing.rating_error": {"item": ("data usage", True), "amount": (45.0, True),
                             "refund_amount": (12.4, False)},
    "billing.payment_not_posted": {"amount": (100.0, True),
                                   "paid_at": (dt.datetime(2026, 11, 19, 20, 15, tzinfo=TZ),
                                               True)},
    "billing.recharge_card_expired": {"expires_on": (dt.date(2026, 10, 1), False),
                                      "card_value": (50.0, True)},
    "product.quota_throttled": {"resets_on": (dt.date(2026, 12, 1), True)},
    "vas.unconfirmed_subscription": {"service": ("Daily Music", True), "sp_code": ("901234", True),
                                     "refund_amount": (30.0, False)},
    "vas.confirmed_subscription": {"service": ("Daily Music", True),
                                   "subscribed_at": (dt.datetime(2026, 9, 3, 14, 5, tzinfo=TZ),
                                                     True)},
    "support.service_not_provisioned": {"service": ("data", False), "in_plan": (True, True)},
    "support.platform_fault": {"eta": (E, True)},
    "service.staff_conduct": {},
    "service.spam_reported": {"number": ("17012345678", True)},
    "unknown.needs_investigation": {},
    "unknown.data_unavailable": {},
}

# Values a non-nullable variable also takes (every branch of the script renders once).
CHOICES: dict[tuple[str, str], tuple[Any, ...]] = {
    ("device.settings", "setting"): ("airplane_mode", "mobile_data", "apn"),
    ("device.sim_fault", "check_handset"): (True, False),
    **{(cause, "odb_reasons"): ((), ("arrears",), ("real_name",), ("fraud",),
                                ("arrears", "real_name", "customer_request"))
       for cause in ("billing.suspended_arrears", "subscriber.barred_real_name",
                     "subscriber.barred_other")},
    **{(cause, "billing_reason"): ("arrears", "real_name", "fraud")
       for cause in ("billing.suspended_arrears", "subscriber.barred_real_name",
                     "subscriber.barred_other")},
    ("support.service_not_provisioned", "service"): ("voice", "sms", "data", "volte", "nr",
                                                     "roaming"),
}

# docs/taxonomy.md §3 default resolution and department.
EXPECTED: dict[str, tuple[str, str | None]] = {c: ("frontline", None) for c in CAUSES}
EXPECTED.update({
    "network.weak_coverage": ("dispatch", "network_optimization"),
    "network.interference": ("dispatch", "network_optimization"),
    "network.congestion": ("dispatch", "network_optimization"),
    "subscriber.barred_other": ("dispatch", "tier2"),
    "billing.payment_not_posted": ("dispatch", "billing_center"),
    "service.staff_conduct": ("dispatch", "service_quality"),
    "unknown.needs_investigation": ("dispatch", "tier2"),
    "unknown.data_unavailable": ("dispatch", "tier2"),
})

# Causes whose script commits to a later action, and the values that may stand for its time
# (when they are null, the formatted feedback_due must appear instead).
LATER: dict[str, tuple[str, ...]] = {
    "network.site_outage": ("eta",),
    "network.planned_works": ("end",),
    "network.known_coverage_gap": ("planned_fix",),
    "billing.rating_error": (),
    "product.quota_throttled": ("resets_on",),
    "vas.unconfirmed_subscription": (),
    "support.platform_fault": ("eta",),
}

FORBIDDEN = re.compile(r"一定|保证|肯定|绝对|尽快|guarantee|definitely|promis|\bsoon\b|ASAP",
                       re.IGNORECASE)
INTERNAL = re.compile(
    r"(?<![A-Za-z])(HLR|HSS|ODB|PRB|TAC|RSRP|SINR|IMSI|IMEI|MSISDN|BOSS|SMSC|SP|NR|IN)"
    r"(?![A-Za-z])")
CODES = tuple(d for d in DEPARTMENTS if d != "store") + RESOLUTIONS + CAUSES + (
    "airplane_mode", "mobile_data", "sp_code", "None", "{{", "{%", "}}")

DUE = dt.datetime(2026, 11, 22, 1, 30, tzinfo=UTC)  # 09:30 at +08:00
REPORTED = dt.datetime(2026, 11, 20, 1, 30, tzinfo=UTC)


# -- loading ---------------------------------------------------------------------------------
@functools.cache
def _load() -> tuple[Catalog, ScriptBook, tuple[Problem, ...]]:
    problems: list[Problem] = []
    path = TREES / "outcomes.yaml"
    data, pos, probs = load_yaml(path.read_text(encoding="utf-8"), str(path))
    problems += probs
    catalog = read_catalog(data, pos, problems)
    book = ScriptBook()
    for path in sorted((TREES / "scripts").glob("*.yaml")):
        data, pos, probs = load_yaml(path.read_text(encoding="utf-8"), str(path))
        problems += probs
        read_scripts(data, pos, problems, book)
    return catalog, book, tuple(problems)


def _catalog() -> Catalog:
    return _load()[0]


def _book() -> ScriptBook:
    return _load()[1]


def _fmt(book: ScriptBook, locale: str, value: Any) -> str:
    """How a script shows `value` (the filter that fits its type)."""
    filters = book.env(locale).filters
    if isinstance(value, dt.datetime):
        return str(filters["datetime"](value.astimezone(TZ)))
    if isinstance(value, dt.date):
        return str(filters["date"](value))
    if isinstance(value, float):
        return str(filters["money"](value))
    return str(value)


def _variants(cause: str) -> Iterator[dict[str, Any]]:
    """Every combination: each nullable value null and set, each choice, grade, refund, answers."""
    spec = PER_CAUSE[cause]
    axes: list[list[tuple[str, Any]]] = []
    for name, (value, nullable) in spec.items():
        values = list(CHOICES.get((cause, name), (value,)))
        if nullable:
            values.append(None)
        axes.append([(name, v) for v in values])
    refunds: list[dict[str, Any] | None] = [None]
    if cause == "billing.rating_error":
        refunds = [{"amount": 12.4, "within_authority": True},
                   {"amount": 12.4, "within_authority": False}]
    elif cause == "vas.unconfirmed_subscription":
        refunds = [{"amount": 30.0, "within_authority": True}]
    answers = [{}, {"indoor_only": True, "sim_works_in_other_phone": False,
                    "recognizes_usage": False, "requested_subscription": False}]
    resolution, department = EXPECTED[cause]
    for combo in itertools.product(*axes):
        for grade, refund, ans in itertools.product(("normal", "escalated", "major"), refunds,
                                                    answers):
            res, dep = resolution, department
            if refund is not None and not refund["within_authority"]:
                res, dep = "dispatch", "billing_center"
            yield {**dict(combo), "complaint_id": "C-20261120-0001", "grade": grade,
                   "resolution": res, "department": dep, "feedback_due": DUE,
                   "reported_at": REPORTED, "refund": refund,
                   "unavailable": ["coverage"] if cause == "unknown.data_unavailable" else [],
                   "answers": ans}


#: what the engine puts between a script and its actions when it renders them in one go
SEPARATOR = "\x1e"


@functools.cache
def _bundle(cause: str, locale: str) -> jinja2.Template | None:
    entry = _catalog().entries[cause]
    return compile_bundle(_book().env(locale), _book().scripts[entry.script].sources[locale],
                          entry.actions, SEPARATOR)


def _render(cause: str, locale: str, variables: dict[str, Any]) -> str:
    """The script as the engine renders it: the variables in the complaint's offset
    (`localize`), then the script with its actions in one template (`compile_bundle`), or the
    script's own template when they cannot be bundled or the bundle fails; both must agree."""
    entry = _catalog().entry(cause)
    assert entry is not None
    script = _book().scripts[entry.script]
    used = script.locale_for(locale)
    values = localize(variables, TZ)
    alone = render_template(script.templates[used], values).strip()
    bundle = _bundle(cause, used)
    if bundle is not None:
        try:
            parts = render_template(bundle, values).split(SEPARATOR)
        except jinja2.TemplateError:
            return alone  # the engine renders part by part then, as above
        assert len(parts) == len(entry.actions) + 1, parts
        assert parts[0].strip() == alone, (parts[0], alone)
    return alone


# -- the files -------------------------------------------------------------------------------
def test_files_load_without_problems() -> None:
    problems = _load()[2]
    assert not problems, "\n".join(str(p) for p in problems)


def test_one_script_file_per_category() -> None:
    names = {p.stem for p in (TREES / "scripts").glob("*.yaml")}
    assert names == {c.split(".")[0] for c in CAUSES}


@pytest.mark.parametrize("cause", CAUSES)
def test_catalog_entry_matches_taxonomy(cause: str) -> None:
    entry = _catalog().entries.get(cause)
    assert entry is not None, f"no catalog entry for {cause}"
    assert (entry.resolution, entry.department) == EXPECTED[cause]
    assert entry.actions, f"{cause} has no actions"
    assert entry.script in _book().scripts
    script = _book().scripts[entry.script]
    assert set(script.templates) == set(LOCALES)
    refund = entry.refund
    if cause == "billing.rating_error":
        assert refund is not None
        assert (refund.amount, refund.any_amount) == ("refund_amount", False)
    elif cause == "vas.unconfirmed_subscription":
        assert refund is not None
        assert (refund.amount, refund.any_amount) == ("refund_amount", True)
    else:
        assert refund is None


def test_catalog_has_only_taxonomy_causes() -> None:
    assert set(_catalog().entries) == set(CAUSES)
    assert set(_book().scripts) == set(CAUSES)


@pytest.mark.parametrize("cause", CAUSES)
def test_scripts_and_actions_use_only_provided_variables(cause: str) -> None:
    allowed = set(COMMON) | set(PER_CAUSE[cause])
    env = _book().env("en")
    script = _book().scripts[cause]
    used = {loc: meta.find_undeclared_variables(env.parse(src))
            for loc, src in script.sources.items()}
    assert used["zh-CN"] == used["en"], "both locales use the same variables"
    assert used["en"] <= allowed, f"unknown variables {used['en'] - allowed}"
    entry = _catalog().entries[cause]
    for action in entry.actions:
        names = meta.find_undeclared_variables(env.parse(action))
        assert names <= allowed, f"action {action!r} uses {names - allowed}"


# -- rendering -------------------------------------------------------------------------------
@pytest.mark.parametrize("cause", CAUSES)
def test_every_variant_renders_by_the_rules(cause: str) -> None:
    book = _book()
    entry = _catalog().entries[cause]
    env = book.env("en")
    actions = [env.from_string(a) for a in entry.actions]
    count = 0
    for variables in _variants(cause):
        local = {k: (v.astimezone(TZ) if isinstance(v, dt.datetime) else v)
                 for k, v in variables.items()}
        for action in actions:  # as the engine renders them (en, the complaint's offset)
            text = action.render(local)
            assert "None" not in text, text
        for locale in LOCALES:
            count += 1
            try:
                text = _render(cause, locale, variables)
            except jinja2.TemplateError as exc:  # pragma: no cover - the message is the point
                pytest.fail(f"{cause} ({locale}) failed with {variables}: {exc}")
            where = f"{cause} ({locale}) with {variables}:\n{text}"
            assert text, where
            assert not FORBIDDEN.search(text), where
            assert not INTERNAL.search(text), where
            assert not any(code in text for code in CODES), where
            assert text.endswith("？" if locale == "zh-CN" else "?"), where
            if locale == "zh-CN":
                assert "?" not in text and "CNY" not in text, where
            due = _fmt(book, locale, DUE)
            if variables["resolution"] == "dispatch":
                assert due in text, where
                assert "C-20261120-0001" in text, where
            if cause in LATER:
                stand_ins = [_fmt(book, locale, variables[n]) for n in LATER[cause]
                             if variables[n] is not None]
                assert due in text or any(s in text for s in stand_ins), where
            if variables["grade"] == "major" and variables["resolution"] == "dispatch":
                assert "6" in text, where
            for name, value in variables.items():
                if name in PER_CAUSE[cause] and value is not None and name not in (
                        "setting", "service", "sp_code", "balance", "check_handset",
                        *BARRING):
                    if cause == "support.service_not_provisioned":
                        continue
                    assert _fmt(book, locale, value) in text, f"{name} not shown: {where}"
    assert count >= 2 * 3 * 2


def _zh(cause: str, **values: Any) -> str:
    variables = next(_variants(cause))
    variables.update(values)
    return _render(cause, "zh-CN", variables)


def test_zh_formats_real_values() -> None:
    outage = _zh("network.site_outage", eta=dt.datetime.fromisoformat("2026-11-20T13:00+08:00"))
    assert "13:00" in outage
    gap = _zh("network.known_coverage_gap", planned_fix=dt.date(2027, 3, 31))
    assert "2027年3月31日" in gap
    rating = _zh("billing.rating_error", refund_amount=12.4,
                 refund={"amount": 12.4, "within_authority": True})
    assert "12.40元" in rating
    assert "11月22日09:30" in rating  # the refund lands by feedback_due, shown at +08:00
    vas = _zh("vas.unconfirmed_subscription", service="天天音乐", refund_amount=30)
    assert "天天音乐" in vas and "30.00元" in vas
    card = _zh("billing.recharge_card_expired", expires_on=dt.date(2026, 10, 1))
    assert "2026年10月1日" in card
    quota = _zh("product.quota_throttled", resets_on=dt.date(2026, 12, 1))
    assert "2026年12月1日" in quota


def test_unknown_values_commit_to_a_call_back() -> None:
    due = "11月22日09:30"
    assert due in _zh("network.site_outage", eta=None)
    assert due in _zh("network.known_coverage_gap", planned_fix=None)
    assert due in _zh("support.platform_fault", eta=None)
    assert due in _zh("product.quota_throttled", resets_on=None)
    assert "13:00" not in _zh("network.site_outage", eta=None)


def test_rating_error_branches_on_authority() -> None:
    within = _zh("billing.rating_error", refund={"amount": 12.4, "within_authority": True})
    above = _zh("billing.rating_error", refund={"amount": 12.4, "within_authority": False},
                resolution="dispatch", department="billing_center")
    assert "我现在就为您办理退款" in within and "账务中心" not in within
    assert "账务中心" in above and "C-20261120-0001" in above
