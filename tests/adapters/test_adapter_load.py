"""Loading records: scenario mappings, YAML/JSON/CSV data folders, and clear errors."""

from __future__ import annotations

import csv
import datetime as dt
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from adapter_support import CELL, SUBSCRIBER, sources, with_

from diagtree._vocab.complaint import parse_complaint
from diagtree_adapters import (
    IgnoredFilesWarning,
    RecordError,
    SourceRecords,
    load_records,
    mock_sources,
)
from diagtree_adapters import records_from_mapping as from_mapping

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "spec_examples.yaml"
REPO_EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples.yaml"
CHILDREN = {"charges", "vas_subscriptions", "payments", "recharge_cards"}


def _cases() -> list[dict[str, Any]]:
    path = EXAMPLES if EXAMPLES.exists() else REPO_EXAMPLES
    if not path.exists():
        pytest.skip("examples.yaml not available")
    cases: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    return cases


def _facts(records: SourceRecords, complaint_data: dict[str, Any]) -> dict[str, Any]:
    c = parse_complaint(complaint_data)
    out: dict[str, Any] = {}
    for source in mock_sources(records):
        out.update(source.fetch(c, 1.0))
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in record.items():
        name = prefix + key
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        elif isinstance(value, list) and all(isinstance(v, str) for v in value) and value:
            out[name] = ";".join(value)
        elif isinstance(value, list):
            out[name] = json.dumps(_jsonable(value), ensure_ascii=False)
        elif value is None:
            out[name] = ""
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        else:
            out[name] = str(_jsonable(value))
    return out


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    columns: list[str] = []
    for row in rows:
        columns.extend(c for c in row if c not in columns)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)


def _write_csv_folder(root: Path, block: dict[str, Any]) -> None:
    for source, tables in block.items():
        for table, rows in tables.items():
            flat = []
            for original in rows:
                row = dict(original)
                if table == "accounts":  # lists of records as child tables
                    for child in CHILDREN:
                        items = row.pop(child, None) or []
                        existing = root / source / f"{child}.csv"
                        kept = [] if not existing.exists() else list(
                            csv.DictReader(existing.open(encoding="utf-8")))
                        _write_csv(existing, kept + [_flatten({"msisdn": row["msisdn"], **i})
                                                     for i in items])
                flat.append(_flatten(row))
            _write_csv(root / source / f"{table}.csv", flat)


@pytest.mark.parametrize("fmt", ["yaml", "json", "csv", "single-file", "table-files"])
def test_formats_give_the_same_facts(tmp_path: Path, fmt: str) -> None:
    for n, case in enumerate(_cases()):
        block = case["sources"]
        root = tmp_path / f"case{n}"
        root.mkdir()
        if fmt == "yaml":
            for source, tables in block.items():
                (root / f"{source}.yaml").write_text(yaml.safe_dump(tables, allow_unicode=True),
                                                     encoding="utf-8")
        elif fmt == "json":
            for source, tables in block.items():
                (root / f"{source}.json").write_text(json.dumps(_jsonable(tables)),
                                                     encoding="utf-8")
        elif fmt == "single-file":
            root = root / "sources.yaml"
            root.write_text(yaml.safe_dump({"sources": block}, allow_unicode=True),
                            encoding="utf-8")
        elif fmt == "table-files":
            for source, tables in block.items():
                (root / source).mkdir()
                for table, rows in tables.items():
                    (root / source / f"{table}.json").write_text(json.dumps(_jsonable(rows)),
                                                                 encoding="utf-8")
        else:
            _write_csv_folder(root, block)
        expected = _facts(from_mapping(block), case["complaint"])
        assert _facts(load_records(root), case["complaint"]) == expected, case["id"]


def test_csv_layout_details(tmp_path: Path) -> None:
    (tmp_path / "hlr").mkdir()
    (tmp_path / "hlr" / "subscribers.csv").write_text(
        "msisdn,status,services.voice,services.data,registration.state,"
        "registration.last_update,call_forwarding.unconditional,odb\n"
        "8613800000001,service_granted,TRUE,0,registered,2026-11-20T08:55:00+08:00,,\n"
        "8613800000002,operator_barred,yes,no,null,,,"
        '"[{""category"": ""all"", ""reason"": ""fraud""}]"\n', encoding="utf-8")
    (tmp_path / "hlr" / "odb.csv").write_text(
        "msisdn,category,reason\n8613800000002,roaming,customer_request\n", encoding="utf-8")
    records = load_records(tmp_path)
    first, second = records.subscribers
    assert first["services"] == {"voice": True, "data": False}
    assert first["call_forwarding"] is None       # a group of empty cells is null
    assert first["registration"]["last_update"] == dt.datetime.fromisoformat(
        "2026-11-20T08:55:00+08:00")
    assert first["odb"] is None
    assert second["registration"] is None
    assert [e["category"] for e in second["odb"]] == ["all", "roaming"]
    assert records.accounts == ()


