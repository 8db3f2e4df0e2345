"""A tree as a neutral graph for pictures (`diagtree render`): nodes, labelled edges, clusters.

`build_graph` turns a loaded `Document` into a `TreeGraph` that the Mermaid, DOT and HTML
renderers draw. By default the sub-trees it `use`s are inlined the way the engine inlines them
(`diagtree._check.inline`, whose walker places the nodes here too): node ids are qualified by
the `use` node that brought them in (``location/outage``), every inlined sub-tree is a
`Cluster` labelled with its id, and the pass-through `use`/`exit` nodes disappear (an edge
that leaves a sub-tree by an exit says so in its label: ``no · exit clear``). With
``inline=False`` a `use` node is one box whose edges are its exits.

Edges carry the branch key the engine's trace uses (``yes``, ``no``, ``case arrears``,
``case null``, ``default``, ``row 2``, ``on_unknown``, ``answer true``) so that a results file
of counts per branch (`read_results`, formats below) maps straight onto them as an `Overlay` of
coverage or path counts. The engine's implicit fallbacks are drawn once each, under the ids the
trace gives them: ``(source unavailable)`` (`unknown.data_unavailable`, where a check, switch or
table has no `on_unknown`) and ``(no matching case)`` (`unknown.needs_investigation`, a switch
without `default`).

Results files (`read_results`; JSON) — any of:

1. counts by tree::

       {"trees": {"no_service": {
           "nodes": {"profile": 12, "location/outage": 40},
           "branches": {"profile": {"yes": 3, "no": 9}, "barred/odb": {"case null": 30}}}}}

   Node ids are the qualified ids of the trace (``location/outage``, ``(source unavailable)``);
   branch keys are the trace's labels (``yes``, ``no``, ``case arrears``, ``case null``,
   ``row 2``, ``default``, ``on_unknown``, ``answer true``; the trace's variants
   ``on_unknown (row 2)``, ``default (null)`` and a question's ``default false`` are accepted).
   A count is a number or a boolean (taken or not). ``nodes`` is optional (derived from the
   branches and the edges into a node). ``branches`` may also be a list of
   ``{"node", "branch", "count"}`` (or ``"hits"``/``"taken"``), and ``trees`` a list of
   objects with a ``"tree"`` id. Instead of ``branches``, ``steps`` may say how often a walk
   went from a node straight to the next (``{"profile": {"location/outage": 9}}``, what
   `diagtree report` writes from a results frame's ``path`` column): each count goes to the
   edge between the two nodes (the first drawn, when several join them). ``ends`` says how
   often a walk ended at a node with a cause (``{"location/outage": {"network.site_outage":
   5}}``, a path that stops at its last decision): the count goes to the edge from that node
   to an outcome of that cause.
2. the coverage report of ``diagtree test --coverage --coverage-format json`` (`_testing.coverage`):
   ``{"documents": [{"id", "node_list": [{"id", "hits", "branches": [{"label", "hits",
   "counted"}]}]}]}``, counted per document — a shared sub-tree once, merged over every tree
   that uses it, so each inlined copy of it shows the same counts. Only the branches it counts
   are coloured (an on_unknown that no failed source can reach is no branch there).
3. diagnoses: one `Diagnosis` as ``diagtree diagnose --json`` prints it, a list of them,
   ``{"diagnoses": [...]}``, or JSON Lines of them; every trace is counted (path counts).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from diagtree._check import branches as br
from diagtree._check.catalog import Catalog
from diagtree._check.inline import Scope, follow, qualified_nodes
from diagtree._check.model import (
    AskNode,
    CheckNode,
    Document,
    Edge,
    ExitNode,
    Node,
    OutcomeNode,
    SwitchNode,
    TableNode,
    UseNode,
)
from diagtree._vocab.taxonomy import DATA_UNAVAILABLE, NEEDS_INVESTIGATION, category_of

__all__ = [
    "COVERED",
    "NO_MATCH",
    "PALETTE",
    "START",
    "UNAVAILABLE",
    "UNCOVERED",
    "Cluster",
    "GraphEdge",
    "GraphNode",
    "Overlay",
    "Results",
    "TreeCounts",
    "TreeGraph",
    "build_graph",
    "make_overlay",
    "normalize_branch",
    "read_results",
    "results_of",
    "style_key",
    "text_width",
    "wrap",
]

START = "(start)"
UNAVAILABLE = "(source unavailable)"  # the id the engine's trace gives the implicit fallback
NO_MATCH = "(no matching case)"

#: words of the pictures, per locale (the legend, the fallbacks, the start)
WORDS: Mapping[str, Mapping[str, str]] = {
    "zh-CN": {
        "unavailable": "数据源不可用（隐含）", "no_match": "无匹配分支（隐含）",
        "frontline": "一线处理", "dispatch": "派单", "check": "判断", "switch": "分支",
        "table": "决策表", "ask": "询问客户", "use": "子树", "outcome": "结论", "exit": "出口",
        "start": "开始", "fallback": "隐含结论", "on_unknown": "数据不可用时",
        "covered": "已覆盖", "uncovered": "未覆盖", "branches": "分支", "nodes": "节点",
        "paths": "路径计数", "legend": "图例", "subtree": "子树（内联）",
        "show_unknown": "显示到隐含结论的连线", "walks": "次", "fit": "适应窗口宽度",
    },
    "en": {
        "unavailable": "source unavailable (implicit)", "no_match": "no matching case (implicit)",
        "frontline": "frontline", "dispatch": "dispatch", "check": "check", "switch": "switch",
        "table": "table", "ask": "ask the customer", "use": "sub-tree", "outcome": "outcome",
        "exit": "exit", "start": "start", "fallback": "implicit outcome",
        "on_unknown": "on_unknown", "covered": "covered", "uncovered": "not covered",
        "branches": "branches", "nodes": "nodes", "paths": "path counts", "legend": "Legend",
        "subtree": "sub-tree (inlined)", "show_unknown": "show the edges to implicit outcomes",
        "walks": "walks", "fit": "fit to the window",
    },
}

_DECISIONS = ("check", "switch", "table", "ask")

#: (fill, stroke) of each kind of box, shared by every format; outcomes by their resolution
PALETTE: Mapping[str, tuple[str, str]] = {
    "start": ("#263238", "#263238"),
    "check": ("#e8f0fb", "#4a6fa5"),
    "switch": ("#f1eafb", "#7e57c2"),
    "table": ("#e6f6ee", "#2e7d57"),
    "ask": ("#fff4d6", "#b7791f"),
    "use": ("#eeeeee", "#616161"),
    "exit": ("#eeeeee", "#616161"),
    "frontline": ("#cfe3fb", "#1565c0"),
    "dispatch": ("#ffdcb8", "#d84315"),
    "outcome": ("#e0e0e0", "#424242"),
    "cluster": ("#fafafa", "#9e9e9e"),
}
COVERED = "#2e7d32"
UNCOVERED = "#c62828"


def style_key(node: GraphNode) -> str:
    """The `PALETTE` key of a node: its kind, or its resolution for outcomes."""
    if node.kind in ("outcome", "fallback"):
        return node.resolution or "outcome"
    return node.kind


@dataclass(frozen=True)
class GraphNode:
    """One box. `lines` are its detail (condition, rows, question, cause) as written."""

    id: str  # qualified id, as in the trace (``location/outage``), or START / a fallback id
    kind: str  # check | switch | table | ask | use | outcome | exit | start | fallback
    heading: str  # what the box is called: the node's own id, or the tree id for START
    lines: tuple[str, ...]
    title: str  # the full text, for hover / tooltips
    cluster: str | None  # the innermost cluster holding it
    location: str = ""
    cause: str | None = None
    resolution: str | None = None  # frontline | dispatch (outcomes)
    department: str | None = None

    @property
    def is_decision(self) -> bool:
        return self.kind in _DECISIONS


@dataclass(frozen=True)
class GraphEdge:
    """One way out of a node, with the branch key the trace uses and the label drawn."""

    source: str
    target: str
    branch: str  # the trace's branch key: yes, no, case X, row N, default, on_unknown, …
    label: str
    unknown: bool = False  # an on_unknown edge: drawn dashed
    implicit: bool = False  # to an implicit fallback, not written in the file


@dataclass(frozen=True)
class Cluster:
    """An inlined sub-tree: its id is the qualified id of the `use` node that brought it in."""

    id: str
    subtree: str
    label: str
    parent: str | None


@dataclass(frozen=True)
class TreeGraph:
    id: str
    kind: str  # tree | subtree
    version: str
    title: str
    locale: str
    inline: bool
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    clusters: tuple[Cluster, ...]

    def node(self, node_id: str) -> GraphNode:
        return next(n for n in self.nodes if n.id == node_id)

    def words(self) -> Mapping[str, str]:
        return WORDS.get(self.locale, WORDS["en"])


# -- text helpers ----------------------------------------------------------------------------
def text_width(text: str) -> int:
    """Display width in columns: East Asian wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int) -> list[str]:
    """Break `text` into lines of at most `width` columns, at spaces when it can."""
    out: list[str] = []
    line = ""
    for word in _words(text):
        candidate = line + word
        if line and text_width(candidate.rstrip()) > width:
            out.append(line.rstrip())
            line = word.lstrip()
        else:
            line = candidate
        while text_width(line) > width:  # one word longer than a line
            cut = _cut(line, width)
            out.append(line[:cut])
            line = line[cut:]
    if line.strip() or not out:
        out.append(line.rstrip())
    return out


