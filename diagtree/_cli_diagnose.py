"""`diagtree diagnose`: diagnose one complaint and print it for a person (or `--json`).

Where the complaint comes from: `--demo [--complaint ID]` (the bundled demo city), a complaint
file (`--complaint FILE`, YAML or JSON), a scenario file (`--scenario FILE --case ID`), or flags
(`--type --msisdn --at --lat --lon`). Where the records come from: the demo city, `--data DIR`
(YAML/JSON/CSV), or the scenario's `sources:`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ._answers import parse_answer
from ._diagnosis import Diagnosis
from ._engine import Engine
from ._errors import AuthoringError, ComplaintError, format_problems
from ._render_text import render_diagnosis
from ._sources import Source
from ._taxonomy import STANDARD_QUESTIONS, Question
from ._yaml import load_yaml

__all__ = ["add_diagnose"]


def add_diagnose(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "diagnose", help="diagnose one complaint",
        description="Diagnose one complaint and print the finding, grade, deadline, what the "
                    "agent does, the script and the evidence path.")
    src = p.add_argument_group("complaint and records")
    src.add_argument("--demo", action="store_true", help="use the bundled demo city")
    src.add_argument("--complaint", metavar="ID|FILE",
                     help="a demo complaint id (with --demo) or a complaint file (YAML/JSON)")
    src.add_argument("--scenario", metavar="FILE", help="a scenario file")
    src.add_argument("--case", metavar="ID", help="the case to run from --scenario")
    src.add_argument("--data", metavar="DIR", help="a data folder of source records")
    flags = p.add_argument_group("complaint from flags")
    flags.add_argument("--id", default="CLI-1")
    flags.add_argument("--type", help="symptom code, e.g. no_service")
    flags.add_argument("--msisdn")
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
    p.set_defaults(run=run_diagnose)


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
    text = Path(path).read_text(encoding="utf-8")
    if path.endswith(".json"):
        return json.loads(text)
    data, _, problems = load_yaml(text, path)
    if problems:
        raise AuthoringError(tuple(problems))
    return data


def _inputs(args: argparse.Namespace, handled: set[str],
            questions: Mapping[str, Question] = STANDARD_QUESTIONS,
            ) -> tuple[dict[str, Any], list[Source], dict[str, Any]]:
    import diagtree_adapters as ad  # noqa: PLC0415 - the CLI is the composition root

    answers: dict[str, Any] = {}
    down = list(args.down)
    if args.scenario:
        data = _read(args.scenario)
        cases = data.get("cases", []) if isinstance(data, Mapping) else []
        if not args.case and len(cases) != 1:
            raise ComplaintError("case", "name the case with --case ID: " +
                                 ", ".join(str(c.get("id")) for c in cases))
        found = [c for c in cases if not args.case or str(c.get("id")) == args.case]
        if not found:
            raise ComplaintError("case", f"no case {args.case!r} in {args.scenario}")
        case = found[0]
        complaint = dict(case.get("complaint") or {})
        complaint.setdefault("id", case.get("id"))
        answers = dict(case.get("answers") or {})
        down += list(case.get("down") or [])
        records = ad.records_from_mapping(case.get("sources") or {})
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
            chosen = next((c for c in cases if c["complaint"]["type"] in handled), cases[0])
        complaint = dict(chosen["complaint"])
        answers = dict(chosen.get("answers") or {})
    else:
        if args.complaint:
            complaint = dict(_read(args.complaint))
        else:
            complaint = {"id": args.id, "type": args.type, "msisdn": args.msisdn,
                         "reported_at": args.at}
            if args.lat is not None or args.lon is not None:
                complaint["location"] = {"lat": args.lat, "lon": args.lon}
            if args.channel:
                complaint["channel"] = args.channel
        records = ad.load_records(args.data) if args.data else ad.records_from_mapping({})
    if args.role:
        complaint["agent_role"] = args.role
    answers.update(_answers(args.answer, questions))
    return complaint, list(ad.mock_sources(records, down=down)), answers


def run_diagnose(args: argparse.Namespace) -> int:
    import diagtree_adapters as ad  # noqa: PLC0415 - the CLI is the composition root

    engine = Engine(args.trees, sources=ad.mock_sources(ad.records_from_mapping({})))
    try:
        complaint, sources, answers = _inputs(args, set(engine.library.by_symptom),
                                              engine.questions)
    except (OSError, ValueError) as exc:
        if isinstance(exc, AuthoringError):
            print(format_problems(exc.problems), file=sys.stderr)
        else:
            print(f"diagtree diagnose: {exc}", file=sys.stderr)
        return 2
    try:
        diagnosis: Diagnosis = engine.diagnose(complaint, answers=answers, locale=args.locale,
                                               sources=sources)
    except ComplaintError as exc:
        print(f"diagtree diagnose: complaint rejected: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(diagnosis.to_json(indent=2))
    else:
        print(render_diagnosis(diagnosis))
    return 0
