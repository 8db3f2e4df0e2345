"""Node and branch coverage of the trees by a set of diagnoses (`diagtree test --coverage`).

Coverage is computed from the diagnoses' traces (`Diagnosis.trace`): each `TraceStep` names the
node (qualified through the `use` nodes that brought a sub-tree in, ``barred/odb``) and the
branch it took. What counts::

    report = compute_coverage(engine.library, diagnoses)
    print(format_text(report))          # or to_json(report)
    report.branches.percent             # e.g. 83.2

**Nodes.** Every node written in a tree or in a sub-tree that a tree uses — `check`, `switch`,
`table`, `ask`, `use`, `exit` and `outcome` alike. A node is covered when a walk reaches it: a
`use` node when the walk enters its sub-tree, an `exit` node when the walk leaves through it.

**Branches** — the ways out of a decision node:

========  ==============================================================================
check     ``yes``, ``no``, ``on_unknown``
switch    ``case X`` for each case (``case null`` too), ``default`` if written, ``on_unknown``
table     ``row N`` for each row, ``default``, ``on_unknown``
ask       ``answer X`` for each answer (``answer true``/``answer false`` for a yes/no question)
========  ==============================================================================

A default taken for an unanswered question counts as that answer. A switch without a
`default` has no default branch (a value with no case goes to the implicit
`unknown.needs_investigation`; the `switch_needs_default` check and the linter see to those).

**on_unknown** counts as a branch, also when it is not written (the walk then ends at the
implicit `unknown.data_unavailable`): a source that is down is a real path, the one the taxonomy
is strictest about, and a scenario with ``down: [...]`` is how an author shows what the tree
does then. It counts only where a failed source can reach it: the node reads a fact of a source
that, on some path from the tree's start to the node, has not already answered. A source has
surely answered past a node whose decision could not have been made without it (a condition, a
switch subject or a table row that is *unknown* whenever that source fails: a fact of it compared,
computed, negated, or in every operand of an ``and``/``or``). So after a switch on
``hlr.odb.bar_reason``, a later check on ``hlr.found`` has no on_unknown branch — when the HLR is
down, the walk never gets past the switch — while a check on ``billing.account.status`` has one.
Nodes that read only the complaint's own facts never have one, and `ask` nodes never do (answers
are never unavailable). A written ``on_unknown`` that no failed source can reach is listed but not
counted. (An adapter that returns a value of the wrong type makes one fact unknown although its
source answered; that is an adapter bug, not a path a scenario should exercise.)

**Shared sub-trees** are reported once, at their own file, merged across every tree and every
`use` node that brings them in: a sub-tree's node or branch is covered when any tree's walk
reaches or takes it, and an on_unknown is a branch there when a failed source can reach it at
any use. A sub-tree's logic is the same whoever calls it (its conditions read the complaint's
facts, not the caller's path), so counting it once per caller would only multiply the same
branches — the way line coverage counts a function once, whatever calls it. The totals are the
sums over the documents (each tree, each used sub-tree), so nothing is counted twice; a sub-tree
that no tree uses is not counted (the linter reports it).

A branch's location is where it is written: the target of ``yes:``, a case or ``default:``; the
row of a table; the node itself for an implicit ``on_unknown``.
"""

from __future__ import annotations

import graphlib
import json
import math
import textwrap
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from diagtree._check.branches import ON_UNKNOWN, normalize
from diagtree._check.inline import qualified_nodes
from diagtree._check.model import AskNode, CheckNode, Document, Edge, SwitchNode, TableNode
from diagtree._check.structure import FlatNode, FlatTree, Jump
from diagtree._compile.library import Library
from diagtree._conclude.diagnosis import Diagnosis
from diagtree._errors import Location
from diagtree._expr.ast import Arith, BoolOp, Call, Compare, FactRef, Neg, Node, Not
from diagtree._vocab.engine_facts import COMPLAINT_FACTS, POLICY_FACTS
from diagtree._vocab.facts import source_of
from diagtree._vocab.taxonomy import DATA_UNAVAILABLE

