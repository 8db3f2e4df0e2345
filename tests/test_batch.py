"""Batch diagnosis (docs/batch.md): the frames, the files, the workers, the count, resuming.

The property that matters: every row of a batch is what `Engine.diagnose` says of that
complaint alone — over generated complaints (bad ones included) and generated cities.
"""

from __future__ import annotations

import functools
import json
import math
import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import diagtree.batch
from diagtree import ComplaintError, ConfigurationError, Diagnosis, Engine, IncidentIndex
from diagtree._batch.results import PLACE_FACTS, walk_path, walked_path, walked_place
from diagtree._batch.rows import answers_of, complaint_of
from diagtree._batch.spec import engine_for
from diagtree._cli import main as cli_main
from diagtree._incidents.place import place_of_diagnosis
from diagtree._vocab.complaint import parse_complaint
from diagtree._vocab.taxonomy import STANDARD_QUESTIONS, Question
from diagtree.batch import (
    COMPLAINT_COLUMNS,
    ERROR_COLUMNS,
    RESULT_COLUMNS,
    BatchInputError,
    EngineSpec,
    diagnose_file,
    diagnose_frame,
    read_frame,
)
from diagtree_adapters import mock_sources, records_from_mapping
from diagtree_adapters.demo import MIN_SUBSCRIBERS, demo_complaints, generate, write

from conftest import fuzz

SYMPTOMS = ("no_service", "no_data", "slow_data", "cannot_receive_calls", "sms_failure",
            "roaming_failure", "bill_dispute", "unknown_charge", "recharge_failed")


@functools.cache
def city(seed: int) -> Any:
    return generate(seed, MIN_SUBSCRIBERS)


@functools.cache
def city_engine(seed: int, down: tuple[str, ...] = ()) -> Engine:
    return Engine(sources=mock_sources(records_from_mapping(city(seed).records), down=down))


@pytest.fixture(scope="module")
def city_spec(tmp_path_factory: pytest.TempPathFactory) -> EngineSpec:
    """A small generated city's records folder: quick for a worker process to load."""
    return EngineSpec(data=str(write(city(3), tmp_path_factory.mktemp("city"))))


def city_frame(n: int) -> pd.DataFrame:
    return pd.DataFrame([as_text(flatten(c["complaint"])) for c in city(3).cases[:n]]
                        ).fillna("")


@functools.cache
def demo_engine() -> Engine:
    return engine_for(EngineSpec(demo=True))


def flatten(complaint: dict[str, Any]) -> dict[str, Any]:
    """A complaint mapping as a complaints-frame row: dotted columns, history as JSON text."""
    row: dict[str, Any] = {}
    for key, value in complaint.items():
        if isinstance(value, dict):
            row.update({f"{key}.{k}": v for k, v in value.items()})
        elif key == "history":
            row[key] = json.dumps(value, ensure_ascii=False)
        else:
            row[key] = value
    return row


def as_text(row: dict[str, Any]) -> dict[str, str]:
    """The row as a CSV holds it: text cells, empty for absent."""
    return {k: "" if v is None else str(v) for k, v in row.items()}


def demo_frame(n: int | None = None) -> pd.DataFrame:
    rows = [as_text(flatten(c["complaint"])) for c in demo_complaints()[:n]]
    return pd.DataFrame(rows).fillna("")


# -- the expectation, worked out from a Diagnosis independently of diagtree._batch ---------------

def expected_row(diagnosis: Diagnosis) -> dict[str, Any]:
    facts = {f.name: f.value for step in diagnosis.trace for f in step.facts
             if f.available and f.value is not None}
    values = {k: v for k, v in diagnosis.values if v is not None}
    if "cell" in values:  # the outcome names its place
        cell = values["cell"]
    elif "coverage.outage.cell" in facts:
        cell = facts["coverage.outage.cell"]
    elif facts.get("coverage.serving_cells"):
        cell = facts["coverage.serving_cells"][0]
    else:
        cell = facts.get("hlr.registration.cell_id")
    platform = values.get("platform", facts.get("coverage.platform_fault.element"))
    refund = diagnosis.refund
    return {
        "complaint_id": diagnosis.complaint_id, "symptom": diagnosis.symptom,
        "tree_id": diagnosis.tree_id, "tree_version": diagnosis.tree_version,
        "cause": diagnosis.cause, "category": diagnosis.category,
        "resolution": diagnosis.resolution, "department": diagnosis.department,
        "grade": diagnosis.grade, "grade_reasons": ";".join(diagnosis.grade_reasons) or None,
        "feedback_due": diagnosis.feedback_due,
        "refund_amount": refund and refund.amount, "refund_currency": refund and refund.currency,
        "refund_within_authority": refund and refund.within_authority,
        # the nodes passed, then the node the walk concluded at (the last step's next)
        "path": ">".join([*(s.node for s in diagnosis.trace),
                          *(s.next for s in diagnosis.trace[-1:] if s.next)]) or None,
        "unavailable": ";".join(diagnosis.unavailable) or None,
        "also_found": ";".join(diagnosis.also_found) or None,
        "cell": cell, "platform": platform,
    }


