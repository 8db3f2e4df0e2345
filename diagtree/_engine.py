"""The engine: route a complaint to its tree, walk it, apply the policy, render the script.

```python
engine = Engine("trees/", sources=[hlr, billing, coverage])
diagnosis = engine.diagnose({"id": "T1", "type": "no_service", ...})
```

`diagnose` never raises for anything a source does (failure is data); it raises
`ComplaintError` only for a malformed complaint, before any source is asked.
"""

from __future__ import annotations

import datetime as _dt
import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from diagtree._answers import UsedAnswers, check_answers, known_questions, valid_answers
from diagtree._catalog import CatalogEntry
from diagtree._compile import CompiledTree, Step
from diagtree._complaint import Complaint, check_region, parse_complaint
from diagtree._complaint_facts import (
    COMPLAINT_FACTS,
    POLICY_FACTS,
    complaint_facts,
    same_category_within,
)
from diagtree._diagnosis import Diagnosis, FactRead, Refund, TraceStep, build, json_value
from diagtree._errors import (
    AuthoringError,
    ComplaintError,
    ConfigurationError,
    Location,
    Problem,
)
from diagtree._expr_compile import ARITHMETIC_NOTES, arithmetic_notes
from diagtree._facts import UNKNOWN, FactSchema
from diagtree._fetch import FactStore, SourceSet
from diagtree._library import Library, load_library
from diagtree._loader import Limits
from diagtree._privacy import describe, mask_text
from diagtree._scripts import compile_bundle, compile_template, localize, render_template
from diagtree._session import Session
from diagtree._sources import Source
from diagtree._taxonomy import GRADES, LOCALES, NEEDS_INVESTIGATION, Question, category_of

__all__ = ["Engine", "shipped_trees"]

_log = logging.getLogger("diagtree.engine")
_ACTION_SEPARATOR = "\x1e"  # ASCII record separator: never in an action's text
_MISSING: Any = object()  # "not there" where None is a value
_NO_ANSWERS: Mapping[str, Any] = {}  # (a store copies the answers it is given)
_KEPT_SOURCE_SETS = 16
_TWO_DAYS = _dt.timedelta(hours=48)  # the feedback deadline without a policy


def shipped_trees() -> Path:
    """The folder of trees, catalog, scripts and policy that ships with diagtree."""
    return Path(str(resources.files("diagtree_trees")))