__all__ = [
    "BranchCoverage",
    "Counts",
    "CoverageReport",
    "DocumentCoverage",
    "NodeCoverage",
    "compute_coverage",
    "format_text",
    "to_dict",
    "to_json",
]

#: fact prefixes the engine fills itself: never unavailable
_ENGINE_SOURCES = frozenset(spec.source for spec in (*COMPLAINT_FACTS, *POLICY_FACTS))
_UNKNOWN = ON_UNKNOWN
#: the node kinds whose ways out are branches
_DECISIONS = (CheckNode, SwitchNode, TableNode, AskNode)


@dataclass(frozen=True)
class Counts:
    """How many of something were covered, out of how many."""

    covered: int
    total: int

    @property
    def percent(self) -> float:
        """Covered as a percentage; 100 when there is nothing to cover."""
        return 100.0 if self.total == 0 else 100.0 * self.covered / self.total

    def shown(self) -> str:
        """The percentage rounded down to one decimal: ``100.0%`` only when all are covered."""
        return f"{math.floor(self.percent * 10) / 10:.1f}%"

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.covered + other.covered, self.total + other.total)


@dataclass(frozen=True)
class BranchCoverage:
    """One way out of a node, and how many walks took it."""

    label: str  # yes, no, on_unknown, case X, default, row N, answer X
    location: Location
    target: str  # a node of the same document, or the implicit outcome's cause
    hits: int
    implicit: bool = False  # an on_unknown that is not written (→ unknown.data_unavailable)
    counted: bool = True  # False: an on_unknown that no failed source can reach

    @property
    def covered(self) -> bool:
        return self.hits > 0


@dataclass(frozen=True)
class NodeCoverage:
    """One node as written in its file, and how many walks reached it."""

    id: str
    kind: str
    location: Location
    hits: int
    branches: tuple[BranchCoverage, ...]

    @property
    def covered(self) -> bool:
        return self.hits > 0

    @property
    def branch_counts(self) -> Counts:
        counted = [b for b in self.branches if b.counted]
        return Counts(sum(1 for b in counted if b.covered), len(counted))


@dataclass(frozen=True)
class DocumentCoverage:
    """A tree, or a sub-tree merged over every tree that uses it."""

    id: str
    kind: str  # tree | subtree
    file: str
    used_by: tuple[str, ...]  # the trees that use it (a tree: itself)
    nodes: tuple[NodeCoverage, ...]

    @property
    def node_counts(self) -> Counts:
        return Counts(sum(1 for n in self.nodes if n.covered), len(self.nodes))

    @property
    def branch_counts(self) -> Counts:
        return sum((n.branch_counts for n in self.nodes), Counts(0, 0))


@dataclass(frozen=True)
class CoverageReport:
    """Coverage of every tree and used sub-tree of a library by a set of diagnoses."""

    documents: tuple[DocumentCoverage, ...]
    diagnoses: int  # diagnoses whose traces were counted
    skipped: int  # no tree, no trace, or made by another version of the tree
    unused_subtrees: tuple[str, ...] = ()

    @property
    def nodes(self) -> Counts:
        return sum((d.node_counts for d in self.documents), Counts(0, 0))

    @property
    def branches(self) -> Counts:
        return sum((d.branch_counts for d in self.documents), Counts(0, 0))

    def meets(self, minimum: float) -> bool:
        """Whether the total branch coverage is at least `minimum` percent (exactly)."""
        total = self.branches
        return total.total == 0 or total.covered * 100 >= minimum * total.total

    def uncovered(self) -> Iterator[tuple[DocumentCoverage, NodeCoverage, BranchCoverage]]:
        """Every counted branch no walk took, in file order."""
        for doc in self.documents:
            for node in doc.nodes:
                for branch in node.branches:
                    if branch.counted and not branch.covered:
                        yield doc, node, branch

    def unreachable(self) -> Iterator[tuple[DocumentCoverage, NodeCoverage, BranchCoverage]]:
        """Written on_unknown branches that no failed source can reach (not counted)."""
        for doc in self.documents:
            for node in doc.nodes:
                for branch in node.branches:
                    if not branch.counted:
                        yield doc, node, branch


