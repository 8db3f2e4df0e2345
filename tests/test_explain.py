"""The agent's view of a diagnosis (issue 11 item 2): plain sentences from the trace and the
outcome, linted by the script rules of docs/taxonomy.md §6, and `also_found`, the causes whose
evidence is also present but which lost on precedence (never changing the cause)."""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
import shutil
import subprocess
import sys
import threading
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from scenario_runs import shipped_cases, shipped_engine, shipped_runs, sources_of

from diagtree import AuthoringError, Diagnosis, Engine, Source, shipped_trees
from diagtree._check.script_lint import ScriptRules, read_script_rules
from diagtree._conclude.explain import (
    EVIDENCE,
    explanation_problems,
    lint_explanations,
    sentences,
)
from diagtree._load.yaml import load_yaml
from diagtree._vocab.facts import UNKNOWN
from diagtree._vocab.precedence import precedence_for
from diagtree._vocab.taxonomy import CAUSES, LOCALES


@cache
def _rules() -> ScriptRules:
    path = shipped_trees() / "script_rules.yaml"
    data, pos, problems = load_yaml(path.read_text(encoding="utf-8"), str(path))
    rules = read_script_rules(data, pos, problems)
    assert not problems
    return rules


def _internal(d: Diagnosis) -> list[str]:
    """The internal names a diagnosis's trace shows: fact names, node ids (those that are not
    plain words), source names, its values' names (the rules add causes and departments)."""
    facts = {f.name for step in d.trace for f in step.facts}
    nodes = {step.node for step in d.trace if "_" in step.node or "/" in step.node}
    values = {name for name, _ in d.values if "_" in name}
    return sorted({*facts, *nodes, *values, "hlr", "odb", "msisdn", "imsi"})


@pytest.mark.parametrize("locale", LOCALES)
def test_every_shipped_scenario_explains_in_plain_words(locale: str) -> None:
    runs = shipped_runs()
    assert len(runs) > 100
    bad = []
    for run in runs:
        d = run.diagnoses[locale]
        assert d.explanation, d.complaint_id
        problems = explanation_problems(d.explanation, locale, _rules(), _internal(d))
        if problems:
            bad.append(f"{run.case.id} {d.cause}: {problems}: {d.explanation}")
    assert not bad, "\n".join(bad[:20])


def test_every_shipped_cause_and_locale_passes_the_script_rules() -> None:
    library = shipped_engine()._runtime.library
    conclude = shipped_engine()._runtime.conclude
    assert lint_explanations(conclude.catalog, conclude.scripts.book, _rules()) == []
    # every shipped cause has its own explanation and clause in both locales
    for cause in CAUSES:
        entry = conclude.catalog.entries[cause]
        assert {loc for loc, _ in entry.explanation} == set(LOCALES), cause
        if not cause.startswith(("unknown.", "service.")):
            assert {loc for loc, _ in entry.also_found} == set(LOCALES), cause
    assert library is not None


def test_the_lint_catches_a_code_a_promise_and_a_lecture() -> None:
    rules = _rules()
    ok = "The cell serving this address is down; repair is expected by 13:00. No fault was " \
         "found on the customer's line."
    assert sentences(ok) == 2
    assert explanation_problems(ok, "en", rules) == []
    assert explanation_problems("我们保证今天修好。客户的号码没有问题。", "zh-CN", rules) == [
        "promises an outcome: '保证'"]
    coded = "The HLR shows network.site_outage here. It goes to network_ops."
    found = explanation_problems(coded, "en", rules, ["coverage.outage.active"])
    assert "shows the internal name 'HLR'" in found
    assert "shows the internal name 'network.site_outage'" in found
    assert "shows the internal name 'network_ops'" in found
    assert explanation_problems("coverage.outage.active is true. Yes.", "en", rules,
                                ["coverage.outage.active"]) == [
        "shows the internal name 'coverage.outage.active'"]
    assert explanation_problems("One sentence only.", "en", rules) == [
        "has 1 sentences, not two to four"]
    assert sentences("The refund is CNY 12.40. 退款12.40元。") == 2


def _edited_trees(tmp_path: Path, old: str, new: str) -> Path:
    trees = tmp_path / "trees"
    shutil.copytree(shipped_trees(), trees)
    path = trees / "outcomes.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return trees