def _words(text: str) -> Iterator[str]:
    """Words with their trailing space; CJK characters are words of their own."""
    word = ""
    for c in text:
        if unicodedata.east_asian_width(c) in "WF":
            if word:
                yield word
                word = ""
            yield c
        elif c == " ":
            yield word + c
            word = ""
        else:
            word += c
    if word:
        yield word


def _cut(text: str, width: int) -> int:
    used = 0
    for i, c in enumerate(text):
        used += text_width(c)
        if used > width:
            return max(i, 1)
    return len(text)


def _one_line(text: str) -> str:
    return " ".join(text.split())


# -- building --------------------------------------------------------------------------------
def build_graph(doc: Document, documents: Mapping[str, Document], catalog: Catalog | None = None,
                *, inline: bool = True, locale: str = "zh-CN") -> TreeGraph:
    """The graph of `doc` (a tree or a sub-tree); `documents` holds the sub-trees it uses."""
    b = _Builder(documents, catalog, inline, locale)
    words = WORDS.get(locale, WORDS["en"])
    title = doc.title_for(locale)
    start_lines = (title, f"v{doc.version}")
    b.nodes[START] = GraphNode(START, "start", doc.id, start_lines,
                               f"{doc.kind} {doc.id} v{doc.version}: {title}", None,
                               str(doc.location))
    first, via = follow(Scope(doc), doc.start.target, documents, inline=inline)
    b.edges.append(GraphEdge(START, first, "start", _via_label("", via)))
    b.add(doc)
    for fid, cause, text in ((UNAVAILABLE, DATA_UNAVAILABLE, words["unavailable"]),
                             (NO_MATCH, NEEDS_INVESTIGATION, words["no_match"])):
        if any(e.target == fid for e in b.edges):
            b.nodes[fid] = b.outcome_node(fid, "fallback", fid, cause, None, "", (text,))
    return TreeGraph(doc.id, doc.kind, doc.version, title, locale, inline,
                     tuple(b.nodes.values()), tuple(b.edges), tuple(b.clusters))


