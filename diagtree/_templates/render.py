"""Templates compiled (once, on first use: `LazyTemplates`) and rendered under a time budget,
with every time shown in the complaint's UTC offset (`localize`)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

from diagtree._templates.filters import EN_FILTERS
from diagtree._templates.limits import (
    BUDGET,
    HAS_LOOPS,
    MAX_OUTPUT,
    RenderBudget,
    TemplateLimitError,
)
from diagtree._templates.sandbox import EN_PREFIX

__all__ = ["LazyTemplates", "compile_bundle", "compile_template", "localize", "render_template"]


class LazyTemplates(MutableMapping[str, jinja2.Template]):
    """A script's templates by locale, each compiled on first use (and kept): its keys are the
    locales it has a text for. Loading has already parsed and analysed every text
    (`analyse_template`), so compiling one finds no problem loading would not have reported."""

    __slots__ = ("_compiled", "_env", "_sources")

    def __init__(self, sources: Mapping[str, str],
                 env: Callable[[str], SandboxedEnvironment]) -> None:
        self._sources = sources
        self._env = env
        self._compiled: dict[str, jinja2.Template] = {}

    def __getitem__(self, locale: str) -> jinja2.Template:
        template = self._compiled.get(locale)
        if template is None:  # two threads may both compile it: the same template either way
            template = self._compiled[locale] = compile_template(self._env(locale),
                                                                 self._sources[locale])
        return template

    def __setitem__(self, locale: str, template: jinja2.Template) -> None:
        if locale not in self._sources:
            raise KeyError(locale)
        self._compiled[locale] = template

    def __delitem__(self, locale: str) -> None:
        raise TypeError("a script's locales are fixed when it loads")

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    def __contains__(self, locale: object) -> bool:
        return locale in self._sources

    def compiled(self) -> frozenset[str]:
        """The locales compiled so far."""
        return frozenset(self._compiled)


def localize(variables: Mapping[str, Any], tz: _dt.tzinfo) -> dict[str, Any]:
    """The variables with every time shown in the complaint's UTC offset."""
    return {k: (_in_zone(v, tz) if isinstance(v, _dt.datetime) else v)
            for k, v in variables.items()}


def _in_zone(value: _dt.datetime, tz: _dt.tzinfo) -> _dt.datetime:
    """`value` in `tz`; at the edge of the calendar, where that offset would leave it, the
    same instant in its own offset."""
    try:
        return value.astimezone(tz)
    except (OverflowError, ValueError):
        return value


def compile_template(env: SandboxedEnvironment, text: str | nodes.Template) -> jinja2.Template:
    """Compile once (a text, or a template jinja2 already parsed); the template's globals
    become a plain dict (jinja2 keeps a ChainMap that every render would otherwise iterate to
    build its context)."""
    tree = env.parse(text) if isinstance(text, str) else text
    template = env.from_string(tree)
    template.globals = dict(template.globals)
    # whether its output must be counted as it is produced (see `render_template`)
    setattr(template, HAS_LOOPS, any(True for _ in tree.find_all(nodes.For)))
    return template


#: nodes that would let one part of a bundle change what another part sees (a `{% set %}`
#: cannot: each part is a scope of its own in the bundle)
_SCOPED = (nodes.Macro, nodes.CallBlock, nodes.Import, nodes.FromImport, nodes.Include,
           nodes.Extends, nodes.Block)


def compile_bundle(env: SandboxedEnvironment, script: str, actions: Sequence[str],
                   separator: str) -> jinja2.Template | None:
    """One template rendering a script (in `env`'s locale) and then each action (with the
    English filters), `separator` between them: one context and one render instead of one
    per part, with each part's text exactly as rendered alone: each part is a scope of its
    own, so what one sets (`{% set %}`) the next does not see. None when a part defines macros
    or includes others, or cannot be parsed: render the parts one by one."""
    try:
        parts = [env.parse(script)]
        for text in actions:
            tree = env.parse(text)
            for node in tree.find_all(nodes.Filter):
                if node.name in EN_FILTERS:
                    node.name = EN_PREFIX + node.name
            parts.append(tree)
    except jinja2.TemplateSyntaxError:
        return None
    if any(True for part in parts for _ in part.find_all(_SCOPED)):
        return None
    body: list[nodes.Node] = [nodes.Scope(parts[0].body)]
    for part in parts[1:]:
        body.append(nodes.Output([nodes.TemplateData(separator)]))
        body.append(nodes.Scope(part.body))
    try:
        return compile_template(env, nodes.Template(body, lineno=1))
    except jinja2.TemplateSyntaxError:
        return None


def render_template(template: jinja2.Template, variables: dict[str, Any],
                    budget: RenderBudget | None = None) -> str:
    """`template.render(variables)` without merging the environment's globals on every call
    (the scripts use none of them): jinja2 documents `new_context(vars, shared=True)` for a
    context whose variables are used as they are. Sandbox and strict undefined still apply,
    and so do the limits: the output is measured, and the budget (given, or else one started
    by the first call or loop that needs it) bounds the render's time and loops. Raises what
    the template raises, or `TemplateLimitError`."""
    context = template.new_context(variables, shared=True)
    if budget is not None:  # else the first call or loop that needs one starts it
        setattr(context, BUDGET, budget)
    if getattr(template, HAS_LOOPS, True):  # the output is counted as it grows
        parts = []
        size = 0
        for chunk in template.root_render_func(context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise _output_too_long()
            parts.append(chunk)
        return "".join(parts)
    # without loops, as many parts as the template has outputs (at most MAX_PARTS), each
    # bounded already: joined, then measured
    text = str(template.environment.concat(template.root_render_func(context)))
    if len(text) > MAX_OUTPUT:
        raise _output_too_long()
    return text


def _output_too_long() -> TemplateLimitError:
    return TemplateLimitError(f"the text rendered is longer than {MAX_OUTPUT} characters")
