"""One row of a complaints frame → the complaint mapping `parse_complaint` reads, and the
customer's answers `Engine.diagnose(answers=...)` takes.

A row is a mapping of column → cell: the contract's dotted columns (``location.lat``), or — from
JSON lines — nested objects (``location: {lat, lon}``). An empty or NA cell is an absent field.
Cells typed by the file (Parquet, pandas) are taken as they are, numpy scalars as Python
values; text cells of number columns (CSV) must read as a number; ``history`` is the JSON text
of the list (or the list itself). Anything wrong raises `ComplaintError` naming the column;
everything else is `parse_complaint`'s to check — a batch row is judged exactly like a complaint
given to `Engine.diagnose`.

Answers: a column ``answer.<question id>`` per question (the facts frame's naming,
docs/vector.md), and/or an ``answers`` cell holding an object of question id → answer (its JSON
text in a CSV). An empty or NA cell is no answer; a question given twice in one row (a column
and the object) is an error. A text cell is converted by the question's type as the CLI's
``--answer`` reads it (`parse_answer`: ``true``/``false``/``yes``/``no`` in any case for a yes/no
question, an option as written for a choice); a typed cell (a Parquet or JSON boolean) is taken
as it is. Either way the answer is then checked like `Engine.diagnose`'s (`check_answer`):
``1`` is not true, ``"maybe"`` is no answer — the error names ``answer.<question id>``.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from collections.abc import Mapping
from typing import Any, Final, NamedTuple

from diagtree import ComplaintError
from diagtree._vocab.taxonomy import Question
from diagtree._walk.answers import check_answer, parse_answer

__all__ = ["ANSWER", "ANSWERS", "PARENTS", "RowComplaint", "answers_of", "complaint_of",
           "is_absent"]

#: the objects a dotted column names a field of
PARENTS: Final = frozenset({"location", "subject", "incident"})
#: ``answer.<question id>``: the prefix of an answer column (as in a facts frame)
ANSWER: Final = "answer"
#: the column (or JSON key) of an object of answers
ANSWERS: Final = "answers"
#: the columns whose cells are numbers (in a CSV, their text must read as one)
_DECIMALS: Final = frozenset({"location.lat", "location.lon"})
_COUNTS: Final = frozenset({"incident.distinct_customers_24h"})
#: the columns whose cells are taken as they are (`parse_complaint` checks them)
_TOP: Final = frozenset({"id", "type", "msisdn", "channel", "text", "reported_at",
                         "agent_role"})
_DECIMAL: Final = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
#: a whole number, also as pandas writes an integer column that has NAs (``56.0``)
_INTEGER: Final = re.compile(r"\+?[0-9]+(?:\.0*)?")


def is_absent(value: Any) -> bool:
    """An empty or NA cell: None, pandas' NA and NaT, NaN, the empty text."""
    if value is None or (isinstance(value, str) and value == ""):
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    kind = type(value).__name__
    return kind in {"NAType", "NaTType"}


def _plain(value: Any) -> Any:
    """A numpy scalar, array or pandas timestamp as the Python value it holds."""
    module = type(value).__module__
    if module.startswith("numpy"):
        return value.tolist() if hasattr(value, "tolist") else value
    if module.startswith("pandas") and hasattr(value, "to_pydatetime"):
        stamp: _dt.datetime = value.to_pydatetime()
        return stamp
    return value


def _number(column: str, value: Any) -> Any:
    if column not in _DECIMALS and column not in _COUNTS:
        return value
    if not isinstance(value, str):
        if column in _COUNTS and isinstance(value, float) and value.is_integer():
            return int(value)  # an integer column with NAs reads back as floats
        return value
    text = value.strip()
    if column in _COUNTS:
        if not _INTEGER.fullmatch(text):
            raise ComplaintError(column, f"{value[:30]!r} is not a whole number")
        return int(text.partition(".")[0])
    if not _DECIMAL.fullmatch(text):
        raise ComplaintError(column, f"{value[:30]!r} is not a number")
    return float(text)


