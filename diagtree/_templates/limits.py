"""The limits a template runs under (docs/authoring.md, "Limits").

A template nesting deeper than `MAX_NESTING` (or with more than `MAX_PARTS` parts) is refused
when it loads (`TemplateTooComplex`, with its line and column); at render time the output, the
strings and lists a template builds, its integers, its loop iterations and its time are bounded,
and going over any of them raises `TemplateLimitError` (the engine records the failure in the
diagnosis's notes).
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

import jinja2
from jinja2 import nodes, pass_context

__all__ = [
    "BUDGET",
    "HAS_LOOPS",
    "LOOP_FILTER",
    "MAX_CALL_DEPTH",
    "MAX_INT_BITS",
    "MAX_LOOP_ITEMS",
    "MAX_NESTING",
    "MAX_OUTPUT",
    "MAX_PARTS",
    "RENDER_BUDGET_S",
    "TOO_DEEP",
    "RenderBudget",
    "TemplateLimitError",
    "TemplateTooComplex",
    "check_args",
    "check_binop",
    "check_result",
    "context_budget",
    "estimate_call",
    "limited_filter",
    "loop_items",
    "nesting_of",
    "position_of",
    "too_complex",
]


# -- limits ------------------------------------------------------------------------------------
#: How deep brackets, unary operators, nested tags and expression parts may nest in one template
#: (jinja2's parser and compiler recurse once per level or more: deeper text would exhaust
#: Python's stack). Checked when the template loads; a deeper one is a located problem.
MAX_NESTING: Final = 30


#: How many parts (jinja2 nodes: texts, variables, operators, filters, tags) one template may
#: have: what one output statement can join at once is bounded by this times `MAX_OUTPUT`.
#: The largest shipped script has 64.
MAX_PARTS: Final = 1000


#: The most characters one render may produce, and the longest string or list a template may
#: build (by `*`, `+`, `%`, a filter or a method).
MAX_OUTPUT: Final = 20_000


#: The largest integer (in bits) a template's arithmetic may compute: about 77 decimal digits.
MAX_INT_BITS: Final = 256


#: How deep calls may nest (a macro calling a macro…): well before Python's own recursion
#: limit, which a template would otherwise reach slowly.
MAX_CALL_DEPTH: Final = 30


#: The most loop iterations (all loops together) one render may run.
MAX_LOOP_ITEMS: Final = 10_000


#: The time one render may take, in seconds, from its first call or loop (a render without
#: either is bounded by the limits above). The engine renders a script and its actions in one
#: go, and a failed one part by part again: a hanging script costs at most twice this.
RENDER_BUDGET_S: Final = 0.25


class TemplateTooComplex(jinja2.TemplateSyntaxError):
    """A template nests deeper than `MAX_NESTING` or has more than `MAX_PARTS` parts: refused
    when it loads. `column` is 1-based (0 when it is not known)."""

    def __init__(self, message: str, lineno: int, column: int = 0) -> None:
        super().__init__(message, lineno)
        self.column = column


class TemplateLimitError(jinja2.TemplateRuntimeError):
    """A render went over a limit (output size, arithmetic, loop iterations, time)."""


class RenderBudget:
    """What one render has used: its deadline, its loop iterations, its calls in progress
    (`render_template` may be given one to share between renders)."""

    __slots__ = ("deadline", "depth", "loops")

    def __init__(self, seconds: float = RENDER_BUDGET_S) -> None:
        self.deadline = time.perf_counter() + seconds
        self.loops = 0
        self.depth = 0  # calls in progress (a macro calling itself nests them)

    def check(self) -> None:
        if time.perf_counter() > self.deadline:
            raise TemplateLimitError(f"the render took longer than its budget "
                                     f"({RENDER_BUDGET_S:g} s)")


BUDGET = "_diagtree_budget"  # the attribute of a jinja2 Context that holds its RenderBudget


HAS_LOOPS = "_diagtree_has_loops"  # the attribute of a compiled Template: has it a loop?


def context_budget(context: Any) -> RenderBudget:
    budget: RenderBudget | None = getattr(context, BUDGET, None)
    if budget is None:  # the render's first call or loop starts its budget
        budget = RenderBudget()
        setattr(context, BUDGET, budget)
    return budget


def _too_long(what: str, size: int) -> TemplateLimitError:
    return TemplateLimitError(f"{what} would be {size} long; the limit is {MAX_OUTPUT}")


def _size(value: Any) -> int:
    """The length of a string, list, tuple or dict (what a template can grow); 0 otherwise."""
    return len(value) if isinstance(value, str | list | tuple | dict) else 0


def _check_int(value: Any) -> None:
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise TemplateLimitError(f"a number of more than {MAX_INT_BITS} bits "
                                 f"(about {MAX_INT_BITS * 3 // 10} digits)")


_PERCENT_SPEC: Final = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


def check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse an operation whose result would be over a limit, before it is computed."""
    if operator == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0:
            bits = (abs(left).bit_length() - 1) * right  # at least this many bits
            if bits > MAX_INT_BITS:
                raise TemplateLimitError(f"`**` would compute a number of more than "
                                         f"{MAX_INT_BITS} bits")
    elif operator == "*":
        if isinstance(right, int) and _size(left):
            if len(left) * right > MAX_OUTPUT:
                raise _too_long("a repetition (`*`)", len(left) * right)
        elif isinstance(left, int) and _size(right):
            if len(right) * left > MAX_OUTPUT:
                raise _too_long("a repetition (`*`)", len(right) * left)
        elif isinstance(left, int) and isinstance(right, int) \
                and left.bit_length() + right.bit_length() > MAX_INT_BITS + 1:
            raise TemplateLimitError(f"`*` would compute a number of more than "
                                     f"{MAX_INT_BITS} bits")
    elif operator == "%":
        if isinstance(left, str):
            args = right if isinstance(right, tuple) else (right,)
            for width, precision in _PERCENT_SPEC.findall(left):
                for n in (width, precision):
                    if n == "*":
                        if any(isinstance(a, int) and abs(a) > MAX_OUTPUT for a in args):
                            raise _too_long("a `%` format", max(args))
                    elif n and int(n) > MAX_OUTPUT:
                        raise _too_long("a `%` format field", int(n))
    elif _size(left) and _size(right) and len(left) + len(right) > MAX_OUTPUT:  # "+"
        raise _too_long(f"`{operator}`", len(left) + len(right))


