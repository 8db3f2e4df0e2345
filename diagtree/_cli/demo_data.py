"""`diagtree demo-data --out DIR`: generate a demo city and its planted complaints into a folder.

The folder holds the source records in the CSV layout `diagtree_adapters.load_records` reads and
``complaints.yaml`` (scenario cases naming each complaint's planted cause). The same seed and
size always give byte-identical files; the defaults are those of the bundled demo data.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_demo_data"]


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def add_demo_data(sub: Any) -> None:
    """Register the ``demo-data`` verb on the CLI's sub-parsers."""
    p: argparse.ArgumentParser = sub.add_parser(
        "demo-data", help="generate a demo city and its complaints into a data folder",
        description="Generate a deterministic demo city (records in CSV) and its planted "
                    "complaints (complaints.yaml) into a folder.")
    p.add_argument("--seed", type=_positive, default=7, metavar="N",
                   help="random seed (default 7, the bundled data)")
    p.add_argument("--subscribers", type=_positive, default=3000, metavar="N",
                   help="number of subscribers (default 3000)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write (created)")
    p.set_defaults(run=run_demo_data)


def run_demo_data(args: argparse.Namespace) -> int:
    from diagtree_adapters.demo import MIN_SUBSCRIBERS, generate, write  # noqa: PLC0415

    if args.subscribers < MIN_SUBSCRIBERS:
        print(f"diagtree demo-data: --subscribers must be at least {MIN_SUBSCRIBERS}",
              file=sys.stderr)
        return 2
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"diagtree demo-data: {out}: not a folder", file=sys.stderr)
        return 2
    city = generate(args.seed, args.subscribers)
    try:
        write(city, out)
    except OSError as exc:
        print(f"diagtree demo-data: cannot write {out}: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out}: {city.summary()}")
    return 0
