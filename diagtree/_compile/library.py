"""A checked library compiled: each tree's steps and generated walker, and the tree versions in
force on any date compiled on first use.

`load_library` is the whole of stages 1–3 for a folder: `_check.library.check_library` reads
and checks every knowledge file (raising `AuthoringError` with every problem at once), then
`compile_library` compiles what was checked. Nothing here finds problems: a checked library
compiles.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from diagtree._check.catalog import Catalog
from diagtree._check.inline import inline_tree
from diagtree._check.library import CheckedLibrary, check_library
from diagtree._check.model import Document
from diagtree._check.policy import Policy
from diagtree._check.scripts import ScriptBook
from diagtree._check.structure import FlatTree
from diagtree._check.versions import Versions
from diagtree._compile.codegen import with_fast_walker
from diagtree._compile.steps import CompiledTree, compile_tree
from diagtree._errors import Problem
from diagtree._load.limits import Limits
from diagtree._vocab.facts import FactSchema

__all__ = ["History", "Library", "compile_library", "load_library"]


def compile_flat(flat: FlatTree) -> CompiledTree:
    """One inlined tree compiled to its steps, with its generated walker attached."""
    return with_fast_walker(compile_tree(flat))


@dataclass
class History:
    """Selects and compiles the tree for a symptom as it was on a given date."""

    versions: Versions
    _cache: dict[tuple[int, ...], CompiledTree] = field(default_factory=dict)

    def tree_on(self, symptom: str, day: _dt.date,
                latest: dict[str, CompiledTree]) -> CompiledTree | None:
        documents = self.versions.documents_on(day)
        tree = next((d for d in documents.values()
                     if d.kind == "tree" and symptom in d.symptoms), None)
        if tree is None:
            return None
        key = tuple(id(d) for d in documents.values())
        hit = self._cache.get(key)
        if hit is None:
            flat = inline_tree(tree, documents, [], self.versions.max_depth)
            if flat is None:  # pragma: no cover - every combination was checked at load
                return latest.get(tree.id)
            hit = self._cache[key] = compile_flat(flat)
        return hit


@dataclass
class Library:
    trees: dict[str, CompiledTree]
    by_symptom: dict[str, CompiledTree]
    documents: dict[str, Document]
    catalog: Catalog
    scripts: ScriptBook
    policy: Policy | None
    files: tuple[str, ...]
    warnings: tuple[Problem, ...] = ()
    #: set when some tree or sub-tree has several versions (`effective_from`)
    history: History | None = None

    def tree_for(self, symptom: str, day: _dt.date | None = None) -> CompiledTree | None:
        """The tree for a symptom as in force on `day` (None: the latest versions)."""
        if day is None or self.history is None:
            return self.by_symptom.get(symptom)
        return self.history.tree_on(symptom, day, self.trees)


def compile_library(checked: CheckedLibrary) -> Library:
    """Compile every tree of a checked library (each symptom to the tree that handles it)."""
    trees: dict[str, CompiledTree] = {}
    by_symptom: dict[str, CompiledTree] = {}
    for flat in checked.flats:
        trees[flat.id] = compiled = compile_flat(flat)
        for symptom in flat.document.symptoms:
            if checked.handled.get(symptom) == flat.id:
                by_symptom[symptom] = compiled
    history = History(checked.versions) if checked.versions is not None else None
    return Library(trees, by_symptom, checked.documents, checked.catalog, checked.scripts,
                   checked.policy, checked.files, checked.warnings, history)


def load_library(paths: Iterable[str | Path], schema: FactSchema,
                 policy_schema: FactSchema | None = None,
                 *, limits: Limits | None = None, require_policy: bool = True,
                 display: Callable[[Path], str] = str) -> Library:
    """Load, check and compile every knowledge file under `paths`; raise `AuthoringError` on
    problems (see `check_library`)."""
    return compile_library(check_library(paths, schema, policy_schema, limits=limits,
                                         require_policy=require_policy, display=display))
