"""`diagtree fmt`: rewrite a tree or sub-tree file into the one canonical layout, keeping comments.

The canonical layout:

- top-level keys in a fixed order (`TOP_KEYS`), keys inside a node in a fixed order (`NODE_KEYS`:
  the kind key first), keys of questions, changelog entries, table rows and locales (zh-CN,
  en) likewise: the orders of the knowledge-file schema (`_check.schema`); nodes, cases,
  values, questions and any other author-named keys keep the author's order (nodes are
  ordered for reading);
- 2-space indentation, block sequences indented under their key, no blank lines;
- flow style for short label-like collections (`title`, question `text` and `options`,
  `symptoms`, a sub-tree's `exits`, a `use` node's `exits`, changelog entries) when they fit in
  `WIDTH` columns and hold no comment; block style for nodes, `cases`, `values`, table rows;
- one quoting rule: a string is plain unless YAML 1.1 would read it as something else (`no`,
  `on`, `y`, `null`, a date), it looks like a number (`"1.0.0"`, `"12"`), or its characters need
  quotes (`: `, ` #`, a leading indicator or quote); then double quotes, or single quotes when
  the text holds `"` or `\\` (conditions with string literals: `'"voice"'`); keys likewise,
  except a node's own `yes:`/`no:`. fmt never changes what a value is: a plain `on` (a boolean
  to YAML) or `0x1F` keeps its spelling, only `True` becomes `true` and a number written as a
  `version` becomes the same text quoted;
- long strings stay on one line; block scalars (`|`, `>`) stay block scalars with their lines
  as written, re-indented;
- comments are kept: a full-line comment travels with the key or list item below it, an
  end-of-line comment with the key or item on its line; comments above the first key stay at
  the top, those below the last at the bottom.

`format_checked` formats and then verifies before anything is written: the result re-loads
(`read_document`, the loader `load_library` uses for every tree file) to an equal model
(`document_model`: node kinds and order, conditions' text, targets, values — not locations)
and to the same YAML data (`data_of`: notes and descriptions, which the model does not keep),
holds the same comments, and is a fixed point of formatting. `library_differences` repeats the
model check through `load_library` on a whole knowledge folder.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Final

import yaml

from diagtree._check import schema as _schema
from diagtree._check.model import Document
from diagtree._check.tree import read_tree_file
from diagtree._compile.library import Library, load_library
from diagtree._errors import AuthoringError, Location, Problem
from diagtree._load.limits import Limits
from diagtree._load.yaml import _Timestampless, key_is_trap, load_yaml
from diagtree._vocab.facts import FactSchema

__all__ = [
    "NODE_KEYS",
    "TOP_KEYS",
    "WIDTH",
    "FmtError",
    "NotLoadable",
    "comments_of",
    "data_of",
    "default_load",
    "document_model",
    "format_checked",
    "format_text",
    "library_differences",
]

WIDTH: Final = 100  # flow collections longer than this go to block style
# the key orders are the schema's (`_check.schema`): a tree's and a sub-tree's top-level keys in
# one order, every node kind's keys in one order (the kind key first)
TOP_KEYS: Final = _schema.merged_order([_schema.TREE_FILE.keys, _schema.SUBTREE_FILE.keys])
NODE_KEYS: Final = _schema.node_keys()

_Path = tuple[str, ...]  # a generic path: author-named keys and list indices are "*"
# how each place is laid out: "block", "flow" (when it fits and holds no comment), or the key
# order of a mapping (block); places not listed are "auto": flow when short and flat
_BLOCK, _FLOW = "block", "flow"
_LAYOUT: Final[dict[_Path, str]] = {
    ("title",): _FLOW,
    ("symptoms",): _FLOW,
    ("exits",): _FLOW,
    ("changelog",): _BLOCK,
    ("changelog", "*"): _FLOW,
    ("questions",): _BLOCK,
    ("questions", "*"): _BLOCK,
    ("questions", "*", "options"): _FLOW,
    ("questions", "*", "text"): _FLOW,
    ("nodes",): _BLOCK,
    ("nodes", "*"): _BLOCK,
    ("nodes", "*", "cases"): _BLOCK,
    ("nodes", "*", "values"): _BLOCK,
    ("nodes", "*", "exits"): _FLOW,
    ("nodes", "*", "table"): _BLOCK,
    ("nodes", "*", "table", "*"): _BLOCK,
}
# the key order of each place of a tree or sub-tree file (`_check.schema.PLACES`)
_ORDER: Final[dict[_Path, tuple[str, ...]]] = {
    path: _schema.merged_order(places[path].keys for places in
                               (_schema.PLACES["tree"], _schema.PLACES["subtree"])
                               if path in places)
    for path in {**_schema.PLACES["tree"], **_schema.PLACES["subtree"]}
} | {("nodes", "*"): NODE_KEYS}
_NAMED: Final = frozenset({("nodes",), ("questions",)})  # maps whose keys are ids
_NUMBER_AS_TEXT: Final = frozenset({("version",), ("changelog", "*", "version")})

_STR, _BOOL, _NULL = ("tag:yaml.org,2002:" + t for t in ("str", "bool", "null"))
_INT, _FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_RESOLVER: Final = yaml.resolver.Resolver()  # YAML 1.1 with timestamps: what other tools read
_BLOCK_HEADER: Final = re.compile(r"([|>])([+-]?)([1-9]?)([+-]?)")
_COMMENT: Final = re.compile(r"(?:^|[ \t])#")
_NUMERIC: Final = re.compile(r"[-+]?[0-9.][0-9._:eE+-]*")  # 1.0.0, 2026-11-22, 010, 1e5


class FmtError(Exception):
    """The file cannot be formatted safely; the message says why (it is never written)."""


class NotLoadable(FmtError):
    """The file does not load; `problems` says why."""

    def __init__(self, message: str, problems: Sequence[Problem]) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


# -- the file as formatted: scalars, mappings, lists, with their comments ---------------------
@dataclass
class _Block:
    header: str  # indicators: | or >, then 2 when the text starts with spaces, then - or +
    lines: list[str]  # the text's lines with their common indentation removed


@dataclass
class _Scalar:
    value: object  # str, bool, None, int or float
    text: str  # as written (numbers keep their spelling)
    block: _Block | None = None


@dataclass
class _Entry:
    """A mapping entry (`key` set) or a list item, with the comments attached to it."""

    key: str | None
    value: _Scalar | _Map | _Seq
    head: int = 0  # source line of the key (or the item's dash)
    tail: int = 0  # source line where the value ends
    depth: int = 0
    lead: list[str] = field(default_factory=list)  # full-line comments above
    eol: list[str] = field(default_factory=list)  # end-of-line comments


@dataclass
class _Map:
    entries: list[_Entry]


@dataclass
class _Seq:
    items: list[_Entry]


@dataclass
class _Parsed:
    root: _Map
    header: list[str]
    footer: list[str]


def _normalise(text: str) -> str:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def format_text(text: str) -> str:
    """The canonical layout of a tree or sub-tree file (see the module doc).

    Raises `FmtError` for text that is not one YAML mapping with `tree:` or `subtree:`, or that
    uses anchors, aliases, tags or merge keys (which fmt does not rewrite). Does not check that
    the tree loads: `format_checked` does.
    """
    return _format(text)[0]


def _format(text: str) -> tuple[str, Counter[str]]:
    """The canonical text, and the comments of `text`."""
    parsed, comments = _parse(_normalise(text))
    lines = list(parsed.header)
    lines += _map_lines(parsed.root, 0, ())
    lines += parsed.footer
    return "\n".join(lines) + "\n", Counter(c for _, c, _ in comments)


# -- parsing ----------------------------------------------------------------------------------
class _Recording(_Timestampless):
    """The loader, keeping every token it reads (for the comments between them)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.seen: list[yaml.Token] = []

    def get_token(self) -> yaml.Token:
        token: yaml.Token = super().get_token()  # type: ignore[no-untyped-call]
        self.seen.append(token)
        return token


