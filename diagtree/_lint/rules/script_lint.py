"""A customer script that breaks the script rules (docs/taxonomy.md §6), reported at the template's
file and line. These come from the script lint that `validate` runs: a promise of an outcome
(`script_forbidden_promise`), an internal system name or code (`script_internal_term`), a later
action without a time (`script_no_time_commitment`), a dispatch script without the feedback
deadline (`script_dispatch_without_deadline`), locales that tell different facts
(`script_locale_variables`). They are errors the engine refuses to load, so a comment cannot
suppress them; the word lists live in `script_rules.yaml`. The codes are kept, so the same problem
reads the same in `validate` and `lint`.

Fails:

    scripts:
      network.weak_coverage:
        zh-CN: "我们保证尽快处理。"   # <- here
        en: "We are looking into the coverage at your address."

Passes:

    scripts:
      network.weak_coverage:
        zh-CN: "我们正在核查您所在位置的信号覆盖。"
        en: "We are looking into the coverage at your address."
"""

from __future__ import annotations

from collections.abc import Iterator

from diagtree._errors import Problem
from diagtree._lint._context import LintContext

ID = "script-lint"
SEVERITY = "error"
CODES = ("script_forbidden_promise", "script_internal_term", "script_no_time_commitment",
         "script_dispatch_without_deadline", "script_locale_variables")
NEEDS_LIBRARY = False
SUPPRESSIBLE = False


def check(ctx: LintContext) -> Iterator[Problem]:
    for problem in ctx.load_problems:
        if problem.code in CODES:
            yield problem
