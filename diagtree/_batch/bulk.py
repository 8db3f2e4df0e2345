"""The bulk path: a chunk's facts fetched as frames, each row walked over them and concluded
into its results row — the row `Engine.diagnose` gives, at a fraction of its cost.

`Engine.diagnose` builds a whole `Diagnosis` (trace, sources, timings, lazy fields) and asks
each source for one complaint at a time. A results row needs far less of it, and an adapter
over in-memory records can derive a whole chunk's facts as columns (``fetch_frame``,
``diagtree_adapters/_frames.py``). So, for a chunk whose engine allows it (`plan`), each row
is parsed as before, then

1. per tree, each source is asked once for the facts of all the chunk's complaints that tree
   may read (its steps, its outcomes' values, the grading policy, the place and the evidence
   of also_found): a frame per source, read as a facts frame reads it (`typed_column`, the
   engine's own checks);
2. each row walks its tree's compiled steps (the engine's closures) over a store that reads
   those columns, noting which sources it read — the sources a lazy, in-memory source set
   would have been asked by the engine, in the same order;
3. the row is concluded with the engine's own policy objects — grade rules, feedback
   deadline, refund, also_found over the evidence of the sources read, the place — straight
   into its results row.

Anything the frames do not give exactly sends the row to `Engine.diagnose` instead (the
per-row path): a row the frame marks `PER_ROW` (a malformed record, a boundary case), a fact
unknown or of the wrong type (the engine would record its source as failed), a walk that
raises, a complaint no tree handles. A row therefore always gets the results row the
per-row path gives; a property test holds the two paths equal (`tests/test_batch_bulk.py`).

What makes an engine eligible (`plan`): no decision log and no incident index (both read the
trace); no script, trace or explanation asked; and every source is asked on the walk's
thread when first read (``blocking = False``, as the adapters over a `RecordStore` are) and
offers ``fetch_frame`` — a source asked ahead on a thread is answered for every tree source
whether read or not, which the frames do not reproduce. A source's own timeout cannot be
enforced per row on a frame; an in-memory source has nothing to time out on.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Final

from diagtree import Complaint, Engine
from diagtree._batch.results import PLACE_FACTS
from diagtree._compile.steps import CompiledTree, Step
from diagtree._conclude.diagnosis import FactRead, json_value
from diagtree._conclude.explain import EVIDENCE, Evidence, also_found
from diagtree._conclude.policy import UNCATALOGUED, Concluder, WalkEnd
from diagtree._incidents.place import Place, place_of_outcome
from diagtree._vector.columns import NULL_SUFFIX, typed_column
from diagtree._vocab.engine_facts import complaint_facts
from diagtree._vocab.facts import UNKNOWN, source_of
from diagtree._vocab.precedence import precedence_for
from diagtree._vocab.taxonomy import NEEDS_INVESTIGATION, base_cause, category_of
from diagtree._walk.fetch import INLINE, SourceSet
from diagtree._walk.walk import Runtime

__all__ = ["PER_ROW", "Bulk", "plan"]

#: the column of a source's frame marking the rows it does not give (diagtree_adapters)
PER_ROW: Final = ":per_row"
_MISSING: Any = object()
_NOWHERE: Final = Place(None, None)
# by engine: its bulk plan, or None where the engine is not eligible (worked out once)
_PLANS: weakref.WeakKeyDictionary[Engine, Bulk | None] = weakref.WeakKeyDictionary()


class _PerRow(Exception):
    """This row is not for the bulk path: diagnose it with `Engine.diagnose`."""


def plan(engine: Engine) -> Bulk | None:
    """The bulk path of `engine`, or None when the engine is not eligible (module docstring)."""
    try:
        return _PLANS[engine]
    except KeyError:
        pass
    bulk = Bulk(engine) if _eligible(engine) else None
    _PLANS[engine] = bulk
    return bulk


def _eligible(engine: Engine) -> bool:
    runtime: Runtime = engine._runtime
    if engine._decision_log is not None or runtime.conclude.incidents is not None:
        return False
    sources = runtime.source_set
    if sources.broken or not sources.plan:
        return False
    for src, _, mode, ahead in sources.plan.values():
        if mode != INLINE or ahead or not callable(getattr(src, "fetch_frame", None)):
            return False
    return True


def _evidence_facts() -> dict[str, tuple[str, ...]]:
    """Per cause, the facts its evidence check may read (the names in its code): fetched with
    the walk's facts so that also_found seldom needs a second frame (it may: `_Facts`)."""
    out: dict[str, tuple[str, ...]] = {}
    for cause, check in EVIDENCE.items():
        code = getattr(check, "__code__", None)
        names = [c for c in (code.co_consts if code else ()) if isinstance(c, str)
                 and "." in c and source_of(c) in ("hlr", "billing", "coverage")]
        out[cause] = tuple(names)
    return out


