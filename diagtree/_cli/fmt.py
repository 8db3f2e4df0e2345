"""`diagtree fmt PATH…`: rewrite tree and sub-tree files into the canonical layout (`_author.fmt`).

Only files whose top-level key is `tree:` or `subtree:` are touched; other knowledge files
(catalog, scripts, policy, scenarios) are left alone. Before writing, every file is verified
(`format_checked`: same model, same comments, stable), and, when its knowledge folder loads,
the folder is re-loaded with `load_library` with the formatted texts in place and must give
the same documents. A file that does not load, or whose formatting fails a check, is reported
and never written.

``--check`` writes nothing and lists the files that would change; ``--diff`` writes nothing
and prints a unified diff. Exit codes: 0 nothing to do (or everything written), 1 ``--check``
found files to reformat or some file could not be formatted, 2 bad usage (a path that does not
exist).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Any

from diagtree._author.fmt import (
    FmtError,
    NotLoadable,
    default_load,
    format_checked,
    library_differences,
)
from diagtree._cli.common import default_schema, knowledge_root
from diagtree._compile.library import Library
from diagtree._errors import AuthoringError, Problem, format_problems
from diagtree._load.files import file_kind, knowledge_files

__all__ = ["add_fmt"]

def add_fmt(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "fmt", help="rewrite tree files into the canonical layout",
        description="Rewrite tree and sub-tree files into one canonical layout (key order, "
                    "indentation, quoting), keeping comments and node order. Other files are "
                    "left alone.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    p.add_argument("--check", action="store_true",
                   help="write nothing; list the files that would change and exit 1 if any")
    p.add_argument("--diff", action="store_true",
                   help="write nothing; print what would change as a unified diff")
    p.set_defaults(run=run_fmt)


def run_fmt(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    for p in paths:
        if not p.exists():
            print(f"diagtree fmt: {p}: no such file or folder", file=sys.stderr)
            return 2
    schema = default_schema()
    load = default_load(schema)
    targets = [f for f in _unique(knowledge_files(paths)) if _top_key(f) in ("tree", "subtree")]
    for p in paths:
        if p.is_file() and p not in targets:
            print(f"{p}: left alone: not a tree or sub-tree file", file=sys.stderr)
    # the knowledge folders the targets belong to (for sub-trees, catalog… and the re-load)
    roots = [r for p in paths if (r := knowledge_root(p)) is not None
             and not any(q.is_dir() and r.resolve().is_relative_to(q.resolve())
                         for q in paths)]
    # scenario files are skipped by the loader; leave them out rather than parse them twice
    context = [f for f in _unique(knowledge_files([*paths, *roots])) if _top_key(f) != "cases"]
    before: Library | None = None
    folder_problems: list[Problem] = []
    try:
        before = load(context)
    except AuthoringError as exc:
        folder_problems = [p for p in exc.problems if p.severity == "error"]

    failed = 0
    texts: dict[Path, str] = {}
    formatted: dict[Path, str] = {}
    for path in targets:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"{path}: not formatted: {exc}", file=sys.stderr)
            failed += 1
            continue
        own = [p for p in folder_problems if _same(p.location.file, path)]
        try:
            if own:
                raise NotLoadable(f"it does not load ({len(own)} error(s))", own)
            out = format_checked(text, str(path), schema)
        except NotLoadable as exc:
            print(format_problems(exc.problems), file=sys.stderr)
            print(f"{path}: not formatted: {exc}; see `diagtree validate {path}`",
                  file=sys.stderr)
            failed += 1
            continue
        except FmtError as exc:
            print(f"{path}: not formatted: {exc}", file=sys.stderr)
            failed += 1
            continue
        texts[path] = text
        if out != text:
            formatted[path] = out

    if formatted and before is not None:
        changed = library_differences(context, formatted, before, load)
        if changed:
            what = ", ".join(repr(c) for c in changed if c) or "the folder would not load"
            print(f"diagtree fmt: nothing written: re-loading the formatted files changes "
                  f"{what} (a bug in fmt)", file=sys.stderr)
            return 1
    elif formatted and folder_problems:
        print("note: the knowledge folder has errors in other files; each formatted file was "
              "checked on its own", file=sys.stderr)

    for path, out in formatted.items():
        if args.diff:
            sys.stdout.writelines(difflib.unified_diff(
                texts[path].splitlines(keepends=True), out.splitlines(keepends=True),
                fromfile=str(path), tofile=f"{path} (formatted)"))
        if args.check:
            print(f"would reformat {path}")
        elif not args.diff:
            path.write_text(out, encoding="utf-8")
            print(f"reformatted {path}")
    verb = "would be reformatted" if args.check or args.diff else "reformatted"
    summary = f"{len(formatted)} file(s) {verb}, {len(texts) - len(formatted)} unchanged"
    if failed:
        summary += f", {failed} not formatted"
    print(summary, file=sys.stderr)
    return 1 if failed or (args.check and formatted) else 0


def _top_key(path: Path) -> str | None:
    """The key that tells the file's kind, read from the text's unindented keys (cheaper than
    parsing; `format_checked` parses tree files properly)."""
    try:
        return file_kind(path)
    except (OSError, UnicodeDecodeError):
        return "tree"  # reported when formatting


def _same(name: str, path: Path) -> bool:
    return bool(name) and Path(name).resolve() == path.resolve()


def _unique(paths: list[Path]) -> list[Path]:
    seen: set[Path] = set()
    out = []
    for p in paths:
        if p.resolve() not in seen:
            seen.add(p.resolve())
            out.append(p)
    return out
