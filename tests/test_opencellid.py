"""OpenCelliD exports: the real rows of tests/standards/opencellid/ (CC BY-SA 4.0, OpenCelliD
Project) read as cell records, with and without the header row, through `read_opencellid` and
`load_records`; bad rows are typed errors naming the file, the line and the column; a fuzzed
row never escapes as anything but a `RecordError` and a well-formed one maps as
docs/sources.md says."""

from __future__ import annotations

import csv
import gzip
import io
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diagtree import parse_complaint
from diagtree_adapters import RecordError, load_records, mock_sources, read_opencellid

from conftest import fuzz

SAMPLE = Path(__file__).parent / "standards" / "opencellid" / "opencellid_mcc302_sample.csv"
LINES = SAMPLE.read_text(encoding="utf-8").splitlines()


def _headerless(tmp_path: Path) -> Path:
    (tmp_path / "raw").mkdir(exist_ok=True)
    path = tmp_path / "raw" / "302.csv"
    path.write_text("\n".join(LINES[1:]) + "\n", encoding="utf-8")
    return path


def test_the_real_rows_map_as_sources_md_says() -> None:
    cells = read_opencellid(SAMPLE)
    assert len(cells) == len(LINES) - 1 == 32
    by_id = {c["cell_id"]: c for c in cells}
    # GSM: MCC-MNC-LAC-CI
    assert by_id["302-720-8100-47553"] == {
        "cell_id": "302-720-8100-47553", "tech": "GSM", "lat": 49.2311, "lon": -122.8506,
        "range_m": 8702, "status": "on_air", "prb_util_busy_hour": None}
    # UMTS: the long CI (RNC and cell) is kept whole
    assert by_id["302-220-45536-53845002"]["tech"] == "UMTS"
    # LTE: MCC-MNC-ENB-CELL with ENB = cell // 256, CELL = cell % 256
    lte = by_id[f"302-610-{138337292 // 256}-{138337292 % 256}"]
    assert lte["cell_id"] == "302-610-540380-12"
    assert (lte["lat"], lte["lon"], lte["range_m"], lte["tech"]) == (44.2635, -76.4868, 3952, "LTE")
    assert {c["tech"] for c in cells} == {"GSM", "UMTS", "LTE"}
    assert all(c["status"] == "on_air" and c["prb_util_busy_hour"] is None for c in cells)


def test_a_real_headerless_export_reads_the_same(tmp_path: Path) -> None:
    assert read_opencellid(_headerless(tmp_path)) == read_opencellid(SAMPLE)
    gz = tmp_path / "302.csv.gz"
    gz.write_bytes(gzip.compress(_headerless(tmp_path).read_bytes()))
    assert read_opencellid(gz) == read_opencellid(SAMPLE)


def test_load_records_takes_an_export_under_coverage(tmp_path: Path) -> None:
    (tmp_path / "coverage").mkdir()
    shutil.copy(_headerless(tmp_path / "coverage"), tmp_path / "coverage" / "opencellid_302.csv")
    shutil.rmtree(tmp_path / "coverage" / "raw")
    (tmp_path / "coverage" / "alarms.csv").write_text(
        "element,type,severity,raised_at\n302-720-8100-47553,site_down,critical,"
        "2026-11-20T07:10:00-08:00\n", encoding="utf-8")
    records = load_records(tmp_path)
    assert records.cells == read_opencellid(SAMPLE)
    # the coverage adapter serves a location from the real cell (within its 8.7 km range)
    _, _, coverage = mock_sources(records)
    complaint = parse_complaint({
        "id": "T1", "type": "no_service", "msisdn": "8613800000001", "channel": "hotline",
        "reported_at": "2026-11-20T09:30:00-08:00", "location": {"lat": 49.2311, "lon": -122.85}})
    facts = coverage.fetch(complaint, 1.0)
    assert facts["coverage.outage.cell"] == "302-720-8100-47553"
    assert "302-720-8100-47553" in facts["coverage.serving_cells"]


def test_cells_csv_and_an_export_may_not_repeat_a_cell(tmp_path: Path) -> None:
    (tmp_path / "coverage").mkdir()
    shutil.copy(SAMPLE, tmp_path / "coverage" / "cell_towers.csv")
    (tmp_path / "coverage" / "cells.csv").write_text(
        "cell_id,tech,lat,lon,range_m\n302-720-8100-47553,GSM,49.2,-122.8,500\n",
        encoding="utf-8")
    with pytest.raises(RecordError, match="given twice") as info:
        load_records(tmp_path)
    assert "cell_towers.csv" in str(info.value)


