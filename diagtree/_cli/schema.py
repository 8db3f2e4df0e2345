"""`diagtree schema`: write the JSON Schemas that editors use to check knowledge files as they
are typed (completion, hover text, inline errors). See docs/editor.md.

``--kind all`` (the default) writes one file per kind into the folder `-o` names; one kind goes
to `-o FILE.json`, into `-o FOLDER` under its usual name (`FILE_NAMES`), or to standard output
without `-o`.
``--check`` writes nothing and exits 1 when a file is missing or differs from a fresh
generation (for CI). Exit codes: 0 written or up to date, 1 out of date, 2 bad usage or a file
that cannot be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from diagtree._author.json_schema import DIALECTS, FILE_NAMES, KINDS, build_schema, dumps
from diagtree._cli.common import default_schema

__all__ = ["add_schema"]


def add_schema(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "schema", help="write the JSON Schemas editors use to check knowledge files",
        description="Generate JSON Schemas (draft 2020-12 by default) for tree, sub-tree, "
                    "catalog, script, policy, script-rules and scenario files from diagtree's "
                    "own definitions, for VS Code's YAML extension or any YAML language server.")
    p.add_argument("--kind", choices=(*KINDS, "all"), default="all",
                   help="which file kind (default: all; `knowledge` accepts any knowledge file)")
    p.add_argument("-o", "--output", metavar="PATH",
                   help="a folder (required with --kind all), or a .json file for one kind; "
                        "default: standard output")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 when the files at -o are not up to date")
    p.add_argument("--draft", choices=tuple(DIALECTS), default="2020-12",
                   help="the `$schema` to declare (the keywords used mean the same in both)")
    p.set_defaults(run=run_schema)


def _targets(args: argparse.Namespace) -> dict[Path, str] | None:
    """Where each kind goes; None when the usage is wrong (reported)."""
    kinds = list(KINDS) if args.kind == "all" else [args.kind]
    out = Path(args.output)
    if args.kind == "all" or out.is_dir() or out.suffix != ".json":
        if out.exists() and not out.is_dir():
            print(f"diagtree schema: {out} is a file; --kind all writes one file per kind into "
                  "a folder", file=sys.stderr)
            return None
        return {out / FILE_NAMES[kind]: kind for kind in kinds}
    return {out: args.kind}


def run_schema(args: argparse.Namespace) -> int:
    if args.output is None:
        if args.check:
            print("diagtree schema: --check needs -o: the folder (or .json file) to compare",
                  file=sys.stderr)
            return 2
        if args.kind == "all":
            print("diagtree schema: --kind all writes one file per kind: give -o FOLDER "
                  "(or --kind KIND to print one schema)", file=sys.stderr)
            return 2
        sys.stdout.write(dumps(build_schema(args.kind, default_schema(), draft=args.draft)))
        return 0
    targets = _targets(args)
    if targets is None:
        return 2
    facts = default_schema()
    texts = {path: dumps(build_schema(kind, facts, draft=args.draft))
             for path, kind in targets.items()}
    if args.check:
        stale = [path for path, text in texts.items() if _read(path) != text]
        for path in stale:
            print(f"{path}: out of date (regenerate: diagtree schema -o {args.output}"
                  f"{'' if args.kind == 'all' else ' --kind ' + args.kind})")
        if not stale:
            print(f"ok: {len(texts)} schema(s) up to date")
        return 1 if stale else 0
    for path, text in texts.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"diagtree schema: {path}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        print(f"wrote {path}")
    return 0


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
