"""What a lint rule sees: the loaded library, the raw files, positions, the declared facts.

`LintContext.library` is the `Library` that `load_library` returned (documents with node
locations, compiled trees with their flat graphs, the catalog, the scripts, the policy), or None
when the files did not load — then only the rules that do not need it run (the script lint).
Positions of any key or value are re-read from the raw text on demand (`at`), so a rule can
point at the exact key (`default:`, a row's `when:`) rather than at its node.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from diagtree._check.model import Document, OutcomeNode
from diagtree._compile.library import Library
from diagtree._compile.steps import CompiledTree
from diagtree._errors import Location, Problem
from diagtree._lint._suppress import Suppression
from diagtree._load.yaml import Path as YamlPath
from diagtree._load.yaml import Positions, load_yaml
from diagtree._vocab.facts import FactSchema

__all__ = ["LintContext", "adapter_fact_origins"]


@dataclass
class LintContext:
    """Everything a rule's `check(ctx)` may read. Rules never change it."""

    library: Library | None
    schema: FactSchema
    texts: Mapping[str, str]  # file name (as in locations) -> its text
    load_problems: tuple[Problem, ...] = ()  # what loading reported (errors when it failed)
    fact_origins: Mapping[str, Location] = field(default_factory=dict)  # where facts are declared
    #: the suppression comments in the files linted, and the (comment, code) pairs that
    #: suppressed a problem (set by the runner before the `AFTER_SUPPRESSION` rules run)
    suppressions: list[Suppression] = field(default_factory=list)
    used_suppressions: set[tuple[Suppression, str]] = field(default_factory=set)
    _positions: dict[str, Positions] = field(default_factory=dict, repr=False)

    @property
    def lib(self) -> Library:
        """The library (rules that need it run only when the files loaded)."""
        if self.library is None:  # pragma: no cover - the runner never asks for it then
            raise RuntimeError("the knowledge files did not load")
        return self.library

    def documents(self) -> Iterator[Document]:
        """Every tree and sub-tree, each once."""
        yield from self.lib.documents.values()

    def trees(self) -> Iterator[CompiledTree]:
        yield from self.lib.trees.values()

    def positions(self, file: str) -> Positions:
        """Where every key and value of a file is (empty when the file is not YAML text)."""
        if file not in self._positions:
            pos = load_yaml(self.texts[file], file)[1] if file in self.texts else Positions(file)
            self._positions[file] = pos
        return self._positions[file]

    def at(self, file: str, path: YamlPath, *, key: bool = False,
           text: bool = False) -> Location:
        """The location of the value at `path` (`key`: of its key; `text`: of a scalar's first
        character, inside quotes or a block)."""
        pos = self.positions(file)
        if key:
            return pos.key(path)
        return pos.text_origin(path) if text else pos.of(path)

    def node_at(self, doc: Document, node_id: str, *keys: str | int, key: bool = False,
                text: bool = False) -> Location:
        """A location inside a node of `doc`, falling back to the node itself."""
        node = doc.nodes.get(node_id)
        path = ("nodes", node_id, *keys)
        if doc.file not in self.texts:
            return node.location if node is not None else doc.location
        return self.at(doc.file, path, key=key, text=text)


def same_result(a: object, b: object, a_id: str, b_id: str) -> bool:
    """Whether two targets end the same way: the same node, or outcomes with the same cause and
    the same values."""
    if a_id == b_id:
        return True
    if isinstance(a, OutcomeNode) and isinstance(b, OutcomeNode):
        return a.cause == b.cause and \
            [(k, e.text) for k, e in a.values] == [(k, e.text) for k, e in b.values]
    return False


_DECLARED = re.compile(r"""FactSpec\(\s*["']([\w.]+)["']""")


def adapter_fact_origins() -> dict[str, Location]:
    """Where the shipped adapters declare each fact (``FactSpec("name", …)`` in their source),
    so that a problem about a fact can point at its declaration. Empty when not found."""
    try:
        import diagtree_adapters  # noqa: PLC0415 - optional: lint works without the adapters
    except ImportError:  # pragma: no cover - the adapters ship with diagtree
        return {}
    folder = Path(diagtree_adapters.__file__).parent
    out: dict[str, Location] = {}
    for path in sorted(folder.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = _shown(path)
        for m in _DECLARED.finditer(text):
            line = text.count("\n", 0, m.start(1)) + 1
            col = m.start(1) - text.rfind("\n", 0, m.start(1))
            out.setdefault(m.group(1), Location(name, line, col))
    return out


def _shown(path: Path) -> str:
    """A path relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