def _via_label(label: str, via: tuple[str, ...]) -> str:
    return " · ".join([label, *via]) if label else " · ".join(via)


class _Builder:
    def __init__(self, documents: Mapping[str, Document], catalog: Catalog | None,
                 inline: bool, locale: str) -> None:
        self.documents = documents
        self.catalog = catalog
        self.inline = inline
        self.locale = locale
        self.nodes: dict[str, GraphNode] = {}
        self.edges: list[GraphEdge] = []
        self.clusters: list[Cluster] = []

    def add(self, doc: Document) -> None:
        for placed in qualified_nodes(doc, self.documents, inline=self.inline):
            node, qid, scope = placed.node, placed.qid, placed.scope
            cluster = scope.prefix[:-1] or None  # the use node that brought it in
            if placed.inner is not None:
                sub = placed.inner.document
                self.clusters.append(Cluster(qid, sub.id,
                                             f"{sub.id} · {sub.title_for(self.locale)}",
                                             cluster))
                continue
            if isinstance(node, ExitNode) and scope.use is not None:
                continue  # a pass-through: edges into it already point where it leads
            self.nodes[qid] = self.node(node, qid, placed.id, cluster)
            for branch, label, edge, unknown in _branches(node):
                target, via = follow(scope, edge.target, self.documents, inline=self.inline)
                self.edges.append(GraphEdge(qid, target, branch, _via_label(label, via),
                                            unknown=unknown))
            if isinstance(node, CheckNode | SwitchNode | TableNode) and node.on_unknown is None:
                self.edges.append(GraphEdge(qid, UNAVAILABLE, "on_unknown", "on_unknown",
                                            unknown=True, implicit=True))
            if isinstance(node, SwitchNode) and node.default is None:
                self.edges.append(GraphEdge(qid, NO_MATCH, "default", "default",
                                            implicit=True))

    def node(self, node: Node, qid: str, nid: str, cluster: str | None) -> GraphNode:
        at = str(node.location)
        if isinstance(node, OutcomeNode):
            return self.outcome_node(qid, "outcome", nid, node.cause, cluster, at, ())
        lines: tuple[str, ...]
        if isinstance(node, CheckNode):
            lines = (_one_line(node.condition.text),)
            title = f"check {lines[0]}"
        elif isinstance(node, SwitchNode):
            lines = ("switch " + _one_line(node.subject.text),)
            cases = ", ".join(br.shown(v) for v, _ in node.cases)
            title = f"{lines[0]} (cases: {cases}{', default' if node.default else ''})"
        elif isinstance(node, TableNode):
            lines = tuple(f"{i}. {_one_line(r.condition.text)}"
                          for i, r in enumerate(node.rows, 1))
            title = "table, first row that holds:\n" + "\n".join(lines)
        elif isinstance(node, AskNode):
            q = node.question
            lines = (q.text_for(self.locale), f"ask {q.id}")
            title = f"ask {q.id}: {q.text_for(self.locale)} (default {br.shown(q.default)})"
        elif isinstance(node, UseNode):
            sub = self.documents.get(node.subtree)
            lines = (f"use {node.subtree}",
                     *((sub.title_for(self.locale),) if sub is not None else ()))
            title = " · ".join(lines)
        else:  # an exit of the sub-tree drawn on its own
            assert isinstance(node, ExitNode)
            lines = (f"exit {node.exit}",)
            title = lines[0]
        return GraphNode(qid, node.kind, nid, lines, f"{qid} — {title}\n{at}", cluster, at)

    def outcome_node(self, qid: str, kind: str, heading: str, cause: str,
                     cluster: str | None, at: str, extra: tuple[str, ...]) -> GraphNode:
        entry = self.catalog.entry(cause) if self.catalog is not None else None
        resolution = entry.resolution if entry is not None else None
        department = entry.department if entry is not None else None
        route = ""
        if resolution == "dispatch":
            route = f"dispatch → {department}" if department else "dispatch"
        elif resolution:
            route = resolution
        lines = (cause, *((route,) if route else ()), *extra)
        title = f"{qid} — outcome {cause} [{category_of(cause)}]" + (
            f", {route}" if route else "") + (f"\n{at}" if at else "")
        return GraphNode(qid, kind, heading, lines, title, cluster, at, cause, resolution,
                         department)


