"""`diagtree replay --old DIR_OR_GITREF --new DIR_OR_GITREF INPUT`: what an edit of the trees
does to real complaints, before it ships.

INPUT is one of: a demo data folder (its ``complaints.yaml`` and its records); a complaints
file (YAML/JSON: one, a list, or ``cases:``) or a complaints frame (CSV, Parquet, JSON lines;
docs/batch.md) with the records of ``--data DIR``; or a decision log (JSON lines written by
``--log``/the service), replayed from its recorded facts without asking any source. Each side
is a tree folder or a git ref of the enclosing repository (``REF`` or ``REF:PATH``).

Prints the transition table (old cause → new cause: complaints) and each complaint that moved
with its path before and after; ``--json`` prints the same as JSON, ``-o FILE`` writes the moved
complaints as CSV. Exit codes: 0 replayed (moved or not); 1 the trees of a side have errors;
2 bad usage or input that cannot be read.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from diagtree._decisions.log import read_log
from diagtree._errors import AuthoringError, ComplaintError, format_problems
from diagtree._replay.compare import MOVED_COLUMNS, Case, Replay, replay_cases, replay_log
from diagtree._replay.inputs import (
    FRAME_SUFFIXES,
    InputError,
    file_complaints,
    frame_complaints,
    is_decision_log,
)
from diagtree._replay.versions import VersionError, trees_at
from diagtree._vocab.taxonomy import Question

__all__ = ["add_replay"]


def add_replay(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "replay", help="replay complaints through two versions of the trees: what moves",
        description="Diagnose the same complaints on an old and a new version of the trees "
                    "(folders or git refs) and show the transition table and the complaints "
                    "that moved, with their paths before and after.")
    p.add_argument("input", metavar="INPUT",
                   help="a demo data folder, a complaints file or frame (with --data), or a "
                        "decision log")
    p.add_argument("--old", required=True, metavar="DIR_OR_GITREF",
                   help="the trees before: a folder, or a git ref (REF or REF:PATH)")
    p.add_argument("--new", required=True, metavar="DIR_OR_GITREF",
                   help="the trees after: a folder, or a git ref (REF or REF:PATH)")
    p.add_argument("--data", metavar="DIR", help="the source records of the complaints")
    p.add_argument("--json", action="store_true", help="print the replay as JSON")
    p.add_argument("-o", "--output", metavar="FILE", help="write the moved complaints as CSV")
    p.set_defaults(run=run_replay)


def _usage(message: str) -> int:
    print(f"diagtree replay: {message}", file=sys.stderr)
    return 2


def _frame_cases(path: Path, questions: Mapping[str, Question]) -> Iterator[Case]:
    """The cases of a complaints frame (its answer columns checked against `questions`)."""
    for n, row in frame_complaints(path, questions):
        if isinstance(row, ComplaintError):
            yield Case({}, where=f"{path}: row {n}", rejected=row)
        else:
            yield Case(row.complaint, row.answers, where=f"{path}: row {n}", cells=True)


def _cases(args: argparse.Namespace, path: Path,
           ) -> tuple[list[Case] | Callable[[Mapping[str, Question]], Iterator[Case]],
                      list[Any]]:
    """The cases of a complaints input (a frame's: read once the questions are known), and
    the sources that declare the facts."""
    import diagtree_adapters as ad  # noqa: PLC0415 - the CLI is the composition root

    cases: list[Case] | Callable[[Mapping[str, Question]], Iterator[Case]]
    if path.is_dir():
        from diagtree_adapters.demo import read_complaints  # noqa: PLC0415

        if not (path / "complaints.yaml").is_file():
            raise InputError(f"{path}: not a demo data folder (no complaints.yaml); give a "
                             "complaints file with --data DIR")
        records = ad.load_records(path)
        cases = [Case(c["complaint"], c["answers"],
                      tuple(ad.mock_sources(records, down=c["down"])) if c["down"] else None,
                      f"{path}: {c['complaint'].get('id')}")
                 for c in read_complaints(path)]
    elif args.data is None:
        raise InputError(f"{path}: give the complaints' records with --data DIR")
    else:
        records = ad.load_records(args.data)
        if path.suffix.lower() in FRAME_SUFFIXES:
            cases = functools.partial(_frame_cases, path)
        else:
            cases = [Case(c, a, where=f"{path}: complaint {i}")
                     for i, (c, a) in enumerate(file_complaints(path), start=1)]
    return cases, list(ad.mock_sources(records))


def _write_moved(replay: Replay, output: str) -> None:
    with open(output, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(MOVED_COLUMNS))
        writer.writeheader()
        for moved in replay.moved:
            writer.writerow(moved.to_dict())


def run_replay(args: argparse.Namespace) -> int:
    import diagtree_adapters as ad  # noqa: PLC0415

    path = Path(args.input)
    if not path.exists():
        return _usage(f"{args.input}: no such file or folder")
    try:
        with ExitStack() as stack:
            old, old_name = stack.enter_context(trees_at(args.old))
            new, new_name = stack.enter_context(trees_at(args.new))
            names = (old_name, new_name)
            if path.is_file() and is_decision_log(path):
                sources = list(ad.mock_sources(ad.records_from_mapping({})))
                replay = replay_log(read_log(path), old, new, sources=sources, names=names)
            else:
                cases, sources = _cases(args, path)
                replay = replay_cases(cases, old, new, sources=sources, names=names)
    except AuthoringError as exc:
        print(format_problems(exc.problems), file=sys.stderr)
        print("diagtree replay: the trees of a side have errors; `diagtree validate` lists "
              "them", file=sys.stderr)
        return 1
    except (VersionError, InputError, OSError, ValueError) as exc:
        return _usage(str(exc))
    if args.output:
        try:
            _write_moved(replay, args.output)
        except OSError as exc:
            return _usage(f"cannot write {args.output}: {exc.strerror or exc}")
    if args.json:
        print(json.dumps(replay.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(replay.text())
    return 0