def _error(block: dict[str, Any]) -> str:
    with pytest.raises(RecordError) as info:
        from_mapping(block)
    assert isinstance(info.value, ValueError)
    return str(info.value)


def test_malformed_number_names_table_row_field() -> None:
    bad = with_(CELL, range_m="far")
    message = _error(sources(cells=[CELL, with_(CELL, cell_id="x"), bad]))
    assert "coverage.cells row 2" in message and "'range_m'" in message and "far" in message


def test_malformed_nested_field() -> None:
    sub = with_(SUBSCRIBER, registration={"state": "registered",
                                          "last_update": "2026-11-20T08:55:00"})
    message = _error(sources(subscribers=[sub]))
    assert "hlr.subscribers row 0" in message
    assert "registration.last_update" in message and "UTC offset" in message


@pytest.mark.parametrize(("block", "words"), [
    (sources(subscribers=[with_(SUBSCRIBER, msisdn=None)]), ["msisdn", "is required"]),
    (sources(subscribers=[with_(SUBSCRIBER, status="active")]), ["status", "'active'"]),
    (sources(subscribers=[SUBSCRIBER, SUBSCRIBER]), ["duplicate msisdn"]),
    (sources(subscribers=[with_(SUBSCRIBER, odb=[{"category": "everything"}])]),
     ["odb[0].category"]),
    ({"hlr": {"subscriber": []}}, ["unknown table", "did you mean 'subscribers'"]),
    ({"hrl": {}}, ["unknown source", "did you mean 'hlr'"]),
    ({"coverage": {"cells": {"cell_id": "x"}}}, ["coverage.cells", "expected a list"]),
    ({"coverage": {"cells": ["x"]}}, ["coverage.cells row 0", "expected a mapping"]),
    ({"coverage": {"alarms": [{"element": "x", "severity": "critical"}]}}, ["type", "is required"]),
])
def test_malformed_records(block: dict[str, Any], words: list[str]) -> None:
    message = _error(block)
    for word in words:
        assert word in message


def test_malformed_csv_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "coverage").mkdir()
    path = tmp_path / "coverage" / "cells.csv"
    path.write_text("cell_id,tech,lat,lon,range_m\na,LTE,28.2,112.9,1500\n"
                    "b,LTE,28.2,112.9,far\n", encoding="utf-8")
    with pytest.raises(RecordError, match=r"cells\.csv line 3: field 'range_m'"):
        load_records(tmp_path)


def test_child_row_for_unknown_parent(tmp_path: Path) -> None:
    (tmp_path / "billing").mkdir()
    (tmp_path / "billing" / "accounts.csv").write_text("msisdn,status\n861\n".replace(
        "861\n", "8613800000001,active\n"), encoding="utf-8")
    (tmp_path / "billing" / "charges.csv").write_text(
        "msisdn,id,amount\n8613800000009,c1,5\n", encoding="utf-8")
    with pytest.raises(RecordError, match=r"charges\.csv line 2: field 'msisdn'"):
        load_records(tmp_path)


def test_bad_yaml_and_unknown_files(tmp_path: Path) -> None:
    (tmp_path / "hlr.yaml").write_text("subscribers: [\n", encoding="utf-8")
    with pytest.raises(RecordError, match=r"hlr\.yaml:\d+:\d+: not valid YAML"):
        load_records(tmp_path)
    (tmp_path / "hlr.yaml").unlink()
    (tmp_path / "coverage").mkdir()
    (tmp_path / "coverage" / "cels.csv").write_text("cell_id\n", encoding="utf-8")
    with pytest.raises(RecordError, match="unknown table 'cels'"):
        load_records(tmp_path)
    with pytest.raises(RecordError, match="no such file"):
        load_records(tmp_path / "missing")


def test_source_given_twice(tmp_path: Path) -> None:
    (tmp_path / "hlr.yaml").write_text("subscribers: []\n", encoding="utf-8")
    (tmp_path / "hlr").mkdir()
    with pytest.raises(RecordError, match="given twice"):
        load_records(tmp_path)


def test_missing_sources_are_empty(tmp_path: Path) -> None:
    (tmp_path / "hlr.yaml").write_text("subscribers: []\n", encoding="utf-8")
    assert load_records(tmp_path) == SourceRecords()  # a source said, with no records
    assert from_mapping({}) == SourceRecords()
    assert from_mapping(None) == SourceRecords()
    records = from_mapping({"hlr": {"subscribers": [SUBSCRIBER]}})
    assert len(records.subscribers) == 1 and records.cells == ()


