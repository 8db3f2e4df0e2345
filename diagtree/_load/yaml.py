"""Safe YAML loading that keeps positions, for located errors.

PyYAML's safe composer builds the node graph; we construct plain Python values from it ourselves
so that we can (a) record every value's and key's position in a side table (never injected into
the data), (b) report duplicate keys instead of keeping the last one, (c) flag YAML 1.1 boolean
traps, and (d) bound the size of what we build (aliases cannot blow up memory).

Construction rules (deliberately predictable):
- mapping keys are always strings: the scalar's text as written (``no:`` is the key ``"no"``,
  ``1:`` is ``"1"``); a non-scalar key is an error;
- plain scalars resolve like YAML 1.1 safe loading for null, bool, int and float, but timestamps
  stay strings (the consumer parses them, as it must for JSON and CSV anyway);
- a plain scalar that YAML 1.1 reads as a boolean but is not ``true``/``false`` (``no``, ``on``,
  ``Yes``, ``OFF``…) is recorded as a trap: `Positions.is_trap` tells the schema checker, which
  reports it wherever a string is expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

import yaml

from diagtree._errors import Location, Problem

__all__ = ["Path", "Positions", "YamlLimits", "load_yaml"]

Path = tuple[str | int, ...]

_TRUE_FALSE = frozenset({"true", "false", "True", "False", "TRUE", "FALSE"})
_BOOL_WORDS = frozenset(
    w for base in ("yes", "no", "on", "off", "y", "n", "true", "false")
    for w in (base, base.capitalize(), base.upper())
)


@dataclass(frozen=True)
class YamlLimits:
    """Bounds on one YAML file: its size, the values it expands to, the aliases it expands
    (``*name``: each use of an anchored mapping or list counts) and its nesting depth."""

    max_bytes: int = 1_000_000
    max_nodes: int = 200_000
    max_depth: int = 64
    max_aliases: int = 10_000


#: how each parser says a document nests too deeply for it: libyaml's scanner ("exceeded
#: maximum nesting depth") and parser ("Maximum nesting level reached"), and the wordings other
#: builds use; the pure-Python parser recurses and raises RecursionError instead
_TOO_DEEP: Final = re.compile(
    r"nesting (?:depth|level)|max(?:imum)? (?:nest|depth|level)|too deep|recursion", re.I)


class _Timestampless(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver (times stay strings)."""


_Timestampless.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_STR: Final = "tag:yaml.org,2002:str"
_BOOL: Final = "tag:yaml.org,2002:bool"
_TIMESTAMP: Final = "tag:yaml.org,2002:timestamp"
_MERGE: Final = "tag:yaml.org,2002:merge"

#: the implicit resolvers a plain scalar is tried against, by its first character ("" for the
#: empty scalar), those for any character (None) included: what `Resolver.resolve` gathers
#: for every scalar, gathered once
_PLAIN_RESOLVERS: Final = {
    key: tuple(resolvers) + tuple(_Timestampless.yaml_implicit_resolvers.get(None, []))
    for key, resolvers in _Timestampless.yaml_implicit_resolvers.items() if key is not None}
_ANY_RESOLVERS: Final = tuple(_Timestampless.yaml_implicit_resolvers.get(None, []))

# libyaml's parser (when PyYAML was built with it) composes the same nodes, with the same
# marks, about ten times faster; the resolver rules above still apply.
_Composer: Any = _Timestampless
if getattr(yaml, "__with_libyaml__", False):
    class _CTimestampless(yaml.CSafeLoader):
        yaml_implicit_resolvers = _Timestampless.yaml_implicit_resolvers

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            """`Resolver.resolve`, sooner for a plain scalar (libyaml's composer asks for
            every scalar): the first implicit resolver that matches, else a string (no path
            resolvers are registered)."""
            if kind is yaml.ScalarNode and implicit[0] and not self.yaml_path_resolvers:
                for tag, regexp in _PLAIN_RESOLVERS.get(value[:1], _ANY_RESOLVERS):
                    if regexp.match(value):
                        return tag
                return self.DEFAULT_SCALAR_TAG
            return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]

    _Composer = _CTimestampless