class Engine:
    """Loads and compiles a knowledge folder once; diagnoses many complaints."""

    def __init__(self, trees: str | Path | Iterable[str | Path] | None = None, *,
                 sources: Iterable[Source], timeouts: Mapping[str, float] | None = None,
                 default_timeout_s: float = 2.0, locale: str = "zh-CN",
                 limits: Limits | None = None, default_region: str | None = None) -> None:
        #: the region a complaint's national-format MSISDN belongs to (None: E.164 only)
        self.default_region = check_region(default_region)
        self.sources: dict[str, Source] = {}
        for source in sources:
            if source.name in self.sources:
                raise ConfigurationError("sources", f"two sources are named {source.name!r}")
            self.sources[source.name] = source
        self.timeouts = dict(timeouts or {})
        self.default_timeout_s = default_timeout_s
        if locale not in LOCALES:
            raise ConfigurationError("locale", f"must be one of {LOCALES}, got {locale!r}")
        self.locale = locale
        specs = [spec for s in self.sources.values() for spec in s.facts()]
        self.schema = FactSchema([*COMPLAINT_FACTS, *specs])
        self.policy_schema = self.schema.merged(POLICY_FACTS)
        display: Callable[[Path], str] = str
        if trees is None:
            root = shipped_trees()
            paths: list[str | Path] = [root]
            # the shipped files are shown as `trees/…`, as in the repository
            display = lambda p: "trees/" + p.relative_to(root).as_posix()  # noqa: E731
        elif isinstance(trees, str | Path):
            paths = [trees]
        else:
            paths = list(trees)
        self.library: Library = load_library(paths, self.schema, self.policy_schema,
                                             limits=limits, display=display)
        if not self.library.catalog.entries:
            raise AuthoringError((Problem(Location(str(paths[0])), "missing_catalog",
                                          "no outcome catalog (a file with `outcomes:`) among "
                                          "the knowledge files",
                                          hint="the engine needs it to resolve each cause"),))
        self._source_set = SourceSet(self.sources, self.timeouts, default_timeout_s)
        # per-call `sources=`: by the ids of the sources, the sources (kept alive) and their set
        self._source_sets: dict[tuple[int, ...], tuple[tuple[Source, ...], SourceSet]] = {}
        self._source_sets_lock = threading.Lock()
        # the catalog's action texts compile once, here, like the scripts (compile once, use many)
        env = self.library.scripts.env("en")
        self._action_templates: dict[str, jinja2.Template] = {
            text: compile_template(env, text)
            for entry in self.library.catalog.entries.values() for text in entry.actions
            if "{" in text}
        # per cause, its catalog entry (looked up once); per grade, the feedback deadline
        self._entries: dict[str, CatalogEntry | None] = {}
        # per (cause, locale), its script and actions as one template (None: one by one)
        self._bundles: dict[tuple[str, str], jinja2.Template | None] = {}
        policy = self.library.policy
        self._grade_rules = tuple((rule.when.fn, GRADES.index(rule.grade), rule.reason)
                                  for rule in (policy.rules if policy else ()))
        self._feedback_after = {grade: _dt.timedelta(hours=f.within_hours)
                                for grade, f in (policy.feedback.items() if policy else ())}
        #: every question an answer may be given to: standard, and declared by the files
        history = self.library.history
        self.questions: dict[str, Question] = known_questions(
            [d for docs in history.versions.values() for d in docs] if history is not None
            else self.library.documents.values())
        self._valid_answers = valid_answers(self.questions)

    # -- public ----------------------------------------------------------------------------
    def tree_for(self, symptom: str, at: _dt.datetime | None = None) -> CompiledTree | None:
        """The tree for a symptom: the latest, or the versions in force at time `at` (on its
        calendar date in its own UTC offset)."""
        return self.library.tree_for(symptom, at.date() if at is not None else None)

    def diagnose(self, complaint: Complaint | Mapping[str, Any], *,
                 answers: Mapping[str, Any] | None = None, locale: str | None = None,
                 trace: bool = True, sources: Iterable[Source] | None = None) -> Diagnosis:
        """Diagnose one complaint. `sources` replaces the engine's sources for this call."""
        started = time.perf_counter()
        parsed = complaint if isinstance(complaint, Complaint) \
            else parse_complaint(complaint, default_region=self.default_region)
        store = self.new_store(parsed, answers, interactive=False, sources=sources)
        if not trace and store.answers:  # no trace to tell the answers used: note them
            store.answers = UsedAnswers(store.answers)
        return self.finish(store, locale, trace, started)

    def session(self, complaint: Complaint | Mapping[str, Any], *,
                answers: Mapping[str, Any] | None = None, locale: str | None = None) -> Session:
        """An interactive diagnosis that pauses at each question to the customer."""
        return Session(self, complaint, answers, locale)

    def resume(self, state: Mapping[str, Any]) -> Session:
        """Rebuild a session from `Session.state()`; a malformed state raises
        `SessionStateError` naming the field (``state.version``, ``state.answers.<id>``…)."""
        return Session.from_state(self, state)

    # -- steps (used by sessions too) -----------------------------------------------------
    def new_store(self, complaint: Complaint, answers: Mapping[str, Any] | None, *,
                  interactive: bool, sources: Iterable[Source] | None = None) -> FactStore:
        """The fact store of one diagnosis; `answers` are checked against the questions
        (`ComplaintError` naming ``answers.<id>``)."""
        source_set = self._source_set if sources is None else self._source_set_of(sources)
        if answers is None or (type(answers) is dict and not answers):
            checked = _NO_ANSWERS  # the hot path: nothing to check
        else:
            checked = check_answers(answers, self.questions, valid=self._valid_answers)
        store = FactStore(complaint, complaint_facts(complaint), source_set, checked,
                          interactive)
        store.tree = self.tree_for(complaint.type, complaint.reported_at)
        return store

    def _source_set_of(self, sources: Iterable[Source]) -> SourceSet:
        """The sources of one call, as a `SourceSet`; the last few are kept (built once, a
        set checks every fact each source declares).

        They are kept by the identity of each source, with the sources: no other object can
        have their ids while they are kept, and no source's own `__hash__`/`__eq__` is
        ever called. Safe for threads diagnosing at once: a look-up is one `dict.get`; a miss
        builds the set outside the lock (`facts()` is the operator's code), then stores it and
        evicts the oldest under the lock."""
        given = tuple(sources)
        key = tuple(map(id, given))
        kept = self._source_sets.get(key)
        if kept is not None:
            return kept[1]
        known = SourceSet.of(given, self.timeouts, self.default_timeout_s, self._source_set)
        with self._source_sets_lock:
            sets = self._source_sets
            while len(sets) >= _KEPT_SOURCE_SETS:
                del sets[next(iter(sets))]
            sets[key] = (given, known)
        return known

    def walk(self, store: FactStore, trace: bool) -> tuple[Step, list[TraceStep]]:
        """Walk the complaint's tree; with `trace`, also return the evidence of every step."""
        if not trace:  # the hot path: straight into the generated walker
            return store.tree.fast(store), []
        end, records = self.walk_records(store, trace)
        return end, materialize(store, records, end)

    def walk_records(self, store: FactStore, trace: bool) -> tuple[Step, list[Any]]:
        """The walk itself; with `trace`, it records the steps it passes through.

        That list is the whole trace: `materialize` turns it into `TraceStep`s afterwards, by
        the step taken next or by asking the step again which branch it takes and why. Within
        one diagnosis every fact and answer is fixed once read, so the second asking is the
        same decision, reading the same facts from the store, with nothing fetched."""
        if not trace:
            return store.tree.fast(store), []
        step = store.tree.start
        run = step.run
        visited = []
        while run is not None:
            visited.append(step)
            step = run(store)
            run = step.run
        return step, visited

    def finish(self, store: FactStore, locale: str | None, trace: bool,
               started: float) -> Diagnosis:
        complaint = store.complaint
        tree = store.tree
        notes: list[str] = []
        steps: list[TraceStep] = []
        walk_start = time.perf_counter()
        if tree is None:
            cause = NEEDS_INVESTIGATION
            values: dict[str, Any] = {}
            notes.append(f"no tree handles the symptom {complaint.type!r}")
        else:
            failed = False
            try:
                end, records = self.walk_records(store, trace)
                steps = materialize(store, records, end)
                values = self._values(end, store, notes)
            except Exception as exc:
                # never expected: the walk is checked at load and facts are type-checked; if
                # it happens anyway the complaint still gets a diagnosis, for an expert to see
                # logged masked, with the frames (code only) and not the exception's own text
                what = mask_text(describe(exc))
                _log.log(logging.ERROR, "walk of complaint %s (msisdn %s) failed: %s\n%s",
                         mask_text(complaint.id), complaint.masked_msisdn(), what,
                         "".join(traceback.format_tb(exc.__traceback__)).rstrip())
                notes.append(f"internal error while walking the tree: {what}; sent to an "
                             "expert with the evidence gathered")
                end, values, failed = tree.undecided, {}, True
            if end.kind == "pending":  # pragma: no cover - sessions finish only when complete
                raise RuntimeError("the walk is waiting for an answer; use a Session")
            cause = end.cause or NEEDS_INVESTIGATION
            if end is tree.unavailable:
                notes.append("a source needed to decide was unavailable: "
                             + (", ".join(store.unavailable()) or "unknown"))
            elif end is tree.undecided and not failed:
                notes.append("a switch had no case for the value it read")
        walk_ms = (time.perf_counter() - walk_start) * 1000
        return self._conclude(store, tree, cause, values, steps, notes, locale, started,
                              walk_ms)

    # -- internals -------------------------------------------------------------------------
    def _values(self, end: Step, store: FactStore, notes: list[str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, expr in end.values:
            value = expr.fn(store)
            if value is UNKNOWN:
                notes.append(f"value {name!r} is unavailable (its source failed)")
                value = None
            values[name] = value
        return values

    def _conclude(self, store: FactStore, tree: CompiledTree | None, cause: str,
                  values: dict[str, Any], steps: list[TraceStep], notes: list[str],
                  locale: str | None, started: float, walk_ms: float) -> Diagnosis:
        complaint = store.complaint
        category = category_of(cause)
        entry = self._entries.get(cause, _MISSING)
        if entry is _MISSING:
            entry = self._entries[cause] = self.library.catalog.entry(cause)
        resolution = entry.resolution if entry else "dispatch"
        department = entry.department if entry else "tier2"
        grade, reasons = self._grade(store, cause, category, notes)
        if ARITHMETIC_NOTES in store:  # a condition's arithmetic overflowed: say so
            notes.extend(arithmetic_notes(store))
        policy = self.library.policy
        feedback = policy.feedback[grade] if policy else None
        # reported_at is in the complaint's own offset, and so is the deadline (parse_complaint
        # keeps it representable; a Complaint built by hand may not be)
        after = self._feedback_after.get(grade, _TWO_DAYS)
        try:
            due = complaint.reported_at + after
        except OverflowError:
            raise ComplaintError("reported_at", f"{complaint.reported_at.isoformat()} plus the "
                                 f"feedback time ({after}) is past the end of the calendar"
                                 ) from None
        refund = None
        if entry is not None and entry.refund is not None:
            refund, resolution, department = self._refund(entry, values, complaint.agent_role,
                                                           resolution, department, notes)
        loc = locale or self.locale
        unavailable = store.unavailable()
        answers = _used_answers(store, tree, steps)
        variables = localize(values, complaint.utc_offset) if values else {}
        variables.update(
            complaint_id=complaint.id, grade=grade, resolution=resolution,
            department=department, feedback_due=due, reported_at=complaint.reported_at,
            unavailable=list(unavailable), answers=answers,
            refund=None if refund is None else {"amount": refund.amount,
                                                "within_authority": refund.within_authority})
        render_start = time.perf_counter()
        rendered = self._render_bundle(entry, loc, variables)
        if rendered is not None:
            script, actions = rendered
        else:
            script = self._render(entry.script if entry else None, loc, variables, notes)
            actions = self._render_actions(entry, variables, notes)
        end = time.perf_counter()
        calls = store.calls
        fetch_ms = sum(c.latency_ms for c in calls) if calls else 0.0
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
            "actions": actions, "refund": refund, "locale": loc, "script": script,
            "values": tuple([(k, json_value(v)) for k, v in values.items()]) if values else (),
            "answers": tuple(answers.items()),
            "trace": tuple(steps), "sources": tuple(calls), "unavailable": unavailable,
            "notes": tuple(notes),
            "timings_ms": _timings(end - started, walk_ms, fetch_ms, end - render_start),
        })

    def _refund(self, entry: CatalogEntry, values: Mapping[str, Any], role: str,
                resolution: str, department: str | None, notes: list[str],
                ) -> tuple[Refund | None, str, str | None]:
        """The refund an outcome grants, and whether the agent's role may grant it."""
        assert entry.refund is not None
        amount = values.get(entry.refund.amount)
        if not isinstance(amount, int | float) or amount <= 0:
            return None, resolution, department
        policy = self.library.policy
        limit = None if entry.refund.any_amount or policy is None else policy.limits.get(role)
        within = limit is None or amount <= limit
        refund = Refund(round(float(amount), 2), "CNY", within, role, limit)
        if not within and policy is not None:
            resolution, department = "dispatch", policy.above
            notes.append(f"refund {amount:.2f} CNY is above the {role}'s authority "
                         f"({limit:g} CNY): dispatched to {policy.above}")
        return refund, resolution, department

    def _grade(self, store: FactStore, cause: str, category: str,
               notes: list[str]) -> tuple[str, list[str]]:
        policy = self.library.policy
        if policy is None:
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

    def _render_bundle(self, entry: CatalogEntry | None, locale: str,
                       variables: dict[str, Any]) -> tuple[str, tuple[str, ...]] | None:
        """The script and the actions in one render, when the outcome has both and they
        render without error; None: render them one by one (which notes any failure)."""
        if entry is None:
            return None
        key = (entry.cause, locale)
        bundle = self._bundles.get(key, _MISSING)
        if bundle is _MISSING:
            bundle = self._bundles[key] = self._compile_bundle(entry, locale)
        if bundle is None:
            return None
        try:
            parts = render_template(bundle, variables).split(_ACTION_SEPARATOR)
        except Exception:  # whatever it is, rendering the parts one by one notes it
            return None
        if len(parts) != len(entry.actions) + 1:
            return None
        return parts[0].strip(), tuple(parts[1:])

    def _compile_bundle(self, entry: CatalogEntry, locale: str) -> jinja2.Template | None:
        book = self.library.scripts
        script = book.scripts.get(entry.script) if entry.script else None
        if script is None or not entry.actions:
            return None
        used = script.locale_for(locale)
        return compile_bundle(book.env(used), script.sources[used], entry.actions,
                              _ACTION_SEPARATOR)

    def _render(self, script_id: str | None, locale: str, variables: dict[str, Any],
                notes: list[str]) -> str:
        book = self.library.scripts
        if script_id is None or script_id not in book.scripts:
            notes.append(f"no script {script_id!r}")
            return ""
        script = book.scripts[script_id]
        template = script.templates[script.locale_for(locale)]
        try:
            return render_template(template, variables).strip()
        except Exception as exc:  # anything an author's template can raise ends here, noted
            notes.append(f"script {script_id!r} failed to render: {_error_text(exc)}")
            return ""

    def _render_actions(self, entry: CatalogEntry | None, variables: dict[str, Any],
                        notes: list[str]) -> tuple[str, ...]:
        if entry is None:
            return ()
        return tuple(self._render_text(a, variables, notes) for a in entry.actions)

    def _render_text(self, text: str, variables: dict[str, Any], notes: list[str]) -> str:
        if "{" not in text:
            return text
        try:  # every templated action was compiled when the engine loaded
            return render_template(self._action_templates[text], variables)
        except Exception as exc:  # anything an author's template can raise ends here, noted
            notes.append(f"action {text!r} failed to render: {_error_text(exc)}")
            return text


