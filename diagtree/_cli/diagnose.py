"""`diagtree diagnose`: diagnose one complaint and print it for a person (or `--json`).

Where the complaint comes from — exactly one of: `--demo [--complaint ID]` (the bundled demo
city), a complaint file (`--complaint FILE`, YAML or JSON), a scenario file (`--scenario FILE
[--case ID]`), or flags (`--type --msisdn --at --lat --lon --channel --id`). Where the records
come from: the demo city, the scenario's `sources:`, or for a file or flags `--data DIR`
(YAML/JSON/CSV; none: no records). Options that do not fit the chosen complaint source are a
usage error (exit 2), never silently ignored.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from diagtree._cli.text import render_diagnosis
from diagtree._conclude.diagnosis import Diagnosis
from diagtree._decisions.log import DecisionLog
from diagtree._errors import AuthoringError, ComplaintError, format_problems
from diagtree._load.limits import FILE_LIMITS
from diagtree._load.yaml import load_yaml
from diagtree._testing.scenarios import Case, load_cases
from diagtree._vocab.complaint import check_region
from diagtree._vocab.taxonomy import STANDARD_QUESTIONS, Question
from diagtree._walk.answers import parse_answer
from diagtree._walk.engine import Engine
from diagtree._walk.sources import Source

__all__ = ["add_diagnose"]

#: the flags that build a complaint (`--id` has no default so that giving it can be seen)
_FLAGS = ("id", "type", "msisdn", "at", "lat", "lon", "channel")


def _region(text: str) -> str:
    try:
        return str(check_region(text))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a region code (ISO 3166, upper case, e.g. CN)") from None


def add_diagnose(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "diagnose", help="diagnose one complaint",
        description="Diagnose one complaint and print the finding, grade, deadline, what the "
                    "agent does, the script and the evidence path. The complaint comes from "
                    "exactly one of --demo, --complaint FILE, --scenario FILE or the flags.")
    src = p.add_argument_group("complaint and records")
    where = src.add_mutually_exclusive_group()
    where.add_argument("--demo", action="store_true", help="use the bundled demo city")
    where.add_argument("--scenario", metavar="FILE", help="a scenario file")
    src.add_argument("--complaint", metavar="ID|FILE",
                     help="a demo complaint id (with --demo) or a complaint file (YAML/JSON)")
    src.add_argument("--case", metavar="ID", help="the case to run from --scenario")
    src.add_argument("--data", metavar="DIR",
                     help="a data folder of source records (with --complaint FILE or flags)")
    src.add_argument("--region", metavar="CC", type=_region,
                     help="accept a national-format MSISDN of this region (e.g. CN) and "
                          "normalise it to E.164; without it the MSISDN must be E.164")
    flags = p.add_argument_group("complaint from flags")
    flags.add_argument("--id", help="the complaint id (default CLI-1)")
    flags.add_argument("--type", help="symptom code, e.g. no_service")
    flags.add_argument("--msisdn", help="E.164 digits, e.g. 8613800000001")
    flags.add_argument("--at", help="reported time, ISO 8601 with offset")
    flags.add_argument("--lat", type=float)
    flags.add_argument("--lon", type=float)
    flags.add_argument("--channel")
    run = p.add_argument_group("run")
    run.add_argument("--answer", action="append", default=[], metavar="QID=VALUE",
                     help="answer a question (repeatable), e.g. airplane_mode=true")
    run.add_argument("--down", action="append", default=[], metavar="SOURCE",
                     help="make a source fail (hlr, billing, coverage)")
    run.add_argument("--trees", metavar="DIR", help="knowledge folder (default: shipped)")
    run.add_argument("--locale", choices=("zh-CN", "en"), default="zh-CN")
    run.add_argument("--role", choices=("agent", "supervisor"), help="the requesting role")
    run.add_argument("--json", action="store_true", help="print the diagnosis as JSON")
    run.add_argument("--log", metavar="FILE",
                     help="also append the decision to this JSON-lines decision log (MSISDNs "
                          "and IMSIs masked; `diagtree log verify FILE` replays it)")
    p.set_defaults(run=run_diagnose, check=functools.partial(_check_combination, p))


def _check_combination(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse options the chosen complaint source would ignore (argparse groups cannot say
    "--case needs --scenario" or "the flags exclude a complaint file")."""
    if args.case is not None and not args.scenario:
        p.error("--case needs --scenario FILE (it picks one case of a scenario file)")
    flags = [f"--{name}" for name in _FLAGS if getattr(args, name) is not None]
    if args.demo:
        source, records = "--demo", "the records come from the demo city"
        ignored = flags
    elif args.scenario:
        source, records = "--scenario", "the records come from the scenario's sources"
        ignored = [*flags, *(["--complaint"] if args.complaint is not None else [])]
    elif args.complaint is not None:
        source, records, ignored = "--complaint FILE", "", flags
    else:
        if not flags:
            p.error("give a complaint: --demo, --complaint FILE, --scenario FILE, or "
                    "--type, --msisdn and --at (and --lat/--lon where the symptom needs them)")
        return
    if ignored:
        p.error(f"{', '.join(ignored)} cannot be used with {source}: the complaint comes from "
                f"{source.split()[0]}, so {'it' if len(ignored) == 1 else 'they'} would be "
                "ignored")
    if args.data is not None and records:
        p.error(f"--data cannot be used with {source}: {records}, so it would be ignored")