def check_args(args: Sequence[Any], kwargs: Mapping[str, Any], *, sizes: bool) -> None:
    """Refuse a call given a text (or list) longer than the output limit — a template could
    otherwise grow one by passing it on: a macro calling itself with `s ~ s` — and, when the
    ints are `sizes` (`center`, `ljust`…), an int beyond it."""
    for value in (*args, *kwargs.values()):
        if _size(value) > MAX_OUTPUT:
            raise _too_long("an argument", _size(value))
        if sizes and isinstance(value, int) and abs(value) > MAX_OUTPUT:
            shown = value if value.bit_length() < 64 else "a huge number"
            raise TemplateLimitError(f"a width or count of {shown}; the limit is {MAX_OUTPUT}")


#: the str methods whose int arguments are the width of what they build
_WIDTH_METHODS: Final = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})


#: jinja2's filters whose int arguments are a width or a count of what they build
_SIZE_FILTERS: Final = frozenset({"center", "indent", "batch", "slice", "wordwrap"})


_FORMAT_FIELD: Final = re.compile(r"\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}")


def estimate_call(obj: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    """The methods that build a string much longer than their inputs: refuse before calling."""
    obj = getattr(obj, "__wrapped__", obj)  # the sandbox wraps str.format in a function
    owner = getattr(obj, "__self__", None)
    if not isinstance(owner, str):
        return
    name = getattr(obj, "__name__", "")
    if name in _WIDTH_METHODS:
        check_args(args, kwargs, sizes=True)
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) \
            and isinstance(args[1], str):
        count = owner.count(args[0]) if args[0] else len(owner) + 1
        if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
            count = min(count, args[2])
        size = len(owner) + count * (len(args[1]) - len(args[0]))
        if size > MAX_OUTPUT:
            raise _too_long("a replace()", size)
    elif name == "join" and args and isinstance(args[0], list | tuple):
        size = len(owner) * len(args[0]) + sum(_size(x) for x in args[0])
        if size > MAX_OUTPUT:
            raise _too_long("a join()", size)
    elif name in ("format", "format_map"):
        for spec in _FORMAT_FIELD.findall(owner):  # a width in a field, or given by an argument
            if any(int(n) > MAX_OUTPUT for n in re.findall(r"\d+", spec)):
                raise _too_long("a format() field", MAX_OUTPUT + 1)
            if spec.count("{") > 1:
                check_args(args, kwargs, sizes=True)


def check_result(value: Any) -> Any:
    if _size(value) > MAX_OUTPUT:
        raise _too_long("a value", _size(value))
    _check_int(value)
    return value