# -- the branches of a node --------------------------------------------------------------------
def _sources_read(node: FlatNode) -> frozenset[str]:
    """The sources whose facts a decision node's conditions read."""
    if not isinstance(node, CheckNode | SwitchNode | TableNode):
        return frozenset()
    return frozenset(source_of(name) for expr in node.expressions()
                     for name in expr.facts) - _ENGINE_SOURCES


def _branches(node: FlatNode) -> list[tuple[str, Edge | None, Location]]:
    """(label, edge, location) of each way out; edge None: the implicit on_unknown.

    The implicit on_unknown is listed for nodes that read a source's facts; whether a failed
    source can reach it is decided per tree, by `_unknown_possible`.
    """
    if not isinstance(node, _DECISIONS):
        return []
    out: list[tuple[str, Edge | None, Location]] = [
        (way.branch.label(), way.edge, way.location) for way in node.branches()]
    if node.on_unknown is None and _sources_read(node):
        out.append((_UNKNOWN, None, node.location))
    return out


# -- which on_unknown branches a failed source can reach ----------------------------------------
def _strict(ir: Node) -> frozenset[str]:
    """Sources whose failure surely makes the expression unknown (so: read, and answered, on
    every outcome that is not unknown)."""
    if isinstance(ir, FactRef):
        source = source_of(ir.name)
        return frozenset() if source in _ENGINE_SOURCES else frozenset((source,))
    if isinstance(ir, Not | Neg):
        return _strict(ir.operand)
    if isinstance(ir, Compare | Arith):  # both sides are evaluated; unknown is contagious
        return _strict(ir.left) | _strict(ir.right)
    if isinstance(ir, Call):
        return frozenset().union(*(_strict(a) for a in ir.args))
    if isinstance(ir, BoolOp):  # Kleene: unknown only when no operand is decisive
        sets = [_strict(o) for o in ir.operands]
        return frozenset.intersection(*sets) if sets else frozenset()
    return frozenset()  # literals


def _out_edges(node: FlatNode) -> Iterator[tuple[str, frozenset[str]]]:
    """(target, sources surely answered when the walk takes that edge)."""
    if isinstance(node, Jump):
        yield node.to.target, frozenset()
        return
    # a branch other than on_unknown is taken only after its expressions were each decided:
    # the condition or subject; for table row N, rows 1..N; for a table's default, every row
    decided = [_strict(expr.ir) for expr in node.expressions()]
    for way in node.branches():
        kind = way.branch.kind
        if kind == _UNKNOWN:
            yield way.edge.target, frozenset()
            continue
        evaluated = decided
        if kind == "row":
            assert isinstance(way.branch.value, int)
            evaluated = decided[:way.branch.value]
        yield way.edge.target, frozenset().union(*evaluated)


def _unknown_possible(flat: FlatTree) -> set[str]:
    """Qualified ids of the nodes where a failed source can make the decision unknown."""
    before: dict[str, set[str]] = {nid: set() for nid in flat.nodes}
    for nid, node in flat.nodes.items():
        for target, _ in _out_edges(node):
            if target in before:
                before[target].add(nid)
    answered: dict[str, frozenset[str]] = {flat.start: frozenset()}
    for nid in graphlib.TopologicalSorter(before).static_order():
        have = answered.get(nid)
        if have is None:  # pragma: no cover - every node is reachable from start
            continue
        for target, sure in _out_edges(flat.nodes[nid]):
            now = have | sure
            answered[target] = answered[target] & now if target in answered else now
    return {nid for nid, node in flat.nodes.items()
            if nid in answered and _sources_read(node) - answered[nid]}


# -- qualified ids → the document node ---------------------------------------------------------
def _qualify(doc: Document, documents: Mapping[str, Document],
             out: dict[str, tuple[str, str]], used: set[str]) -> None:
    for placed in qualified_nodes(doc, documents):
        out[placed.qid] = (placed.scope.document.id, placed.id)
        if placed.scope.use is not None:
            used.add(placed.scope.document.id)


