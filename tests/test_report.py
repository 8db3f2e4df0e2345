"""`diagtree report` (docs/report.md): the tables of a fixed results frame against their
golden CSVs, the repeat rule against its definition, errors that name the file, the row and the
column, and the paths the tree picture shows.

The fixed input, ``tests/data/report/results.csv``, is every demo complaint diagnosed one by
one (`report_fixtures.fixed_results`) plus the same customers again 5 days later (repeats), at
the same time and 40 days later (not repeats); ``incidents.csv`` is an incidents table of four
incidents. ``DIAGTREE_UPDATE_GOLDEN=1`` rewrites the goldens (and the input, from the demo).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from report_fixtures import demo_results, fixed_results, write_csv

from diagtree._cli import main
from diagtree._report.page import build_report
from diagtree._report.tables import repeats
from diagtree._walk.engine import shipped_trees

from conftest import fuzz

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "report"
GOLDEN = HERE / "golden" / "report"
CLASSES = shipped_trees() / "regulator_classes.yaml"
UPDATE = os.environ.get("DIAGTREE_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if UPDATE:
        write_csv(fixed_results(), DATA / "results.csv")
    out = tmp_path_factory.mktemp("report")
    build_report(DATA / "results.csv", out, classes=CLASSES, incidents=DATA / "incidents.csv")
    return out


TABLES = ("cause_distribution", "first_contact_by_symptom", "first_contact_by_cause",
          "repeats_by_cause", "complaints_by_department", "deadline_load", "top_cells",
          "regulator_classes", "path_counts", "incidents", "warning_levels")


@pytest.mark.parametrize("name", TABLES)
def test_the_tables_of_a_fixed_input_are_the_golden_ones(written: Path, name: str) -> None:
    got = (written / f"{name}.csv").read_text(encoding="utf-8")
    golden = GOLDEN / f"{name}.csv"
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8"), (
        f"{name}.csv differs from tests/golden/report/: review, then DIAGTREE_UPDATE_GOLDEN=1")


def test_what_the_tables_say_about_the_fixed_input(written: Path) -> None:
    results = pd.read_csv(DATA / "results.csv", dtype=str)
    causes = pd.read_csv(written / "cause_distribution.csv")
    assert causes["complaints"].sum() == len(results)
    repeated = pd.read_csv(written / "repeats_by_cause.csv")
    assert repeated["repeats"].sum() == 10  # the ten customers back 5 days later, only
    classes = pd.read_csv(written / "regulator_classes.csv")
    assert list(dict.fromkeys(classes["class"])) == ["网络质量", "收费争议", "用户服务"]
    assert classes["complaints"].sum() == len(results)
    fcr = pd.read_csv(written / "first_contact_by_symptom.csv")
    assert fcr["first_contact"].sum() == (results["resolution"] == "frontline").sum()
    levels = pd.read_csv(written / "warning_levels.csv")
    assert list(levels["warning_level"]) == ["red", "orange", "yellow"]
    cells = pd.read_csv(written / "top_cells.csv")
    assert cells["network_complaints"].is_monotonic_decreasing and len(cells) <= 20


def _brute_repeats(rows: list[tuple[str | None, str, dt.datetime]]) -> list[bool]:
    """taxonomy §4, as written: an earlier complaint of the same MSISDN and category,
    0 < Δ ≤ 30 × 24 h."""
    window = dt.timedelta(days=30)
    return [m is not None and any(m2 == m and c2 == c and dt.timedelta(0) < t - t2 <= window
                                  for m2, c2, t2 in rows) for m, c, t in rows]


BASE = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


@fuzz(60)
@given(st.lists(st.tuples(st.sampled_from(["8613800000001", "8613800000002", None]),
                          st.sampled_from(["network", "billing"]),
                          st.sampled_from([0, 1, 29 * 24 * 60, 30 * 24 * 60,
                                           30 * 24 * 60 + 1, 45 * 24 * 60])),
                max_size=12))
def test_the_repeat_rule_agrees_with_its_definition(
        drawn: list[tuple[str | None, str, int]]) -> None:
    rows = [(m, c, BASE + dt.timedelta(minutes=t)) for m, c, t in drawn]
    frame = pd.DataFrame({
        "msisdn": pd.array([m for m, _, _ in rows], dtype="string"),
        "category": pd.Categorical([c for _, c, _ in rows]),
        "cause": pd.Categorical([f"{c}.x" for _, c, _ in rows]),
        "reported_at": pd.to_datetime([t for _, _, t in rows], utc=True)})
    _, flags = repeats(frame)
    assert list(flags) == _brute_repeats(rows)


def test_the_cli_writes_the_page_and_says_so(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A live frame: the first demo complaints diagnosed now, as JSON lines."""
    frame = pd.DataFrame(list(demo_results(limit=30)))
    results = tmp_path / "results.jsonl"
    frame.to_json(results, orient="records", lines=True, force_ascii=False)
    assert main(["report", str(results), "-o", str(tmp_path / "out")]) == 0
    said = capsys.readouterr().out
    assert "30 complaints" in said
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "no incidents file given" in page
    assert "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    assert not (tmp_path / "out" / "incidents.csv").exists()