def _error_text(exc: BaseException) -> str:
    """What a render's exception says, for a note: a template error's message, or else its
    class and message (`describe`: bounded, never raising); subscriber numbers masked."""
    if isinstance(exc, jinja2.TemplateError):
        text = describe(exc)
        return mask_text(text.partition(": ")[2] or text)
    return mask_text(describe(exc))


_tuple_new = tuple.__new__  # NamedTuples built without their Python-level __new__


def materialize(store: FactStore, visited: list[Any], end: Step) -> list[TraceStep]:
    """Turn the steps a walk passed through (then `end`) into `TraceStep`s: the branch each
    took, the condition that decided, and the facts it read (those of its facts found in the
    store — conditions stop early, e.g. `a and b` with `a` false never reads `b`).

    Where the step taken next tells the branch (`Step.branch`), that is the label; otherwise
    the step decides again (`trace_run`) over the same facts, now all in the store."""
    steps = []
    peek = dict.get  # the store's own entries only: never fetches
    last = len(visited) - 1
    for k, step in enumerate(visited):
        branch = step.branch
        if branch is not None:
            nxt = visited[k + 1] if k < last else end
            label = branch[id(nxt)]
            condition = step.condition
        else:
            label, nxt, condition = step.trace_run(store)
        reads = []
        for name, source in step.reads:
            value = peek(store, name, _MISSING)
            if value is _MISSING:
                continue
            if value is UNKNOWN:
                reads.append(_tuple_new(FactRead, (name, None, source, False)))
            else:
                reads.append(_tuple_new(FactRead, (name, value, source, True)))
        steps.append(_tuple_new(TraceStep, (step.id, step.kind, step.at, condition,
                                            tuple(reads), label, nxt.id)))
    return steps


def _timings(total_s: float, walk_ms: float, fetch_ms: float, render_s: float,
             ) -> tuple[tuple[str, float], ...]:
    """The diagnosis's timings in milliseconds, each truncated to the microsecond (as `ms`,
    written out: four calls fewer on every diagnosis)."""
    return (("total", int(total_s * 1_000_000) / 1000), ("walk", int(walk_ms * 1000) / 1000),
            ("fetch", int(fetch_ms * 1000) / 1000), ("render", int(render_s * 1_000_000) / 1000))


def _used_answers(store: FactStore, tree: CompiledTree | None, steps: list[TraceStep]
                  ) -> dict[str, Any]:
    """The answers the walk used (given or defaulted), in the order it asked: answers given to
    questions it never asked are left out."""
    given = store.answers
    if isinstance(given, UsedAnswers):  # the walk noted them
        return given.in_use()
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