def test_a_broken_explanation_stops_the_folder_loading(tmp_path: Path) -> None:
    """`diagtree validate` and `Engine` report the catalog's explanation texts under the
    scripts' codes, at the catalog entry."""
    trees = _edited_trees(tmp_path, 'en: "Unconditional call forwarding',
                          'en: "We guarantee {% if %} Unconditional call forwarding')
    with pytest.raises(AuthoringError) as info:
        Engine(trees, sources=sources_of({}, ()))
    found = {(p.code, p.location.file.endswith("outcomes.yaml")) for p in info.value.problems}
    assert ("script_syntax", True) in found
    trees = _edited_trees(tmp_path / "2", 'en: "the account is in arrears"',
                          'en: "the HLR shows billing.suspended_arrears, we promise"')
    with pytest.raises(AuthoringError) as info:
        Engine(trees, sources=sources_of({}, ()))
    messages = [(p.code, p.message) for p in info.value.problems]
    assert ("script_internal_term", "the also_found of 'billing.suspended_arrears' (en) shows "
            "the internal name 'HLR'") in messages
    assert ("script_internal_term", "the also_found of 'billing.suspended_arrears' (en) shows "
            "the internal name 'billing.suspended_arrears'") in messages
    assert ("script_forbidden_promise", "the also_found of 'billing.suspended_arrears' (en) "
            "promises an outcome: 'promise'") in messages


def test_the_lint_of_rendered_explanations_sees_a_bad_template() -> None:
    conclude = shipped_engine()._runtime.conclude
    catalog = conclude.catalog
    entry = catalog.entries["subscriber.call_forwarding_active"]
    broken = dataclasses.replace(entry, explanation=(("zh-CN", "{% if %}"),
                                                     ("en", "We guarantee it.")))
    edited = dataclasses.replace(catalog, entries={**catalog.entries, entry.cause: broken})
    found = lint_explanations(edited, conclude.scripts.book, _rules())
    assert any("subscriber.call_forwarding_active (zh-CN): the explanation does not compile"
               in p for p in found), found
    assert any("promises an outcome: 'guarantee'" in p for p in found), found


def _case(case_id: str) -> Any:
    return next(c for c in shipped_cases() if c.id == case_id)


def _diagnose(case: Any, locale: str = "en", sources: Any = None) -> Diagnosis:
    return shipped_engine().diagnose({"id": case.id, **case.complaint}, answers=case.answers,
                              locale=locale,
                              sources=sources_of(sources or case.sources, case.down))


def test_the_site_is_down_and_the_account_is_also_in_arrears() -> None:
    """The issue's example: no_service, a location event comes before barring (§8.1)."""
    case = _case("ns-outage-beats-arrears")
    d = _diagnose(case)
    assert d.cause == "network.site_outage"
    assert d.also_found == ("billing.suspended_arrears",)
    assert "A mast serving the customer's location is down" in d.explanation
    assert d.explanation.endswith("Also found: the account is in arrears.")
    assert 2 <= sentences(d.explanation) <= 4
    zh = _diagnose(case, locale="zh-CN")
    assert zh.cause == d.cause and zh.also_found == d.also_found
    assert zh.explanation.endswith("另外还发现：账户欠费。")
    # JSON: a list of codes, and the sentences
    data = json.loads(d.to_json())
    assert data["also_found"] == ["billing.suspended_arrears"]
    assert data["explanation"] == d.explanation
    # the same outage on a line in good standing has nothing else to mention
    healthy = _case("ns-healthy-needs-investigation").sources
    alone = _diagnose(case, sources={**case.sources, "hlr": healthy["hlr"],
                                     "billing": healthy["billing"]})
    assert alone.cause == "network.site_outage" and alone.also_found == ()
    assert "Also found" not in alone.explanation


def test_also_found_never_calls_a_source_the_walk_did_not_need() -> None:
    """A source the walk never asked is not asked for `also_found`: its facts are no
    evidence. (The staff-conduct tree reads no source at all.)"""
    calls: list[str] = []

    class Counting:
        def __init__(self, inner: Source) -> None:
            self.inner = inner
            self.name = inner.name

        def fetch(self, complaint: Any, timeout: float) -> Mapping[str, Any]:
            calls.append(self.name)
            return self.inner.fetch(complaint, timeout)

    engine = shipped_engine()
    sources = [Counting(s) for s in sources_of(_case("ns-outage-beats-arrears").sources, ())]
    d = engine.diagnose({"id": "S1", "type": "staff_conduct", "msisdn": "8613800000001",
                         "reported_at": "2026-11-20T09:30:00+08:00"}, sources=sources)
    assert d.cause == "service.staff_conduct" and d.also_found == ()
    assert calls == []


