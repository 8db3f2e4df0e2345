"""The taxonomy page (``docs/taxonomy.md``) is generated, agrees with the code, and the
repository stands on its own.

1. ``docs/taxonomy.md`` is exactly `render_taxonomy_docs()` (``DIAGTREE_UPDATE_GOLDEN=1``
   rewrites it), and the generator's prose tables name every code of the vocabulary once.
2. What the prose says and the code also encodes agrees: the ODB table with the HLR adapter's,
   the applicability table with the lint rule's, §8's rulings with the tags the scenarios use.
3. No tracked file cites the project's out-of-tree material (the folder beside the repository
   that held the specs and design notes): the docs pages are what everything cites. The folder
   ``trees/shared/`` of shared sub-trees is not that and stays allowed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from diagtree._author.taxonomy_docs import (
    CATEGORY_TEXT,
    CAUSE_EVIDENCE,
    DECIDING_QUESTIONS,
    DEPARTMENT_TEXT,
    ODB_BARS,
    PRECEDENCE,
    SYMPTOM_TEXT,
    precedence_for,
    render_taxonomy_docs,
    ruling_pins,
)
from diagtree._lint.rules.unreachable_cause import APPLIES
from diagtree._vocab.taxonomy import CATEGORIES, CAUSES, DEPARTMENTS, STANDARD_QUESTIONS, SYMPTOMS

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "taxonomy.md"


# -- 1. the page ------------------------------------------------------------------------------
def test_taxonomy_md_is_generated() -> None:
    text = render_taxonomy_docs()
    if os.environ.get("DIAGTREE_UPDATE_GOLDEN") == "1":
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, (
        "docs/taxonomy.md is stale: run DIAGTREE_UPDATE_GOLDEN=1 .venv/bin/pytest "
        "tests/test_taxonomy_docs.py")


def test_the_deciding_questions_are_standard_and_decide_device_settings() -> None:
    assert set(DECIDING_QUESTIONS) <= set(STANDARD_QUESTIONS)
    assert all(f"`{q}`" in CAUSE_EVIDENCE["device.settings"][0] for q in DECIDING_QUESTIONS)


def test_the_prose_tables_cover_the_vocabulary() -> None:
    assert list(SYMPTOM_TEXT) == list(SYMPTOMS)
    assert list(CATEGORY_TEXT) == list(CATEGORIES)
    assert list(DEPARTMENT_TEXT) == list(DEPARTMENTS)
    assert list(CAUSE_EVIDENCE) == list(CAUSES)


def test_the_precedence_orders_every_cause_once() -> None:
    ordered = [c for _step, _why, causes in PRECEDENCE for c in causes]
    assert len(ordered) == len(set(ordered))
    # unknown.data_unavailable is not a step: it replaces any step a down source leaves open
    assert sorted(ordered) == sorted(c for c in CAUSES if c != "unknown.data_unavailable")


def test_every_symptom_row_lists_what_applies_in_precedence_order() -> None:
    assert set(APPLIES) == set(SYMPTOMS)
    for symptom in SYMPTOMS:
        order = precedence_for(symptom)
        assert set(order) == {*APPLIES[symptom], "unknown.needs_investigation"}, symptom
    # the no_service exception (§8.1): the number, then the location event, then barring
    ns = precedence_for("no_service")
    assert ns.index("subscriber.number_recycled") < ns.index("network.site_outage") \
        < ns.index("billing.suspended_arrears")
    dd = precedence_for("cannot_call_out")
    assert dd.index("billing.suspended_arrears") < dd.index("network.site_outage")


def test_the_page_shows_each_symptom_with_its_tree_and_each_question() -> None:
    text = render_taxonomy_docs()
    for symptom in SYMPTOMS:
        assert re.search(rf"^\| `{symptom}` \| .* \| `{symptom}\.yaml` \d", text, re.M), symptom
    for qid in STANDARD_QUESTIONS:
        assert f"| `{qid}` |" in text
    assert "| `agent` | 50 CNY |" in text  # from policy.yaml


def test_a_folder_with_a_broken_file_is_refused(tmp_path: Path) -> None:
    from diagtree import shipped_trees

    for name in ("outcomes.yaml", "policy.yaml", "script_rules.yaml", "no_service.yaml"):
        shutil.copy(shipped_trees() / name, tmp_path / name)
    assert "`no_service.yaml` 1." in render_taxonomy_docs(tmp_path)
    assert "| `weak_signal` | 信号弱 | poor or fluctuating signal, typically indoors | none |" \
        in render_taxonomy_docs(tmp_path)
    (tmp_path / "policy.yaml").write_text("policy: [unclosed\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"policy\.yaml"):
        render_taxonomy_docs(tmp_path)


# -- 2. prose against code --------------------------------------------------------------------
def test_the_odb_table_is_the_hlr_adapters() -> None:
    from diagtree_adapters._hlr import BARS

    barred = {s for s, causes in APPLIES.items() if "billing.suspended_arrears" in causes}
    mine = {cat: frozenset(barred if bars is None else bars) for cat, bars in ODB_BARS.items()}
    assert mine == dict(BARS)


def test_every_ruling_the_scenarios_tag_is_on_the_page() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("\n## 8. Rulings on edge cases\n", 1)[1]
    numbers = [int(n) for n in re.findall(r"^(\d+)\. \*\*", section, re.M)]
    assert numbers == list(range(1, 29))
    assert "### Formats in scripts (§6) — `§8.formats`" in section


def test_the_pins_are_the_ones_test_rulings_reads() -> None:
    from test_rulings import ruling_map

    from diagtree import shipped_trees

    assert ruling_pins(shipped_trees() / "scenarios") == dict(ruling_map())


def test_a_tag_shows_on_the_page(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("cases:\n  - id: a  # §8.7 §8.formats\n  - id: b\n"
                                     "  # - id: c  # §8.9\n", encoding="utf-8")
    assert ruling_pins(tmp_path) == {"7": [("x.yaml", "a")], "formats": [("x.yaml", "a")]}


# -- 3. the repository stands on its own ------------------------------------------------------
_OUTSIDE = "shared"  # the out-of-tree folder's name (spelt here without a path: see below)
#: a citation of the out-of-tree folder: relative from the checkout, an absolute path into it,
#: or one of its sub-folders as a path — never `trees/shared/…` or a sub-tree path like
#: `shared/radio.yaml`
CITES_OUTSIDE = re.compile(
    r"\.\./" + _OUTSIDE + r"\b"
    r"|/work/" + _OUTSIDE + r"\b"
    r"|(?<![\w./-])" + _OUTSIDE + r"/(?:spec|standards|design|findings|hooks)\b"
    r"|(?<![\w./-])" + _OUTSIDE + r"/STYLE\.md")


@pytest.mark.parametrize("text", [
    "see ../" + _OUTSIDE + "/spec/taxonomy.md", "(``" + _OUTSIDE + "/spec/sources.md``)",
    "`" + _OUTSIDE + "/standards/tmf621`", "Path(\"/work/" + _OUTSIDE + "/spec/x.yaml\")",
    "../" + _OUTSIDE, " " + _OUTSIDE + "/design/house.md", "# " + _OUTSIDE + "/findings/x.py"])
def test_the_pattern_finds_a_citation(text: str) -> None:
    assert CITES_OUTSIDE.search(text)


@pytest.mark.parametrize("text", [
    "trees/" + _OUTSIDE + "/radio.yaml", "# file: " + _OUTSIDE + "/radio.yaml",
    "ref/" + _OUTSIDE + "/line_barred.yaml", "trees/" + _OUTSIDE + "/spec.yaml",
    "sub-trees (`" + _OUTSIDE + "/`)", "docs/taxonomy.md §3a"])
def test_the_pattern_leaves_sub_tree_paths_alone(text: str) -> None:
    assert not CITES_OUTSIDE.search(text)


#: a contract page cited by its bare name, which only resolves inside docs/ (a Markdown link
#: target and a quoted file name are not citations)
BARE_PAGE = re.compile(r"(?<![\w/\[.\"'-])(?<!\]\()(?:taxonomy|sources|scenarios)\.md")


def test_the_bare_page_pattern() -> None:
    page = "taxonomy" + ".md"
    assert BARE_PAGE.search(f"the rules ({page} §6)")
    assert BARE_PAGE.search(f"# see {page}, §3a")
    for text in (f"the rules (docs/{page} §6)", f"[{page}]({page})", f'ROOT / "{page}"'):
        assert not BARE_PAGE.search(text), text


def test_no_tracked_file_cites_the_out_of_tree_folder() -> None:
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run([git, "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    hits = []
    for name in listed.stdout.decode("utf-8").split("\0"):
        path = ROOT / name
        if not name or not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        bare = not name.startswith("docs/")  # outside docs/, a page is cited by its path
        hits += [f"{name}:{n}: {line.strip()}" for n, line in enumerate(text.splitlines(), 1)
                 if CITES_OUTSIDE.search(line) or (bare and BARE_PAGE.search(line))]
    assert not hits, "cite docs/taxonomy.md, docs/sources.md or docs/scenarios.md:\n" \
        + "\n".join(hits)
