"""Malformed records give typed errors, never a crash later on.

Records (`records_from_mapping`, `load_records`) are checked once, when read: a number that is
not finite, absurdly large or outside its field's range, or a time at the very ends of the
calendar, is a `RecordError` naming the field. A *backend* (an operator's own record store, not
checked by `records_from_mapping`) that returns such a value makes its source fail — the facts
unavailable and the failure recorded — instead of passing NaN into the facts.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from adapter_support import (
    ACCOUNT,
    CELL,
    MSISDN,
    SUBSCRIBER,
    complaint,
    sources,
    store,
    with_,
)
from hypothesis import given
from hypothesis import strategies as st

from diagtree import Engine
from diagtree._errors import SourceError
from diagtree_adapters import (
    BillingAdapter,
    CoverageAdapter,
    HlrAdapter,
    RecordError,
    RecordStore,
    SourceRecords,
    load_records,
    mock_sources,
    records_from_mapping,
)

from conftest import fuzz

GAP: dict[str, Any] = {"lat": CELL["lat"], "lon": CELL["lon"], "radius_m": 400,
                       "planned_fix": "2027-03-31", "note": "new site"}
SAMPLE: dict[str, Any] = {"lat": CELL["lat"], "lon": CELL["lon"], "rsrp_dbm": -100,
                          "sinr_db": 5, "at": "2026-11-18T19:00:00+08:00"}


def _refused(block: dict[str, Any]) -> str:
    with pytest.raises(RecordError) as info:
        records_from_mapping(block)
    return str(info.value)


# -- numbers -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("block", "where", "words"), [
    (sources(cells=[with_(CELL, lat=10**400)]), "coverage.cells row 0: field 'lat'",
     ["about 401 digits", "out of range (-90 to 90)"]),
    (sources(cells=[with_(CELL, lat=90.5)]), "field 'lat'", ["90.5 is out of range"]),
    (sources(cells=[with_(CELL, lon=-180.01)]), "field 'lon'", ["(-180 to 180)"]),
    (sources(cells=[with_(CELL, lat=math.nan)]), "field 'lat'", ["nan is out of range"]),
    (sources(cells=[with_(CELL, range_m=10**400)]), "field 'range_m'", ["out of range"]),
    (sources(cells=[with_(CELL, range_m=math.inf)]), "field 'range_m'", ["inf is out of range"]),
    (sources(cells=[with_(CELL, range_m=-1)]), "field 'range_m'", ["-1 is out of range (0 to"]),
    (sources(cells=[with_(CELL, range_m=4e7)]), "field 'range_m'", ["out of range"]),
    (sources(coverage_gaps=[with_(GAP, radius_m=1e300)]), "coverage.coverage_gaps row 0",
     ["radius_m", "out of range"]),
    (sources(measurements=[with_(SAMPLE, lon=1e308)]), "coverage.measurements row 0",
     ["'lon'", "1e+308 is out of range"]),
    (sources(measurements=[with_(SAMPLE, rsrp_dbm=-math.inf)]), "field 'rsrp_dbm'",
     ["expected a finite number, got -inf"]),
    (sources(cells=[with_(CELL, prb_util_busy_hour=math.nan)]), "field 'prb_util_busy_hour'",
     ["finite"]),
    (sources(accounts=[with_(ACCOUNT, balance=-math.inf)]), "field 'balance'", ["finite"]),
    (sources(accounts=[with_(ACCOUNT, overdue_amount=math.nan)]), "field 'overdue_amount'",
     ["finite"]),
    (sources(accounts=[with_(ACCOUNT, charges=[{"id": "c1", "amount": -10**400}])]),
     "field 'charges[0].amount'", ["about 401 digits", "out of range"]),
    (sources(accounts=[with_(ACCOUNT, plan={"rates": {"data_per_mb": math.inf}})]),
     "field 'plan.rates.data_per_mb'", ["finite"]),
    (sources(accounts=[with_(ACCOUNT, payments=[{"id": "p", "amount": 1e13}])]),
     # the value itself is masked like any long digit run in an error message
     "field 'payments[0].amount'", ["100*********00.0 is out of range", "at most 1e+12"]),
])
def test_an_impossible_number_is_refused_naming_the_field(block: dict[str, Any], where: str,
                                                          words: list[str]) -> None:
    message = _refused(block)
    assert where in message
    for word in words:
        assert word in message


@pytest.mark.parametrize(("cell", "words"), [
    ("1e400", ["'1e400' is out of range"]),
    ("9" * 5000, ["is out of range"]),
    ("nan", ["expected a finite number"]),
    ("-Infinity", ["expected a finite number"]),
    ("91", ["91 is out of range (-90 to 90)"]),
])
def test_an_impossible_number_in_a_csv_cell_is_refused(tmp_path: Path, cell: str,
                                                       words: list[str]) -> None:
    (tmp_path / "coverage").mkdir()
    (tmp_path / "coverage" / "cells.csv").write_text(
        f"cell_id,lat,lon,range_m\nc1,{cell},112.9,500\n", encoding="utf-8")
    with pytest.raises(RecordError) as info:
        load_records(tmp_path)
    message = str(info.value)
    assert "cells.csv line 2: field 'lat'" in message
    assert len(message) < 400
    for word in words:
        assert word in message


def test_places_and_ranges_at_their_limits_are_accepted() -> None:
    cells = [with_(CELL, cell_id="a", lat=90, lon=180, range_m=0),
             with_(CELL, cell_id="b", lat=-90.0, lon=-180.0, range_m=20_015_115)]
    records = records_from_mapping(sources(cells=cells))
    c = complaint()
    facts = dict(CoverageAdapter(RecordStore(records)).fetch(c, 1.0))
    assert facts["coverage.serving_cells"] == ("b",)  # the half-Earth disk covers everything


# -- keys ----------------------------------------------------------------------------------------
def test_charges_without_ids_beside_duplicated_ids_name_the_duplicate() -> None:
    block = {"billing": {"accounts": [{"msisdn": MSISDN, "charges": [
        {"amount": 1}, {"amount": 1}, {"id": "a", "amount": 1}, {"id": "a", "amount": 1}]}]}}
    message = _refused(block)
    assert "field 'charges': duplicate id 'a' in charges" in message


def test_charges_without_ids_do_not_clash() -> None:
    block = {"billing": {"accounts": [{"msisdn": MSISDN, "charges": [
        {"amount": 1}, {"amount": 1}, {"id": "a", "amount": 1}]}]}}
    assert len(records_from_mapping(block).accounts[0]["charges"]) == 3


# -- the ends of the calendar --------------------------------------------------------------------
@pytest.mark.parametrize(("table", "record", "field"), [
    ("subscribers", with_(SUBSCRIBER, registration={
        "state": "registered", "last_update": "9999-12-31T23:00:00-08:00"}),
     "registration.last_update"),
    ("subscribers", with_(SUBSCRIBER, registration={
        "state": "registered", "last_update": "0001-01-01T00:00:00+08:00"}),
     "registration.last_update"),
    ("accounts", with_(ACCOUNT, payments=[{"id": "p", "at": "9999-12-31T23:59:59+00:00"}]),
     "payments[0].at"),
    ("accounts", with_(ACCOUNT, payments=[{"id": "p", "at": dt.datetime(
        9999, 12, 31, 20, tzinfo=dt.timezone(dt.timedelta(hours=-5)))}]), "payments[0].at"),
])
def test_a_time_at_the_very_end_of_the_calendar_is_refused(table: str, record: dict[str, Any],
                                                           field: str) -> None:
    message = _refused(sources(**{table: [record]}))
    assert f"field '{field}'" in message and "too near the ends of the calendar" in message


def test_times_and_dates_near_the_ends_of_the_calendar_derive_their_facts() -> None:
    late = "9999-12-30T12:00:00+08:00"
    sub = with_(SUBSCRIBER, suspended_since="9999-12-31",
                registration={"state": "registered", "last_update": late})
    account = with_(ACCOUNT, plan={"cycle_resets_on": "9999-12-31"},
                    recharge_cards=[{"serial": "1", "value": 50, "expires_on": "9999-12-01"}],
                    payments=[{"id": "p1", "amount": 5, "at": "0001-01-02T08:00:00+08:00"}])
    records = records_from_mapping(sources(
        subscribers=[sub], accounts=[account],
        coverage_gaps=[with_(GAP, planned_fix="9999-12-31")],
        alarms=[{"element": CELL["cell_id"], "type": "site_down", "severity": "critical",
                 "raised_at": "0001-01-02T00:00:00+00:00", "eta": late}]))
    backend = RecordStore(records)
    # reported in the last days of the calendar: the card expired and is in its grace period
    # (expires_on + 180 days is past year 9999, so it must not be computed)
    # (parse_complaint refuses such a year; a Complaint an integrator builds by hand does not)
    c = dataclasses.replace(
        complaint("recharge_issue", subject={"card_serial": "1", "payment_id": "p1"}),
        reported_at=dt.datetime.fromisoformat("9999-12-30T09:30:00+08:00"))
    facts: dict[str, Any] = {}
    for adapter in (HlrAdapter(backend), BillingAdapter(backend), CoverageAdapter(backend)):
        facts.update(adapter.fetch(c, 1.0))
    assert facts["billing.card.expired"] is True and facts["billing.card.in_grace"] is True
    assert facts["billing.plan.cycle_resets_on"] == dt.date(9999, 12, 31)
    assert facts["coverage.gap.planned_fix"] == dt.date(9999, 12, 31)
    assert facts["hlr.sim_not_registered"] is False
    assert facts["coverage.outage.active"] is True


# -- a backend's malformed numbers and times: the source fails -----------------------------------
class _Tampered:
    """A backend over a `RecordStore` whose look-ups of one kind return tampered records."""

    def __init__(self, inner: RecordStore, method: str,
                 tamper: Callable[[Any], Any]) -> None:
        self._inner = inner
        self._method = method
        self._tamper = tamper

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._inner, name)
        if name != self._method:
            return found
        return lambda *args: self._tamper(copy.deepcopy(found(*args)))


def _account(**changes: Any) -> Callable[[Any], Any]:
    return lambda record: {**record, **changes}


def _each(**changes: Any) -> Callable[[Any], Any]:
    return lambda records: [{**r, **changes} for r in records]


_LATE = dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-8)))


@pytest.mark.parametrize(("adapter", "method", "tamper", "fact"), [
    (BillingAdapter, "account", _account(balance=-math.inf), "billing.account.balance"),
    (BillingAdapter, "account", _account(overdue_amount=math.nan),
     "billing.account.overdue_amount"),
    (BillingAdapter, "account", _account(balance=10**400), "billing.account.balance"),
    (BillingAdapter, "account", _account(plan={**ACCOUNT["plan"], "data_used_mb": math.nan}),
     "billing.plan.quota_exhausted"),
    (BillingAdapter, "account", _account(charges=[{"id": "c1", "kind": "rental",
                                                  "amount": 1e300}]),
     "billing.charge.refund_amount"),
    (BillingAdapter, "account", _account(payments=[{"id": "p1", "at": _LATE}]),
     "billing.payment.at"),
    (CoverageAdapter, "measurements_near", _each(rsrp_dbm=math.nan), "coverage.rsrp_dbm"),
    (CoverageAdapter, "measurements_near", _each(sinr_db=math.inf), "coverage.sinr_db"),
    (CoverageAdapter, "cells_near_split",
     lambda pair: (pair[0], [{**c, "range_m": math.inf} for c in pair[0] + pair[1]]),
     "coverage.serving_cell_count"),
    (CoverageAdapter, "cells_near_split",
     lambda pair: ([], [{**c, "lat": math.nan} for c in pair[0] + pair[1]]),
     "coverage.serving_cell_count"),
    (CoverageAdapter, "cells_near_split",
     lambda pair: ([], [{**c, "prb_util_busy_hour": math.nan} for c in pair[0] + pair[1]]),
     "coverage.prb_util_max"),
    (CoverageAdapter, "gaps_near", _each(radius_m=math.inf), "coverage.gap.in_gap"),
    (HlrAdapter, "subscriber", lambda r: {**r, "registration": {
        **r["registration"], "last_update": _LATE}}, "hlr.registration.last_update"),
])
def test_a_backends_non_finite_or_impossible_value_fails_its_source(
        adapter: Callable[[Any], Any], method: str, tamper: Callable[[Any], Any],
        fact: str) -> None:
    base = store(measurements=[SAMPLE], coverage_gaps=[GAP])
    c = complaint("recharge_issue", subject={"charge_id": "c1", "payment_id": "p1"})
    assert adapter(base).fetch(c, 1.0)[fact] is not None or fact.endswith("at")  # sane
    facts = adapter(_Tampered(base, method, tamper)).fetch(c, 1.0)
    with pytest.raises(SourceError, match="malformed record"):
        facts[fact]


def test_a_backends_nan_balance_is_a_failed_source_in_the_diagnosis() -> None:
    records = records_from_mapping(sources(accounts=[with_(
        ACCOUNT, status="suspended", suspended_reason="arrears", balance=-30.5,
        overdue_amount=30.5)]))
    base = RecordStore(records)
    backend = _Tampered(base, "account", _account(balance=-math.inf, overdue_amount=math.nan))
    engine = Engine(sources=mock_sources(records_from_mapping({})))
    c = {"id": "NF", "type": "service_suspended", "msisdn": MSISDN,
         "reported_at": "2026-11-20T09:30:00+08:00"}
    diagnosis = engine.diagnose(c, sources=[HlrAdapter(base), BillingAdapter(backend),
                                            CoverageAdapter(base)])
    assert "billing" in diagnosis.unavailable
    text = diagnosis.to_json()
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in to_json()"))
    assert "nan" not in text.lower().replace("nanjing", "")


# -- fuzz: only RecordError comes out of malformed records ---------------------------------------
_WEIRD_NUMBERS = st.sampled_from([math.nan, math.inf, -math.inf, 10**400, -10**400, 1e308,
                                  -0.0, 2**63, 1e12, 1e12 + 1, True, 91, -181])
_WEIRD_TEXT = st.sampled_from(["", "null", "9999-12-31", "9999-12-31T23:59:59-12:00",
                               "0001-01-01T00:00:00+14:00", "2026-11-20T09:30:00+08:00",
                               "2026-13-45", "nan", "1e400", "x" * 300, "\ud800", "a;b"])
_DATES = st.sampled_from([dt.date.min, dt.date.max, dt.datetime.max, dt.datetime.min,
                          dt.datetime.max.replace(tzinfo=dt.UTC),
                          dt.datetime.min.replace(tzinfo=dt.UTC)])
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _WEIRD_NUMBERS,
                     st.text(max_size=12), _WEIRD_TEXT, _DATES)
_FIELDS = st.sampled_from([
    "msisdn", "id", "amount", "lat", "lon", "range_m", "radius_m", "cell_id", "type", "status",
    "charges", "registration", "last_update", "balance", "plan", "rates", "data_per_mb",
    "expires_on", "serial", "odb", "category", "services", "cells", "start", "end", "at",
    "planned_fix", "rsrp_dbm", "tac", "sp_code", "confirmation", "replied_at", "quantity"])
_VALUES = st.recursive(
    _SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                      st.dictionaries(_FIELDS, inner, max_size=5)),
    max_leaves=20)
#: what a field is replaced by: mostly the values that broke something once
_MUTATIONS = st.one_of(_WEIRD_NUMBERS, _WEIRD_TEXT, _DATES, _VALUES)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a record: its fields, their nested fields and list items."""
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            out.extend(_paths(inner, (*prefix, key)))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            out.extend(_paths(inner, (*prefix, i)))
    return out