@pytest.mark.parametrize("locale", LOCALES)
def test_also_found_lost_on_precedence_and_never_changes_the_cause(locale: str) -> None:
    """Every cause also found applies to the symptom, comes after the cause in precedence
    (any, for unknown.data_unavailable) and is not the cause; and its evidence is there."""
    seen = 0
    for run in shipped_runs():
        d = run.diagnoses[locale]
        assert d.cause == run.diagnoses["en"].cause  # the locale changes only the words
        assert d.also_found == run.diagnoses["en"].also_found
        order = precedence_for(d.symptom)
        for cause in d.also_found:
            seen += 1
            assert cause != d.cause and cause in order and cause in EVIDENCE
            if d.cause != "unknown.data_unavailable":
                assert order.index(cause) > order.index(d.cause), (run.case.id, cause)
    assert seen > 20  # the shipped scenarios have many lines with more than one anomaly


def test_the_agent_view_is_worked_out_on_first_use() -> None:
    """Reading the other causes' evidence costs more than the rest of concluding: it is done
    when first asked for, and a pickle or copy holds the result, never the means to it."""
    case = _case("ns-outage-beats-arrears")
    d = _diagnose(case)
    assert "also_found" not in vars(d) and "explanation" not in vars(d)
    restored = pickle.loads(pickle.dumps(d))  # noqa: S301 - our own bytes; it works it out
    assert restored.also_found == ("billing.suspended_arrears",)
    assert restored == d and restored.explanation == d.explanation
    assert "_lazy_fields" not in vars(d) and "_lazy_fields" not in vars(restored)
    fresh = _diagnose(case)
    assert copy.deepcopy(fresh).also_found == d.also_found
    assert json.loads(_diagnose(case).to_json())["also_found"] == ["billing.suspended_arrears"]
    with pytest.raises(AttributeError, match="no_such_field"):
        _ = d.no_such_field  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.explanation = "changed"  # type: ignore[misc]


def test_the_evidence_agrees_with_the_demo_data_check() -> None:
    """Two encodings of the taxonomy's evidence agree on every demo complaint, given every fact
    of every source that is up: `EVIDENCE` here and the one the demo city is checked with
    (tests/test_demo_data.py). Barring differs by design: also_found counts every reason on
    record (the ODB entries' and billing's), the demo check only the one that decides."""
    from test_demo_data import EVIDENCE as DEMO_EVIDENCE
    from test_demo_data import _facts

    from diagtree._vocab.precedence import APPLIES, BARRED
    from diagtree_adapters.demo import demo_complaints

    checked = 0
    for item in demo_complaints():
        complaint, facts = _facts(item)

        def read(name: str, _facts: dict[str, Any] = facts) -> Any:
            return _facts.get(name, UNKNOWN)
        answers = item["answers"] or {}
        for cause in APPLIES[complaint.type]:
            if cause not in EVIDENCE or cause == "device.settings":
                continue
            try:
                theirs = bool(DEMO_EVIDENCE[cause][1](complaint, facts, answers))
            except (KeyError, TypeError):  # the demo check needs a fact a down source holds
                continue
            mine = EVIDENCE[cause](complaint.type, read, answers)
            if cause in BARRED:
                assert mine or not theirs, (complaint.id, cause)
            else:
                assert mine == theirs, (complaint.id, cause)
            checked += 1
    assert checked > 1000


def test_threads_reading_the_agent_view_at_once_all_get_it() -> None:
    case = _case("ns-outage-beats-arrears")
    for _ in range(5):
        d = _diagnose(case)
        barrier = threading.Barrier(6)
        seen: list[tuple[str, ...]] = []

        def read(d: Diagnosis = d, barrier: threading.Barrier = barrier,
                 seen: list[tuple[str, ...]] = seen) -> None:
            barrier.wait()
            seen.append(d.also_found)
        threads = [threading.Thread(target=read) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert seen == [("billing.suspended_arrears",)] * 6


def test_a_diagnosis_built_by_hand_needs_no_agent_view() -> None:
    d = _diagnose(_case("ns-outage-beats-arrears"))
    fields = {f.name: getattr(d, f.name) for f in dataclasses.fields(Diagnosis)
              if f.name not in ("explanation", "also_found")}
    by_hand = Diagnosis(**fields)
    assert (by_hand.explanation, by_hand.also_found) == ("", ())
    assert dataclasses.replace(d, notes=("x",)).also_found == d.also_found


def test_the_agent_view_bench_runs_and_prints_its_ratio() -> None:
    """bench/explain.py (not a timed test: only that it reports both measures)."""
    bench = Path(__file__).resolve().parents[1] / "bench" / "explain.py"
    run = subprocess.run([sys.executable, str(bench), "--rounds", "1"], capture_output=True,
                         text=True, timeout=300, check=True)
    for label in ("diagnose ", "diagnose + agent view", "ratio", "interleaved"):
        assert label in run.stdout, (label, run.stdout)