@dataclass
class Positions:
    """Side table: the location of every value (by path) and every mapping key."""

    file: str
    values: dict[Path, Location] = field(default_factory=dict)
    keys: dict[Path, Location] = field(default_factory=dict)
    traps: set[Path] = field(default_factory=set)
    styles: dict[Path, str] = field(default_factory=dict)  # scalar style: '', '"', "'", '|', '>'
    blocks: dict[Path, Location] = field(default_factory=dict)  # first text char of | and >

    def of(self, path: Path) -> Location:
        """Where the value at `path` starts; falls back to the nearest known ancestor."""
        p = path
        while p:
            if p in self.values:
                return self.values[p]
            p = p[:-1]
        return self.values.get((), Location(self.file, 1, 1))

    def key(self, path: Path) -> Location:
        """Where the key of the mapping entry at `path` is written."""
        return self.keys.get(path) or self.of(path)

    def is_trap(self, path: Path) -> bool:
        return path in self.traps

    def text_origin(self, path: Path) -> Location:
        """Where the text of the scalar at `path` starts (after an opening quote)."""
        loc = self.of(path)
        if self.styles.get(path) in ("'", '"'):
            return loc.shifted(1)
        return self.blocks.get(path, loc)


class _TooBig(Exception):
    pass


_SIMPLER: Final = "split the file, or avoid deeply nested or aliased data"