def _branches(node: Node) -> Iterator[tuple[str, str, Edge, bool]]:
    """(branch key, label drawn, edge, is on_unknown) for every way out written in the file;
    a yes/no question's answers are drawn ``yes``/``no``. (An unanswered question takes its
    default and a `use` node's ways out are its exits: neither draws an on_unknown.)"""
    for way in node.branches():
        branch = way.branch
        if branch.kind == br.ON_UNKNOWN:
            if isinstance(node, AskNode | UseNode):
                continue
            yield br.ON_UNKNOWN, br.ON_UNKNOWN, way.edge, True
            continue
        key = branch.label()
        shown = key
        if branch.kind == "answer" and isinstance(branch.value, bool):
            shown = br.YES if branch.value else br.NO
        yield key, shown, way.edge, False


# -- overlays: coverage and path counts from a results file ---------------------------------
@dataclass(frozen=True)
class TreeCounts:
    """How often a set of walks passed each node and took each branch of one tree or
    document."""

    nodes: Mapping[str, int]
    branches: Mapping[str, Mapping[str, int]]  # node id → branch key → count
    #: the (node, branch) pairs that are branches at all; None: every way out of a decision
    measured: frozenset[tuple[str, str]] | None = None
    #: node id → the next node id → count, when the branches taken are not known
    steps: Mapping[str, Mapping[str, int]] | None = None
    #: node id → the cause a walk concluded right after it → count (paths without outcomes)
    ends: Mapping[str, Mapping[str, int]] | None = None


