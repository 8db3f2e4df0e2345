"""The loaded (checked, not yet compiled) form of trees and sub-trees.

Every node keeps the `Location` it was written at, so that structural checks, the trace and the
linter can point back at the author's file. Expressions are already parsed, type-checked and
compiled (see `_expr`); the walker closures are built later by `_compile.steps`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Self

from diagtree._check.branches import Branch
from diagtree._errors import Location
from diagtree._expr import Expression
from diagtree._vocab.taxonomy import Question

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
    "Way",
]


@dataclass(frozen=True)
class Edge:
    """One way out of a node: a label (``yes``, ``case arrears``, ``row 2``…) and a target."""

    label: str
    target: str
    location: Location


class Way(NamedTuple):
    """A way out written in the file: its branch, its edge, and where it is written (a table
    row's location for a row, else the edge's)."""

    branch: Branch
    edge: Edge
    location: Location


EdgeMap = Callable[[Edge], Edge]


@dataclass(frozen=True)
class _Base:
    """What every node kind has. A node kind says, next to its fields, its ways out
    (`branches`; `edges` follows from them), how to re-route them (`remap`), the expressions it
    evaluates and a one-line description."""

    id: str
    location: Location
    on_unknown: Edge | None

    kind = "node"

    def branches(self) -> Iterator[Way]:
        """Every way out written in the file, in file order; ``on_unknown`` last."""
        if self.on_unknown is not None:
            yield Way(Branch("on_unknown"), self.on_unknown, self.on_unknown.location)

    def edges(self) -> Iterator[Edge]:
        for way in self.branches():
            yield way.edge

    def expressions(self) -> Iterator[Expression]:
        yield from ()

    def remap(self, f: EdgeMap) -> Self:
        """The same node with every outgoing edge passed through `f`."""
        changes = self._remapped(f)
        changes["on_unknown"] = f(self.on_unknown) if self.on_unknown is not None else None
        return dataclasses.replace(self, **changes)

    def _remapped(self, f: EdgeMap) -> dict[str, Any]:
        """The fields holding edges other than on_unknown, each passed through `f`."""
        return {}

    def describe(self) -> str:
        """One line saying what the node does (``check hlr.found``, ``outcome billing.x``)."""
        return self.kind


@dataclass(frozen=True)
class CheckNode(_Base):
    condition: Expression
    yes: Edge
    no: Edge

    kind = "check"

    def branches(self) -> Iterator[Way]:
        yield Way(Branch("yes"), self.yes, self.yes.location)
        yield Way(Branch("no"), self.no, self.no.location)
        yield from super().branches()

    def expressions(self) -> Iterator[Expression]:
        yield self.condition

    def _remapped(self, f: EdgeMap) -> dict[str, Any]:
        return {"yes": f(self.yes), "no": f(self.no)}

    def describe(self) -> str:
        return f"check {self.condition.text}"


@dataclass(frozen=True)
class SwitchNode(_Base):
    subject: Expression
    cases: tuple[tuple[object, Edge], ...]  # (typed case value, edge); value None = null case
    default: Edge | None

    kind = "switch"

    def branches(self) -> Iterator[Way]:
        for value, edge in self.cases:
            yield Way(Branch("case", value), edge, edge.location)
        if self.default is not None:
            yield Way(Branch("default"), self.default, self.default.location)
        yield from super().branches()

    def expressions(self) -> Iterator[Expression]:
        yield self.subject

    def _remapped(self, f: EdgeMap) -> dict[str, Any]:
        return {"cases": tuple((v, f(e)) for v, e in self.cases),
                "default": f(self.default) if self.default is not None else None}

    def describe(self) -> str:
        return f"switch on {self.subject.text}"


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

    def branches(self) -> Iterator[Way]:
        for i, row in enumerate(self.rows, 1):
            yield Way(Branch("row", i), row.then, row.location)
        yield Way(Branch("default"), self.default, self.default.location)
        yield from super().branches()

    def expressions(self) -> Iterator[Expression]:
        for row in self.rows:
            yield row.condition

    def _remapped(self, f: EdgeMap) -> dict[str, Any]:
        return {"rows": tuple(dataclasses.replace(r, then=f(r.then)) for r in self.rows),
                "default": f(self.default)}

    def describe(self) -> str:
        return f"table of {len(self.rows)} rows"


@dataclass(frozen=True)
class AskNode(_Base):
    question: Question
    question_location: Location
    cases: tuple[tuple[object, Edge], ...]  # bool questions: (True, yes), (False, no)

    kind = "ask"

    def branches(self) -> Iterator[Way]:
        for value, edge in self.cases:
            yield Way(Branch("answer", value), edge, edge.location)
        yield from super().branches()

    def _remapped(self, f: EdgeMap) -> dict[str, Any]:
        return {"cases": tuple((v, f(e)) for v, e in self.cases)}

    def describe(self) -> str:
        return f"ask {self.question.id}"

    def default_case(self) -> Edge:
        """The way an unanswered question goes: its default's case, else the first case."""
        table = dict(self.cases)
        default = table.get(self.question.default)
        return default if default is not None else self.cases[0][1]


@dataclass(frozen=True)
class UseNode(_Base):
    subtree: str
    subtree_location: Location
    exits: tuple[tuple[str, Edge], ...]

    kind = "use"

    def branches(self) -> Iterator[Way]:
        for name, edge in self.exits:
            yield Way(Branch("exit", name), edge, edge.location)
        yield from super().branches()

    def _remapped(self, f: EdgeMap) -> dict[str, Any]:
        return {"exits": tuple((name, f(e)) for name, e in self.exits)}

    def describe(self) -> str:
        return f"use sub-tree {self.subtree}"


@dataclass(frozen=True)
class OutcomeNode(_Base):
    cause: str
    cause_location: Location
    values: tuple[tuple[str, Expression], ...] = ()

    kind = "outcome"

    def expressions(self) -> Iterator[Expression]:
        for _, expr in self.values:
            yield expr

    def describe(self) -> str:
        return f"outcome {self.cause}"


@dataclass(frozen=True)
class ExitNode(_Base):
    exit: str

    kind = "exit"

    def describe(self) -> str:
        return f"exit {self.exit}"


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
