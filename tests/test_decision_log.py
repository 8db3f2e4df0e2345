"""The decision log (`diagtree.DecisionLog`, `diagtree log verify`): records round-trip and
validate against the committed JSON Schema; a torn last line is skipped with every earlier
record intact; writers in several processes never mix lines; rotation keeps every record;
no full MSISDN or IMSI reaches the file; a replay finds a changed tree and nothing else."""

from __future__ import annotations

import asyncio
import functools
import json
import multiprocessing
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from diagtree import DecisionLog, Engine, shipped_trees
from diagtree._cli import main
from diagtree._decisions.log import read_log
from diagtree._decisions.record import record_schema
from diagtree._decisions.verify import Verifier, verify_log
from diagtree_adapters import demo, mock_sources, records_from_mapping

from conftest import fuzz

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "docs" / "decision-log.schema.json"
CASES = demo.demo_complaints()
RECORDS = demo.demo_records()
# the demo cases in a few symptoms, for speed: one of each symptom
BY_TYPE = list({c["complaint"]["type"]: c for c in CASES}.values())


def declared() -> list[Any]:
    """The facts the shipped adapters declare (what `log verify` types a replay by)."""
    return list(mock_sources(records_from_mapping({})))


@functools.cache
def sources_down(down: tuple[str, ...] = ()) -> list[Any]:
    """The demo city's sources (with `down` failing), built once each: they index the city."""
    return list(mock_sources(RECORDS, down=list(down)))


def lines(path: Path, since: int = 0) -> list[dict[str, Any]]:
    """The records of a log file, those written after byte `since`."""
    records = [entry.record for entry in read_log(path) if entry.record is not None]
    if since:
        with open(path, "rb") as f:
            skip = f.read(since).count(b"\n")
        records = records[skip:]
    return records


@pytest.fixture(scope="module")
def sources() -> list[Any]:
    return sources_down()


@pytest.fixture(scope="module")
def logging_engines(tmp_path_factory: Any) -> dict[bool, tuple[Engine, Path]]:
    """An engine logging masked, and one logging unmasked: each with its log file."""
    out = {}
    for mask in (True, False):
        path = tmp_path_factory.mktemp("log") / "d.jsonl"
        log = DecisionLog(path, mask=mask, fsync=False, strict=True)
        out[mask] = (Engine(sources=sources_down(), decision_log=log), path)
    return out


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


# -- the format ----------------------------------------------------------------------------------
def test_the_committed_schema_is_the_one_the_code_describes() -> None:
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    if os.environ.get("DIAGTREE_UPDATE_GOLDEN") == "1":
        SCHEMA_FILE.write_text(json.dumps(record_schema(), indent=2, ensure_ascii=False) + "\n",
                               encoding="utf-8")
        committed = record_schema()
    assert committed == record_schema(), ("docs/decision-log.schema.json is out of date: "
                                          "DIAGTREE_UPDATE_GOLDEN=1 rewrites it")
    jsonschema.Draft202012Validator.check_schema(committed)


@fuzz(10)
@given(case=st.sampled_from(CASES), mask=st.booleans())
def test_a_diagnosis_round_trips_and_its_record_validates(
        logging_engines: dict[bool, tuple[Engine, Path]], case: dict[str, Any],
        mask: bool) -> None:
    engine, path = logging_engines[mask]
    since = _size(path)
    diagnosis = engine.diagnose(case["complaint"], answers=case.get("answers") or {},
                                sources=sources_down(tuple(case.get("down") or ())))
    (record,) = lines(path, since)
    jsonschema.Draft202012Validator(record_schema()).validate(record)
    assert record["diagnosis"] == (diagnosis.for_log() if mask else diagnosis.to_dict())
    assert record["tree"] == {"id": diagnosis.tree_id, "version": diagnosis.tree_version,
                              "sha256": diagnosis.tree_sha256}
    assert record["kind"] == "diagnosis" and record["session"] is None
    assert record["answers"] == dict(case.get("answers") or {})
    # every source fact the trace shows is among the recorded facts (a replay needs them)
    for step in record["diagnosis"]["trace"]:
        for fact in step["facts"]:
            if fact["name"].startswith("complaint."):  # (they follow from the complaint)
                continue
            if fact["available"]:
                assert record["facts"][fact["name"]] == fact["value"]
            else:
                assert fact["name"] in record["unknown"]