def test_parquet_csv_and_json_lines_give_the_same_tables(tmp_path: Path) -> None:
    """The three formats of a results frame are read alike (times, categories, NA)."""
    frame = pd.read_csv(DATA / "results.csv", dtype=str, keep_default_na=False).replace(
        "", None)
    frame.to_parquet(tmp_path / "results.parquet", index=False)
    frame.to_json(tmp_path / "results.jsonl", orient="records", lines=True, force_ascii=False)
    tables = {}
    for name in ("results.parquet", "results.jsonl"):
        report = build_report(tmp_path / name, tmp_path / name.replace(".", "_"),
                              classes=CLASSES)
        tables[name] = {t: (report.folder / f"{t}.csv").read_text(encoding="utf-8")
                        for t in report.tables}
    assert tables["results.parquet"] == tables["results.jsonl"]
    for table, text in tables["results.parquet"].items():
        assert text == (GOLDEN / f"{table}.csv").read_text(encoding="utf-8"), table


@pytest.mark.parametrize(("text", "said"), [
    ("row,complaint_id\n1,A\n", "no column 'symptom'"),
    ("symptom,msisdn,reported_at,tree_id,cause,category,resolution,department,feedback_due,"
     "path,cell\nno_service,8613800000001,yesterday,,,,,,,,\n",
     "row 1: reported_at: not an ISO time: 'yesterday'"),
])
def test_an_unreadable_results_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             text: str, said: str) -> None:
    results = tmp_path / "results.csv"
    results.write_text(text, encoding="utf-8")
    assert main(["report", str(results), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert said in err and "results.csv" in err and "Traceback" not in err


def test_a_classes_file_missing_a_category_is_located(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    classes = tmp_path / "classes.yaml"
    classes.write_text("regulator_classes:\n  网络质量: [network, support]\n"
                       "  收费争议: [billing, product, vas]\n"
                       "  用户服务: [device, subscriber, service]\n", encoding="utf-8")
    assert main(["report", str(DATA / "results.csv"), "-o", str(tmp_path / "out"),
                 "--classes", str(classes)]) == 1
    err = capsys.readouterr().err
    assert "classes.yaml:1:1: error missing_key no regulator class for the category unknown" \
        in err


def test_validate_complains_about_an_unmapped_category(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    import shutil

    trees = tmp_path / "trees"
    shutil.copytree(shipped_trees(), trees, ignore=shutil.ignore_patterns(
        "__pycache__", "scenarios"))
    file = trees / "regulator_classes.yaml"
    file.write_text(file.read_text(encoding="utf-8").replace(", unknown]", "]")
                    .replace("[billing,", "[bill,"), encoding="utf-8")
    assert main(["validate", str(trees)]) == 1
    err = capsys.readouterr()
    text = err.out + err.err
    assert "regulator_classes.yaml:6:10: error unknown_value 'bill'" in text
    assert "no regulator class for the categories billing, unknown" in text


def test_render_shows_the_paths_of_a_results_frame(written: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The frame itself and the report's paths.json give the same picture; the counts on the
    edges out of a node add up to the walks through it."""
    assert main(["render", "no_service", "-f", "mermaid",
                 "--overlay", str(DATA / "results.csv")]) == 0
    from_frame = capsys.readouterr().out
    assert main(["render", "no_service", "-f", "mermaid",
                 "--paths", str(written / "paths.json")]) == 0
    assert capsys.readouterr().out == from_frame
    counts = json.loads((written / "paths.json").read_text(encoding="utf-8"))["trees"]
    walks = counts["no_service"]["nodes"]
    paths = pd.read_csv(written / "path_counts.csv")
    row = paths[(paths["tree_id"] == "no_service") & (paths["node"] == "location/outage")]
    assert int(row["walks"].iloc[0]) == walks["location/outage"]
    assert f'coverage.outage.active<br><i>×{walks["location/outage"]}</i>' in from_frame
    out_of = sum(counts["no_service"]["steps"]["location/outage"].values())
    assert out_of == walks["location/outage"]


def test_the_incidents_of_diagtree_incidents_are_reported(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    """The incidents table `diagtree incidents` writes is what `--incidents` reads: 25 more
    customers at one dead cell make one incident, with its warning level."""
    frame = pd.read_csv(DATA / "results.csv", dtype=str, keep_default_na=False)
    outage = frame[frame["cause"] == "network.site_outage"].iloc[0]
    more = pd.DataFrame([{**outage.to_dict(), "complaint_id": f"X-{i}",
                          "msisdn": str(8613800001000 + i)} for i in range(25)])
    frame = pd.concat([frame, more], ignore_index=True)
    frame["row"] = range(1, len(frame) + 1)
    results = tmp_path / "results.csv"
    frame.to_csv(results, index=False)
    assert main(["incidents", str(results), "-o", str(tmp_path / "inc")]) == 0
    assert main(["report", str(results), "--incidents", str(tmp_path / "inc" / "incidents.csv"),
                 "-o", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    incidents = pd.read_csv(tmp_path / "out" / "incidents.csv")
    [cell] = list(incidents["cell"])
    assert cell == outage["cell"] and incidents["distinct_customers"].iloc[0] >= 26
    levels = pd.read_csv(tmp_path / "out" / "warning_levels.csv")
    assert levels["incidents"].sum() == 1
    assert list(levels["warning_level"]) == list(incidents["warning_level"])
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "no incidents file given" not in page and cell in page


@pytest.mark.parametrize("tree", ["bill_dispute", "weak_signal", "slow_data"])
def test_paths_that_stop_at_their_last_decision_draw_the_same_picture(
        tree: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A results frame whose paths leave out the outcome (the trace's nodes only) is drawn
    like one whose paths end at it: the cause column says which outcome the walk reached (in
    these trees no node has two outcomes of one cause)."""
    frame = pd.read_csv(DATA / "results.csv", dtype=str, keep_default_na=False)
    frame["path"] = frame["path"].str.rsplit(">", n=1).str[0]
    short = tmp_path / "short.csv"
    frame.to_csv(short, index=False)
    pictures = []
    for results in (DATA / "results.csv", short):
        assert main(["render", tree, "-f", "mermaid", "--overlay", str(results)]) == 0
        pictures.append(capsys.readouterr().out)
    assert pictures[0] == pictures[1]
    assert pictures[0].count(" ×") > 3


def test_a_classes_file_with_an_unknown_key_is_refused(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    """Its keys are the one schema's (as its JSON Schema says), not silently ignored."""
    classes = tmp_path / "classes.yaml"
    classes.write_text(CLASSES.read_text(encoding="utf-8") + "descripton: typo\n",
                       encoding="utf-8")
    assert main(["report", str(DATA / "results.csv"), "-o", str(tmp_path / "out"),
                 "--classes", str(classes)]) == 1
    err = capsys.readouterr().err
    assert "error unknown_key unknown key 'descripton' in a regulator classes file" in err
    assert "description" in err  # the did-you-mean
