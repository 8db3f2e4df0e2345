"""A `check` condition or `table` row that is always true, or always false, whatever the facts'
values (null included), so one of its branches can never be taken. Examples: `coverage.rsrp_dbm <
-110 and coverage.rsrp_dbm > -100`, `x == "a" and x == "b"`, `hlr.found or not hlr.found`. It is
decided by the same analysis as `table-row-shadowed` (tests it does not understand may go either
way, so what it reports is certain). Usually a typo in a threshold, `and` written for `or`, or a
leftover: fix the condition, or replace the node by the branch that is always taken.

Fails:

    tree: weak_signal
    version: "1.0.0"
    title: Weak signal
    symptoms: [weak_signal]
    start: weak
    nodes:
      weak:
        check: coverage.rsrp_dbm < -110 and coverage.rsrp_dbm > -100   # <- here
        yes: weak_coverage
        no: investigate
      weak_coverage:
        outcome: network.weak_coverage
      investigate:
        outcome: unknown.needs_investigation

Passes:

    tree: weak_signal
    version: "1.0.0"
    title: Weak signal
    symptoms: [weak_signal]
    start: weak
    nodes:
      weak:
        check: coverage.rsrp_dbm < -110 or coverage.rsrp_dbm > -100
        yes: weak_coverage
        no: investigate
      weak_coverage:
        outcome: network.weak_coverage
      investigate:
        outcome: unknown.needs_investigation
"""

from __future__ import annotations

from collections.abc import Iterator

from diagtree._check.model import CheckNode, TableNode
from diagtree._errors import Problem
from diagtree._expr import Expression
from diagtree._lint._context import LintContext
from diagtree._lint._logic import Space, formula_of

ID = "constant-condition"
SEVERITY = "error"


def constant(expr: Expression, *, present: bool = False) -> bool | None:
    """True/False when the condition always has that value (`present`: while every fact it
    tests has a value), else None."""
    f = formula_of(expr.ir)
    return Space([f]).constant(f, present=present)


def check(ctx: LintContext) -> Iterator[Problem]:
    for doc in ctx.documents():
        for nid, node in doc.nodes.items():
            if isinstance(node, CheckNode):
                value = constant(node.condition)
                if value is not None:
                    word = "true" if value else "false"
                    dead = node.no if value else node.yes
                    yield Problem(ctx.node_at(doc, nid, "check", text=True), ID,
                                  f"the condition of check {nid!r} is always {word}, so its "
                                  f"`{dead.label}` branch (→ {dead.target!r}) is never taken",
                                  SEVERITY, hint="fix the condition, or link straight to "
                                  + repr((node.yes if value else node.no).target))
            elif isinstance(node, TableNode):
                for i, row in enumerate(node.rows):
                    value = constant(row.condition)
                    if value is None:
                        continue
                    if value:
                        after = "the rows below it and the default are" \
                            if i + 1 < len(node.rows) else "the default is"
                        text = f"row {i + 1} of table {nid!r} always holds: {after} never taken"
                    else:
                        text = f"row {i + 1} of table {nid!r} never holds, so it is never taken"
                    yield Problem(ctx.node_at(doc, nid, "table", i, "when", text=True), ID,
                                  text, SEVERITY, hint="fix the condition, or remove the row")
