"""A `table` row that can never be taken: whenever its condition holds, an earlier row's holds too,
and rows are tried in order, so the earlier row always wins. The analysis is exact for conditions
built with `and`, `or` and `not` from simple tests — a bool fact, an enum or string compared with
`==`, `!=`, `in` or `not in` a list, a number compared with a threshold, `== null`, `"x" in` a list
fact — and treats any other test as a yes/no that may go either way, so a row it reports really is
dead (null counts: `x != "a"` holds when `x` is null). Usually the rows are in the wrong order: put
the narrower row first.

Fails:

    tree: weak_signal
    version: "1.0.0"
    title: Weak signal
    symptoms: [weak_signal]
    start: radio
    nodes:
      radio:
        table:
          - when: coverage.rsrp_dbm < -100
            then: weak
          - when: coverage.rsrp_dbm < -110 and coverage.gap.in_gap   # <- here
            then: known_gap
        default: investigate
      weak:
        outcome: network.weak_coverage
      known_gap:
        outcome: network.known_coverage_gap
      investigate:
        outcome: unknown.needs_investigation

Passes:

    tree: weak_signal
    version: "1.0.0"
    title: Weak signal
    symptoms: [weak_signal]
    start: radio
    nodes:
      radio:
        table:
          - when: coverage.rsrp_dbm < -110 and coverage.gap.in_gap
            then: known_gap
          - when: coverage.rsrp_dbm < -100
            then: weak
        default: investigate
      weak:
        outcome: network.weak_coverage
      known_gap:
        outcome: network.known_coverage_gap
      investigate:
        outcome: unknown.needs_investigation
"""

from __future__ import annotations

from collections.abc import Iterator

from diagtree._check.model import TableNode
from diagtree._errors import Problem
from diagtree._lint._context import LintContext
from diagtree._lint._logic import Space, evaluate, formula_of

ID = "table-row-shadowed"
SEVERITY = "error"


def check(ctx: LintContext) -> Iterator[Problem]:
    for doc in ctx.documents():
        for nid, node in doc.nodes.items():
            if isinstance(node, TableNode):
                for j, covering in shadowed_rows(node):
                    rows = " and ".join(f"row {i + 1}" for i in covering)
                    which = f"{rows} holds" if len(covering) == 1 else f"one of {rows} holds"
                    yield Problem(
                        ctx.node_at(doc, nid, "table", j, "when", text=True), ID,
                        f"row {j + 1} of table {nid!r} can never be taken: whenever "
                        f"`{node.rows[j].condition.text.strip()}` holds, {which} first",
                        SEVERITY, hint="put the narrower row first, or delete the row")


def shadowed_rows(node: TableNode) -> Iterator[tuple[int, list[int]]]:
    """(row index, the earlier rows that take its cases) for every row that can never win.
    A row that is never true at all is left to `constant-condition`."""
    formulas = [formula_of(r.condition.ir) for r in node.rows]
    envs = Space(formulas).valuations()
    if envs is None:
        return
    truths = [[evaluate(f, env) for f in formulas] for env in envs]
    for j in range(1, len(formulas)):
        firing = [t for t in truths if t[j]]
        if not firing or not all(any(t[:j]) for t in firing):
            continue
        single = [i for i in range(j) if all(t[i] for t in firing)]
        yield j, single[:1] or sorted({i for t in firing for i in range(j) if t[i]})
