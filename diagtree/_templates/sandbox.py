"""The sandbox scripts render in: a `SandboxedEnvironment` per locale with `StrictUndefined`
(a misspelt variable is an error, never an empty string), the locale's filters, and every
operation, call and loop held to the limits of `limits`."""

from __future__ import annotations

from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

from diagtree._templates.filters import locale_filters
from diagtree._templates.limits import (
    LOOP_FILTER,
    MAX_CALL_DEPTH,
    TOO_DEEP,
    TemplateLimitError,
    TemplateTooComplex,
    check_args,
    check_binop,
    check_result,
    context_budget,
    estimate_call,
    limited_filter,
    loop_items,
    nesting_of,
    position_of,
    too_complex,
)

__all__ = ["EN_PREFIX", "LimitedEnvironment", "environment"]


class LimitedEnvironment(SandboxedEnvironment):
    """jinja2's sandbox, with every limit of this module (see its docstring)."""

    intercepted_binops = frozenset({"**", "*", "%", "+"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        for name, f in list(self.filters.items()):  # jinja2's own filters; ours check for
            self.filters[name] = limited_filter(name, f)  # themselves
        self.filters[LOOP_FILTER] = loop_items
        del self.globals["lipsum"]  # lipsum(n) writes n paragraphs: no use in a script

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        found = nesting_of(source)
        if found is not None:
            line, col = position_of(source, found[0])
            raise TemplateTooComplex(TOO_DEEP, line, col)
        try:
            tree = super()._parse(source, name, filename)
        except RecursionError:
            raise TemplateTooComplex(TOO_DEEP, 1) from None
        loops: list[nodes.For] = []
        refused = too_complex(tree, loops)
        if refused is not None:
            raise refused
        for loop in loops:  # every loop counts its items
            loop.iter = nodes.Filter(loop.iter, LOOP_FILTER, [], [], None, None,
                                     lineno=loop.lineno)
        return tree

    def _generate(self, source: nodes.Template, name: str | None, filename: str | None,
                  defer_init: bool = False) -> str:
        try:
            return super()._generate(source, name, filename, defer_init)
        except RecursionError:
            raise TemplateTooComplex(TOO_DEEP, 1) from None

    def _compile(self, source: str, filename: str) -> Any:
        try:
            return super()._compile(source, filename)
        except (RecursionError, MemoryError):
            raise TemplateTooComplex(TOO_DEEP, 1) from None

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        check_binop(operator, left, right)
        return check_result(self.binop_table[operator](left, right))

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        budget = context_budget(context)
        budget.check()
        check_args(args, kwargs, sizes=False)
        estimate_call(obj, args, kwargs)
        if budget.depth >= MAX_CALL_DEPTH:
            raise TemplateLimitError(f"calls nest deeper than {MAX_CALL_DEPTH} (a macro "
                                     "calling itself?)")
        budget.depth += 1
        try:
            return check_result(super().call(context, obj, *args, **kwargs))
        finally:
            budget.depth -= 1


def environment(locale: str) -> SandboxedEnvironment:
    env = LimitedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False,
                             keep_trailing_newline=False, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters.update(locale_filters(locale))
    # the agent's actions are in English whatever the script's locale; `compile_bundle` renames
    # their filters to these, so that a script and its actions render in one go
    env.filters.update({EN_PREFIX + name: f for name, f in locale_filters("en").items()})
    return env


EN_PREFIX = "en_"
