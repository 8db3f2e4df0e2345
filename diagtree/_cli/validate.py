"""`diagtree validate PATH…`: load and check knowledge files; print every problem, sorted."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from diagtree._cli.common import default_schema, existing_paths, with_context
from diagtree._compile.library import load_library
from diagtree._errors import AuthoringError, format_problems
from diagtree._vocab.engine_facts import POLICY_FACTS

__all__ = ["add_validate"]


def add_validate(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "validate", help="check tree, catalog, script and policy files",
        description="Load and check knowledge files; exit 1 when any has an error.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    p.add_argument("--require-policy", action="store_true",
                   help="fail when no policy file is among the paths")
    p.set_defaults(run=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    paths = existing_paths("validate", args.paths)
    if paths is None:
        return 2
    schema = default_schema()
    # a single file is checked in the context of its knowledge folder (sub-trees, catalog…)
    named = {str(p.resolve()) for p in paths if p.is_file()}
    try:
        lib = load_library(with_context(paths), schema, schema.merged(POLICY_FACTS),
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
