"""`diagtree batch IN -o OUT`: diagnose a file of complaints (CSV, Parquet or JSON lines) into
a results file and an errors file (docs/batch.md), on every core or on a Dask cluster.

Prints ``N rows: N diagnosed, N errors`` at the end. Exit 0 when every row is accounted for
(rows in = rows out + error rows — rejected rows do not fail the run: they are in the errors
file), 1 when that count does not hold, 2 for bad usage or input that cannot be read, 130 when
interrupted (``--resume`` carries on from the last finished chunk).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

from diagtree._batch.chunk import Options
from diagtree._batch.files import BatchInputError, file_format
from diagtree._batch.run import BatchReport, run_file
from diagtree._batch.spec import EngineSpec
from diagtree._cli.common import whole_number
from diagtree._cli.diagnose import _region
from diagtree._errors import AuthoringError, ConfigurationError, format_problems

__all__ = ["add_batch"]


def add_batch(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "batch", help="diagnose a file of complaints",
        description="Diagnose every complaint of IN (CSV, Parquet or JSON lines: "
                    "docs/batch.md's complaints frame) into OUT (one row per complaint, input "
                    "order) and an errors file (each rejected row with its row number, field "
                    "and reason). Streams in chunks on every core; --resume carries on an "
                    "interrupted run.")
    p.add_argument("input", metavar="IN", help="the complaints (.csv, .parquet, .jsonl)")
    p.add_argument("-o", "--output", metavar="OUT", required=True,
                   help="the results file (.csv, .parquet, .jsonl)")
    p.add_argument("--errors", metavar="FILE",
                   help="the errors file (default: OUT with .errors before the extension)")
    records = p.add_mutually_exclusive_group()
    records.add_argument("--data", metavar="DIR", help="a data folder of source records")
    records.add_argument("--demo", action="store_true",
                         help="the records of the bundled demo city")
    p.add_argument("--trees", metavar="DIR", help="knowledge folder (default: shipped)")
    p.add_argument("--region", metavar="CC", type=_region,
                   help="accept national-format MSISDNs of this region (e.g. CN)")
    p.add_argument("--workers", type=whole_number(1), metavar="N",
                   help="worker processes (default: every core)")
    p.add_argument("--chunk-size", type=whole_number(1), default=5000, metavar="N",
                   help="rows per chunk (default 5000): the unit of work, of memory and of "
                        "--resume")
    p.add_argument("--script", action="store_true", help="add the script column")
    p.add_argument("--explanation", action="store_true", help="add the explanation column")
    p.add_argument("--trace", action="store_true", help="add the trace column (JSON text)")
    p.add_argument("--resume", action="store_true",
                   help="carry on an interrupted run from its last finished chunk")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on the Dask cluster of this scheduler (tcp://host:8786)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="a progress bar on stderr (default: when stderr is a terminal)")
    p.set_defaults(run=lambda args: run_batch(p, args))


def _check(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.scheduler is not None:
        if args.resume:
            p.error("--resume cannot be used with --scheduler (a Dask run is not resumed "
                    "chunk by chunk)")
        if args.workers is not None:
            p.error("--workers cannot be used with --scheduler (the cluster's workers "
                    "diagnose)")
    for option, name in (("OUT", args.output), ("--errors", args.errors), ("IN", args.input)):
        if name is not None:
            try:
                file_format(name)
            except BatchInputError as exc:
                p.error(f"{option}: {exc}")
    if args.errors is not None and Path(args.errors).resolve() == \
            Path(args.output).resolve():
        p.error("--errors must not be OUT")


def run_batch(p: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    _check(p, args)
    with warnings.catch_warnings():  # e.g. files in --data that are not records: one line each
        warnings.showwarning = _show
        return _run(args)


def _show(message: Warning | str, category: type[Warning], *_: Any, **__: Any) -> None:
    print(f"diagtree batch: warning: {message}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    spec = EngineSpec(trees=args.trees, data=args.data, demo=args.demo, region=args.region)
    options = Options(script=args.script, trace=args.trace, explanation=args.explanation)
    try:
        report: BatchReport
        if args.scheduler is not None:
            from diagtree._batch.dask import run_dask_file  # noqa: PLC0415

            report = run_dask_file(args.input, args.output, spec, errors=args.errors,
                                   options=options, scheduler=args.scheduler,
                                   progress=args.progress)
        else:
            report = run_file(args.input, args.output, spec, errors=args.errors,
                              options=options, workers=args.workers,
                              chunk_size=args.chunk_size, resume=args.resume,
                              progress=args.progress)
    except AuthoringError as exc:
        print(format_problems(exc.problems), file=sys.stderr)
        return 2
    except (BatchInputError, ConfigurationError, OSError, ValueError) as exc:
        print(f"diagtree batch: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"diagtree batch: interrupted; run again with --resume to carry on from the "
              f"last finished chunk ({args.output}.parts/)", file=sys.stderr)
        return 130
    print(report.summary())
    if not report.balanced:
        print(f"diagtree batch: {report.rows} rows read but {report.diagnosed} results and "
              f"{report.errors} errors written: a row was lost", file=sys.stderr)
        return 1
    return 0
