"""The loaded (checked, not yet compiled) form of trees and sub-trees.

Every node keeps the `Location` it was written at, so that structural checks, the trace and the
linter can point back at the author's file. Expressions are already parsed, type-checked and
compiled (see `_expr`); the walker closures are built later by `_compile`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from diagtree._errors import Location
from diagtree._expr import Expression
from diagtree._taxonomy import Question

__all__ = [
    "AskNode",
    "CheckNode",
    "Document",
    "ExitNode",
    "Node",
    "OutcomeNode",
    "SwitchNode",
    "TableNode",
    "TableRow",
    "UseNode",
]


@dataclass(frozen=True)
class Edge:
    """One way out of a node: a label (``yes``, ``case arrears``, ``row 2``…) and a target."""

    label: str
    target: str
    location: Location


@dataclass(frozen=True)
class _Base:
    id: str
    location: Location
    on_unknown: Edge | None

    kind = "node"

    def edges(self) -> Iterator[Edge]:
        if self.on_unknown is not None:
            yield self.on_unknown

    def expressions(self) -> Iterator[Expression]:
        yield from ()


@dataclass(frozen=True)
class CheckNode(_Base):
    condition: Expression
    yes: Edge
    no: Edge

    kind = "check"

    def edges(self) -> Iterator[Edge]:
        yield self.yes
        yield self.no
        yield from super().edges()

    def expressions(self) -> Iterator[Expression]:
        yield self.condition


@dataclass(frozen=True)
class SwitchNode(_Base):
    subject: Expression
    cases: tuple[tuple[object, Edge], ...]  # (typed case value, edge); value None = null case
    default: Edge | None

    kind = "switch"

    def edges(self) -> Iterator[Edge]:
        for _, edge in self.cases:
            yield edge
        if self.default is not None:
            yield self.default
        yield from super().edges()

    def expressions(self) -> Iterator[Expression]:
        yield self.subject


@dataclass(frozen=True)
class TableRow:
    condition: Expression
    then: Edge
    location: Location


@dataclass(frozen=True)
class TableNode(_Base):
    rows: tuple[TableRow, ...]
    default: Edge

    kind = "table"

    def edges(self) -> Iterator[Edge]:
        for row in self.rows:
            yield row.then
        yield self.default
        yield from super().edges()

    def expressions(self) -> Iterator[Expression]:
        for row in self.rows:
            yield row.condition


@dataclass(frozen=True)
class AskNode(_Base):
    question: Question
    question_location: Location
    cases: tuple[tuple[object, Edge], ...]  # bool questions: (True, yes), (False, no)

    kind = "ask"

    def edges(self) -> Iterator[Edge]:
        for _, edge in self.cases:
            yield edge
        yield from super().edges()


@dataclass(frozen=True)
class UseNode(_Base):
    subtree: str
    subtree_location: Location
    exits: tuple[tuple[str, Edge], ...]

    kind = "use"

    def edges(self) -> Iterator[Edge]:
        for _, edge in self.exits:
            yield edge
        yield from super().edges()


@dataclass(frozen=True)
class OutcomeNode(_Base):
    cause: str
    cause_location: Location
    values: tuple[tuple[str, Expression], ...] = ()

    kind = "outcome"

    def expressions(self) -> Iterator[Expression]:
        for _, expr in self.values:
            yield expr


@dataclass(frozen=True)
class ExitNode(_Base):
    exit: str

    kind = "exit"


Node = CheckNode | SwitchNode | TableNode | AskNode | UseNode | OutcomeNode | ExitNode


@dataclass(frozen=True)
class Document:
    """One tree or sub-tree file, loaded and checked."""

    kind: str  # "tree" | "subtree"
    id: str
    version: str
    file: str
    location: Location
    title: tuple[tuple[str, str], ...]
    symptoms: tuple[str, ...]
    owner: str | None
    start: Edge
    nodes: dict[str, Node] = field(hash=False)
    exits: tuple[str, ...] = ()
    questions: tuple[Question, ...] = ()
    changelog: tuple[tuple[str, str], ...] = ()
    sha256: str = ""
    broken: frozenset[str] = frozenset()  # nodes written in the file that failed to load
    effective_from: _dt.date | None = None  # the calendar date this version is in force from


    def title_for(self, locale: str) -> str:
        table = dict(self.title)
        return table.get(locale) or table.get("en") or self.id
