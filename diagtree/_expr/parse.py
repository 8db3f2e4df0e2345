"""Parse condition text into the IR (`_expr.ast`).

Python's own parser (``ast.parse(text, mode="eval")``) reads the text; a whitelist walk then turns
the few node kinds the language has into IR nodes and reports everything else as a `Problem`. The
author's text is never evaluated or compiled.

Grammar decisions:

- An expression may span lines (a YAML block scalar): line breaks count as spaces.
- Facts are dotted names (``billing.account.status``); ``true``, ``false``, ``null`` are the
  literals (Python's ``True``/``False``/``None`` are refused). Numbers are ints or floats, strings
  are single- or double-quoted, lists ``[...]`` hold literals only.
- Operators: ``and or not``, ``== != < <= > >=``, ``in``/``not in``, ``+ - * /``, unary ``-``.
  Comparisons do not chain (``a < b < c`` is refused: write ``a < b and b < c``).
- Functions are plain names called with positional arguments.
- Comments (``#``) are refused, so that a line break never hides the rest of a condition.

Limits: text longer than `max_length` characters, more than `MAX_NODES` IR nodes, nesting
deeper than `MAX_DEPTH`, a whole number literal beyond ±`MAX_LITERAL` or a fractional one that
is not finite (``1e999``) are refused; so is text that is not valid Unicode (a lone surrogate).
"""

from __future__ import annotations

import ast
import bisect
import io
import math
import re
import tokenize
import warnings
from collections.abc import Callable
from typing import Final, TypedDict, TypeVar

from diagtree._errors import Location, Problem
from diagtree._expr.ast import (
    Arith,
    BoolOp,
    Call,
    Compare,
    FactRef,
    ListLit,
    Literal,
    Neg,
    Node,
    Not,
)

__all__ = ["MAX_DEPTH", "MAX_LITERAL", "MAX_NODES", "Locate", "parse"]

MAX_NODES: Final = 200
MAX_DEPTH: Final = 32
#: the largest whole number literal, either sign: 2**53, beyond which floats skip whole numbers
MAX_LITERAL: Final = 2**53

Locate = Callable[[int, int], Location]
"""Maps a position in the expression text (1-based line, 0-based column) to a file location."""

_LONE_EQUALS: Final = re.compile(r"(?<![=!<>:])=(?!=)")
_NAMED_LITERALS: Final[dict[str, bool | None]] = {"true": True, "false": False, "null": None}
_PY_LITERALS: Final = {True: "true", False: "false", None: "null"}
_COMPARE_OPS: Final[dict[type[ast.cmpop], str]] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}
_ARITH_OPS: Final[dict[type[ast.operator], str]] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
}
_UNSUPPORTED: Final[dict[type[ast.AST], str]] = {
    ast.Subscript: "indexing `x[i]` is not supported",
    ast.Lambda: "lambdas are not supported",
    ast.ListComp: "comprehensions are not supported",
    ast.SetComp: "comprehensions are not supported",
    ast.DictComp: "comprehensions are not supported",
    ast.GeneratorExp: "comprehensions are not supported",
    ast.JoinedStr: "f-strings are not supported; write a plain string",
    ast.NamedExpr: "assignment `:=` is not supported",
    ast.IfExp: "`x if c else y` is not supported; use two tree branches",
    ast.Dict: "dict literals are not supported",
    ast.Set: "set literals are not supported; write a list `[...]`",
    ast.Tuple: "tuples are not supported; write a list `[...]`",
    ast.Starred: "`*` unpacking is not supported",
    ast.Await: "`await` is not supported",
    ast.Yield: "`yield` is not supported",
    ast.YieldFrom: "`yield` is not supported",
    ast.Slice: "slices are not supported",
}
_OP_NAMES: Final[dict[type[ast.AST], str]] = {
    ast.Pow: "`**`",
    ast.FloorDiv: "`//`",
    ast.Mod: "`%`",
    ast.MatMult: "`@`",
    ast.BitAnd: "`&` (write `and`)",
    ast.BitOr: "`|` (write `or`)",
    ast.BitXor: "`^`",
    ast.LShift: "`<<`",
    ast.RShift: "`>>`",
    ast.Invert: "`~` (write `not`)",
    ast.UAdd: "unary `+`",
    ast.Is: "`is` (write `==`)",
    ast.IsNot: "`is not` (write `!=`)",
}


