"""Errors and author-facing problems.

The hierarchy, grouped by how a caller recovers::

    DiagtreeError (Exception)
    ├── AuthoringError (ValueError)    a tree, catalog, script, policy or scenario file is wrong:
    │                                  fix the file. Carries every Problem found, sorted.
    ├── ComplaintError (ValueError)    the complaint a CRM sent is malformed: reject it and show
    │                                  the field. Carries `field` and `reason`.
    │   └── SessionStateError          the state given to `Engine.resume` is malformed (field
    │                                  `state.…`).
    ├── ConfigurationError (ValueError)  the code that builds the engine passed something wrong
    │                                  (two sources with one name, a bad locale, region or
    │                                  FactType, a fact declared twice, a malformed source
    │                                  record): fix that code or the data it reads. Carries
    │                                  `field` and `reason`.
    └── SourceError (RuntimeError)     a source adapter failed; never reaches the engine's caller
        └── SourceTimeout (TimeoutError-like)   the adapter did not answer in time.

A `Problem` is data, not an exception: the loader, validator, linter and scenario runner collect
them, sort them and print them as ``file:line:col: severity CODE message`` with the source line
and a caret under the column (the OPA / yamllint convention).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diagtree._privacy import mask_text

__all__ = [
    "AuthoringError",
    "ComplaintError",
    "ConfigurationError",
    "DiagtreeError",
    "Location",
    "Problem",
    "SessionStateError",
    "SourceError",
    "SourceTimeout",
    "did_you_mean",
    "format_problems",
]


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based position in an author's file. `line`/`col` 0 mean "the whole file"."""

    file: str
    line: int = 0
    col: int = 0

    def shifted(self, cols: int) -> Location:
        """The location `cols` characters further along the same line."""
        return Location(self.file, self.line, self.col + cols)

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an author's file, with a stable code and advice."""

    location: Location
    code: str
    message: str
    severity: str = "error"  # error | warning
    hint: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.file, loc.line, loc.col, self.code, self.message)

    def headline(self) -> str:
        text = f"{self.location}: {self.severity} {self.code} {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def render(self, source_lines: Sequence[str] | None = None) -> str:
        """The headline, then the source line and a caret under the column when known."""
        out = self.headline()
        loc = self.location
        if source_lines is not None and 0 < loc.line <= len(source_lines):
            # masked like any error text (a scenario or record line may hold an MSISDN);
            # the mask keeps every character's place, so the caret still points right
            src = mask_text(source_lines[loc.line - 1].rstrip("\n"))
            caret_at = max(loc.col - 1, 0)
            out += f"\n    {src}\n    {' ' * caret_at}^"
        return out


def _read_lines(path: str, cache: dict[str, list[str] | None]) -> list[str] | None:
    if path not in cache:
        try:
            cache[path] = Path(path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            cache[path] = None
    return cache[path]


def format_problems(
    problems: Iterable[Problem], sources: dict[str, str] | None = None, *, context: bool = True
) -> str:
    """Render problems sorted by file, line and column.

    `sources` maps a file name to its text, for files that are not on disk (scenario strings,
    tests); other files are read from disk to show the offending line.
    """
    cache: dict[str, list[str] | None] = {}
    for name, text in (sources or {}).items():
        cache[name] = text.splitlines()
    rendered = []
    for problem in sorted(problems, key=Problem.sort_key):
        lines = _read_lines(problem.location.file, cache) if context else None
        rendered.append(problem.render(lines))
    return "\n".join(rendered)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A "did you mean" hint for a misspelt name, or None when nothing is close."""
    pool = sorted(set(candidates))
    matches = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not matches:
        # dotted names: compare the last segment too (hlr.numbr_state → hlr.number_state)
        head, _, tail = name.rpartition(".")
        by_tail = {c.rpartition(".")[2]: c for c in pool if c.rpartition(".")[0] == head}
        close = difflib.get_close_matches(tail, sorted(by_tail), n=1, cutoff=0.75)
        matches = [by_tail[close[0]]] if close else []
    if not matches and len(name) >= 4:
        # a misspelling that keeps the start of the word (`cheque` for `check`)
        same_start = [c for c in pool if c[:3] == name[:3]]
        matches = same_start if len(same_start) == 1 else []
    return f"did you mean {matches[0]!r}?" if matches else None


class DiagtreeError(Exception):
    """Base of every error diagtree raises on purpose.

    Every one pickles (`__reduce__` rebuilds it from its constructor's arguments, where
    `Exception`'s default would pass the message alone), so that an error crosses a process
    pool or a cache as it was raised."""


@dataclass(eq=False)
class AuthoringError(DiagtreeError, ValueError):
    """One or more problems in authors' files (trees, catalog, scripts, policy, scenarios)."""

    problems: tuple[Problem, ...]
    sources: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # one problem found by two checks is reported once
        self.problems = tuple(sorted(dict.fromkeys(self.problems), key=Problem.sort_key))
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return format_problems(self.problems, self.sources)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.problems, self.sources), self.__dict__)


class ComplaintError(DiagtreeError, ValueError):
    """The complaint is malformed: a missing or invalid field, an unknown symptom.

    The reason (and the message) never carries a full MSISDN or IMSI: a value it quotes is
    masked (`mask_text`), since error messages end up in logs."""

    def __init__(self, field_name: str, reason: str, code: str = "complaint_invalid") -> None:
        self.field = field_name
        self.reason = mask_text(reason)
        self.code = code
        super().__init__(mask_text(f"complaint.{field_name}: {reason}"))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.field, self.reason, self.code), self.__dict__)


class SessionStateError(ComplaintError):
    """The state given to `Engine.resume` is malformed: not a JSON object, an unknown key, a
    version this diagtree does not read, or a complaint or answer it holds that is invalid.
    `field` names it from the state's top (``state.version``, ``state.answers.airplane_mode``,
    ``state.complaint.msisdn``)."""

    def __init__(self, field_name: str, reason: str, code: str = "session_state_invalid"
                 ) -> None:
        super().__init__(field_name, reason, code)
        self.args = (f"{field_name}: {reason}",)

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class SourceError(DiagtreeError, RuntimeError):
    """A source (HLR, billing, coverage…) failed. The engine turns it into unavailable facts.
    Its reason and message are masked like a `ComplaintError`'s."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = mask_text(reason)
        super().__init__(f"source {source!r} unavailable: {self.reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.source, self.reason), self.__dict__)


class SourceTimeout(SourceError):
    """A source did not answer within its timeout."""

    def __init__(self, source: str, timeout_s: float) -> None:
        super().__init__(source, f"timed out after {timeout_s:g} s")
        self.timeout_s = timeout_s

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.source, self.timeout_s), self.__dict__)


class ConfigurationError(DiagtreeError, ValueError):
    """The code that builds the engine (or the data it hands over) is wrong: two sources with
    one name, an unknown locale or region, a fact declared twice, a `FactType` that is not one, a
    malformed source record. Fix that code; nothing in a request can cause it.

    `field` names what is wrong (``sources``, ``locale``, ``default_region``, ``FactType.kind``,
    a fact's name, a record's file and field); `reason` says why. Both the reason and the
    message are masked like a `ComplaintError`'s: a record may quote an MSISDN or IMSI, and
    error messages end up in logs."""

    def __init__(self, field_name: str, reason: str) -> None:
        self.field = field_name
        self.reason = mask_text(reason)
        super().__init__(mask_text(f"{field_name}: {reason}"))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.field, self.reason), self.__dict__)
