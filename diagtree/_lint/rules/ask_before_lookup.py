"""A question to the customer that a system lookup made right after it could have made unnecessary.
Lookups come first: a tree asks only what the systems cannot see (docs/taxonomy.md §7). Precisely:
every answer of an `ask` node leads straight to the same decision — one `check`, `switch` or `table`
node, or several with the same condition (sub-tree jumps are followed) — and for at least one result
of that decision (`yes`, `no`, a case, a row, the default; not `on_unknown`) every answer then leads
to the same place. Whenever the lookup gives that result, the customer's answer changed nothing, yet
they were asked. Move the lookup before the question, and ask only on the results where the answer
matters.

Fails:

    tree: no_service
    version: "1.0.0"
    title: No service
    symptoms: [no_service]
    start: airplane
    nodes:
      airplane:
        ask: airplane_mode   # <- here
        yes: sim_then_settings
        no: sim
      sim_then_settings:
        check: hlr.sim_not_registered
        yes: sim_fault
        no: settings
      sim:
        check: hlr.sim_not_registered
        yes: sim_fault
        no: investigate
      settings:
        outcome: device.settings
      sim_fault:
        outcome: device.sim_fault
      investigate:
        outcome: unknown.needs_investigation

Passes:

    tree: no_service
    version: "1.0.0"
    title: No service
    symptoms: [no_service]
    start: airplane
    nodes:
      airplane:
        ask: airplane_mode
        yes: settings
        no: sim
      sim:
        check: hlr.sim_not_registered
        yes: sim_fault
        no: investigate
      settings:
        outcome: device.settings
      sim_fault:
        outcome: device.sim_fault
      investigate:
        outcome: unknown.needs_investigation
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from diagtree._check.model import AskNode, CheckNode, SwitchNode, TableNode
from diagtree._check.structure import FlatNode, FlatTree
from diagtree._errors import Problem
from diagtree._expr.ast import to_text
from diagtree._lint._context import LintContext, same_result

ID = "ask-before-lookup"
SEVERITY = "warning"

_NOWHERE: Final = "(no matching case)"


def _decision(node: FlatNode) -> tuple[str, ...] | None:
    """What a fact-reading node decides on (kind and condition texts); None for other nodes."""
    if isinstance(node, CheckNode):
        return ("check", to_text(node.condition.ir))
    if isinstance(node, SwitchNode):
        return ("switch", to_text(node.subject.ir))
    if isinstance(node, TableNode):
        return ("table", *(to_text(r.condition.ir) for r in node.rows))
    return None


def _results(node: FlatNode) -> dict[str, str]:
    """Result label -> target node id, for a check, switch or table (not `on_unknown`)."""
    if isinstance(node, CheckNode):
        return {"yes": node.yes.target, "no": node.no.target}
    if isinstance(node, TableNode):
        out = {f"row {i + 1}": r.then.target for i, r in enumerate(node.rows)}
        return {**out, "default": node.default.target}
    assert isinstance(node, SwitchNode)
    default = node.default.target if node.default is not None else _NOWHERE
    out = {("null" if v is None else str(v).lower() if isinstance(v, bool) else str(v)):
           e.target for v, e in node.cases}
    if node.subject.type.kind == "enum":
        out.update({v: default for v in node.subject.type.values if v not in out})
    out.setdefault("null", default)
    return {**out, "default": default}


def _settled(flat: FlatTree, ask: AskNode) -> tuple[str, str, str] | None:
    """(decision text, result label, common target) when a lookup after `ask` settles it."""
    targets = [flat.resolve(e.target) for _, e in ask.cases]
    nodes = [flat.nodes.get(t) for t in targets]
    if len(nodes) < 2 or any(n is None for n in nodes):
        return None
    decisions = {_decision(n) for n in nodes if n is not None}
    decision = decisions.pop() if len(decisions) == 1 else None
    if decision is None:
        return None
    results = [_results(n) for n in nodes if n is not None]
    for label in results[0]:
        ends = [flat.resolve(r.get(label, r.get("default", _NOWHERE))) for r in results]
        first = ends[0]
        if all(same_result(flat.nodes.get(first), flat.nodes.get(e), first, e)
               for e in ends[1:]):
            return " | ".join(decision[1:]), label, first.rsplit("/", 1)[-1]
    return None


def check(ctx: LintContext) -> Iterator[Problem]:
    for tree in ctx.trees():
        flat = tree.flat
        for node in flat.nodes.values():
            if not isinstance(node, AskNode):
                continue
            found = _settled(flat, node)
            if found is None:
                continue
            text, label, target = found
            yield Problem(node.question_location, ID,
                          f"whatever the customer answers to {node.question.id!r}, the walk "
                          f"then looks up `{text}`, and when that gives {label!r} every answer "
                          f"leads to {target!r}: the question was not needed",
                          SEVERITY, hint="make the lookup first and ask only where the answer "
                          "matters")
