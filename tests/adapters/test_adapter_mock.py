"""Failure injection: down sources, latency within the timeout, injected errors."""

from __future__ import annotations

import time

import pytest
from adapter_support import complaint, sources

from diagtree._errors import SourceError, SourceTimeout
from diagtree._walk.sources import Source
from diagtree_adapters import (
    Failure,
    FaultInjector,
    HlrAdapter,
    RecordStore,
    mock_sources,
    records_from_mapping,
)

RECORDS = records_from_mapping(sources())


def _by_name(srcs: list[Source]) -> dict[str, Source]:
    return {s.name: s for s in srcs}


def test_plain_mock_sources_are_adapters() -> None:
    srcs = mock_sources(RECORDS)
    assert [s.name for s in srcs] == ["hlr", "billing", "coverage"]
    assert all(isinstance(s, Source) for s in srcs)
    assert not any(isinstance(s, FaultInjector) for s in srcs)
    # a store is reused as is (indexes built once)
    store = RecordStore(RECORDS)
    assert mock_sources(store)[0].backend is store  # type: ignore[attr-defined]


def test_down_source_times_out_every_call() -> None:
    srcs = _by_name(mock_sources(RECORDS, down=["billing"]))
    for _ in range(3):
        with pytest.raises(SourceTimeout) as info:
            srcs["billing"].fetch(complaint(), 0.5)
        assert info.value.source == "billing"
    assert srcs["hlr"].fetch(complaint(), 0.5)["hlr.found"] is True
    assert srcs["billing"].facts() == mock_sources(RECORDS)[1].facts()


def test_latency_within_timeout() -> None:
    hlr = _by_name(mock_sources(RECORDS, latency_s={"hlr": 0.02}))["hlr"]
    start = time.perf_counter()
    assert hlr.fetch(complaint(), 1.0)["hlr.found"] is True
    assert time.perf_counter() - start >= 0.02


def test_latency_beyond_timeout_sleeps_only_the_timeout() -> None:
    hlr = _by_name(mock_sources(RECORDS, latency_s=5.0))["hlr"]
    start = time.perf_counter()
    with pytest.raises(SourceTimeout) as info:
        hlr.fetch(complaint(), 0.03)
    elapsed = time.perf_counter() - start
    assert 0.03 <= elapsed < 1.0
    assert info.value.timeout_s == 0.03


@pytest.mark.parametrize(("spec", "kind"), [
    (True, SourceError), ("error", SourceError), ("timeout", SourceTimeout),
    (ZeroDivisionError, ZeroDivisionError), (KeyError("boom"), KeyError),
    (SourceTimeout, SourceTimeout), (Failure(RuntimeError("x")), RuntimeError),
])
def test_fail_kinds(spec: object, kind: type[BaseException]) -> None:
    coverage = _by_name(mock_sources(RECORDS, fail={"coverage": spec}))["coverage"]
    with pytest.raises(kind):
        coverage.fetch(complaint(), 0.5)


def test_fail_every_nth_call() -> None:
    hlr = FaultInjector(HlrAdapter(RecordStore(RECORDS)), fail=Failure("error", every=3))
    outcomes = []
    for _ in range(7):
        try:
            hlr.fetch(complaint(), 0.5)
            outcomes.append("ok")
        except SourceError:
            outcomes.append("fail")
    assert outcomes == ["ok", "ok", "fail", "ok", "ok", "fail", "ok"]
    assert hlr.calls == 7


def test_invalid_injection() -> None:
    with pytest.raises(ValueError, match="unknown source 'bilin'"):
        mock_sources(RECORDS, down=["bilin"])
    with pytest.raises(ValueError, match="unknown source"):
        mock_sources(RECORDS, fail={"nms": True})
    with pytest.raises(ValueError, match="every"):
        Failure(every=0)
    with pytest.raises(ValueError, match="cannot inject"):
        mock_sources(RECORDS, fail={"hlr": 42})
    with pytest.raises(ValueError):
        FaultInjector(HlrAdapter(RecordStore(RECORDS)), latency_s=-1)