class Bulk:
    """An eligible engine's bulk path: what each tree reads, worked out once."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.runtime: Runtime = engine._runtime
        self.concluder: Concluder = self.runtime.conclude
        self.sources: SourceSet = self.runtime.source_set
        self._reads: dict[tuple[int, frozenset[str]],
                          tuple[CompiledTree, dict[str, tuple[str, ...]]]] = {}
        self._evidence = _evidence_facts()
        policy = self.concluder.policy.policy
        self._policy_facts = tuple(name for rule in (policy.rules if policy else ())
                                   for name in rule.when.facts)

    def reads(self, tree: CompiledTree, symptoms: frozenset[str]
              ) -> dict[str, tuple[str, ...]]:
        """Per source, the facts a row of `tree` may read: its steps, its outcomes' values,
        the grade rules, the place facts and the evidence of the causes `symptoms` may also
        find."""
        key = (id(tree), symptoms)
        kept = self._reads.get(key)
        if kept is not None and kept[0] is tree:
            return kept[1]
        names: dict[str, None] = {}
        for step in tree.steps.values():
            names.update((name, None) for name, _ in step.reads)
            for _, expr in step.values:
                names.update(dict.fromkeys(expr.facts))
        names.update(dict.fromkeys(self._policy_facts))
        names.update(dict.fromkeys(PLACE_FACTS))
        for symptom in symptoms:
            for cause in precedence_for(symptom):
                names.update(dict.fromkeys(self._evidence.get(cause, ())))
        info = self.sources.fact_info
        per_source: dict[str, list[str]] = {}
        for name in names:
            found = info.get(name)
            if found is not None:
                per_source.setdefault(found[0], []).append(name)
        out = {source: tuple(found) for source, found in per_source.items()}
        self._reads[key] = (tree, out)
        return out

    def diagnose(self, parsed: Sequence[tuple[int, Complaint, Mapping[str, Any]]],
                 per_row: Callable[[int], dict[str, Any]]) -> list[dict[str, Any]]:
        """The results rows of `parsed` (row number, complaint, checked answers), in order;
        `per_row(k)` gives the row of ``parsed[k]`` by `Engine.diagnose`."""
        runtime = self.runtime
        groups: dict[int, tuple[CompiledTree, list[int]]] = {}
        out: list[dict[str, Any] | None] = [None] * len(parsed)
        for k, (_, complaint, _) in enumerate(parsed):
            tree = runtime.tree_for(complaint.type, complaint.reported_at)
            if tree is None:
                out[k] = per_row(k)
                continue
            group = groups.get(id(tree))
            if group is None:
                group = groups[id(tree)] = (tree, [])
            group[1].append(k)
        for tree, members in groups.values():
            complaints = [parsed[k][1] for k in members]
            try:
                facts = _Facts(self.sources, complaints,
                               self.reads(tree, frozenset(c.type for c in complaints)))
            except _NoFrames:
                for k in members:
                    out[k] = per_row(k)
                continue
            for i, k in enumerate(members):
                number, complaint, answers = parsed[k]
                row = None if facts.skip[i] else self._row(tree, facts, i, number,
                                                           complaint, answers)
                out[k] = row if row is not None else per_row(k)
        return [row for row in out if row is not None]

    def _row(self, tree: CompiledTree, facts: _Facts, i: int, number: int,
             complaint: Complaint, answers: Mapping[str, Any]) -> dict[str, Any] | None:
        """The results row of one complaint (None: not for the bulk path)."""
        store = _Store(complaint_facts(complaint))
        store.complaint = complaint
        store.facts = facts
        store.i = i
        store.answers = dict(answers)
        store.defaulted = set()
        store.calls = []
        store.read = {}
        try:
            return self._conclude(tree, store, number)
        except _PerRow:
            return None
        except Exception:  # never expected (the engine notes it as an internal error): the
            return None    # per-row path gives that diagnosis, for an expert to see

    def _conclude(self, tree: CompiledTree, store: _Store, number: int) -> dict[str, Any]:
        complaint = store.complaint
        step = tree.start
        run = step.run
        passed: list[Step] = []
        while run is not None:
            passed.append(step)
            step = run(store)
            run = step.run
        if step.kind == "pending":  # pragma: no cover - a batch is never interactive
            raise _PerRow
        values: dict[str, Any] = {}
        for name, expr in step.values:
            value = expr.fn(store)
            if value is UNKNOWN:
                raise _PerRow
            values[name] = value
        cause = step.cause or NEEDS_INVESTIGATION
        concluder = self.concluder
        category = category_of(cause)
        entries = concluder._entries
        entry = entries.get(cause, _MISSING)
        if entry is _MISSING:
            entry = entries[cause] = concluder.catalog.entry(cause)
        resolution, department = (entry.resolution, entry.department) if entry \
            else UNCATALOGUED
        policy = concluder.policy
        notes: list[str] = []
        grade, reasons = policy.grade(store, cause, category, notes)
        due = policy.feedback_due(complaint, grade)
        refund = None
        if entry is not None and entry.refund is not None:
            refund, resolution, department = policy.refund(
                entry, values, complaint.agent_role, resolution, department, notes)
        # the place: the outcome's own values, then the place facts the walk's steps read
        # (what the store holds once graded, as `Engine._diagnose_walked` peeks at them)
        reads = []
        for passed_step in passed:
            for name, source in passed_step.reads:
                if name in PLACE_FACTS:
                    value = dict.get(store, name, _MISSING)
                    if value is not _MISSING:
                        reads.append(FactRead(name, value, source, True))
        place = place_of_outcome(tuple((k, json_value(v)) for k, v in values.items()), reads) \
            if values or reads else _NOWHERE
        also = _also_found(store, complaint, cause)
        path = [s.id for s in passed]
        if passed and step.id:
            path.append(step.id)
        return {
            "row": number, "complaint_id": complaint.id, "symptom": complaint.type,
            "msisdn": complaint.msisdn, "channel": complaint.channel,
            "reported_at": complaint.reported_at.isoformat(),
            "tree_id": tree.id, "tree_version": tree.version,
            "cause": cause, "category": category,
            "resolution": resolution, "department": department,
            "grade": grade, "grade_reasons": ";".join(reasons) if reasons else None,
            "feedback_due": due.isoformat(),
            "refund_amount": None if refund is None else float(refund.amount),
            "refund_currency": None if refund is None else refund.currency,
            "refund_within_authority": None if refund is None else refund.within_authority,
            "path": ">".join(path) if path else None,
            "unavailable": None,
            "also_found": ";".join(also) if also else None,
            "cell": place.cell,
            "platform": place.platform,
        }


def _also_found(store: _Store, complaint: Complaint, cause: str) -> tuple[str, ...]:
    """`also_found` as the engine works it out: the evidence reads what the walk read, and
    any fact of a source the walk asked (`evidence_of`); the customer's own answers."""
    order = precedence_for(complaint.type)
    base = base_cause(cause) or cause
    if base not in order and base != "unknown.data_unavailable":
        return ()
    answered = store.read
    facts = store.facts
    i = store.i

    def read(name: str) -> Any:
        value = dict.get(store, name, _MISSING)
        if value is not _MISSING:
            return value
        source = source_of(name)
        if source not in answered:
            return UNKNOWN
        return facts.value(name, i)

    defaulted = store.defaulted
    answers = {k: v for k, v in store.answers.items() if k not in defaulted}
    return also_found(Evidence(complaint.type, read, answers), cause)


