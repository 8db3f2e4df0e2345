"""Sub-tree inlining: qualified ids, and the flat tree the compiler turns into closures.

A tree that ``use``s a sub-tree gets the sub-tree's nodes under the ``use`` node's id:
``line/odb_reason`` is node ``odb_reason`` of the sub-tree brought in by node ``line``, and
deeper nestings add segments (``a/b/c``). One walker, `qualified_nodes`, says where every node
lands (its `Scope`: the document, the prefix, and the `use` node that brought the document in);
`follow` says where an edge really goes, past `use` nodes (into the sub-tree's start) and `exit`
nodes (back to the caller's mapped edge). The engine (`inline_tree`), the coverage report and the
pictures all place nodes with them.

`inline_tree` gives the flat graph: `use` and `exit` nodes become `Jump`s that the compiler
collapses, and the checks that need the whole tree run on it (unknown sub-trees, unmapped exits,
recursion between sub-trees, cycles that cross files, the depth limit).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from diagtree._check.branches import exit_
from diagtree._check.model import Document, Edge, ExitNode, Node, UseNode
from diagtree._check.structure import (
    FlatNode,
    FlatTree,
    Jump,
    graph_of,
    longest_path,
    report_cycles,
)
from diagtree._errors import Problem, did_you_mean

__all__ = ["Placed", "Scope", "follow", "inline_tree", "qualified_nodes"]

#: bound on the use/exit hops `follow` takes (cycles are rejected when the library loads)
_MAX_HOPS = 256


@dataclass(frozen=True)
class Scope:
    """Where a document's nodes land: under `prefix`, brought in by `use` (written in `outer`);
    the top document has neither."""

    document: Document
    prefix: str = ""
    use: UseNode | None = None
    outer: Scope | None = None

    def qid(self, node_id: str) -> str:
        """The qualified id of one of the document's nodes."""
        return self.prefix + node_id

    def ids(self) -> tuple[str, ...]:
        """The documents on the way in, outermost first, ending with this one."""
        return (*(self.outer.ids() if self.outer is not None else ()), self.document.id)

    def enter(self, node_id: str, node: Node,
              documents: Mapping[str, Document]) -> Scope | None:
        """The scope of the sub-tree a `use` node brings in; None when it is not a node that
        does (another kind, no such sub-tree, or a sub-tree already on the way in)."""
        if not isinstance(node, UseNode):
            return None
        sub = documents.get(node.subtree)
        if sub is None or sub.kind != "subtree" or sub.id in self.ids():
            return None
        return Scope(sub, self.qid(node_id) + "/", node, self)

    def exit_edge(self, name: str) -> tuple[Scope, Edge] | None:
        """Where leaving by exit `name` goes: the caller's edge, in the caller's scope."""
        if self.use is None or self.outer is None:
            return None
        for exit_name, edge in self.use.exits:
            if exit_name == name:
                return self.outer, edge
        return None


@dataclass(frozen=True)
class Placed:
    """One node where it lands; `inner` is the scope of the sub-tree a `use` node enters."""

    scope: Scope
    id: str
    node: Node
    inner: Scope | None

    @property
    def qid(self) -> str:
        return self.scope.qid(self.id)


def qualified_nodes(doc: Document, documents: Mapping[str, Document], *,
                    inline: bool = True) -> Iterator[Placed]:
    """Every node of `doc` and, with `inline`, of the sub-trees it uses (directly or not), in
    file order: a `use` node, then the nodes of its sub-tree."""
    def walk(scope: Scope) -> Iterator[Placed]:
        for nid, node in scope.document.nodes.items():
            inner = scope.enter(nid, node, documents) if inline else None
            yield Placed(scope, nid, node, inner)
            if inner is not None:
                yield from walk(inner)

    yield from walk(Scope(doc))


def follow(scope: Scope, target: str, documents: Mapping[str, Document], *,
           inline: bool = True) -> tuple[str, tuple[str, ...]]:
    """Where an edge to `target` (a node of `scope`'s document) really goes, as a qualified id:
    into a used sub-tree's start (with `inline`), out through an exit to the caller's node; and
    the exits it leaves by (``exit clear``, innermost first)."""
    via: list[str] = []
    for _ in range(_MAX_HOPS):
        node = scope.document.nodes.get(target)
        if isinstance(node, ExitNode) and (out := scope.exit_edge(node.exit)) is not None:
            via.append(exit_(node.exit))
            scope, target = out[0], out[1].target
            continue
        inner = scope.enter(target, node, documents) if inline and node is not None else None
        if inner is None:
            break
        scope, target = inner, inner.document.start.target
    return scope.qid(target), tuple(via)


def inline_tree(doc: Document, documents: Mapping[str, Document], problems: list[Problem],
                max_depth: int) -> FlatTree | None:
    """Inline the sub-trees `doc` uses; None when that is impossible (problems reported)."""
    flat: dict[str, FlatNode] = {}
    used: dict[str, Document] = {}
    before = len(problems)
    for placed in qualified_nodes(doc, documents):
        node, qid, scope = placed.node, placed.qid, placed.scope
        if isinstance(node, UseNode):
            if placed.inner is None:
                _not_entered(node, scope, documents, problems)
                continue
            sub = placed.inner.document
            _check_exits(node, sub, problems)
            used[sub.id] = sub
            flat[qid] = Jump(qid, node.location,
                             Edge("enter " + sub.id, placed.inner.qid(sub.start.target),
                                  node.location))
        elif isinstance(node, ExitNode):
            out = scope.exit_edge(node.exit)
            if out is not None:
                outer, edge = out
                flat[qid] = Jump(qid, node.location,
                                 Edge(exit_(node.exit), outer.qid(edge.target), edge.location))
        else:
            flat[qid] = node.remap(_requalify(scope.prefix))

    if len(problems) > before:
        return None
    longest = longest_path(flat)
    if longest is None:  # a cycle
        report_cycles(graph_of(flat), flat, problems, doc.file)
        return None
    if longest > max_depth:
        problems.append(Problem(doc.location, "tree_too_deep",
                                f"the longest path has {longest} steps; the limit is {max_depth}",
                                hint="shorten it with tables, or split the symptom"))
        return None
    digest = hashlib.sha256()
    for d in [doc, *sorted(used.values(), key=lambda d: d.id)]:
        digest.update(d.sha256.encode())
    return FlatTree(doc, doc.start.target, flat, tuple(used.values()), digest.hexdigest())


def _requalify(prefix: str) -> Callable[[Edge], Edge]:
    def requalify(edge: Edge) -> Edge:
        return dataclasses.replace(edge, target=prefix + edge.target)
    return requalify


def _not_entered(node: UseNode, scope: Scope, documents: Mapping[str, Document],
                 problems: list[Problem]) -> None:
    """Why a `use` node brings nothing in: no such sub-tree, or one already on the way in."""
    sub = documents.get(node.subtree)
    if sub is None or sub.kind != "subtree":
        trees = [d.id for d in documents.values() if d.kind == "subtree"]
        problems.append(Problem(node.subtree_location, "unknown_subtree",
                                f"no sub-tree {node.subtree!r}",
                                hint=did_you_mean(node.subtree, trees)
                                or "sub-tree files start with `subtree: <id>`"))
    else:
        problems.append(Problem(node.subtree_location, "subtree_cycle",
                                "sub-trees use each other in a loop: "
                                + " → ".join([*scope.ids(), sub.id])))


def _check_exits(node: UseNode, sub: Document, problems: list[Problem]) -> None:
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
