"""Customer-facing scripts: jinja2 templates in a sandbox with strict undefined.

A scripts file holds one or more scripts, each in every locale::

    scripts:
      network.site_outage:
        zh-CN: |
          非常抱歉……预计{{ eta | time }}恢复……
        en: |
          I'm sorry… expected back by {{ eta | time }}…

Templates are compiled once at load. They render in a `SandboxedEnvironment` with
`StrictUndefined` (a misspelt variable is an error, never an empty string). Times are converted
to the complaint's UTC offset before rendering. Filters: `time` (13:00), `date` (2027年3月31日 /
31 March 2027), `datetime`, `money` (12.40元 / CNY 12.40), `hours` (a number of hours).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from ._errors import Location, Problem
from ._fields import Fields
from ._taxonomy import LOCALES
from ._yaml import Positions

__all__ = ["ScriptBook", "read_scripts"]

_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


def _as_date(value: Any) -> _dt.date:
    if isinstance(value, str):
        value = _dt.date.fromisoformat(value[:10])
    return value.date() if isinstance(value, _dt.datetime) else value


def _hh_mm(value: _dt.datetime) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"  # as %H:%M, without strftime's cost


def _filters(locale: str) -> dict[str, Callable[..., str]]:
    zh = locale.startswith("zh")

    def time(value: Any) -> str:
        return _hh_mm(value) if isinstance(value, _dt.datetime) else str(value)

    def date(value: Any) -> str:
        d = _as_date(value)
        if zh:
            return f"{d.year}年{d.month}月{d.day}日"
        return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"

    def datetime(value: Any) -> str:
        if not isinstance(value, _dt.datetime):
            return date(value)
        if zh:  # the date as taxonomy §6 writes dates (2027年3月31日), then the time (13:00)
            return f"{value.year}年{value.month}月{value.day}日{_hh_mm(value)}"
        return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}, {_hh_mm(value)}"

    def money(value: Any) -> str:
        amount = float(value)
        return f"{amount:.2f}元" if zh else f"CNY {amount:.2f}"

    def hours(value: Any) -> str:
        n = float(value)
        text = f"{n:g}"
        return f"{text}小时" if zh else f"{text} hours"

    return {"time": time, "date": date, "datetime": datetime, "money": money, "hours": hours}


_EN_FILTERS: Final = frozenset(_filters("en"))


def _environment(locale: str) -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False,
                               keep_trailing_newline=False, trim_blocks=True,
                               lstrip_blocks=True)
    env.filters.update(_filters(locale))
    # the agent's actions are in English whatever the script's locale; `compile_bundle` renames
    # their filters to these, so that a script and its actions render in one go
    env.filters.update({_EN_PREFIX + name: f for name, f in _filters("en").items()})
    return env


@dataclass(frozen=True)
class Script:
    id: str
    location: Location
    templates: dict[str, jinja2.Template]
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
    """All scripts, by id, compiled."""

    def __init__(self) -> None:
        self.scripts: dict[str, Script] = {}
        self._envs = {loc: _environment(loc) for loc in LOCALES}

    def env(self, locale: str) -> SandboxedEnvironment:
        return self._envs[locale]

    def variables(self, script_id: str) -> frozenset[str]:
        """The variables a script reads (in any locale)."""
        script = self.scripts[script_id]
        return frozenset().union(*(template_variables(self.env(loc), text)
                                   for loc, text in script.sources.items()))

    def render(self, script_id: str, locale: str, variables: Mapping[str, Any],
               tz: _dt.tzinfo) -> str:
        """Render; raises jinja2 errors (the engine turns them into a diagnosis note)."""
        script = self.scripts[script_id]
        template = script.templates[script.locale_for(locale)]
        return render_template(template, localize(variables, tz)).strip()


def template_variables(env: SandboxedEnvironment, text: str) -> frozenset[str]:
    """The variables a template text reads (jinja2's own analysis); empty if it is invalid."""
    try:
        return frozenset(meta.find_undeclared_variables(env.parse(text)))
    except jinja2.TemplateSyntaxError:
        return frozenset()


def localize(variables: Mapping[str, Any], tz: _dt.tzinfo) -> dict[str, Any]:
    """The variables with every time shown in the complaint's UTC offset."""
    return {k: (v.astimezone(tz) if isinstance(v, _dt.datetime) else v)
            for k, v in variables.items()}


def compile_template(env: SandboxedEnvironment, text: str | nodes.Template) -> jinja2.Template:
    """Compile once (a text, or a template jinja2 already parsed); the template's globals
    become a plain dict (jinja2 keeps a ChainMap that every render would otherwise iterate to
    build its context)."""
    template = env.from_string(text)
    template.globals = dict(template.globals)
    return template


_EN_PREFIX = "en_"
#: nodes that would let one part of a bundle change what another part sees
_SCOPED = (nodes.Assign, nodes.AssignBlock, nodes.Macro, nodes.CallBlock, nodes.Import,
           nodes.FromImport, nodes.Include, nodes.Extends, nodes.Block)


def compile_bundle(env: SandboxedEnvironment, script: str, actions: Sequence[str],
                   separator: str) -> jinja2.Template | None:
    """One template rendering a script (in `env`'s locale) and then each action (with the
    English filters), `separator` between them: one context and one render instead of one
    per part, with each part's text exactly as rendered alone. None when a part sets
    variables, defines macros or includes others (parts could then see each other's), or
    cannot be parsed: render the parts one by one."""
    try:
        parts = [env.parse(script)]
        for text in actions:
            tree = env.parse(text)
            for node in tree.find_all(nodes.Filter):
                if node.name in _EN_FILTERS:
                    node.name = _EN_PREFIX + node.name
            parts.append(tree)
    except jinja2.TemplateSyntaxError:
        return None
    if any(True for part in parts for _ in part.find_all(_SCOPED)):
        return None
    body: list[nodes.Node] = list(parts[0].body)
    for part in parts[1:]:
        body.append(nodes.Output([nodes.TemplateData(separator)]))
        body.extend(part.body)
    return compile_template(env, nodes.Template(body, lineno=1))


def render_template(template: jinja2.Template, variables: dict[str, Any]) -> str:
    """`template.render(variables)` without merging the environment's globals on every call
    (the scripts use none of them): jinja2 documents `new_context(vars, shared=True)` for a
    context whose variables are used as they are. Sandbox and strict undefined still apply."""
    context = template.new_context(variables, shared=True)
    return str(template.environment.concat(template.root_render_func(context)))


def read_scripts(data: Any, pos: Positions, problems: list[Problem], book: ScriptBook) -> None:
    top = Fields(data, (), pos, problems, "a scripts file")
    top.only(("scripts", "description"))
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
        templates: dict[str, jinja2.Template] = {}
        sources: dict[str, str] = {}
        starts: dict[str, Location] = {}
        for locale in LOCALES:
            text = f.string(locale)
            if text is None:
                f.error(f.path, "missing_locale", f"script {sid!r} has no {locale} text",
                        f"add `{locale}: |` with the script", at_key=True)
                continue
            try:
                templates[locale] = compile_template(book.env(locale), text)
                sources[locale] = text
                loc = pos.of((*f.path, locale))
                block = pos.styles.get((*f.path, locale)) in ("|", ">")
                starts[locale] = Location(loc.file, loc.line + 1, 1) if block \
                    else pos.text_origin((*f.path, locale))
            except jinja2.TemplateSyntaxError as exc:
                loc = pos.of((*f.path, locale))
                block = pos.styles.get((*f.path, locale)) in ("|", ">")
                line = loc.line + (exc.lineno if block else exc.lineno - 1)
                problems.append(Problem(Location(loc.file, line, 1), "script_syntax",
                                        f"script {sid!r} ({locale}): {exc.message}"))
        if templates:
            book.scripts[sid] = Script(sid, f.key_loc(sid), templates, sources, starts)