@dataclass(frozen=True)
class Results:
    """A results file: counts per tree (qualified node ids, as in the trace) and/or per
    document (node ids as written; a shared sub-tree once, merged over its callers)."""

    trees: Mapping[str, TreeCounts]
    documents: Mapping[str, TreeCounts]

    def covers(self, doc_id: str) -> bool:
        return doc_id in self.trees or doc_id in self.documents

    def ids(self) -> list[str]:
        return sorted({*self.trees, *self.documents})


#: the static branch key a trace label stands for (kept under this name: the pictures' API)
normalize_branch = br.normalize


@dataclass(frozen=True)
class Overlay:
    """Counts laid over a graph: ``coverage`` (taken or not) or ``paths`` (how often)."""

    mode: str  # coverage | paths
    source: str  # where the counts come from, for the legend
    nodes: Mapping[str, int]  # measured nodes only
    edges: Mapping[tuple[str, str], int]  # (source node, branch key) → count, measured only

    def edge_count(self, edge: GraphEdge) -> int | None:
        """How often the edge was taken; None when it is not a branch that counts."""
        return self.edges.get((edge.source, edge.branch))

    def node_count(self, node_id: str) -> int | None:
        return self.nodes.get(node_id)

    @property
    def most(self) -> int:
        return max([1, *self.edges.values(), *self.nodes.values()])

    def summary(self) -> tuple[int, int, int, int]:
        """(branches taken, branches, nodes reached, nodes)."""
        return (sum(1 for c in self.edges.values() if c > 0), len(self.edges),
                sum(1 for c in self.nodes.values() if c > 0), len(self.nodes))


def make_overlay(graph: TreeGraph, results: Results | None, mode: str,
                 source: str) -> Overlay:
    """Lay `results` over `graph`. Counts by tree (``trees``) are used when they name the
    graph's tree; else counts by document (``documents``: each inlined sub-tree's nodes are
    looked up in its own document). What has no count counts 0 (never taken)."""
    results = results or Results({}, {})
    subtree_of = {c.id: c.subtree for c in graph.clusters}
    by_tree = results.trees.get(graph.id)

    def lookup(node: GraphNode) -> tuple[TreeCounts | None, str]:
        if by_tree is not None or not results.documents:
            return by_tree, node.id
        doc = subtree_of[node.cluster] if node.cluster is not None else graph.id
        return results.documents.get(doc), node.heading

    edges: dict[tuple[str, str], int] = {}
    incoming: dict[str, int] = {}
    stepped: set[tuple[str, str]] = set()  # (source, target) pairs already given their count
    ended: set[tuple[str, str]] = set()  # (source, cause) pairs already given their count
    for e in graph.edges:
        source_node = graph.node(e.source)
        if not source_node.is_decision:
            continue
        counts, key = lookup(source_node)
        if counts is not None and counts.measured is not None \
                and (key, e.branch) not in counts.measured:
            continue  # not a branch (e.g. an on_unknown no failed source can reach)
        n = counts.branches.get(key, {}).get(e.branch, 0) if counts is not None else 0
        if counts is not None and counts.steps is not None and not n \
                and (e.source, e.target) not in stepped:
            stepped.add((e.source, e.target))
            n = counts.steps.get(key, {}).get(e.target, 0)
        cause = graph.node(e.target).cause
        if counts is not None and counts.ends is not None and not n and cause is not None \
                and (e.source, cause) not in ended:
            ended.add((e.source, cause))
            n = counts.ends.get(key, {}).get(cause, 0)
        edges[(e.source, e.branch)] = n
        incoming[e.target] = incoming.get(e.target, 0) + n
    nodes: dict[str, int] = {}
    for node in graph.nodes:
        if node.kind == "start":
            continue
        counts, key = lookup(node)
        if node.kind == "fallback":  # reached only by branches: measured when one is
            if node.id in incoming:
                nodes[node.id] = incoming[node.id]
        elif counts is None:
            nodes[node.id] = incoming.get(node.id, 0)
        elif key in counts.nodes:
            nodes[node.id] = counts.nodes[key]
        elif node.is_decision and key in counts.branches:
            nodes[node.id] = sum(counts.branches[key].values())
        else:
            nodes[node.id] = incoming.get(node.id, 0)
        if node.kind == "use" and counts is not None:  # not inlined: the walks inside it
            inner = key + "/"
            inside = [n for k, n in counts.nodes.items() if k.startswith(inner)]
            inside += [sum(b.values()) for k, b in counts.branches.items()
                       if k.startswith(inner)]
            nodes[node.id] = max([nodes[node.id], *inside])
    return Overlay(mode, source, nodes, edges)


