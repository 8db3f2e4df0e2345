"""The condition language: text → checked, compiled `Expression`.

``compile_expression`` parses (`_expr.parse`), type-checks against the declared facts
(`_expr.check`) and compiles to a closure (`_expr.closures`, whose docstring states the
three-valued semantics). Bad author text never raises: every problem found is returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from diagtree._errors import Location, Problem
from diagtree._expr.ast import Node
from diagtree._expr.check import check
from diagtree._expr.closures import compile_ir, facts_read
from diagtree._expr.parse import parse
from diagtree._vocab.facts import BOOL, FactSchema, FactType

__all__ = ["Expression", "ExpressionCache", "compile_expression"]


@dataclass(frozen=True)
class Expression:
    """A checked, compiled expression."""

    text: str
    type: FactType
    facts: tuple[str, ...]  # fact names read, in first-read order, deduplicated
    fn: Callable[[dict[str, Any]], Any] = field(compare=False, repr=False)
    ir: Node = field(compare=False, repr=False)


def compile_expression(
    text: str,
    schema: FactSchema,
    origin: Location,
    *,
    expect: FactType | None = BOOL,
    max_length: int = 1000,
) -> tuple[Expression | None, list[Problem]]:
    """Parse, check and compile `text`; the Expression is None when there is any problem.

    `origin` is the file location of the text's first character. `expect` is the type the whole
    expression must have (None: any type, for outcome script values).
    """

    def locate(line: int, col: int) -> Location:
        # a text spanning lines is a literal block scalar: its lines share one indentation
        return Location(origin.file, origin.line + line - 1, origin.col + col)

    tree, problems = parse(text, locate, max_length)
    if tree is None:
        return None, problems
    typed, problems = check(tree, schema, locate, expect)
    if typed is None or typed.type is None:
        return None, problems
    fn = compile_ir(typed, condition=expect == BOOL)
    return Expression(text, typed.type, facts_read(typed), fn, typed), []


class ExpressionCache:
    """`compile_expression` against one schema for many texts (the trees of one load repeat
    their conditions and values a great deal): a text that compiles is compiled once, and its
    `Expression` — which depends on the text, the schema, `expect` and `max_length`, never on
    where the text is written — is shared. A text that does not compile is compiled again each
    time, since its problems are located where it is written."""

    __slots__ = ("_done", "schema")

    def __init__(self, schema: FactSchema) -> None:
        self.schema = schema
        self._done: dict[tuple[str, FactType | None, int], Expression] = {}

    def compile(self, text: str, origin: Location, *, expect: FactType | None = BOOL,
                max_length: int = 1000) -> tuple[Expression | None, list[Problem]]:
        """As `compile_expression(text, self.schema, origin, ...)`."""
        key = (text, expect, max_length)
        found = self._done.get(key)
        if found is not None:
            return found, []
        expr, problems = compile_expression(text, self.schema, origin, expect=expect,
                                            max_length=max_length)
        if expr is not None:
            self._done[key] = expr
        return expr, problems