def _answers(pairs: Sequence[str], questions: Mapping[str, Question]) -> dict[str, Any]:
    """`--answer QID=VALUE` pairs, each converted by its question's type (`parse_answer`:
    true/false/yes/no for a yes/no question, an option for a choice); anything else raises
    `ComplaintError` naming ``answers.<QID>``."""
    out: dict[str, Any] = {}
    for pair in pairs:
        qid, sep, value = pair.partition("=")
        if not sep:
            raise ComplaintError("answers", f"{pair[:60]!r}: write --answer QID=VALUE")
        out[qid.strip()] = parse_answer(qid, value, questions)
    return out


def _read(path: str) -> Any:
    """A complaint or scenario file: YAML, or JSON by its suffix; a JSON error names the file
    with line:col."""
    size = Path(path).stat().st_size
    if size > FILE_LIMITS.max_bytes:
        raise ValueError(f"{path}: file is {size} bytes; the limit is {FILE_LIMITS.max_bytes}")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    if path.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
                             ) from None
        except RecursionError:
            raise ValueError(f"{path}: the JSON nests too deeply to read") from None
    data, _, problems = load_yaml(text, path, FILE_LIMITS)  # a tree file's limits
    if problems:
        raise AuthoringError(tuple(problems))
    return data


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        got = "nothing" if value is None else f"a {type(value).__name__}"
        raise ValueError(f"{what}: expected a mapping, got {got}")
    return dict(value)


def _scenario_case(args: argparse.Namespace) -> Case:
    """The case `--case` names (or the file's only case), read as `diagtree test` reads it; a
    malformed file or case raises `AuthoringError` with each problem located."""
    cases, problems = load_cases([args.scenario], only_scenarios=False)
    if problems:
        raise AuthoringError(tuple(problems))
    if not args.case and len(cases) != 1:
        raise ComplaintError("case", "name the case with --case ID: " +
                             ", ".join(c.id for c in cases))
    found = [c for c in cases if not args.case or c.id == args.case]
    if not found:
        raise ComplaintError("case", f"no case {args.case!r} in {args.scenario}")
    if found[0].problems:
        raise AuthoringError(tuple(found[0].problems))
    return found[0]


def _inputs(args: argparse.Namespace, handled: Callable[[], set[str]],
            questions: Callable[[], Mapping[str, Question]] = lambda: STANDARD_QUESTIONS,
            ) -> tuple[dict[str, Any], list[Source], dict[str, Any]]:
    import diagtree_adapters as ad  # noqa: PLC0415 - the CLI is the composition root

    answers: dict[str, Any] = {}
    down = list(args.down)
    if args.scenario:
        case = _scenario_case(args)
        complaint = dict(case.complaint)
        complaint.setdefault("id", case.id)
        answers = dict(case.answers)
        down += case.down
        records = ad.records_from_mapping(case.sources)
    elif args.demo:
        from diagtree_adapters import demo  # noqa: PLC0415

        records = demo.demo_records()
        cases = demo.demo_complaints()
        if args.complaint:
            match = [c for c in cases if c["complaint"]["id"] == args.complaint]
            if not match:
                raise ComplaintError("id", f"no demo complaint {args.complaint!r} "
                                     f"(e.g. {cases[0]['complaint']['id']})")
            chosen = match[0]
        else:  # the first demo complaint a tree handles
            trees = handled()
            chosen = next((c for c in cases if c["complaint"]["type"] in trees), cases[0])
        complaint = dict(chosen["complaint"])
        answers = dict(chosen.get("answers") or {})
        down += list(chosen.get("down") or [])  # the demo case's failing source, as planted
    else:
        if args.complaint:
            complaint = _mapping(_read(args.complaint), f"{args.complaint}: the complaint")
        else:
            complaint = {"id": args.id or "CLI-1", "type": args.type, "msisdn": args.msisdn,
                         "reported_at": args.at}
            if args.lat is not None or args.lon is not None:
                complaint["location"] = {"lat": args.lat, "lon": args.lon}
            if args.channel:
                complaint["channel"] = args.channel
        records = ad.load_records(args.data) if args.data else ad.records_from_mapping({})
    if args.role:
        complaint["agent_role"] = args.role
    if args.answer:  # the engine (its questions) is loaded only when needed
        answers.update(_answers(args.answer, questions()))
    return complaint, list(ad.mock_sources(records, down=down)), answers


def run_diagnose(args: argparse.Namespace) -> int:
    import diagtree_adapters as ad  # noqa: PLC0415 - the CLI is the composition root

    args.check(args)  # a usage error (exit 2) before anything is loaded

    @functools.cache
    def engine() -> Engine:  # loaded once the inputs are read (a bad file fails fast)
        return Engine(args.trees, sources=ad.mock_sources(ad.records_from_mapping({})),
                      default_region=args.region,
                      decision_log=DecisionLog(args.log, strict=True) if args.log else None)

    try:
        complaint, sources, answers = _inputs(args, lambda: set(engine().library.by_symptom),
                                              lambda: engine().questions)
    except (OSError, ValueError) as exc:
        if isinstance(exc, AuthoringError):
            print(format_problems(exc.problems), file=sys.stderr)
        else:
            print(f"diagtree diagnose: {exc}", file=sys.stderr)
        return 2
    try:
        diagnosis: Diagnosis = engine().diagnose(complaint, answers=answers, locale=args.locale,
                                               sources=sources)
    except ComplaintError as exc:
        print(f"diagtree diagnose: complaint rejected: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the decision log cannot be written
        print(f"diagtree diagnose: --log {args.log}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(diagnosis.to_json(indent=2))
    else:
        print(render_diagnosis(diagnosis))
    return 0
