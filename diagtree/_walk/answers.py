"""The one check of the customer's answers, wherever they enter: `Engine.diagnose(answers=)`,
`Engine.session`, `Session.answer`, `Engine.resume`, scenario files and the CLI's `--answer`.

An answer is checked against the question it answers — a standard question (`_taxonomy`) or one
a knowledge file declares — by the question's type and options, and never coerced: the text
``"false"`` is not an answer to a yes/no question (the CLI, which only has text, converts
``true``/``false``/``yes``/``no`` explicitly with `parse_answer`). A wrong answer raises
`ComplaintError` naming ``answers.<question id>`` and what was expected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from diagtree._check.model import AskNode, Document
from diagtree._errors import ComplaintError, did_you_mean
from diagtree._vocab.taxonomy import STANDARD_QUESTIONS, Question

__all__ = ["UsedAnswers", "check_answer", "check_answers", "expected", "known_questions",
           "parse_answer", "valid_answers"]

_SHOWN = 60  # characters of a rejected value shown in a message
_BOOL_WORDS = {"true": True, "false": False, "yes": True, "no": False}


def known_questions(documents: Iterable[Document]) -> dict[str, Question]:
    """Every question an engine can ask: the standard ones and those its files declare or ask
    (older versions first, so the latest declaration wins)."""
    out: dict[str, Question] = dict(STANDARD_QUESTIONS)
    for doc in documents:
        for q in doc.questions:
            out[q.id] = q
        for node in doc.nodes.values():
            if isinstance(node, AskNode):
                out.setdefault(node.question.id, node.question)
    return out


def expected(question: Question) -> str:
    """What an answer to `question` must be, for a message."""
    if question.type == "bool":
        return "true or false"
    return "one of " + ", ".join(question.options)


def _shown(value: object) -> str:
    try:
        text = repr(value)
    except Exception:  # a value whose repr fails is still named by its type
        text = f"a {type(value).__name__}"
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def check_answer(qid: object, value: object, questions: Mapping[str, Question],
                 field: str = "answers") -> Question:
    """Check one answer; return its question. Raises `ComplaintError` naming `field.<qid>`."""
    if not isinstance(qid, str):
        raise ComplaintError(field, f"question ids are text, got {_shown(qid)}")
    question = questions.get(qid)
    if question is None:
        hint = did_you_mean(qid, questions)
        raise ComplaintError(f"{field}.{qid}", "no such question"
                             + (f"; {hint}" if hint else
                                " (known: " + ", ".join(sorted(questions)) + ")"))
    if not question.accepts(value):
        raise ComplaintError(f"{field}.{qid}",
                             f"expected {expected(question)}, got {_shown(value)}")
    return question


def valid_answers(questions: Mapping[str, Question]) -> frozenset[tuple[str, object, type]]:
    """Every valid answer as (question id, answer, the answer's type): a whole mapping of
    answers is then checked by one set look-up per answer. The type is part of the key, so
    that 1 or 0 never pass for True or False (they are equal and hash alike)."""
    return frozenset(
        (qid, value, type(value)) for qid, q in questions.items()
        for value in ((True, False) if q.type == "bool" else q.options))


def check_answers(answers: object, questions: Mapping[str, Question],
                  field: str = "answers",
                  valid: frozenset[tuple[str, object, type]] | None = None,
                  ) -> dict[str, bool | str]:
    """Check a mapping of answers (question id → answer); return it as a plain dict. With
    `valid` (`valid_answers(questions)`), an answer found there needs no further check."""
    if not isinstance(answers, Mapping):
        raise ComplaintError(field, "expected a mapping of question ids to answers, got "
                             f"{type(answers).__name__}")
    out: dict[str, bool | str] = {}
    for qid, value in answers.items():
        try:
            known = valid is not None and (qid, value, type(value)) in valid
        except TypeError:  # an unhashable id or answer: the full check names it
            known = False
        if not known:
            check_answer(qid, value, questions, field)
        out[qid] = value
    return out


def parse_answer(qid: str, text: str, questions: Mapping[str, Question],
                 field: str = "answers") -> bool | str:
    """An answer written as text (the CLI's ``QID=VALUE``), converted by its question's type:
    ``true``/``false``/``yes``/``no`` (any case) for a yes/no question, an option as written
    for a choice. Anything else raises `ComplaintError`, like `check_answer`."""
    qid = qid.strip()
    if qid not in questions:
        check_answer(qid, None, questions, field)  # raises: no such question
    question = questions[qid]
    value: bool | str = text.strip()
    if question.type == "bool":
        word = text.strip().lower()
        if word not in _BOOL_WORDS:
            raise ComplaintError(f"{field}.{qid}", "expected true or false (or yes/no), "
                                 f"got {_shown(text)}")
        value = _BOOL_WORDS[word]
    check_answer(qid, value, questions, field)
    return value


class UsedAnswers(dict[str, Any]):
    """A walk's answers that remember which questions the walk looked up (`used`, in order):
    the answers a diagnosis reports are those, not every answer given."""

    __slots__ = ("used",)

    def __init__(self, answers: Mapping[str, Any]) -> None:
        super().__init__(answers)
        self.used: dict[str, None] = {}

    def __contains__(self, qid: object) -> bool:
        self.used[qid] = None  # type: ignore[index]
        return dict.__contains__(self, qid)

    def in_use(self) -> dict[str, Any]:
        """The answers the walk looked up (given or defaulted), in the order it did."""
        return {qid: self[qid] for qid in self.used if dict.__contains__(self, qid)}
