"""One diagnosis's walk: its fact store, the walk of its tree, the trace, and the conclusion.

`Runtime` is what a diagnosis needs of the engine that made it — the library, the questions,
the sources and the `Concluder` — held by the `Engine` and by each `Session` alike (neither
reaches into the other). The steps are free functions over it:

    store = new_store(runtime, complaint, answers, interactive=False)
    end, records = walk_records(store, trace=True)      # the walk; `walk` also materializes
    diagnosis = finish(runtime, store, locale, True, started)
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import logging
import threading
import time
import traceback
from collections.abc import Iterable, Mapping
from typing import Any

from diagtree._compile.library import Library
from diagtree._compile.steps import CompiledTree, Step
from diagtree._conclude.diagnosis import Diagnosis, FactRead, TraceStep
from diagtree._conclude.policy import Concluder
from diagtree._privacy import describe, mask_text
from diagtree._vocab.complaint import Complaint
from diagtree._vocab.engine_facts import complaint_facts
from diagtree._vocab.facts import UNKNOWN, source_of
from diagtree._vocab.taxonomy import NEEDS_INVESTIGATION, Question
from diagtree._walk.answers import check_answers, valid_answers
from diagtree._walk.fetch import FactStore, SourceSet
from diagtree._walk.sources import AnySource

__all__ = ["Runtime", "finish", "materialize", "new_store", "walk", "walk_records"]

_log = logging.getLogger("diagtree.engine")
_MISSING: Any = object()  # "not there" where None is a value
_NO_ANSWERS: Mapping[str, Any] = {}  # (a store copies the answers it is given)
_KEPT_SOURCE_SETS = 16


class Runtime:
    """What each diagnosis of an engine reads: its library, the questions an answer may be
    given to, its sources (and the last few sets of per-call sources), the region of national
    numbers, and the `Concluder` of its walks."""

    def __init__(self, library: Library, questions: dict[str, Question],
                 sources: Mapping[str, AnySource], timeouts: Mapping[str, float],
                 default_timeout_s: float, default_region: str | None,
                 conclude: Concluder) -> None:
        self.library = library
        #: every question an answer may be given to: standard, and declared by the files
        self.questions = questions
        self.valid_answers = valid_answers(questions)
        self.timeouts = dict(timeouts)
        self.default_timeout_s = default_timeout_s
        self.source_set = SourceSet(sources, self.timeouts, default_timeout_s)
        self.default_region = default_region
        self.conclude = conclude
        # per-call `sources=`: by the ids of the sources, the sources (kept alive) and their set
        self._source_sets: dict[tuple[int, ...], tuple[tuple[AnySource, ...], SourceSet]] = {}
        self._source_sets_lock = threading.Lock()
        # per compiled tree (by id, kept with it): the sources it can read on its way
        self._tree_sources: dict[int, tuple[CompiledTree, tuple[str, ...]]] = {}
        policy = library.policy
        self._policy_sources = tuple(dict.fromkeys(
            source_of(name) for rule in (policy.rules if policy else ())
            for name in rule.when.facts))

    def tree_for(self, symptom: str, at: _dt.datetime | None = None) -> CompiledTree | None:
        """The tree for a symptom: the latest, or the versions in force at time `at` (on its
        calendar date in its own UTC offset)."""
        return self.library.tree_for(symptom, at.date() if at is not None else None)

    def sources_of(self, tree: CompiledTree) -> tuple[str, ...]:
        """The sources `tree` can read on its way, in the order its nodes are written: those
        of the facts its steps and its outcomes' values read, then those the grading policy
        reads. Worked out once per compiled tree (a tree is compiled once and kept)."""
        kept = self._tree_sources.get(id(tree))
        if kept is not None and kept[0] is tree:
            return kept[1]
        names: dict[str, None] = {}
        for step in tree.steps.values():
            for _, source in step.reads:
                names[source] = None
            for _, expr in step.values:
                names.update(dict.fromkeys(source_of(name) for name in expr.facts))
        names.update(dict.fromkeys(self._policy_sources))
        found = tuple(names)
        self._tree_sources[id(tree)] = (tree, found)  # trees live as long as the library
        return found

    def source_set_of(self, sources: Iterable[AnySource]) -> SourceSet:
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
        known = SourceSet.of(given, self.timeouts, self.default_timeout_s, self.source_set)
        with self._source_sets_lock:
            sets = self._source_sets
            while len(sets) >= _KEPT_SOURCE_SETS:
                del sets[next(iter(sets))]
            sets[key] = (given, known)
        return known


def new_store(runtime: Runtime, complaint: Complaint, answers: Mapping[str, Any] | None, *,
              interactive: bool, sources: Iterable[AnySource] | None = None,
              loop: asyncio.AbstractEventLoop | None = None) -> FactStore:
    """The fact store of one diagnosis; `answers` are checked against the questions
    (`ComplaintError` naming ``answers.<id>``). Every source its tree can read is asked at
    once (its async sources on `loop`, when given)."""
    source_set = runtime.source_set if sources is None else runtime.source_set_of(sources)
    if answers is None or (type(answers) is dict and not answers):
        checked = _NO_ANSWERS  # the hot path: nothing to check
    else:
        checked = check_answers(answers, runtime.questions, valid=runtime.valid_answers)
    store = FactStore(complaint, complaint_facts(complaint), source_set, checked, interactive)
    tree = store.tree = runtime.tree_for(complaint.type, complaint.reported_at)
    if tree is not None:
        store.loop = loop
        store.prefetch(runtime.sources_of(tree))
    return store


def walk(store: FactStore, trace: bool) -> tuple[Step, list[TraceStep]]:
    """Walk the complaint's tree; with `trace`, also return the evidence of every step."""
    if not trace:  # the hot path: straight into the generated walker
        return store.tree.fast.walk(store), []
    end, records = walk_records(store, trace)
    return end, materialize(store, records, end)