_T = TypeVar("_T")


class _At(TypedDict):
    line: int
    col: int


class _TooComplex(Exception):
    """The tree is bigger or deeper than the limits allow."""


class _Text:
    """The expression text flattened to one line, with its positions mapped back."""

    def __init__(self, text: str) -> None:
        self.original = text
        self.flat = text.replace("\r", " ").replace("\n", " ")
        self.line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        self._bytes = None if self.flat.isascii() else self.flat.encode("utf-8")

    def position(self, offset: int) -> tuple[int, int]:
        """(line, col) in the original text of a character offset in the flat text."""
        offset = max(0, min(offset, len(self.flat)))
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index]

    def char_offset(self, byte_offset: int) -> int:
        """The character offset of an ast ``col_offset`` (which counts UTF-8 bytes)."""
        if self._bytes is None:
            return byte_offset
        return len(self._bytes[:byte_offset].decode("utf-8", errors="ignore"))


def parse(text: str, locate: Locate, max_length: int = 1000) -> tuple[Node | None, list[Problem]]:
    """Parse `text` into an untyped IR tree, or report every problem found."""
    if len(text) > max_length:
        return None, [
            Problem(
                locate(1, 0),
                "expr_too_long",
                f"this expression is {len(text)} characters long; the limit is {max_length}",
                hint="split it into several tree nodes, or name a derived fact in an adapter",
            )
        ]
    bad = _unencodable(text)
    if bad is not None:
        line = text.count("\n", 0, bad) + 1
        col = bad - (text.rfind("\n", 0, bad) + 1)
        return None, [
            Problem(
                locate(line, col),
                "expr_syntax",
                f"the expression holds U+{ord(text[bad]):04X}, a lone surrogate: not a "
                "character of any text",
                hint="the file (or the program that wrote it) mangled a character; retype it",
            )
        ]
    src = _Text(text)
    if not src.flat.strip():
        return None, [Problem(locate(1, 0), "expr_syntax", "the expression is empty")]
    body = src.flat.lstrip(" \t\f")
    lead = len(src.flat) - len(body)
    problem = _syntax_check(src, body, lead, locate)
    if problem is not None:
        return None, [problem]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning/DeprecationWarning on odd literals
            tree = ast.parse(body, mode="eval")
    except SyntaxError as err:
        return None, [_syntax_problem(err, src, lead, locate, text)]
    except (RecursionError, MemoryError):
        return None, [_too_complex(locate(1, 0))]
    except ValueError as err:
        return None, [Problem(locate(1, 0), "expr_syntax", f"not a valid expression: {err}")]
    walker = _Walker(src, lead, locate)
    try:
        node = walker.convert(tree.body, 1)
    except (_TooComplex, RecursionError):
        return None, [_too_complex(locate(1, 0))]
    if walker.problems:
        return None, walker.problems
    return node, []