def read_results(text: str) -> Results:
    """The counts in a results file (formats: this module's docstring); `ValueError` says what
    is wrong with it."""
    text = text.strip()
    try:
        data: object = json.loads(text) if text else None
    except json.JSONDecodeError as exc:
        try:  # JSON Lines
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError:
            raise ValueError(f"not JSON: {exc}") from None
    return results_of(data)


def results_of(data: object) -> Results:
    """The counts in a results file's parsed JSON (`read_results`)."""
    if isinstance(data, Mapping) and isinstance(data.get("diagnoses"), list):
        data = data["diagnoses"]
    if isinstance(data, Mapping) and "trace" in data:
        data = [data]
    if isinstance(data, list) and all(isinstance(d, Mapping) and "trace" in d for d in data):
        return Results(_count_traces(data), {})
    if isinstance(data, Mapping) and ("trees" in data or "documents" in data):
        return Results(_read_counts(data.get("trees") or {}),
                       _read_documents(data.get("documents") or []))
    raise ValueError('expected {"trees": {TREE: {"branches": …}}}, a coverage report '
                     '({"documents": […]}) or diagnoses with a "trace"')


def _count(value: object, where: str) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and value >= 0:
        return value
    raise ValueError(f"{where}: a count must be a number ≥ 0 or a boolean, not {value!r}")


def _read_counts(trees: object) -> dict[str, TreeCounts]:
    if isinstance(trees, list):
        items = []
        for t in trees:
            if not isinstance(t, Mapping) or not isinstance(t.get("tree", t.get("id")), str):
                raise ValueError('"trees": each entry needs a "tree" id')
            items.append((str(t.get("tree", t.get("id"))), t))
    elif isinstance(trees, Mapping):
        items = [(str(k), v) for k, v in trees.items()]
    else:
        raise ValueError('"trees" must be an object or a list')
    out: dict[str, TreeCounts] = {}
    for tree_id, body in items:
        if not isinstance(body, Mapping):
            raise ValueError(f"trees.{tree_id}: expected an object")
        branches: dict[str, dict[str, int]] = {}
        raw = body.get("branches") or {}
        if isinstance(raw, list):
            for i, b in enumerate(raw):
                where = f"trees.{tree_id}.branches[{i}]"
                if not isinstance(b, Mapping) or "node" not in b or "branch" not in b:
                    raise ValueError(f'{where}: needs "node" and "branch"')
                n = b.get("count", b.get("hits", b.get("taken", 0)))
                key = normalize_branch(str(b["branch"]))
                per = branches.setdefault(str(b["node"]), {})
                per[key] = per.get(key, 0) + _count(n, where)
        elif isinstance(raw, Mapping):
            for node_id, per_node in raw.items():
                if not isinstance(per_node, Mapping):
                    raise ValueError(f"trees.{tree_id}.branches.{node_id}: expected an object")
                per = branches.setdefault(str(node_id), {})
                for label, n in per_node.items():
                    key = normalize_branch(str(label))
                    per[key] = per.get(key, 0) + _count(
                        n, f"trees.{tree_id}.branches.{node_id}.{label}")
        else:
            raise ValueError(f"trees.{tree_id}.branches: expected an object or a list")
        nodes: dict[str, int] = {}
        raw_nodes = body.get("nodes") or {}
        if isinstance(raw_nodes, list):
            for i, n in enumerate(raw_nodes):
                if not isinstance(n, Mapping) or not isinstance(n.get("node", n.get("id")), str):
                    raise ValueError(f'trees.{tree_id}.nodes[{i}]: needs "node"')
                value = n.get("count", n.get("hits", n.get("covered", 0)))
                nodes[str(n.get("node", n.get("id")))] = _count(
                    value, f"trees.{tree_id}.nodes[{i}]")
        elif isinstance(raw_nodes, Mapping):
            nodes = {str(k): _count(v, f"trees.{tree_id}.nodes.{k}")
                     for k, v in raw_nodes.items()}
        else:
            raise ValueError(f"trees.{tree_id}.nodes: expected an object or a list")
        out[tree_id] = TreeCounts(nodes, branches, None,
                                  _read_steps(body.get("steps"), tree_id, "steps"),
                                  _read_steps(body.get("ends"), tree_id, "ends"))
    return out