def plain(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


#: how the test expects a text answer cell of a yes/no question to read (docs/batch.md)
YES_NO = {"true": True, "false": False, "yes": True, "no": False}


def typed_answers(cells: dict[str, Any]) -> dict[str, Any]:
    """The answers a row's answer cells stand for, worked out independently of
    diagtree._batch: text by `YES_NO` (any case, spaces around), a bool as it is, an empty
    cell no answer; anything else is kept as it is, for the engine to reject."""
    out = {}
    for qid, value in cells.items():
        if value is None or value == "":
            continue
        if isinstance(value, str):
            out[qid] = YES_NO.get(value.strip().lower(), value)
        else:
            out[qid] = value
    return out


def answer_columns(cells: dict[str, Any]) -> dict[str, Any]:
    return {f"answer.{qid}": value for qid, value in cells.items()}


def assert_agrees(engine: Engine, complaints: list[dict[str, Any]], results: pd.DataFrame,
                  errors: pd.DataFrame, answers: list[dict[str, Any]] | None = None) -> None:
    """Row i of the batch is what `engine.diagnose` says of complaint i alone, with the
    answers row i gives (an answer the engine rejects: the error row names the answer's
    column, ``answer.<id>``, with the engine's code)."""
    got = {int(r["row"]): r for r in results.to_dict("records")}
    failed = {int(r["row"]): r for r in errors.to_dict("records")}
    assert len(got) + len(failed) == len(complaints)
    assert list(results["row"]) == sorted(got) and list(errors["row"]) == sorted(failed)
    for number, complaint in enumerate(complaints, start=1):
        given = typed_answers(answers[number - 1]) if answers else {}
        try:
            diagnosis = engine.diagnose(complaint, answers=given)
        except ComplaintError as exc:
            assert number in failed, (number, exc)
            row = failed[number]
            if exc.field.startswith("answers."):  # the batch names the column it read
                assert (row["field"], row["code"]) == ("answer." + exc.field[8:], exc.code)
            else:
                assert (row["field"], row["code"], row["message"]) == (exc.field, exc.code,
                                                                       exc.reason)
            continue
        assert number in got, (number, failed.get(number))
        row = {k: plain(v) for k, v in got[number].items() if k in RESULT_COLUMNS}
        expected = expected_row(diagnosis)
        assert {k: row[k] for k in expected} == expected


# -- generated complaints over generated cities ------------------------------------------------

@st.composite
def complaints(draw: st.DrawFn, seed: int) -> dict[str, Any]:
    cases = city(seed).cases
    complaint = dict(draw(st.sampled_from(cases))["complaint"])
    mutation = draw(st.sampled_from(["none", "none", "type", "msisdn", "time", "location",
                                     "drop", "count", "channel"]))
    if mutation == "type":
        complaint["type"] = draw(st.sampled_from([*SYMPTOMS, "no_such_symptom"]))
    elif mutation == "msisdn":
        complaint["msisdn"] = draw(st.sampled_from(
            ["8613800000001", "12345", "+8613912345678", "86138000000019999"]))
    elif mutation == "time":
        day = draw(st.integers(1, 30))
        complaint["reported_at"] = draw(st.sampled_from([
            f"2026-11-{day:02d}T10:00:00+08:00", "2026-11-20T10:00:00", "yesterday"]))
    elif mutation == "location":
        complaint["location"] = {"lat": draw(st.floats(28.0, 28.4)),
                                 "lon": draw(st.floats(112.8, 113.1))}
    elif mutation == "drop":
        complaint.pop(draw(st.sampled_from(["id", "msisdn", "reported_at", "location"])), None)
    elif mutation == "count":
        complaint["incident"] = {"distinct_customers_24h": draw(st.integers(0, 500))}
    elif mutation == "channel":
        complaint["channel"] = draw(st.sampled_from(["app", "store", "carrier_pigeon"]))
    return complaint


#: the questions the shipped trees ask
ASKED = ("airplane_mode", "sim_works_in_other_phone", "mobile_data_enabled",
         "apn_manually_changed")


@st.composite
def answer_cells(draw: st.DrawFn) -> dict[str, Any]:
    """A row's answer cells: booleans, text as a CSV holds it (any case, spaces), an empty
    cell — and now and then a bad one (a number, a word that is no answer)."""
    values = st.sampled_from([True, False, "true", "FALSE", " yes ", "No", "", None])
    bad = st.sampled_from([1, 0, "maybe", "y", 1.5])
    cells = draw(st.dictionaries(st.sampled_from(ASKED), values, max_size=4))
    if draw(st.integers(0, 5)) == 0:
        cells[draw(st.sampled_from(ASKED))] = draw(bad)
    return cells


@fuzz(12)
@given(data=st.data(), seed=st.sampled_from([3, 11]),
       down=st.sampled_from([(), ("billing", "coverage", "hlr")]),
       text=st.booleans(), chunk_size=st.integers(1, 4))
def test_a_batch_row_is_the_diagnosis_of_that_complaint_alone(
        data: st.DataObject, seed: int, down: tuple[str, ...], text: bool,
        chunk_size: int) -> None:
    items = data.draw(st.lists(complaints(seed), min_size=1, max_size=6))
    answers = [data.draw(answer_cells()) for _ in items]
    rows = [{**flatten(c), **answer_columns(a)} for c, a in zip(items, answers, strict=True)]
    frame = pd.DataFrame([as_text(r) for r in rows] if text else rows)
    if text:  # what a CSV holds: text
        answers = [{k: as_text({"v": v})["v"] for k, v in a.items()} for a in answers]
    engine = city_engine(seed, down)
    results, errors = diagnose_frame(frame, engine, chunk_size=chunk_size)
    assert_agrees(engine, items, results, errors, answers)


# -- the walk without a trace (`Engine._diagnose_walked`): what a row reads of the trace -------

def without_trace(diagnosis: Diagnosis) -> dict[str, Any]:
    out = diagnosis.to_dict()  # all but the timings and the trace
    del out["timings_ms"], out["trace"]
    for call in out["sources"]:
        del call["latency_ms"]
    return out


def assert_walked_as_traced(engine: Engine, complaint: dict[str, Any],
                            answers: dict[str, Any] | None = None) -> None:
    try:
        parsed = parse_complaint(complaint, default_region=engine.default_region)
        traced = engine.diagnose(parsed, answers=answers, trace=True, script=False)
    except ComplaintError:
        return
    walked = engine._diagnose_walked(parsed, script=False, facts=PLACE_FACTS, answers=answers)
    assert walked is not None
    assert walked_path(walked) == walk_path(traced)
    assert walked_place(walked) == place_of_diagnosis(traced)
    assert walked.reads == tuple(read for step in traced.trace for read in step.facts
                                 if read.name in PLACE_FACTS)
    assert without_trace(walked.diagnosis) == without_trace(
        engine.diagnose(parsed, answers=answers, trace=False, script=False))
    assert walked.diagnosis.trace == ()


@fuzz(12)
@given(data=st.data(), seed=st.sampled_from([3, 11]),
       down=st.sampled_from([(), ("coverage",), ("billing", "coverage", "hlr")]))
def test_the_walk_without_a_trace_gives_the_traces_path_and_place(
        data: st.DataObject, seed: int, down: tuple[str, ...]) -> None:
    engine = city_engine(seed, down)
    for complaint in data.draw(st.lists(complaints(seed), min_size=1, max_size=4)):
        assert_walked_as_traced(engine, complaint,
                                typed_answers(data.draw(answer_cells())))


def test_the_demo_complaints_walk_without_a_trace_as_with_one() -> None:
    for case in demo_complaints():  # (the planted outage and platform fault among them)
        assert_walked_as_traced(demo_engine(), case["complaint"], case["answers"])


def test_an_engine_that_counts_incidents_walks_with_the_trace() -> None:
    engine = Engine(sources=mock_sources(records_from_mapping(city(3).records)),
                    incidents=IncidentIndex())
    complaint = parse_complaint(city(3).cases[0]["complaint"])
    assert engine._diagnose_walked(complaint, script=False, facts=PLACE_FACTS) is None


def test_rows_with_the_trace_column_are_the_rows_without_it() -> None:
    frame = demo_frame()
    plain_rows, _ = diagnose_frame(frame, demo_engine())
    traced_rows, _ = diagnose_frame(frame, demo_engine(), trace=True)
    assert traced_rows.drop(columns=["trace"]).equals(plain_rows)
    assert plain_rows["platform"].notna().any() and plain_rows["cell"].notna().any()


def test_the_demo_city_agrees_with_its_planted_causes() -> None:
    items = [c["complaint"] for c in demo_complaints()]
    result = diagnose_frame(demo_frame(), demo_engine())
    assert result.balanced and result.failed == 0
    assert_agrees(demo_engine(), items, result.results, result.errors)


def test_the_frames_have_the_contracts_columns_and_types() -> None:
    result = diagnose_frame(demo_frame(5), demo_engine(), script=True, trace=True,
                            explanation=True)
    assert tuple(result.results.columns) == (*RESULT_COLUMNS, "script", "explanation",
                                             "trace")
    assert tuple(result.errors.columns) == ERROR_COLUMNS
    assert str(result.results["row"].dtype) == "Int64"
    assert result.results["resolution"].isin(["frontline", "dispatch"]).all()
    trace = json.loads(result.results.loc[0, "trace"])
    assert [*(s["node"] for s in trace), trace[-1]["next"]] == \
        result.results.loc[0, "path"].split(">")
    assert result.results["script"].str.len().min() > 0
    assert COMPLAINT_COLUMNS[0] == "id" and len(COMPLAINT_COLUMNS) == 16


def test_bad_rows_become_errors_naming_the_field_and_the_run_goes_on() -> None:
    frame = demo_frame(8)
    frame.loc[0, "type"] = "nope"
    frame.loc[1, "msisdn"] = "123"
    frame.loc[2, "reported_at"] = ""
    frame.loc[3, "history"] = "[{"
    frame.loc[4, "location.lat"] = "north"
    frame.loc[5, "incident.distinct_customers_24h"] = "2.5"
    frame.loc[6, "id"] = ""
    result = diagnose_frame(frame, demo_engine(), chunk_size=3)
    assert result.summary() == "8 rows: 1 diagnosed, 7 errors"
    got = list(zip(result.errors["row"], result.errors["field"], result.errors["code"],
                   strict=True))
    assert got == [(1, "type", "complaint_unknown_symptom"),
                   (2, "msisdn", "complaint_bad_msisdn"),
                   (3, "reported_at", "complaint_missing_field"),
                   (4, "history", "complaint_invalid"),
                   (5, "location.lat", "complaint_invalid"),
                   (6, "incident.distinct_customers_24h", "complaint_invalid"),
                   (7, "id", "complaint_missing_field")]
    assert result.errors["complaint_id"].isna().tolist() == [False] * 6 + [True]
    assert list(result.results["row"]) == [8]
    assert "8613800" not in "".join(result.errors["message"])  # masked, as in logs


def test_typed_cells_from_parquet_read_as_the_same_complaint() -> None:
    text = demo_frame(30)
    typed = text.replace("", None)
    for column in ("location.lat", "location.lon"):
        typed[column] = pd.to_numeric(typed[column])
    typed["incident.distinct_customers_24h"] = pd.to_numeric(
        typed["incident.distinct_customers_24h"]).astype("Int64")
    a, b = diagnose_frame(text, demo_engine()), diagnose_frame(typed, demo_engine())
    pd.testing.assert_frame_equal(a.results, b.results)
    pd.testing.assert_frame_equal(a.errors, b.errors)


# -- the customer's answers ----------------------------------------------------------------------

def answered_frame() -> pd.DataFrame:
    """Demo complaints that reach a question, each with the planted answers."""
    cases = [c for c in demo_complaints() if c["expected_cause"] in ("device.settings",
                                                                     "device.sim_fault")]
    return pd.DataFrame([{**as_text(flatten(c["complaint"])),
                          **answer_columns({q: str(v).lower() for q, v in c["answers"].items()
                                            if q in ASKED})} for c in cases])


def test_answer_columns_reach_the_question_as_engine_diagnose() -> None:
    frame = answered_frame()
    result = diagnose_frame(frame, demo_engine())
    assert result.failed == 0 and len(frame) >= 10
    assert set(result.results["cause"]) == {"device.settings", "device.sim_fault"}
    unanswered = diagnose_frame(frame.drop(columns=[c for c in frame if c.startswith("answer.")]),
                                demo_engine())
    assert (unanswered.results["cause"] == "unknown.needs_investigation").any()


def test_an_answer_cell_is_converted_strictly_by_its_questions_type() -> None:
    questions = {"airplane_mode": STANDARD_QUESTIONS["airplane_mode"],
                 "colour": Question("colour", "choice", "red", (("en", "?"),), ("red", "blue"))}
    assert answers_of({"airplane_mode": " YES ", "colour": "blue"}, questions) == \
        {"airplane_mode": True, "colour": "blue"}
    assert answers_of({"airplane_mode": False}, questions) == {"airplane_mode": False}
    for cells in ({"airplane_mode": "1"}, {"airplane_mode": 1}, {"airplane_mode": "maybe"},
                  {"colour": "Blue"}, {"colour": True}, {"airplane_mod": "true"}):
        with pytest.raises(ComplaintError) as caught:
            answers_of(cells, questions)
        assert caught.value.field == f"answer.{next(iter(cells))}"
        assert caught.value.code == "complaint_invalid"


def test_bad_answers_are_error_rows_naming_the_answer_column() -> None:
    frame = answered_frame().head(4).copy()
    frame.loc[0, "answer.airplane_mode"] = "maybe"
    frame.loc[1, "answer.airplane_mode"] = "2"
    frame.loc[2, "answer.airplane_mode"] = ""  # no answer: the question's default
    result = diagnose_frame(frame, demo_engine())
    assert list(zip(result.errors["row"], result.errors["field"], result.errors["code"],
                    strict=True)) == [(1, "answer.airplane_mode", "complaint_invalid"),
                                      (2, "answer.airplane_mode", "complaint_invalid")]
    assert "'maybe'" in result.errors["message"][0]
    assert list(result.results["row"]) == [3, 4]


def test_an_answers_column_holds_the_json_text_of_an_object() -> None:
    frame = answered_frame().head(3)
    columns = [c for c in frame if c.startswith("answer.")]
    objects = frame.drop(columns=columns)
    objects["answers"] = [json.dumps({c[7:]: r[c] for c in columns if r[c]})
                          for r in frame.to_dict("records")]
    pd.testing.assert_frame_equal(diagnose_frame(objects, demo_engine()).results,
                                  diagnose_frame(frame, demo_engine()).results)
    objects.loc[0, "answers"] = "{"
    assert diagnose_frame(objects, demo_engine()).errors["field"].tolist() == ["answers"]


@pytest.mark.parametrize(("column", "text", "reason"), [
    ("history", "[{", "not valid JSON text of a list: Expecting property name enclosed in "
                      "double quotes at character 2"),
    ("answers", "{", "not valid JSON text of an object: Expecting property name enclosed in "
                     "double quotes at character 1"),
    ("history", "[" * 100_000, "the JSON nests too deeply to read"),
    ("answers", "[" * 100_000, "the JSON nests too deeply to read"),
])
def test_a_cells_json_text_that_does_not_read_names_the_column(column: str, text: str,
                                                              reason: str) -> None:
    with pytest.raises(ComplaintError) as caught:
        complaint_of({column: text})
    assert (caught.value.field, caught.value.reason) == (column, reason)


def test_an_answer_column_naming_no_question_is_refused_once_before_any_row(
        tmp_path: Path) -> None:
    frame = answered_frame().head(2).rename(
        columns={"answer.airplane_mode": "answer.airplane_mod"})
    with pytest.raises(BatchInputError, match=r"did you mean 'answer\.airplane_mode'"):
        diagnose_frame(frame, demo_engine())
    source = write_input(frame, tmp_path / "in.csv")
    with pytest.raises(BatchInputError, match=r"'answer\.airplane_mod': no such question"):
        diagnose_file(source, tmp_path / "out.csv", demo_engine(), progress=False)


@pytest.mark.parametrize("kind", ["csv", "parquet", "jsonl"])
def test_answers_read_the_same_from_every_format(tmp_path: Path, kind: str) -> None:
    text = answered_frame()
    typed = text.copy()
    for column in [c for c in text if c.startswith("answer.")]:
        typed[column] = text[column].map({"true": True, "false": False, "": None}
                                         ).astype("boolean")
    expected = diagnose_frame(text, demo_engine())
    source = write_input(typed if kind != "csv" else text, tmp_path / f"in.{kind}")
    diagnose_file(source, tmp_path / "out.csv", demo_engine(), progress=False)
    pd.testing.assert_frame_equal(read_frame(tmp_path / "out.csv"), expected.results)


def test_jsonl_answers_may_nest_and_a_question_given_twice_is_an_error(tmp_path: Path) -> None:
    [case] = [c for c in demo_complaints() if c["expected_cause"] == "device.settings"
              and c["answers"]["airplane_mode"] is True][:1]
    complaint = case["complaint"]
    lines = [{**complaint, "answers": {"airplane_mode": True}},
             {**complaint, "answers": {"airplane_mode": "yes"}},
             {**complaint, "answers": {"airplane_mode": True},
              "answer.airplane_mode": True},
             {**complaint, "answers": ["airplane_mode"]},
             {**complaint, "answers": {"airplane_mod": True}}]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    report = diagnose_file(source, tmp_path / "out.csv", demo_engine(), progress=False)
    assert report.summary() == "5 rows: 2 diagnosed, 3 errors"
    assert set(read_frame(tmp_path / "out.csv")["cause"]) == {"device.settings"}
    errors = read_frame(tmp_path / "out.errors.csv")
    assert list(errors["field"]) == ["answer.airplane_mode", "answers", "answer.airplane_mod"]
    assert "given twice" in errors["message"][0]
    assert "did you mean 'airplane_mode'" in errors["message"][2]


def test_an_engine_cannot_be_sent_to_workers() -> None:
    with pytest.raises(ConfigurationError, match="EngineSpec"):
        diagnose_frame(demo_frame(2), demo_engine(), workers=2)
    with pytest.raises(BatchInputError, match="unknown column 'typ'"):
        diagnose_frame(demo_frame(2).rename(columns={"type": "typ"}), demo_engine())
    with pytest.raises(ConfigurationError, match="backend"):
        diagnose_frame(demo_frame(2), demo_engine(), backend="spark")


def test_worker_processes_give_the_same_rows_in_the_same_order(city_spec: EngineSpec) -> None:
    frame = city_frame(60)
    frame.loc[10, "type"] = "nope"
    one = diagnose_frame(frame, engine_for(city_spec), chunk_size=7)
    two = diagnose_frame(frame, city_spec, workers=2, chunk_size=7)
    pd.testing.assert_frame_equal(one.results, two.results)
    pd.testing.assert_frame_equal(one.errors, two.errors)


def test_the_public_module_lists_its_names() -> None:
    names = sorted((n for n, v in vars(diagtree.batch).items()
                    if not n.startswith("_") and not isinstance(v, types.ModuleType)
                    and n not in {"annotations", "Engine", "Path", "Options", "run_file"}),
                   key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n))
    assert diagtree.batch.__all__ == names
    assert EngineSpec.__module__ == "diagtree.batch"