def _unencodable(text: str) -> int | None:
    """The offset of the first lone surrogate in `text` (it cannot be encoded), or None."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        return err.start
    return None


def _too_complex(location: Location) -> Problem:
    return Problem(
        location,
        "expr_too_complex",
        f"this expression is too complex (more than {MAX_NODES} parts or nested deeper than "
        f"{MAX_DEPTH})",
        hint="split it into several tree nodes",
    )


def _syntax_check(src: _Text, body: str, lead: int, locate: Locate) -> Problem | None:
    """Refuse comments (tokenizing only when the text has a `#`)."""
    if "#" not in body:
        return None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(body).readline):
            if tok.type == tokenize.COMMENT:
                line, col = src.position(lead + tok.start[1])
                return Problem(
                    locate(line, col),
                    "expr_syntax",
                    "comments are not allowed inside an expression",
                    hint="put the comment on its own YAML line",
                )
    except (tokenize.TokenError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # ast.parse reports it
    return None


def _syntax_problem(err: SyntaxError, src: _Text, lead: int, locate: Locate, text: str) -> Problem:
    offset = err.offset if err.offset and err.offset > 0 else len(src.flat) - lead + 1
    line, col = src.position(lead + offset - 1)
    reason = err.msg or "invalid syntax"
    hint = None
    if "&&" in text or "||" in text:
        hint = "write `and` / `or`"
    elif "!" in text.replace("!=", ""):
        hint = "write `not x` or `!=`"
    elif _LONE_EQUALS.search(text):
        hint = "compare with `==`"
    message = f"not a valid expression: {reason}"
    return Problem(locate(line, col), "expr_syntax", message, hint=hint)


class _Walker:
    """Converts whitelisted ast nodes into IR nodes; collects a Problem for anything else."""

    def __init__(self, src: _Text, lead: int, locate: Locate) -> None:
        self.src = src
        self.lead = lead
        self.locate = locate
        self.problems: list[Problem] = []
        self.count = 0

    def pos(self, node: ast.AST) -> tuple[int, int]:
        byte_col: int = getattr(node, "col_offset", 0)
        return self.src.position(self.lead + self.src.char_offset(byte_col))

    def reject(self, node: ast.AST, message: str, hint: str | None = None) -> None:
        self.problems.append(
            Problem(self.locate(*self.pos(node)), "expr_unsupported", message, hint=hint)
        )

    def convert(self, node: ast.expr, depth: int) -> Node | None:
        """The IR node for `node`, or None after reporting why it is not allowed."""
        self.count += 1
        if self.count > MAX_NODES or depth > MAX_DEPTH:
            raise _TooComplex
        line, col = self.pos(node)
        at: _At = {"line": line, "col": col}
        if isinstance(node, ast.Constant):
            return self.constant(node, node.value, at)
        if isinstance(node, ast.Name | ast.Attribute):
            return self.name(node, at)
        if isinstance(node, ast.List):
            return self.list_literal(node, depth, at)
        if isinstance(node, ast.BoolOp):
            op = "and" if isinstance(node.op, ast.And) else "or"
            parts = [self.convert(v, depth + 1) for v in node.values]
            return BoolOp(op, _all(parts), **at) if _ok(parts) else None
        if isinstance(node, ast.UnaryOp):
            return self.unary(node, depth, at)
        if isinstance(node, ast.Compare):
            return self.compare(node, depth, at)
        if isinstance(node, ast.BinOp):
            arith = _ARITH_OPS.get(type(node.op))
            if arith is None:
                what = _OP_NAMES.get(type(node.op), type(node.op).__name__)
                self.reject(node, f"the operator {what} is not supported")
                return None
            left = self.convert(node.left, depth + 1)
            right = self.convert(node.right, depth + 1)
            if left is None or right is None:
                return None
            return Arith(arith, left, right, **at)
        if isinstance(node, ast.Call):
            return self.call(node, depth, at)
        message = _UNSUPPORTED.get(type(node), f"{type(node).__name__} is not supported here")
        self.reject(node, message)
        return None

    def constant(self, node: ast.AST, value: object, at: _At) -> Node | None:
        if isinstance(value, bool) or value is None:
            self.reject(
                node,
                f"`{value}` is Python spelling; this language writes `{_PY_LITERALS[value]}`",
                hint="write true / false / null",
            )
            return None
        if isinstance(value, int | float) and not self.in_range(node, value):
            return None
        if isinstance(value, int | float | str):
            return Literal(value, **at)
        kind = "bytes" if isinstance(value, bytes) else type(value).__name__
        self.reject(node, f"{kind} literals are not supported", hint="write a number or a string")
        return None

    def in_range(self, node: ast.AST, value: float) -> bool:
        """Is a number literal in range: a whole number within ±`MAX_LITERAL`, a fractional
        one finite? Report it if not."""
        if isinstance(value, int):
            if abs(value) <= MAX_LITERAL:
                return True
            digits = int(value.bit_length() * 0.30103) + 1
            message = (
                f"a whole number of about {digits} digits is out of range: whole number "
                f"literals are limited to ±{MAX_LITERAL} (2**53, the largest that a "
                "fractional value holds exactly)"
            )
        elif math.isfinite(value):
            return True
        else:
            message = "this number is too large to be a number (it reads as infinite)"
        self.problems.append(
            Problem(
                self.locate(*self.pos(node)),
                "expr_number_out_of_range",
                message,
                hint="no fact reaches such a number; compare with a realistic bound",
            )
        )
        return False

    def name(self, node: ast.Name | ast.Attribute, at: _At) -> Node | None:
        parts: list[str] = []
        current: ast.expr = node
        while isinstance(current, ast.Attribute):
            parts.append(current.attr)
            current = current.value
        if not isinstance(current, ast.Name):
            self.reject(node, "`.` can only join the segments of a fact name")
            return None
        parts.append(current.id)
        if len(parts) == 1 and current.id in _NAMED_LITERALS:
            return Literal(_NAMED_LITERALS[current.id], **at)
        return FactRef(".".join(reversed(parts)), **at)

    def list_literal(self, node: ast.List, depth: int, at: _At) -> Node | None:
        items: list[Literal | None] = []
        for elt in node.elts:
            item = self.convert(elt, depth + 1)
            if item is not None and not isinstance(item, Literal):
                self.reject(elt, "a list literal can only hold literals (strings, numbers)")
                item = None
            items.append(item)
        return ListLit(_all(items), **at) if _ok(items) else None

    def unary(self, node: ast.UnaryOp, depth: int, at: _At) -> Node | None:
        if isinstance(node.op, ast.Not):
            operand = self.convert(node.operand, depth + 1)
            return None if operand is None else Not(operand, **at)
        if isinstance(node.op, ast.USub):
            inner = node.operand
            if (
                isinstance(inner, ast.Constant)
                and isinstance(inner.value, int | float)
                and not isinstance(inner.value, bool)
            ):
                self.count += 1
                if not self.in_range(node, inner.value):
                    return None
                return Literal(-inner.value, **at)
            operand = self.convert(inner, depth + 1)
            return None if operand is None else Neg(operand, **at)
        what = _OP_NAMES.get(type(node.op), type(node.op).__name__)
        self.reject(node, f"the operator {what} is not supported")
        return None

    def compare(self, node: ast.Compare, depth: int, at: _At) -> Node | None:
        if len(node.ops) > 1:
            self.reject(
                node.comparators[0],
                "comparisons do not chain",
                hint="write `a < b and b < c`",
            )
            return None
        op = _COMPARE_OPS.get(type(node.ops[0]))
        left = self.convert(node.left, depth + 1)
        right = self.convert(node.comparators[0], depth + 1)
        if op is None:
            what = _OP_NAMES.get(type(node.ops[0]), type(node.ops[0]).__name__)
            self.reject(node, f"the operator {what} is not supported")
            return None
        if left is None or right is None:
            return None
        return Compare(op, left, right, **at)

    def call(self, node: ast.Call, depth: int, at: _At) -> Node | None:
        ok = True
        if not isinstance(node.func, ast.Name):
            self.reject(node.func, "only functions named by a plain name can be called")
            ok = False
        for kw in node.keywords:
            self.reject(kw.value, "keyword arguments are not supported; pass arguments in order")
            ok = False
        args = [self.convert(a, depth + 1) for a in node.args]
        if not ok or not _ok(args) or not isinstance(node.func, ast.Name):
            return None
        return Call(node.func.id, _all(args), **at)


def _ok(items: list[Node | None] | list[Literal | None]) -> bool:
    return all(item is not None for item in items)


def _all(items: list[_T | None]) -> tuple[_T, ...]:
    return tuple(item for item in items if item is not None)
