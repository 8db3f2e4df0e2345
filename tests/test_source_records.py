"""One function chooses the records the shipped adapters read — the demo city, a records folder
or none (`diagtree._records.source_records`) — and both a batch worker's engine (`EngineSpec`)
and the HTTP service ask it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import diagtree_adapters as ad
from diagtree import ConfigurationError, _records
from diagtree._records import source_records
from diagtree._service.app import _sources
from diagtree.batch import EngineSpec
from diagtree_adapters.demo import demo_records

NUMBER = "8613800000001"


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "hlr.json").write_text(json.dumps({"hlr": {"subscribers": [
        {"msisdn": NUMBER, "imsi": "460001234567890",
         "services": {"voice": True, "sms": True, "data": True}}]}}), encoding="utf-8")
    return tmp_path


def _numbers(records: Any) -> set[str]:
    return {str(s["msisdn"]) for s in records.subscribers}


def test_the_three_choices(tmp_path: Path) -> None:
    assert _numbers(source_records(None)) == set()
    assert _numbers(source_records(_folder(tmp_path))) == {NUMBER}
    assert _numbers(source_records(None, demo=True)) == _numbers(demo_records())
    assert len(_numbers(demo_records())) > 10


def test_a_folder_and_the_demo_city_at_once_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as refused:
        source_records(tmp_path, demo=True)
    assert refused.value.field == "data" and "give one" in refused.value.reason
    with pytest.raises(ConfigurationError, match="give one"):  # it was the demo city, silently
        EngineSpec(data=str(tmp_path), demo=True)()


def test_the_batch_and_the_service_both_ask_it(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[Any, bool]] = []

    def spy(data: Any, *, demo: bool = False) -> Any:
        asked.append((data, demo))
        return ad.records_from_mapping({})

    monkeypatch.setattr(_records, "source_records", spy)
    EngineSpec(demo=True)()
    EngineSpec(data="somewhere")()
    _sources(_records.DEMO)
    _sources("/srv/records")
    _sources(None)
    assert asked == [(None, True), ("somewhere", False), (None, True),
                     ("/srv/records", False), (None, False)]