@dataclass
class _Tally:
    node_hits: Counter[tuple[str, str]]
    branch_hits: Counter[tuple[str, str, str]]
    edges: dict[tuple[str, str], dict[str, Edge | None]]  # (tree, qualified id) → branches


def _enter(flat: FlatTree, target: str, where: Mapping[str, tuple[str, str]],
           tally: _Tally) -> None:
    """Count the node the walk enters at `target`, and the use/exit jumps it passes."""
    for passed in flat.path(target):
        if passed in where:
            tally.node_hits[where[passed]] += 1


def _count_walk(flat: FlatTree, diagnosis: Diagnosis, where: Mapping[str, tuple[str, str]],
                tally: _Tally) -> None:
    _enter(flat, flat.start, where, tally)
    for step in diagnosis.trace:
        node = flat.nodes.get(step.node)
        if node is None or isinstance(node, Jump) or step.node not in where:
            continue
        edges = tally.edges.get((flat.id, step.node))
        if edges is None:
            edges = tally.edges[flat.id, step.node] = {lab: e for lab, e, _ in _branches(node)}
        label = normalize(step.branch)
        if label not in edges:
            continue  # e.g. a switch's implicit "no case", or a question still pending
        doc_id, nid = where[step.node]
        tally.branch_hits[doc_id, nid, label] += 1
        edge = edges[label]
        if edge is not None:
            _enter(flat, edge.target, where, tally)


def compute_coverage(library: Library, diagnoses: Iterable[Diagnosis]) -> CoverageReport:
    """Node and branch coverage of `library`'s trees by the traces of `diagnoses`.

    Diagnoses of a symptom no tree handles, without a trace (``trace=False``), or made by
    another version of the tree (a different `tree_sha256`) are skipped and counted as such.
    """
    documents = library.documents
    indexes: dict[str, dict[str, tuple[str, str]]] = {}
    used_by: dict[str, set[str]] = {}
    possible: set[tuple[str, str]] = set()
    for tree_id, compiled in library.trees.items():
        where: dict[str, tuple[str, str]] = {}
        used: set[str] = set()
        _qualify(compiled.flat.document, documents, where, used)
        indexes[tree_id] = where
        used_by.setdefault(tree_id, set()).add(tree_id)
        for sub in used:
            used_by.setdefault(sub, set()).add(tree_id)
        possible |= {where[q] for q in _unknown_possible(compiled.flat) if q in where}

    tally = _Tally(Counter(), Counter(), {})
    counted = skipped = 0
    for diagnosis in diagnoses:
        tree = library.trees.get(diagnosis.tree_id or "")
        untraced = not diagnosis.trace and tree is not None and tree.start.trace_run is not None
        if tree is None or untraced or (
                diagnosis.tree_sha256 is not None and diagnosis.tree_sha256 != tree.flat.sha256):
            skipped += 1
            continue
        counted += 1
        _count_walk(tree.flat, diagnosis, indexes[tree.id], tally)

    reports = []
    for doc_id in sorted(used_by, key=lambda d: (documents[d].kind != "tree",
                                                  documents[d].file, d)):
        doc = documents[doc_id]
        nodes = []
        for nid, node in doc.nodes.items():
            branches = []
            for label, edge, loc in _branches(node):
                reachable = label != _UNKNOWN or (
                    (doc_id, nid) in possible and not isinstance(node, AskNode))
                branches.append(BranchCoverage(
                    label, loc, edge.target if edge is not None else DATA_UNAVAILABLE,
                    tally.branch_hits[doc_id, nid, label], implicit=edge is None,
                    counted=reachable))
            # an implicit on_unknown no failed source can reach is no branch at all (unless a
            # walk took it anyway: an adapter gave a value of the wrong type)
            kept = tuple(b for b in branches if b.counted or not b.implicit or b.hits)
            nodes.append(NodeCoverage(nid, node.kind, node.location,
                                      tally.node_hits[doc_id, nid], kept))
        reports.append(DocumentCoverage(doc_id, doc.kind, doc.file,
                                        tuple(sorted(used_by[doc_id])), tuple(nodes)))
    unused = tuple(sorted(d.id for d in documents.values()
                          if d.kind == "subtree" and d.id not in used_by))
    return CoverageReport(tuple(reports), counted, skipped, unused)


