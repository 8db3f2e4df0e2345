"""Tree versions: the version in force at the complaint's reported date decides."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from diagtree import AuthoringError, Engine, shipped_trees

from conftest import example, sources_for

NEW_RECYCLED = """
subtree: number_recycled
version: "2.0.0"
effective_from: "2026-12-01"
title: {zh-CN: 号码是否已被回收, en: Has the number been reclaimed}
changelog:
  - {version: "2.0.0", date: "2026-11-22", note: suspended numbers count as reclaimed too}
exits: [clear]
start: reclaimed
nodes:
  reclaimed:
    check: hlr.number_state in ["reclaimed", "suspended"]
    yes: recycled
    no: clear
  recycled:
    outcome: subscriber.number_recycled
    values:
      suspended_since: hlr.suspended_since
  clear:
    exit: clear
"""


@pytest.fixture
def trees(tmp_path: Path) -> Path:
    dest = tmp_path / "trees"
    shutil.copytree(shipped_trees(), dest,
                    ignore=shutil.ignore_patterns("__pycache__", "*.py", "scenarios"))
    (dest / "shared" / "number_recycled@2.yaml").write_text(NEW_RECYCLED, encoding="utf-8")
    return dest


def test_the_version_in_force_on_the_reported_date_is_used(trees: Path) -> None:
    case = example("example-ns-outage")
    case["sources"]["hlr"]["subscribers"][0]["number_state"] = "suspended"
    engine = Engine(trees, sources=sources_for(case))
    before = engine.diagnose({**case["complaint"], "reported_at": "2026-11-30T23:59:00+08:00"})
    after = engine.diagnose({**case["complaint"], "reported_at": "2026-12-01T00:01:00+08:00"})
    assert before.cause == "network.site_outage"  # v1: a suspended number is not reclaimed
    assert after.cause == "subscriber.number_recycled"  # v2 from 2026-12-01
    assert before.tree_sha256 != after.tree_sha256
    # the date is the complaint's own calendar date: 2026-11-30 16:30 UTC is 12-01 in +08:00
    utc = engine.diagnose({**case["complaint"], "reported_at": "2026-11-30T16:30:00+00:00"})
    assert utc.cause == "network.site_outage"


def test_two_versions_without_effective_from_are_ambiguous(trees: Path) -> None:
    text = NEW_RECYCLED.replace('effective_from: "2026-12-01"\n', "")
    (trees / "shared" / "number_recycled@2.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(AuthoringError, match="ambiguous_version"):
        Engine(trees, sources=sources_for(example("example-ns-outage")))


def test_a_combination_in_force_is_checked_at_load(trees: Path) -> None:
    broken = NEW_RECYCLED.replace("exits: [clear]", "exits: [clear, other]").replace(
        "  clear:\n    exit: clear", "  clear:\n    exit: clear\n  other:\n    exit: other")
    broken = broken.replace("no: clear", "no: other")
    (trees / "shared" / "number_recycled@2.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(AuthoringError, match="unmapped_exit"):
        Engine(trees, sources=sources_for(example("example-ns-outage")))


def test_diff_lists_changes_an_author_reads(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from diagtree._cli import main

    old = shipped_trees() / "no_service.yaml"
    text = old.read_text(encoding="utf-8")
    text = text.replace('version: "1.1.0"', 'version: "1.2.0"\neffective_from: "2027-01-01"', 1)
    text = text.replace("    yes: other_phone\n    no: investigate",
                        "    yes: investigate\n    no: other_phone")
    text = text.replace('hlr.status in ["not_provisioned", "deleted"]',
                        'hlr.status == "deleted"')
    text = text.replace("  investigate:\n", "  investigate_more:\n    outcome: device.sim_fault\n"
                        "  investigate:\n")
    new = tmp_path / "no_service.yaml"
    new.write_text(text, encoding="utf-8")
    assert main(["diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "~ version: 1.1.0 → 1.2.0" in out
    assert "~ effective_from: None → 2027-01-01" in out
    assert '→ check hlr.found == false or hlr.status == "deleted"' in out
    assert ("node sim: yes now → outcome unknown.needs_investigation "
            "(was node other_phone)") in out
    assert "+ node investigate_more: outcome device.sim_fault" in out
    assert out.strip().splitlines()[-1].startswith("6 change(s)")


def test_diff_of_a_broken_file_is_located(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from diagtree._cli import main

    bad = tmp_path / "bad.yaml"
    bad.write_text("tree: x\nversion: '1'\ntitle: T\nsymptoms: [no_service]\nstart: a\n"
                   "nodes:\n  a: {check: hlr.nope, yes: a, no: a}\n", encoding="utf-8")
    assert main(["diff", str(shipped_trees() / "no_service.yaml"), str(bad)]) == 1
    assert "bad.yaml:7:14: error unknown_fact" in capsys.readouterr().out
