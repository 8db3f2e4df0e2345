"""Inline suppressions: ``# diagtree: disable=CODE[,CODE…]`` comments in the raw YAML text.

The YAML loader drops comments, so they are found in the text itself; a ``#`` inside a quoted
or block scalar is text, not a comment (PyYAML's scanner tells where each scalar lies). A
comment at the end of a line covers that line; a comment alone on its line covers the next line
that is neither blank nor another comment (so several may stack above one line).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import yaml

from diagtree._errors import Location, Problem

__all__ = ["Suppression", "apply_suppressions", "find_suppressions"]

_COMMENT: Final = re.compile(
    r"#\s*diagtree:\s*disable\s*=\s*(?P<codes>[\w-]+(?:\s*,\s*[\w-]+)*)")


@dataclass(frozen=True)
class Suppression:
    """One ``disable=`` comment: where it is written, the line it covers, the codes it names."""

    location: Location
    covers: int
    codes: tuple[str, ...]


def _scalar_spans(text: str) -> list[tuple[int, int]] | None:
    """(start, end) offsets of every scalar, or None when the text does not scan as YAML."""
    try:
        return [(t.start_mark.index, t.end_mark.index) for t in yaml.scan(text)
                if isinstance(t, yaml.ScalarToken)]
    except yaml.YAMLError:
        return None


def find_suppressions(file: str, text: str) -> list[Suppression]:
    """Every suppression comment in a file's text."""
    if "diagtree:" not in text:
        return []
    spans = _scalar_spans(text) or []
    lines = text.splitlines()
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    out: list[Suppression] = []
    for number, line in enumerate(lines, 1):
        for m in _COMMENT.finditer(line):
            at = starts[number - 1] + m.start()
            before = line[: m.start()]
            if before and not before[-1].isspace():
                continue  # `a#b` is not a comment in YAML
            if any(start <= at < end for start, end in spans):
                continue  # inside a string
            covers = number
            if not before.strip():
                covers = next((n for n in range(number + 1, len(lines) + 1)
                               if lines[n - 1].strip()
                               and not lines[n - 1].lstrip().startswith("#")), number)
            codes = tuple(c.strip() for c in m.group("codes").split(","))
            out.append(Suppression(Location(file, number, m.start() + 1), covers, codes))
            break  # one suppression comment per line
    return out


def apply_suppressions(problems: Iterable[Problem], suppressions: Iterable[Suppression],
                       rule_of: Mapping[str, str]
                       ) -> tuple[list[Problem], set[tuple[Suppression, str]]]:
    """The problems no suppression covers, and the (suppression, code) pairs that were used.

    A problem is covered by a suppression on its line that names its rule's id (or its own code,
    for rules that report several codes). Only rule problems can be suppressed: `rule_of` maps
    their codes to rule ids; anything else (the errors `validate` reports) always stays."""
    by_line: dict[tuple[str, int], list[Suppression]] = {}
    for s in suppressions:
        by_line.setdefault((s.location.file, s.covers), []).append(s)
    kept: list[Problem] = []
    used: set[tuple[Suppression, str]] = set()
    for p in problems:
        rule = rule_of.get(p.code)
        hit = None
        if rule is not None:
            for s in by_line.get((p.location.file, p.location.line), ()):
                code = next((c for c in s.codes if c in (rule, p.code)), None)
                if code is not None:
                    hit = (s, code)
                    break
        if hit is None:
            kept.append(p)
        else:
            used.add(hit)
    return kept, used
