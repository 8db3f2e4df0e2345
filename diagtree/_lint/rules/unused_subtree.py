"""A sub-tree that no tree uses, directly or through another sub-tree: it is loaded, validated and
maintained, but no complaint ever walks it. Often a tree was changed to check the same thing
inline, or a `use:` names a copy. Use it from the trees that need it, or delete the file.

Fails:

    # file: weak_signal.yaml
    tree: weak_signal
    version: "1.0.0"
    title: Weak signal
    symptoms: [weak_signal]
    start: weak
    nodes:
      weak:
        check: coverage.rsrp_dbm < -110
        yes: weak_coverage
        no: investigate
      weak_coverage:
        outcome: network.weak_coverage
      investigate:
        outcome: unknown.needs_investigation
    # file: shared/radio.yaml
    subtree: radio   # <- here
    version: "1.0.0"
    title: Radio
    exits: [clear]
    start: weak
    nodes:
      weak:
        check: coverage.rsrp_dbm < -110
        yes: weak_coverage
        no: clear
      weak_coverage:
        outcome: network.weak_coverage
      clear:
        exit: clear

Passes:

    # file: weak_signal.yaml
    tree: weak_signal
    version: "1.0.0"
    title: Weak signal
    symptoms: [weak_signal]
    start: radio
    nodes:
      radio:
        use: radio
        exits: {clear: investigate}
      investigate:
        outcome: unknown.needs_investigation
    # file: shared/radio.yaml
    subtree: radio
    version: "1.0.0"
    title: Radio
    exits: [clear]
    start: weak
    nodes:
      weak:
        check: coverage.rsrp_dbm < -110
        yes: weak_coverage
        no: clear
      weak_coverage:
        outcome: network.weak_coverage
      clear:
        exit: clear
"""

from __future__ import annotations

from collections.abc import Iterator

from diagtree._errors import Problem
from diagtree._lint._context import LintContext

ID = "unused-subtree"
SEVERITY = "warning"


def check(ctx: LintContext) -> Iterator[Problem]:
    used = {sub.id for tree in ctx.trees() for sub in tree.flat.subtrees}
    for doc in ctx.documents():
        if doc.kind == "subtree" and doc.id not in used:
            yield Problem(doc.location, ID, f"no tree uses the sub-tree {doc.id!r}", SEVERITY,
                          hint="`use:` it from a tree, or delete the file")
