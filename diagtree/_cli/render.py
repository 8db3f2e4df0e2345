"""`diagtree render TREE`: draw a tree as Mermaid, Graphviz DOT or a self-contained HTML page.

TREE is a tree (or sub-tree) id from the knowledge folder (`--trees`, default the shipped one),
or a tree file, loaded with the rest of its knowledge folder (the nearest folder above it that
holds ``outcomes.yaml``) as `diagtree validate FILE` does. `--coverage`/`--paths` lay counts
from a results file over the picture (the formats are in `_render.graph`'s docstring: counts
by tree, the JSON coverage report of `diagtree test --coverage`, or diagnoses); `--paths`
(alias `--overlay`) also takes a results frame of `diagtree batch`, whose ``path`` column is
counted, or the ``paths.json`` that `diagtree report` writes.

Exit codes: 0 written; 1 the knowledge files have errors; 2 bad usage or unreadable input.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from diagtree._batch.files import FORMATS
from diagtree._check.model import Document
from diagtree._cli.common import default_schema, knowledge_root
from diagtree._compile.library import load_library
from diagtree._errors import AuthoringError, did_you_mean, format_problems
from diagtree._render.dot import render_dot
from diagtree._render.graph import (
    Overlay,
    Results,
    TreeGraph,
    build_graph,
    make_overlay,
    read_results,
    results_of,
)
from diagtree._render.html import render_html
from diagtree._render.mermaid import render_mermaid
from diagtree._walk.engine import shipped_name, shipped_trees

__all__ = ["add_render"]

RENDERERS: dict[str, Callable[[TreeGraph, Overlay | None], str]] = {
    "mermaid": render_mermaid, "dot": render_dot, "html": render_html}
#: the results frames told by their suffix (the batch reader's; JSON lines may also be JSON
#: results, so they are told by their content)
FRAME_SUFFIXES = tuple(suffix for suffix, kind in FORMATS.items() if kind != "jsonl")
JSONL_SUFFIXES = tuple(suffix for suffix, kind in FORMATS.items() if kind == "jsonl")
SUFFIXES = {".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot", ".gv": "dot",
            ".html": "html", ".htm": "html"}


def add_render(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "render", help="draw a tree: Mermaid, Graphviz DOT or an HTML page",
        description="Draw a tree with its sub-trees inlined: every node with its condition, "
                    "switch, table rows or question, every edge with its branch, every outcome "
                    "coloured by its resolution. The HTML page is self-contained (works "
                    "offline).")
    p.add_argument("tree", metavar="TREE", help="a tree or sub-tree id, or a tree file")
    p.add_argument("-f", "--format", choices=sorted(RENDERERS),
                   help="output format (default: from the suffix of -o: .mmd, .dot, .html)")
    p.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    p.add_argument("--trees", metavar="DIR", help="knowledge folder (default: the shipped one)")
    p.add_argument("--locale", choices=("zh-CN", "en"), default="zh-CN",
                   help="language of titles and questions (default: zh-CN)")
    p.add_argument("--no-inline", dest="inline", action="store_false",
                   help="draw each `use` as one box instead of inlining the sub-tree")
    overlay = p.add_mutually_exclusive_group()
    overlay.add_argument("--coverage", metavar="RESULTS.json",
                         help="colour branches and nodes taken (green) or never taken (red)")
    overlay.add_argument("--paths", "--overlay", dest="paths", metavar="RESULTS",
                         help="show how many walks took each branch and reached each node: a "
                              "JSON results file, or a results frame (.csv, .parquet, .jsonl "
                              "with a path column) or the paths.json of `diagtree report`")
    p.set_defaults(run=run_render)


def _usage(message: str) -> int:
    print(f"diagtree render: {message}", file=sys.stderr)
    return 2


def _shown(path: Path) -> str:
    """A path as the author would write it: relative to the working folder when inside it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)


def _read_counts(path: Path) -> Results:
    """The counts of a results file: JSON (`read_results`), or a results frame, whose
    ``path`` column is counted per tree (`diagtree._report.paths`)."""
    if path.suffix.lower() in FRAME_SUFFIXES:
        return _frame_counts(path)
    text = path.read_text(encoding="utf-8")
    try:
        return read_results(text)
    except ValueError:
        if path.suffix.lower() in JSONL_SUFFIXES and '"path"' in text:
            return _frame_counts(path)  # a results frame as JSON lines
        raise


def _frame_counts(path: Path) -> Results:
    from diagtree._report.frame import read_frame  # noqa: PLC0415 - pandas only when needed
    from diagtree._report.paths import counts_by_tree  # noqa: PLC0415

    return results_of(counts_by_tree(read_frame(path, ("tree_id", "path", "cause"))))


def run_render(args: argparse.Namespace) -> int:
    fmt = args.format
    if fmt is None:
        fmt = SUFFIXES.get(Path(args.output or "").suffix.lower())
        if fmt is None:
            return _usage("say which --format (mermaid, dot, html), or name an output file "
                          "ending in .mmd, .dot or .html")
    as_file = Path(args.tree)
    by_file = as_file.suffix in (".yaml", ".yml") or os.sep in args.tree or "/" in args.tree
    display: Callable[[Path], str] = _shown
    if by_file:
        if not as_file.is_file():
            return _usage(f"{args.tree}: no such file")
        root = knowledge_root(as_file)  # a folder above the file: it holds the file too
        paths = [root] if root is not None else [as_file]
    elif args.trees is not None:
        if not Path(args.trees).is_dir():
            return _usage(f"{args.trees}: no such folder")
        paths = [Path(args.trees)]
    else:
        paths = [shipped_trees()]
        display = shipped_name
    schema = default_schema()
    try:
        lib = load_library(paths, schema, require_policy=False, display=display)
    except AuthoringError as exc:
        print(format_problems(exc.problems), file=sys.stderr)
        errors = sum(1 for p in exc.problems if p.severity == "error")
        print(f"diagtree render: the knowledge files have {errors} error(s); "
              "`diagtree validate` lists them", file=sys.stderr)
        return 1
    doc: Document | None
    if by_file:
        doc = next((d for d in lib.documents.values()
                    if Path(d.file).resolve() == as_file.resolve()), None)
        if doc is None:
            return _usage(f"{args.tree}: not a tree or sub-tree file")
    else:
        doc = lib.documents.get(args.tree)
        if doc is None:
            hint = did_you_mean(args.tree, lib.documents)
            return _usage(f"no tree or sub-tree {args.tree!r}"
                          + (f" ({hint})" if hint else "; e.g. " + ", ".join(
                              sorted(d for d in lib.documents if lib.documents[d].kind
                                     == "tree")[:5])))
    graph = build_graph(doc, lib.documents, lib.catalog, inline=args.inline, locale=args.locale)
    overlay = None
    results = args.coverage or args.paths
    if results:
        try:
            counts = _read_counts(Path(results))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            return _usage(f"{results}: {exc}")
        if not counts.covers(doc.id):
            print(f"diagtree render: {results} has no counts for {doc.id!r}"
                  + (f" (it has {', '.join(counts.ids())})" if counts.ids() else "")
                  + "; every branch shows as never taken", file=sys.stderr)
        overlay = make_overlay(graph, counts, "coverage" if args.coverage else "paths",
                               Path(results).name)
    text = RENDERERS[fmt](graph, overlay)
    if args.output in (None, "-"):
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        return _usage(f"cannot write {args.output}: {exc.strerror or exc}")
    print(f"wrote {args.output}: {doc.kind} {doc.id}, {len(graph.nodes)} nodes, "
          f"{len(graph.edges)} edges ({fmt})")
    return 0
