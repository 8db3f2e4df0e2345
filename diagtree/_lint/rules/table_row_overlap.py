"""Two `table` rows that test the same fact, lead to different places, and overlap only in part.
For the values they share the earlier row silently wins, which is often not what the author meant
(Drools calls this an overlap). Not reported: rows that never hold together, and an earlier row
that lies entirely inside a later one — an exception written before the general rule, which is how
a first-match table says "this case, else that". Reported only when both rows are simple tests on
facts (as for `table-row-shadowed`), so the values shown really make both rows true; a row that can
never be taken at all is `table-row-shadowed` instead. Make the rows exclusive (`coverage.rsrp_dbm
>= -100 and …`), or, when the order decides on purpose, say so with a suppression comment.

Fails:

    tree: slow_data
    version: "1.0.0"
    title: Slow data
    symptoms: [slow_data]
    start: radio
    nodes:
      radio:
        table:
          - when: coverage.rsrp_dbm < -110
            then: weak
          - when: coverage.rsrp_dbm < -90 and coverage.sinr_db < 0   # <- here
            then: interference
        default: investigate
      weak:
        outcome: network.weak_coverage
      interference:
        outcome: network.interference
      investigate:
        outcome: unknown.needs_investigation

Passes:

    tree: slow_data
    version: "1.0.0"
    title: Slow data
    symptoms: [slow_data]
    start: radio
    nodes:
      radio:
        table:
          - when: coverage.rsrp_dbm < -110
            then: weak
          - when: coverage.rsrp_dbm >= -100 and coverage.sinr_db < 0
            then: interference
        default: investigate
      weak:
        outcome: network.weak_coverage
      interference:
        outcome: network.interference
      investigate:
        outcome: unknown.needs_investigation
"""

from __future__ import annotations

from collections.abc import Iterator

from diagtree._check.model import Document, TableNode
from diagtree._errors import Problem
from diagtree._lint._context import LintContext, same_result
from diagtree._lint._logic import Space, evaluate, formula_of, show_value
from diagtree._lint.rules.table_row_shadowed import shadowed_rows

ID = "table-row-overlap"
SEVERITY = "warning"


def check(ctx: LintContext) -> Iterator[Problem]:
    for doc in ctx.documents():
        for nid, node in doc.nodes.items():
            if isinstance(node, TableNode):
                yield from _table(ctx, doc, nid, node)


def _table(ctx: LintContext, doc: Document, nid: str, node: TableNode) -> Iterator[Problem]:
    dead = {j for j, _ in shadowed_rows(node)}
    formulas = [formula_of(r.condition.ir) for r in node.rows]
    for j in range(1, len(formulas)):
        if j in dead:
            continue
        for i in range(j):
            a, b = node.rows[i].then.target, node.rows[j].then.target
            if same_result(doc.nodes.get(a), doc.nodes.get(b), a, b):
                continue
            space = Space([formulas[i], formulas[j]])
            if not space.exact or not space.facts(formulas[i]) & space.facts(formulas[j]):
                continue
            envs = sorted(space.valuations() or (),
                          key=lambda env: sum(v is None for v in env.values()))
            both = next((env for env in envs
                         if evaluate(formulas[i], env) and evaluate(formulas[j], env)), None)
            if both is None or not any(evaluate(formulas[i], env)
                                       and not evaluate(formulas[j], env) for env in envs):
                continue  # disjoint, or row i is an exception carved out of row j: deliberate
            shown = ", ".join(f"{k} = {show_value(v)}" for k, v in sorted(both.items()))
            yield Problem(ctx.node_at(doc, nid, "table", j, "when", text=True), ID,
                          f"rows {i + 1} and {j + 1} of table {nid!r} both hold when {shown}; "
                          f"row {i + 1} wins (→ {a!r}), not row {j + 1} (→ {b!r})",
                          SEVERITY, hint="make the rows exclusive, or suppress this with a "
                          "comment that says why the order decides")
            break
