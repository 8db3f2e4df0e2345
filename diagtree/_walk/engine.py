"""The engine: route a complaint to its tree, walk it, apply the policy, render the script.

```python
engine = Engine("trees/", sources=[hlr, billing, coverage])
diagnosis = engine.diagnose({"id": "T1", "type": "no_service", ...})
```

`diagnose` never raises for anything a source does (failure is data); it raises
`ComplaintError` only for a malformed complaint, before any source is asked.

The async API is the same code (`_walk.fetch.settle_async`): ``await engine.adiagnose(...)``,
``await engine.asession(...)`` and ``await engine.aresume(state)``, then the session's
``aanswer``, ``aback`` and ``adiagnosis``. It never blocks the event loop on a source: async
sources run on the caller's loop, synchronous ones on the fetch threads, and a walk that needs
a fact not yet fetched awaits it. Sync and async give the same diagnosis.

The engine only builds the pieces once and runs them: the walk's `Runtime` and its steps
(`_walk.walk`), the policy (`_conclude.policy`) and the script (`_conclude.script`). A `Session`
holds the same `Runtime`, never the engine.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import time
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from diagtree._compile.library import Library, load_library
from diagtree._compile.steps import CompiledTree, Step
from diagtree._conclude.diagnosis import Diagnosis, FactRead
from diagtree._conclude.policy import AppliedPolicy, Concluder, IncidentCounter
from diagtree._conclude.script import ScriptRenderer
from diagtree._errors import AuthoringError, ConfigurationError, Location, Problem
from diagtree._load.limits import Limits
from diagtree._vocab.complaint import Complaint, check_region, parse_complaint
from diagtree._vocab.engine_facts import COMPLAINT_FACTS, POLICY_FACTS
from diagtree._vocab.facts import UNKNOWN, FactSchema
from diagtree._vocab.taxonomy import LOCALES, Question
from diagtree._walk.answers import UsedAnswers, known_questions
from diagtree._walk.fetch import FactStore, settle, settle_async
from diagtree._walk.session import DecisionSink, Session
from diagtree._walk.sources import AnySource
from diagtree._walk.walk import Runtime, finish, new_store

__all__ = ["Engine", "Walked", "shipped_name", "shipped_trees"]

_MISSING: Any = object()


class Walked(NamedTuple):
    """A diagnosis without its trace, and what a results row reads of the trace: the `path`
    (the trace's node ids, then its last step's ``next``) and the `reads` of the facts asked
    for (the trace's `FactRead`s of those facts, in its order)."""

    diagnosis: Diagnosis
    path: tuple[str, ...]
    reads: tuple[FactRead, ...]


def shipped_trees() -> Path:
    """The folder of trees, catalog, scripts and policy that ships with diagtree."""
    return Path(str(resources.files("diagtree_trees")))


def shipped_name(path: Path) -> str:
    """A shipped file's name as in the repository, `trees/…` (in problems and `Document.file`)."""
    return "trees/" + path.relative_to(shipped_trees()).as_posix()


class Engine:
    """Loads and compiles a knowledge folder once; diagnoses many complaints.

    What it loaded is read-only: `library`, `schema` (the facts a tree may read), `questions`
    (those an answer may be given to), `locale`, `default_region`. With `decision_log` (a
    `diagtree.DecisionLog`) every diagnosis and session step is appended to it; with
    `incidents` (a `diagtree.IncidentIndex`) every cause concluded is added to it, and its count
    of the incident's customers is the ``complaint.incident.distinct_customers_24h`` graded."""

    def __init__(self, trees: str | Path | Iterable[str | Path] | None = None, *,
                 sources: Iterable[AnySource], timeouts: Mapping[str, float] | None = None,
                 default_timeout_s: float = 2.0, locale: str = "zh-CN",
                 limits: Limits | None = None, default_region: str | None = None,
                 decision_log: DecisionSink | None = None,
                 incidents: IncidentCounter | None = None) -> None:
        region = check_region(default_region)
        self._decision_log = decision_log  # (`diagtree.DecisionLog`: see _decisions.log)
        named: dict[str, AnySource] = {}
        for source in sources:
            if source.name in named:
                raise ConfigurationError("sources", f"two sources are named {source.name!r}")
            named[source.name] = source
        if locale not in LOCALES:
            raise ConfigurationError("locale", f"must be one of {LOCALES}, got {locale!r}")
        self._locale = locale
        specs = [spec for s in named.values() for spec in s.facts()]
        self._schema = FactSchema([*COMPLAINT_FACTS, *specs])
        policy_schema = self._schema.merged(POLICY_FACTS)
        display: Callable[[Path], str] = str
        if trees is None:
            paths: list[str | Path] = [shipped_trees()]
            display = shipped_name
        elif isinstance(trees, str | Path):
            paths = [trees]
        else:
            paths = list(trees)
        library = load_library(paths, self._schema, policy_schema, limits=limits,
                               display=display)
        if not library.catalog.entries:
            raise AuthoringError((Problem(Location(str(paths[0])), "missing_catalog",
                                          "no outcome catalog (a file with `outcomes:`) among "
                                          "the knowledge files",
                                          hint="the engine needs it to resolve each cause"),))
        history = library.history
        questions = known_questions(
            [d for docs in history.versions.versions.values() for d in docs]
            if history is not None
            else library.documents.values())
        conclude = Concluder(library.catalog, AppliedPolicy(library.policy),
                             ScriptRenderer(library.scripts, library.catalog.entries.values()),
                             locale, incidents)
        self._runtime = Runtime(library, questions, named, dict(timeouts or {}),
                                default_timeout_s, region, conclude)

    # -- what it loaded (read-only) ----------------------------------------------------------
    @property
    def library(self) -> Library:
        """The knowledge it loaded: trees, catalog, scripts, policy."""
        return self._runtime.library

    @property
    def schema(self) -> FactSchema:
        """The facts a tree may read: the complaint's and those the sources declare."""
        return self._schema

    @property
    def questions(self) -> Mapping[str, Question]:
        """Every question an answer may be given to: standard, and declared by the files."""
        return MappingProxyType(self._runtime.questions)

    @property
    def locale(self) -> str:
        """The language of the script when a call names none."""
        return self._locale

    @property
    def default_region(self) -> str | None:
        """The region a complaint's national-format MSISDN belongs to (None: E.164 only)."""
        return self._runtime.default_region

    # -- public ----------------------------------------------------------------------------
    def tree_for(self, symptom: str, at: _dt.datetime | None = None) -> CompiledTree | None:
        """The tree for a symptom: the latest, or the versions in force at time `at` (on its
        calendar date in its own UTC offset)."""
        return self._runtime.tree_for(symptom, at)

    def diagnose(self, complaint: Complaint | Mapping[str, Any], *,
                 answers: Mapping[str, Any] | None = None, locale: str | None = None,
                 trace: bool = True, sources: Iterable[AnySource] | None = None,
                 script: bool = True) -> Diagnosis:
        """Diagnose one complaint. `sources` replaces the engine's sources for this call;
        `script=False` leaves the customer's script unrendered (`Diagnosis.script` is "").

        Every source the complaint's tree can read is asked at once; the walk waits for one
        only when it reads one of its facts, at most until its timeout."""
        started = time.perf_counter()
        parsed, store = self._store(complaint, answers, trace, sources, None)
        try:
            diagnosis = settle(
                store, lambda: finish(self._runtime, store, locale, trace, started, script))
            return self._logged_diagnosis(diagnosis, parsed, answers, store)
        finally:
            store.release()

    def _store(self, complaint: Complaint | Mapping[str, Any],
               answers: Mapping[str, Any] | None, trace: bool,
               sources: Iterable[AnySource] | None, loop: asyncio.AbstractEventLoop | None,
               ) -> tuple[Complaint, FactStore]:
        """`diagnose`'s and `adiagnose`'s start: the complaint parsed, its fact store (its
        sources asked, on `loop` for async ones when given)."""
        runtime = self._runtime
        parsed = complaint if isinstance(complaint, Complaint) \
            else parse_complaint(complaint, default_region=runtime.default_region)
        store = new_store(runtime, parsed, answers, interactive=False, sources=sources,
                          loop=loop)
        if not trace and store.answers:  # no trace to tell the answers used: note them
            store.answers = UsedAnswers(store.answers)
        return parsed, store

    def _logged_diagnosis(self, diagnosis: Diagnosis, parsed: Complaint,
                          answers: Mapping[str, Any] | None, store: FactStore) -> Diagnosis:
        """`diagnosis`, recorded in the decision log (if any) with the facts it read."""
        if self._decision_log is not None:
            self._decision_log.record_diagnosis(diagnosis, parsed, answers=answers, facts=store)
        return diagnosis

    def _diagnose_walked(self, complaint: Complaint, *, script: bool,
                         facts: frozenset[str], answers: Mapping[str, Any] | None = None,
                         ) -> Walked | None:
        """For `diagtree.batch` (private): `diagnose(complaint, answers=answers, trace=False,
        script=script)` with the few things a results row reads of the trace (`Walked`),
        without building the trace. None for an engine that logs decisions or counts
        incidents (both read the trace): diagnose with the trace then."""
        runtime = self._runtime
        if self._decision_log is not None or runtime.conclude.incidents is not None:
            return None
        started = time.perf_counter()
        store = self._store(complaint, answers, False, None, None)[1]
        walked: list[Step] = []
        try:
            diagnosis = settle(
                store, lambda: finish(runtime, store, None, False, started, script, walked))
            if not walked:
                return Walked(diagnosis, (), ())
            *passed, end = walked
            path = [step.id for step in passed]
            if passed and end.id:
                path.append(end.id)
            peek = dict.get  # the store's own entries only, as the trace reads them
            reads = []
            for step in passed:
                for name, source in step.reads:
                    if name in facts:
                        value = peek(store, name, _MISSING)
                        if value is _MISSING:
                            continue
                        reads.append(FactRead(name, None, source, False) if value is UNKNOWN
                                     else FactRead(name, value, source, True))
            return Walked(diagnosis, tuple(path), tuple(reads))
        finally:
            store.release()

    async def adiagnose(self, complaint: Complaint | Mapping[str, Any], *,
                        answers: Mapping[str, Any] | None = None, locale: str | None = None,
                        trace: bool = True, sources: Iterable[AnySource] | None = None,
                        script: bool = True) -> Diagnosis:
        """`diagnose`, awaited: the same diagnosis, without blocking the event loop."""
        started = time.perf_counter()
        parsed, store = self._store(complaint, answers, trace, sources,
                                    asyncio.get_running_loop())
        try:
            diagnosis = await settle_async(
                store, lambda: finish(self._runtime, store, locale, trace, started, script))
            return self._logged_diagnosis(diagnosis, parsed, answers, store)
        finally:
            store.release()

    def session(self, complaint: Complaint | Mapping[str, Any], *,
                answers: Mapping[str, Any] | None = None, locale: str | None = None) -> Session:
        """An interactive diagnosis that pauses at each question to the customer."""
        return self._logged(Session(self._runtime, complaint, answers, locale), "start")

    async def asession(self, complaint: Complaint | Mapping[str, Any], *,
                       answers: Mapping[str, Any] | None = None, locale: str | None = None,
                       ) -> Session:
        """`session`, awaited: the session walked to its first question without blocking
        the event loop (then use its async steps, `Session.aanswer`…)."""
        session = Session(self._runtime, complaint, answers, locale,
                          loop=asyncio.get_running_loop())
        await session.astart()
        return self._logged(session, "start")

    def resume(self, state: Mapping[str, Any]) -> Session:
        """Rebuild a session from `Session.state()`; a malformed state raises
        `SessionStateError` naming the field (``state.version``, ``state.answers.<id>``…)."""
        return self._logged(Session.from_state(self._runtime, state), "resume")

    async def aresume(self, state: Mapping[str, Any]) -> Session:
        """`resume`, awaited (the same checks of `state`)."""
        session = Session.from_state(self._runtime, state, loop=asyncio.get_running_loop())
        await session.astart()
        return self._logged(session, "resume")

    def _logged(self, session: Session, op: str) -> Session:
        """`session`, which records its steps in the engine's decision log (if any)."""
        if self._decision_log is not None:
            session._decision_log = self._decision_log
            self._decision_log.record_step(session, op)
        return session
