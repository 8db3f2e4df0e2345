"""Customer-facing scripts: jinja2 templates in a sandbox with strict undefined.

A scripts file holds one or more scripts, each in every locale::

    scripts:
      network.site_outage:
        zh-CN: |
          非常抱歉……预计{{ eta | time }}恢复……
        en: |
          I'm sorry… expected back by {{ eta | time }}…

Templates are checked when they load — parsed, held to the limits below, and analysed for
the variables they read, refusing an unknown filter or test (`analyse_template`: jinja2's code
generator, or for a plain template, `plain_variables`, its names) — and compiled to Python on
their first render, once (`Script.templates`; `ScriptBook(eager=True)` compiles at load, as
before). They render in a `SandboxedEnvironment` with
`StrictUndefined` (a misspelt variable is an error, never an empty string). Times are converted
to the complaint's UTC offset before rendering. Filters: `time` (13:00), `date` (2027年3月31日 /
31 March 2027), `datetime`, `money` (12.40元 / CNY 12.40), `hours` (a number of hours).

Templates run under limits (docs/authoring.md, "Limits"): a template nesting deeper than
`MAX_NESTING` is refused when it loads (`TemplateTooComplex`, with its line and column); at
render time the output, the strings and lists a template builds, its integers, its loop
iterations and its time are bounded, and going over any of them raises `TemplateLimitError`
(the engine records the failure in the diagnosis's notes).
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
import time
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import jinja2
from jinja2 import meta, nodes, pass_context
from jinja2.sandbox import SandboxedEnvironment

from diagtree._check import schema as _schema
from diagtree._errors import Location, Problem
from diagtree._load.fields import Fields
from diagtree._load.yaml import Positions
from diagtree._vocab.taxonomy import LOCALES

__all__ = ["MAX_CALL_DEPTH", "MAX_INT_BITS", "MAX_LOOP_ITEMS", "MAX_NESTING", "MAX_OUTPUT",
           "MAX_PARTS", "RENDER_BUDGET_S", "Analysis", "RenderBudget", "ScriptBook",
           "TemplateLimitError", "TemplateTooComplex", "analyse_template", "plain_variables",
           "read_scripts"]

_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


def _as_date(value: Any) -> _dt.date:
    if isinstance(value, str):
        value = _dt.date.fromisoformat(value[:10])
    return value.date() if isinstance(value, _dt.datetime) else value


#: the largest amount (or number of hours) the `money` and `hours` filters say: beyond it a
#: number is nonsense to read out to a customer, and would lose its cents as a float
MAX_SAID_NUMBER: Final = 1e15


def _number(value: Any, what: str) -> float:
    """`value` as a float a customer can be told; a TemplateLimitError (or the ValueError or
    TypeError of `float`) for anything else: huge, not finite, not a number."""
    try:
        n = float(value)
    except OverflowError:
        n = math.inf
    if not math.isfinite(n) or abs(n) > MAX_SAID_NUMBER:
        shown = f"a number of {value.bit_length()} bits" if isinstance(value, int) else repr(n)
        raise TemplateLimitError(f"the {what} is out of range ({shown})")
    return n


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
        if zh:  # the date as docs/taxonomy.md §6 writes it (2027年3月31日), then the time (13:00)
            return f"{value.year}年{value.month}月{value.day}日{_hh_mm(value)}"
        return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}, {_hh_mm(value)}"

    def money(value: Any) -> str:
        amount = _number(value, "amount")
        return f"{amount:.2f}元" if zh else f"CNY {amount:.2f}"

    def hours(value: Any) -> str:
        n = _number(value, "number of hours")
        text = f"{n:g}"
        return f"{text}小时" if zh else f"{text} hours"

    return {"time": time, "date": date, "datetime": datetime, "money": money, "hours": hours}


_EN_FILTERS: Final = frozenset(_filters("en"))


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


_BUDGET = "_diagtree_budget"  # the attribute of a jinja2 Context that holds its RenderBudget
_HAS_LOOPS = "_diagtree_has_loops"  # the attribute of a compiled Template: has it a loop?


def _budget(context: Any) -> RenderBudget:
    budget: RenderBudget | None = getattr(context, _BUDGET, None)
    if budget is None:  # the render's first call or loop starts its budget
        budget = RenderBudget()
        setattr(context, _BUDGET, budget)
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


def _check_binop(operator: str, left: Any, right: Any) -> None:
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


def _check_args(args: Sequence[Any], kwargs: Mapping[str, Any], *, sizes: bool) -> None:
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


def _estimate_call(obj: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    """The methods that build a string much longer than their inputs: refuse before calling."""
    obj = getattr(obj, "__wrapped__", obj)  # the sandbox wraps str.format in a function
    owner = getattr(obj, "__self__", None)
    if not isinstance(owner, str):
        return
    name = getattr(obj, "__name__", "")
    if name in _WIDTH_METHODS:
        _check_args(args, kwargs, sizes=True)
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
                _check_args(args, kwargs, sizes=True)


def _check_result(value: Any) -> Any:
    if _size(value) > MAX_OUTPUT:
        raise _too_long("a value", _size(value))
    _check_int(value)
    return value


def _limited_filter(name: str, f: Callable[..., Any]) -> Callable[..., Any]:
    """One of jinja2's own filters, with its arguments and result held to the limits (the
    arguments after the ones jinja2 passes itself: the context or environment)."""
    skip = 1 if getattr(f, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(f)
    def limited(*args: Any, **kwargs: Any) -> Any:
        value = args[skip]
        _check_args(args[skip + 1:], kwargs, sizes=name in _SIZE_FILTERS)
        if isinstance(value, list | tuple) and name == "join":
            _estimate_call(("" if len(args) <= skip + 1 else str(args[skip + 1])).join,
                           (value,), {})
        elif isinstance(value, str) and name == "replace" and len(args) > skip + 2:
            _estimate_call(value.replace, args[skip + 1:skip + 3], {})
        elif isinstance(value, str) and name == "format":  # `value % args`
            _check_binop("%", value, tuple(args[skip + 1:]))
        return _check_result(f(*args, **kwargs))

    return limited


@pass_context
def _loop_items(context: Any, iterable: Any) -> Iterator[Any]:
    """What every `{% for %}` iterates (wrapped in at load): the items, counted against the
    render's loop limit, with the clock looked at every 64 items."""
    budget = _budget(context)
    for item in iterable:
        budget.loops += 1
        if budget.loops > MAX_LOOP_ITEMS:
            raise TemplateLimitError(f"the loops ran more than {MAX_LOOP_ITEMS} times")
        if not budget.loops & 63:
            budget.check()
        yield item