def load_yaml(
    text: str, filename: str, limits: YamlLimits | None = None
) -> tuple[Any, Positions, list[Problem]]:
    """Parse one YAML document. Returns (data, positions, problems); data is None on failure.

    Never raises for bad input: syntax errors, multiple documents, limits and duplicate keys all
    come back as problems.
    """
    limits = limits or YamlLimits()
    positions = Positions(filename)
    problems: list[Problem] = []
    size = len(text.encode("utf-8", errors="replace"))
    if size > limits.max_bytes:
        problems.append(Problem(Location(filename, 1, 1), "file_too_large",
                                f"file is {size} bytes; the limit is {limits.max_bytes}",
                                hint="split it into sub-trees or several files"))
        return None, positions, problems
    try:
        loader = _Composer(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(filename, mark.line + 1, mark.column + 1) if mark else Location(filename)
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        if _TOO_DEEP.search(str(exc.problem or "")):  # the parser's own depth limit (libyaml)
            problems.append(Problem(loc, "file_too_complex", "the YAML nests too deeply to read "
                                    f"({message})", hint=_SIMPLER))
            return None, positions, problems
        problems.append(Problem(loc, "yaml_syntax", message or "invalid YAML"))
        return None, positions, problems
    except yaml.YAMLError as exc:  # e.g. several documents in one file
        problems.append(Problem(Location(filename, 1, 1), "yaml_syntax", str(exc).split("\n")[0]))
        return None, positions, problems
    except (RecursionError, MemoryError):  # the pure-Python parser recurses per level
        problems.append(Problem(Location(filename, 1, 1), "file_too_complex",
                                "the YAML nests too deeply to read", hint=_SIMPLER))
        return None, positions, problems
    if root is None:
        return None, positions, problems
    builder = _Builder(filename, positions, problems, limits, text)
    try:
        data = builder.build(root, (), 0)
    except (_TooBig, RecursionError, MemoryError) as exc:
        reason = str(exc) if isinstance(exc, _TooBig) else "the YAML nests too deeply to read"
        problems.append(Problem(Location(filename, 1, 1), "file_too_complex", reason,
                                hint=_SIMPLER))
        return None, positions, problems
    return data, positions, problems


class _Builder:
    def __init__(self, filename: str, positions: Positions, problems: list[Problem],
                 limits: YamlLimits, text: str) -> None:
        self.text = text
        self.file = filename
        self.pos = positions
        self.problems = problems
        self.limits = limits
        self.count = 0
        self.aliases = 0
        self.built: set[int] = set()  # ids of the collections built so far (a repeat: an alias)
        self.resolver = _Timestampless("")

    def _loc(self, node: yaml.Node) -> Location:
        return Location(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.count += 1
        if self.count > self.limits.max_nodes:
            raise _TooBig(f"more than {self.limits.max_nodes} values")
        if depth > self.limits.max_depth:
            raise _TooBig(f"nested deeper than {self.limits.max_depth} levels")
        values = self.pos.values
        if path not in values:
            mark = node.start_mark
            values[path] = Location(self.file, mark.line + 1, mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if id(node) in self.built:
            self.aliases += 1
            if self.aliases > self.limits.max_aliases:
                raise _TooBig(f"more than {self.limits.max_aliases} uses of aliases (*name)")
        else:
            self.built.add(id(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        assert isinstance(node, yaml.SequenceNode)
        return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]

    def _scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        style = node.style
        self.pos.styles[path] = style or ""
        if style in ("|", ">"):
            first = _block_text_start(node, self.text)
            if first is not None:
                self.pos.blocks[path] = Location(self.file, first[0] + 1, first[1] + 1)
        tag = node.tag
        if tag == _STR:  # what the safe constructor makes of a string: its text
            return node.value
        if not style and tag == _BOOL and node.value not in _TRUE_FALSE:
            self.pos.traps.add(path)
        if tag == _TIMESTAMP:
            return node.value
        try:
            return self.resolver.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            self.problems.append(Problem(self._loc(node), "yaml_value", str(exc.problem)))
            return node.value
        except (ValueError, KeyError, TypeError, OverflowError):  # e.g. `0x_`, `!!int abc`
            self.problems.append(Problem(self._loc(node), "yaml_value",
                                         f"{node.value!r} cannot be read as {node.tag}",
                                         hint="quote it to mean the text"))
            return node.value

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        explicit, merged = _pairs(node, self.limits.max_depth)
        keys = self.pos.keys
        file = self.file
        for key_node, value_node in explicit:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(Problem(self._loc(key_node), "yaml_key",
                                             "a mapping key must be a plain name or string"))
                continue
            key = str(key_node.value)
            child = (*path, key)
            if key in result:
                first = keys.get(child)
                where = f" (first at line {first.line})" if first else ""
                self.problems.append(Problem(
                    self._loc(key_node), "duplicate_key",
                    f"key {key!r} appears twice in this mapping{where}",
                    hint="YAML would silently keep only the last one; remove or rename one"))
                continue
            mark = key_node.start_mark
            keys[child] = Location(file, mark.line + 1, mark.column + 1)
            result[key] = self.build(value_node, child, depth + 1)
        # merge keys (`<<: *base`) add what the mapping does not say itself (YAML semantics:
        # explicit keys win; of several merged mappings, the first that has a key wins)
        for key_node, value_node in merged:
            key = str(key_node.value)
            child = (*path, key)
            if isinstance(key_node, yaml.ScalarNode) and key not in result:
                self.pos.keys[child] = self._loc(key_node)
                result[key] = self.build(value_node, child, depth + 1)
        return result


def _block_text_start(node: yaml.ScalarNode, buffer: str) -> tuple[int, int] | None:
    """0-based (line, col) of the first character of a block scalar's text."""
    mark = node.start_mark
    line, at = mark.line, buffer.find("\n", mark.index)
    while at != -1:
        line += 1
        end = buffer.find("\n", at + 1)
        text = buffer[at + 1: end if end != -1 else len(buffer)]
        if text.strip():
            return line, len(text) - len(text.lstrip(" "))
        at = end
    return None


def _pairs(node: yaml.MappingNode, max_depth: int, seen: frozenset[int] = frozenset()
           ) -> tuple[list[tuple[yaml.Node, yaml.Node]], list[tuple[yaml.Node, yaml.Node]]]:
    """A mapping's own key/value pairs, and those its merge keys bring in (flattened)."""
    if not seen and max_depth >= 1 and all(k.tag != _MERGE for k, _ in node.value):
        return node.value, []  # no merge key: the pairs as written
    explicit: list[tuple[yaml.Node, yaml.Node]] = []
    merged: list[tuple[yaml.Node, yaml.Node]] = []
    seen = seen | {id(node)}
    if len(seen) > max_depth:
        raise _TooBig(f"merge keys (`<<:`) chained deeper than {max_depth} levels")
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) \
                else [value_node]
            for src in sources:
                if isinstance(src, yaml.MappingNode):
                    if id(src) in seen:
                        raise _TooBig("a mapping merges itself (`<<:` through an alias)")
                    own, inherited = _pairs(src, max_depth, seen)
                    merged.extend(own + inherited)
            continue
        explicit.append((key_node, value_node))
    return explicit, merged


def key_is_trap(key: str) -> bool:
    """Whether a mapping key is a word that YAML 1.1 tools read as a boolean."""
    return key in _BOOL_WORDS and key not in _TRUE_FALSE