def _parse(text: str) -> tuple[_Parsed, list[tuple[int, str, bool]]]:
    loader = _Recording(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        raise FmtError(f"not valid YAML: {str(exc).splitlines()[0]}") from None
    finally:
        loader.dispose()
    for token in loader.seen:
        if isinstance(token, yaml.AnchorToken | yaml.AliasToken | yaml.TagToken |
                      yaml.DirectiveToken):
            raise FmtError("it uses YAML anchors, aliases, tags or directives, which fmt does "
                           "not rewrite")
    if not isinstance(root, yaml.MappingNode):
        raise FmtError("not a tree or sub-tree file (no top-level mapping)")
    builder = _Builder(text)
    tree = builder.mapping(root, 0)
    if not any(e.key in ("tree", "subtree") for e in tree.entries):
        raise FmtError("not a tree or sub-tree file (no top-level `tree:` or `subtree:`)")
    comments = _comments(text, loader.seen)
    header, footer = _attach(comments, builder.entries)
    return _Parsed(tree, header, footer), comments


class _Builder:
    """Turns PyYAML's node graph into `_Map`/`_Seq`/`_Scalar`, recording every entry's lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        self.entries: list[_Entry] = []
        self.loader = _Timestampless("")

    def value(self, node: yaml.Node, depth: int, parent_col: int) -> _Scalar | _Map | _Seq:
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            return self.sequence(node, depth)
        assert isinstance(node, yaml.ScalarNode)
        return self.scalar(node, parent_col)

    def mapping(self, node: yaml.MappingNode, depth: int) -> _Map:
        out = _Map([])
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or \
                    key_node.tag == "tag:yaml.org,2002:merge":
                raise FmtError("it uses merge keys (`<<:`) or a non-scalar key, which fmt "
                               "does not rewrite")
            entry = _Entry(str(key_node.value),
                           self.value(value_node, depth + 1, key_node.start_mark.column),
                           head=key_node.start_mark.line, tail=self.tail(value_node),
                           depth=depth)
            self.entries.append(entry)
            out.entries.append(entry)
        return out

    def sequence(self, node: yaml.SequenceNode, depth: int) -> _Seq:
        out = _Seq([])
        for item in node.value:
            dash = self.dash(item)
            head = dash[0] if dash else item.start_mark.line
            col = dash[1] if dash else max(item.start_mark.column - 2, 0)
            entry = _Entry(None, self.value(item, depth + 1, col), head=head,
                           tail=self.tail(item), depth=depth)
            self.entries.append(entry)
            out.items.append(entry)
        return out

    def dash(self, item: yaml.Node) -> tuple[int, int] | None:
        """(line, col) of the `-` that introduces a block list item."""
        i = item.start_mark.index - 1
        while i >= 0 and self.text[i] in " \n":
            i -= 1
        if i < 0 or self.text[i] != "-":
            return None
        line = self.text.count("\n", 0, i)
        return line, i - (self.text.rfind("\n", 0, i) + 1)

    def tail(self, node: yaml.Node) -> int:
        if isinstance(node, yaml.ScalarNode):
            return int(node.start_mark.line if node.style in ("|", ">") else node.end_mark.line)
        assert isinstance(node, yaml.CollectionNode)
        if node.flow_style or not node.value:
            return int(node.end_mark.line)
        last = node.value[-1]
        return self.tail(last[1] if isinstance(node, yaml.MappingNode) else last)

    def scalar(self, node: yaml.ScalarNode, parent_col: int) -> _Scalar:
        text = str(node.value)
        if node.style in ("|", ">"):
            return _Scalar(text, text, self.block(node, parent_col))
        if node.tag == _STR:
            return _Scalar(text, text)
        if node.tag not in (_BOOL, _NULL, _INT, _FLOAT) or node.style:
            raise FmtError(f"line {node.start_mark.line + 1}: a value fmt cannot read "
                           f"({text!r})")
        try:
            value = self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, KeyError, OverflowError):
            raise FmtError(f"line {node.start_mark.line + 1}: {text!r} cannot be read as "
                           f"{node.tag.rsplit(':', 1)[-1]}") from None
        return _Scalar(value, text)

    def block(self, node: yaml.ScalarNode, parent_col: int) -> _Block:
        first = node.start_mark.line
        match = _BLOCK_HEADER.match(self.lines[first], node.start_mark.column)
        if match is None:  # pragma: no cover - PyYAML parsed it as a block scalar
            raise FmtError(f"line {first + 1}: cannot read the block scalar's header")
        style, chomp, digit = match[1], match[2] or match[4], match[3]
        end = node.end_mark
        last = end.line if self.lines[end.line][:end.column].strip() else end.line - 1
        raw = self.lines[first + 1:last + 1]
        if digit:
            indent = parent_col + int(digit)
        else:
            indent = next((len(x) - len(x.lstrip(" ")) for x in raw if x.strip()), 0)
        lines = [x[indent:] if len(x) > indent else "" for x in raw]
        if chomp != "+":
            while lines and not lines[-1]:
                lines.pop()
        return _Block(style + ("2" if digit else "") + chomp, lines)


def _comments(text: str, tokens: Iterable[yaml.Token]) -> list[tuple[int, str, bool]]:
    """Every comment as (0-based line, text from `#`, whether it is alone on its line)."""
    masked = list(text)
    for token in tokens:
        if not isinstance(token, yaml.ScalarToken):
            continue
        start, end = token.start_mark.index, token.end_mark.index
        if token.style in ("|", ">"):  # a comment may follow the header; the text is masked
            start = text.find("\n", start) + 1 or end
        for i in range(start, end):
            if masked[i] != "\n":
                masked[i] = "x"
    out = []
    original = text.split("\n")
    for number, line in enumerate("".join(masked).split("\n")):
        match = _COMMENT.search(line)
        if match is None:
            continue
        col = match.end() - 1
        out.append((number, original[number][col:].rstrip(), not line[:col].strip()))
    return out


def _attach(comments: list[tuple[int, str, bool]],
            entries: list[_Entry]) -> tuple[list[str], list[str]]:
    """Attach comments to entries (see the module doc); returns (header, footer) comments."""
    header: list[str] = []
    footer: list[str] = []
    if not entries:
        return [c for _, c, _ in comments], []
    first = min(e.head for e in entries)
    for line, text, alone in comments:
        if alone and line < first:
            header.append(text)
            continue
        if not alone:
            whole = [e for e in entries if e.head == line == e.tail]
            if whole:  # the outermost entry on the line (the last of several)
                depth = min(e.depth for e in whole)
                [e for e in whole if e.depth == depth][-1].eol.append(text)
                continue
            ending = [e for e in entries if e.tail == line] or \
                [e for e in entries if e.head == line]
            if ending:  # the innermost entry ending (else starting) on the line
                max(ending, key=lambda e: e.depth).eol.append(text)
                continue
        below = [e for e in entries if e.head > line]
        if not below:
            footer.append(text)
            continue
        nxt = min(e.head for e in below)
        min((e for e in below if e.head == nxt), key=lambda e: e.depth).lead.append(text)
    return header, footer


# -- emitting ---------------------------------------------------------------------------------
def _child_path(path: _Path, key: str | None) -> _Path:
    if key is None or path in _NAMED:
        return (*path, "*")
    return (*path, key)


def _ordered(m: _Map, path: _Path) -> list[_Entry]:
    order = _ORDER.get(path, ())
    rank = {k: i for i, k in enumerate(order)}
    return sorted(m.entries, key=lambda e: rank.get(e.key or "", len(order)))  # stable


def _map_lines(m: _Map, indent: int, path: _Path, carry: Sequence[str] = ()) -> list[str]:
    out: list[str] = []
    for i, entry in enumerate(_ordered(m, path)):
        out += _entry_lines(entry, indent, path, carry if i == 0 else ())
    return out


def _seq_lines(s: _Seq, indent: int, path: _Path, carry: Sequence[str] = ()) -> list[str]:
    out: list[str] = []
    for i, item in enumerate(s.items):
        out += _entry_lines(item, indent, path, carry if i == 0 else ())
    return out


def _entry_lines(entry: _Entry, indent: int, path: _Path, carry: Sequence[str]) -> list[str]:
    """The lines of a mapping entry or list item at `indent` (`carry`: end-of-line comments
    of an enclosing list item, placed on this entry's first line)."""
    pad = " " * indent
    here = _child_path(path, entry.key)
    value = entry.value
    if entry.key is None and not isinstance(value, _Scalar) and (
            first := _first(value, here)) is not None:
        # comments above a list item's first key belong to the item: in block style they go
        # above the dash anyway, and they must not keep the item out of flow style
        entry.lead += first.lead
        first.lead = []
    eol = [*carry, *entry.eol]
    out = [pad + c for c in (*entry.lead, *eol[1:])]
    comment = f"  {eol[0]}" if eol else ""
    if entry.key is None:
        intro = pad + "- "
    else:
        structural = path == ("nodes", "*") and entry.key in NODE_KEYS
        intro = pad + _key(entry.key, flow=False, structural=structural) + ":"
    if isinstance(value, _Scalar):
        if value.block is not None:
            out.append(f"{intro.rstrip()} {value.block.header}{comment}")
            inner = " " * (indent + 2)
            out += [inner + x if x else "" for x in value.block.lines]
        else:
            out.append(f"{intro.rstrip()} {_scalar(value, flow=False, path=here)}{comment}")
        return out
    flow = _flow(value, here, len(intro.rstrip()) + 1)
    if flow is not None:
        out.append(f"{intro.rstrip()} {flow}{comment}")
        return out
    if entry.key is not None:
        out.append(intro + comment)
        children = (_map_lines(value, indent + 2, here) if isinstance(value, _Map)
                    else _seq_lines(value, indent + 2, here))
        return out + children
    # a block collection in a list item starts on the dash's line; its first entry's comments
    # above go above the dash, the item's end-of-line comment onto that first line
    children = (_map_lines(value, indent + 2, here, eol) if isinstance(value, _Map)
                else _seq_lines(value, indent + 2, here, eol))
    out = [pad + c for c in entry.lead]
    at = next(i for i, x in enumerate(children) if not x.lstrip().startswith("#"))
    out += [pad + x.lstrip() for x in children[:at]]
    out.append(pad + "- " + children[at][indent + 2:])
    return out + children[at + 1:]


def _first(value: _Map | _Seq, path: _Path) -> _Entry | None:
    """The entry a collection's layout starts with (after ordering)."""
    if isinstance(value, _Map):
        return _ordered(value, path)[0] if value.entries else None
    return value.items[0] if value.items else None


def _has_comments(value: _Scalar | _Map | _Seq) -> bool:
    if isinstance(value, _Scalar):
        return False
    entries = value.entries if isinstance(value, _Map) else value.items
    return any(e.lead or e.eol or _has_comments(e.value) for e in entries)


def _flow(value: _Map | _Seq, path: _Path, used: int) -> str | None:
    """The one-line flow form of a collection, if this place takes one and it fits."""
    entries = value.entries if isinstance(value, _Map) else value.items
    if not entries:
        return "{}" if isinstance(value, _Map) else "[]"
    layout = _LAYOUT.get(path)
    if layout == _BLOCK or _has_comments(value):
        return None
    if layout is None and any(not isinstance(e.value, _Scalar) for e in entries):
        return None
    parts = []
    ordered = _ordered(value, path) if isinstance(value, _Map) else entries
    for entry in ordered:
        here = _child_path(path, entry.key)
        if isinstance(entry.value, _Scalar):
            if entry.value.block is not None:
                return None
            text = _scalar(entry.value, flow=True, path=here)
        else:
            inner = _flow(entry.value, here, 0)
            if inner is None:
                return None
            text = inner
        parts.append(text if entry.key is None else
                     f"{_key(entry.key, flow=True, structural=False)}: {text}")
    brackets = "{}" if isinstance(value, _Map) else "[]"
    text = brackets[0] + ", ".join(parts) + brackets[1]
    return text if used + len(text) <= WIDTH else None


def _analysis(text: str) -> yaml.emitter.ScalarAnalysis:
    emitter = yaml.emitter.Emitter(None, allow_unicode=True)  # type: ignore[arg-type]
    return emitter.analyze_scalar(text)


def _plain_allowed(text: str, flow: bool) -> bool:
    if not text or "\n" in text:
        return False
    analysis = _analysis(text)
    return bool(analysis.allow_flow_plain if flow else analysis.allow_block_plain)


def _quoted(text: str) -> str:
    analysis = _analysis(text)
    if "\n" in text or not analysis.allow_single_quoted:
        dumped: str = yaml.dump(text, Dumper=yaml.SafeDumper, default_style='"',
                                allow_unicode=True, width=1 << 30)
        return dumped.rstrip("\n").removesuffix("\n...").rstrip("\n")
    if '"' in text or "\\" in text:
        return "'" + text.replace("'", "''") + "'"
    return '"' + text + '"'


def _tag(text: str) -> str:
    """The tag YAML 1.1 (with timestamps) gives `text` written plain."""
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return tag


def _key(key: str, *, flow: bool, structural: bool) -> str:
    tag = _tag(key)
    misread = tag in (_NULL, "tag:yaml.org,2002:merge", "tag:yaml.org,2002:value") or (
        key_is_trap(key) and not structural)
    if _plain_allowed(key, flow) and not misread and len(key) < 128:
        return key
    return _quoted(key)


def _scalar(s: _Scalar, *, flow: bool, path: _Path) -> str:
    value = s.value
    if value is None:
        return "null"
    if isinstance(value, bool):  # a YAML 1.1 word (`on`, `no`) stays: it means a boolean
        return ("true" if value else "false") if s.text.lower() in ("true", "false") else s.text
    if not isinstance(value, str):  # a number: its spelling, or quoted where text is meant
        if path in _NUMBER_AS_TEXT and str(value) == s.text:
            return _quoted(s.text)
        return s.text
    plain = (_plain_allowed(value, flow) and not key_is_trap(value)
             and not (_NUMERIC.fullmatch(value) and any(c.isdigit() for c in value))
             and _tag(value) == _STR)
    return value if plain else _quoted(value)


# -- checking ---------------------------------------------------------------------------------
def _read(text: str, name: str, schema: FactSchema,
          limits: Limits | None) -> tuple[Document | None, list[Problem], object]:
    problems: list[Problem] = []
    doc, data = read_tree_file(text, name, schema, problems, limits)
    return doc, problems, _text_numbers(data)


def document_model(doc: Document) -> object:
    """What a document means, for equality: everything but locations, file name and digest."""
    return _model(doc)


def _model(value: object) -> object:
    if isinstance(value, Location):
        return None
    if is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, tuple(
            (f.name, _model(getattr(value, f.name))) for f in fields(value)
            if f.compare and f.name not in ("file", "sha256")))
    if isinstance(value, Mapping):
        return tuple((k, _model(v)) for k, v in value.items())  # order counts (node order)
    if isinstance(value, list | tuple):
        return tuple(_model(v) for v in value)
    if isinstance(value, frozenset | set):
        return frozenset(_model(v) for v in value)
    return value


def data_of(text: str) -> object:
    """The YAML data of a text as the project's loader reads it, numbers as their text (as
    every tree-file reader takes them); mappings compare without order."""
    return _text_numbers(load_yaml(text, "<fmt>")[0])


def _text_numbers(value: object) -> object:
    if isinstance(value, Mapping):
        return {k: _text_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_text_numbers(v) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def comments_of(text: str) -> Counter[str]:
    """The comments of a tree file (text from `#`, without trailing spaces), counted."""
    return _format(text)[1]


def _difference(before: Document, after: Document) -> str:
    """Where two documents' models first differ, in an author's words."""
    if list(before.nodes) != list(after.nodes):
        return "the nodes or their order"
    for node_id, node in before.nodes.items():
        if _model(node) != _model(after.nodes[node_id]):
            return f"node {node_id!r}"
    for f in fields(Document):
        if f.compare and _model(getattr(before, f.name)) != _model(getattr(after, f.name)):
            return f"`{f.name}`"
    return "the document"  # pragma: no cover - the models differ somewhere


def format_checked(text: str, name: str, schema: FactSchema,
                   limits: Limits | None = None) -> str:
    """`format_text`, verified: raise `FmtError` unless the result loads to the same model and
    the same YAML data, keeps every comment and formats to itself. Raise `NotLoadable` if
    `text` does not load."""
    before, problems, data = _read(text, name, schema, limits)
    errors = [p for p in problems if p.severity == "error"]
    if before is None or errors:
        raise NotLoadable(f"it does not load ({len(errors) or 1} error(s))", errors)
    out, comments = _format(text)
    after, problems, data_after = _read(out, name, schema, limits)
    if after is None or any(p.severity == "error" for p in problems):
        raise FmtError("the formatted text would not load (a bug in fmt; nothing written)")
    if document_model(before) != document_model(after):
        raise FmtError(f"the formatted text would load differently: {_difference(before, after)}"
                       " (a bug in fmt; nothing written)")
    if data_after != data:  # notes, descriptions: text the model does not keep
        raise FmtError("the formatted text would read differently as YAML (a bug in fmt; "
                       "nothing written)")
    again, comments_after = _format(out)
    if comments_after != comments:
        raise FmtError("the formatted text would lose or split a comment (a bug in fmt; "
                       "nothing written)")
    if again != out:
        raise FmtError("formatting is not stable on this file (a bug in fmt; nothing written)")
    return out


def library_differences(files: Sequence[Path], formatted: Mapping[Path, str],
                        before: Library, load: Callable[[list[Path]], Library]) -> list[str]:
    """Re-load a knowledge folder with `formatted` texts in place of their files (through
    `load`, a `load_library` call) and list the documents whose model changed ("" when the
    folder no longer loads)."""
    with tempfile.TemporaryDirectory(prefix="diagtree-fmt-") as tmp:
        paths: list[Path] = []
        for i, path in enumerate(files):
            if path in formatted:
                copy = Path(tmp) / str(i) / path.name
                copy.parent.mkdir()
                copy.write_text(formatted[path], encoding="utf-8")
                paths.append(copy)
            else:
                paths.append(path)
        try:
            after = load(paths)
        except AuthoringError:
            return [""]
    changed = [doc_id for doc_id, doc in before.documents.items()
               if doc_id not in after.documents
               or document_model(doc) != document_model(after.documents[doc_id])]
    changed += [doc_id for doc_id in after.documents if doc_id not in before.documents]
    return changed


def default_load(schema: FactSchema, policy_schema: FactSchema | None = None,
                 display: Callable[[Path], str] = str) -> Callable[[list[Path]], Library]:
    """A `load_library` call on a list of files, as `library_differences` wants it."""
    def load(paths: list[Path]) -> Library:
        return load_library(paths, schema, policy_schema, require_policy=False,
                            display=display)
    return load
