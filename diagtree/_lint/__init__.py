"""`diagtree lint`: rules beyond `validate`, each its own module in `diagtree._lint.rules`.

The runner loads the knowledge files with `load_library` (what fails to load is reported as
`validate` reports it, and only the rules that do not need a library run), runs every rule's
``check(ctx)`` on a `LintContext`, drops the problems an inline comment suppresses
(``# diagtree: disable=CODE``), then reports the suppressions that suppressed nothing::

    result = lint_paths(["trees"], schema)
    print(render(result.problems, "text", all_rules(), sources=result.texts))
    sys.exit(result.exit_code(strict=True))

`render_rule_docs` writes ``docs/lint-rules.md`` from the rules' docstrings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from diagtree._compile.library import Library, load_library
from diagtree._errors import AuthoringError, Location, Problem
from diagtree._lint._context import LintContext, adapter_fact_origins
from diagtree._lint._formats import FORMATS, render
from diagtree._lint._rule import Rule, all_rules, render_rule_docs
from diagtree._lint._suppress import apply_suppressions, find_suppressions
from diagtree._load.files import knowledge_files
from diagtree._vocab.engine_facts import POLICY_FACTS
from diagtree._vocab.facts import FactSchema

__all__ = [
    "FORMATS",
    "LintContext",
    "LintResult",
    "Rule",
    "adapter_fact_origins",
    "all_rules",
    "lint_paths",
    "render",
    "render_rule_docs",
]


@dataclass(frozen=True)
class LintResult:
    """The problems found (sorted; suppressed ones removed) and the texts they point into."""

    problems: tuple[Problem, ...]
    loaded: bool  # whether the knowledge files loaded (else only validate's errors and scripts')
    texts: Mapping[str, str]

    def count(self, severity: str) -> int:
        return sum(1 for p in self.problems if p.severity == severity)

    def exit_code(self, *, strict: bool = False) -> int:
        """0 clean, 1 any error, 2 warnings when `strict` (info never counts)."""
        if not self.loaded or self.count("error"):
            return 1
        return 2 if strict and self.count("warning") else 0


def lint_paths(paths: Iterable[str | Path], schema: FactSchema, *,
               policy_schema: FactSchema | None = None,
               fact_origins: Mapping[str, Location] | None = None,
               require_policy: bool = False,
               within: Callable[[str], bool] | None = None,
               rules: Iterable[Rule] | None = None) -> LintResult:
    """Lint the knowledge files under `paths`.

    `schema` is the declared facts (`default_schema()` for the shipped adapters);
    `fact_origins` where each is declared (`adapter_fact_origins()`), for the problems about
    facts; `within` keeps only the problems in the files it accepts (a single file linted in its
    folder's context); `rules` defaults to every rule."""
    rules = tuple(all_rules() if rules is None else rules)
    folders = [Path(p) for p in paths]
    library: Library | None
    try:
        library = load_library(folders, schema, policy_schema or schema.merged(POLICY_FACTS),
                               require_policy=require_policy)
        loaded: tuple[Problem, ...] = library.warnings
        files = list(library.files)
    except AuthoringError as exc:
        library, loaded = None, exc.problems
        files = [str(f) for f in knowledge_files(folders)]
    texts = {f: text for f in files if (text := _read(f)) is not None}
    ctx = LintContext(library, schema, texts, loaded, dict(fact_origins or {}))
    rule_of = {code: rule.id for rule in rules for code in rule.codes}
    found: list[Problem] = [p for p in loaded if p.code not in rule_of]
    later = [r for r in rules if r.after_suppression]
    for rule in rules:
        if rule in later or (library is None and rule.needs_library):
            continue
        found.extend(rule.check(ctx))
    keep = within or (lambda _f: True)
    kept = [p for p in dict.fromkeys(found) if keep(p.location.file)]
    if library is None and not any(p.severity == "error" for p in kept):
        kept = list(dict.fromkeys(found))  # what breaks the load is elsewhere: show it all
    found = kept
    ctx.suppressions = [s for f in sorted(texts) if keep(f)
                        for s in find_suppressions(f, texts[f])]
    suppressible = {code: r.id for r in rules if r.suppressible for code in r.codes}
    found, ctx.used_suppressions = apply_suppressions(found, ctx.suppressions, suppressible)
    if library is not None:
        for rule in later:
            found.extend(p for p in rule.check(ctx) if keep(p.location.file))
    return LintResult(tuple(sorted(dict.fromkeys(found), key=Problem.sort_key)),
                      library is not None, texts)


def _read(file: str) -> str | None:
    try:
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
