"""Version replay (`diagtree replay`, docs/report.md): the same complaints through two versions
of the trees — folders, refs of a real git repository, or a decision log's recorded facts.

The edit replayed: weak_signal walks the radio conditions before the location events (the
taxonomy's precedence reversed), so a complaint with both an outage and a coverage gap moves
from `network.site_outage` to the gap, and every other weak_signal walk changes its path.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from diagtree import DecisionLog, Engine
from diagtree._cli import main
from diagtree._replay.compare import Case, replay_cases
from diagtree._testing.scenarios import load_cases
from diagtree._walk.engine import shipped_trees
from diagtree_adapters import mock_sources, records_from_mapping

OLD_ORDER = """start: location
nodes:
  location:
    use: location_events
    exits: {clear: radio}
  radio:
    use: voice_radio_interference
    exits: {clear: investigate}
"""
NEW_ORDER = """start: radio
nodes:
  radio:
    use: voice_radio_interference
    exits: {clear: location}
  location:
    use: location_events
    exits: {clear: investigate}
"""
MOVER = "ws-outage-beats-gap-and-weak"


def _copy_trees(to: Path) -> Path:
    shutil.copytree(shipped_trees(), to, ignore=shutil.ignore_patterns(
        "__pycache__", "scenarios", "__init__.py"))
    return to


def _edit(trees: Path) -> None:
    tree = trees / "weak_signal.yaml"
    text = tree.read_text(encoding="utf-8")
    assert OLD_ORDER in text
    tree.write_text(text.replace(OLD_ORDER, NEW_ORDER), encoding="utf-8")


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("sides")
    old = _copy_trees(base / "old")
    new = _copy_trees(base / "new")
    _edit(new)
    return old, new


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    found, problems = load_cases([shipped_trees() / "scenarios" / "weak_signal.yaml"])
    assert not problems
    return [Case({"id": c.id, **c.complaint}, c.answers,
                 tuple(mock_sources(records_from_mapping(c.sources), down=list(c.down))), c.id)
            for c in found]


def _declaring() -> list[object]:
    return list(mock_sources(records_from_mapping({})))


def test_a_dir_to_dir_replay_moves_what_the_edit_moves(sides: tuple[Path, Path],
                                                       cases: list[Case]) -> None:
    old, new = sides
    replay = replay_cases(cases, old, new, sources=_declaring())
    assert replay.replayed == len(cases) and not replay.skipped
    assert sum(n for _, _, n in replay.transitions) == len(cases)
    moved = {m.complaint_id: m for m in replay.moved}
    mover = next(c for c in cases if c.where == MOVER)
    m = moved[mover.complaint["id"]]
    assert m.old_cause == "network.site_outage"
    assert m.new_cause in ("network.known_coverage_gap", "network.weak_coverage")
    assert m.old_path.startswith("location/") and m.new_path.startswith("radio/")
    assert ("network.site_outage", m.new_cause) in {(a, b) for a, b, _ in replay.transitions}
    assert replay.changed_causes >= 1
    # the transition table's first rows are the changes; the text says each
    text = replay.text()
    assert "* network.site_outage" in text and "before: location/" in text


def test_a_replay_of_the_same_trees_moves_nothing(sides: tuple[Path, Path],
                                                  cases: list[Case]) -> None:
    old, _ = sides
    replay = replay_cases(cases, old, old, sources=_declaring())
    assert replay.moved == () and replay.changed_causes == 0
    assert all(a == b for a, b, _ in replay.transitions)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                    "-c", "commit.gpgsign=false", *args], cwd=repo, check=True,
                   capture_output=True)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real git repository with two commits: the trees, then the edit."""
    root = tmp_path_factory.mktemp("repo")
    _git(root, "init", "-q")
    _copy_trees(root / "trees")
    _git(root, "add", "trees")
    _git(root, "commit", "-q", "-m", "the trees")
    _edit(root / "trees")
    _git(root, "commit", "-q", "-am", "weak_signal: radio before location")
    return root


