"""The complaint as it enters: MSISDNs by the numbering plans, times and places in range, every
field of a malformed complaint a `ComplaintError` naming it — never another exception."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import diagtree_adapters as ad
from diagtree import ComplaintError, ConfigurationError, Diagnosis, Engine, parse_complaint
from diagtree._vocab.complaint import LAST_YEAR, MAX_DISTINCT_CUSTOMERS
from diagtree._vocab.taxonomy import CHANNELS, LOCATED_SYMPTOMS, ROLES, SYMPTOMS

from conftest import fuzz

BASE: dict[str, Any] = {
    "id": "T1", "type": "no_service", "msisdn": "8613800000001",
    "reported_at": "2026-11-20T09:30:00+08:00", "location": {"lat": 28.2282, "lon": 112.9388},
}


def _rejected(data: dict[str, Any], **kw: Any) -> ComplaintError:
    with pytest.raises(ComplaintError) as caught:
        parse_complaint(data, **kw)
    return caught.value


# -- the MSISDN --------------------------------------------------------------------------------
def test_a_national_number_is_not_taken_for_an_international_one() -> None:
    # 13800000001 is a Chinese mobile number written nationally; read as E.164 it would be a
    # North American number that does not exist, and the HLR would not know it
    error = _rejected({**BASE, "msisdn": "13912345678"})
    assert error.field == "msisdn" and error.code == "complaint_bad_msisdn"
    assert "E.164" in error.reason and "default region" in error.reason
    assert "13912345678" not in str(error)  # masked


def _full_parse(digits: str) -> str | None:
    """What `phonenumbers` makes of ``+digits`` in full: the E.164 digits, or None."""
    import phonenumbers

    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]


def _calling_codes() -> list[str]:
    import phonenumbers

    return sorted(str(code) for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


@fuzz(600)
@given(st.sampled_from(_calling_codes()) | st.text("0123456789", min_size=1, max_size=3),
       st.text("0123456789", min_size=0, max_size=15))
def test_the_e164_shortcut_agrees_with_the_full_parse(code: str, rest: str) -> None:
    # `_e164` answers without phonenumbers' parse where that parse only splits off the country
    # code: wherever it answers, it must say what the full parse says
    from diagtree._vocab.complaint import _e164

    digits = (code + rest)[:17]
    known, valid = _e164(digits)
    if known:
        assert (digits if valid else None) == _full_parse(digits)


@pytest.mark.parametrize("digits", [
    "8613800000001", "447400123456", "12025550123", "4930123456", "3491234567",
    "79161234567", "2348031234567", "886912345678", "61412345678", "525512345678",
    "8613800000"])
def test_the_e164_shortcut_answers_for_ordinary_numbers(digits: str) -> None:
    from diagtree._vocab.complaint import _e164, _normalised

    assert _e164(digits) == (True, _full_parse(digits) is not None)
    _normalised.cache_clear()
    assert _normalised(digits, None) == _normalised("+" + digits, None) == _full_parse(digits)


def test_the_e164_shortcut_agrees_on_every_region_s_example_numbers() -> None:
    # phonenumbers' own example number of every type in every region (and one digit more or
    # less): the valid numbers the shortcut must know, and near misses it must refuse alike
    import phonenumbers

    from diagtree._vocab.complaint import _e164

    answered = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in range(12):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)[1:]
            for digits in (e164, e164[:-1], e164 + "5"):
                known, valid = _e164(digits)
                if known:
                    answered += 1
                    assert (digits if valid else None) == _full_parse(digits), digits
    assert answered > 3000  # (most are answered without the full parse)


@pytest.mark.parametrize("digits", ["390612345678", "8860912345678", "4407400123456", "86", "447",
                                    "0123456"])
def test_the_e164_shortcut_leaves_leading_zeros_and_prefixes_to_the_full_parse(
        digits: str) -> None:
    from diagtree._vocab.complaint import _e164, _normalised

    assert _e164(digits) == (False, False)
    _normalised.cache_clear()
    assert _normalised(digits, None) == _normalised("+" + digits, None) == _full_parse(digits)


@pytest.mark.parametrize("number", ["13800000001", "8613800000001", "+8613800000001",
                                    "013800000001"])
def test_with_a_default_region_a_national_number_is_normalised(number: str) -> None:
    assert parse_complaint({**BASE, "msisdn": number}, default_region="CN").msisdn == \
        "8613800000001"


def test_e164_is_read_with_or_without_plus_and_as_a_yaml_int() -> None:
    for given_as in ("8613800000001", "+8613800000001", 8613800000001):
        assert parse_complaint({**BASE, "msisdn": given_as}).msisdn == "8613800000001"
    # another country's E.164 number is still E.164 when a default region is set
    assert parse_complaint({**BASE, "msisdn": "+447400123456"},
                           default_region="CN").msisdn == "447400123456"


@pytest.mark.parametrize("number", [
    "8612345678",         # the old pattern's 8-15 digits, but no such Chinese number
    "8601234567890",      # a trunk 0 after the country code
    "86138000000012",     # one digit too many
    "+86 138 0000 0001",  # spaces
    "+13800000001",       # '+' always means E.164
    "８６13800000001",      # full-width digits
    "8613800000001\n", "", "0", "+", "++8613800000001", "86" * 40,
], ids=lambda v: "long" if len(v) > 20 else None)
def test_numbers_no_plan_has_are_rejected(number: str) -> None:
    for region in (None, "CN"):
        error = _rejected({**BASE, "msisdn": number}, default_region=region)
        assert error.field == "msisdn", (number, region)


def test_the_engine_and_its_sessions_use_the_default_region() -> None:
    records = ad.records_from_mapping({"hlr": {"subscribers": [
        {"msisdn": "8613800000001", "status": "service_granted"}]}})
    national = {**BASE, "msisdn": "13800000001"}
    strict = Engine(sources=ad.mock_sources(records))
    with pytest.raises(ComplaintError, match="msisdn"):
        strict.diagnose(national)
    engine = Engine(sources=ad.mock_sources(records), default_region="CN")
    found = engine.diagnose(national)
    read = {fact.name: fact.value for step in found.trace for fact in step.facts}
    assert read["hlr.found"] is True  # the HLR knows the normalised number
    assert found.cause == engine.diagnose({**BASE}).cause
    assert engine.session(national).complaint.msisdn == "8613800000001"


@pytest.mark.parametrize("region", ["cn", "XX", "", "China", 86])
def test_an_unknown_region_is_a_configuration_error(region: Any) -> None:
    with pytest.raises(ValueError, match="default_region") as caught:
        parse_complaint(BASE, default_region=region)
    assert not isinstance(caught.value, ComplaintError)
    assert isinstance(caught.value, ConfigurationError)
    assert caught.value.field == "default_region"
    with pytest.raises(ValueError, match="default_region"):
        Engine(sources=ad.mock_sources(ad.records_from_mapping({})), default_region=region)


# -- times -------------------------------------------------------------------------------------
@pytest.mark.parametrize("when", ["9999-12-31T23:00:00+08:00", "0001-01-01T00:00:00+05:00",
                                  "1999-12-31T23:59:59+00:00", "3000-01-01T00:00:00-01:00",
                                  dt.datetime(9999, 12, 31, tzinfo=dt.UTC)])
def test_times_at_the_edge_of_the_calendar_are_rejected(when: Any) -> None:
    assert _rejected({**BASE, "reported_at": when}).field == "reported_at"
    history = [{"id": "H1", "at": when, "type": "no_service", "cause": "network.site_outage"}]
    assert _rejected({**BASE, "history": history}).field == "history[0].at"


@pytest.mark.parametrize("when", ["2000-01-01T00:00:00+14:00",
                                  f"{LAST_YEAR}-12-31T23:59:59-23:59"])
def test_the_first_and_last_years_diagnose_with_a_deadline(when: str, engine: Engine) -> None:
    d = engine.diagnose({**BASE, "reported_at": when})
    due = dt.datetime.fromisoformat(d.feedback_due)
    assert due > parse_complaint({**BASE, "reported_at": when}).reported_at


def test_a_complaint_built_by_hand_at_the_calendar_end_is_a_complaint_error(
        engine: Engine) -> None:
    parsed = parse_complaint(BASE)
    late = dataclasses.replace(parsed, reported_at=dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC))
    with pytest.raises(ComplaintError, match="reported_at"):
        engine.diagnose(late)


def test_a_time_needs_an_offset() -> None:
    error = _rejected({**BASE, "reported_at": "2026-11-20T09:30:00"})
    assert error.field == "reported_at" and "offset" in error.reason


# -- places and counts -------------------------------------------------------------------------
@pytest.mark.parametrize(("lat", "lon", "field"), [
    (10**400, 0, "location.lat"), (0, -(10**400), "location.lon"),
    (math.inf, 0, "location.lat"), (0, math.nan, "location.lon"),
    (90.000001, 0, "location.lat"), (0, -180.5, "location.lon"),
    (True, 0, "location.lat"), (0, "112.9", "location.lon"), (None, 0, "location.lat"),
], ids=lambda v: "huge" if isinstance(v, int) and abs(v) > 10**20 else None)
def test_a_location_is_finite_degrees_in_range(lat: Any, lon: Any, field: str) -> None:
    error = _rejected({**BASE, "location": {"lat": lat, "lon": lon}})
    assert error.field == field and "degrees" in error.reason
    assert len(str(error)) < 200  # a huge number is not spelt out


def test_the_poles_and_the_antimeridian_are_places() -> None:
    for lat, lon in ((90, 180), (-90, -180), (0.0, 0)):
        location = parse_complaint({**BASE, "location": {"lat": lat, "lon": lon}}).location
        assert location is not None and (location.lat, location.lon) == (lat, lon)


@pytest.mark.parametrize("count", [True, False, -1, 1.0, "3", 10**400,
                                   MAX_DISTINCT_CUSTOMERS + 1],
                         ids=lambda v: "huge" if isinstance(v, int) and v > 10**20 else None)
def test_the_incident_count_is_a_sane_int(count: Any) -> None:
    error = _rejected({**BASE, "incident": {"distinct_customers_24h": count}})
    assert error.field == "incident.distinct_customers_24h"


def test_the_incident_count_bounds_and_absence() -> None:
    for count, read in ((0, 0), (MAX_DISTINCT_CUSTOMERS, MAX_DISTINCT_CUSTOMERS), (None, 0)):
        parsed = parse_complaint({**BASE, "incident": {"distinct_customers_24h": count}})
        assert parsed.incident_distinct_customers_24h == read


@pytest.mark.parametrize(("change", "field"), [
    ({"incident": []}, "incident"), ({"incident": 0}, "incident"),
    ({"history": {}}, "history"), ({"history": ""}, "history"),
    ({"history": [{"id": "H1", "when": "2026-11-01T00:00:00+08:00"}]}, "history[0].when"),
    ({"id": ""}, "id"), ({"id": 10**40}, "id"), ({"text": "\ud800"}, "text"),
    ({"subject": {"charge_id": 1.5}}, "subject.charge_id"),
])
def test_an_empty_or_wrong_container_is_not_read_as_absent(change: dict[str, Any],
                                                           field: str) -> None:
    assert _rejected({**BASE, **change}).field == field


def test_errors_do_not_echo_a_phone_number_hidden_in_another_field() -> None:
    error = _rejected({**BASE, "channel": "8613800000001"})
    assert error.field == "channel" and "8613800000001" not in str(error)


# -- fuzz --------------------------------------------------------------------------------------
_EDGE_TIMES = st.sampled_from([
    "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59.999999-23:59", "1999-12-31T23:59:59Z",
    "3000-01-01T00:00:00+00:00", "2000-01-01T00:00:00+23:59", "2999-12-31T23:59:59-23:59",
    "2026-02-30T00:00:00+08:00", "2026-11-20T09:30:00", "2026-11-20"])
_JUNK: st.SearchStrategy[Any] = st.one_of(
    st.none(), st.booleans(), st.integers(), st.sampled_from([10**400, -(10**400), 2**63]),
    st.floats(), st.text(max_size=30), st.binary(max_size=8), _EDGE_TIMES,
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30),
                 timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=23)),
                                            dt.timezone(dt.timedelta(hours=-23))])),
    st.dates(), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.sampled_from(["8613800000001", "+8613800000001", "13800000001", "\ud800", "ℕ", "٣"]),
)
_NESTED = {
    "location": st.fixed_dictionaries({"lat": _JUNK, "lon": _JUNK}),
    "incident": st.fixed_dictionaries({"distinct_customers_24h": _JUNK}),
    "subject": st.dictionaries(st.sampled_from(["charge_id", "sp_code", "number", "nope"]),
                               _JUNK, max_size=2),
    "history": st.lists(st.dictionaries(st.sampled_from(["id", "at", "type", "cause", "x"]),
                                        _JUNK, max_size=4), max_size=3),
}
_FIELDS = ["id", "type", "msisdn", "channel", "text", "reported_at", "location", "subject",
           "agent_role", "incident", "history", "unknown"]


@st.composite
def _malformed(draw: st.DrawFn) -> dict[str, Any]:
    complaint: dict[str, Any] = dict(BASE)
    for name in draw(st.lists(st.sampled_from(_FIELDS), min_size=1, max_size=3, unique=True)):
        strategy = _NESTED.get(name, _JUNK)
        complaint[name] = draw(st.one_of(_JUNK, strategy) if name in _NESTED else strategy)
    return complaint


@fuzz(600)
@given(complaint=_malformed(), region=st.sampled_from([None, "CN"]),
       entrance=st.sampled_from(["parse", "diagnose", "session"]))
def test_fuzz_only_complaint_errors_escape(complaint: dict[str, Any], region: str | None,
                                           entrance: str, engine: Engine) -> None:
    try:
        if entrance == "parse":
            parsed = parse_complaint(complaint, default_region=region)
            assert isinstance(engine.diagnose(parsed).to_json(), str)
        elif entrance == "diagnose":
            assert isinstance(engine.diagnose(complaint, locale="en").to_json(), str)
        else:
            assert isinstance(engine.session(complaint).diagnosis(), Diagnosis)
    except ComplaintError as error:
        assert error.field and error.reason


# -- the inverse: Complaint.to_dict ------------------------------------------------------------
_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_OFFSETS = st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=8)),
                            dt.timezone(dt.timedelta(hours=-5, minutes=-30))])
_TIMES = st.datetimes(min_value=dt.datetime(2000, 1, 2), max_value=dt.datetime(2999, 12, 30),
                      timezones=_OFFSETS)


@st.composite
def _valid(draw: st.DrawFn) -> dict[str, Any]:
    symptom = draw(st.sampled_from(SYMPTOMS))
    data: dict[str, Any] = {
        "id": draw(_TEXT.filter(str.strip)), "type": symptom,
        "msisdn": draw(st.sampled_from(["8613800000001", "+447400123456", "8613912345678"])),
        "reported_at": draw(st.one_of(_TIMES, _TIMES.map(dt.datetime.isoformat)))}
    optional: dict[str, st.SearchStrategy[Any]] = {
        "channel": st.sampled_from(CHANNELS), "agent_role": st.sampled_from(ROLES),
        "text": _TEXT,
        "incident": st.fixed_dictionaries(
            {}, optional={"distinct_customers_24h": st.integers(0, MAX_DISTINCT_CUSTOMERS)}),
        "subject": st.fixed_dictionaries({}, optional={
            k: st.one_of(st.none(), _TEXT) for k in ("charge_id", "sp_code", "payment_id",
                                                    "card_serial", "number")}),
        "history": st.lists(st.fixed_dictionaries({}, optional={
            "id": _TEXT, "at": st.one_of(st.none(), _TIMES), "type": st.none() | _TEXT,
            "cause": st.none() | _TEXT}), max_size=3),
    }
    for name in draw(st.lists(st.sampled_from(sorted(optional)), unique=True)):
        data[name] = draw(optional[name])
    if symptom in LOCATED_SYMPTOMS or draw(st.booleans()):
        data["location"] = {"lat": draw(st.floats(-90, 90)), "lon": draw(st.integers(-180, 180))}
    return data


@fuzz(300)
@given(data=st.one_of(_valid(), _malformed()))
def test_to_dict_is_the_inverse_of_parse_complaint(data: dict[str, Any]) -> None:
    try:
        parsed = parse_complaint(data)
    except ComplaintError:
        return
    written = parsed.to_dict()
    assert json.loads(json.dumps(written)) == written  # plain JSON
    again = parse_complaint(written)
    assert again == parsed
    # aware datetimes compare as instants: the offsets, the complaint's own time, stay too
    assert again.reported_at.utcoffset() == parsed.reported_at.utcoffset()
    assert [h.at and h.at.utcoffset() for h in again.history] == \
        [h.at and h.at.utcoffset() for h in parsed.history]


def test_to_dict_keeps_an_empty_subject_field() -> None:
    parsed = parse_complaint({**BASE, "subject": {"charge_id": ""}})
    assert parse_complaint(parsed.to_dict()).subject.charge_id == ""
