"""`diagtree test PATH…`: run scenario cases against the trees (docs/scenarios.md).

Prints one block per failing case (expected vs actual, and the path the tree walked), then the
plain line ``N passed, N failed`` as the last line of standard output; exits 1 when any failed.

``--coverage`` also prints which nodes and branches the cases' walks took (`_testing.coverage`), per
tree and sub-tree and in total, and every branch never taken, before that last line;
``--coverage-format json`` prints it as JSON, ``--coverage-output FILE`` writes it to a file
instead. ``--min-coverage N`` exits 1 when the total branch coverage is below N percent.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from diagtree._errors import AuthoringError, format_problems
from diagtree._testing.coverage import CoverageReport, compute_coverage, format_text, to_json
from diagtree._testing.scenarios import load_cases, run_cases
from diagtree._walk.engine import Engine
from diagtree._walk.sources import Source

__all__ = ["add_test"]


def add_test(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "test", help="run scenario files against the trees",
        description="Run every case in the scenario files or folders given.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or folders")
    p.add_argument("--trees", metavar="DIR", help="knowledge folder (default: the shipped one)")
    p.add_argument("-v", "--verbose", action="store_true", help="also list passing cases")
    cov = p.add_argument_group("coverage")
    cov.add_argument("--coverage", action="store_true",
                     help="report the nodes and branches the cases took, and those never taken")
    cov.add_argument("--coverage-format", choices=("text", "json"),
                     help="the coverage report's format (default: text); implies --coverage")
    cov.add_argument("--coverage-output", metavar="FILE",
                     help="write the coverage report to FILE instead of standard output")
    cov.add_argument("--min-coverage", type=_percent, metavar="N",
                     help="exit 1 when fewer than N%% of all branches were taken")
    p.set_defaults(run=run_test)


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100, got {text!r}")
    return value


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
    code = 1 if failed or not results else 0
    if args.coverage or args.coverage_format or args.coverage_output \
            or args.min_coverage is not None:
        report = compute_coverage(engine.library,
                                  [r.diagnosis for r in results if r.diagnosis is not None])
        code = max(code, _report_coverage(args, report))
    print(f"{passed} passed, {failed} failed")  # always the last line of standard output
    return code


def _report_coverage(args: argparse.Namespace, report: CoverageReport) -> int:
    """Print or write the coverage report, and check the minimum; the exit code it asks for."""
    code = 0
    as_json = args.coverage_format == "json"
    shown = (args.coverage or args.coverage_format) and not args.coverage_output
    text = to_json(report) if as_json else format_text(report)
    if args.coverage_output:
        try:
            with open(args.coverage_output, "w", encoding="utf-8") as out:
                out.write(text + "\n")
        except OSError as exc:
            print(f"diagtree test: cannot write {args.coverage_output}: {exc.strerror or exc}",
                  file=sys.stderr)
            code = 2
    elif shown:
        print(text)
    branches = report.branches
    if as_json or not shown:  # (the text report has its total line)
        print(f"coverage: {branches.shown()} of branches ({branches.covered}/{branches.total}), "
              f"{report.nodes.shown()} of nodes ({report.nodes.covered}/{report.nodes.total})")
    if args.min_coverage is not None and not report.meets(args.min_coverage):
        print(f"FAIL coverage: {branches.shown()} of branches taken "
              f"({branches.covered}/{branches.total}) is below --min-coverage "
              f"{args.min_coverage:g}%")
        code = max(code, 1)
    return code
