"""A `switch` on an enum whose `default` takes values of the enum that have no case of their own.
`validate` already refuses a switch that misses values and has no default; with a default, the
values it swallows — and any value added to the enum later, say a new barring reason — go there
silently. Name every value as a case (several may lead to the same node) and drop the default, with
a `"null"` case for null if null needs its own place: a value added later is then a `validate`
error (`switch_needs_default`) that makes the author decide, instead of a wrong diagnosis.

Fails:

    tree: number_recycled
    version: "1.0.0"
    title: Number recycled
    symptoms: [number_recycled]
    start: state
    nodes:
      state:
        switch: hlr.number_state
        cases:
          reclaimed: recycled
        default: investigate   # <- here
      recycled:
        outcome: subscriber.number_recycled
      investigate:
        outcome: unknown.needs_investigation

Passes:

    tree: number_recycled
    version: "1.0.0"
    title: Number recycled
    symptoms: [number_recycled]
    start: state
    nodes:
      state:
        switch: hlr.number_state
        cases:
          reclaimed: recycled
          in_use: investigate
          suspended: investigate
          "null": investigate
      recycled:
        outcome: subscriber.number_recycled
      investigate:
        outcome: unknown.needs_investigation
"""

from __future__ import annotations

from collections.abc import Iterator

from diagtree._check.model import SwitchNode
from diagtree._errors import Problem
from diagtree._lint._context import LintContext

ID = "enum-switch-default"
SEVERITY = "warning"


def check(ctx: LintContext) -> Iterator[Problem]:
    for doc in ctx.documents():
        for nid, node in doc.nodes.items():
            if not isinstance(node, SwitchNode) or node.default is None:
                continue
            ftype = node.subject.type
            if ftype.kind != "enum":
                continue
            named = {value for value, _ in node.cases}
            swallowed = [v for v in ftype.values if v not in named]
            if swallowed:
                yield Problem(ctx.node_at(doc, nid, "default", key=True), ID,
                              f"switch {nid!r} on `{node.subject.text.strip()}` sends "
                              + ", ".join(swallowed) + f" to its default ({node.default.target!r})"
                              " without naming them", SEVERITY,
                              hint="add a case for each (and a \"null\" case), then remove the "
                              "default so that a new value is reported by validate")
