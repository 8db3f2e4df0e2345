"""The `diagtree` command: one small module per verb (`_cli_*.py`), dispatched from here.

Exit codes: 0 success, 1 the thing checked is wrong (invalid tree, failing case), 2 bad usage or
input that cannot be read. Never a traceback for bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from diagtree._cli.batch import add_batch
from diagtree._cli.demo_data import add_demo_data
from diagtree._cli.diagnose import add_diagnose
from diagtree._cli.diff import add_diff
from diagtree._cli.fmt import add_fmt
from diagtree._cli.incidents import add_incidents
from diagtree._cli.lint import add_lint
from diagtree._cli.log import add_log
from diagtree._cli.render import add_render
from diagtree._cli.replay import add_replay
from diagtree._cli.report import add_report
from diagtree._cli.schema import add_schema
from diagtree._cli.serve import add_serve
from diagtree._cli.test import add_test
from diagtree._cli.validate import add_validate
from diagtree._errors import DiagtreeError

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="diagtree",
        description="Diagnose telecom customer complaints with decision trees.")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    add_validate(sub)
    add_lint(sub)
    add_diagnose(sub)
    add_batch(sub)
    add_test(sub)
    add_render(sub)
    add_demo_data(sub)
    add_diff(sub)
    add_schema(sub)
    add_fmt(sub)
    add_log(sub)
    add_serve(sub)
    add_incidents(sub)
    add_report(sub)
    add_replay(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except DiagtreeError as exc:
        print(f"diagtree: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # pragma: no cover - e.g. `diagtree … | head`
        return 0
    return code
