"""A fact the source adapters declare that no tree, sub-tree or policy rule reads. The adapters
compute it for every complaint anyway, and an author looking for a fact to test may not know it
exists — or the trees test a different fact for the same evidence. This is information, never a
failure (a fact may be declared for the trace, or for trees still to come); the problem points at
the adapter's declaration. Read it where it decides something, or stop declaring it.

Fails:

    # facts: hlr.number_state, hlr.apn
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

Passes:

    # facts: hlr.number_state
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
from typing import Final

from diagtree._errors import Location, Problem
from diagtree._lint._context import LintContext

ID = "unread-fact"
SEVERITY = "info"

#: facts the engine itself provides (the complaint's, and the policy's own): not adapters'
_ENGINE_SOURCES: Final = frozenset({"complaint", "diagnosis", "history"})


def check(ctx: LintContext) -> Iterator[Problem]:
    lib = ctx.lib
    read: set[str] = set()
    for doc in ctx.documents():
        for node in doc.nodes.values():
            for expr in node.expressions():
                read.update(expr.facts)
    if lib.policy is not None:
        for rule in lib.policy.rules:
            read.update(rule.when.facts)
    for name, spec in ctx.schema.items():
        if spec.source in _ENGINE_SOURCES or name in read:
            continue
        yield Problem(ctx.fact_origins.get(name, Location(f"(facts of the {spec.source} source)")),
                      ID, f"no tree, sub-tree or policy rule reads the fact {name!r} "
                      f"({spec.type}: {spec.doc})", SEVERITY)
