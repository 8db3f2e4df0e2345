"""Sessions an agent can correct (`back()`, changing an earlier answer), the question's reason
(`Session.pending`), and the session state `Engine.resume` reads: a versioned JSON document
with its own schema, checked field by field."""

from __future__ import annotations

import ast
import importlib
import json
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

import diagtree_adapters as ad
from diagtree import (
    ComplaintError,
    DiagtreeError,
    Engine,
    Pending,
    Question,
    Session,
    SessionStateError,
)

from conftest import fuzz

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema" / "diagtree-session-state.schema.json"

TREE = """\
tree: cannot_receive_calls
version: "1.0.0"
title: {zh-CN: 被叫不通, en: Cannot receive calls}
symptoms: [cannot_receive_calls]
questions:
  phone_kind:
    type: choice
    options: [android, iphone, other]
    default: other
    text: {zh-CN: 您用的是什么手机？, en: What kind of phone is it?}
start: airplane
nodes:
  airplane:
    ask: airplane_mode
    yes: settings
    no: kind
  kind:
    ask: phone_kind
    cases: {android: indoor, iphone: sim, other: investigate}
  indoor:
    ask: indoor_only
    yes: sim
    no: investigate
  sim:
    ask: sim_works_in_other_phone
    yes: investigate
    no: sim_fault
  settings:
    outcome: device.settings
  sim_fault:
    outcome: device.sim_fault
  investigate:
    outcome: unknown.needs_investigation
"""

OTHERS = {
    "outcomes.yaml": """\
        outcomes:
          device.settings: {resolution: frontline, script: settings}
          device.sim_fault: {resolution: frontline, script: settings}
          unknown.needs_investigation: {resolution: dispatch, department: tier2, script: back}
          unknown.data_unavailable: {resolution: dispatch, department: tier2, script: back}
        """,
    "scripts.yaml": """\
        scripts:
          settings:
            zh-CN: 给您添麻烦了！请按我说的检查手机设置。请问还有其他问题吗？
            en: Sorry about that! Let us check the phone's settings together. Anything else?
          back:
            zh-CN: 非常抱歉！我们会在{{ feedback_due | datetime }}前给您回电。请问还有其他问题吗？
            en: I'm sorry! We will call you back by {{ feedback_due | datetime }}. Anything else?
        """,
    "policy.yaml": """\
        policy:
          grades: []
          feedback:
            normal: {within_hours: 48, kind: result}
            escalated: {within_hours: 24, kind: progress}
            major: {within_hours: 6, every_hours: 6, kind: progress}
          authority:
            limits: {agent: 50, supervisor: 200}
            above: billing_center
        """,
}

QUESTIONS = ("airplane_mode", "phone_kind", "indoor_only", "sim_works_in_other_phone")
COMPLAINT = {"id": "T1", "type": "cannot_receive_calls", "msisdn": "8613800000001",
             "reported_at": "2026-11-20T09:30:00+08:00",
             "location": {"lat": 28.2282, "lon": 112.9388}}


