"""`diagtree report RESULTS -o DIR`: the quality analytics of a results frame — a
self-contained HTML page with its charts and the CSV tables (docs/report.md).

RESULTS is a results frame file (CSV, Parquet, JSON lines; written by `diagtree batch`,
docs/batch.md). `--incidents` adds the incidents table of `diagtree incidents`; `--classes`
names the regulator's classes file (default: the knowledge folder's ``regulator_classes.yaml``).

Exit codes: 0 written; 1 the classes file has errors; 2 bad usage or input that cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from diagtree._errors import AuthoringError, format_problems
from diagtree._report.frame import ReportInputError
from diagtree._report.page import build_report
from diagtree._walk.engine import shipped_trees

__all__ = ["add_report"]

CLASSES_FILE = "regulator_classes.yaml"


def add_report(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "report", help="quality analytics of a results frame: an HTML page and CSV tables",
        description="Cause distribution, first-contact resolution, repeat complaints, "
                    "department and deadline load, top cells, incidents, path counts and the "
                    "regulator's three classes, as CSV tables and one self-contained HTML page "
                    "(inline SVG charts, works offline).")
    p.add_argument("results", metavar="RESULTS", help="a results frame (.csv, .parquet, .jsonl)")
    p.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="folder to write report.html, the tables and paths.json into")
    p.add_argument("--incidents", metavar="FILE", help="the incidents table (incidents.csv)")
    p.add_argument("--trees", metavar="DIR",
                   help=f"knowledge folder whose {CLASSES_FILE} to use (default: the shipped one)")
    p.add_argument("--classes", metavar="FILE",
                   help=f"the regulator's classes file (default: the knowledge folder's "
                        f"{CLASSES_FILE})")
    p.set_defaults(run=run_report)


def run_report(args: argparse.Namespace) -> int:
    classes = Path(args.classes) if args.classes else \
        Path(args.trees or shipped_trees()) / CLASSES_FILE
    try:
        report = build_report(args.results, args.output, classes=classes,
                              incidents=args.incidents)
    except AuthoringError as exc:
        print(format_problems(exc.problems), file=sys.stderr)
        return 1
    except (ReportInputError, OSError) as exc:
        print(f"diagtree report: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {report.page}: {report.rows} complaints, {len(report.tables)} tables "
          f"({', '.join(f'{n}.csv' for n in report.tables)}) and paths.json")
    return 0