def limited_filter(name: str, f: Callable[..., Any]) -> Callable[..., Any]:
    """One of jinja2's own filters, with its arguments and result held to the limits (the
    arguments after the ones jinja2 passes itself: the context or environment)."""
    skip = 1 if getattr(f, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(f)
    def limited(*args: Any, **kwargs: Any) -> Any:
        value = args[skip]
        check_args(args[skip + 1:], kwargs, sizes=name in _SIZE_FILTERS)
        if isinstance(value, list | tuple) and name == "join":
            estimate_call(("" if len(args) <= skip + 1 else str(args[skip + 1])).join,
                           (value,), {})
        elif isinstance(value, str) and name == "replace" and len(args) > skip + 2:
            estimate_call(value.replace, args[skip + 1:skip + 3], {})
        elif isinstance(value, str) and name == "format":  # `value % args`
            check_binop("%", value, tuple(args[skip + 1:]))
        return check_result(f(*args, **kwargs))

    return limited


@pass_context
def loop_items(context: Any, iterable: Any) -> Iterator[Any]:
    """What every `{% for %}` iterates (wrapped in at load): the items, counted against the
    render's loop limit, with the clock looked at every 64 items."""
    budget = context_budget(context)
    for item in iterable:
        budget.loops += 1
        if budget.loops > MAX_LOOP_ITEMS:
            raise TemplateLimitError(f"the loops ran more than {MAX_LOOP_ITEMS} times")
        if not budget.loops & 63:
            budget.check()
        yield item


LOOP_FILTER: Final = "_diagtree_loop"


_OPENERS: Final = {"(": ")", "[": "]", "{": "}"}


_BLOCK_TAGS: Final = frozenset({"if", "for", "macro", "call", "filter", "with", "block",
                                "autoescape"})


_TAG_NAME: Final = re.compile(r"[-+]?\s*(\w+)")


_WORD: Final = re.compile(r"\w+")


def nesting_of(source: str) -> tuple[int, int] | None:
    """Where (offset, depth) the text's nesting first goes over `MAX_NESTING`, counting open
    brackets, runs of unary operators (`-`, `+`, `not`) and open block tags; None if it never
    does. A scan of the text (no recursion), before jinja2's parser recurses into it."""
    blocks = 0
    i = 0
    n = len(source)
    while True:
        start = source.find("{", i)
        if start < 0 or start + 1 >= n:
            return None
        kind = source[start + 1]
        if kind == "#":
            end = source.find("#}", start + 2)
            if end < 0:
                return None
            i = end + 2
            continue
        if kind not in "{%":
            i = start + 1
            continue
        close = "}}" if kind == "{" else "%}"
        j = start + 2
        if kind == "%":
            m = _TAG_NAME.match(source, j)
            name = m.group(1) if m else ""
            if name == "raw":
                end = source.find("endraw", j)
                if end < 0:
                    return None
                i = end
                continue
            tag_end = source.find("%}", j)
            if name in _BLOCK_TAGS or (name == "set" and "=" not in source[j:tag_end]):
                blocks += 1  # `{% set x %}…{% endset %}` is a block, `{% set x = … %}` not
            elif name.startswith("end"):
                blocks = max(0, blocks - 1)
        stack: list[str] = []
        unary = 0
        while j < n:
            ch = source[j]
            if not stack and source.startswith(close, j):
                break
            if ch in "'\"":
                k = j + 1
                while k < n and source[k] != ch:
                    k += 2 if source[k] == "\\" else 1
                j = k + 1
                unary = 0
                continue
            if ch in _OPENERS:
                stack.append(_OPENERS[ch])
                unary = 0
            elif stack and ch == stack[-1]:
                stack.pop()
                unary = 0
            elif ch in "-+":
                unary += 1
            elif ch.isalnum() or ch == "_":
                m = _WORD.match(source, j)
                word = m.group(0) if m else ch
                unary = unary + 1 if word == "not" else 0
                j += len(word)
                continue
            elif not ch.isspace():
                unary = 0
            if blocks + len(stack) + unary > MAX_NESTING:
                return j, blocks + len(stack) + unary
            j += 1
        i = j + 2


def position_of(source: str, offset: int) -> tuple[int, int]:
    """(line, column), both 1-based, of a character offset in `source`."""
    return source.count("\n", 0, offset) + 1, offset - source.rfind("\n", 0, offset)


def too_complex(tree: nodes.Node, loops: list[nodes.For]) -> TemplateTooComplex | None:
    """Why the parsed template is refused, at the first node over a limit: nested deeper than
    `MAX_NESTING`, or more than `MAX_PARTS` nodes (an iterative walk, which also collects the
    template's loops into `loops`). Reads each node's fields directly: jinja2's
    `iter_child_nodes` does the same, several times slower, and this walk sees every node of
    every template that loads."""
    todo: list[tuple[nodes.Node, int]] = [(tree, 0)]
    count = 0
    node_type = nodes.Node
    while todo:
        node, depth = todo.pop()
        count += 1
        if depth > MAX_NESTING:
            return TemplateTooComplex(TOO_DEEP, node.lineno)
        if count > MAX_PARTS:
            return TemplateTooComplex(_TOO_BIG, node.lineno)
        if isinstance(node, nodes.For):
            loops.append(node)
        depth += 1
        for name in node.fields:
            item = getattr(node, name, None)
            if isinstance(item, list):
                todo.extend((n, depth) for n in item if isinstance(n, node_type))
            elif isinstance(item, node_type):
                todo.append((item, depth))
    return None


TOO_DEEP: Final = (f"the template nests deeper than {MAX_NESTING} levels (brackets, operators, "
                    "filters and tags inside one another)")


_TOO_BIG: Final = (f"the template has more than {MAX_PARTS} parts (texts, variables, operators, "
                   "filters and tags)")
