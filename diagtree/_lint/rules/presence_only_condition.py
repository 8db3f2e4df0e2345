"""A `check` condition or `table` row that only tests whether facts are null, whatever values it
seems to compare. `hlr.number_state in ["in_use", "suspended", "reclaimed"]` (every value of the
enum) and `hlr.found == true or hlr.found == false` are both just `!= null`: false when the fact is
absent, true for every value. Either the condition forgets a case, or it means presence: then write
`hlr.number_state != null` (or `== null`), which says so and is not reported. (A condition that is
constant even for null is `constant-condition`.)

Fails:

    tree: number_recycled
    version: "1.0.0"
    title: Number recycled
    symptoms: [number_recycled]
    start: state
    nodes:
      state:
        check: hlr.number_state in ["in_use", "suspended", "reclaimed"]   # <- here
        yes: reclaimed
        no: investigate
      reclaimed:
        check: hlr.number_state == "reclaimed"
        yes: recycled
        no: investigate
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
        check: hlr.number_state != null
        yes: reclaimed
        no: investigate
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

from diagtree._check.model import CheckNode, TableNode
from diagtree._errors import Problem
from diagtree._expr import Expression
from diagtree._lint._context import LintContext
from diagtree._lint._logic import Formula, Junction, Test, formula_of
from diagtree._lint.rules.constant_condition import constant

ID = "presence-only-condition"
SEVERITY = "warning"


def is_null_test(f: Formula) -> bool:
    """Whether a condition is written as null tests only (`x != null`, `a == null or …`)."""
    if isinstance(f, Junction):
        return f.kind != "const" and all(is_null_test(p) for p in f.parts)
    return isinstance(f, Test) and f.op in ("==", "!=") and f.value is None


def _finding(expr: Expression) -> str | None:
    if is_null_test(formula_of(expr.ir)) or constant(expr) is not None:
        return None
    value = constant(expr, present=True)
    if value is None:
        return None
    facts = ", ".join(expr.facts)
    test = "!= null" if value else "== null"
    return (f"`{expr.text.strip()}` is {str(value).lower()} for every value of {facts}: it only "
            f"tests whether it is null (`{test}`)")


def check(ctx: LintContext) -> Iterator[Problem]:
    hint = "name the values you mean, or write the null test itself"
    for doc in ctx.documents():
        for nid, node in doc.nodes.items():
            if isinstance(node, CheckNode):
                found = _finding(node.condition)
                if found:
                    yield Problem(ctx.node_at(doc, nid, "check", text=True), ID,
                                  f"check {nid!r}: {found}", SEVERITY, hint=hint)
            elif isinstance(node, TableNode):
                for i, row in enumerate(node.rows):
                    found = _finding(row.condition)
                    if found:
                        yield Problem(ctx.node_at(doc, nid, "table", i, "when", text=True), ID,
                                      f"row {i + 1} of table {nid!r}: {found}", SEVERITY,
                                      hint=hint)