def walk_records(store: FactStore, trace: bool) -> tuple[Step, list[Any]]:
    """The walk itself; with `trace`, it records the steps it passes through.

    That list is the whole trace: `materialize` turns it into `TraceStep`s afterwards, by
    the step taken next or by asking the step again which branch it takes and why. Within
    one diagnosis every fact and answer is fixed once read, so the second asking is the
    same decision, reading the same facts from the store, with nothing fetched."""
    if not trace:
        return store.tree.fast.walk(store), []
    step = store.tree.start
    run = step.run
    visited = []
    while run is not None:
        visited.append(step)
        step = run(store)
        run = step.run
    return step, visited


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


def finish(runtime: Runtime, store: FactStore, locale: str | None, trace: bool,
           started: float, script: bool = True, walked: list[Step] | None = None,
           ) -> Diagnosis:
    """Walk the store's tree to its end and conclude: the diagnosis (without `script`, its
    script is not rendered). A walk that fails (never expected) still concludes, undecided,
    for an expert to see.

    `walked` (without `trace` only): a list given the steps the walk passed through, then
    the step it ended at — the trace's nodes without building the trace (left empty when the
    walk itself failed, like the trace). The diagnosis is the one without a trace."""
    complaint = store.complaint
    tree = store.tree
    notes: list[str] = []
    steps: list[TraceStep] = []
    # an incident index places the complaint by the trace's reads: walked without a trace,
    # the steps are still made for it alone (the diagnosis keeps no trace)
    placed: list[TraceStep] | None = None
    need_place = not trace and walked is None and runtime.conclude.incidents is not None
    waited = store.waited
    walk_start = time.perf_counter()
    if tree is None:
        cause = NEEDS_INVESTIGATION
        values: dict[str, Any] = {}
        notes.append(f"no tree handles the symptom {complaint.type!r}")
    else:
        failed = False
        try:
            end, records = walk_records(store, trace or walked is not None or need_place)
            if trace:
                steps = materialize(store, records, end)
            elif walked is not None:
                walked.extend(records)
                walked.append(end)
            elif need_place:
                placed = materialize(store, records, end)
            values = _values(end, store, notes)
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
    # the walk's own time: not what it waited for sources (their time is the `fetch` timing)
    walk_ms = (time.perf_counter() - walk_start - (store.waited - waited)) * 1000
    return runtime.conclude.conclude(store, tree, cause, values, steps, notes, locale,
                                     started, walk_ms, script, placed)


def _values(end: Step, store: FactStore, notes: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, expr in end.values:
        value = expr.fn(store)
        if value is UNKNOWN:
            notes.append(f"value {name!r} is unavailable (its source failed)")
            value = None
        values[name] = value
    return values
