"""Every shipped scenario diagnosed once in each locale, shared by the tests that check what
every diagnosis yields (the agent explanation, the TMF621 ticket). Building a scenario's mock
sources costs more than diagnosing it, so each case's sources are built once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import diagtree_adapters as ad
from diagtree import Diagnosis, Engine, Source, shipped_trees
from diagtree._testing.scenarios import Case, load_cases
from diagtree._vocab.taxonomy import LOCALES


def sources_of(block: Mapping[str, Any], down: Sequence[str] = ()) -> Sequence[Source]:
    return list(ad.mock_sources(ad.records_from_mapping(block), down=down))


@cache
def shipped_engine() -> Engine:
    return Engine(sources=sources_of({}))


@dataclass(frozen=True)
class Run:
    case: Case
    complaint: dict[str, Any]  # as given to the engine (the case id as its id)
    diagnoses: dict[str, Diagnosis]  # by locale


@cache
def shipped_cases() -> tuple[Case, ...]:
    cases, problems = load_cases([shipped_trees() / "scenarios"])
    assert not problems
    return tuple(cases)


@cache
def shipped_runs() -> tuple[Run, ...]:
    engine = shipped_engine()
    runs = []
    for case in shipped_cases():
        complaint = {"id": case.id, **case.complaint}
        sources = sources_of(case.sources, case.down)
        runs.append(Run(case, complaint, {
            loc: engine.diagnose(complaint, answers=case.answers, sources=sources, locale=loc)
            for loc in LOCALES}))
    return tuple(runs)