def _one_case_input(where: Path) -> tuple[Path, Path]:
    """The mover as a complaints file, and its records as a --data file."""
    found, _ = load_cases([shipped_trees() / "scenarios" / "weak_signal.yaml"])
    case = next(c for c in found if c.id == MOVER)
    complaints = where / "complaints.yaml"
    complaints.write_text(yaml.safe_dump({"cases": [{"id": case.id,
                                                     "complaint": case.complaint,
                                                     "answers": case.answers}]},
                                         allow_unicode=True), encoding="utf-8")
    records = where / "records.yaml"
    records.write_text(yaml.safe_dump({"sources": case.sources}, allow_unicode=True),
                       encoding="utf-8")
    return complaints, records


def test_a_replay_between_two_git_refs(repo: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    complaints, records = _one_case_input(tmp_path)
    moved_csv = tmp_path / "moved.csv"
    monkeypatch.chdir(repo)
    code = main(["replay", "--old", "HEAD~1", "--new", "HEAD", str(complaints),
                 "--data", str(records), "--json", "-o", str(moved_csv)])
    assert code == 0, capsys.readouterr().err
    out = json.loads(capsys.readouterr().out)
    assert out["old"].startswith("HEAD~1 (") and out["new"].startswith("HEAD (")
    assert out["summary"] == {"replayed": 1, "moved": 1, "cause_changed": 1, "skipped": 0}
    [row] = out["transitions"]
    assert row["old_cause"] == "network.site_outage" and row["complaints"] == 1
    with moved_csv.open(encoding="utf-8") as f:
        [moved] = list(csv.DictReader(f))
    assert moved["old_cause"] == "network.site_outage"
    assert moved["old_path"].split(">")[0].startswith("location/")
    assert moved["new_path"].split(">")[0].startswith("radio/")
    # the text form: the transition table and the paths
    assert main(["replay", "--old", "HEAD~1:trees", "--new", "HEAD", str(complaints),
                 "--data", str(records)]) == 0
    text = capsys.readouterr().out
    assert "transitions" in text and "before: location/" in text and "after:  radio/" in text


@pytest.mark.parametrize(("old", "said"), [
    ("no-such-ref", "neither a folder nor a known git ref"),
    ("HEAD:nowhere", "no folder nowhere/ at HEAD"),
    ("-x", "neither a folder nor a git ref"),
])
def test_a_bad_ref_is_a_clear_error(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str], old: str,
                                    said: str) -> None:
    complaints, records = _one_case_input(tmp_path)
    monkeypatch.chdir(repo)
    assert main(["replay", f"--old={old}", "--new", "HEAD", str(complaints),
                 "--data", str(records)]) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err


