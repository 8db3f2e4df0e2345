"""A `# diagtree: disable=CODE` comment that suppresses nothing. The problem it was written for is
gone (the tree was fixed, the row moved), the code is misspelt, or it names an error that cannot be
suppressed (`validate`'s and the script lint's). Left in place, it would hide the next real problem
on that line. Remove it, or correct the code. A comment at the end of a line covers that line; a
comment alone on its line covers the next line that is not blank or a comment. This rule's own
findings cannot be suppressed.

Fails:

    tree: weak_signal
    version: "1.0.0"
    title: Weak signal
    symptoms: [weak_signal]
    start: weak
    nodes:
      weak:
        check: coverage.rsrp_dbm < -110   # diagtree: disable=constant-condition   # <- here
        yes: weak_coverage
        no: investigate
      weak_coverage:
        outcome: network.weak_coverage
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
          # diagtree: disable=table-row-overlap  interference only where the level is not weak
          - when: coverage.rsrp_dbm < -90 and coverage.sinr_db < 0
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

from diagtree._errors import Problem, did_you_mean
from diagtree._lint._context import LintContext
from diagtree._lint._rule import all_rules

ID = "useless-suppression"
SEVERITY = "warning"
AFTER_SUPPRESSION = True


def check(ctx: LintContext) -> Iterator[Problem]:
    rules = {r.id: r for r in all_rules()}
    codes = {code for r in rules.values() for code in r.codes} | set(rules)
    for s in ctx.suppressions:
        for code in s.codes:
            if (s, code) in ctx.used_suppressions:
                continue
            rule = next((r for r in rules.values() if code in (r.id, *r.codes)), None)
            if rule is not None and not rule.suppressible:
                message = (f"{code} is reported by the {rule.id.replace('-', ' ')}: the engine "
                           "refuses those files, so it cannot be suppressed")
                hint = "fix the problem instead"
            elif code in codes:
                message = f"`disable={code}` suppresses nothing on line {s.covers}"
                hint = "remove it: the problem is gone"
            elif any(p.code == code for p in ctx.load_problems):
                message = f"{code!r} is reported by validate and cannot be suppressed"
                hint = "fix the problem instead"
            else:
                message = f"no lint rule is called {code!r}"
                hint = did_you_mean(code, codes) or "see docs/lint-rules.md"
            yield Problem(s.location, ID, message, SEVERITY, hint=hint)
