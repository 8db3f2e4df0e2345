"""Structural checks, and the flat tree that sub-tree inlining gives.

Per file: dangling references (with a did-you-mean), nodes unreachable from `start`, nodes from
which no outcome (or, in a sub-tree, no exit) can be reached, and cycles. The checks per tree,
after inlining, are in `diagtree._check.inline`.

Inlining gives a flat graph whose node ids are qualified by the `use` node that brought them in
(``line/odb_reason``); `use` and `exit` nodes become `Jump`s that the compiler collapses.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from diagtree._check.model import Document, Edge, ExitNode, Node, OutcomeNode, UseNode
from diagtree._errors import Location, Problem, did_you_mean

__all__ = ["FlatTree", "Jump", "check_document", "graph_of", "longest_path", "report_cycles"]


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
        *_, last = self.path(target)
        return last

    def path(self, target: str) -> Iterator[str]:
        """The ids an edge to `target` passes: `target`, then each jump's target, ending at
        the first node that is not a `Jump` (or one not in the tree)."""
        seen: set[str] = set()
        yield target
        while isinstance(node := self.nodes.get(target), Jump) and target not in seen:
            seen.add(target)
            target = node.to.target
            yield target


def graph_of(nodes: Mapping[str, FlatNode]) -> Any:
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
    succ: dict[str, list[str]] = {}  # as `_successors(nodes)`, gathered on the way
    for nid, node in nodes.items():
        targets = succ[nid] = []
        for edge in node.edges():
            if edge.target in nodes:
                targets.append(edge.target)
            elif edge.target in doc.broken:
                ok = False  # already reported where that node is written
            else:
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
    reachable = _reach(succ, [doc.start.target])
    for nid, node in nodes.items():
        if nid not in reachable:
            problems.append(Problem(node.location, "unreachable_node",
                                    f"node {nid!r} cannot be reached from start "
                                    f"{doc.start.target!r}",
                                    hint="link it from another node or delete it"))
    ends = [nid for nid, n in nodes.items() if isinstance(n, OutcomeNode | ExitNode | UseNode)]
    # a `use` is a possible end here: what lies beyond it is checked after inlining
    can_end = _reach(_predecessors(succ), ends)  # the ends and every node that reaches one
    for nid in sorted(reachable - can_end):
        problems.append(Problem(nodes[nid].location, "no_outcome",
                                f"no outcome can be reached from node {nid!r}",
                                hint="every path must end in an `outcome`"
                                + (" or an `exit`" if doc.kind == "subtree" else "")))
    if ok and not is_acyclic(succ):
        report_cycles(graph_of(nodes), nodes, problems, doc.file)


def _successors(nodes: Mapping[str, FlatNode]) -> dict[str, list[str]]:
    """The graph of `graph_of` as plain lists: each node's targets (in `nodes`)."""
    return {nid: [e.target for e in node.edges() if e.target in nodes]
            for nid, node in nodes.items()}


def _predecessors(succ: Mapping[str, list[str]]) -> dict[str, list[str]]:
    pred: dict[str, list[str]] = {nid: [] for nid in succ}
    for nid, targets in succ.items():
        for target in targets:
            pred[target].append(nid)
    return pred


def _reach(succ: Mapping[str, list[str]], starts: list[str]) -> set[str]:
    """`starts` and every node reachable from one of them."""
    seen = set(starts)
    todo = list(starts)
    while todo:
        for target in succ[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def is_acyclic(succ: Mapping[str, list[str]]) -> bool:
    """Whether the graph has no cycle (a node linking to itself is one)."""
    return _longest(succ) is not None


def _longest(succ: Mapping[str, list[str]]) -> int | None:
    """The number of edges on the graph's longest path, or None when it has a cycle: Kahn's
    algorithm, each node's distance from the furthest node before it carried along."""
    indegree = dict.fromkeys(succ, 0)
    for targets in succ.values():
        for target in targets:
            indegree[target] += 1
    todo = [nid for nid, n in indegree.items() if n == 0]
    dist = dict.fromkeys(succ, 0)
    done = 0
    longest = 0
    while todo:
        done += 1
        nid = todo.pop()
        here = dist[nid]
        longest = max(longest, here)
        for target in succ[nid]:
            if dist[target] <= here:
                dist[target] = here + 1
            indegree[target] -= 1
            if indegree[target] == 0:
                todo.append(target)
    return longest if done == len(succ) else None


def longest_path(nodes: Mapping[str, FlatNode]) -> int | None:
    """What networkx's `dag_longest_path_length(graph_of(nodes))` gives — the steps on the
    longest path — or None when the graph has a cycle (`report_cycles` names it)."""
    return _longest(_successors(nodes))


def report_cycles(g: Any, nodes: Mapping[str, FlatNode], problems: list[Problem],
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
