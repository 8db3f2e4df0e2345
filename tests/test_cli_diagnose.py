"""`diagtree diagnose`: options that do not fit together are a usage error (exit 2, argparse's
`diagtree diagnose: error: …` line), a file that cannot be read is named, never a traceback."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from diagtree._cli import main

from conftest import DATA, fuzz

SCENARIO = str(DATA / "spec_examples.yaml")
FLAGS = ["--type", "no_service", "--msisdn", "8613800000001", "--at",
         "2026-11-20T09:30:00+08:00", "--lat", "28.2282", "--lon", "112.9388"]


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as caught:
        main(["diagnose", *argv])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "diagtree diagnose: error: " in err and "Traceback" not in err
    return err


@pytest.mark.parametrize(("argv", "says"), [
    (["--demo", "--type", "no_service", "--msisdn", "8613800000001"],
     "--type, --msisdn cannot be used with --demo"),
    (["--demo", "--data", "somewhere"], "--data cannot be used with --demo"),
    (["--scenario", SCENARIO, "--data", "somewhere"], "--data cannot be used with --scenario"),
    (["--scenario", SCENARIO, "--complaint", "c.yaml"],
     "--complaint cannot be used with --scenario"),
    (["--scenario", SCENARIO, "--case", "example-ns-gap", "--lat", "1"],
     "--lat cannot be used with --scenario"),
    (["--case", "example-ns-gap"], "--case needs --scenario"),
    (["--demo", "--case", "x"], "--case needs --scenario"),
    (["--complaint", "c.yaml", "--msisdn", "8613800000001"],
     "--msisdn cannot be used with --complaint FILE"),
    (["--complaint", "c.yaml", "--case", "x"], "--case needs --scenario"),
    (["--demo", "--scenario", SCENARIO], "not allowed with argument --demo"),
    (["--locale", "en"], "give a complaint"),
    ([*FLAGS, "--region", "cn"], "is not a region code"),
    (["--demo", "--id", "X"], "--id cannot be used with --demo"),
])
def test_conflicting_options_are_a_usage_error(argv: list[str], says: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert says in _usage_error(argv, capsys)


def test_flags_with_data_and_a_file_with_data_are_fine(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    (data / "hlr").mkdir(parents=True)
    (data / "hlr" / "subscribers.csv").write_text(
        "msisdn,status\n8613800000001,service_granted\n", encoding="utf-8")
    assert main(["diagnose", *FLAGS, "--data", str(data), "--json"]) == 0
    flags = json.loads(capsys.readouterr().out)
    complaint = tmp_path / "c.json"
    complaint.write_text(json.dumps({
        "id": "CLI-1", "type": "no_service", "msisdn": "8613800000001",
        "reported_at": "2026-11-20T09:30:00+08:00",
        "location": {"lat": 28.2282, "lon": 112.9388}}), encoding="utf-8")
    assert main(["diagnose", "--complaint", str(complaint), "--data", str(data), "--json"]) == 0
    from_file = json.loads(capsys.readouterr().out)
    assert from_file["cause"] == flags["cause"]


@pytest.mark.parametrize(("name", "text", "says"), [
    ("list.json", "[1, 2]\n", "list.json: the complaint: expected a mapping, got a list"),
    ("list.yaml", "- 1\n- 2\n", "list.yaml: the complaint: expected a mapping, got a list"),
    ("empty.yaml", "", "empty.yaml: the complaint: expected a mapping, got nothing"),
    ("bad.json", '{\n  "id": "C1",\n}\n', "bad.json:3:1: not valid JSON"),
    ("deep.json", "[" * 100_000 + "]" * 100_000, "deep.json: the JSON nests too deeply"),
    ("bomb.yaml", "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)), "bomb.yaml:"),
    ("big.yaml", "id: '" + "x" * 600_000 + "'\n",
     "big.yaml: file is 600007 bytes; the limit is 512000"),
])
def test_an_unusable_complaint_file_is_named(name: str, text: str, says: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert main(["diagnose", "--complaint", str(path)]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_a_complaint_file_that_is_not_text_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(b"\xff\xfe{}")
    assert main(["diagnose", "--complaint", str(path)]) == 2
    assert "c.json: not UTF-8 text" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "says"), [
    # read as `diagtree test` reads scenario files (`load_cases`), each problem located
    ("cases: [1]\n", "s.yaml:1:9: error type_mismatch a case must be a mapping"),
    ("- 1\n", "s.yaml:1:1: error not_a_scenario_file a scenario file holds `cases: [...]`"),
    ("cases:\n  - id: a\n    complaint: [1]\n", "a case needs a `complaint` mapping"),
    ("cases:\n  - id: a\n    complaint: {type: no_service}\n    down: hlr\n",
     "s.yaml:4:11: error unknown_value `down` lists sources: hlr, billing, coverage"),
])
def test_a_malformed_scenario_is_a_named_error(text: str, says: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["diagnose", "--scenario", str(path)]) == 2
    err = capsys.readouterr().err
    assert says in err and "s.yaml" in err and "Traceback" not in err


def test_region_accepts_a_national_number(capsys: pytest.CaptureFixture[str]) -> None:
    national = [*FLAGS]
    national[national.index("8613800000001")] = "13800000001"
    assert main(["diagnose", *national]) == 2
    assert "complaint.msisdn" in capsys.readouterr().err
    assert main(["diagnose", *national, "--region", "CN", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["complaint_id"] == "CLI-1"


def test_a_demo_complaint_keeps_its_failing_source(capsys: pytest.CaptureFixture[str]) -> None:
    from diagtree_adapters import demo

    case = next(c for c in demo.demo_complaints() if c["down"])
    assert main(["diagnose", "--demo", "--complaint", case["complaint"]["id"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["unavailable"] == case["down"]


def test_a_real_process_reports_a_conflict_without_traceback(tmp_path: Path) -> None:
    listed = tmp_path / "list.json"
    listed.write_text("[]", encoding="utf-8")
    for argv, code, says in (
            (["--demo", "--type", "no_service"], 2, "--type cannot be used with --demo"),
            (["--complaint", str(listed)], 2, "list.json: the complaint: expected a mapping")):
        done = subprocess.run([sys.executable, "-m", "diagtree", "diagnose", *argv],
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == code, done.stderr
        assert says in done.stderr and "Traceback" not in done.stderr
        assert done.stdout == ""


# -- fuzz: combinations of the complaint's sources ---------------------------------------------
_OPTIONS = {
    "--demo": [], "--scenario": [SCENARIO], "--complaint": ["c.yaml"], "--case": ["x"],
    "--data": ["d"], "--type": ["no_service"], "--msisdn": ["8613800000001"],
    "--at": ["2026-11-20T09:30:00+08:00"], "--lat": ["1"], "--lon": ["2"],
    "--channel": ["app"], "--id": ["X"],
}
_FLAG_NAMES = {"--type", "--msisdn", "--at", "--lat", "--lon", "--channel", "--id"}


def _conflicts(chosen: set[str]) -> bool:
    """The rule, written independently of the CLI: exactly one complaint source, and nothing
    that source would ignore."""
    flags = bool(chosen & _FLAG_NAMES)
    if {"--demo", "--scenario"} <= chosen or ("--case" in chosen and "--scenario" not in chosen):
        return True
    if "--demo" in chosen:
        return flags or "--data" in chosen
    if "--scenario" in chosen:
        return flags or bool({"--complaint", "--data"} & chosen)
    if "--complaint" in chosen:
        return flags
    return not flags


@fuzz(200)
@given(chosen=st.sets(st.sampled_from(sorted(_OPTIONS)), max_size=6),
       junk=st.lists(st.sampled_from(["--lat", "--lon", "--locale", "--role", "--region"]),
                     max_size=1),
       value=st.text(max_size=8))
def test_fuzz_conflicting_combinations_are_usage_errors(chosen: set[str], junk: list[str],
                                                        value: str) -> None:
    argv = [part for name in sorted(chosen) for part in (name, *_OPTIONS[name])]
    bad_value = bool(junk) and not _valid(junk[0], value)
    if not (_conflicts(chosen) or bad_value):
        return  # a usable combination: it would diagnose (covered elsewhere)
    if bad_value:
        argv += [f"{junk[0]}={value}"]
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), \
            pytest.raises(SystemExit) as caught:
        main(["diagnose", *argv])
    assert caught.value.code == 2, (argv, err.getvalue())
    assert "error: " in err.getvalue() and "Traceback" not in err.getvalue()


def _valid(option: str, value: str) -> bool:
    if option in ("--lat", "--lon"):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return value in {"--locale": ("zh-CN", "en"), "--role": ("agent", "supervisor"),
                     "--region": phonenumbers.SUPPORTED_REGIONS}[option]