def _read_steps(raw: object, tree_id: str, key: str) -> dict[str, dict[str, int]] | None:
    """``steps`` (node → next node → count) or ``ends`` (node → cause → count); None when
    absent."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ValueError(f"trees.{tree_id}.{key}: expected an object")
    steps: dict[str, dict[str, int]] = {}
    for node_id, nexts in raw.items():
        if not isinstance(nexts, Mapping):
            raise ValueError(f"trees.{tree_id}.{key}.{node_id}: expected an object")
        steps[str(node_id)] = {str(k): _count(v, f"trees.{tree_id}.{key}.{node_id}.{k}")
                               for k, v in nexts.items()}
    return steps


def _read_documents(documents: object) -> dict[str, TreeCounts]:
    """The ``documents`` of a coverage report: per document, a ``node_list`` of ``{"id",
    "hits", "branches": [{"label", "hits", "counted"}]}``; a branch not counted is no branch."""
    if not isinstance(documents, list):
        raise ValueError('"documents" must be a list')
    out: dict[str, TreeCounts] = {}
    for i, doc in enumerate(documents):
        where = f"documents[{i}]"
        if not isinstance(doc, Mapping) or not isinstance(doc.get("id"), str) \
                or not isinstance(doc.get("node_list", []), list):
            raise ValueError(f'{where}: needs an "id" and a "node_list"')
        nodes: dict[str, int] = {}
        branches: dict[str, dict[str, int]] = {}
        measured: set[tuple[str, str]] = set()
        for j, node in enumerate(doc.get("node_list", [])):
            at = f"{where}.node_list[{j}]"
            if not isinstance(node, Mapping) or not isinstance(node.get("id"), str):
                raise ValueError(f'{at}: needs an "id"')
            nid = str(node["id"])
            nodes[nid] = _count(node.get("hits", node.get("covered", 0)), at)
            per = branches.setdefault(nid, {})
            for k, b in enumerate(node.get("branches") or []):
                if not isinstance(b, Mapping) or not isinstance(b.get("label"), str):
                    raise ValueError(f'{at}.branches[{k}]: needs a "label"')
                label = normalize_branch(str(b["label"]))
                per[label] = per.get(label, 0) + _count(
                    b.get("hits", b.get("covered", 0)), f"{at}.branches[{k}]")
                if b.get("counted", True):
                    measured.add((nid, label))
        out[str(doc["id"])] = TreeCounts(nodes, branches, frozenset(measured))
    return out


def _count_traces(diagnoses: list[Any]) -> dict[str, TreeCounts]:
    nodes: dict[str, dict[str, int]] = {}
    branches: dict[str, dict[str, dict[str, int]]] = {}
    for i, d in enumerate(diagnoses):
        tree_id, trace = d.get("tree_id"), d.get("trace")
        if not isinstance(tree_id, str) or not isinstance(trace, list):
            continue  # no tree handled that complaint
        seen = nodes.setdefault(tree_id, {})
        taken = branches.setdefault(tree_id, {})
        for step in trace:
            if not isinstance(step, Mapping) or "node" not in step or "branch" not in step:
                raise ValueError(f'diagnosis {i}: each trace step needs "node" and "branch"')
            node_id = str(step["node"])
            seen[node_id] = seen.get(node_id, 0) + 1
            per = taken.setdefault(node_id, {})
            key = normalize_branch(str(step["branch"]))
            per[key] = per.get(key, 0) + 1
        if trace and isinstance(trace[-1], Mapping) and trace[-1].get("next"):
            end = str(trace[-1]["next"])
            seen[end] = seen.get(end, 0) + 1
    return {t: TreeCounts(nodes[t], branches[t]) for t in nodes}
