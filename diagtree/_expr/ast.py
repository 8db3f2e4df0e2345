"""The condition language's IR: a small tree of frozen dataclasses, and its rendering.

The parser (`_expr.parse`) builds an untyped tree; the checker (`_expr.check`) returns a copy with
every node's `type` filled in (a `null` literal keeps ``type=None``: it has no type of its own and
may only stand on one side of ``==`` / ``!=``). The compiler and the reference evaluator read the
checked tree.

Positions are relative to the expression text: `line` is 1-based, `col` a 0-based character
offset in that line. Positions and types do not take part in equality, so two trees compare equal
when they have the same shape and values.

`to_text` renders a tree back to expression text with the fewest parentheses that keep its
shape, so that parsing the text gives an equal tree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TypeAlias

from diagtree._vocab.facts import FactType

__all__ = [
    "Arith",
    "BoolOp",
    "Call",
    "Compare",
    "FactRef",
    "ListLit",
    "Literal",
    "Neg",
    "Node",
    "Not",
    "Value",
    "to_text",
]

Value: TypeAlias = bool | int | float | str | None


@dataclass(frozen=True)
class Node:
    """Base of every IR node: where it starts and (once checked) its type."""

    line: int = field(default=1, compare=False, kw_only=True)
    col: int = field(default=0, compare=False, kw_only=True)
    type: FactType | None = field(default=None, compare=False, kw_only=True)


@dataclass(frozen=True)
class Literal(Node):
    """``true``, ``false``, ``null``, a number or a string."""

    value: Value


@dataclass(frozen=True)
class FactRef(Node):
    """A fact, by its full dotted name."""

    name: str


@dataclass(frozen=True)
class ListLit(Node):
    """A list literal ``["a", "b"]`` (of literals only)."""

    items: tuple[Literal, ...]


@dataclass(frozen=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True)
class Neg(Node):
    """Unary minus on anything but a number literal (``-5`` is a `Literal`)."""

    operand: Node


@dataclass(frozen=True)
class BoolOp(Node):
    op: str  # "and" | "or"
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Compare(Node):
    op: str  # == != < <= > >= in "not in"
    left: Node
    right: Node


@dataclass(frozen=True)
class Arith(Node):
    op: str  # + - * /
    left: Node
    right: Node


@dataclass(frozen=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]


# ---------------------------------------------------------------------------------------------
# rendering

_OR, _AND, _NOT, _CMP, _ADD, _MUL, _UNARY, _ATOM = range(8)
_ARITH_PREC = {"+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL}


def _literal_text(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "1e999" if value > 0 else "-1e999"  # nan cannot be written (nor parsed)
    if isinstance(value, str):
        text = repr(value)  # a valid literal; re-quoted with double quotes
        if text.startswith("'"):
            text = '"' + text[1:-1].replace('"', '\\"') + '"'
        return text
    return repr(value)


def _prec(node: Node) -> int:
    if isinstance(node, BoolOp):
        return _OR if node.op == "or" else _AND
    if isinstance(node, Not):
        return _NOT
    if isinstance(node, Compare):
        return _CMP
    if isinstance(node, Arith):
        return _ARITH_PREC[node.op]
    if isinstance(node, Neg):
        return _UNARY
    if isinstance(node, Literal) and isinstance(node.value, int | float):
        negative = not isinstance(node.value, bool) and math.copysign(1, node.value) < 0
        return _UNARY if negative else _ATOM
    return _ATOM


def _wrap(node: Node, min_prec: int) -> str:
    text = to_text(node)
    return f"({text})" if _prec(node) < min_prec else text


def to_text(node: Node) -> str:
    """The expression text of a tree (parsing it gives an equal tree)."""
    if isinstance(node, Literal):
        return _literal_text(node.value)
    if isinstance(node, FactRef):
        return node.name
    if isinstance(node, ListLit):
        return "[" + ", ".join(to_text(item) for item in node.items) + "]"
    if isinstance(node, Not):
        return "not " + _wrap(node.operand, _NOT)
    if isinstance(node, Neg):
        # `-(-5)`, not `--5`: a negative literal is written with its own minus sign
        return "-" + _wrap(node.operand, _ATOM if _prec(node.operand) == _UNARY else _UNARY)
    if isinstance(node, BoolOp):
        # a nested BoolOp of the same operator keeps its parentheses (the IR keeps them too)
        own = _prec(node)
        return f" {node.op} ".join(_wrap(o, own + 1) for o in node.operands)
    if isinstance(node, Compare):
        return f"{_wrap(node.left, _CMP + 1)} {node.op} {_wrap(node.right, _CMP + 1)}"
    if isinstance(node, Arith):
        own = _ARITH_PREC[node.op]
        return f"{_wrap(node.left, own)} {node.op} {_wrap(node.right, own + 1)}"
    if isinstance(node, Call):
        return node.func + "(" + ", ".join(to_text(a) for a in node.args) + ")"
    raise TypeError(f"not an expression node: {node!r}")
