"""The knowledge a service runs on: an `Engine` over a knowledge folder, and that folder's hash.

`Knowledge.load(root, …)` reads every knowledge file of the folder (``*.yaml``, ``*.yml``,
``*.j2``), hashes them (`digest`: SHA-256 over the sorted paths and texts) and builds the
engine. `Knowledge.from_files(files, …)` rebuilds the same engine from the texts a store kept
(a session pinned to trees that have since changed continues on them).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from diagtree._compile.steps import CompiledTree
from diagtree._decisions.log import DecisionLog
from diagtree._walk.engine import Engine
from diagtree._walk.sources import Source

__all__ = ["Knowledge", "digest_of", "engine_factory", "read_folder"]

_SUFFIXES = (".yaml", ".yml", ".j2")


def read_folder(root: Path) -> dict[str, str]:
    """Every knowledge file under `root`: relative POSIX path → text."""
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*")) if p.is_file() and p.suffix in _SUFFIXES}


def digest_of(files: Mapping[str, str]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return h.hexdigest()


@dataclass(frozen=True, eq=False)  # hashed by identity (a cache key)
class Knowledge:
    """An engine and the hash of the files it was built from."""

    engine: Engine
    digest: str
    files: dict[str, str]

    @classmethod
    def load(cls, root: Path, make_engine: Callable[[Path], Engine]) -> Knowledge:
        files = read_folder(root)
        return cls(make_engine(root), digest_of(files), files)

    @classmethod
    def from_files(cls, files: Mapping[str, str], make_engine: Callable[[Path], Engine]
                   ) -> Knowledge:
        with tempfile.TemporaryDirectory(prefix="diagtree-pinned-") as tmp:
            root = Path(tmp)
            for name, text in files.items():
                target = (root / name).resolve()
                if root.resolve() not in target.parents:  # a stored name never escapes
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            engine = make_engine(root)  # everything is read and compiled here
        return cls(engine, digest_of(files), dict(files))

    def tree(self, symptom: str | None) -> CompiledTree | None:
        return self.engine.library.by_symptom.get(symptom) if symptom else None

    def trees(self) -> Sequence[CompiledTree]:
        seen: dict[str, CompiledTree] = {}
        for tree in self.engine.library.by_symptom.values():
            seen.setdefault(tree.id, tree)
        return [seen[k] for k in sorted(seen)]


def engine_factory(sources: Sequence[Source], locale: str, default_region: str | None,
                   decision_log: DecisionLog | None = None) -> Callable[[Path], Engine]:
    def make(root: Path) -> Engine:
        return Engine(root, sources=sources, locale=locale, default_region=default_region,
                      decision_log=decision_log)
    return make
