"""`diagtree log verify LOG…`: replay logged decisions on the current trees.

Each record is re-diagnosed from the facts it holds (no source is asked) on `--trees` (default:
the shipped trees), with the facts the shipped adapters declare. Exit 0 when every decision is
the same, 1 when any would change or cannot be replayed in full, 2 when a log cannot be read.
Torn or malformed lines are reported with their file and line number, and skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from diagtree._decisions.log import LogLine, log_files, read_log
from diagtree._decisions.verify import verify_lines
from diagtree._errors import AuthoringError, format_problems

__all__ = ["add_log"]


def add_log(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "log", help="work with a decision log (verify)",
        description="Work with a decision log written by `diagtree diagnose --log` or "
                    "diagtree.DecisionLog.")
    verbs = p.add_subparsers(dest="log_verb", required=True, metavar="ACTION")
    v: argparse.ArgumentParser = verbs.add_parser(
        "verify", help="replay logged decisions on the current trees",
        description="Re-diagnose every logged decision from the facts it recorded against "
                    "the current trees and report those that would change. Exit 1 when any "
                    "would change (or reads facts the record lacks).")
    v.add_argument("logs", nargs="+", metavar="LOG", help="a decision log file")
    v.add_argument("--trees", metavar="DIR", help="knowledge folder (default: shipped)")
    v.add_argument("--rotated", action="store_true",
                   help="also replay each LOG's rotated files (LOG.000001…), oldest first")
    v.add_argument("--all", action="store_true", dest="all_decisions",
                   help="list every decision, not only those that would change")
    v.add_argument("--json", action="store_true", help="print the report as JSON")
    v.set_defaults(run=run_verify)


def _files(args: argparse.Namespace) -> list[Path] | None:
    files: list[Path] = []
    for name in args.logs:
        path = Path(name)
        found = log_files(path) if args.rotated else [path]
        if not path.is_file() and not (args.rotated and found):
            print(f"diagtree log verify: {name}: no such file", file=sys.stderr)
            return None
        files.extend(found)
    return files


def run_verify(args: argparse.Namespace) -> int:
    import diagtree_adapters as ad  # noqa: PLC0415 - the CLI is the composition root

    files = _files(args)
    if files is None:
        return 2

    def lines() -> Iterator[LogLine]:
        for path in files:
            yield from read_log(path)

    try:
        report = verify_lines(lines(), args.trees,
                              ad.mock_sources(ad.records_from_mapping({})))
    except AuthoringError as exc:
        print(format_problems(exc.problems), file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"diagtree log verify: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(report.text(all_decisions=args.all_decisions))
    return 1 if report.failed else 0