def test_no_log_leaves_the_engine_as_it_was(sources: list[Any]) -> None:
    engine = Engine(sources=sources)
    assert engine._decision_log is None
    case = BY_TYPE[0]
    assert engine.diagnose(case["complaint"]).cause  # (nothing written anywhere)


def test_session_steps_are_logged_and_tied_together(tmp_path: Path, sources: list[Any]
                                                    ) -> None:
    path = tmp_path / "d.jsonl"
    engine = Engine(sources=sources, decision_log=DecisionLog(path, fsync=False))
    complaint = {"id": "S1", "type": "no_data", "msisdn": "8613800000001",
                 "reported_at": "2026-11-20T09:30:00+08:00",
                 "location": {"lat": 28.2282, "lon": 112.9388}}
    session = engine.session(complaint)
    first = session.question
    assert first is not None
    session.answer(first.id, first.options[0] if first.options else False)
    session.back()
    session.answer(first.id, first.options[0] if first.options else False)
    diagnosis = session.diagnosis()
    records = lines(path)
    ops = [r["step"]["op"] for r in records]
    assert ops == ["start", "answer", "back", "answer", "diagnosis"]
    assert len({r["session"] for r in records}) == 1 and records[0]["session"]
    assert records[0]["pending"]["question"]["id"] == first.id
    assert records[2]["step"]["question"] == first.id  # the answer taken back
    assert records[-1]["diagnosis"]["cause"] == diagnosis.cause
    schema = jsonschema.Draft202012Validator(record_schema())
    for record in records:
        schema.validate(record)
    resumed = engine.resume(session.state())
    assert lines(path)[-1]["step"]["op"] == "resume"
    assert lines(path)[-1]["session"] not in {records[0]["session"]}
    assert resumed.question == session.question
    report = verify_log([path], None, declared())
    assert report.count("same") == 6 and not report.failed, report.text()


def test_the_async_api_logs_the_same_steps(tmp_path: Path, sources: list[Any]) -> None:
    path = tmp_path / "d.jsonl"
    engine = Engine(sources=sources, decision_log=DecisionLog(path, fsync=False))
    complaint = {"id": "A1", "type": "no_data", "msisdn": "8613800000001",
                 "reported_at": "2026-11-20T09:30:00+08:00",
                 "location": {"lat": 28.2282, "lon": 112.9388}}

    async def run() -> str:
        await engine.adiagnose(complaint)
        session = await engine.asession(complaint)
        first = session.question
        assert first is not None
        await session.aanswer(first.id, first.options[0] if first.options else False)
        await session.aback()
        resumed = await engine.aresume(session.state())
        return (await resumed.adiagnosis()).cause

    cause = asyncio.run(run())
    records = lines(path)
    assert [(r["kind"], r["step"] and r["step"]["op"]) for r in records] == [
        ("diagnosis", None), ("session_step", "start"), ("session_step", "answer"),
        ("session_step", "back"), ("session_step", "resume"), ("diagnosis", "diagnosis")]
    assert records[-1]["diagnosis"]["cause"] == cause
    assert records[0]["facts"] and records[0]["diagnosis"]["cause"]
    report = verify_log([path], None, declared())
    assert report.count("same") == 6, report.text()


# -- crash safety ----------------------------------------------------------------------------------
def _write(path: Path, count: int, *, tag: str = "", **options: Any) -> list[str]:
    log = DecisionLog(path, fsync=False, strict=True, **options)
    ids = []
    for i in range(count):
        record = {"format": "diagtree.decision", "version": 1,
                  "id": f"{tag}{i:04d}".ljust(32, "0"), "payload": "x" * (i % 7)}
        found = log.append(record)
        assert found is not None
        ids.append(found)
    log.close()
    return ids


