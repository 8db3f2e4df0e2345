"""The branch vocabulary: how a way out of a node is named, in one place.

A branch is a `kind` and, for some kinds, a `value`:

==========  ===================  ===========================================================
kind        value                label (the static key coverage and pictures count by)
==========  ===================  ===========================================================
yes, no     —                    ``yes``, ``no``
on_unknown  —                    ``on_unknown``
default     —                    ``default``
case        the case value       ``case arrears``, ``case true``, ``case null``
row         the row number       ``row 2`` (from 1)
answer      the answer value     ``answer true``, ``answer prepaid``
exit        the exit name        ``exit clear`` (a `use` node's ways out)
==========  ===================  ===========================================================

The trace (`TraceStep.branch`) writes the same labels, plus a few variants that say a little
more about how the walk got there; `normalize` maps each back to its static key:

- ``on_unknown (row N)``: a table stopped at row N, whose condition was unknown;
- ``default (null)``: a switch subject was null and there is no ``null`` case;
- ``default X``: an unanswered question took its default answer X (``answer X``);
- ``waiting for the answer``: an interactive walk paused at a question (no branch taken).

Values are shown as the trace writes them (`shown`): ``null``, ``true``/``false``, else the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "DEFAULT",
    "NO",
    "NULL_DEFAULT",
    "ON_UNKNOWN",
    "PENDING",
    "YES",
    "Branch",
    "answer",
    "case",
    "defaulted",
    "exit_",
    "normalize",
    "row",
    "shown",
    "unknown_at_row",
]

YES: Final = "yes"
NO: Final = "no"
ON_UNKNOWN: Final = "on_unknown"
DEFAULT: Final = "default"
#: the kinds that carry no value (the label is the kind)
_BARE: Final = frozenset((YES, NO, ON_UNKNOWN, DEFAULT))
#: the kinds that carry one (the label is ``kind value``)
_VALUED: Final = frozenset(("case", "row", "answer", "exit"))

#: trace-only labels (see the module docstring)
NULL_DEFAULT: Final = "default (null)"
PENDING: Final = "waiting for the answer"


def shown(value: object) -> str:
    """A case or answer value as the trace writes it: null, true/false, else the text."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Branch:
    """One way out of a node: its kind and, for case/row/answer/exit, its value."""

    kind: str
    value: object = None

    def __post_init__(self) -> None:
        if self.kind not in _BARE and self.kind not in _VALUED:
            raise ValueError(f"no branch kind {self.kind!r}")

    def label(self) -> str:
        """The static key: ``yes``, ``case null``, ``row 2``, ``answer true``, ``exit clear``."""
        return self.kind if self.kind in _BARE else f"{self.kind} {shown(self.value)}"

    @classmethod
    def parse(cls, label: str) -> Branch:
        """The branch a label stands for; the trace's variants are accepted (`normalize`).
        A case or answer value comes back as its text; a row number as an int."""
        key = normalize(label)
        if key in _BARE:
            return cls(key)
        kind, _, value = key.partition(" ")
        if kind not in _VALUED or not value:
            raise ValueError(f"not a branch label: {label!r}")
        if kind == "row":
            if not value.isdigit():
                raise ValueError(f"not a branch label: {label!r}")
            return cls(kind, int(value))
        return cls(kind, value)


def case(value: object) -> str:
    return f"case {shown(value)}"


def row(number: int) -> str:
    return f"row {number}"


def answer(value: object) -> str:
    return f"answer {shown(value)}"


def exit_(name: str) -> str:
    return f"exit {name}"


def unknown_at_row(number: int) -> str:
    """The trace's label for a table stopped at an unknown row."""
    return f"{ON_UNKNOWN} (row {number})"


def defaulted(value: object) -> str:
    """The trace's label for an unanswered question that took its default."""
    return f"{DEFAULT} {shown(value)}"


def normalize(label: str) -> str:
    """The static key a trace label stands for (``on_unknown (row 2)`` → ``on_unknown``,
    ``default (null)`` → ``default``, ``default true`` (a question's default) → ``answer true``);
    a static key is itself."""
    if label == ON_UNKNOWN or label.startswith(ON_UNKNOWN + " ("):
        return ON_UNKNOWN
    if label == NULL_DEFAULT:
        return DEFAULT
    if label.startswith(DEFAULT + " "):
        return "answer " + label[len(DEFAULT) + 1:]
    return label