BAD = [
    ("CDMA,302,720,8100,47553,0,-122.8506,49.2311,8702,27,1,1343330328,1779235202,0", "radio"),
    ("GSM,302,720,81x0,47553,0,-122.8506,49.2311,8702,27,1,1343330328,1779235202,0", "area"),
    ("GSM,302,720,8100,47553,0,-122.8506,91.5,8702,27,1,1343330328,1779235202,0", "lat"),
    ("GSM,302,720,8100,47553,0,-190,49.2311,8702,27,1,1343330328,1779235202,0", "lon"),
    ("GSM,302,720,8100,47553,0,-122.8506,49.2311,-5,27,1,1343330328,1779235202,0", "range"),
    ("GSM,302,720,8100,47553,0,-122.8506,49.2311,nan,27,1,1343330328,1779235202,0", "range"),
    ("LTE,3020,720,8100,47553,-1,-122.8506,49.2311,870,27,1,1343330328,1779235202,0", "mcc"),
    ("GSM,302,720,8100,-47553,0,-122.8506,49.2311,8702,27,1,1343330328,1779235202,0", "cell"),
    ("GSM,302,720,8100,47553,0,-122.8506,49.2311,8702,27,1,yesterday,1779235202,0", "created"),
    ("GSM,302,720,8100,1_000,0,-122.8506,49.2311,8702,27,1,1343330328,1779235202,0", "cell"),
    (",".join(LINES[2].split(",")[:13]), None),  # 13 cells
    (LINES[1], "cell"),  # the same cell id as line 2 of the file
]


@pytest.mark.parametrize(("row", "field"), BAD)
def test_a_bad_row_names_file_line_and_column(tmp_path: Path, row: str,
                                              field: str | None) -> None:
    path = tmp_path / "export.csv"
    path.write_text("\n".join([*LINES[1:3], row, *LINES[3:]]) + "\n", encoding="utf-8")
    with pytest.raises(RecordError) as info:
        read_opencellid(path)
    assert info.value.where == f"{path} line 3"
    assert info.value.field == field
    # skip-and-report: every other row is kept, the bad one reported
    errors: list[RecordError] = []
    cells = read_opencellid(path, errors=errors)
    assert len(cells) == 32
    assert [e.where for e in errors] == [f"{path} line 3"]


def test_a_wrong_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("radio,mcc,mnc,area\n" + LINES[1] + "\n", encoding="utf-8")
    with pytest.raises(RecordError, match="column 3 is 'mnc'"):
        read_opencellid(path)


def test_an_unreadable_file_is_a_record_error(tmp_path: Path) -> None:
    path = tmp_path / "opencellid.csv.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(RecordError, match="cannot read"):
        read_opencellid(path)
    with pytest.raises(RecordError, match="cannot read"):
        read_opencellid(tmp_path / "missing.csv")


_CELLS = st.text(st.sampled_from("0123456789-.,eE+_ \"aGSMLTENRU\n"), max_size=12)


@fuzz(60)
@given(st.lists(st.lists(_CELLS, min_size=0, max_size=16), min_size=1, max_size=4))
def test_fuzzed_rows_are_cells_or_record_errors(tmp_path_factory: pytest.TempPathFactory,
                                                rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = tmp_path_factory.mktemp("fuzz") / "export.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    errors: list[RecordError] = []
    try:
        cells = read_opencellid(path, errors=errors)
    except RecordError:
        return  # a bad header line, only
    for cell in cells:
        assert cell["tech"] in ("GSM", "UMTS", "LTE", "NR")
        assert -90 <= cell["lat"] <= 90 and -180 <= cell["lon"] <= 180 and cell["range_m"] >= 0
    assert all(isinstance(e, RecordError) and e.where.startswith(str(path)) for e in errors)


_RADIO = st.sampled_from(("GSM", "UMTS", "LTE", "NR"))


@fuzz(60)
@given(_RADIO, st.integers(0, 999), st.integers(0, 999), st.integers(0, 65535),
       st.integers(0, 2**36 - 1), st.floats(-180, 180), st.floats(-90, 90),
       st.integers(0, 100_000))
def test_well_formed_rows_map_by_the_rule(tmp_path_factory: pytest.TempPathFactory, radio: str,
                                          mcc: int, net: int, area: int, cell: int, lon: float,
                                          lat: float, radius: int) -> None:
    row = [radio, mcc, net, area, cell, -1, repr(lon), repr(lat), radius, 3, 1, 1775370784,
           1775443502, 0]
    path = tmp_path_factory.mktemp("ok") / "export.csv"
    path.write_text(",".join(map(str, row)) + "\n", encoding="utf-8")
    (record,) = read_opencellid(path)
    mnc = f"{net:02d}"
    expected = (f"{mcc}-{mnc}-{cell // 256}-{cell % 256}" if radio in ("LTE", "NR")
                else f"{mcc}-{mnc}-{area}-{cell}")
    assert record == {"cell_id": expected, "tech": radio, "lat": lat, "lon": lon,
                      "range_m": radius, "status": "on_air", "prb_util_busy_hour": None}
