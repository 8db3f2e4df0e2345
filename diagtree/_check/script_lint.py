"""The built-in script lint (docs/taxonomy.md §6), run by `diagtree validate` and at engine load.

A script must never promise an outcome (一定解决, guarantee…), never show internal system names
or codes (HLR, RSRP, cause and department codes…), must state when wherever it promises a later
action, every dispatch script must give the feedback deadline, and both locales must read the
same variables. The word lists live in a ``script_rules:`` file operators extend
(``trees/script_rules.yaml``); without one, the taxonomy's own lists apply.

Matching looks at the text the customer hears: template tags (``{{ … }}``, ``{% … %}``) are
blanked out first, so a variable named ``department`` is not an internal term.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from diagtree._check import schema as _schema
from diagtree._check.catalog import Catalog
from diagtree._check.scripts import ScriptBook
from diagtree._errors import Location, Problem
from diagtree._load.fields import Fields
from diagtree._load.yaml import Positions
from diagtree._templates.limits import TemplateTooComplex
from diagtree._vocab.taxonomy import CAUSES, DEPARTMENTS, LOCALES

__all__ = ["DEFAULT_RULES", "ScriptRules", "lint_explanation_texts", "lint_scripts",
           "read_script_rules"]


@dataclass(frozen=True)
class ScriptRules:
    forbidden: dict[str, tuple[str, ...]]  # per locale, case-insensitive substrings
    internal: tuple[str, ...]  # whole words, case-sensitive
    later: dict[str, tuple[str, ...]]  # per locale, phrases that promise a later action
    file: str | None = None


DEFAULT_RULES = ScriptRules(
    forbidden={"zh-CN": ("一定解决", "保证", "肯定", "绝对"),
               "en": ("guarantee", "definitely", "promise")},
    internal=("HLR", "ODB", "PRB", "TAC", "RSRP", "SINR", "IMSI"),
    later={"zh-CN": ("回电",), "en": ("call you back",)},
)

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_TIME_FILTER = re.compile(r"\|\s*(datetime|date|time)\b")


def read_script_rules(data: Any, pos: Positions, problems: list[Problem]) -> ScriptRules:
    top = Fields(data, (), pos, problems, "a script rules file")
    top.only(_schema.SCRIPT_RULES_FILE.keys)
    f = top.child("script_rules", "`script_rules`")
    f.only(_schema.SCRIPT_RULES.keys)

    def per_locale(key: str) -> dict[str, tuple[str, ...]]:
        sub = f.child(key, f"`{key}`")
        sub.only(LOCALES)
        return {loc: tuple(sub.strings(loc)) for loc in LOCALES}

    return ScriptRules(per_locale("forbidden_promises"), tuple(f.strings("internal_terms")),
                       per_locale("later_actions"), pos.file)


def _blank_tags(text: str) -> str:
    """The text with template tags replaced by spaces (same length: offsets stay valid)."""
    return _TAG.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def lint_scripts(book: ScriptBook, catalog: Catalog, rules: ScriptRules,
                 problems: list[Problem], file_lines: Callable[[str], list[str]]) -> None:
    # department codes that are plain words ("store") are fine to say; the others are codes
    departments = {d for d in DEPARTMENTS if "_" in d or any(c.isdigit() for c in d)}
    codes = sorted({*CAUSES, *catalog.entries, *departments}, key=len, reverse=True)
    terms = (*rules.internal, *codes)
    internal = [(t, re.compile(rf"(?<![\w.]){re.escape(t)}(?![\w])")) for t in terms]
    dispatch_scripts = {e.script for e in catalog.entries.values()
                        if e.resolution == "dispatch"}
    for script in book.scripts.values():
        variables: dict[str, frozenset[str]] = {}
        for locale, source in script.sources.items():
            start = script.starts.get(locale, script.location)
            spoken = _blank_tags(source)

            def at(offset: int, term: str, _start: Location = start,
                   _source: str = source) -> Location:
                return _locate(_start, _source, offset, term, file_lines)

            for term in rules.forbidden.get(locale, ()):
                for m in re.finditer(re.escape(term), spoken, re.IGNORECASE):
                    problems.append(Problem(at(m.start(), m.group(0)), "script_forbidden_promise",
                                            f"script {script.id!r} ({locale}) promises an outcome:"
                                            f" {m.group(0)!r}", hint="commit to what will be done "
                                            "and by when, never to the result (taxonomy §6)"))
            for term, pattern in internal:
                if term not in spoken:  # most terms are in no script: a substring test first
                    continue
                for m in pattern.finditer(spoken):
                    problems.append(Problem(at(m.start(), m.group(0)), "script_internal_term",
                                            f"script {script.id!r} ({locale}) shows the internal "
                                            f"name {m.group(0)!r} to the customer",
                                            hint="say it in plain words"))
            has_time = bool(_TIME_FILTER.search(source))
            for phrase in rules.later.get(locale, ()):
                hit = re.search(re.escape(phrase), spoken, re.IGNORECASE)
                if hit is not None and not has_time:
                    m = hit
                    problems.append(Problem(at(m.start(), m.group(0)), "script_no_time_commitment",
                                            f"script {script.id!r} ({locale}) promises a later "
                                            f"action ({m.group(0)!r}) without saying when",
                                            hint="add e.g. {{ feedback_due | datetime }}"))
            variables[locale] = book.analyse(locale, source).variables
            if script.id in dispatch_scripts and "feedback_due" not in variables[locale]:
                problems.append(Problem(start, "script_dispatch_without_deadline",
                                        f"script {script.id!r} ({locale}) is for a dispatched "
                                        "case but never gives the feedback deadline",
                                        hint="say when: {{ feedback_due | datetime }}"))
        _same_variables(script.id, script.location, variables, problems)


def lint_explanation_texts(book: ScriptBook, catalog: Catalog, rules: ScriptRules,
                           problems: list[Problem]) -> None:
    """The catalog's `explanation` and `also_found` texts (the agent's view) under the same
    rules as the scripts: a valid template, no promised outcome, no internal name or code."""
    departments = {d for d in DEPARTMENTS if "_" in d or any(c.isdigit() for c in d)}
    terms = (*rules.internal, *sorted({*CAUSES, *catalog.entries, *departments}, key=len,
                                      reverse=True))
    for entry in catalog.entries.values():
        where = Location(entry.file, entry.line, 1)
        for key, texts in (("explanation", entry.explanation), ("also_found", entry.also_found)):
            for locale, text in texts:
                what = f"the {key} of {entry.cause!r} ({locale})"
                exc = book.analyse(locale, text).error
                if exc is not None:
                    problems.append(Problem(where, "script_too_complex"
                                            if isinstance(exc, TemplateTooComplex)
                                            else "script_syntax",
                                            f"{what} is not a valid template: {exc.message}"))
                    continue
                spoken = _blank_tags(text)
                for term in rules.forbidden.get(locale, ()):
                    if term.lower() in spoken.lower():
                        problems.append(Problem(where, "script_forbidden_promise",
                                                f"{what} promises an outcome: {term!r}",
                                                hint="say what will be done and by when"))
                for term in terms:
                    if term in spoken and re.search(
                            rf"(?<![\w.]){re.escape(term)}(?![\w])", spoken):
                        problems.append(Problem(where, "script_internal_term",
                                                f"{what} shows the internal name {term!r}",
                                                hint="say it in plain words"))


def _same_variables(script_id: str, where: Location, variables: Mapping[str, frozenset[str]],
                    problems: list[Problem]) -> None:
    sets = list(variables.items())
    for (loc_a, a), (loc_b, b) in itertools.pairwise(sets):
        if a != b:
            only_a, only_b = sorted(a - b), sorted(b - a)
            detail = "; ".join(x for x in (
                f"only {loc_a} reads {', '.join(only_a)}" if only_a else "",
                f"only {loc_b} reads {', '.join(only_b)}" if only_b else "") if x)
            problems.append(Problem(where, "script_locale_variables",
                                    f"the locales of script {script_id!r} differ: {detail}",
                                    hint="every locale must tell the customer the same facts"))


def _locate(start: Location, source: str, offset: int, term: str,
            file_lines: Callable[[str], list[str]]) -> Location:
    """The file position of `term` found at `offset` in a script's text."""
    line = start.line + source.count("\n", 0, offset)
    lines = file_lines(start.file)
    if 0 < line <= len(lines):
        col = lines[line - 1].find(term)
        if col >= 0:
            return Location(start.file, line, col + 1)
    return Location(start.file, line, 1)


def merge_rules(found: Iterable[ScriptRules]) -> ScriptRules:
    """The rules files found (usually one), or the taxonomy's defaults when there is none."""
    rules = list(found)
    if not rules:
        return DEFAULT_RULES
    first = rules[0]
    for extra in rules[1:]:
        first = ScriptRules(
            {loc: (*first.forbidden.get(loc, ()), *extra.forbidden.get(loc, ()))
             for loc in LOCALES},
            (*first.internal, *extra.internal),
            {loc: (*first.later.get(loc, ()), *extra.later.get(loc, ())) for loc in LOCALES},
            first.file)
    return first
