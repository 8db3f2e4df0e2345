"""The policy applied to where a walk ended: the grade, the refund and the agent's authority,
the feedback deadline; then the script, and the `Diagnosis` that holds them all.

`Concluder` is built once per engine (the grade rules and the feedback times read once, the
scripts compiled once) and concludes every diagnosis, of `Engine.diagnose` and of sessions.
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Mapping
from typing import Any, Final, Protocol, runtime_checkable

from diagtree._check.catalog import Catalog, CatalogEntry
from diagtree._check.policy import Feedback, Policy
from diagtree._compile.steps import CompiledTree
from diagtree._conclude.diagnosis import (
    Diagnosis,
    Refund,
    SourceCall,
    TraceStep,
    build,
    json_value,
)
from diagtree._conclude.explain import Explainer, also_found, evidence_of, evidence_taken
from diagtree._conclude.script import ScriptRenderer
from diagtree._errors import ComplaintError
from diagtree._expr.closures import ARITHMETIC_NOTES, arithmetic_notes
from diagtree._templates.render import localize
from diagtree._vocab.complaint import Complaint
from diagtree._vocab.engine_facts import same_category_within
from diagtree._vocab.facts import UNKNOWN
from diagtree._vocab.taxonomy import GRADES, category_of

__all__ = ["UNCATALOGUED", "AppliedPolicy", "Concluder", "IncidentCounter", "WalkEnd"]


class WalkEnd(dict[str, Any]):
    """What concluding reads of a finished walk: its facts (which the policy's rules read, and
    to which it adds the diagnosis facts), the complaint, the answers, the defaulted questions
    and the source calls. The walk's `FactStore` is one; defined here so that the conclude
    stage does not import the walk."""

    __slots__ = ("answers", "calls", "complaint", "defaulted")

    complaint: Complaint
    answers: Mapping[str, Any]
    defaulted: set[str]  # questions answered by their default
    calls: list[SourceCall]

    def unavailable(self) -> tuple[str, ...]:
        """Sources that failed (each once, in the order they failed)."""
        failed = [call.source for call in self.calls if not call.ok]
        return tuple(dict.fromkeys(failed)) if failed else ()

    def fetch_ms(self) -> float:
        """The diagnosis's time spent on its sources, in ms (the ``fetch`` timing): here the
        sum of the calls' latencies; the walk's `FactStore` gives the time it waited."""
        calls = self.calls
        return sum(c.latency_ms for c in calls) if calls else 0.0


@runtime_checkable
class _NotedAnswers(Protocol):
    """Answers that noted which questions the walk looked up (the walk's `UsedAnswers`)."""

    def in_use(self) -> dict[str, Any]: ...


class IncidentCounter(Protocol):
    """What `Engine(incidents=...)` takes (`diagtree.IncidentIndex`, docs/incidents.md): told
    the policy once, then each concluded cause; it records the complaint and returns the
    distinct customers of its incident within the window (this one included), which the grade
    rules read as ``complaint.incident.distinct_customers_24h``."""

    def bind(self, policy: Policy | None) -> None: ...

    def observe(self, end: WalkEnd, cause: str, steps: list[TraceStep],
                values: Mapping[str, Any]) -> int: ...

_MISSING: Any = object()  # "not there" where None is a value
#: the resolution and department of a cause without a catalog entry
UNCATALOGUED: Final[tuple[str, str | None]] = ("dispatch", "tier2")
_NOTED: dict[type, bool] = {}  # per type of answers: whether it noted those the walk used
_TWO_DAYS = _dt.timedelta(hours=48)  # the feedback deadline without a policy


class AppliedPolicy:
    """A knowledge folder's policy (or none), ready to apply to each diagnosis."""

    def __init__(self, policy: Policy | None) -> None:
        self.policy = policy
        self._grade_rules = tuple((rule.when.fn, GRADES.index(rule.grade), rule.reason)
                                  for rule in (policy.rules if policy else ()))
        # per grade, the feedback deadline
        self._feedback_after = {grade: _dt.timedelta(hours=f.within_hours)
                                for grade, f in (policy.feedback.items() if policy else ())}

    def grade(self, store: WalkEnd, cause: str, category: str,
              notes: list[str]) -> tuple[str, list[str]]:
        """The grade of the diagnosis (the highest of the rules that match) and the reasons of
        those rules; a rule that reads an unavailable fact is noted, and does not match."""
        if self.policy is None:
            return "normal", []
        store["diagnosis.cause"] = cause
        store["diagnosis.category"] = category
        store["history.same_category_30d"] = same_category_within(store.complaint, category)
        grade_index = 0
        reasons: list[str] = []
        for when, index, reason in self._grade_rules:
            result = when(store)
            if result is True:
                reasons.append(reason)
                grade_index = max(grade_index, index)
            elif result is UNKNOWN:
                notes.append(f"grade rule {reason!r} could not be read (source "
                             "unavailable); taken as not matching")
        return GRADES[grade_index], reasons

    def feedback(self, grade: str) -> Feedback | None:
        """How the customer hears back for a grade (None: without a policy, a result)."""
        return self.policy.feedback[grade] if self.policy else None

    def feedback_due(self, complaint: Complaint, grade: str) -> _dt.datetime:
        """The feedback deadline, in the complaint's own UTC offset; `ComplaintError` naming
        ``reported_at`` when it is past the end of the calendar (parse_complaint keeps it
        representable; a Complaint built by hand may not be)."""
        after = self._feedback_after.get(grade, _TWO_DAYS)
        try:
            return complaint.reported_at + after
        except OverflowError:
            raise ComplaintError("reported_at", f"{complaint.reported_at.isoformat()} plus the "
                                 f"feedback time ({after}) is past the end of the calendar"
                                 ) from None

    def refund(self, entry: CatalogEntry, values: Mapping[str, Any], role: str,
               resolution: str, department: str | None, notes: list[str],
               ) -> tuple[Refund | None, str, str | None]:
        """The refund an outcome grants, and whether the agent's role may grant it (above
        the role's authority: dispatched where the policy says, noted)."""
        assert entry.refund is not None
        amount = values.get(entry.refund.amount)
        if not isinstance(amount, int | float) or amount <= 0:
            return None, resolution, department
        policy = self.policy
        limit = None if entry.refund.any_amount or policy is None else policy.limits.get(role)
        within = limit is None or amount <= limit
        refund = Refund(round(float(amount), 2), "CNY", within, role, limit)
        if not within and policy is not None:
            resolution, department = "dispatch", policy.above
            notes.append(f"refund {amount:.2f} CNY is above the {role}'s authority "
                         f"({limit:g} CNY): dispatched to {policy.above}")
        return refund, resolution, department


class Concluder:
    """Concludes a walk: its outcome's catalog entry, the policy applied, the script rendered,
    all in a `Diagnosis`."""

    def __init__(self, catalog: Catalog, policy: AppliedPolicy, scripts: ScriptRenderer,
                 locale: str, incidents: IncidentCounter | None = None) -> None:
        self.incidents = incidents
        if incidents is not None:
            incidents.bind(policy.policy)
        self.catalog = catalog
        self.policy = policy
        self.scripts = scripts
        self.locale = locale
        self.explainer = Explainer(scripts.book, catalog)
        # per cause, its catalog entry (looked up once)
        self._entries: dict[str, CatalogEntry | None] = {}

    def conclude(self, store: WalkEnd, tree: CompiledTree | None, cause: str,
                 values: dict[str, Any], steps: list[TraceStep], notes: list[str],
                 locale: str | None, started: float, walk_ms: float,
                 script: bool = True, placed: list[TraceStep] | None = None) -> Diagnosis:
        """The diagnosis of a walk that ended at `cause`. Without `script` the customer's
        script is not rendered ("", and none of its notes); templated actions are then
        rendered when `actions` or `notes` is first read (a failed render is noted), with
        the explanation and also_found (`Diagnosis.LAZY_FIELDS`). `placed`: the steps of a
        walk without a trace, made for the incident index alone (it places the complaint as
        its trace would)."""
        complaint = store.complaint
        category = category_of(cause)
        entry = self._entries.get(cause, _MISSING)
        if entry is _MISSING:
            entry = self._entries[cause] = self.catalog.entry(cause)
        if entry:
            resolution, department = entry.resolution, entry.department
        else:
            resolution, department = UNCATALOGUED
        policy = self.policy
        if self.incidents is not None:  # the count from the index, unless the caller's is more
            store["complaint.incident.distinct_customers_24h"] = max(
                complaint.incident_distinct_customers_24h,
                self.incidents.observe(store, cause, steps if placed is None else placed,
                                      values))
        grade, reasons = policy.grade(store, cause, category, notes)
        if ARITHMETIC_NOTES in store:  # a condition's arithmetic overflowed: say so
            notes.extend(arithmetic_notes(store))
        feedback = policy.feedback(grade)
        due = policy.feedback_due(complaint, grade)
        refund = None
        if entry is not None and entry.refund is not None:
            refund, resolution, department = policy.refund(entry, values, complaint.agent_role,
                                                           resolution, department, notes)
        loc = locale or self.locale
        unavailable = store.unavailable()
        answers = _used_answers(store, tree, steps)
        render_start = time.perf_counter()
        scripts = self.scripts
        rendered: dict[str, Any] = {}
        if script:
            variables = _variables(values, complaint, grade, resolution, department, due,
                                   unavailable, answers, refund)
            text, actions = scripts.render(entry, loc, variables, notes)
            rendered.update(actions=actions, notes=tuple(notes))
        else:
            text = ""
            if not scripts.templated(entry):  # nothing to render: as written
                rendered.update(actions=tuple(entry.actions) if entry else (),
                                notes=tuple(notes))
        end = time.perf_counter()
        fetch_ms = store.fetch_ms()  # (books late derivations to their calls first)
        later = _Later(self, entry, values, store, refund, due)
        if "notes" not in rendered:
            later.notes = tuple(notes)
        calls = store.calls
        return build(Diagnosis, {
            "complaint_id": complaint.id, "symptom": complaint.type,
            "tree_id": tree.id if tree else None,
            "tree_version": tree.version if tree else None,
            "tree_sha256": tree.flat.sha256 if tree else None,
            "cause": cause, "category": category, "resolution": resolution,
            "department": department, "grade": grade, "grade_reasons": tuple(reasons),
            "feedback_kind": feedback.kind if feedback else "result",
            "feedback_due": due.isoformat(),
            "feedback_every_hours": feedback.every_hours if feedback else None,
            "refund": refund, "locale": loc, "script": text,
            "values": tuple([(k, json_value(v)) for k, v in values.items()]) if values else (),
            "answers": tuple(answers.items()),
            "trace": tuple(steps), "sources": tuple(calls), "unavailable": unavailable,
            "timings_ms": _timings(end - started, walk_ms, fetch_ms, end - render_start),
            **rendered,
        }, later)


def _variables(values: Mapping[str, Any], complaint: Complaint, grade: str, resolution: str,
               department: str | None, due: _dt.datetime, unavailable: tuple[str, ...],
               answers: Mapping[str, Any], refund: Refund | None) -> dict[str, Any]:
    """The variables of the outcome's script, actions and explanation."""
    variables = localize(values, complaint.utc_offset) if values else {}
    variables.update(
        complaint_id=complaint.id, grade=grade, resolution=resolution,
        department=department, feedback_due=due, reported_at=complaint.reported_at,
        unavailable=list(unavailable), answers=answers,
        refund=None if refund is None else {"amount": refund.amount,
                                            "within_authority": refund.within_authority})
    return variables


class _Later:
    """What a diagnosis's lazy fields (`Diagnosis.LAZY_FIELDS`) are worked out from, on first
    use: as little as that needs, since a kept diagnosis keeps it until then. The rest is
    read back from the diagnosis itself. The walk's store (the evidence of also_found) is let
    go once also_found is worked out."""

    __slots__ = ("answered", "answers", "complaint", "concluder", "due", "entry", "found",
                 "notes", "refund", "store", "values")

    def __init__(self, concluder: Concluder, entry: CatalogEntry | None,
                 values: dict[str, Any], store: WalkEnd, refund: Refund | None,
                 due: _dt.datetime) -> None:
        self.concluder = concluder
        self.entry = entry
        self.values = values
        self.complaint = store.complaint
        self.refund = refund
        self.due = due
        self.notes: tuple[str, ...] = ()  # the notes before the actions (when rendered here)
        self.store: WalkEnd | None = store
        # taken now: a session's store goes on changing
        self.answered, self.answers = evidence_taken(store)
        self.found: tuple[str, ...] | None = None

    def __call__(self, diagnosis: Diagnosis, name: str) -> dict[str, Any]:
        d = diagnosis
        if name in ("actions", "notes"):  # rendered only now (no script): their notes
            more: list[str] = []
            actions = self.concluder.scripts.render_actions(self.entry, self._variables(d),
                                                            more)
            return {"actions": actions, "notes": self.notes + tuple(more)}
        also = self.found
        if also is None:
            store = self.store
            assert store is not None
            also = self.found = also_found(evidence_of(store, self.answered, self.answers),
                                           d.cause)
            self.store = None
        if name == "also_found":
            return {"also_found": also}
        explanation = self.concluder.explainer.explain(
            self.entry, d.cause, d.category, d.resolution, d.department, d.locale,
            self._variables(d), also, [])
        return {"also_found": also, "explanation": explanation}

    def _variables(self, d: Diagnosis) -> dict[str, Any]:
        return _variables(self.values, self.complaint, d.grade, d.resolution, d.department,
                          self.due, d.unavailable, dict(d.answers), self.refund)


def _timings(total_s: float, walk_ms: float, fetch_ms: float, render_s: float,
             ) -> tuple[tuple[str, float], ...]:
    """The diagnosis's timings in milliseconds, each truncated to the microsecond (as `ms`,
    written out: four calls fewer on every diagnosis)."""
    return (("total", int(total_s * 1_000_000) / 1000), ("walk", int(walk_ms * 1000) / 1000),
            ("fetch", int(fetch_ms * 1000) / 1000), ("render", int(render_s * 1_000_000) / 1000))


def _used_answers(store: WalkEnd, tree: CompiledTree | None, steps: list[TraceStep]
                  ) -> dict[str, Any]:
    """The answers the walk used (given or defaulted), in the order it asked: answers given to
    questions it never asked are left out."""
    given = store.answers
    kind = type(given)
    noted = _NOTED.get(kind)
    if noted is None:  # a runtime protocol check costs microseconds: once per type
        noted = _NOTED[kind] = isinstance(given, _NotedAnswers)
    if noted:  # the walk noted them
        in_use: dict[str, Any] = given.in_use()  # type: ignore[attr-defined]
        return in_use
    if len(given) == len(store.defaulted):  # none given: only the defaults the walk took
        return dict(given)
    if tree is None:
        return {}
    asked = tree.steps
    used = {}
    for step in steps:
        if step.kind == "ask":
            question = asked[step.node].question
            if question is not None and question.id in given:
                used[question.id] = given[question.id]
    return used
