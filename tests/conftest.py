"""Shared fixtures: the shipped engine over mock sources, and the contract's worked examples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import diagtree_adapters as ad
from diagtree import Engine

DATA = Path(__file__).parent / "data"


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