def _json(column: str, text: str, what: str) -> Any:
    """The value of a cell's JSON text (`what` it should hold, for the message)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ComplaintError(column, f"not valid JSON text of {what}: {exc.msg} at "
                             f"character {exc.pos}") from None
    except RecursionError:
        raise ComplaintError(column, "the JSON nests too deeply to read") from None


def _history(value: Any) -> Any:
    return _json("history", value, "a list") if isinstance(value, str) else value


class RowComplaint(NamedTuple):
    """A row read: the complaint mapping, and the answer cells (question id → the cell as
    read, absent ones left out) for `answers_of` to convert."""

    complaint: dict[str, Any]
    answers: dict[str, Any]


def answers_of(cells: Mapping[str, Any], questions: Mapping[str, Question],
               ) -> dict[str, bool | str]:
    """A row's answer cells as the answers `Engine.diagnose` takes, checked against
    `questions` (the engine's): a text cell converted by its question's type
    (`parse_answer`), a typed cell taken as it is; `ComplaintError` names
    ``answer.<question id>``."""
    out: dict[str, bool | str] = {}
    for qid, value in cells.items():
        if isinstance(value, str):
            out[qid] = parse_answer(qid, value, questions, ANSWER)
        else:
            check_answer(qid, value, questions, ANSWER)
            out[qid] = value
    return out


def _answers(value: Any, given: dict[str, Any]) -> None:
    """The object of an ``answers`` cell (or its JSON text) added to `given`."""
    if isinstance(value, str):
        value = _json(ANSWERS, value, "an object")
    if not isinstance(value, Mapping):
        raise ComplaintError(ANSWERS, "expected an object of question ids to answers, got "
                             f"{type(value).__name__}")
    for qid, cell in value.items():
        if is_absent(cell):
            continue
        name = qid if isinstance(qid, str) else str(qid)
        if name in given:
            raise ComplaintError(f"{ANSWER}.{name}", "given twice (as a column and in "
                                 f"{ANSWERS})")
        given[name] = _plain(cell)


def complaint_of(row: Mapping[Any, Any]) -> RowComplaint:
    """The complaint mapping of one row (absent cells left out) and its answer cells;
    `ComplaintError` names the column of a cell that cannot be read, or an unknown column."""
    out: dict[str, Any] = {}
    answers: dict[str, Any] = {}
    nested_answers: Any = None
    for key, raw in row.items():
        if raw.__class__ is str:  # a CSV's cells: the common case, kept quick
            if not raw:
                continue
            value: Any = raw
        elif is_absent(raw):
            continue
        else:
            value = _plain(raw)
        column = key if key.__class__ is str else str(key)
        if column in _TOP:
            out[column] = value
            continue
        parent, dot, child = column.partition(".")
        if dot:
            if parent == ANSWER:
                answers[child] = value
                continue
            if parent not in PARENTS:
                raise ComplaintError(column, "unknown column", "complaint_unknown_field")
            nested = out.setdefault(parent, {})
            if not isinstance(nested, dict):
                raise ComplaintError(column, f"{parent} is given twice (as an object and as "
                                     "columns)")
            nested[child] = _number(column, value)
        elif column == "history":
            out[column] = _history(value)
        elif column == ANSWERS:
            nested_answers = value
        elif column in PARENTS and isinstance(value, Mapping):
            fields = {k: v for k, v in value.items() if not is_absent(v)}
            if column in out:
                raise ComplaintError(column, f"{column} is given twice (as an object and as "
                                     "columns)")
            out[column] = {str(k): _number(f"{column}.{k}", _plain(v)) for k, v in fields.items()}
        else:
            out[column] = value
    if nested_answers is not None:
        _answers(nested_answers, answers)
    return RowComplaint(out, answers)