def test_yaml_native_and_unquoted_values() -> None:
    text = """
hlr:
  subscribers:
    - msisdn: 8613800000001
      suspended_since: 2026-08-01
      registration: {state: registered, last_update: 2026-11-20T08:55:00+08:00}
billing:
  accounts:
    - msisdn: '8613800000001'
      charges: [{id: c1, cycle: 2026-10, amount: 5, sp_code: 801234}]
"""
    records = from_mapping(yaml.safe_load(text))
    sub = records.subscribers[0]
    assert sub["msisdn"] == "8613800000001"
    assert sub["suspended_since"] == dt.date(2026, 8, 1)
    assert sub["registration"]["last_update"].utcoffset() == dt.timedelta(hours=8)
    charge = records.accounts[0]["charges"][0]
    assert (charge["cycle"], charge["sp_code"]) == ("2026-10", "801234")


def test_extra_fields_are_kept() -> None:
    records = from_mapping(sources(cells=[with_(CELL, vendor="acme")]))
    assert records.cells[0]["vendor"] == "acme"
    assert records.cells[0]["azimuth"] == 120


# -- what a data path may hold (docs/data.md) ----------------------------------------------------
def _refused(path: Path) -> str:
    with pytest.raises(RecordError) as info:
        load_records(path)
    return str(info.value)


def test_an_empty_folder_is_refused_with_the_layout_it_expects(tmp_path: Path) -> None:
    message = _refused(tmp_path)
    assert "holds no record files" in message and "it is empty" in message
    assert "hlr.yaml" in message and "coverage/cells.csv" in message and "docs/data.md" in message


def test_a_folder_holding_only_an_unrecognised_file_names_it(tmp_path: Path) -> None:
    records_file = tmp_path / "records.yaml"
    records_file.write_text(yaml.safe_dump({"hlr": {"subscribers": [SUBSCRIBER]}}),
                            encoding="utf-8")
    (tmp_path / "notes").mkdir()
    message = _refused(tmp_path)
    assert "it ignored notes/, records.yaml" in message
    assert "given as the path itself" in message
    # the same file given as the path is read
    assert len(load_records(records_file).subscribers) == 1


def test_source_folders_without_table_files_are_refused_naming_what_they_hold(
        tmp_path: Path) -> None:
    (tmp_path / "coverage").mkdir()
    (tmp_path / "coverage" / "cells.txt").write_text("cell_id\n", encoding="utf-8")
    (tmp_path / "hlr").mkdir()
    message = _refused(tmp_path)
    assert "holds no record files (it ignored coverage/cells.txt)" in message


def test_files_beside_the_records_are_named_in_a_warning(tmp_path: Path) -> None:
    (tmp_path / "hlr.yaml").write_text(yaml.safe_dump({"subscribers": [SUBSCRIBER]}),
                                       encoding="utf-8")
    (tmp_path / "billing.yml.bak").write_text("accounts: []\n", encoding="utf-8")
    (tmp_path / "coverage").mkdir()
    (tmp_path / "coverage" / "cells.csv").write_text("cell_id,lat,lon,range_m\n",
                                                     encoding="utf-8")
    (tmp_path / "coverage" / "README.md").write_text("drive tests of May\n", encoding="utf-8")
    with pytest.warns(IgnoredFilesWarning) as caught:
        records = load_records(tmp_path)
    assert len(records.subscribers) == 1
    (warning,) = caught
    assert isinstance(warning.message, IgnoredFilesWarning)
    assert warning.message.ignored == ("billing.yml.bak", "coverage/README.md")
    assert "billing.yml.bak, coverage/README.md" in str(warning.message)