class _Facts:
    """The frames of one tree's complaints in a chunk: per source, the facts asked for (more
    on demand), read per row as the engine reads a source's values."""

    def __init__(self, sources: SourceSet, complaints: list[Complaint],
                 wanted: Mapping[str, tuple[str, ...]]) -> None:
        self.sources = sources
        self.complaints = complaints
        self.n = len(complaints)
        self.skip = [False] * self.n
        self.frames: dict[str, Any] = {}
        self.values: dict[str, list[Any]] = {}
        for source, names in wanted.items():
            self._fetch(source, names)

    def _fetch(self, source: str, names: Collection[str]) -> None:
        src = self.sources.plan[source][0]
        try:
            frame = src.fetch_frame(self.complaints, tuple(names))
        except Exception as exc:  # a frame that fails: the per-row path, whose fetch decides
            raise _NoFrames(source) from exc
        if frame is None or len(frame) != self.n:
            raise _NoFrames(source)
        old = self.frames.get(source)
        self.frames[source] = frame if old is None else _joined(old, frame)
        if PER_ROW in frame.columns:
            marks = frame[PER_ROW].to_numpy(dtype=bool, na_value=False).tolist()
            self.skip = [a or bool(b) for a, b in zip(self.skip, marks, strict=True)]

    def column(self, name: str) -> list[Any]:
        """Every row's value of `name` (`UNKNOWN` where unknown or of the wrong type)."""
        found = self.values.get(name)
        if found is not None:
            return found
        info = self.sources.fact_info.get(name)
        if info is None:
            raise _PerRow  # no source declares it: the engine records no configured source
        source = info[0]
        frame = self.frames.get(source)
        if frame is None or name not in frame.columns:
            # a fact the walk was not expected to read: a second frame, for every row
            self._fetch(source, (name,))
            frame = self.frames[source]
            if name not in frame.columns:
                raise _PerRow
        marks = frame[name + NULL_SUFFIX] if name + NULL_SUFFIX in frame.columns else None
        values = typed_column(name, self.sources.specs[name].type, frame[name], self.n, marks,
                              derived=False).py()
        self.values[name] = values
        return values

    def value(self, name: str, i: int) -> Any:
        try:
            if self.skip[i]:
                raise _PerRow
            return self.column(name)[i]
        except _PerRow:
            raise
        except _NoFrames:
            raise _PerRow from None


class _NoFrames(Exception):
    """A source gave no frame: the chunk goes the per-row way."""


def _joined(old: Any, new: Any) -> Any:
    extra = [c for c in new.columns if c not in old.columns and c != PER_ROW]
    joined = old.copy(deep=False)
    for c in extra:
        joined[c] = new[c].to_numpy()
    return joined


class _Store(WalkEnd):
    """One row's facts as the walk and the grade rules read them: the complaint's own, then
    each source fact from the frames, noting the sources read (in order, as the engine's
    store records its calls). An unknown value is not for the bulk path."""

    __slots__ = ("facts", "i", "read")
    interactive = False
    facts: _Facts
    i: int
    read: dict[str, None]

    def __missing__(self, name: str) -> Any:
        info = self.facts.sources.fact_info.get(name)
        if info is None:
            raise _PerRow
        value = self.facts.value(name, self.i)
        if value is UNKNOWN:
            raise _PerRow
        self.read[info[0]] = None
        self[name] = value
        return value
