"""The output formats of `diagtree lint`: human text, JSON, GitHub annotations, SARIF 2.1.0."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from diagtree._errors import Problem, format_problems
from diagtree._lint._rule import Rule

__all__ = ["FORMATS", "render"]

FORMATS: Final = ("text", "json", "github", "sarif")
_SARIF_LEVEL: Final = {"error": "error", "warning": "warning", "info": "note"}
_GITHUB_LEVEL: Final = {"error": "error", "warning": "warning", "info": "notice"}
_SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"


def render(problems: Sequence[Problem], fmt: str, rules: Iterable[Rule], *,
           sources: Mapping[str, str] | None = None, version: str = "") -> str:
    """The problems (already sorted and filtered) in one of `FORMATS`."""
    if fmt == "text":
        return format_problems(problems, dict(sources or {}))
    if fmt == "json":
        return json.dumps({"problems": [_as_json(p, rules) for p in problems],
                           "summary": summary(problems)}, ensure_ascii=False, indent=2)
    if fmt == "github":
        return "\n".join(_github(p) for p in problems)
    if fmt == "sarif":
        return json.dumps(sarif(problems, rules, version), ensure_ascii=False, indent=2)
    raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")


def summary(problems: Iterable[Problem]) -> dict[str, int]:
    counts = {"errors": 0, "warnings": 0, "info": 0}
    for p in problems:
        counts[{"error": "errors", "warning": "warnings"}.get(p.severity, "info")] += 1
    return counts


def _rule_of(code: str, rules: Iterable[Rule]) -> str | None:
    return next((r.id for r in rules if code in r.codes), None)


def _as_json(p: Problem, rules: Iterable[Rule]) -> dict[str, Any]:
    loc = p.location
    return {"file": loc.file, "line": loc.line, "col": loc.col, "severity": p.severity,
            "code": p.code, "rule": _rule_of(p.code, rules) or "validate",
            "message": p.message, "hint": p.hint}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(p: Problem) -> str:
    """A GitHub Actions workflow command: an annotation on the file and line."""
    loc = p.location
    props = [f"file={_escape_property(loc.file)}"]
    if loc.line > 0:
        props += [f"line={loc.line}", f"col={max(loc.col, 1)}"]
    props.append(f"title={_escape_property(p.code)}")
    message = p.message + (f" ({p.hint})" if p.hint else "")
    return f"::{_GITHUB_LEVEL.get(p.severity, 'warning')} {','.join(props)}::" \
           f"{_escape_data(message)}"


def _uri(file: str) -> str:
    path = Path(file)
    if path.is_absolute():
        return path.as_uri()
    return quote(path.as_posix())


def sarif(problems: Sequence[Problem], rules: Iterable[Rule], version: str) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run: every rule's metadata, then one result per problem.

    The rules of `diagtree lint` come first, with their documentation; a problem `validate`
    reports gets a rule entry of its own code (``validate`` in its properties)."""
    rules = list(rules)
    descriptors: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for rule in rules:
        for code in rule.codes:
            index[code] = len(descriptors)
            descriptors.append({
                "id": code,
                "name": "".join(w.capitalize() for w in code.replace("_", "-").split("-")),
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.doc},
                "help": {"text": rule.doc,
                         "markdown": f"{rule.doc}\n\nSee docs/lint-rules.md#{rule.id}."},
                "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
                "properties": {"rule": rule.id, "tags": ["diagtree-lint"]},
            })
    for p in problems:
        if p.code not in index:
            index[p.code] = len(descriptors)
            descriptors.append({
                "id": p.code,
                "name": "".join(w.capitalize() for w in p.code.split("_")),
                "shortDescription": {"text": f"diagtree validate: {p.code}"},
                "defaultConfiguration": {"level": _SARIF_LEVEL.get(p.severity, "error")},
                "properties": {"rule": "validate", "tags": ["diagtree-validate"]},
            })
    results = []
    for p in problems:
        loc = p.location
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(loc.file)}}
        if loc.line > 0:
            physical["region"] = {"startLine": loc.line, "startColumn": max(loc.col, 1)}
        results.append({
            "ruleId": p.code,
            "ruleIndex": index[p.code],
            "level": _SARIF_LEVEL.get(p.severity, "error"),
            "message": {"text": p.message + (f" ({p.hint})" if p.hint else "")},
            "locations": [{"physicalLocation": physical}],
        })
    return {
        "$schema": _SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "diagtree", "version": version,
                                "rules": descriptors}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
