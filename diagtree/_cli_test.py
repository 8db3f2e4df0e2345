"""`diagtree test PATH…`: run scenario cases against the trees (scenarios.md).

Prints one block per failing case (expected vs actual, and the path the tree walked), then the
plain line ``N passed, N failed`` as the last line of standard output; exits 1 when any failed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from ._engine import Engine
from ._errors import AuthoringError, format_problems
from ._scenarios import load_cases, run_cases
from ._sources import Source

__all__ = ["add_test"]


def add_test(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "test", help="run scenario files against the trees",
        description="Run every case in the scenario files or folders given.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or folders")
    p.add_argument("--trees", metavar="DIR", help="knowledge folder (default: the shipped one)")
    p.add_argument("-v", "--verbose", action="store_true", help="also list passing cases")
    p.set_defaults(run=run_test)


def _make_sources(block: Mapping[str, Any], down: Sequence[str]) -> Sequence[Source]:
    import diagtree_adapters as ad  # noqa: PLC0415 - the CLI is the composition root

    return list(ad.mock_sources(ad.records_from_mapping(block), down=down))


def run_test(args: argparse.Namespace) -> int:
    try:
        engine = Engine(args.trees, sources=_make_sources({}, ()))
    except AuthoringError as exc:
        print(format_problems(exc.problems), file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    cases, file_problems = load_cases(args.paths)
    for problem in file_problems:
        print("FAIL " + format_problems([problem], context=False))
    results = run_cases(cases, engine.diagnose, _make_sources)
    passed = sum(1 for r in results if r.passed)
    failed = len(results) - passed + len(file_problems)
    for result in results:
        if not result.passed:
            print(result.describe())
        elif args.verbose:
            print(f"ok   {result.case.id}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not results else 0