def test_hidden_files_and_the_demo_complaints_file_pass_without_a_warning(
        tmp_path: Path) -> None:
    (tmp_path / "hlr.yaml").write_text("subscribers: []\n", encoding="utf-8")
    (tmp_path / ".DS_Store").write_bytes(b"\0")
    (tmp_path / "complaints.yaml").write_text("cases: []\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_records(tmp_path) == SourceRecords()


@pytest.mark.parametrize(("name", "text", "words"), [
    ("records.yaml", "", ["holds no records", "hlr:"]),
    ("records.yaml", "# nothing yet\n", ["holds no records"]),
    ("records.json", "{}", ["holds no records"]),
    ("records.yaml", "sources: {}\n", ["holds no records"]),
    ("cells.csv", "cell_id,lat,lon,range_m\nc1,28.2,112.9,500\n",
     ["a single record file is YAML or JSON", "<source>/<table>.csv"]),
])
def test_a_single_file_without_records_is_refused(tmp_path: Path, name: str, text: str,
                                                  words: list[str]) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    message = _refused(path)
    assert message.startswith(str(path))
    for word in words:
        assert word in message


def test_a_single_file_is_accepted_with_or_without_a_sources_key(tmp_path: Path) -> None:
    block = {"hlr": {"subscribers": [SUBSCRIBER]}}
    (tmp_path / "a.json").write_text(json.dumps(block), encoding="utf-8")
    (tmp_path / "b.yml").write_text(yaml.safe_dump({"sources": block}), encoding="utf-8")
    assert load_records(tmp_path / "a.json") == load_records(tmp_path / "b.yml")
    assert len(load_records(tmp_path / "a.json").subscribers) == 1


@pytest.mark.parametrize(("text", "words"), [
    ('{"subscribers": [{"msisdn": "1", "x": NaN}]}', ["NaN is not a number JSON allows"]),
    ('{"subscribers": [], "subscribers": []}', ["'subscribers' appears twice"]),
    ('{"subscribers": [{"msisdn": ' + "9" * 5000 + "}]}", ["not valid JSON"]),
    ("[" * 100_000 + "]" * 100_000, ["too large or complex"]),
    ('{"subscribers": ' + "[" * 100 + "]" * 100 + "}", ["nested deeper than 64 levels"]),
    ('{"subscribers": [' + ",".join(["0"] * 210_000) + "]}", ["more than 200000 values"]),
])
def test_malformed_or_hostile_json_names_the_file(tmp_path: Path, text: str,
                                                  words: list[str]) -> None:
    (tmp_path / "hlr.json").write_text(text, encoding="utf-8")
    message = _refused(tmp_path)
    assert "hlr.json" in message
    for word in words:
        assert word in message


def _alias_bomb(levels: int = 9) -> str:
    """The billion-laughs shape: each level lists the one below nine times (9**levels)."""
    text = 'l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]\n'
    for i in range(1, levels):
        text += f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n"
    return text


@pytest.mark.parametrize("layout", ["source-file", "table-file", "single-file"])
def test_an_alias_bomb_in_a_data_file_is_refused(tmp_path: Path, layout: str) -> None:
    bomb = _alias_bomb()
    if layout == "source-file":
        path = tmp_path / "coverage.yaml"
        path.write_text(bomb + "cells: *l8\n", encoding="utf-8")
        target = tmp_path
    elif layout == "table-file":
        (tmp_path / "coverage").mkdir()
        path = tmp_path / "coverage" / "cells.yaml"
        path.write_text("- " + bomb.replace("\n", "\n  "), encoding="utf-8")
        target = tmp_path
    else:
        path = target = tmp_path / "records.yaml"
        path.write_text("coverage:\n  " + bomb.replace("\n", "\n  ") + "cells: *l8\n",
                        encoding="utf-8")
    message = _refused(target)
    assert message.startswith(f"{path}:")
    assert "too large or complex to read" in message and "aliases" in message


def test_a_record_file_larger_than_a_tree_file_is_refused_before_it_is_read(
        tmp_path: Path) -> None:
    (tmp_path / "hlr.yaml").write_text("subscribers: []\n" + "#" * 600_000 + "\n",
                                       encoding="utf-8")
    message = _refused(tmp_path)
    assert "bytes; the limit for a YAML or JSON record file is 512000" in message
    assert "CSV" in message


def _complaint_file(tmp_path: Path) -> Path:
    path = tmp_path / "complaint.yaml"
    path.write_text(yaml.safe_dump({
        "id": "T1", "type": "no_service", "msisdn": "8613800000001",
        "reported_at": "2026-11-20T09:30:00+08:00", "location": {"lat": 28.2282, "lon": 112.9388},
    }), encoding="utf-8")
    return path


@pytest.mark.parametrize("holding", ["nothing", "records.yaml"])
def test_the_cli_refuses_a_data_folder_without_record_files(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], holding: str) -> None:
    from diagtree._cli import main

    data = tmp_path / "data"
    data.mkdir()
    if holding != "nothing":
        (data / holding).write_text("hlr: {subscribers: []}\n", encoding="utf-8")
    code = main(["diagnose", "--complaint", str(_complaint_file(tmp_path)), "--data", str(data)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert "holds no record files" in err and "docs/data.md" in err
    assert (holding in err) if holding != "nothing" else ("it is empty" in err)
    assert "Traceback" not in err


def test_the_cli_reads_a_single_record_file_given_as_data(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from diagtree._cli import main

    records = tmp_path / "records.yaml"
    records.write_text(yaml.safe_dump({"hlr": {"subscribers": [SUBSCRIBER]}}), encoding="utf-8")
    code = main(["diagnose", "--complaint", str(_complaint_file(tmp_path)), "--data",
                 str(records), "--json"])
    out, _err = capsys.readouterr()
    assert code == 0
    assert json.loads(out)["complaint_id"] == "T1"