_HEALTHY = sources(measurements=[SAMPLE], coverage_gaps=[GAP], alarms=[
    {"element": CELL["cell_id"], "type": "site_down", "severity": "critical",
     "raised_at": "2026-11-20T07:10:00+08:00", "eta": "2026-11-20T13:00:00+08:00"}],
    planned_works=[{"cells": [CELL["cell_id"]], "start": "2026-11-20T01:00:00+08:00",
                    "end": "2026-11-20T23:00:00+08:00"}])
#: (source, table, path into its first record) for every field of the healthy records
_TARGETS = [(source, table, path) for source, tables in _HEALTHY.items()
            for table, rows in tables.items() if rows for path in _paths(rows[0])]


def _has(node: Any, key: Any) -> bool:
    return isinstance(node, list) and isinstance(key, int) and key < len(node)


@fuzz(300)
@given(st.data())
def test_malformed_records_raise_only_record_error(data: st.DataObject) -> None:
    block = copy.deepcopy(_HEALTHY)
    for _ in range(data.draw(st.integers(1, 3), label="changes")):
        source, table, path = data.draw(st.sampled_from(_TARGETS), label="field")
        node: Any = block[source][table][0]
        for key in path[:-1]:  # an earlier change may have replaced a mapping on the way
            node = node.get(key) if isinstance(node, dict) else (
                node[key] if _has(node, key) else None)
        if isinstance(node, dict) or _has(node, path[-1]):
            node[path[-1]] = data.draw(_MUTATIONS, label=f"{table} {path}")
    try:
        records = records_from_mapping(block)
    except RecordError:
        return
    assert isinstance(records, SourceRecords)
    # what was accepted builds the sources and derives every fact, without a source failure
    c = complaint("bill_dispute", subject={"charge_id": "c1", "card_serial": "1234567890",
                                           "payment_id": "p1", "sp_code": "801234"})
    for adapter in mock_sources(records):
        try:
            dict(adapter.fetch(c, 1.0))
        except SourceError as exc:
            pytest.fail(f"validated records failed {adapter.name}: {exc}")


