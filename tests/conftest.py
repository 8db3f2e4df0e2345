"""Shared fixtures: the shipped engine over mock sources, and the contract's worked examples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, settings

import diagtree_adapters as ad
from diagtree import Engine

DATA = Path(__file__).parent / "data"

#: ``pytest --fuzz`` runs every `fuzz()` test a hundred times longer (a long local run); CI runs
#: the few thousand examples each test names.
_FUZZ_FACTOR = {"on": 1}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--fuzz", action="store_true",
                     help="run the fuzz tests with 100x their examples (a long local run)")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--fuzz", default=False):
        _FUZZ_FACTOR["on"] = 100


def fuzz(max_examples: int) -> settings:
    """Settings for a fuzz test of an entrance: `max_examples` in CI, 100x under ``--fuzz``."""
    return settings(max_examples=max_examples * _FUZZ_FACTOR["on"], deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


def example_cases() -> list[dict[str, Any]]:
    data = yaml.safe_load((DATA / "spec_examples.yaml").read_text(encoding="utf-8"))
    cases: list[dict[str, Any]] = data["cases"]
    return cases


def example(case_id: str) -> dict[str, Any]:
    return next(c for c in example_cases() if c["id"] == case_id)


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine(sources=ad.mock_sources(ad.records_from_mapping({})))


def sources_for(case: dict[str, Any], down: list[str] | None = None) -> list[Any]:
    return list(ad.mock_sources(ad.records_from_mapping(case.get("sources") or {}),
                                down=down if down is not None else case.get("down") or []))
