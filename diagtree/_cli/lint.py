"""`diagtree lint PATH…`: the lint rules (docs/lint-rules.md) on top of `validate`'s checks.

Exit codes: 0 clean; 1 any error (a rule's, or the files do not load); 2 warnings with
``--strict`` — and, as for every verb, a path that does not exist.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from diagtree import __version__
from diagtree._cli.common import default_schema, existing_paths, with_context
from diagtree._lint import FORMATS, adapter_fact_origins, all_rules, lint_paths, render

__all__ = ["add_lint"]


def add_lint(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "lint", help="find mistakes in trees that load but decide wrongly",
        description="Check knowledge files like `validate`, then run the lint rules "
                    "(docs/lint-rules.md). Suppress one finding with a YAML comment "
                    "`# diagtree: disable=RULE` on its line or the line above.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="text (default), json, github (workflow annotations) or sarif (2.1.0)")
    p.add_argument("--strict", action="store_true", help="exit 2 when there are warnings")
    p.add_argument("--show-info", action="store_true",
                   help="also list info findings in text and github output")
    p.add_argument("--require-policy", action="store_true",
                   help="fail when no policy file is among the paths")
    p.set_defaults(run=run_lint)


def run_lint(args: argparse.Namespace) -> int:
    paths = existing_paths("lint", args.paths)
    if paths is None:
        return 2
    # a single file is linted in the context of its knowledge folder, like `validate`
    named = {p.resolve() for p in paths if p.is_file()}
    load = with_context(paths)
    folders = [p.resolve() for p in paths if p.is_dir()]

    def within(file: str) -> bool:
        if not named:
            return True
        if not file.endswith((".yaml", ".yml")):
            return not file.endswith(".py")  # not a knowledge file, but not the adapters' facts
        where = Path(file).resolve()
        return where in named or any(where.is_relative_to(f) for f in folders)

    result = lint_paths(load, default_schema(), fact_origins=adapter_fact_origins(),
                        require_policy=args.require_policy, within=within)
    shown = [p for p in result.problems
             if p.severity != "info" or args.show_info or args.format in ("json", "sarif")]
    output = render(shown, args.format, all_rules(), sources=dict(result.texts),
                    version=__version__)
    if output:
        print(output)
    errors, warnings, info = (result.count(s) for s in ("error", "warning", "info"))
    status = "the files do not load; fix these first" if not result.loaded else \
        f"{errors} error(s), {warnings} warning(s), {info} info"
    if info and not args.show_info and args.format in ("text", "github"):
        status += " (--show-info lists them)"
    print(f"lint: {status}", file=sys.stderr)
    return result.exit_code(strict=args.strict)
