"""A generated demo month (small: 20 000 complaints) keeps its invariants: the complaints frame
has the contract's columns and spans November 2026; the mass incident is there (≥ 20 distinct
customers at the alarm's cell within 24 h, its critical alarm in coverage/alarms, and the
engine diagnoses them as that outage); history lists each customer's earlier complaints; every
row parses with `parse_complaint`; the same seed gives the same frame and the same files;
`load_records` reads the folder; ``--cells`` places the city on real OpenCelliD cells."""

from __future__ import annotations

import datetime as _dt
import json
import math
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import diagtree_adapters as ad
from diagtree import Engine, parse_complaint
from diagtree._cli import main
from diagtree.batch import diagnose_frame
from diagtree_adapters.demo import (
    ANSWER_COLUMNS,
    COMPLAINT_COLUMNS,
    DemoMonth,
    generate_month,
    write_month,
)

SIZE = 10_000
SAMPLE = Path(__file__).parent / "standards" / "opencellid" / "opencellid_mcc302_sample.csv"
NOV = (_dt.datetime.fromisoformat("2026-11-01T00:00:00+08:00"),
       _dt.datetime.fromisoformat("2026-12-01T00:00:00+08:00"))
OUTAGE_SYMPTOMS = {"no_service", "call_drop", "cannot_call_out", "no_data"}


@pytest.fixture(scope="module")
def month() -> DemoMonth:
    return generate_month(7, SIZE)


