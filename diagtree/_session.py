"""Step-by-step diagnosis for agent tooling: the walk pauses at each question to the customer.

```python
session = engine.session(complaint)
while (q := session.question) is not None:
    session.answer(q.id, ask_the_customer(q.text_for("zh-CN"), q.type, q.options))
diagnosis = session.diagnosis()
```

A session fetches each source at most once, however many questions it asks. Its `state()` is
plain JSON (the complaint and the answers so far); `Engine.resume(state)` rebuilds it in another
process — the walk is deterministic, so replaying the answers lands on the same question.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._complaint import Complaint, parse_complaint
from ._diagnosis import Diagnosis
from ._errors import ComplaintError
from ._taxonomy import Question

if TYPE_CHECKING:
    from ._engine import Engine

__all__ = ["Session"]


class Session:
    """An interactive diagnosis of one complaint."""

    def __init__(self, engine: Engine, complaint: Complaint | Mapping[str, Any],
                 answers: Mapping[str, Any] | None = None, locale: str | None = None) -> None:
        self._started = time.perf_counter()
        self.engine = engine
        self.raw = dict(complaint) if isinstance(complaint, Mapping) else None
        self.complaint = complaint if isinstance(complaint, Complaint) \
            else parse_complaint(complaint)
        self.locale = locale
        self._store = engine.new_store(self.complaint, dict(answers or {}), interactive=True)
        self._question: Question | None = None
        self._advance()

    @property
    def question(self) -> Question | None:
        """The question the walk is waiting for, or None when it can conclude."""
        return self._question

    @property
    def answers(self) -> dict[str, Any]:
        return dict(self._store.answers)

    def answer(self, question_id: str, value: bool | str) -> Question | None:
        """Record an answer and walk on; returns the next question, if any."""
        if self._question is None or question_id != self._question.id:
            expected = self._question.id if self._question else "none"
            raise ComplaintError(f"answers.{question_id}",
                                 f"not the question being asked (expected {expected})")
        if not self._question.accepts(value):
            wanted = "true or false" if self._question.type == "bool" \
                else "one of " + ", ".join(self._question.options)
            raise ComplaintError(f"answers.{question_id}", f"expected {wanted}, got {value!r}")
        self._store.answers[question_id] = value
        self._advance()
        return self._question

    def _advance(self) -> None:
        if self._store.tree is None:
            self._question = None
            return
        end, _ = self.engine.walk(self._store, trace=False)
        self._question = end.question if end.kind == "pending" else None

    def diagnosis(self) -> Diagnosis:
        """The diagnosis; unanswered questions (if any are left) take their defaults."""
        self._store.interactive = False
        return self.engine.finish(self._store, self.locale, True, self._started)

    def state(self) -> dict[str, Any]:
        """JSON-ready state to resume this session elsewhere."""
        complaint = self.raw if self.raw is not None else _complaint_dict(self.complaint)
        return {"complaint": complaint, "answers": self.answers, "locale": self.locale}


def _complaint_dict(c: Complaint) -> dict[str, Any]:
    data: dict[str, Any] = {"id": c.id, "type": c.type, "msisdn": c.msisdn,
                            "reported_at": c.reported_at.isoformat(), "channel": c.channel,
                            "text": c.text, "agent_role": c.agent_role,
                            "incident": {"distinct_customers_24h":
                                         c.incident_distinct_customers_24h}}
    if c.location is not None:
        data["location"] = {"lat": c.location.lat, "lon": c.location.lon}
    subject = {k: getattr(c.subject, k) for k in ("charge_id", "sp_code", "payment_id",
                                                  "card_serial", "number")}
    if any(subject.values()):
        data["subject"] = subject
    if c.history:
        data["history"] = [{"id": h.id, "at": h.at and h.at.isoformat(), "type": h.type,
                            "cause": h.cause} for h in c.history]
    return data