def knowledge(folder: Path) -> Path:
    """A small knowledge folder whose one tree only asks the customer (four questions, one of
    them a choice declared by the tree)."""
    kb = folder / "kb"
    kb.mkdir(exist_ok=True)
    (kb / "calls.yaml").write_text(TREE, encoding="utf-8")
    for name, text in OTHERS.items():
        (kb / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return kb


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    folder = knowledge(tmp_path_factory.mktemp("session"))
    return Engine(folder, sources=ad.mock_sources(ad.records_from_mapping({})))


def walked(session: Session, answers: dict[str, Any]) -> Session:
    """Answer each question the session asks from `answers` (its default when not there)."""
    while (q := session.question) is not None:
        session.answer(q.id, answers.get(q.id, q.default))
    return session


# -- changing an earlier answer ------------------------------------------------------------------
def test_answering_an_earlier_question_changes_it_and_walks_again(engine: Engine) -> None:
    session = walked(engine.session(COMPLAINT), {"airplane_mode": False, "phone_kind": "android",
                                                 "indoor_only": True,
                                                 "sim_works_in_other_phone": False})
    assert session.diagnosis().cause == "device.sim_fault"
    # an iphone goes straight to the SIM question, already answered: indoor_only no longer
    # applies and is dropped; the SIM answer is kept
    assert session.answer("phone_kind", "iphone") is None
    assert session.answers == {"airplane_mode": False, "phone_kind": "iphone",
                               "sim_works_in_other_phone": False}
    d = session.diagnosis()
    assert d.cause == "device.sim_fault"
    assert [s.node for s in d.trace] == ["airplane", "kind", "sim"]


def test_a_change_keeps_the_answers_the_walk_may_still_reach(engine: Engine) -> None:
    session = walked(engine.session(COMPLAINT), {"airplane_mode": False, "phone_kind": "iphone",
                                                 "sim_works_in_other_phone": False})
    question = session.answer("phone_kind", "android")  # now indoor_only comes first
    assert question is not None and question.id == "indoor_only"
    assert session.answers == {"airplane_mode": False, "phone_kind": "android",
                               "sim_works_in_other_phone": False}
    assert session.answer("indoor_only", True) is None  # the SIM answer still applies
    assert session.diagnosis().cause == "device.sim_fault"


def test_a_change_that_ends_the_walk_drops_every_later_answer(engine: Engine) -> None:
    session = walked(engine.session(COMPLAINT), {"airplane_mode": False, "phone_kind": "android",
                                                 "indoor_only": True})
    assert session.answer("airplane_mode", True) is None
    assert session.answers == {"airplane_mode": True}
    d = session.diagnosis()
    assert d.cause == "device.settings" and d.answers == (("airplane_mode", True),)


def test_re_answering_raised_expected_none_before(engine: Engine) -> None:
    session = walked(engine.session(COMPLAINT), {"airplane_mode": True})
    assert session.question is None
    session.answer("airplane_mode", False)
    assert session.question is not None and session.question.id == "phone_kind"


def test_a_question_neither_asked_nor_answered_is_refused(engine: Engine) -> None:
    session = engine.session(COMPLAINT)
    before = session.answers
    with pytest.raises(ComplaintError) as caught:
        session.answer("indoor_only", True)
    assert caught.value.field == "answers.indoor_only"
    assert "expected airplane_mode" in caught.value.reason
    assert session.answers == before and session.question is not None


def test_a_wrong_change_changes_nothing(engine: Engine) -> None:
    session = walked(engine.session(COMPLAINT), {"airplane_mode": False, "phone_kind": "other"})
    before = session.answers
    with pytest.raises(ComplaintError, match="expected one of android, iphone, other"):
        session.answer("phone_kind", "nokia")
    assert session.answers == before


# -- back ----------------------------------------------------------------------------------------
def test_back_returns_to_the_last_question_answered(engine: Engine) -> None:
    session = engine.session(COMPLAINT)
    session.answer("airplane_mode", False)
    session.answer("phone_kind", "android")
    assert session.question is not None and session.question.id == "indoor_only"
    question = session.back()
    assert question.id == "phone_kind" and session.question == question
    assert session.answers == {"airplane_mode": False}
    assert session.back().id == "airplane_mode"
    assert session.answers == {}
    with pytest.raises(ComplaintError, match="no answer to take back"):
        session.back()


def test_back_from_a_concluded_session(engine: Engine) -> None:
    session = walked(engine.session(COMPLAINT), {"airplane_mode": True})
    assert session.diagnosis().cause == "device.settings"
    assert session.back().id == "airplane_mode"
    session.answer("airplane_mode", False)
    assert session.question is not None and session.question.id == "phone_kind"


def test_the_session_can_be_corrected_after_a_diagnosis(engine: Engine) -> None:
    session = engine.session(COMPLAINT)
    session.answer("airplane_mode", False)
    d = session.diagnosis()  # phone_kind takes its default, for this diagnosis only
    assert d.answers == (("airplane_mode", False), ("phone_kind", "other"))
    assert session.question is not None and session.question.id == "phone_kind"
    assert session.answers == {"airplane_mode": False}


# -- why a question is asked ---------------------------------------------------------------------
def test_pending_says_which_node_asks_and_where_each_answer_leads(engine: Engine) -> None:
    session = engine.session(COMPLAINT)
    session.answer("airplane_mode", False)
    pending = session.pending
    assert isinstance(pending, Pending)
    assert pending.question == session.question
    assert (pending.tree, pending.node, pending.path) == ("cannot_receive_calls", "kind",
                                                          ("airplane",))
    assert pending.at.endswith("calls.yaml:17:3")
    assert pending.branches == (("android", "indoor", None), ("iphone", "sim", None),
                                ("other", "investigate", "unknown.needs_investigation"))
    data = json.loads(json.dumps(pending.to_dict()))
    assert data["question"]["id"] == "phone_kind" and data["question"]["default"] == "other"
    assert data["branches"][2] == {"answer": "other", "next": "investigate",
                                   "cause": "unknown.needs_investigation"}
    session.answer("phone_kind", "other")
    assert session.pending is None


def test_pending_of_a_yes_no_question(engine: Engine) -> None:
    pending = engine.session(COMPLAINT).pending
    assert pending is not None
    assert pending.branches == (("true", "settings", "device.settings"), ("false", "kind", None))
    assert pending.path == ()


def test_question_keeps_its_public_shape() -> None:
    assert [f for f in Question.__dataclass_fields__] == ["id", "type", "default", "text",
                                                           "options"]


# -- state and resume ----------------------------------------------------------------------------
def test_state_is_a_versioned_document_that_its_schema_accepts(engine: Engine) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema == Session.state_schema(), (
        "schema/diagtree-session-state.schema.json is out of date: write "
        "Session.state_schema() to it")
    jsonschema.Draft202012Validator.check_schema(schema)
    session = engine.session(COMPLAINT, locale="en")
    session.answer("airplane_mode", False)
    state = json.loads(json.dumps(session.state()))
    assert state == {"version": 1, "complaint": COMPLAINT,
                     "answers": {"airplane_mode": False}, "locale": "en"}
    jsonschema.validate(state, schema)
    resumed = engine.resume(state)
    assert resumed.question == session.question and resumed.answers == session.answers


def test_a_resumed_session_can_go_back(engine: Engine) -> None:
    session = walked(engine.session(COMPLAINT), {"airplane_mode": False, "phone_kind": "iphone"})
    resumed = engine.resume(json.loads(json.dumps(session.state())))
    assert resumed.back().id == "sim_works_in_other_phone"
    assert resumed.back().id == "phone_kind"


BAD_STATES: list[tuple[Any, str, str]] = [
    ({}, "state.version", "is required"),
    ([], "state", "expected a JSON object"),
    (None, "state", "got NoneType"),
    ({"version": 2, "complaint": COMPLAINT}, "state.version", "reads version 1"),
    ({"version": "1", "complaint": COMPLAINT}, "state.version", "reads version 1"),
    ({"version": True, "complaint": COMPLAINT}, "state.version", "reads version 1"),
    ({"version": 1}, "state.complaint", "expected the complaint"),
    ({"version": 1, "complaint": []}, "state.complaint", "got list"),
    ({"version": 1, "complaint": {**COMPLAINT, "msisdn": "x"}}, "state.complaint.msisdn", ""),
    ({"version": 1, "complaint": COMPLAINT, "answers": {"airplane_mode": "false"}},
     "state.answers.airplane_mode", "expected true or false, got 'false'"),
    ({"version": 1, "complaint": COMPLAINT, "answers": {"airplane_mod": False}},
     "state.answers.airplane_mod", "did you mean 'airplane_mode'?"),
    ({"version": 1, "complaint": COMPLAINT, "answers": [1]}, "state.answers",
     "expected a mapping"),
    ({"version": 1, "complaint": COMPLAINT, "locale": "fr"}, "state.locale", "zh-CN, en"),
    ({"version": 1, "complaint": COMPLAINT, "answer": {}}, "state",
     "unknown key 'answer'; did you mean 'answers'?"),
]


@pytest.mark.parametrize(("state", "field", "reason"), BAD_STATES)
def test_a_malformed_state_names_its_field(engine: Engine, state: Any, field: str,
                                           reason: str) -> None:
    with pytest.raises(SessionStateError) as caught:
        engine.resume(state)
    assert caught.value.field == field
    assert reason in caught.value.reason
    assert str(caught.value).startswith(field + ": ")
    assert isinstance(caught.value, ComplaintError)  # callers that catch it still do


@pytest.mark.parametrize(("state", "field", "reason"), BAD_STATES)
def test_the_schema_refuses_what_resume_refuses_in_form(state: Any, field: str,
                                                        reason: str) -> None:
    errors = list(jsonschema.Draft202012Validator(Session.state_schema()).iter_errors(state))
    content = field.startswith(("state.complaint.", "state.answers."))  # beyond a schema
    assert bool(errors) or content


# -- properties ----------------------------------------------------------------------------------
ANSWERS = st.fixed_dictionaries({}, optional={
    "airplane_mode": st.booleans(), "indoor_only": st.booleans(),
    "sim_works_in_other_phone": st.booleans(),
    "phone_kind": st.sampled_from(["android", "iphone", "other"])})


@given(answers=ANSWERS)
@fuzz(60)
def test_a_session_answered_step_by_step_equals_diagnose(engine: Engine,
                                                         answers: dict[str, Any]) -> None:
    full = {q: answers.get(q, _default(engine, q)) for q in QUESTIONS}
    direct = engine.diagnose(COMPLAINT, answers=full)
    session = walked(engine.session(COMPLAINT), full)
    stepped = session.diagnosis()
    assert stepped.cause == direct.cause
    assert stepped.answers == direct.answers
    assert [(s.node, s.branch) for s in stepped.trace] == [(s.node, s.branch)
                                                          for s in direct.trace]
    assert session.answers == dict(direct.answers)
    # given all at once to a session, the same
    assert engine.session(COMPLAINT, answers=full).diagnosis().answers == direct.answers


def _default(engine: Engine, qid: str) -> Any:
    return engine.questions[qid].default


@given(answers=ANSWERS, data=st.data())
@fuzz(60)
def test_back_then_the_same_answer_gives_the_same_diagnosis(engine: Engine,
                                                           answers: dict[str, Any],
                                                           data: st.DataObject) -> None:
    session = walked(engine.session(COMPLAINT), answers)
    before = session.diagnosis()
    steps = data.draw(st.integers(0, len(session.answers)))
    taken = []
    for _ in range(steps):
        taken.append(session.back())
    for question in reversed(taken):
        assert session.question == question
        session.answer(question.id, dict(before.answers)[question.id])
    after = session.diagnosis()
    assert (after.cause, after.answers) == (before.cause, before.answers)
    assert [(s.node, s.branch) for s in after.trace] == [(s.node, s.branch)
                                                        for s in before.trace]


# -- fuzz: only documented errors come out -------------------------------------------------------
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=12), inner, max_size=3), max_leaves=8)
QIDS = st.sampled_from([*QUESTIONS, "airplane_mod", "", "x"]) | st.text(max_size=8)
ANSWER_VALUES = st.sampled_from([True, False, "android", "false", "yes", ""]) | JSONISH
BAD_ANSWERS = (st.dictionaries(QIDS | st.integers(), ANSWER_VALUES, max_size=4)
               | JSONISH)