@pytest.fixture(scope="module")
def folder(month: DemoMonth, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("month")
    write_month(month, out)
    return out


def complaint_of(row: dict[str, Any]) -> dict[str, Any]:
    """A complaints-frame row as a complaint mapping (dotted names nested, NA = absent; the
    answer columns left out)."""
    out: dict[str, Any] = {}
    for name, value in row.items():
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            continue
        if name.startswith("answer."):
            continue
        node = out
        *parents, leaf = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = json.loads(value) if name == "history" else value
    return out


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 6371.0088 * 2 * math.asin(math.sqrt(a))


def test_the_frame_is_a_month_of_complaints(month: DemoMonth) -> None:
    frame = month.complaints
    assert tuple(frame.columns) == COMPLAINT_COLUMNS + ANSWER_COLUMNS
    assert len(frame) == SIZE
    assert frame["id"].is_unique
    times = [_dt.datetime.fromisoformat(t) for t in frame["reported_at"]]
    assert all(NOV[0] <= t < NOV[1] for t in times)
    assert times == sorted(times)
    # a realistic mix: every symptom, every channel, supervisors, subjects, repeat callers
    assert frame["type"].nunique() == 16
    assert set(frame["channel"]) == {"hotline", "app", "store", "social_media", "regulator",
                                     "media"}
    assert (frame["agent_role"] == "supervisor").any()
    for subject in ("charge_id", "sp_code", "payment_id", "card_serial", "number"):
        assert frame[f"subject.{subject}"].notna().any(), subject
    assert 0.2 < frame["history"].notna().mean() < 0.95
    tiers = month.tables["billing", "customers"]["tier"]
    assert set(tiers) == {"normal", "vip"}


def test_every_row_parses(month: DemoMonth) -> None:
    for row in month.complaints.to_dict("records"):
        parse_complaint(complaint_of(row))


ASKING = {"no_service", "cannot_call_out", "cannot_receive_calls", "no_data"}


def test_the_customers_asked_answer_what_their_tree_asks(month: DemoMonth) -> None:
    frame = month.complaints
    answers = frame[list(ANSWER_COLUMNS)]
    answered = answers.notna().any(axis=1)
    assert set(frame.loc[answered, "type"]) == ASKING
    assert 0.2 < answered[frame["type"].isin(ASKING)].mean() < 0.9  # not every customer
    assert set(frame.loc[answers["answer.mobile_data_enabled"].notna(), "type"]) == {"no_data"}
    # the APN is asked only with the data switch on, another phone only with airplane mode off
    assert answers.loc[answers["answer.apn_manually_changed"].notna(),
                       "answer.mobile_data_enabled"].all()
    assert not answers.loc[answers["answer.sim_works_in_other_phone"].notna(),
                           "answer.airplane_mode"].any()
    asked = answers["answer.airplane_mode"].dropna()
    assert 0.35 < asked.mean() < 0.75  # HANDSET: some handsets in airplane mode, not all
    # nobody at the mass incident is asked: their walk concludes on the outage
    mass = frame["id"].isin(month.incidents[0].complaint_ids)
    assert not answered[mass].any()


def test_the_answers_take_the_asked_complaints_past_their_question(month: DemoMonth,
                                                                   folder: Path) -> None:
    """What the answers are for: a batch of the answered complaints concludes on the handset
    where, without them, it ends needing investigation."""
    engine = Engine(sources=ad.mock_sources(ad.load_records(folder)))
    sample = month.complaints[month.complaints[list(ANSWER_COLUMNS)].notna().any(axis=1)]
    sample = sample.head(150)
    with_answers = diagnose_frame(sample, engine).results["cause"]
    without = diagnose_frame(sample.drop(columns=list(ANSWER_COLUMNS)), engine).results["cause"]
    investigated = (without == "unknown.needs_investigation").mean()
    assert investigated > 0.8 and (without != "device.settings").all()
    assert (with_answers == "unknown.needs_investigation").mean() < investigated - 0.3
    assert set(with_answers[with_answers != without]) <= {"device.settings", "device.sim_fault"}


def test_the_mass_incident_is_there(month: DemoMonth) -> None:
    incident = month.incidents[0]
    alarms = month.tables["coverage", "alarms"]
    alarm = alarms[alarms["element"] == incident.cell_id].iloc[0]
    assert (alarm["type"], alarm["severity"]) == ("site_down", "critical")
    raised = _dt.datetime.fromisoformat(alarm["raised_at"])
    cells = month.tables["coverage", "cells"]
    cell = cells[cells["cell_id"] == incident.cell_id].iloc[0]
    frame = month.complaints
    customers = set()
    for row in frame[frame["type"].isin(OUTAGE_SYMPTOMS)].itertuples():
        at = _dt.datetime.fromisoformat(row.reported_at)
        lat, lon = row._7, row._8
        if (raised <= at <= raised + _dt.timedelta(hours=24)
                and _km(lat, lon, cell["lat"], cell["lon"]) * 1000 <= cell["range_m"]):
            customers.add(row.msisdn)
    assert len(customers) >= 20
    assert incident.customers >= 20
    planted = frame[frame["id"].isin(incident.complaint_ids)]
    assert planted["msisdn"].nunique() == incident.customers
    # the HLR last saw its complainants on the cell, and as many who have not called: the
    # customers a proactive notice reaches (diagtree incidents' notices.csv)
    subscribers = month.tables["hlr", "subscribers"]
    registered = set(subscribers.loc[subscribers["registration.cell_id"] == incident.cell_id,
                                     "msisdn"])
    assert set(planted["msisdn"]) <= registered
    assert len(registered - set(frame["msisdn"][frame["id"].isin(incident.complaint_ids)])) \
        >= incident.customers


def test_the_engine_sees_the_outage(month: DemoMonth, folder: Path) -> None:
    sources = ad.mock_sources(ad.load_records(folder))
    engine = Engine(sources=sources)
    coverage = sources[2]
    incident = month.incidents[0]
    frame = month.complaints
    rows = frame[frame["id"].isin(incident.complaint_ids)].to_dict("records")
    at_cell = set()
    for row in rows:
        complaint = parse_complaint(complaint_of(row))
        diagnosis = engine.diagnose(complaint)
        if (diagnosis.cause == "network.site_outage"
                and coverage.fetch(complaint, 1.0)["coverage.outage.cell"] == incident.cell_id):
            at_cell.add(row["msisdn"])
    assert len(at_cell) >= 20


def test_history_lists_the_earlier_complaints(month: DemoMonth) -> None:
    earlier: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in month.complaints.itertuples():
        expected = earlier[row.msisdn][-5:]
        got = [] if row.history is None else json.loads(row.history)
        assert got == expected, row.id
        earlier[row.msisdn].append({"id": row.id, "at": row.reported_at, "type": row.type})


def test_the_same_seed_gives_the_same_month(month: DemoMonth, folder: Path,
                                            tmp_path: Path) -> None:
    again = generate_month(7, SIZE)
    assert again.complaints.equals(month.complaints)
    write_month(again, tmp_path)
    files = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    for name in files:
        assert (folder / name).read_bytes() == (tmp_path / name).read_bytes(), name
    other = generate_month(8, SIZE)
    assert not other.complaints["msisdn"].equals(month.complaints["msisdn"])


def test_the_folder_loads_and_the_frame_reads_back(month: DemoMonth, folder: Path,
                                                   recwarn: pytest.WarningsRecorder) -> None:
    records = ad.load_records(folder)
    assert not recwarn.list  # complaints.parquet is passed over without a warning
    assert len(records.subscribers) == len(month.tables["hlr", "subscribers"])
    assert len(records.cells) == len(month.tables["coverage", "cells"])
    assert len(records.alarms) == len(month.tables["coverage", "alarms"])
    back = pd.read_parquet(folder / "complaints.parquet")
    pd.testing.assert_frame_equal(back, month.complaints)


def test_the_cli_writes_csv_on_real_cells(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    headerless = tmp_path / "302.csv"
    headerless.write_text("".join(SAMPLE.read_text(encoding="utf-8").splitlines(True)[1:]),
                          encoding="utf-8")
    out = tmp_path / "city"
    assert main(["demo-data", "--cells", str(headerless), "--complaints", "2000",
                 "--format", "csv", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "2000 complaints" in printed and "time:" in printed
    records = ad.load_records(out)
    real = ad.read_opencellid(SAMPLE)
    assert [{k: c[k] for k in real[0]} for c in records.cells] == list(real)
    frame = pd.read_csv(out / "complaints.csv", dtype=str, keep_default_na=False)
    assert len(frame) == 2000
    located = frame[frame["location.lat"] != ""]
    for lat, lon in zip(located["location.lat"].astype(float)[:300],
                        located["location.lon"].astype(float)[:300], strict=True):
        assert any(_km(lat, lon, c["lat"], c["lon"]) * 1000 <= c["range_m"] for c in real)
    ids = {c["cell_id"] for c in real}
    alarms = pd.read_csv(out / "coverage" / "alarms.csv", dtype=str, keep_default_na=False)
    cell_alarms = alarms[alarms["type"] != "platform_fault"]
    assert set(cell_alarms["element"]) <= ids and len(cell_alarms) >= 1


def test_the_cli_refuses_bad_sizes_and_a_bad_export(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo-data", "--month", "--complaints", "10", "--out",
                 str(tmp_path / "a")]) == 2
    assert "at least 1000" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("GSM,302,720,8100,47553,0,-122.85,95.0,8702,27,1,1,1,0\n", encoding="utf-8")
    assert main(["demo-data", "--cells", str(bad), "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert "line 1" in err and "'lat'" in err


def test_the_bundled_city_does_not_import_numpy_or_pandas() -> None:
    """An engine with ``--demo`` reads the bundled city; the month's generator (numpy,
    pandas) is imported only when a month is asked for, and its names stay importable."""
    code = ("import sys\n"
            "import diagtree_adapters.demo as demo\n"
            "demo.demo_records()\n"
            "assert 'pandas' not in sys.modules and 'numpy' not in sys.modules, 'eager'\n"
            "assert set(demo.__all__) <= set(dir(demo))\n"
            "from diagtree_adapters.demo import FORMATS, generate_month\n"
            "assert callable(generate_month) and 'csv' in FORMATS\n"
            "assert 'pandas' in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