@fuzz(100)
@given(st.one_of(_VALUES, st.dictionaries(st.sampled_from(["hlr", "billing", "coverage",
                                                          "sources"]), _VALUES, max_size=3)),
       st.sampled_from(["records.json", "records.yaml", "hlr.json", "coverage.yaml"]))
def test_malformed_record_files_raise_only_record_error(tmp_path_factory: pytest.TempPathFactory,
                                                        data: Any, name: str) -> None:
    folder = tmp_path_factory.mktemp("data")
    text = json.dumps(data, default=str)  # JSON is YAML too
    (folder / name).write_text(text, encoding="utf-8")
    target = folder / name if name.startswith("records") else folder
    with contextlib.suppress(RecordError):
        load_records(target)


@pytest.mark.parametrize(("table", "record", "field"), [
    ("cells", with_(CELL, lat=10**400), "lat"),
    ("cells", with_(CELL, range_m=math.nan), "range_m"),
    ("coverage_gaps", with_(GAP, lon="112.9"), "lon"),
    ("measurements", with_(SAMPLE, lon=1e308), "lon"),
])
def test_records_built_by_hand_are_checked_where_the_store_indexes_them(
        table: str, record: dict[str, Any], field: str) -> None:
    # SourceRecords is a plain dataclass: a caller may fill it without records_from_mapping
    with pytest.raises(RecordError, match=rf"^{table} row 0: field '{field}': expected a number"):
        mock_sources(SourceRecords(**{table: (record,)}))
