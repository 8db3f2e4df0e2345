"""The HTTP service end to end: a real `diagtree serve` on loopback, a real SQLite file.

Who may ask (401/403, the role from the key), sessions walked, corrected, refused and resumed
after a restart, trees changed under a session, limits, problem documents, masked logs, and
HTTP agreeing with the library on every diagnosis."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_server import (
    AGENT_KEY,
    OTHER_AGENT_KEY,
    SUPERVISOR_KEY,
    Server,
    serve,
    write_config,
)

from diagtree import DecisionLog, Engine, shipped_trees
from diagtree_adapters import mock_sources
from diagtree_adapters.demo import demo_complaints, demo_records

PROBLEM = "application/problem+json"
ASKING = "D-0046"  # cannot_call_out: asks airplane_mode, then sim_works_in_other_phone


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve(tmp_path_factory.mktemp("service")) as running:
        yield running


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(sources=mock_sources(demo_records()))


def _demo(case_id: str) -> dict[str, Any]:
    return next(c for c in demo_complaints() if c["complaint"]["id"] == case_id)


def _complaint(case_id: str = ASKING) -> dict[str, Any]:
    return dict(_demo(case_id)["complaint"])


def _problem(response: httpx.Response, status: int, field: str | None = None
             ) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["type"].startswith("urn:diagtree:problem:")
    assert body["title"] and body["detail"]
    if field is not None:
        assert body.get("field") == field, body
    return body


# -- who may ask -------------------------------------------------------------------------------
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"X-API-Key": "wrong"}, {"Authorization": "Basic x"}])
@pytest.mark.parametrize("method,path", [("GET", "/trees"), ("POST", "/diagnoses"),
                                         ("POST", "/sessions"), ("GET", "/sessions/x"),
                                         ("GET", "/demo/complaints")])
def test_every_call_needs_a_valid_key(server: Server, headers: dict[str, str], method: str,
                                      path: str) -> None:
    response = httpx.request(method, server.url + path, headers=headers, json={})
    _problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_both_key_headers_authenticate(server: Server) -> None:
    assert httpx.get(server.url + "/trees", headers={"X-API-Key": AGENT_KEY}).status_code == 200
    assert httpx.get(server.url + "/trees",
                     headers={"Authorization": f"Bearer {AGENT_KEY}"}).status_code == 200


def test_an_agent_cannot_raise_its_own_refund_authority(server: Server, engine: Engine
                                                        ) -> None:
    # a demo complaint whose refund is beyond an agent's authority but within a supervisor's
    case = next(c for c in demo_complaints() if not c["down"]
                and (d := engine.diagnose({**c["complaint"], "agent_role": "agent"},
                                          answers=c["answers"])).refund is not None
                and not d.refund.within_authority
                and engine.diagnose({**c["complaint"], "agent_role": "supervisor"},
                                    answers=c["answers"]).refund.within_authority)  # type: ignore[union-attr]
    complaint = {k: v for k, v in case["complaint"].items() if k != "agent_role"}
    with server.client() as agent:
        claimed = agent.post("/diagnoses", json={"complaint": {**complaint,
                                                                "agent_role": "supervisor"},
                                                  "answers": case["answers"]})
        _problem(claimed, 403, "complaint.agent_role")
        _problem(agent.post("/sessions", json={"complaint": {**complaint,
                                                              "agent_role": "supervisor"}}),
                 403, "complaint.agent_role")
        plain = agent.post("/diagnoses", json={"complaint": complaint,
                                               "answers": case["answers"]}).json()
    refund = plain["diagnosis"]["refund"]
    assert refund["role"] == "agent" and refund["within_authority"] is False
    with server.client(SUPERVISOR_KEY) as lead:
        refund = lead.post("/diagnoses", json={"complaint": complaint,
                                               "answers": case["answers"]}).json()
    assert refund["diagnosis"]["refund"]["role"] == "supervisor"
    assert refund["diagnosis"]["refund"]["within_authority"] is True


def test_reloading_the_trees_is_for_supervisors(server: Server) -> None:
    with server.client() as agent:
        _problem(agent.post("/trees/reload"), 403)
    with server.client(SUPERVISOR_KEY) as lead:
        assert len(lead.post("/trees/reload").json()["knowledge"]) == 64


def test_a_session_is_only_its_owners(server: Server) -> None:
    with server.client() as agent:
        sid = agent.post("/sessions", json={"complaint": _complaint()}).json()["id"]
    with server.client(OTHER_AGENT_KEY) as other:
        _problem(other.get(f"/sessions/{sid}"), 404, "session_id")
        _problem(other.post(f"/sessions/{sid}/back"), 404)
    with server.client(SUPERVISOR_KEY) as lead:
        assert lead.get(f"/sessions/{sid}").json()["id"] == sid


# -- sessions ----------------------------------------------------------------------------------
def test_a_session_walks_goes_back_and_refuses_a_bad_answer(server: Server,
                                                            engine: Engine) -> None:
    with server.client() as c:
        view = c.post("/sessions", json={"complaint": _complaint(), "locale": "en"}).json()
        sid = view["id"]
        assert view["status"] == "asking" and view["question"]["id"] == "airplane_mode"
        assert view["version"] == 1 and view["tree"]["sha256"]
        before = c.get(f"/sessions/{sid}").json()
        for bad, field in ((("airplane_mode", "maybe"), "answers.airplane_mode"),
                           (("sim_works_in_other_phone", True),
                            "answers.sim_works_in_other_phone"),
                           (("no_such_question", True), "answers.no_such_question")):
            _problem(c.post(f"/sessions/{sid}/answers",
                            json={"question": bad[0], "value": bad[1]}), 422, field)
        _problem(c.post(f"/sessions/{sid}/answers", json={"question": "airplane_mode",
                                                          "value": 1}), 422, "value")
        _problem(c.post(f"/sessions/{sid}/answers", json={"question": "airplane_mode"}),
                 422, "value")
        _problem(c.post(f"/sessions/{sid}/back"), 422, "answers")
        assert c.get(f"/sessions/{sid}").json() == before  # nothing changed
        view = c.post(f"/sessions/{sid}/answers",
                      json={"question": "airplane_mode", "value": False}).json()
        assert view["question"]["id"] == "sim_works_in_other_phone" and view["version"] == 2
        done = c.post(f"/sessions/{sid}/answers", json={"question": "sim_works_in_other_phone",
                                                        "value": True}).json()
        assert done["status"] == "concluded" and done["diagnosis"]["cause"] == "device.sim_fault"
        back = c.post(f"/sessions/{sid}/back").json()
        assert back["status"] == "asking"
        assert back["question"]["id"] == "sim_works_in_other_phone"
        assert back["answers"] == {"airplane_mode": False}
        again = c.post(f"/sessions/{sid}/back").json()
        assert again["question"]["id"] == "airplane_mode" and again["answers"] == {}
        other = c.post(f"/sessions/{sid}/answers", json={"question": "airplane_mode",
                                                         "value": True}).json()
        _problem(c.post(f"/sessions/{sid}/back", json={"expected_version": 3}), 409,
                 "expected_version")
        assert c.get(f"/sessions/{sid}").json()["version"] == other["version"] == 6
    library = engine.diagnose({**_complaint(), "agent_role": "agent"}, locale="en",
                              answers={"airplane_mode": True})
    assert other["status"] == "concluded"
    assert other["diagnosis"]["cause"] == library.cause != "device.sim_fault"
    assert other["diagnosis"]["script"] == library.script


def test_bad_complaints_get_a_problem_naming_the_field(server: Server) -> None:
    with server.client() as c:
        for complaint, field in (({**_complaint(), "msisdn": "12"}, "complaint.msisdn"),
                                 ({**_complaint(), "type": "nope"}, "complaint.type"),
                                 ({**_complaint(), "reported_at": "x"},
                                  "complaint.reported_at")):
            for path in ("/diagnoses", "/sessions"):
                body = _problem(c.post(path, json={"complaint": complaint}), 422, field)
                assert "8615" not in body["detail"]
        _problem(c.post("/diagnoses", json={"complaint": []}), 422, "complaint")
        _problem(c.post("/diagnoses", json={"complaint": _complaint(), "extra": 1}), 422,
                 "extra")
        _problem(c.post("/diagnoses", content=b"{not json",
                        headers={"content-type": "application/json"}), 422)
        _problem(c.post("/diagnoses?ticket=tmf999", json={"complaint": _complaint()}), 422,
                 "query.ticket")
        _problem(c.post("/diagnoses", content=b" " * 70_000,
                        headers={"content-type": "application/json"}), 413, "body")


def test_trees_and_their_pictures(server: Server, engine: Engine) -> None:
    with server.client() as c:
        trees = c.get("/trees").json()
        ids = {t["id"] for t in trees}
        assert ids == {t.id for t in engine.library.by_symptom.values()}
        one = c.get("/trees/no_service").json()
        assert one["sha256"] == engine.library.trees["no_service"].flat.sha256
        page = c.get(one["picture"]["html"])
        assert page.headers["content-type"].startswith("text/html") and "<svg" in page.text
        assert c.get("/trees/no_service?format=mermaid").text.startswith(("flowchart", "%%"))
        _problem(c.get("/trees/nope"), 404, "tree_id")
    assert httpx.get(server.url + "/healthz").json() == {"status": "ok"}
    assert httpx.get(server.url + "/readyz").json()["status"] == "ready"
    spec = httpx.get(server.url + "/openapi.json").json()
    assert {"/diagnoses", "/sessions", "/sessions/{session_id}", "/sessions/{session_id}/answers",
            "/sessions/{session_id}/back", "/trees", "/trees/{tree_id}", "/healthz",
            "/readyz"} <= set(spec["paths"])


def test_numbers_never_reach_the_access_log(server: Server) -> None:
    msisdn, imsi = "8613912345678", "460001234567890"
    with server.client() as c:
        c.get(f"/sessions/{msisdn}?msisdn={msisdn}&imsi={imsi}")
        c.get(f"/sessions/%2B{msisdn}")
        c.post("/diagnoses", json={"complaint": {**_complaint(), "msisdn": msisdn}})
        c.get(f"/trees/{imsi}")
    logs = server.logs()
    assert "/sessions/861" in logs  # the requests were logged, masked
    for number in (msisdn, imsi, msisdn[3:], imsi[3:]):
        assert number not in logs


# -- TMF621 tickets ----------------------------------------------------------------------------
def test_a_dispatched_diagnosis_comes_with_its_tmf621_ticket(server: Server, engine: Engine
                                                             ) -> None:
    from test_tmf621 import _errors  # the official swagger's TroubleTicket, closed

    cases = [c for c in demo_complaints() if not c["down"]]
    resolved = {c["complaint"]["id"]: engine.diagnose(c["complaint"], answers=c["answers"])
                for c in cases[:40]}
    dispatched = next(c for c in cases if resolved.get(c["complaint"]["id"]) is not None
                      and resolved[c["complaint"]["id"]].resolution == "dispatch")
    on_call = next(c for c in cases if resolved.get(c["complaint"]["id"]) is not None
                   and resolved[c["complaint"]["id"]].resolution != "dispatch")
    with server.client() as c:
        body = c.post("/diagnoses?ticket=tmf621",
                      json={"complaint": dispatched["complaint"],
                            "answers": dispatched["answers"]}).json()
        ticket = body["ticket"]
        assert ticket is not None and _errors(ticket) == [], body
        assert body["diagnosis"]["department"] in json.dumps(ticket)
        assert c.post("/diagnoses", json={"complaint": dispatched["complaint"],
                                          "answers": dispatched["answers"]}
                      ).json()["ticket"] is None  # only when asked
        body = c.post("/diagnoses?ticket=tmf621",
                      json={"complaint": on_call["complaint"],
                            "answers": on_call["answers"]}).json()
        assert body["ticket"] is None  # resolved on the call: no ticket to open
        assert body["diagnosis"]["resolution"] != "dispatch"


# -- HTTP and the library agree ----------------------------------------------------------------
_CASES = [c for c in demo_complaints() if not c["down"]][:60]


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=st.sampled_from(_CASES), locale=st.sampled_from(["zh-CN", "en"]),
       flip=st.booleans())
def test_http_and_library_agree(server: Server, engine: Engine, case: dict[str, Any],
                                locale: str, flip: bool) -> None:
    answers = {q: (not v if flip and isinstance(v, bool) else v)
               for q, v in (case["answers"] or {}).items()}
    complaint = {**case["complaint"], "agent_role": "agent"}
    with server.client() as c:
        http = c.post("/diagnoses", json={"complaint": complaint, "answers": answers,
                                          "locale": locale}).json()["diagnosis"]
        session = c.post("/sessions", json={"complaint": complaint, "locale": locale}).json()
        while session["status"] == "asking":
            qid = session["question"]["id"]
            session = c.post(f"/sessions/{session['id']}/answers",
                             json={"question": qid, "value": answers[qid]}).json()
    library = engine.diagnose(complaint, answers=answers, locale=locale).to_dict()

    def same(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in d.items() if k not in ("timings_ms", "sources", "trace")}

    assert same(http) == same(library)
    assert session["diagnosis"]["cause"] == library["cause"]
    assert session["diagnosis"]["script"] == library["script"]


# -- restarts and changed trees ----------------------------------------------------------------
def test_a_session_survives_a_restart(tmp_path: Path) -> None:
    write_config(tmp_path, max_open_sessions=2)
    with serve(tmp_path) as first, first.client() as c:
        sid = c.post("/sessions", json={"complaint": _complaint()}).json()["id"]
        c.post(f"/sessions/{sid}/answers", json={"question": "airplane_mode", "value": False})
        c.post("/sessions", json={"complaint": _complaint()})
        _problem(c.post("/sessions", json={"complaint": _complaint()}), 429)
        with first.client(OTHER_AGENT_KEY) as other:  # the limit is per caller
            assert other.post("/sessions", json={"complaint": _complaint()}).status_code == 201
    with serve(tmp_path) as second, second.client() as c:
        view = c.get(f"/sessions/{sid}").json()
        assert view["question"]["id"] == "sim_works_in_other_phone"
        done = c.post(f"/sessions/{sid}/answers", json={"question": "sim_works_in_other_phone",
                                                        "value": True}).json()
        assert done["diagnosis"]["cause"] == "device.sim_fault" and done["version"] == 3
        # a concluded session no longer counts as open: room for one more
        assert c.post("/sessions", json={"complaint": _complaint()}).status_code == 201


def test_the_service_appends_every_diagnosis_and_step_to_its_decision_log(tmp_path: Path
                                                                          ) -> None:
    write_config(tmp_path, decision_log="decisions.jsonl")
    complaint = _complaint()
    with serve(tmp_path) as running, running.client() as c:
        sid = c.post("/sessions", json={"complaint": complaint}).json()["id"]
        c.post(f"/sessions/{sid}/answers", json={"question": "airplane_mode", "value": False})
        done = c.post(f"/sessions/{sid}/answers", json={"question": "sim_works_in_other_phone",
                                                        "value": True}).json()
        assert done["diagnosis"]["cause"] == "device.sim_fault"
        other = next(d for d in demo_complaints() if not d["down"]
                     and d["complaint"]["id"] != complaint["id"])
        one = c.post("/diagnoses", json={"complaint": other["complaint"],
                                         "answers": other["answers"]}).json()
    log = tmp_path / "decisions.jsonl"
    raw = log.read_bytes()
    records = [json.loads(line) for line in raw.splitlines()]
    kinds = [r["kind"] for r in records]
    assert "diagnosis" in kinds and "session_step" in kinds, kinds
    assert {r["complaint"]["id"] for r in records} >= {complaint["id"],
                                                        one["diagnosis"]["complaint_id"]}
    for number in (complaint["msisdn"], other["complaint"]["msisdn"]):
        assert number.encode() not in raw  # masked
    report = DecisionLog(log).verify(sources=mock_sources(demo_records()))
    assert report.verdicts and not report.failed and not report.skipped, report.to_dict()


def test_a_changed_tree_is_continued_or_restarted_as_the_caller_chooses(tmp_path: Path
                                                                         ) -> None:
    trees = tmp_path / "trees"
    shutil.copytree(shipped_trees(), trees, ignore=shutil.ignore_patterns("scenarios", "*.py"))
    write_config(tmp_path)
    with serve(tmp_path, trees=trees) as s, s.client() as c:
        first = c.post("/sessions", json={"complaint": _complaint()}).json()
        sid, pinned = first["id"], first["tree"]["sha256"]
        sid2 = c.post("/sessions", json={"complaint": _complaint()}).json()["id"]
        tree = trees / "cannot_call_out.yaml"
        text = tree.read_text(encoding="utf-8")
        assert "airplane_mode" in text
        tree.write_text(text + "\n# changed\n", encoding="utf-8")
        with s.client(SUPERVISOR_KEY) as lead:
            lead.post("/trees/reload").raise_for_status()
        assert c.get(f"/sessions/{sid}").json()["tree_changed"] is True
        answer = {"question": "airplane_mode", "value": False}
        body = _problem(c.post(f"/sessions/{sid}/answers", json=answer), 409, "on_tree_change")
        assert body["pinned"]["sha256"] == pinned != body["current"]["sha256"]
        assert c.get(f"/sessions/{sid}").json()["version"] == 1  # unchanged
        kept = c.post(f"/sessions/{sid}/answers",
                      json={**answer, "on_tree_change": "pinned"}).json()
        assert kept["tree"]["sha256"] == pinned and kept["version"] == 2
        moved = c.post(f"/sessions/{sid2}/answers",
                       json={**answer, "on_tree_change": "restart"}).json()
        assert moved["tree"]["sha256"] == body["current"]["sha256"]
        assert moved["question"]["id"] == "sim_works_in_other_phone"
    # after a restart the pinned trees come back from the store
    with serve(tmp_path, trees=trees) as s, s.client() as c:
        done = c.post(f"/sessions/{sid}/answers",
                      json={"question": "sim_works_in_other_phone", "value": True,
                            "on_tree_change": "pinned"}).json()
        assert done["tree"]["sha256"] == pinned
        assert done["diagnosis"]["cause"] == "device.sim_fault"
