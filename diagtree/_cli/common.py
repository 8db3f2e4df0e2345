"""What several verbs share: the facts schema of the shipped adapters, and the knowledge files
to load for the paths a user named (each file in the context of its knowledge folder)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from diagtree._vocab.engine_facts import COMPLAINT_FACTS
from diagtree._vocab.facts import FactSchema

__all__ = ["dedupe", "default_schema", "existing_paths", "knowledge_root", "whole_number",
           "with_context"]


def default_schema() -> FactSchema:
    """The facts of the shipped adapters plus the complaint's own."""
    from diagtree_adapters import mock_sources, records_from_mapping  # noqa: PLC0415

    specs = [spec for src in mock_sources(records_from_mapping({})) for spec in src.facts()]
    return FactSchema([*COMPLAINT_FACTS, *specs])


def existing_paths(verb: str, names: Iterable[str]) -> list[Path] | None:
    """The paths, or None after saying on stderr which one does not exist (exit status 2)."""
    paths = [Path(n) for n in names]
    for p in paths:
        if not p.exists():
            print(f"diagtree {verb}: {p}: no such file or folder", file=sys.stderr)
            return None
    return paths


def knowledge_root(path: Path) -> Path | None:
    """The folder that holds a file's catalog (its sub-trees and scripts live there too).

    Relative to the working folder when `path` is relative and the folder is inside it, so that
    problems name files as the user (or pre-commit) named them: `trees/x.yaml:3:5`."""
    for folder in path.resolve().parents:
        if (folder / "outcomes.yaml").is_file():
            here = Path.cwd().resolve()
            if not path.is_absolute() and folder.is_relative_to(here):
                return folder.relative_to(here)
            return folder
    return None


def with_context(paths: list[Path]) -> list[Path]:
    """What to load for `paths`: them, plus the knowledge folder of each file named alone
    (a tree is checked with its sub-trees, catalog and scripts), each file once."""
    context = sorted({r for p in paths if p.is_file() and (r := knowledge_root(p)) is not None})
    return dedupe([*paths, *(c for c in context
                             if not any(p.is_dir() and c.resolve().is_relative_to(p.resolve())
                                        for p in paths))])


def dedupe(paths: list[Path]) -> list[Path]:
    """Files and folders to load, each file once (a file inside a folder given is dropped)."""
    folders = [p.resolve() for p in paths if p.is_dir()]
    out: list[Path] = []
    seen: set[Path] = set()
    for p in paths:
        r = p.resolve()
        if r in seen or (p.is_file() and any(r.is_relative_to(f) for f in folders)):
            continue
        seen.add(r)
        out.append(p)
    return out


def whole_number(least: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number of at least `least` (a usage error saying which
    otherwise)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}, got {value}")
        return value

    return parse