@fuzz(25)
@given(count=st.integers(1, 6), cut=st.floats(0, 1, exclude_max=True))
def test_a_torn_last_line_is_skipped_and_every_earlier_record_survives(
        tmp_path_factory: Any, count: int, cut: float) -> None:
    path = tmp_path_factory.mktemp("torn") / "d.jsonl"
    ids = _write(path, count)
    data = path.read_bytes()
    last_start = data.rstrip(b"\n").rfind(b"\n") + 1
    offset = last_start + int(cut * (len(data) - last_start))  # anywhere in the last line
    path.write_bytes(data[:offset])
    entries = list(read_log(path))
    good = [e.record["id"] for e in entries if e.record is not None]
    assert good == ids[:-1]
    if offset > last_start:
        assert entries[-1].record is None and entries[-1].line == count
        assert entries[-1].problem is not None and "torn" in entries[-1].problem
    # the next writer starts on a new line: the torn one stays apart, the new record is whole
    # (a line cut just before its end of line was whole: it is read again)
    more = _write(path, 1, tag="f")
    after = list(read_log(path))
    whole = ids[-1:] if offset == len(data) - 1 else []
    assert [e.record["id"] for e in after if e.record is not None] == [*ids[:-1], *whole,
                                                                       *more]
    assert all(e.problem is None or "not a JSON record" in e.problem for e in after)


def _worker(path: str, tag: str, count: int, max_bytes: int | None) -> None:
    _write(Path(path), count, tag=tag, max_bytes=max_bytes, keep=None)


