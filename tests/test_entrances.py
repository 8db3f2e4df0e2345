"""Every public entrance, fed malformed input, lets out only the errors it documents.

One hypothesis test drives them all — `parse_complaint`, `Engine.diagnose` (complaint and
answers), `Engine.session`, `Session.answer`/`back`, `Engine.resume`, `records_from_mapping`,
`load_records` and the command line — with values of every JSON type (huge ints, NaN and
infinities, lone surrogates, empty containers, dates at the calendar's edges) put in place of a
valid input's fields, or in place of the whole input. The per-entrance fuzz tests beside it go
deeper on one entrance each; this one keeps the documented error types of all of them in one
place (``docs/integration.md``: `ComplaintError` and its `SessionStateError`, `RecordError`,
and the command line's exit codes), so a new entrance or a new escape shows up here.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import diagtree_adapters as ad
from diagtree import ComplaintError, Diagnosis, Engine, Session, parse_complaint
from diagtree._cli import main

from conftest import fuzz

COMPLAINT: dict[str, Any] = {
    "id": "E-1", "type": "no_service", "msisdn": "8613800000001",
    "reported_at": "2026-11-20T09:30:00+08:00", "location": {"lat": 28.2282, "lon": 112.9388},
    "channel": "hotline", "agent_role": "agent", "subject": {"charge_id": "c1"},
    "incident": {"distinct_customers_24h": 3},
    "history": [{"id": "H1", "at": "2026-11-01T10:00:00+08:00", "type": "no_service",
                 "cause": "network.site_outage"}],
}
RECORDS: dict[str, Any] = {
    "hlr": {"subscribers": [{"msisdn": "8613800000001", "imsi": "460001234567890",
                             "services": {"voice": True, "sms": True, "data": True}}]},
    "billing": {"accounts": [{"msisdn": "8613800000001", "status": "active", "balance": 12.5,
                              "charges": [{"id": "c1", "amount": 10}]}]},
    "coverage": {"cells": [{"cell_id": "c1", "lat": 28.2282, "lon": 112.9388,
                            "range_m": 800, "technology": "LTE"}]},
}

_EDGE_TEXT = ["", " ", "\udcff", "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00+00:00",
              "13800000001", "+86 138 0000 0001", "no_service", "true", "false", "NaN",
              "x" * 300]
scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(), st.sampled_from([10**400, -(10**400), 2**63, -(2**63) - 1]),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([math.nan, math.inf]),
    st.text(max_size=20), st.sampled_from(_EDGE_TEXT))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a nested input where a value can be put."""
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _paths(item, (*prefix, i))
    return out


@st.composite
def broken(draw: st.DrawFn, valid: dict[str, Any]) -> Any:
    """`valid` with one to three places replaced by junk, a key dropped or added — or junk
    instead of the whole thing."""
    if draw(st.integers(0, 9)) == 0:
        return draw(values)
    data: Any = copy.deepcopy(valid)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(data)))
        if not path:
            continue
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "replace", "drop", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(values)
        elif action == "drop" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(values)
    return data


@pytest.fixture(scope="module")
def fuzz_engine() -> Engine:
    return Engine(sources=ad.mock_sources(ad.records_from_mapping(RECORDS)))


def _diagnose(engine: Engine, data: Any) -> None:
    complaint, answers = data
    diagnosis = engine.diagnose(complaint, answers=answers)
    assert isinstance(diagnosis, Diagnosis)
    json.loads(diagnosis.to_json(), parse_constant=_no_constant)  # standard JSON, always


def _session(engine: Engine, data: Any) -> None:
    complaint, answers = data
    session = engine.session(complaint)
    for qid, value in (answers.items() if isinstance(answers, dict) else []):
        with contextlib.suppress(ComplaintError):
            session.answer(qid, value)
    with contextlib.suppress(ComplaintError):  # nothing answered yet is a documented refusal
        session.back()
    assert isinstance(session.diagnosis(), Diagnosis)
    state = json.loads(json.dumps(session.state()))
    assert isinstance(engine.resume(state), Session)


def _resume(engine: Engine, state: Any) -> None:
    assert isinstance(engine.resume(state), Session)


def _records(data: Any, tmp: Path) -> None:
    ad.mock_sources(ad.records_from_mapping(data))
    path = tmp / "records.json"
    try:
        path.write_text(json.dumps(data, allow_nan=True), encoding="utf-8")
    except (TypeError, ValueError, UnicodeEncodeError, RecursionError):
        return  # not writable as JSON: records_from_mapping alone has been driven
    ad.mock_sources(ad.load_records(path))


def _no_constant(name: str) -> Any:
    raise AssertionError(f"{name} in to_json()")


_CLI_TOKENS = ["diagnose", "--demo", "--complaint", "D-0001", "--scenario", "--case",
               "--data", "--type", "no_service", "--msisdn", "8613800000001", "13800000001",
               "--at", "2026-11-20T09:30:00+08:00", "9999-12-31T23:59:59+14:00", "--lat",
               "91", "nan", "--lon", "1e400", "--answer", "airplane_mode=maybe",
               "airplane_mode=true", "--region", "CN", "XX", "--down", "hlr", "--json",
               "--locale", "en", "--role", "root", "/no/such/file", "", "\udcff"]


def _cli(argv: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's usage error
            code = exc.code
    assert code in (0, 1, 2), code
    assert "Traceback" not in err.getvalue()
    if code != 0:
        assert err.getvalue().strip(), "a failure says why"


ENTRANCES = ["parse_complaint", "diagnose", "session", "resume", "records", "cli"]


@fuzz(150)
@given(entrance=st.sampled_from(ENTRANCES), data=st.data())
def test_every_entrance_lets_out_only_its_documented_errors(
        fuzz_engine: Engine, tmp_path_factory: pytest.TempPathFactory, entrance: str,
        data: st.DataObject) -> None:
    if entrance == "parse_complaint":
        with contextlib.suppress(ComplaintError):
            parse_complaint(data.draw(broken(COMPLAINT)))
    elif entrance in ("diagnose", "session"):
        answers = data.draw(st.one_of(
            st.none(), values,
            st.dictionaries(st.sampled_from(["airplane_mode", "mobile_data_enabled",
                                             "sim_works_in_other_phone", "airplane_mod"]),
                            scalars, max_size=3)))
        run = _diagnose if entrance == "diagnose" else _session
        with contextlib.suppress(ComplaintError):
            run(fuzz_engine, (data.draw(broken(COMPLAINT)), answers))
    elif entrance == "resume":
        state = {"version": 1, "complaint": COMPLAINT, "answers": {"airplane_mode": False},
                 "locale": "en"}
        with contextlib.suppress(ComplaintError):  # SessionStateError is a ComplaintError
            _resume(fuzz_engine, data.draw(broken(state)))
    elif entrance == "records":
        with contextlib.suppress(ad.RecordError):
            _records(data.draw(broken(RECORDS)), tmp_path_factory.mktemp("records"))
    else:
        _cli(data.draw(st.lists(st.sampled_from(_CLI_TOKENS), max_size=8)))
