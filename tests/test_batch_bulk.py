"""The bulk path of a batch (`diagtree._batch.bulk`): a chunk's facts as frames, each row walked
over them and concluded straight into its results row.

The property that matters: a bulk row is the row the per-row path gives (`Engine.diagnose` of
that complaint alone) — over generated complaints (bad ones included), generated answers and
generated cities, with the shipped adapters' frames and with a reference frame source built
from `fetch` alone (which may mark any row as not given, or fail outright).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Collection, Sequence
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_batch import (
    answer_cells,
    answer_columns,
    as_text,
    assert_agrees,
    city,
    complaints,
    flatten,
)

from diagtree import Complaint, Engine, FactSpec, SourceError
from diagtree._batch import bulk
from diagtree._batch.chunk import Options, diagnose_rows, frame_rows
from diagtree.batch import RESULT_COLUMNS
from diagtree.vector import NULL_SUFFIX
from diagtree_adapters import mock_sources, records_from_mapping

from conftest import fuzz


class FrameByFetch:
    """A source's `fetch_frame` made of its own `fetch`, row by row: the reference frame. It
    marks rows not given (`PER_ROW`) where fetch fails, and — when told — at random too, or
    fails the whole frame."""

    blocking = False

    def __init__(self, source: Any, *, skip: float = 0.0, fail: bool = False,
                 seed: int = 0) -> None:
        self.source = source
        self.name = source.name
        self.skip = skip
        self.fail = fail
        self.random = random.Random(seed)  # noqa: S311 - which rows, not security
        self.frames = 0

    def facts(self) -> Sequence[FactSpec]:
        return self.source.facts()  # type: ignore[no-any-return]

    def fetch(self, complaint: Complaint, timeout_s: float) -> Any:
        return self.source.fetch(complaint, timeout_s)

    def fetch_frame(self, complaints: Sequence[Complaint], names: Collection[str]) -> Any:
        self.frames += 1
        if self.fail:
            raise RuntimeError("this frame fails")
        columns: dict[str, list[Any]] = {name: [] for name in names}
        nulls: dict[str, list[bool]] = {name: [] for name in names}
        skipped = []
        for complaint in complaints:
            facts = self.source.fetch(complaint, 1.0)
            row: dict[str, Any] = {}
            try:
                for name in names:
                    row[name] = facts.get(name)
            except SourceError:
                row = {}
            skip = (not row and bool(names)) or self.random.random() < self.skip
            skipped.append(skip)
            for name in names:
                value = row.get(name)
                columns[name].append(value)
                nulls[name].append(value is None and not skip)
        frame = pd.DataFrame({name: pd.Series(values, dtype=object)
                              for name, values in columns.items()}, index=range(len(complaints)))
        for name, marks in nulls.items():
            frame[name + NULL_SUFFIX] = marks
        frame[bulk.PER_ROW] = skipped
        return frame


@functools.cache
def reference_engine(seed: int, skip: float = 0.0, fail: bool = False) -> Engine:
    sources = mock_sources(records_from_mapping(city(seed).records))
    return Engine(sources=[FrameByFetch(s, skip=skip, fail=fail, seed=seed) for s in sources])


def batch(engine: Engine, frame: pd.DataFrame, chunk: int, *, use_bulk: bool = True,
          ) -> tuple[pd.DataFrame, pd.DataFrame]:
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    rows = frame_rows(frame, 1)
    for start in range(0, len(rows), chunk):
        outcome = diagnose_rows(engine, rows[start:start + chunk], Options(bulk=use_bulk))
        results += outcome.results
        errors += outcome.errors
    return (pd.DataFrame(results, columns=list(RESULT_COLUMNS)),
            pd.DataFrame(errors, columns=["row", "complaint_id", "field", "code", "message"]))


@fuzz(15)
@given(data=st.data(), seed=st.sampled_from([3, 11]),
       kind=st.sampled_from(["reference", "skipping", "failing"]),
       text=st.booleans(), chunk=st.integers(1, 8))
def test_a_bulk_row_is_the_diagnosis_of_that_complaint_alone(
        data: st.DataObject, seed: int, kind: str, text: bool, chunk: int) -> None:
    engine = reference_engine(seed, skip=0.3 if kind == "skipping" else 0.0,
                              fail=kind == "failing")
    assert bulk.plan(engine) is not None
    items = data.draw(st.lists(complaints(seed), min_size=1, max_size=10))
    answers = [data.draw(answer_cells()) for _ in items]
    rows = [{**flatten(c), **answer_columns(a)} for c, a in zip(items, answers, strict=True)]
    frame = pd.DataFrame([as_text(r) for r in rows] if text else rows)
    if text:
        answers = [{k: as_text({"v": v})["v"] for k, v in a.items()} for a in answers]
    results, errors = batch(engine, frame, chunk)
    assert_agrees(engine, items, results, errors, answers)


def test_the_planted_cases_take_the_bulk_way_and_agree() -> None:
    engine = reference_engine(3)
    items = [c["complaint"] for c in city(3).cases]
    answers = [dict(c.get("answers") or {}) for c in city(3).cases]
    frame = pd.DataFrame([{**flatten(c), **answer_columns(a)}
                          for c, a in zip(items, answers, strict=True)])
    source = engine._runtime.source_set.plan["hlr"][0]
    before = source.frames
    results, errors = batch(engine, frame, 100)
    assert source.frames > before  # the frames were asked
    assert_agrees(engine, items, results, errors, answers)
    per_row = batch(engine, frame, 100, use_bulk=False)
    pd.testing.assert_frame_equal(results, per_row[0])
    pd.testing.assert_frame_equal(errors, per_row[1])


@pytest.mark.parametrize("why", ["down", "script", "ahead"])
def test_an_engine_or_a_run_the_frames_cannot_serve_goes_row_by_row(why: str) -> None:
    records = records_from_mapping(city(3).records)
    if why == "down":
        engine = Engine(sources=[FrameByFetch(s) for s in mock_sources(records,
                                                                     down=["billing"])])
        assert bulk.plan(engine) is not None  # (a down source without frames: see below)
        engine = Engine(sources=mock_sources(records, down=["billing"]))
        assert bulk.plan(engine) is None
    elif why == "ahead":
        sources = [FrameByFetch(s) for s in mock_sources(records)]
        sources[0].blocking = True  # asked ahead on a thread: every tree source answers
        assert bulk.plan(Engine(sources=sources)) is None
    else:
        engine = reference_engine(3)
        frame = pd.DataFrame([flatten(c["complaint"]) for c in city(3).cases[:5]])
        source = engine._runtime.source_set.plan["hlr"][0]
        before = source.frames
        outcome = diagnose_rows(engine, frame_rows(frame, 1), Options(script=True))
        assert source.frames == before and len(outcome.results) == 5