def test_outside_a_repository_a_ref_is_refused(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    complaints, records = _one_case_input(tmp_path)
    outside = tmp_path / "plain"
    outside.mkdir()
    monkeypatch.chdir(outside)
    assert main(["replay", "--old", "HEAD~1", "--new", "HEAD", str(complaints),
                 "--data", str(records)]) == 2
    assert "is not inside a git repository" in capsys.readouterr().err


def test_a_decision_log_replays_from_its_recorded_facts(sides: tuple[Path, Path],
                                                        cases: list[Case], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    """Logged on the old trees, replayed from the log alone (no records): the same
    transitions as replaying the complaints with their records."""
    old, new = sides
    log = tmp_path / "decisions.jsonl"
    with DecisionLog(log) as sink:
        engine = Engine(old, sources=_declaring(), decision_log=sink)
        for case in cases:
            engine.diagnose(case.complaint, answers=case.answers, sources=case.sources)
    assert main(["replay", "--old", str(old), "--new", str(new), str(log), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    direct = replay_cases(cases, old, new, sources=_declaring())
    assert out["summary"]["replayed"] == len(cases)
    assert {(t["old_cause"], t["new_cause"], t["complaints"]) for t in out["transitions"]} \
        == set(direct.transitions)
    assert sorted(m["complaint_id"] for m in out["moved"]) \
        == sorted(m.complaint_id for m in direct.moved)


def test_a_complaints_frame_with_a_bad_row_lists_it_as_skipped(
        sides: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = sides
    _, records = _one_case_input(tmp_path)
    found, _ = load_cases([shipped_trees() / "scenarios" / "weak_signal.yaml"])
    c = {"id": MOVER, **next(c for c in found if c.id == MOVER).complaint}
    frame = tmp_path / "complaints.csv"
    frame.write_text(
        "id,type,msisdn,reported_at,location.lat,location.lon\n"
        f"{c['id']},{c['type']},{c['msisdn']},{c['reported_at']},{c['location']['lat']},"
        f"{c['location']['lon']}\n"
        f"BAD-1,weak_signal,not-a-number,{c['reported_at']},1,2\n", encoding="utf-8")
    assert main(["replay", "--old", str(old), "--new", str(new), str(frame),
                 "--data", str(records), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["replayed"] == 1 and out["summary"]["moved"] == 1
    [skipped] = out["skipped"]
    assert skipped["where"].endswith("complaints.csv: row 2") and "msisdn" in skipped["reason"]


def test_missing_records_is_a_usage_error(sides: tuple[Path, Path], tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    old, new = sides
    complaints, _ = _one_case_input(tmp_path)
    assert main(["replay", "--old", str(old), "--new", str(new), str(complaints)]) == 2
    assert "--data DIR" in capsys.readouterr().err


def test_a_demo_data_folder_is_replayed_with_its_records(sides: tuple[Path, Path],
                                                         tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    """A folder laid out as `diagtree demo-data` writes it: complaints.yaml beside the record
    files of each source."""
    old, new = sides
    found, _ = load_cases([shipped_trees() / "scenarios" / "weak_signal.yaml"])
    case = next(c for c in found if c.id == MOVER)
    folder = tmp_path / "city"
    folder.mkdir()
    for source, tables in case.sources.items():
        (folder / f"{source}.yaml").write_text(yaml.safe_dump(tables, allow_unicode=True),
                                               encoding="utf-8")
    (folder / "complaints.yaml").write_text(yaml.safe_dump({"cases": [
        {"id": MOVER, "complaint": {"id": MOVER, **case.complaint}, "answers": case.answers,
         "expect": case.expect}]}, allow_unicode=True), encoding="utf-8")
    assert main(["replay", "--old", str(old), "--new", str(new), str(folder), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["replayed"] == 1
    assert [m["complaint_id"] for m in out["moved"]] == [MOVER]


def test_a_complaints_frame_carries_the_answers_as_diagtree_batch_reads_them(
        sides: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The frame is read by the batch's reader: the answer column reaches the question (the
    customer's airplane mode), a bad answer is a skipped row naming its column, an unknown
    column is refused before any row."""
    old, new = sides
    found, _ = load_cases([shipped_trees() / "scenarios" / "no_service.yaml"])
    case = next(c for c in found if c.id == "ns-settings-airplane-mode")
    c = {"id": case.id, **case.complaint}
    records = tmp_path / "records.yaml"
    records.write_text(yaml.safe_dump({"sources": case.sources}, allow_unicode=True),
                       encoding="utf-8")
    head = "id,type,msisdn,reported_at,location.lat,location.lon,answer.airplane_mode\n"
    row = (f"{c['type']},{c['msisdn']},{c['reported_at']},{c['location']['lat']},"
           f"{c['location']['lon']}")
    frame = tmp_path / "complaints.csv"
    frame.write_text(head + f"A,{row},Yes\nB,{row},\nC,{row},perhaps\n", encoding="utf-8")
    argv = ["replay", "--old", str(old), "--new", str(new), str(frame), "--data", str(records),
            "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert {(t["old_cause"], t["complaints"]) for t in out["transitions"]} == {
        ("device.settings", 1), ("unknown.needs_investigation", 1)}
    [skipped] = out["skipped"]
    assert skipped["where"].endswith("row 3") and "answer.airplane_mode" in skipped["reason"]
    frame.write_text(head.replace("answer.airplane_mode", "answer.airplane") + f"A,{row},yes\n",
                     encoding="utf-8")
    assert main(argv) == 2
    assert "did you mean 'answer.airplane_mode'" in capsys.readouterr().err
