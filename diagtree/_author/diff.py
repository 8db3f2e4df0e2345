"""What changed between two versions of a tree (or sub-tree), in terms an author reads.

Nodes added and removed, a node whose kind, condition, question or outcome changed, and every
branch re-routed (``yes`` now goes to ``weak`` instead of ``gap``; branches that now end in a
different outcome say so). Locations refer to the new file (the old one for removals).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from diagtree._check.model import Document, Node, OutcomeNode, TableNode

__all__ = ["Change", "diff_documents"]


@dataclass(frozen=True)
class Change:
    kind: str  # added | removed | changed | rerouted | header
    where: str  # file:line:col
    text: str

    def __str__(self) -> str:
        mark = {"added": "+", "removed": "-"}.get(self.kind, "~")
        return f"{mark} {self.text}  ({self.where})"


def _describe(node: Node) -> str:
    return node.describe()


def _edges(node: Node) -> dict[str, str]:
    return {edge.label: edge.target for edge in node.edges()}


def _ends(doc: Document, target: str) -> str:
    node = doc.nodes.get(target)
    if isinstance(node, OutcomeNode):
        return f"outcome {node.cause}"
    return f"node {target}"


def diff_documents(old: Document, new: Document) -> list[Change]:
    """The changes from `old` to `new`, in reading order of the new file."""
    changes: list[Change] = list(_header(old, new))
    for nid, node in new.nodes.items():
        where = str(node.location)
        before = old.nodes.get(nid)
        if before is None:
            changes.append(Change("added", where, f"node {nid}: {_describe(node)}"))
            continue
        if before.kind != node.kind or _describe(before) != _describe(node):
            changes.append(Change("changed", where,
                                  f"node {nid}: {_describe(before)} → {_describe(node)}"))
        changes.extend(_node_details(old, new, nid, before, node))
    for nid, node in old.nodes.items():
        if nid not in new.nodes:
            changes.append(Change("removed", str(node.location),
                                  f"node {nid}: {_describe(node)}"))
    return changes


def _header(old: Document, new: Document) -> Iterator[Change]:
    where = str(new.location)
    for label, a, b in (("version", old.version, new.version),
                        ("effective_from", old.effective_from, new.effective_from),
                        ("symptoms", ", ".join(old.symptoms), ", ".join(new.symptoms)),
                        ("owner", old.owner, new.owner)):
        if a != b:
            yield Change("header", where, f"{label}: {a} → {b}")
    if old.start.target != new.start.target:
        yield Change("rerouted", str(new.start.location),
                     f"start: now {new.start.target} (was {old.start.target})")


def _node_details(old: Document, new: Document, nid: str, before: Node,
                  node: Node) -> Iterator[Change]:
    where = str(node.location)
    if isinstance(before, TableNode) and isinstance(node, TableNode):
        for i, (a, b) in enumerate(zip(before.rows, node.rows, strict=False), 1):
            if a.condition.text != b.condition.text:
                yield Change("changed", str(b.location),
                             f"node {nid} row {i}: {a.condition.text} → {b.condition.text}")
        if len(before.rows) != len(node.rows):
            yield Change("changed", where,
                         f"node {nid}: {len(before.rows)} rows → {len(node.rows)} rows")
    if isinstance(before, OutcomeNode) and isinstance(node, OutcomeNode):
        was = {k: e.text for k, e in before.values}
        now = {k: e.text for k, e in node.values}
        for key in sorted(set(was) | set(now)):
            if was.get(key) != now.get(key):
                yield Change("changed", where, f"node {nid} value {key}: "
                             f"{was.get(key, '(none)')} → {now.get(key, '(none)')}")
    old_edges, new_edges = _edges(before), _edges(node)
    for label in [*new_edges, *(x for x in old_edges if x not in new_edges)]:
        a_target, b_target = old_edges.get(label), new_edges.get(label)
        if a_target == b_target:
            continue
        if b_target is None:
            yield Change("rerouted", where, f"node {nid}: branch {label} removed "
                         f"(went to {a_target})")
        elif a_target is None:
            yield Change("rerouted", where, f"node {nid}: new branch {label} → "
                         f"{_ends(new, b_target)}")
        else:
            yield Change("rerouted", where, f"node {nid}: {label} now → "
                         f"{_ends(new, b_target)} (was {_ends(old, a_target)})")
