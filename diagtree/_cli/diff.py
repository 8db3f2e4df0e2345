"""`diagtree diff OLD NEW`: what changed between two versions of a tree or sub-tree file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from diagtree._author.diff import diff_documents
from diagtree._check.model import Document
from diagtree._check.tree import read_tree_file
from diagtree._cli.common import default_schema
from diagtree._errors import Problem, format_problems

__all__ = ["add_diff"]


def add_diff(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "diff", help="what changed between two versions of a tree",
        description="List nodes added and removed, conditions changed and branches re-routed "
                    "between two tree or sub-tree files.")
    p.add_argument("old", metavar="OLD", help="the earlier tree file")
    p.add_argument("new", metavar="NEW", help="the later tree file")
    p.set_defaults(run=run_diff)


def _read(path: str, problems: list[Problem]) -> Document | None:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"diagtree diff: {path}: {exc}", file=sys.stderr)
        return None
    found: list[Problem] = []
    doc, _ = read_tree_file(text, path, default_schema(), found)
    if any(p.code == "unknown_file_kind" for p in found):
        print(f"diagtree diff: {path}: not a tree or sub-tree file", file=sys.stderr)
        return None
    problems.extend(found)
    return doc


def run_diff(args: argparse.Namespace) -> int:
    problems: list[Problem] = []
    old, new = _read(args.old, problems), _read(args.new, problems)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        print(format_problems(errors))
        return 1
    if old is None or new is None:
        return 2
    if old.id != new.id:
        print(f"note: comparing {old.kind} {old.id!r} with {new.kind} {new.id!r}")
    changes = diff_documents(old, new)
    for change in changes:
        print(change)
    print(f"{len(changes)} change(s) between {old.id} {old.version} and {new.id} {new.version}")
    return 0
