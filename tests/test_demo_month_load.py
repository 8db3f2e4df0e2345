"""`load_records` reads a folder of CSV tables column by column (`adapters/_csvfast.py`) when it
can, and row by row otherwise: both paths give the same records — on the bundled demo city, on
a generated month, and on fuzzed tables of every kind of cell (values that convert, nulls,
values that do not, dotted groups, child tables, extra columns) — and the same error."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import diagtree_adapters._load as loader
from diagtree_adapters import RecordError, SourceRecords, load_records
from diagtree_adapters.demo import demo_folder, generate_month, write_month

from conftest import fuzz


def _row_path(folder: Path) -> SourceRecords | str:
    original = loader.fast_tables
    loader.fast_tables = lambda *args: None  # type: ignore[assignment]
    try:
        return _load(folder)
    finally:
        loader.fast_tables = original


def _load(folder: Path) -> SourceRecords | str:
    try:
        return load_records(folder)
    except RecordError as exc:
        return f"RecordError: {exc}"


def _taken(folder: Path) -> list[str]:
    """The sources of `folder` the fast path read."""
    taken = []
    original = loader.fast_tables

    def spy(raw, source, children):  # type: ignore[no-untyped-def]
        out = original(raw, source, children)
        if out is not None:
            taken.append(source)
        return out

    loader.fast_tables = spy
    try:
        _load(folder)
    finally:
        loader.fast_tables = original
    return taken


def test_the_bundled_city_reads_the_same_both_ways() -> None:
    assert _taken(demo_folder()) == ["hlr", "billing", "coverage"]
    assert _load(demo_folder()) == _row_path(demo_folder())


def test_a_month_reads_the_same_both_ways(tmp_path: Path) -> None:
    write_month(generate_month(3, 2000), tmp_path, "csv")
    assert _taken(tmp_path) == ["hlr", "billing", "coverage"]
    fast = _load(tmp_path)
    assert isinstance(fast, SourceRecords) and len(fast.subscribers) == 2000
    assert fast == _row_path(tmp_path)


_ANY = ["", "null", "x", "1", "-3.5", "1e999", "true", "no", "2026-11-20",
        "2026-11-20T09:30:00+08:00", "2026-11-20T09:30:00", "LTE", "GSM", "critical",
        "site_down", "a;b", '["sms"]', "sms;voice", "cmnet", " 7 ", "[1", "{}", "8613800000001"]
_TABLES = {
    ("coverage", "cells"): ["cell_id", "tech", "lat", "lon", "range_m", "status",
                            "prb_util_busy_hour", "azimuth"],
    ("coverage", "alarms"): ["element", "type", "severity", "raised_at", "eta", "affects"],
    ("hlr", "subscribers"): ["msisdn", "status", "services.voice", "services.data",
                             "registration.state", "registration.last_update",
                             "suspended_since", "odb"],
    ("billing", "accounts"): ["msisdn", "status", "balance", "plan.code", "plan.rates.sms_each",
                              "plan.includes", "plan.cycle_resets_on"],
    ("billing", "charges"): ["msisdn", "id", "cycle", "kind", "amount", "quantity"],
}


@st.composite
def _folder_tables(draw: st.DrawFn) -> dict[tuple[str, str], list[list[str]]]:
    tables = {}
    chosen = draw(st.sets(st.sampled_from(sorted(_TABLES)), min_size=1))
    if ("billing", "charges") in chosen:
        chosen.add(("billing", "accounts"))
    msisdns = ["8613800000001", "8613800000002", "8613800000003"]
    for key in sorted(chosen):
        columns = _TABLES[key]
        header = draw(st.lists(st.sampled_from(columns), min_size=1, max_size=len(columns),
                               unique=True))
        if key[1] in ("accounts", "charges", "subscribers") and "msisdn" not in header:
            header = ["msisdn", *header]
        if key == ("hlr", "subscribers") and draw(st.booleans()):
            header = [h for h in header if h != "odb"]
        rows = []
        for i in range(draw(st.integers(0, 3))):
            row = [draw(st.sampled_from(_ANY)) for _ in header]
            if "msisdn" in header and draw(st.integers(0, 9)):
                row[header.index("msisdn")] = msisdns[i % 3] if key[1] != "charges" \
                    else draw(st.sampled_from(msisdns))
            rows.append(row)
        tables[key] = [header, *rows]
    return tables


@fuzz(80)
@given(_folder_tables())
def test_fuzzed_tables_read_the_same_both_ways(
        tmp_path_factory: pytest.TempPathFactory,
        tables: dict[tuple[str, str], list[list[str]]]) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    for (source, table), rows in tables.items():
        (folder / source).mkdir(exist_ok=True)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        (folder / source / f"{table}.csv").write_text(out.getvalue(), encoding="utf-8")
    assert _load(folder) == _row_path(folder)