_LOOP_FILTER: Final = "_diagtree_loop"
_OPENERS: Final = {"(": ")", "[": "]", "{": "}"}
_BLOCK_TAGS: Final = frozenset({"if", "for", "macro", "call", "filter", "with", "block",
                                "autoescape"})
_TAG_NAME: Final = re.compile(r"[-+]?\s*(\w+)")
_WORD: Final = re.compile(r"\w+")


def _nesting(source: str) -> tuple[int, int] | None:
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


def _position(source: str, offset: int) -> tuple[int, int]:
    """(line, column), both 1-based, of a character offset in `source`."""
    return source.count("\n", 0, offset) + 1, offset - source.rfind("\n", 0, offset)


def _too_complex(tree: nodes.Node, loops: list[nodes.For]) -> TemplateTooComplex | None:
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
            return TemplateTooComplex(_TOO_DEEP, node.lineno)
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


_TOO_DEEP: Final = (f"the template nests deeper than {MAX_NESTING} levels (brackets, operators, "
                    "filters and tags inside one another)")
_TOO_BIG: Final = (f"the template has more than {MAX_PARTS} parts (texts, variables, operators, "
                   "filters and tags)")


class LimitedEnvironment(SandboxedEnvironment):
    """jinja2's sandbox, with every limit of this module (see its docstring)."""

    intercepted_binops = frozenset({"**", "*", "%", "+"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        for name, f in list(self.filters.items()):  # jinja2's own filters; ours check for
            self.filters[name] = _limited_filter(name, f)  # themselves
        self.filters[_LOOP_FILTER] = _loop_items
        del self.globals["lipsum"]  # lipsum(n) writes n paragraphs: no use in a script

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        found = _nesting(source)
        if found is not None:
            line, col = _position(source, found[0])
            raise TemplateTooComplex(_TOO_DEEP, line, col)
        try:
            tree = super()._parse(source, name, filename)
        except RecursionError:
            raise TemplateTooComplex(_TOO_DEEP, 1) from None
        loops: list[nodes.For] = []
        refused = _too_complex(tree, loops)
        if refused is not None:
            raise refused
        for loop in loops:  # every loop counts its items
            loop.iter = nodes.Filter(loop.iter, _LOOP_FILTER, [], [], None, None,
                                     lineno=loop.lineno)
        return tree

    def _generate(self, source: nodes.Template, name: str | None, filename: str | None,
                  defer_init: bool = False) -> str:
        try:
            return super()._generate(source, name, filename, defer_init)
        except RecursionError:
            raise TemplateTooComplex(_TOO_DEEP, 1) from None

    def _compile(self, source: str, filename: str) -> Any:
        try:
            return super()._compile(source, filename)
        except (RecursionError, MemoryError):
            raise TemplateTooComplex(_TOO_DEEP, 1) from None

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return _check_result(self.binop_table[operator](left, right))

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        budget = _budget(context)
        budget.check()
        _check_args(args, kwargs, sizes=False)
        _estimate_call(obj, args, kwargs)
        if budget.depth >= MAX_CALL_DEPTH:
            raise TemplateLimitError(f"calls nest deeper than {MAX_CALL_DEPTH} (a macro "
                                     "calling itself?)")
        budget.depth += 1
        try:
            return _check_result(super().call(context, obj, *args, **kwargs))
        finally:
            budget.depth -= 1


def _environment(locale: str) -> SandboxedEnvironment:
    env = LimitedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False,
                             keep_trailing_newline=False, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters.update(_filters(locale))
    # the agent's actions are in English whatever the script's locale; `compile_bundle` renames
    # their filters to these, so that a script and its actions render in one go
    env.filters.update({_EN_PREFIX + name: f for name, f in _filters("en").items()})
    return env


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


@dataclass(frozen=True)
class Analysis:
    """What loading learns of a template text without compiling it: the variables it reads
    (empty when it is refused), or why it is refused."""

    variables: frozenset[str]
    error: jinja2.TemplateSyntaxError | None = None


def analyse_template(env: SandboxedEnvironment, text: str) -> Analysis:
    """Parse `text` under the limits and run jinja2's code generator over it without keeping
    the code (`meta.find_undeclared_variables`): every error compiling it would raise — bad
    syntax, nesting, an unknown filter or test — is found, and so are the variables it reads.
    A template made only of outputs, conditions and expressions (`plain_variables`) skips the
    code generator: nothing in it can fail to compile, and what it reads is its names."""
    if "{" not in text:  # plain text: nothing to parse (jinja2's tags all start with "{")
        return Analysis(frozenset())
    try:
        tree = env.parse(text)
        plain = plain_variables(env, tree)
        if plain is not None:
            return Analysis(plain)
        try:
            return Analysis(frozenset(meta.find_undeclared_variables(tree)))
        except RecursionError:
            raise TemplateTooComplex(_TOO_DEEP, 1) from None
    except jinja2.TemplateSyntaxError as exc:
        return Analysis(frozenset(), exc)


#: what a template may be made of for `plain_variables` to read it: outputs, conditions and
#: expressions — nothing that stores a name (`set`, `for`, macros, `with`), opens a scope or
#: brings in another template, whose names jinja2's code generator resolves by its own rules
_PLAIN_NODES: Final = frozenset({
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.If, nodes.Name, nodes.Const,
    nodes.Filter, nodes.Test, nodes.Compare, nodes.Operand, nodes.CondExpr, nodes.And,
    nodes.Or, nodes.Not, nodes.Neg, nodes.Pos, nodes.Add, nodes.Sub, nodes.Mul, nodes.Div,
    nodes.FloorDiv, nodes.Mod, nodes.Pow, nodes.Concat, nodes.List, nodes.Tuple, nodes.Dict,
    nodes.Pair, nodes.Getattr, nodes.Getitem, nodes.Slice, nodes.Call, nodes.Keyword})


#: the nodes whose value jinja2's optimizer computes while compiling when all they read is
#: constant: an attribute or item of a constant, a filter or test of constants — which may be
#: undefined, or fail (`{{ (1).x }}`, `{{ 'a' | attr('b') }}`)
_FOLDING: Final = frozenset({nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Test})


def _constant(node: nodes.Node) -> bool:
    """Whether `node` reads no variable and calls nothing (jinja2 may compute it at once)."""
    return not any(True for _ in node.find_all((nodes.Name, nodes.Call)))


def plain_variables(env: SandboxedEnvironment, tree: nodes.Template) -> frozenset[str] | None:
    """What `meta.find_undeclared_variables(tree)` finds, without running jinja2's code
    generator, when `tree` is plain: made only of `_PLAIN_NODES`, every name loaded but for
    the targets of `{% set name = … %}` (or `{% set a, b = … %}`) at the top level, every
    filter and test one `env` has, and no filter, test, attribute or item of constants only
    (`_FOLDING`). Then compiling it cannot fail, and the variables it reads are the names it
    loads before the top level sets them (jinja2 resolves a name from the context until it
    is set), but for the environment's globals and `self` (the template itself). None when
    it is not plain: ask jinja2."""
    names: set[str] = set()
    stored: set[str] = set()
    for statement in tree.body:
        if type(statement) is nodes.Assign:
            target = statement.target  # a name, or names (`{% set a, b = … %}`)
            targets = target.items if type(target) is nodes.Tuple else [target]
            if not all(type(t) is nodes.Name and t.name != "self" for t in targets):
                return None
            if not _plain_loads(env, statement.node, stored, names):
                return None
            stored.update(t.name for t in targets)  # type: ignore[attr-defined]
        elif not _plain_loads(env, statement, stored, names):
            return None
    names.discard("self")
    return frozenset(n for n in names if n not in env.globals)


def _plain_loads(env: SandboxedEnvironment, top: nodes.Node, stored: set[str],
                 names: set[str]) -> bool:
    """Add to `names` the names `top` loads that are not `stored`; False when `top` is not
    plain (see `plain_variables`)."""
    todo: list[nodes.Node] = [top]
    node_type = nodes.Node
    while todo:
        node = todo.pop()
        kind = type(node)
        if kind not in _PLAIN_NODES:
            return False
        if kind is nodes.Name:
            if node.ctx != "load":  # type: ignore[attr-defined]
                return False
            if node.name not in stored:  # type: ignore[attr-defined]
                names.add(node.name)  # type: ignore[attr-defined]
        elif kind is nodes.Tuple and node.ctx != "load":  # type: ignore[attr-defined]
            return False
        elif kind in _FOLDING:
            if kind is nodes.Filter and (node.name not in env.filters  # type: ignore[attr-defined]
                                         or node.node is None):  # type: ignore[attr-defined]
                return False
            if kind is nodes.Test and node.name not in env.tests:  # type: ignore[attr-defined]
                return False
            if _constant(node):  # jinja2 computes it while compiling: let it
                return False
        for name in node.fields:
            item = getattr(node, name, None)
            if isinstance(item, list):
                todo.extend(n for n in item if isinstance(n, node_type))
            elif isinstance(item, node_type):
                todo.append(item)
    return True


class ScriptBook:
    """All scripts, by id: each checked when it loads, compiled when it first renders (or at
    load, when `eager`)."""

    def __init__(self, *, eager: bool = False) -> None:
        self.scripts: dict[str, Script] = {}
        self.eager = eager
        self._envs = {loc: _environment(loc) for loc in LOCALES}
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


def template_variables(env: SandboxedEnvironment, text: str) -> frozenset[str]:
    """The variables a template text reads (jinja2's own analysis); empty if it is invalid."""
    try:
        return frozenset(meta.find_undeclared_variables(env.parse(text)))
    except jinja2.TemplateSyntaxError:
        return frozenset()


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
    setattr(template, _HAS_LOOPS, any(True for _ in tree.find_all(nodes.For)))
    return template


_EN_PREFIX = "en_"
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
                if node.name in _EN_FILTERS:
                    node.name = _EN_PREFIX + node.name
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
        setattr(context, _BUDGET, budget)
    if getattr(template, _HAS_LOOPS, True):  # the output is counted as it grows
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
