"""Customer-facing scripts: a scripts file read and checked, and the book of scripts by id.

A scripts file holds one or more scripts, each in every locale::

    scripts:
      network.site_outage:
        zh-CN: |
          非常抱歉……预计{{ eta | time }}恢复……
        en: |
          I'm sorry… expected back by {{ eta | time }}…

The template language is `diagtree._templates` (the sandbox, its filters and limits, the
analysis of a text, compiling and rendering). Templates are checked when they load — parsed,
held to the limits, and analysed for the variables they read, refusing an unknown filter or
test (`analyse_template`) — and compiled to Python on their first render, once
(`Script.templates`; `ScriptBook(eager=True)` compiles at load).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any, Final

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from diagtree._check import schema as _schema
from diagtree._errors import Location, Problem
from diagtree._load.fields import Fields
from diagtree._load.yaml import Positions
from diagtree._templates.analysis import Analysis, analyse_template
from diagtree._templates.limits import TemplateTooComplex
from diagtree._templates.render import LazyTemplates, compile_template
from diagtree._templates.sandbox import environment
from diagtree._vocab.taxonomy import LOCALES

__all__ = ["STANDARD_VARIABLES", "Script", "ScriptBook", "read_scripts"]


@dataclass(frozen=True)
class Script:
    id: str
    location: Location
    templates: MutableMapping[str, jinja2.Template]
    sources: dict[str, str]
    #: per locale, where the text's first line is in the file (for located lint problems)
    starts: dict[str, Location] = field(default_factory=dict)

    def locale_for(self, locale: str) -> str:
        """The locale the script is said in when `locale` is asked: it, or else English."""
        return locale if locale in self.templates else "en"


#: variables the engine gives every script and action; the rest come from the outcome's `values`
STANDARD_VARIABLES: Final = frozenset({
    "complaint_id", "grade", "resolution", "department", "feedback_due", "reported_at",
    "unavailable", "answers", "refund"})


class ScriptBook:
    """All scripts, by id: each checked when it loads, compiled when it first renders (or at
    load, when `eager`)."""

    def __init__(self, *, eager: bool = False) -> None:
        self.scripts: dict[str, Script] = {}
        self.eager = eager
        self._envs = {loc: environment(loc) for loc in LOCALES}
        self._analyses: dict[tuple[str, str], Analysis] = {}

    def env(self, locale: str) -> SandboxedEnvironment:
        return self._envs[locale]

    def analyse(self, locale: str, text: str) -> Analysis:
        """`analyse_template` in the locale's environment, once per text (loading asks for the
        same text's variables several times: the outcome check, the lint)."""
        key = (locale, text)
        found = self._analyses.get(key)
        if found is None:
            found = self._analyses[key] = analyse_template(self._envs[locale], text)
        return found

    def variables(self, script_id: str) -> frozenset[str]:
        """The variables a script reads (in any locale)."""
        script = self.scripts[script_id]
        return frozenset().union(*(self.analyse(loc, text).variables
                                   for loc, text in script.sources.items()))


def read_scripts(data: Any, pos: Positions, problems: list[Problem], book: ScriptBook) -> None:
    top = Fields(data, (), pos, problems, "a scripts file")
    top.only(_schema.SCRIPTS_FILE.keys)
    entries = top.child("scripts", "`scripts`")
    for key in entries.data:
        sid = str(key)
        f = entries.child(sid, f"script {sid!r}")
        if not f.ok:
            continue
        if sid in book.scripts:
            f.error(f.path, "duplicate_script",
                    f"script {sid!r} is already defined at {book.scripts[sid].location}",
                    at_key=True)
            continue
        f.only(LOCALES)
        sources: dict[str, str] = {}
        compiled: dict[str, jinja2.Template] = {}  # when the book is eager
        starts: dict[str, Location] = {}
        for locale in LOCALES:
            text = f.string(locale)
            if text is None:
                f.error(f.path, "missing_locale", f"script {sid!r} has no {locale} text",
                        f"add `{locale}: |` with the script", at_key=True)
                continue
            try:
                found = book.analyse(locale, text)
                if found.error is not None:
                    raise found.error
                if book.eager:
                    compiled[locale] = compile_template(book.env(locale), text)
                sources[locale] = text
                loc = pos.of((*f.path, locale))
                block = pos.styles.get((*f.path, locale)) in ("|", ">")
                starts[locale] = Location(loc.file, loc.line + 1, 1) if block \
                    else pos.text_origin((*f.path, locale))
            except TemplateTooComplex as exc:
                origin = pos.text_origin((*f.path, locale))
                problems.append(Problem(
                    Location(origin.file, origin.line + exc.lineno - 1,
                             origin.col + max(exc.column, 1) - 1), "script_too_complex",
                    f"script {sid!r} ({locale}): {exc.message}",
                    hint="compute the value in the outcome's `values:` and show it plainly"))
            except jinja2.TemplateSyntaxError as exc:
                loc = pos.of((*f.path, locale))
                block = pos.styles.get((*f.path, locale)) in ("|", ">")
                line = loc.line + (exc.lineno if block else exc.lineno - 1)
                problems.append(Problem(Location(loc.file, line, 1), "script_syntax",
                                        f"script {sid!r} ({locale}): {exc.message}"))
        if sources:
            templates = LazyTemplates(sources, book.env)
            templates.update(compiled)
            book.scripts[sid] = Script(sid, f.key_loc(sid), templates, sources, starts)