@given(answers=BAD_ANSWERS)
@fuzz(150)
def test_diagnose_with_any_answers_raises_only_complaint_errors(engine: Engine,
                                                                answers: Any) -> None:
    try:
        d = engine.diagnose(COMPLAINT, answers=answers)
    except ComplaintError as exc:
        assert exc.field == "answers" or exc.field.startswith("answers.")
        return
    assert all(engine.questions[q].accepts(v) for q, v in d.answers)


@given(qid=QIDS | JSONISH, value=ANSWER_VALUES, back=st.booleans())
@fuzz(300)
def test_session_answer_with_anything_raises_only_complaint_errors(
        engine: Engine, qid: Any, value: Any, back: bool) -> None:
    session = engine.session(COMPLAINT, answers={"airplane_mode": False})
    before = session.answers
    try:
        session.answer(qid, value)
    except ComplaintError:
        assert session.answers == before
    if back:
        try:
            session.back()
        except ComplaintError:
            assert session.answers == {}


STATES = st.fixed_dictionaries(
    {}, optional={"version": st.sampled_from([1, 2, "1", None, True, 1.0]) | JSONISH,
                  "complaint": st.just(COMPLAINT) | JSONISH
                  | st.builds(lambda extra: {**COMPLAINT, **extra},
                              st.dictionaries(st.sampled_from(list(COMPLAINT)), JSONISH,
                                              max_size=2)),
                  "answers": BAD_ANSWERS, "locale": st.sampled_from(["en", "zh-CN", None, "fr"]),
                  "extra": JSONISH}) | JSONISH


@given(state=STATES)
@fuzz(300)
def test_resume_with_anything_raises_only_session_state_errors(engine: Engine,
                                                              state: Any) -> None:
    try:
        session = engine.resume(state)
    except SessionStateError as exc:
        assert exc.field == "state" or exc.field.startswith("state.")
        return
    except DiagtreeError as exc:  # pragma: no cover - shown, as the one thing not expected
        raise AssertionError(f"resume raised {type(exc).__name__}, not SessionStateError") \
            from exc
    assert json.loads(json.dumps(session.state()))["version"] == 1


def test_the_session_does_not_reach_into_the_engine() -> None:
    """A session holds the walk's runtime: its module imports nothing of the engine's."""
    module = importlib.import_module(Session.__module__)
    tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names}
    assert Engine.__module__ not in imported, imported
    # nor does the engine offer the session's steps (they take and return private types)
    assert not {"new_store", "walk", "walk_records", "finish"} & set(dir(Engine))
