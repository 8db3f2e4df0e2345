"""Structural checks with networkx, and sub-tree inlining.

Per file: dangling references (with a did-you-mean), nodes unreachable from `start`, nodes from
which no outcome (or, in a sub-tree, no exit) can be reached, and cycles. Per tree, after the
sub-trees it `use`s are inlined: unknown sub-trees, unmapped exits, recursion between sub-trees,
cycles that cross files, and the depth limit.

Inlining gives a flat graph whose node ids are qualified by the `use` node that brought them in
(``line/odb_reason``); `use` and `exit` nodes become `Jump`s that the compiler collapses.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from diagtree._errors import Location, Problem, did_you_mean
from diagtree._model import (
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

__all__ = ["FlatTree", "Jump", "check_document", "inline_tree"]


@dataclass(frozen=True)
class Jump:
    """A pass-through left by inlining (`use` → sub-tree start, `exit` → the caller's node)."""

    id: str
    location: Location
    to: Edge
    on_unknown: None = None

    kind = "jump"

    def edges(self) -> Iterator[Edge]:
        yield self.to


FlatNode = Node | Jump


@dataclass(frozen=True)
class FlatTree:
    """A tree with its sub-trees inlined: what the compiler turns into closures."""

    document: Document
    start: str
    nodes: dict[str, FlatNode]
    subtrees: tuple[Document, ...]  # every sub-tree it uses, directly or not
    sha256: str

    @property
    def id(self) -> str:
        return self.document.id

    def resolve(self, target: str) -> str:
        """The node an edge really leads to (the jumps left by sub-tree inlining skipped)."""
        seen: set[str] = set()
        while isinstance(node := self.nodes.get(target), Jump) and target not in seen:
            seen.add(target)
            target = node.to.target
        return target


def _graph_of(nodes: Mapping[str, FlatNode]) -> Any:
    g = nx.DiGraph()
    for nid, node in nodes.items():
        g.add_node(nid)
        for edge in node.edges():
            if edge.target in nodes:
                g.add_edge(nid, edge.target)
    return g


def check_document(doc: Document, problems: list[Problem]) -> None:
    """Checks one file on its own."""
    nodes = doc.nodes
    ok = True
    for node in [*nodes.values()]:
        for edge in node.edges():
            if edge.target in doc.broken:
                ok = False  # already reported where that node is written
            elif edge.target not in nodes:
                ok = False
                problems.append(Problem(edge.location, "dangling_reference",
                                        f"{edge.label} → {edge.target!r}: no such node",
                                        hint=did_you_mean(edge.target, nodes) or
                                        "define the node under `nodes`"))
    if doc.broken:
        return  # reachability and cycles would only echo the errors already reported
    if doc.start.target not in nodes:
        problems.append(Problem(doc.start.location, "dangling_reference",
                                f"start → {doc.start.target!r}: no such node",
                                hint=did_you_mean(doc.start.target, nodes)))
        return
    g = _graph_of(nodes)
    reachable = nx.descendants(g, doc.start.target) | {doc.start.target}
    for nid, node in nodes.items():
        if nid not in reachable:
            problems.append(Problem(node.location, "unreachable_node",
                                    f"node {nid!r} cannot be reached from start "
                                    f"{doc.start.target!r}",
                                    hint="link it from another node or delete it"))
    ends = {nid for nid, n in nodes.items() if isinstance(n, OutcomeNode | ExitNode | UseNode)}
    # a `use` is a possible end here: what lies beyond it is checked after inlining
    can_end = set(ends)
    for end in ends:
        can_end |= nx.ancestors(g, end)
    for nid in sorted(reachable - can_end):
        problems.append(Problem(nodes[nid].location, "no_outcome",
                                f"no outcome can be reached from node {nid!r}",
                                hint="every path must end in an `outcome`"
                                + (" or an `exit`" if doc.kind == "subtree" else "")))
    if ok:
        _report_cycles(g, nodes, problems, doc.file)


def _report_cycles(g: Any, nodes: Mapping[str, FlatNode], problems: list[Problem],
                   own_file: str | None) -> None:
    for component in nx.strongly_connected_components(g):
        members = sorted(component)
        if len(members) == 1 and not g.has_edge(members[0], members[0]):
            continue
        cycle = [u for u, _ in nx.find_cycle(g.subgraph(members))]
        at = next((nodes[n] for n in cycle if own_file is None
                   or nodes[n].location.file == own_file), nodes[cycle[0]])
        problems.append(Problem(at.location, "cycle",
                                "the walk can loop: " + " → ".join([*cycle, cycle[0]]),
                                hint="a decision tree must always move forward"))


def inline_tree(doc: Document, documents: Mapping[str, Document], problems: list[Problem],
                max_depth: int) -> FlatTree | None:
    """Inline the sub-trees `doc` uses; None when that is impossible (problems reported)."""
    flat: dict[str, FlatNode] = {}
    used: dict[str, Document] = {}
    before = len(problems)

    def add(document: Document, prefix: str, exits: Mapping[str, Edge] | None,
            stack: tuple[str, ...]) -> None:
        def q(target: str) -> str:
            return prefix + target

        for nid, node in document.nodes.items():
            if isinstance(node, UseNode):
                sub = documents.get(node.subtree)
                if sub is None or sub.kind != "subtree":
                    trees = [d.id for d in documents.values() if d.kind == "subtree"]
                    problems.append(Problem(node.subtree_location, "unknown_subtree",
                                            f"no sub-tree {node.subtree!r}",
                                            hint=did_you_mean(node.subtree, trees)
                                            or "sub-tree files start with `subtree: <id>`"))
                    continue
                if sub.id in stack:
                    problems.append(Problem(node.subtree_location, "subtree_cycle",
                                            "sub-trees use each other in a loop: "
                                            + " → ".join([*stack, sub.id])))
                    continue
                mapped = dict(node.exits)
                for name in sub.exits:
                    if name not in mapped:
                        problems.append(Problem(node.location, "unmapped_exit",
                                                f"sub-tree {sub.id!r} can exit by {name!r}; "
                                                f"say where that goes under `exits`"))
                for name, edge in node.exits:
                    if name not in sub.exits:
                        problems.append(Problem(edge.location, "unknown_exit",
                                                f"sub-tree {sub.id!r} has no exit {name!r}",
                                                hint=did_you_mean(name, sub.exits)))
                used[sub.id] = sub
                inner = q(nid) + "/"
                flat[q(nid)] = Jump(q(nid), node.location,
                                    Edge("enter " + sub.id, inner + sub.start.target,
                                         node.location))
                add(sub, inner, {k: _requalify(e, prefix) for k, e in mapped.items()},
                    (*stack, sub.id))
            elif isinstance(node, ExitNode):
                target = (exits or {}).get(node.exit)
                if target is not None:
                    flat[q(nid)] = Jump(q(nid), node.location,
                                        Edge("exit " + node.exit, target.target, target.location))
            else:
                flat[q(nid)] = remap_edges(node, lambda e: _requalify(e, prefix))

    add(doc, "", None, (doc.id,))
    if len(problems) > before:
        return None
    g = _graph_of(flat)
    if not nx.is_directed_acyclic_graph(g):
        _report_cycles(g, flat, problems, doc.file)
        return None
    longest = nx.dag_longest_path_length(g) if flat else 0
    if longest > max_depth:
        problems.append(Problem(doc.location, "tree_too_deep",
                                f"the longest path has {longest} steps; the limit is {max_depth}",
                                hint="shorten it with tables, or split the symptom"))
        return None
    digest = hashlib.sha256()
    for d in [doc, *sorted(used.values(), key=lambda d: d.id)]:
        digest.update(d.sha256.encode())
    return FlatTree(doc, doc.start.target, flat, tuple(used.values()), digest.hexdigest())


def _requalify(edge: Edge, prefix: str) -> Edge:
    return dataclasses.replace(edge, target=prefix + edge.target)


def remap_edges(node: Node, f: Callable[[Edge], Edge]) -> Node:
    """The same node with every outgoing edge passed through `f`."""
    unk = f(node.on_unknown) if node.on_unknown is not None else None
    if isinstance(node, CheckNode):
        return dataclasses.replace(node, yes=f(node.yes), no=f(node.no), on_unknown=unk)
    if isinstance(node, SwitchNode):
        return dataclasses.replace(
            node, cases=tuple((v, f(e)) for v, e in node.cases),
            default=f(node.default) if node.default else None, on_unknown=unk)
    if isinstance(node, TableNode):
        rows = tuple(dataclasses.replace(r, then=f(r.then)) for r in node.rows)
        return dataclasses.replace(node, rows=rows, default=f(node.default), on_unknown=unk)
    if isinstance(node, AskNode):
        return dataclasses.replace(node, cases=tuple((v, f(e)) for v, e in node.cases),
                                   on_unknown=unk)
    return node
