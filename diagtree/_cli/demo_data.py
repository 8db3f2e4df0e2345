"""`diagtree demo-data --out DIR`: generate a demo city and its planted complaints into a folder.

The folder holds the source records in the CSV layout `diagtree_adapters.load_records` reads and
``complaints.yaml`` (scenario cases naming each complaint's planted cause). The same seed and
size always give byte-identical files; the defaults are those of the bundled demo data.

With ``--month`` (or ``--cells``) it generates a calendar month at operator scale instead:
``--complaints`` complaints (a million by default, with a mass incident) for a city of
``--subscribers`` lines (default: a quarter of the complaints) on the synthetic network or on
the cells of an OpenCelliD export (``--cells``), written as records and a complaints frame
(``complaints.parquet``, or ``--format csv``) with the answers of the customers an agent would
have asked (``answer.<question id>`` columns); it prints what it wrote and the time taken.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from diagtree._cli.common import whole_number

__all__ = ["add_demo_data"]


def add_demo_data(sub: Any) -> None:
    """Register the ``demo-data`` verb on the CLI's sub-parsers."""
    p: argparse.ArgumentParser = sub.add_parser(
        "demo-data", help="generate a demo city and its complaints into a data folder",
        description="Generate a deterministic demo city (records in CSV) and its planted "
                    "complaints (complaints.yaml) into a folder; with --month, a calendar "
                    "month of complaints at operator scale (complaints.parquet).")
    p.add_argument("--seed", type=whole_number(0), default=7, metavar="N",
                   help="random seed (default 7, the bundled data)")
    p.add_argument("--subscribers", type=whole_number(0), default=None, metavar="N",
                   help="number of subscribers (default 3000; with --month a quarter of "
                        "--complaints, at least 2000)")
    p.add_argument("--month", action="store_true",
                   help="generate a month of complaints (November 2026) with a mass incident")
    p.add_argument("--complaints", type=whole_number(0), default=None, metavar="N",
                   help="--month: number of complaints (default 1000000, at least 1000)")
    p.add_argument("--cells", metavar="EXPORT",
                   help="place the month's city on the cells of an OpenCelliD export "
                        "(.csv or .csv.gz, with or without its header row); implies --month")
    p.add_argument("--format", choices=("parquet", "csv"), default=None,
                   help="--month: the complaints file, complaints.parquet (default; needs "
                        "pyarrow, the batch extra) or complaints.csv")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write (created)")
    p.set_defaults(run=run_demo_data)


def run_demo_data(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"diagtree demo-data: {out}: not a folder", file=sys.stderr)
        return 2
    if args.month or args.cells:
        return _run_month(args, out)
    ignored = [flag for flag, value in (("--complaints", args.complaints),
                                        ("--format", args.format)) if value is not None]
    if ignored:  # options the small demo would ignore are a usage error, as elsewhere
        print(f"diagtree demo-data: {' and '.join(ignored)} need --month (or --cells)",
              file=sys.stderr)
        return 2
    from diagtree_adapters.demo import MIN_SUBSCRIBERS, generate, write  # noqa: PLC0415

    subscribers = 3000 if args.subscribers is None else args.subscribers
    if subscribers < MIN_SUBSCRIBERS:
        print(f"diagtree demo-data: --subscribers must be at least {MIN_SUBSCRIBERS}",
              file=sys.stderr)
        return 2
    city = generate(args.seed, subscribers)
    try:
        write(city, out)
    except OSError as exc:
        print(f"diagtree demo-data: cannot write {out}: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out}: {city.summary()}")
    return 0


def _run_month(args: argparse.Namespace, out: Path) -> int:
    from diagtree_adapters import RecordError, read_opencellid  # noqa: PLC0415
    from diagtree_adapters.demo import generate_month, write_month  # noqa: PLC0415

    fmt = args.format or "parquet"
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401, PLC0415
        except ImportError:
            print("diagtree demo-data: pyarrow is not installed (pip install "
                  "'diagtree[batch]'); writing complaints.csv instead of complaints.parquet",
                  file=sys.stderr)
            fmt = "csv"
    started = time.perf_counter()
    cells = None
    if args.cells:
        try:
            cells = read_opencellid(args.cells)
        except RecordError as exc:
            print(f"diagtree demo-data: {exc}", file=sys.stderr)
            return 2
        if not cells:
            print(f"diagtree demo-data: {args.cells}: no cells", file=sys.stderr)
            return 2
    try:
        complaints = 1_000_000 if args.complaints is None else args.complaints
        month = generate_month(args.seed, complaints, args.subscribers, cells)
    except ValueError as exc:
        print(f"diagtree demo-data: {exc}", file=sys.stderr)
        return 2
    generated = time.perf_counter()
    try:
        files = write_month(month, out, fmt)
    except OSError as exc:
        print(f"diagtree demo-data: cannot write {out}: {exc}", file=sys.stderr)
        return 2
    done = time.perf_counter()
    size = sum(f.stat().st_size for f in files)
    print(f"wrote {out}: {month.summary()}")
    print(f"  records: {len(files) - 1} CSV tables under {out}/hlr, billing, coverage; "
          f"complaints: {files[-1]} ({len(month.complaints)} rows); {size / 2**20:.1f} MiB")
    print(f"  time: {done - started:.1f} s (generate {generated - started:.1f} s, "
          f"write {done - generated:.1f} s)")
    return 0