# -- output -------------------------------------------------------------------------------------
RULE = ("A branch is a way out of a node: yes/no, each case, each table row, default, each "
        "answer, and on_unknown (written or not: → unknown.data_unavailable) where a failed "
        "source can reach it. A shared sub-tree counts once, at its own file: its branch is "
        "covered when any tree's walk takes it.")


def _qualified(doc: DocumentCoverage, node: NodeCoverage, branch: BranchCoverage) -> str:
    implicit = " (implicit)" if branch.implicit else ""
    return f"{branch.location}: {doc.id}/{node.id} {branch.label} → {branch.target}{implicit}"


def format_text(report: CoverageReport) -> str:
    """The report for a person: a line per tree and sub-tree, the total, then every branch
    never taken as ``file:line:col: tree/node branch → target``."""
    def cell(c: Counts) -> str:
        return f"{c.covered}/{c.total} {c.shown():>6}"

    rows = [(cell(d.node_counts), cell(d.branch_counts),
             f"{'tree' if d.kind == 'tree' else 'sub-tree'} {d.id}", d.file)
            for d in report.documents]
    total = (cell(report.nodes), cell(report.branches), "total", "")
    wn = max(len("nodes"), *(len(r[0]) for r in [*rows, total]))
    wb = max(len("branches"), *(len(r[1]) for r in [*rows, total]))
    wd = max(len(r[2]) for r in [*rows, total])
    skipped = (f" ({report.skipped} skipped: no tree, no trace, or another version of the tree)"
               if report.skipped else "")
    lines = [f"Coverage by {report.diagnoses} diagnos{'i' if report.diagnoses == 1 else 'e'}s"
             f"{skipped}.", *textwrap.wrap(RULE, 100), "",
             f"{'nodes':>{wn}}  {'branches':>{wb}}"]
    for i, (n, b, name, file) in enumerate([*rows, total]):
        if i == len(rows):
            lines.append("")
        lines.append(f"{n:>{wn}}  {b:>{wb}}  {name:<{wd}}  {file}".rstrip())
    missed = list(report.uncovered())
    if missed:
        lines += ["", f"Branches never taken ({len(missed)}):"]
        lines += ["  " + _qualified(*m) for m in missed]
    dead = list(report.unreachable())
    if dead:
        lines += ["", f"Written on_unknown branches no failed source can reach ({len(dead)}, "
                      "not counted):"]
        lines += ["  " + _qualified(*m) for m in dead]
    if report.unused_subtrees:
        lines += ["", "Sub-trees no tree uses (not counted): "
                  + ", ".join(report.unused_subtrees)]
    return "\n".join(lines)


def _counts(c: Counts) -> dict[str, Any]:
    return {"covered": c.covered, "total": c.total,
            "percent": math.floor(c.percent * 100) / 100}  # rounded down, as in the text


def to_dict(report: CoverageReport) -> dict[str, Any]:
    """The report as plain JSON types: totals, then per document, per node, per branch."""
    return {
        "rule": RULE,
        "diagnoses": report.diagnoses,
        "skipped": report.skipped,
        "total": {"nodes": _counts(report.nodes), "branches": _counts(report.branches)},
        "documents": [{
            "id": d.id, "kind": d.kind, "file": d.file, "used_by": list(d.used_by),
            "nodes": _counts(d.node_counts), "branches": _counts(d.branch_counts),
            "node_list": [{
                "id": n.id, "kind": n.kind, "at": str(n.location), "hits": n.hits,
                "covered": n.covered,
                "branches": [{
                    "label": b.label, "at": str(b.location), "target": b.target,
                    "hits": b.hits, "covered": b.covered, "implicit": b.implicit,
                    "counted": b.counted} for b in n.branches],
            } for n in d.nodes],
        } for d in report.documents],
        "unused_subtrees": list(report.unused_subtrees),
    }


def to_json(report: CoverageReport, *, indent: int | None = 2) -> str:
    """`to_dict` as JSON text."""
    return json.dumps(to_dict(report), ensure_ascii=False, indent=indent)