@fuzz(2)
@given(writers=st.integers(2, 4), max_bytes=st.sampled_from([None, 2000]))
def test_writers_in_several_processes_never_mix_lines(tmp_path_factory: Any, writers: int,
                                                      max_bytes: int | None) -> None:
    path = tmp_path_factory.mktemp("procs") / "d.jsonl"
    context = multiprocessing.get_context("fork")
    procs = [context.Process(target=_worker, args=(str(path), f"w{n}-", 40, max_bytes))
             for n in range(writers)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    log = DecisionLog(path, max_bytes=max_bytes, keep=None)
    entries = list(log.read())
    assert [e for e in entries if e.record is None] == []
    ids = [e.record["id"] for e in entries if e.record is not None]
    assert len(ids) == len(set(ids)) == writers * 40
    for n in range(writers):  # each writer's records in the order it wrote them
        mine = [i for i in ids if i.startswith(f"w{n}-")]
        assert mine == sorted(mine)
    if max_bytes is not None:
        assert len(log.files()) > 1
        assert all(f.stat().st_size <= max_bytes for f in log.files())


@fuzz(15)
@given(count=st.integers(1, 40), max_bytes=st.integers(60, 600), keep=st.none())
def test_rotation_keeps_every_record(tmp_path_factory: Any, count: int, max_bytes: int,
                                     keep: None) -> None:
    path = tmp_path_factory.mktemp("rot") / "d.jsonl"
    ids = _write(path, count, max_bytes=max_bytes, keep=keep)
    log = DecisionLog(path)
    assert [e.record["id"] for e in log.read() if e.record is not None] == ids
    for file in log.files()[:-1]:  # each rotated file is whole lines
        assert file.read_bytes().endswith(b"\n")


def test_threads_sharing_one_log_never_mix_lines(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    log = DecisionLog(path, fsync=False, strict=True, max_bytes=3000, keep=None)

    def write(tag: str) -> None:
        for i in range(60):
            assert log.append({"format": "diagtree.decision", "version": 1,
                               "id": f"{tag}{i:04d}", "pad": "y" * (i % 13)}) is not None

    threads = [threading.Thread(target=write, args=(f"t{n}-",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = list(log.read())
    assert [e for e in entries if e.record is None] == []
    assert sorted(e.record["id"] for e in entries if e.record is not None) == sorted(
        f"t{n}-{i:04d}" for n in range(4) for i in range(60))


def test_rotation_keeps_only_the_newest_files_when_told(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    ids = _write(path, 30, max_bytes=200, keep=2)
    log = DecisionLog(path)
    assert len(log.files()) == 3
    kept = [e.record["id"] for e in log.read() if e.record is not None]
    assert kept == ids[-len(kept):]


# -- masking -------------------------------------------------------------------------------------
def _groups(digits: str, sizes: list[int], sep: str) -> str:
    out, i = [], 0
    for size in sizes:
        out.append(digits[i:i + size])
        i += size
    out.append(digits[i:])
    return sep.join(p for p in out if p)


@fuzz(25)
@given(tail=st.text("0123456789", min_size=8, max_size=8),
       imsi_tail=st.text("0123456789", min_size=10, max_size=10),
       sep=st.sampled_from(["", " ", "-"]), plus=st.booleans(),
       case=st.sampled_from(BY_TYPE))
def test_no_full_msisdn_or_imsi_reaches_the_file(
        logging_engines: dict[bool, tuple[Engine, Path]], tmp_path_factory: Any, tail: str,
        imsi_tail: str, sep: str, plus: bool, case: dict[str, Any]) -> None:
    msisdn, imsi = "86138" + tail, "46000" + imsi_tail
    written = ("+" if plus else "") + _groups(msisdn, [2, 3, 4], sep)
    engine, shared = logging_engines[True]
    since = _size(shared)
    complaint = {**case["complaint"], "msisdn": msisdn, "id": f"C {written}",
                 "text": f"my number {written}, imsi {imsi}"}
    diagnosis = engine.diagnose(complaint, answers=case.get("answers") or {})
    path = tmp_path_factory.mktemp("mask") / "d.jsonl"
    log = DecisionLog(path, fsync=False, strict=True)
    with open(shared, "rb") as f:  # the engine's record, then one written by hand
        f.seek(since)
        path.write_bytes(f.read())
    from diagtree import parse_complaint

    log.record_diagnosis(diagnosis, parse_complaint(complaint),
                         facts={"hlr.imsi": imsi, "hlr.imsi_number": int(imsi),
                                "hlr.note": f"forwarded to {written}",
                                "hlr.list": [msisdn, imsi]})
    raw = path.read_bytes()
    flat = raw.replace(b" ", b"").replace(b"-", b"")
    for number in (msisdn, imsi):
        assert number.encode() not in raw and number.encode() not in flat
    assert len(lines(path)) == 2
    # unmasked when told: the same numbers are there
    plain = tmp_path_factory.mktemp("plain") / "d.jsonl"
    DecisionLog(plain, mask=False, fsync=False).record_diagnosis(
        diagnosis, parse_complaint(complaint), facts={"hlr.imsi": imsi})
    assert imsi.encode() in plain.read_bytes()


# -- verify --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def logged(tmp_path_factory: Any) -> Path:
    """A masked log of one diagnosis per demo symptom, and a session."""
    path = tmp_path_factory.mktemp("verify") / "d.jsonl"
    engine = Engine(sources=sources_down(), decision_log=DecisionLog(path, fsync=False))
    for case in BY_TYPE:
        engine.diagnose(case["complaint"], answers=case.get("answers") or {},
                        sources=sources_down(tuple(case.get("down") or ())))
    roaming = next(c for c in CASES if c["complaint"]["type"] == "roaming_failure")
    session = engine.session(roaming["complaint"])
    while (q := session.question) is not None:
        session.answer(q.id, q.options[0] if q.options else False)
    session.diagnosis()
    return path


def _edited_trees(tmp: Path, old: str, new: str) -> Path:
    trees = tmp / "trees"
    shutil.copytree(shipped_trees(), trees, ignore=shutil.ignore_patterns("__pycache__"))
    tree = trees / "roaming_failure.yaml"
    text = tree.read_text(encoding="utf-8")
    assert old in text
    tree.write_text(text.replace(old, new), encoding="utf-8")
    return trees


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier(None, declared())


@fuzz(10)
@given(case=st.sampled_from(CASES))
def test_every_logged_decision_replays_the_same_on_the_same_trees(
        logging_engines: dict[bool, tuple[Engine, Path]], verifier: Verifier,
        case: dict[str, Any]) -> None:
    engine, path = logging_engines[True]
    since = _size(path)
    engine.diagnose(case["complaint"], answers=case.get("answers") or {},
                    sources=sources_down(tuple(case.get("down") or ())))
    with open(path, "rb") as f:
        first = f.read(since).count(b"\n") + 1
    (entry,) = [e for e in read_log(path) if e.line >= first]
    verdict = verifier.verdict(entry)
    assert (verdict.status, verdict.changes, verdict.missing) == ("same", (), ()), verdict


def test_verify_reports_no_change_on_the_same_trees(logged: Path) -> None:
    report = verify_log([logged], None, declared())
    assert report.count("same") == len(report.verdicts) > len(BY_TYPE)
    assert not report.failed and report.skipped == ()
    assert main(["log", "verify", str(logged)]) == 0


def test_verify_finds_a_changed_tree(logged: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    trees = _edited_trees(tmp_path, "    yes: roaming_not_enabled\n    no: investigate",
                          "    yes: investigate\n    no: roaming_not_enabled")
    report = verify_log([logged], trees, declared())
    changed = [v for v in report.verdicts if v.status == "changed"]
    roaming = [v for v in report.verdicts
               if v.tree_before.startswith("roaming_failure")]
    assert changed and {v.line for v in changed} <= {v.line for v in roaming}
    causes = [c for v in changed for c in v.changes if c[0] == "cause"]
    assert causes and all(before != after for _, before, after in causes)
    assert report.count("same") + len(changed) == len(report.verdicts)
    assert main(["log", "verify", str(logged), "--trees", str(trees), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["changed"] == len(changed)
    assert main(["log", "verify", str(logged), "--trees", str(trees)]) == 1
    text = capsys.readouterr().out
    assert "CHANGED" in text and "cause: " in text and f"{logged}:" in text


def test_verify_names_facts_a_changed_tree_reads_that_the_log_lacks(logged: Path,
                                                                     tmp_path: Path) -> None:
    trees = _edited_trees(tmp_path, "check: not hlr.found or",
                          "check: hlr.forwarding.unconditional == \"x\" or not hlr.found or")
    report = verify_log([logged], trees, declared())
    incomplete = [v for v in report.verdicts if v.status == "incomplete"]
    assert incomplete and all(v.missing == ("hlr.forwarding.unconditional",)
                              for v in incomplete)
    assert report.failed


def test_verify_skips_torn_and_unreadable_lines_by_number(logged: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    path = tmp_path / "d.jsonl"
    good = logged.read_bytes().splitlines(keepends=True)
    path.write_bytes(good[0] + b"not json\n" + b'{"format": "other"}\n' + good[1]
                     + good[2][:40])
    report = verify_log([path], None, declared())
    assert [line for _, line, _ in report.skipped] == [2, 3, 5]
    assert report.count("same") == 2 and not report.failed
    assert main(["log", "verify", str(path)]) == 0
    text = capsys.readouterr().out
    assert f"SKIPPED    {path}:5  torn" in text and f"{path}:2  not a JSON record" in text
    assert main(["log", "verify", str(tmp_path / "none.jsonl")]) == 2


def test_diagnose_log_option_appends_a_masked_record(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    path = tmp_path / "cli.jsonl"
    assert main(["diagnose", "--demo", "--log", str(path), "--json"]) == 0
    assert main(["diagnose", "--demo", "--log", str(path)]) == 0
    capsys.readouterr()
    records = lines(path)
    assert len(records) == 2 and records[0]["masked"] is True
    assert "*" in records[0]["complaint"]["msisdn"]
    assert main(["log", "verify", str(path), "--rotated", "--all"]) == 0
    assert capsys.readouterr().out.count("SAME") == 2

