"""A cause that the taxonomy says applies to a symptom but that no path of the symptom's tree, its
sub-trees included, can conclude. The table is docs/taxonomy.md §3, "Which causes apply to which
symptom", encoded in this rule. A complaint with that cause's evidence then gets another diagnosis,
usually `unknown.needs_investigation`. A finer code counts as its cause
(`network.site_outage.power` is `network.site_outage`); `unknown.*` are left out, as every symptom
may end there. Add the check, or, if the evidence cannot be seen for this symptom, say so with a
suppression comment on the symptom.

Fails:

    tree: number_recycled
    version: "1.0.0"
    title: Number recycled
    symptoms: [number_recycled]   # <- here
    start: investigate
    nodes:
      investigate:
        outcome: unknown.needs_investigation

Passes:

    tree: number_recycled
    version: "1.0.0"
    title: Number recycled
    symptoms: [number_recycled]
    start: reclaimed
    nodes:
      reclaimed:
        check: hlr.number_state == "reclaimed"
        yes: recycled
        no: investigate
      recycled:
        outcome: subscriber.number_recycled
      investigate:
        outcome: unknown.needs_investigation
"""

from __future__ import annotations

from collections.abc import Iterator

from diagtree._check.model import OutcomeNode
from diagtree._compile.steps import CompiledTree
from diagtree._errors import Problem
from diagtree._lint._context import LintContext
from diagtree._vocab.precedence import APPLIES
from diagtree._vocab.taxonomy import base_cause

ID = "unreachable-cause"
SEVERITY = "warning"

def reachable_causes(tree: CompiledTree) -> set[str]:
    """The taxonomy causes of every outcome a walk of the tree can reach."""
    flat = tree.flat
    seen = {flat.start}
    todo = [flat.start]
    while todo:
        node = flat.nodes.get(todo.pop())
        for edge in node.edges() if node is not None else ():
            if edge.target not in seen:
                seen.add(edge.target)
                todo.append(edge.target)
    return {base_cause(n.cause) or n.cause for nid in seen
            if isinstance(n := flat.nodes.get(nid), OutcomeNode)}


def check(ctx: LintContext) -> Iterator[Problem]:
    for tree in ctx.trees():
        doc = tree.flat.document
        reached = reachable_causes(tree)
        for i, symptom in enumerate(doc.symptoms):
            missing = [c for c in APPLIES.get(symptom, ()) if c not in reached]
            if missing:
                yield Problem(ctx.at(doc.file, ("symptoms", i)), ID,
                              f"tree {doc.id!r} cannot conclude " + ", ".join(missing)
                              + f", which the taxonomy says apply to {symptom!r}", SEVERITY,
                              hint="add the checks (docs/taxonomy.md §3 gives the evidence and the "
                              "precedence)")
