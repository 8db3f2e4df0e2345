"""`diagtree validate PATH…`: load and check knowledge files; print every problem, sorted."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from diagtree._compile.library import load_library
from diagtree._errors import AuthoringError, format_problems
from diagtree._vocab.engine_facts import COMPLAINT_FACTS, POLICY_FACTS
from diagtree._vocab.facts import FactSchema

__all__ = ["add_validate", "default_schema"]


def default_schema() -> FactSchema:
    """The facts of the shipped adapters plus the complaint's own."""
    from diagtree_adapters import mock_sources, records_from_mapping  # noqa: PLC0415

    specs = [spec for src in mock_sources(records_from_mapping({})) for spec in src.facts()]
    return FactSchema([*COMPLAINT_FACTS, *specs])


def add_validate(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "validate", help="check tree, catalog, script and policy files",
        description="Load and check knowledge files; exit 1 when any has an error.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    p.add_argument("--require-policy", action="store_true",
                   help="fail when no policy file is among the paths")
    p.set_defaults(run=run_validate)


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


def run_validate(args: argparse.Namespace) -> int:
    schema = default_schema()
    paths = [Path(p) for p in args.paths]
    for p in paths:
        if not p.exists():
            print(f"diagtree validate: {p}: no such file or folder", file=sys.stderr)
            return 2
    # a single file is checked in the context of its knowledge folder (sub-trees, catalog…)
    named = {str(p.resolve()) for p in paths if p.is_file()}
    context = {r for p in paths if p.is_file() and (r := knowledge_root(p)) is not None}
    load = [*paths, *(c for c in context if not any(_within(c, p) for p in paths))]
    try:
        lib = load_library(_dedupe(load), schema, schema.merged(POLICY_FACTS),
                           require_policy=args.require_policy)
    except AuthoringError as exc:
        problems = [p for p in exc.problems if not named or not p.location.file
                    or str(Path(p.location.file).resolve()) in named
                    or not any(str(p.location.file).endswith(x) for x in (".yaml", ".yml"))]
        problems = problems or list(exc.problems)
        print(format_problems(problems))
        errors = sum(1 for p in problems if p.severity == "error")
        print(f"{errors} error(s)", file=sys.stderr)
        return 1
    if lib.warnings:
        print(format_problems(lib.warnings))
    subtrees = sum(1 for d in lib.documents.values() if d.kind == "subtree")
    print(f"ok: {len(lib.trees)} tree(s), {subtrees} sub-tree(s), "
          f"{len(lib.catalog.entries)} outcome(s), {len(lib.scripts.scripts)} script(s)")
    return 0


def _within(folder: Path, path: Path) -> bool:
    return path.is_dir() and folder.resolve().is_relative_to(path.resolve())


def _dedupe(paths: list[Path]) -> list[Path]:
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
