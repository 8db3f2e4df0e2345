"""Step-by-step diagnosis for agent tooling: the walk pauses at each question to the customer.

```python
session = engine.session(complaint)
while (q := session.question) is not None:
    session.answer(q.id, ask_the_customer(q.text_for("zh-CN"), q.type, q.options))
diagnosis = session.diagnosis()
```

A session fetches each source at most once, however many questions it asks. An agent can
correct it: `answer()` to a question answered earlier changes that answer, and `back()` takes
the last answer back; either walks again from the start (the walk is deterministic, and the
facts are already fetched) and keeps the answers the new walk still reaches or may still reach.
`pending` says why the waiting question is asked: its node and where each answer leads.

The same steps, awaited, for an async caller (`Engine.asession`, `Engine.aresume`): `aanswer`,
`aback` and `adiagnosis` never block the event loop on a source (`_walk.fetch.settle_async`).
A session's sources are asked once, when it starts; one session takes one step at a time.

Its `state()` is a versioned JSON document (`STATE_VERSION`, schema `Session.state_schema()`,
committed as ``schema/diagtree-session-state.schema.json``); `Engine.resume(state)` checks it
(`SessionStateError` naming the field) and rebuilds the session in another process.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

from diagtree._check.model import AskNode, OutcomeNode
from diagtree._check.structure import FlatTree
from diagtree._conclude.diagnosis import Diagnosis
from diagtree._errors import ComplaintError, SessionStateError, did_you_mean
from diagtree._vocab.complaint import Complaint, parse_complaint
from diagtree._vocab.taxonomy import LOCALES, Question
from diagtree._walk.answers import UsedAnswers, check_answer
from diagtree._walk.fetch import settle, settle_async
from diagtree._walk.walk import Runtime, finish, new_store, walk_records

if TYPE_CHECKING:
    from diagtree._compile.steps import Step

__all__ = ["STATE_KEYS", "STATE_VERSION", "DecisionSink", "Pending", "Session"]

#: the version of `Session.state()` this diagtree writes and reads
STATE_VERSION: Final = 1
STATE_KEYS: Final = ("version", "complaint", "answers", "locale")
_MISSING: Any = object()


@dataclass(frozen=True)
class Pending:
    """Why the question a session waits for is asked: the `ask` node (`node`, `at` =
    file:line:col, in tree `tree`), the nodes walked to reach it (`path`), and where each
    answer leads (`branches`: answer, next node, and the cause when that node concludes).
    `to_dict()` is plain JSON."""

    question: Question
    tree: str
    node: str
    at: str
    branches: tuple[tuple[str, str, str | None], ...]
    path: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        q = self.question
        return {
            "question": {"id": q.id, "type": q.type, "options": list(q.options),
                         "default": q.default, "text": dict(q.text)},
            "tree": self.tree, "node": self.node, "at": self.at, "path": list(self.path),
            "branches": [{"answer": answer, "next": nxt, "cause": cause}
                         for answer, nxt, cause in self.branches],
        }


class DecisionSink(Protocol):
    """Where an engine and its sessions record decisions (`_decisions.log.DecisionLog`)."""

    def record_diagnosis(self, diagnosis: Diagnosis, complaint: Complaint, *,
                         answers: Mapping[str, Any] | None = ...,
                         facts: Mapping[Any, Any] | None = ..., session: Session | None = ...,
                         ) -> str | None: ...

    def record_step(self, session: Session, op: str, *, question: str | None = ...,
                    value: bool | str | None = ..., step_ms: float | None = ...,
                    ) -> str | None: ...


class Session:
    """An interactive diagnosis of one complaint."""

    #: the version of `state()` (see `state_schema()`)
    STATE_VERSION: Final = STATE_VERSION
    #: the decision log of the engine that made it (None: not logged)
    _decision_log: DecisionSink | None = None

    def __init__(self, runtime: Runtime, complaint: Complaint | Mapping[str, Any],
                 answers: Mapping[str, Any] | None = None, locale: str | None = None, *,
                 loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._started = time.perf_counter()
        self._runtime = runtime
        if locale is not None and locale not in LOCALES:
            raise ComplaintError("locale", f"expected one of {', '.join(LOCALES)} (or none), "
                                 f"got {locale!r}"[:120])
        self.raw = dict(complaint) if isinstance(complaint, Mapping) else None
        self.complaint = complaint if isinstance(complaint, Complaint) \
            else parse_complaint(complaint, default_region=runtime.default_region)
        self.locale = locale
        self._store = new_store(runtime, self.complaint, {} if answers is None else answers,
                                interactive=True, loop=loop)
        self._answers = self._store.answers = UsedAnswers(self._store.answers)
        self._question: Question | None = None
        self._pending: Pending | None = None
        self._path: tuple[str, ...] = ()  # the questions answered on the way, in walk order
        if loop is None:  # (an async session walks in `astart`)
            settle(self._store, self._advance)

    async def astart(self) -> None:
        """Walk to the first question without blocking the event loop (`Engine.asession`)."""
        await settle_async(self._store, self._advance)

    @classmethod
    def from_state(cls, runtime: Runtime, state: object, *,
                   loop: asyncio.AbstractEventLoop | None = None) -> Session:
        """The session `state` (from `state()`) describes; `SessionStateError` when it is
        malformed (naming the field)."""
        if not isinstance(state, Mapping):
            raise SessionStateError("state", "expected a JSON object from Session.state(), "
                                    f"got {type(state).__name__}")
        for key in state:
            if key not in STATE_KEYS:
                hint = did_you_mean(key, STATE_KEYS) if isinstance(key, str) else None
                raise SessionStateError("state", f"unknown key {str(key)[:40]!r}; "
                                        + (hint or "allowed: " + ", ".join(STATE_KEYS)))
        version = state.get("version", _MISSING)
        if version is _MISSING:
            raise SessionStateError("state.version", f"is required ({STATE_VERSION})")
        if type(version) is not int or version != STATE_VERSION:
            raise SessionStateError("state.version", f"this diagtree reads version "
                                    f"{STATE_VERSION}, got {str(version)[:40]!r}")
        complaint = state.get("complaint")
        if not isinstance(complaint, Mapping):
            raise SessionStateError("state.complaint", "expected the complaint (a JSON "
                                    f"object), got {type(complaint).__name__}")
        answers = state.get("answers")
        locale = state.get("locale")
        if locale is not None and locale not in LOCALES:
            raise SessionStateError("state.locale", f"expected one of {', '.join(LOCALES)} "
                                    f"or null, got {str(locale)[:40]!r}")
        try:
            parsed = parse_complaint(complaint, default_region=runtime.default_region)
        except ComplaintError as exc:
            raise SessionStateError(f"state.complaint.{exc.field}", exc.reason) from None
        try:
            session = cls(runtime, parsed, {} if answers is None else answers, locale,
                          loop=loop)
        except ComplaintError as exc:
            raise SessionStateError(f"state.{exc.field}", exc.reason) from None
        session.raw = dict(complaint)
        return session

    # -- where the walk is -------------------------------------------------------------------
    @property
    def question(self) -> Question | None:
        """The question the walk is waiting for, or None when it can conclude."""
        return self._question

    @property
    def pending(self) -> Pending | None:
        """Why the waiting question is asked (its node, and where each answer leads)."""
        return self._pending

    @property
    def answers(self) -> dict[str, Any]:
        """The answers that apply: those the walk used on its way, then those it may still
        reach from the question it waits for (in the order the walk met them)."""
        return dict(self._answers)

    # -- answering and correcting -----------------------------------------------------------
    def answer(self, question_id: str, value: bool | str) -> Question | None:
        """Record an answer and walk on; returns the next question, if any.

        `question_id` is the question being asked or one answered before: then the answer is
        changed and the walk starts again, keeping the answers it still reaches. An answer of
        the wrong type, or to another question, raises `ComplaintError` and changes nothing."""
        started = time.perf_counter()
        qid = self._record(question_id, value)
        settle(self._store, self._advance)
        self._logged("answer", qid, value, started)
        return self._question

    async def aanswer(self, question_id: str, value: bool | str) -> Question | None:
        """`answer`, awaited: the same checks and the same next question."""
        started = time.perf_counter()
        qid = self._record(question_id, value)
        await settle_async(self._store, self._advance)
        self._logged("answer", qid, value, started)
        return self._question

    def _record(self, question_id: str, value: bool | str) -> str:
        question = check_answer(question_id, value, self._runtime.questions)
        waiting = self._question
        if (waiting is None or question.id != waiting.id) and question.id not in self._answers:
            wanted = waiting.id if waiting else "none"
            raise ComplaintError(f"answers.{question.id}", f"not the question being asked "
                                 f"(expected {wanted}) nor one answered before")
        self._answers[question.id] = value
        return question.id

    def back(self) -> Question:
        """Take back the last answer the walk used: the walk returns to that question, which
        is returned. Raises `ComplaintError` when no answer was used yet."""
        started = time.perf_counter()
        taken = self._take_back()
        settle(self._store, self._advance)
        self._logged("back", taken, None, started)
        assert self._question is not None
        return self._question

    async def aback(self) -> Question:
        """`back`, awaited."""
        started = time.perf_counter()
        taken = self._take_back()
        await settle_async(self._store, self._advance)
        self._logged("back", taken, None, started)
        assert self._question is not None
        return self._question

    def _take_back(self) -> str:
        if not self._path:
            raise ComplaintError("answers", "no answer to take back")
        taken = self._path[-1]
        del self._answers[taken]
        return taken

    def _logged(self, op: str, question: str, value: bool | str | None,
                started: float) -> None:
        """Record a step in the decision log of the engine that made the session (if any)."""
        if self._decision_log is not None:
            self._decision_log.record_step(self, op, question=question, value=value,
                                           step_ms=(time.perf_counter() - started) * 1000)

    def _advance(self) -> None:
        store = self._store
        answers = self._answers
        tree = store.tree
        if tree is None:
            self._question, self._pending, self._path = None, None, ()
            answers.clear()
            return
        answers.used.clear()
        end, visited = walk_records(store, trace=True)
        self._path = tuple(q for q in answers.used if dict.__contains__(answers, q))
        keep = set(self._path)
        if end.kind == "pending" and end.question is not None:
            self._question = end.question
            self._pending = _pending(tree.flat, end, visited)
            keep |= _questions_from(tree.flat, end.id)
        else:
            self._question, self._pending = None, None
        # those used, in walk order, then those still reachable; no walk from here can use
        # the others
        kept = {q: answers[q] for q in self._path}
        kept.update((q, v) for q, v in answers.items() if q in keep and q not in kept)
        answers.clear()
        answers.update(kept)

    # -- concluding and suspending ----------------------------------------------------------
    def diagnosis(self, *, script: bool = True) -> Diagnosis:
        """The diagnosis; unanswered questions (if any are left) take their defaults. The
        session stays as it was (it can still be corrected). `script=False` leaves the
        customer's script unrendered (`Diagnosis.script` is "")."""
        return self._logged_diagnosis(settle(self._store, lambda: self._conclude(script)))

    async def adiagnosis(self, *, script: bool = True) -> Diagnosis:
        """`diagnosis`, awaited."""
        return self._logged_diagnosis(
            await settle_async(self._store, lambda: self._conclude(script)))

    def _logged_diagnosis(self, diagnosis: Diagnosis) -> Diagnosis:
        if self._decision_log is not None:
            self._decision_log.record_diagnosis(diagnosis, self.complaint, answers=self.answers,
                                                facts=self._store, session=self)
        return diagnosis

    def _conclude(self, script: bool = True) -> Diagnosis:
        store = self._store
        store.interactive = False
        self._answers.used.clear()
        try:
            return finish(self._runtime, store, self.locale, True, self._started, script)
        finally:
            store.interactive = True
            for qid in store.defaulted:
                self._answers.pop(qid, None)
            store.defaulted.clear()

    def state(self) -> dict[str, Any]:
        """JSON-ready state to resume this session elsewhere (`Engine.resume`)."""
        complaint = self.raw if self.raw is not None else self.complaint.to_dict()
        return {"version": STATE_VERSION, "complaint": complaint, "answers": self.answers,
                "locale": self.locale}

    @staticmethod
    def state_schema() -> dict[str, Any]:
        """The JSON Schema of `state()` (draft 2020-12)."""
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "diagtree session state",
            "description": "What Session.state() writes and Engine.resume(state) reads: a "
                           "paused interactive diagnosis.",
            "type": "object",
            "properties": {
                "version": {"const": STATE_VERSION,
                            "description": "The state format's version."},
                "complaint": {"type": "object",
                              "description": "The complaint as the CRM sent it (the fields "
                                             "parse_complaint reads)."},
                "answers": {"type": "object",
                            "additionalProperties": {"type": ["boolean", "string"]},
                            "description": "The customer's answers that apply, by question "
                                           "id: true/false for a yes/no question, one of "
                                           "the options for a choice."},
                "locale": {"enum": [*LOCALES, None],
                           "description": "The language of the script (null: the "
                                          "engine's)."},
            },
            "required": ["version", "complaint"],
            "additionalProperties": False,
        }


def _label(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _pending(flat: FlatTree, end: Step, visited: list[Any]) -> Pending:
    node = flat.nodes.get(end.id)
    assert isinstance(node, AskNode) and end.question is not None
    branches = []
    for value, edge in node.cases:
        nxt = flat.resolve(edge.target)
        after = flat.nodes.get(nxt)
        branches.append((_label(value), nxt,
                         after.cause if isinstance(after, OutcomeNode) else None))
    return Pending(end.question, flat.id, end.id, end.at, tuple(branches),
                   tuple(step.id for step in visited[:-1]))


def _questions_from(flat: FlatTree, start: str) -> set[str]:
    """The questions a walk from node `start` may still ask (itself included)."""
    seen = {start}
    todo = [start]
    out: set[str] = set()
    while todo:
        node = flat.nodes.get(todo.pop())
        if node is None:
            continue
        if isinstance(node, AskNode):
            out.add(node.question.id)
        for edge in node.edges():
            if edge.target not in seen:
                seen.add(edge.target)
                todo.append(edge.target)
    return out

