"""Scenario files (``docs/scenarios.md``): end-to-end cases for `diagtree test`.

A case is one complaint, the records its sources hold, the customer's answers, the sources that
are down, and what the diagnosis must be. Unknown keys at the case level and inside `complaint`
and `expect` are errors located at file:line:col. A case that cannot run (malformed, or a
complaint or an answer the engine rejects) counts as failed, with its reason and file:line:col.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diagtree._check.schema import CASE, COMPLAINT, EXPECT, SCENARIO_FILE, SOURCE_NAMES
from diagtree._conclude.diagnosis import Diagnosis
from diagtree._errors import ComplaintError, Location, Problem, did_you_mean, format_problems
from diagtree._load.files import knowledge_files
from diagtree._load.limits import FILE_LIMITS
from diagtree._load.yaml import Positions, load_yaml
from diagtree._vocab.complaint import parse_complaint
from diagtree._walk.sources import Source

__all__ = ["Case", "CaseResult", "load_cases", "run_cases"]


#: builds the sources for one case from its `sources:` block and `down:` list
SourceFactory = Callable[[Mapping[str, Any], Sequence[str]], Sequence[Source]]


@dataclass
class Case:
    id: str
    file: str
    location: Location
    complaint: dict[str, Any]
    sources: dict[str, Any]
    answers: dict[str, Any]
    down: tuple[str, ...]
    expect: dict[str, Any]
    description: str = ""
    problems: list[Problem] = field(default_factory=list)
    positions: Positions | None = None
    path: tuple[str | int, ...] = ()


@dataclass
class CaseResult:
    case: Case
    passed: bool
    mismatches: list[str]
    diagnosis: Diagnosis | None = None
    error: str | None = None

    def describe(self) -> str:
        """One line: the case, what differed (expected and actual), and the path walked."""
        head = f"FAIL {self.case.id} ({self.case.location})"
        if self.error:
            return f"{head}: " + "; ".join(line.strip() for line in self.error.splitlines())
        parts = ["; ".join(self.mismatches)]
        if self.diagnosis is not None:
            path = " → ".join(f"{s.node}[{s.branch}]" for s in self.diagnosis.trace)
            parts.append(f"path: {path or '(none)'} ⇒ {self.diagnosis.cause}")
            if self.diagnosis.unavailable:
                parts.append("unavailable: " + ", ".join(self.diagnosis.unavailable))
        return f"{head}: " + "; ".join(parts)


def load_cases(paths: Iterable[str | Path], *, only_scenarios: bool = True
               ) -> tuple[list[Case], list[Problem]]:
    """Read every case in the scenario files under `paths`.

    Files without a top-level `cases:` key are skipped when `only_scenarios` (so a folder of
    trees with scenarios beside them can be given); file-level problems come back separately.
    """
    cases: list[Case] = []
    file_problems: list[Problem] = []
    for path in knowledge_files(paths):
        name = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            file_problems.append(Problem(Location(name), "unreadable_file", str(exc)))
            continue
        data, pos, problems = load_yaml(text, name, FILE_LIMITS)  # a tree file's limits
        if data is None or problems:
            file_problems.extend(problems or [Problem(Location(name, 1, 1), "empty_file",
                                                      "no cases in this file")])
            continue
        if not isinstance(data, Mapping) or "cases" not in data:
            if not only_scenarios:
                file_problems.append(Problem(Location(name, 1, 1), "not_a_scenario_file",
                                             "a scenario file holds `cases: [...]`"))
            continue
        extra = [k for k in data if k not in SCENARIO_FILE]
        for key in extra:
            file_problems.append(Problem(pos.key((key,)), "unknown_key",
                                         f"unknown key {key!r} in a scenario file",
                                         hint=did_you_mean(key, ("cases",))))
        raw = data["cases"]
        if not isinstance(raw, list):
            file_problems.append(Problem(pos.of(("cases",)), "type_mismatch",
                                         "`cases` must be a list"))
            continue
        for i, item in enumerate(raw):
            cases.append(_case(item, ("cases", i), pos, name))
    return cases, file_problems


def _case(item: Any, path: tuple[str | int, ...], pos: Positions, name: str) -> Case:
    loc = pos.of(path)
    problems: list[Problem] = []
    if not isinstance(item, Mapping):
        return Case(f"{name}#{path[-1]}", name, loc, {}, {}, {}, (), {},
                    problems=[Problem(loc, "type_mismatch", "a case must be a mapping")])

    def unknown(mapping: Mapping[str, Any], sub: tuple[str | int, ...], allowed: Sequence[str],
                what: str) -> None:
        for key in mapping:
            if key not in allowed:
                problems.append(Problem(pos.key((*sub, key)), "unknown_key",
                                        f"unknown key {key!r} in {what}",
                                        hint=did_you_mean(str(key), allowed)
                                        or "allowed: " + ", ".join(allowed)))

    unknown(item, path, CASE.keys, "a case")
    case_id = str(item.get("id") or f"{Path(name).stem}#{path[-1]}")
    complaint = item.get("complaint")
    if not isinstance(complaint, Mapping):
        problems.append(Problem(loc, "missing_key", "a case needs a `complaint` mapping"))
        complaint = {}
    else:
        unknown(complaint, (*path, "complaint"), COMPLAINT.keys, "`complaint`")
    expect = item.get("expect")
    if not isinstance(expect, Mapping) or not expect:
        problems.append(Problem(loc, "missing_key",
                                "a case needs `expect` with at least one key"))
        expect = {}
    else:
        unknown(expect, (*path, "expect"), EXPECT.keys, "`expect`")
    sources = item.get("sources") or {}
    if not isinstance(sources, Mapping):
        problems.append(Problem(pos.of((*path, "sources")), "type_mismatch",
                                "`sources` must map hlr/billing/coverage to their records"))
        sources = {}
    else:
        unknown(sources, (*path, "sources"), SOURCE_NAMES, "`sources`")
    answers = item.get("answers") or {}
    if not isinstance(answers, Mapping):
        problems.append(Problem(pos.of((*path, "answers")), "type_mismatch",
                                "`answers` must map question ids to answers"))
        answers = {}
    down = item.get("down") or []
    if not isinstance(down, list) or any(d not in SOURCE_NAMES for d in down):
        problems.append(Problem(pos.of((*path, "down")), "unknown_value",
                                "`down` lists sources: " + ", ".join(SOURCE_NAMES)))
        down = []
    return Case(case_id, name, loc, dict(complaint), dict(sources), dict(answers), tuple(down),
                dict(expect), str(item.get("description") or ""), problems, pos, path)


def _matches(expected: Any, actual: Any, key: str) -> bool:
    if key == "cause":
        return isinstance(expected, str) and (actual == expected
                                              or actual.startswith(expected + "."))
    return bool(expected == actual)


def run_case(case: Case, diagnose: Callable[..., Diagnosis], make_sources: SourceFactory
             ) -> CaseResult:
    if case.problems:
        return CaseResult(case, False, [], error=format_problems(case.problems, context=False))
    try:
        complaint = parse_complaint(case.complaint, default_id=case.id)
    except ComplaintError as exc:
        where = case.location
        if case.positions is not None:
            field0 = exc.field.split(".")[0].split("[")[0]
            where = case.positions.of((*case.path, "complaint", field0))
        return CaseResult(case, False, [], error=f"{where}: complaint rejected: {exc}")
    try:
        sources = make_sources(case.sources, case.down)
    except (ValueError, TypeError, KeyError) as exc:
        return CaseResult(case, False, [], error=f"{case.location}: bad source records: {exc}")
    try:
        diagnosis = diagnose(complaint, answers=case.answers, sources=sources, locale="zh-CN")
    except ComplaintError as exc:
        where = case.location
        qid = exc.field.partition(".")[2]
        if exc.field.startswith("answers.") and case.positions is not None:
            # the engine checks answers (`_walk.answers`); the answer's own line says which
            where = case.positions.key((*case.path, "answers", qid))
            return CaseResult(case, False, [],
                              error=f"{where}: answer rejected: {exc.field}: {exc.reason}")
        return CaseResult(case, False, [], error=f"{where}: {exc}")
    mismatches: list[str] = []
    for key, expected in case.expect.items():
        if key == "script_contains":
            wanted = [expected] if isinstance(expected, str) else list(expected or [])
            missing = [w for w in wanted if str(w) not in diagnosis.script]
            if missing:
                mismatches.append(f"script lacks {missing!r}")
            continue
        actual = getattr(diagnosis, key)
        if not _matches(expected, actual, key):
            mismatches.append(f"{key}: expected {expected!r}, got {actual!r}")
    return CaseResult(case, not mismatches, mismatches, diagnosis)


def run_cases(cases: Iterable[Case], diagnose: Callable[..., Diagnosis],
              make_sources: SourceFactory) -> list[CaseResult]:
    return [run_case(case, diagnose, make_sources) for case in cases]
