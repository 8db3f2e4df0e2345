"""An entry of the outcome catalog that no tree can conclude. No `outcome` node names its cause, or
a finer code that uses it (`network.site_outage.power` uses `network.site_outage` when it has no
entry of its own), so the agents' actions and the script kept there are never shown. The engine's
own fallbacks, `unknown.data_unavailable` and `unknown.needs_investigation`, are always used.
Remove the entry, or add the check that concludes it to the trees whose symptoms it applies to.

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
    # file: outcomes.yaml
    outcomes:
      network.weak_coverage: {resolution: frontline, script: sorry}
      network.interference: {resolution: frontline, script: sorry}   # <- here
      unknown.needs_investigation: {resolution: frontline, script: sorry}
      unknown.data_unavailable: {resolution: frontline, script: sorry}
    # file: scripts.yaml
    scripts:
      sorry:
        zh-CN: 给您带来不便，非常抱歉。
        en: Sorry for the trouble.

Passes:

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
    # file: outcomes.yaml
    outcomes:
      network.weak_coverage: {resolution: frontline, script: sorry}
      unknown.needs_investigation: {resolution: frontline, script: sorry}
      unknown.data_unavailable: {resolution: frontline, script: sorry}
    # file: scripts.yaml
    scripts:
      sorry:
        zh-CN: 给您带来不便，非常抱歉。
        en: Sorry for the trouble.
"""

from __future__ import annotations

from collections.abc import Iterator

from diagtree._check.model import OutcomeNode
from diagtree._errors import Problem
from diagtree._lint._context import LintContext
from diagtree._vocab.taxonomy import DATA_UNAVAILABLE, NEEDS_INVESTIGATION

ID = "unused-outcome"
SEVERITY = "warning"


def check(ctx: LintContext) -> Iterator[Problem]:
    catalog = ctx.lib.catalog
    used = {DATA_UNAVAILABLE, NEEDS_INVESTIGATION}
    for doc in ctx.documents():
        for node in doc.nodes.values():
            if isinstance(node, OutcomeNode):
                entry = catalog.entry(node.cause)
                if entry is not None:
                    used.add(entry.cause)
    for cause, entry in catalog.entries.items():
        if cause not in used:
            yield Problem(ctx.at(entry.file, ("outcomes", cause), key=True), ID,
                          f"no tree concludes {cause!r}: its catalog entry is never used",
                          SEVERITY, hint="remove the entry, or conclude the cause in a tree")
