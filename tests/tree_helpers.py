"""Shared helpers for the YAML-loader, tree-error and tree-property tests.

Build small fact schemas, write tree files into a folder, load them with `load_library` and
look at the problems it reports, and walk compiled trees without an `Engine`.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from diagtree._compile.library import Library, load_library
from diagtree._compile.steps import CompiledTree, Step
from diagtree._errors import AuthoringError, Problem
from diagtree._load.limits import Limits
from diagtree._vocab.facts import FactSchema, FactSpec, FactType

__all__ = [
    "SMALL_FACTS",
    "FakeStore",
    "at",
    "by_code",
    "codes",
    "load",
    "load_problems",
    "markers",
    "real_schemas",
    "small_schemas",
    "walk",
    "walk_traced",
    "write",
]

# -- schemas ---------------------------------------------------------------------------------------
STATE = FactType.enum("in_use", "suspended", "reclaimed")
SMALL_FACTS: dict[str, FactType] = {
    "s.flag": FactType("bool"),
    "s.other": FactType("bool"),
    "s.count": FactType("int"),
    "s.level": FactType("int"),
    "s.state": STATE,
    "s.name": FactType("string"),
    "t.ok": FactType("bool"),
    "t.mode": FactType.enum("auto", "manual"),
    "complaint.reported_at": FactType("datetime"),
}


@cache
def small_schemas() -> tuple[FactSchema, FactSchema]:
    """A tiny hand-made schema (bool/int/enum/string facts) and its policy schema."""
    schema = FactSchema([FactSpec(n, t, "test fact") for n, t in SMALL_FACTS.items()])
    return schema, schema.merged([FactSpec("diagnosis.cause", FactType("string"), "cause")])


@cache
def real_schemas() -> tuple[FactSchema, FactSchema]:
    """The shipped adapters' facts plus the complaint facts, and the policy schema."""
    from diagtree._cli.common import default_schema
    from diagtree._vocab.engine_facts import POLICY_FACTS

    schema = default_schema()
    return schema, schema.merged(POLICY_FACTS)


# -- files -----------------------------------------------------------------------------------------
def write(folder: Path, name: str, text: str) -> Path:
    """Write dedented `text` (leading newline dropped) to folder/name; return the path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    body = textwrap.dedent(text)
    if body.startswith("\n"):
        body = body[1:]
    path.write_text(body, encoding="utf-8")
    return path


def load(paths: Path | Iterable[Path], *, real: bool = False,
         limits: Limits | None = None) -> Library:
    """`load_library` with the small (or the real) schema, no policy required."""
    schema, policy_schema = real_schemas() if real else small_schemas()
    if isinstance(paths, Path):
        paths = [paths]
    return load_library(list(paths), schema, policy_schema, limits=limits,
                        require_policy=False)


def load_problems(paths: Path | Iterable[Path], *, real: bool = False,
                  limits: Limits | None = None) -> tuple[Problem, ...]:
    """The problems `load_library` raises; fails the test if it loads or raises anything else."""
    try:
        load(paths, real=real, limits=limits)
    except AuthoringError as exc:
        assert exc.problems, "AuthoringError without problems"
        return exc.problems
    raise AssertionError("expected AuthoringError, the library loaded")


def codes(problems: Iterable[Problem]) -> list[str]:
    return [p.code for p in problems]


def by_code(problems: Iterable[Problem], code: str) -> list[Problem]:
    return [p for p in problems if p.code == code]


def at(problems: Iterable[Problem], code: str) -> list[tuple[int, int]]:
    """(line, col) of every problem with `code`."""
    return [(p.location.line, p.location.col) for p in problems if p.code == code]


# -- walking ---------------------------------------------------------------------------------------
class FakeStore(dict[str, Any]):
    """What compiled closures read: facts by name, plus `answers`, `defaulted` (questions
    answered by their default) and `interactive`."""

    def __init__(self, facts: Mapping[str, Any], answers: Mapping[str, Any] | None = None,
                 *, interactive: bool = False) -> None:
        super().__init__(facts)
        self.answers: dict[str, Any] = dict(answers or {})
        self.defaulted: set[str] = set()
        self.interactive = interactive

    def __missing__(self, name: str) -> Any:
        return None


def walk(tree: CompiledTree, store: Any, max_steps: int = 10_000) -> tuple[Step, list[str]]:
    """The untraced walk; returns the end step and the ids of the steps visited."""
    step = tree.start
    seen = [step.id]
    while step.run is not None:
        step = step.run(store)
        seen.append(step.id)
        if len(seen) > max_steps:
            raise AssertionError(f"the walk did not end within {max_steps} steps: {seen[:20]}")
    return step, seen


def walk_traced(tree: CompiledTree, store: Any,
                max_steps: int = 10_000) -> tuple[Step, list[tuple[str, str]]]:
    """The traced walk (`trace_run`); returns the end step and (step id, label) pairs."""
    step = tree.start
    labels: list[tuple[str, str]] = []
    while step.trace_run is not None:
        label, nxt, _exprs = step.trace_run(store)
        labels.append((step.id, label))
        step = nxt
        if len(labels) > max_steps:
            raise AssertionError(f"the traced walk did not end within {max_steps} steps")
    return step, labels


# -- golden markers --------------------------------------------------------------------------------
_MARKER = re.compile(r"^\s*#\s*\^\s+(?P<code>\w+)(?:\s+@-(?P<up>\d+))?(?:\s+~\s+(?P<sub>.+?))?\s*$")


def markers(name: str, text: str) -> list[tuple[str, str, int, int, str | None]]:
    """Expected problems written into a YAML file as comment lines under the offending line::

        check: hlr.numbr_state == "x"
        #      ^ unknown_fact ~ 'hlr.number_state'

    The caret's column is the expected column; the line is the closest line above that is not a
    marker (``@-2``: the second closest). ``~ text`` is a substring of the message or the hint.
    Returns (file name, code, line, col, substring) tuples.
    """
    out: list[tuple[str, str, int, int, str | None]] = []
    plain: list[int] = []  # 1-based numbers of the non-marker lines so far
    for number, line in enumerate(text.splitlines(), start=1):
        m = _MARKER.match(line)
        if m is None:
            plain.append(number)
            continue
        up = int(m["up"] or 1)
        out.append((name, m["code"], plain[-up], line.index("^") + 1, m["sub"]))
    return out