# -- files --------------------------------------------------------------------------------------

def write_input(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        path.write_text("".join(json.dumps({k: v for k, v in r.items() if v != ""},
                                           ensure_ascii=False) + "\n"
                                for r in frame.to_dict("records")), encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", ["csv", "parquet", "jsonl"])
def test_files_in_every_format_give_the_frames(tmp_path: Path, kind: str) -> None:
    frame = demo_frame(40)
    frame.loc[2, "type"] = "nope"
    source = write_input(frame, tmp_path / f"in.{kind}")
    report = diagnose_file(source, tmp_path / f"out.{kind}", demo_engine(), chunk_size=9,
                           progress=False)
    assert report.balanced and (report.rows, report.diagnosed, report.errors) == (40, 39, 1)
    assert report.errors_path == str(tmp_path / f"out.errors.{kind}")
    expected = diagnose_frame(frame, demo_engine())
    pd.testing.assert_frame_equal(read_frame(report.results_path), expected.results)
    pd.testing.assert_frame_equal(read_frame(report.errors_path), expected.errors)
    assert not (tmp_path / f"out.{kind}.parts").exists()


def test_a_folder_of_parquet_partitions_is_read_in_order(tmp_path: Path) -> None:
    frame = demo_frame(12)
    folder = tmp_path / "month"
    folder.mkdir()
    for i, start in enumerate(range(0, 12, 5)):
        frame.iloc[start:start + 5].to_parquet(folder / f"part-{i}.parquet", index=False)
    report = diagnose_file(folder, tmp_path / "out.csv", demo_engine(), chunk_size=4,
                           progress=False)
    assert report.summary() == "12 rows: 12 diagnosed, 0 errors"
    assert list(read_frame(report.results_path)["complaint_id"]) == list(frame["id"])


def test_jsonl_rows_may_nest_and_bad_lines_are_errors(tmp_path: Path) -> None:
    complaints = [c["complaint"] for c in demo_complaints()[:3]]
    lines = [json.dumps(c) for c in complaints]
    lines.insert(1, "{not json")
    lines.insert(3, "[1, 2]")
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    report = diagnose_file(source, tmp_path / "out.csv", demo_engine(), progress=False)
    assert report.summary() == "5 rows: 3 diagnosed, 2 errors"
    errors = read_frame(report.errors_path)
    assert list(errors["row"]) == [2, 4] and set(errors["field"]) == {"(row)"}
    assert list(read_frame(report.results_path)["complaint_id"]) == [c["id"] for c in complaints]


def test_a_csv_row_with_the_wrong_number_of_cells_is_an_error(tmp_path: Path) -> None:
    source = write_input(demo_frame(3), tmp_path / "in.csv")
    text = source.read_text(encoding="utf-8").splitlines()
    text.insert(2, "X-1,no_service")
    source.write_text("\n".join(text) + "\n", encoding="utf-8")
    report = diagnose_file(source, tmp_path / "out.csv", demo_engine(), progress=False)
    assert report.summary() == "4 rows: 3 diagnosed, 1 errors"
    assert read_frame(report.errors_path).loc[0, "row"] == 2


def test_an_unknown_column_is_refused_before_any_row(tmp_path: Path) -> None:
    source = write_input(demo_frame(3).rename(columns={"msisdn": "msisd"}), tmp_path / "in.csv")
    with pytest.raises(BatchInputError, match="did you mean 'msisdn'"):
        diagnose_file(source, tmp_path / "out.csv", demo_engine(), progress=False)


def test_an_interrupted_run_resumes_from_its_last_finished_chunk(tmp_path: Path) -> None:
    frame = demo_frame(50)
    source = write_input(frame, tmp_path / "in.csv")
    out = tmp_path / "out.csv"
    seen: list[int] = []

    def stop_after_three(index: int) -> None:
        seen.append(index)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        diagtree._batch.run.run_file(source, out, demo_engine(), chunk_size=10,
                                     on_chunk=stop_after_three)
    assert not out.exists() and (tmp_path / "out.csv.parts" / "manifest.jsonl").is_file()
    again: list[int] = []
    report = diagtree._batch.run.run_file(source, out, demo_engine(), chunk_size=10,
                                          resume=True, on_chunk=again.append)
    assert again == [3, 4] and report.resumed_chunks == 3
    assert report.summary() == "50 rows: 50 diagnosed, 0 errors"
    pd.testing.assert_frame_equal(read_frame(out), diagnose_frame(frame, demo_engine()).results)
    with pytest.raises(BatchInputError, match="cannot resume"):  # other options: refused
        (tmp_path / "out.csv.parts").mkdir()
        (tmp_path / "out.csv.parts" / "manifest.jsonl").write_text('{"version": 0}\n')
        diagnose_file(source, out, demo_engine(), chunk_size=10, resume=True)


# -- the command --------------------------------------------------------------------------------

def run_cli(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli_main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_command_prints_the_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = demo_frame(20)
    frame.loc[4, "msisdn"] = "1"
    source = write_input(frame, tmp_path / "in.parquet")
    code, out, err = run_cli("batch", str(source), "-o", str(tmp_path / "r.jsonl"), "--demo",
                             "--workers", "1", "--errors", str(tmp_path / "bad.csv"),
                             "--script", capsys=capsys)
    assert (code, out, err) == (0, "20 rows: 19 diagnosed, 1 errors\n", "")
    assert "script" in read_frame(tmp_path / "r.jsonl").columns
    assert read_frame(tmp_path / "bad.csv").loc[0, "field"] == "msisdn"


@pytest.mark.parametrize(("argv", "message"), [
    (["in.csv", "-o", "out.xlsx"], "unknown file type '.xlsx'"),
    (["in.csv", "-o", "out.csv", "--workers", "0"], "must be at least 1"),
    (["in.csv", "-o", "out.csv", "--chunk-size", "x"], "not a whole number"),
    (["in.csv", "-o", "out.csv", "--resume", "--scheduler", "tcp://x:1"], "--resume cannot"),
    (["in.csv", "-o", "out.csv", "--demo", "--data", "d"], "not allowed with"),
    (["in.csv", "-o", "out.csv", "--errors", "out.csv"], "--errors must not be OUT"),
])
def test_bad_options_are_usage_errors(argv: list[str], message: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli_main(["batch", *argv])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_unreadable_input_is_one_clear_line(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli("batch", str(tmp_path / "missing.csv"), "-o",
                             str(tmp_path / "o.csv"), "--workers", "1", capsys=capsys)
    assert code == 2 and out == ""
    assert err == f"diagtree batch: {tmp_path / 'missing.csv'}: no such file or folder\n"
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    code, _, err = run_cli("batch", str(bad), "-o", str(tmp_path / "o.csv"), "--workers", "1",
                           capsys=capsys)
    assert code == 2 and err.count("\n") == 1 and "cannot read as Parquet" in err


def test_parquet_without_pyarrow_is_one_clear_line(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The batch reader says pyarrow is missing (as the results reader does), so `batch` and
    `replay` give one line, never an ImportError's traceback."""
    source = write_input(demo_frame(2), tmp_path / "in.parquet")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    code, out, err = run_cli("batch", str(source), "-o", str(tmp_path / "o.csv"),
                             "--workers", "1", "--demo", capsys=capsys)
    assert (code, out) == (2, "")
    assert err == f"diagtree batch: {source}: reading Parquet needs pyarrow (pip install " \
                  "'diagtree[batch]')\n"


def test_a_killed_command_resumes(tmp_path: Path, city_spec: EngineSpec) -> None:
    """A real process killed (SIGKILL) after a few chunks; `--resume` finishes the job and
    the result is the uninterrupted one."""
    frame = city_frame(120)
    source = write_input(frame, tmp_path / "in.csv")
    out = tmp_path / "out.csv"
    manifest = tmp_path / "out.csv.parts" / "manifest.jsonl"
    assert city_spec.data is not None
    argv = [sys.executable, "-m", "diagtree", "batch", str(source), "-o", str(out),
            "--data", city_spec.data,
            "--workers", "1", "--chunk-size", "5"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if manifest.is_file() and manifest.read_text().count("\n") >= 4:  # run + 3 chunks
            break
        time.sleep(0.02)
    assert proc.poll() is None, "finished before it could be interrupted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not out.exists()
    finished = manifest.read_text().count("\n") - 1
    assert 3 <= finished < len(frame) // 5
    done = subprocess.run([*argv, "--resume"], capture_output=True, text=True, check=False,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{len(frame)} rows: {len(frame)} diagnosed, 0 errors\n"
    pd.testing.assert_frame_equal(read_frame(out),
                                  diagnose_frame(frame, engine_for(city_spec)).results)


def test_the_docs_state_the_frames_as_the_code_has_them() -> None:
    page = " ".join((Path(__file__).parents[1] / "docs" / "batch.md").read_text(
        encoding="utf-8").split())
    for columns in (COMPLAINT_COLUMNS, RESULT_COLUMNS, ERROR_COLUMNS):
        assert "`" + ", ".join(columns) in page, columns


def test_the_bench_prints_the_rate_and_the_memory_against_the_targets(tmp_path: Path) -> None:
    bench = Path(__file__).parents[1] / "bench" / "batch.py"
    run = subprocess.run([sys.executable, str(bench), "--rows", "300", "--workers", "1",
                          "--chunk-size", "100", "--format", "jsonl"],
                         capture_output=True, text=True, timeout=300, check=True)
    for label in ("300 rows: 300 diagnosed, 0 errors", "rows/s per worker", "target ≥ 25,000",
                  "peak", "target ≤ 1,024 MiB for 1 M rows: ratio"):
        assert label in run.stdout, (label, run.stdout)


def test_the_progress_bar_shows_the_rate_when_asked(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    source = write_input(demo_frame(10), tmp_path / "in.csv")
    code, out, err = run_cli("batch", str(source), "-o", str(tmp_path / "o.csv"), "--demo",
                             "--workers", "1", "--chunk-size", "5", "--progress", capsys=capsys)
    assert code == 0 and out == "10 rows: 10 diagnosed, 0 errors\n"
    assert "100%" in err and "rows/s" in err and "<00:00" in err  # the rate and time left


def test_a_lost_row_fails_the_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    from diagtree._batch import workers

    real = workers.diagnose_rows

    def losing(*args: Any) -> Any:
        outcome = real(*args)
        outcome.results.pop()
        return outcome

    monkeypatch.setattr(workers, "diagnose_rows", losing)
    source = write_input(demo_frame(4), tmp_path / "in.csv")
    code, out, err = run_cli("batch", str(source), "-o", str(tmp_path / "o.csv"), "--demo",
                             "--workers", "1", capsys=capsys)
    assert code == 1 and out == "4 rows: 3 diagnosed, 0 errors\n"
    assert "a row was lost" in err
