"""HLR adapter: ODB barring by symptom, SIM registration, device look-up, absent records."""

from __future__ import annotations

import datetime as dt

import pytest
from adapter_support import DEVICE, SUBSCRIBER, complaint, hlr, with_

from diagtree._vocab.complaint import Complaint
from diagtree._vocab.taxonomy import SYMPTOMS

LINE_BARRED = {"no_service", "cannot_call_out", "cannot_receive_calls", "no_data",
               "sms_failure", "service_suspended", "roaming_failure"}
TABLE = {
    "all": LINE_BARRED,
    "all_outgoing": {"no_service", "cannot_call_out", "no_data", "sms_failure",
                     "roaming_failure", "service_suspended"},
    "all_incoming": {"cannot_receive_calls", "service_suspended"},
    "roaming": set(),
    "premium_sms": set(),
}
LOCATED = {"no_service", "weak_signal", "call_drop", "cannot_call_out", "cannot_receive_calls",
           "slow_data", "no_data", "sms_failure"}


def _complaint(symptom: str) -> Complaint:
    return complaint(symptom, location=(28.2282, 112.9388) if symptom in LOCATED else None)


@pytest.mark.parametrize("category", sorted(TABLE))
@pytest.mark.parametrize("symptom", SYMPTOMS)
def test_odb_table(category: str, symptom: str) -> None:
    sub = with_(SUBSCRIBER, odb=[{"category": category, "reason": "real_name"}])
    facts = hlr(_complaint(symptom), subscribers=[sub])
    expected = "real_name" if symptom in TABLE[category] else None
    assert facts["hlr.odb.bar_reason"] == expected
    assert facts["hlr.odb.categories"] == (category,)
    assert facts["hlr.odb.roaming_barred"] is (category == "roaming")


def test_of_several_barring_entries_the_reason_first_in_precedence() -> None:
    """docs/taxonomy.md §3: arrears, then real_name, then fraud or customer_request — whatever the
    order of the entries; an entry that does not bar the symptom does not count."""
    sub = with_(SUBSCRIBER, odb=[{"category": "premium_sms", "reason": "arrears"},
                                 {"category": "all_incoming", "reason": "fraud"},
                                 {"category": "all", "reason": "real_name"},
                                 {"category": "all_outgoing", "reason": "customer_request"}])
    incoming = hlr(complaint("cannot_receive_calls"), subscribers=[sub])
    assert incoming["hlr.odb.bar_reason"] == "real_name" and incoming["hlr.odb.bars_symptom"]
    outgoing = with_(SUBSCRIBER, odb=[{"category": "all_outgoing", "reason": "customer_request"},
                                      {"category": "all", "reason": "fraud"}])
    assert hlr(complaint("cannot_call_out"),
               subscribers=[outgoing])["hlr.odb.bar_reason"] == "customer_request"
    weak = hlr(complaint("weak_signal"), subscribers=[sub])
    assert weak["hlr.odb.bar_reason"] is None and weak["hlr.odb.bars_symptom"] is False


def test_a_barring_entry_without_a_reason_still_bars() -> None:
    sub = with_(SUBSCRIBER, odb=[{"category": "all"}, {"category": "roaming", "reason": "fraud"}])
    facts = hlr(complaint("cannot_call_out"), subscribers=[sub])
    assert facts["hlr.odb.bars_symptom"] is True and facts["hlr.odb.bar_reason"] is None


def test_no_odb() -> None:
    facts = hlr(complaint())
    assert facts["hlr.odb.categories"] == ()
    assert facts["hlr.odb.bar_reason"] is None
    assert facts["hlr.odb.bars_symptom"] is False
    assert facts["hlr.odb.roaming_barred"] is False


def _registered(state: str, last_update: str) -> dict[str, object]:
    return with_(SUBSCRIBER, registration={"state": state, "last_update": last_update,
                                           "rat": "LTE", "cell_id": "x", "roaming_plmn": None})


@pytest.mark.parametrize(("state", "last_update", "expected"), [
    ("registered", "2026-11-19T09:30:00+08:00", False),       # exactly 24 h
    ("registered", "2026-11-19T09:29:59+08:00", True),        # 24 h + 1 s
    ("detached", "2026-11-19T09:30:00+08:00", False),
    ("detached", "2026-11-19T09:29:59+08:00", True),          # whatever the state
    ("detached", "2026-11-20T08:30:00+08:00", False),         # switched off for an hour
    ("never", "2026-11-20T09:00:00+08:00", True),
    ("registered", "2026-11-19T01:29:59+00:00", True),        # another offset: 24 h + 1 s
    ("registered", "2026-11-19T01:30:00+00:00", False),
])
def test_sim_not_registered(state: str, last_update: str, expected: bool) -> None:
    facts = hlr(complaint(), subscribers=[_registered(state, last_update)])
    assert facts["hlr.sim_not_registered"] is expected
    assert facts["hlr.registration.state"] == state
    assert facts["hlr.registration.last_update"] == dt.datetime.fromisoformat(last_update)


def test_sim_never_without_last_update() -> None:
    sub = with_(SUBSCRIBER, registration={"state": "never"})
    assert hlr(complaint(), subscribers=[sub])["hlr.sim_not_registered"] is True


def test_msisdn_not_in_hlr() -> None:
    facts = hlr(complaint(), subscribers=[])
    assert facts["hlr.found"] is False
    assert all(v is None for k, v in facts.items() if k != "hlr.found")


def test_unknown_tac() -> None:
    facts = hlr(complaint(), devices=[with_(DEVICE, tac="99999999")])
    assert facts["hlr.device.tac"] == "35328510"
    assert facts["hlr.device.known"] is False
    assert facts["hlr.device.model"] is None
    assert facts["hlr.device.volte"] is None
    assert facts["hlr.device.nr"] is None


def test_known_tac() -> None:
    facts = hlr(complaint())
    assert (facts["hlr.device.known"], facts["hlr.device.model"], facts["hlr.device.volte"],
            facts["hlr.device.nr"]) == (True, "Phone X1", True, False)


def test_no_imei() -> None:
    facts = hlr(complaint(), subscribers=[with_(SUBSCRIBER, imei=None)])
    assert facts["hlr.device.tac"] is None
    assert facts["hlr.device.known"] is None


def test_profile_fields() -> None:
    sub = with_(SUBSCRIBER, status="operator_barred", number_state="suspended",
                suspended_since="2026-08-01", call_forwarding={"unconditional": "8613900000000"})
    facts = hlr(complaint(), subscribers=[sub])
    assert facts["hlr.found"] is True
    assert facts["hlr.status"] == "operator_barred"
    assert facts["hlr.number_state"] == "suspended"
    assert facts["hlr.suspended_since"] == dt.date(2026, 8, 1)
    assert facts["hlr.services"] == ("voice", "sms", "data", "volte")
    assert facts["hlr.apn"] == "cmnet"
    assert facts["hlr.forwarding.unconditional"] == "8613900000000"
    assert facts["hlr.registration.rat"] == "LTE"
    assert facts["hlr.registration.cell_id"] == "460-00-20811-1"
    assert facts["hlr.registration.roaming_plmn"] is None


def test_no_forwarding() -> None:
    assert hlr(complaint())["hlr.forwarding.unconditional"] is None
