"""Answers are checked once (`_walk.answers`) at every entrance: `Engine.diagnose(answers=)`,
`Engine.session`, `Session.answer`, scenario files and the CLI's `--answer` — by the question's
type and options, never coerced, with a `ComplaintError` naming ``answers.<id>``.
(`Engine.resume` is in tests/test_session.py.)"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

import diagtree_adapters as ad
from diagtree import ComplaintError, Engine
from diagtree._cli import main
from diagtree._testing.scenarios import load_cases, run_cases
from diagtree._vocab.taxonomy import STANDARD_QUESTIONS
from diagtree._walk.answers import check_answers, parse_answer
from diagtree_adapters import demo

from conftest import sources_for


@pytest.fixture(scope="module")
def city() -> Engine:
    return Engine(sources=ad.mock_sources(demo.demo_records()))


def data_switch_off() -> dict[str, Any]:
    """A demo `no_data` complaint whose walk reaches the mobile-data question."""
    return next(c["complaint"] for c in demo.demo_complaints()
                if c["complaint"]["id"] == "D-0068")


# -- Engine.diagnose(answers=) -------------------------------------------------------------------
def test_a_real_false_turns_the_data_switch_question(city: Engine) -> None:
    d = city.diagnose(data_switch_off(), answers={"mobile_data_enabled": False})
    assert d.cause == "device.settings"
    assert dict(d.answers) == {"mobile_data_enabled": False}


def test_the_text_false_is_not_an_answer_to_a_yes_no_question(city: Engine) -> None:
    with pytest.raises(ComplaintError) as caught:
        city.diagnose(data_switch_off(), answers={"mobile_data_enabled": "false"})
    assert caught.value.field == "answers.mobile_data_enabled"
    assert caught.value.reason == "expected true or false, got 'false'"


def test_a_misspelt_question_id_is_named_with_a_suggestion(city: Engine) -> None:
    with pytest.raises(ComplaintError) as caught:
        city.diagnose(data_switch_off(), answers={"mobile_data_enabld": False})
    assert caught.value.field == "answers.mobile_data_enabld"
    assert "did you mean 'mobile_data_enabled'?" in caught.value.reason


def test_an_unknown_question_without_a_near_name_lists_the_known_ones(city: Engine) -> None:
    with pytest.raises(ComplaintError, match=r"no such question \(known: airplane_mode, "):
        city.diagnose(data_switch_off(), answers={"zzz": True})


@pytest.mark.parametrize("answers", [1, [("airplane_mode", True)], "airplane_mode", 0, ()])
def test_answers_that_are_not_a_mapping_are_a_complaint_error(city: Engine, answers: Any) -> None:
    with pytest.raises(ComplaintError) as caught:
        city.diagnose(data_switch_off(), answers=answers)
    assert caught.value.field == "answers"
    assert "expected a mapping" in caught.value.reason


def test_a_question_id_must_be_text(city: Engine) -> None:
    with pytest.raises(ComplaintError, match="question ids are text"):
        city.diagnose(data_switch_off(), answers={1: True})


@pytest.mark.parametrize("value", [1, 0, None, 1.0, "true", "yes", ["x"]])
def test_a_yes_no_question_takes_only_booleans(city: Engine, value: Any) -> None:
    with pytest.raises(ComplaintError, match="expected true or false"):
        city.diagnose(data_switch_off(), answers={"airplane_mode": value})


def test_a_choice_outside_the_options_names_the_options(tmp_path: Path) -> None:
    from test_session import knowledge  # a small folder with a choice question

    engine = Engine(knowledge(tmp_path), sources=ad.mock_sources(ad.records_from_mapping({})))
    with pytest.raises(ComplaintError) as caught:
        engine.diagnose(_call_complaint(), answers={"phone_kind": "nokia"})
    assert caught.value.field == "answers.phone_kind"
    assert caught.value.reason == "expected one of android, iphone, other, got 'nokia'"
    with pytest.raises(ComplaintError, match="expected one of android"):
        engine.diagnose(_call_complaint(), answers={"phone_kind": True})
    assert engine.diagnose(_call_complaint(), answers={"phone_kind": "other"}).cause \
        == "unknown.needs_investigation"


def _call_complaint() -> dict[str, Any]:
    return {"id": "T1", "type": "cannot_receive_calls", "msisdn": "8613800000001",
            "reported_at": "2026-11-20T09:30:00+08:00",
            "location": {"lat": 28.2282, "lon": 112.9388}}


def test_diagnosis_answers_hold_only_the_answers_the_walk_used(city: Engine) -> None:
    given = {"airplane_mode": True, "mobile_data_enabled": True, "apn_manually_changed": True,
             "indoor_only": True}
    for trace in (True, False):
        d = city.diagnose(data_switch_off(), answers=given, trace=trace)
        assert d.cause == "device.settings"
        assert d.answers == (("mobile_data_enabled", True), ("apn_manually_changed", True))


def test_diagnosis_answers_include_the_defaults_taken(city: Engine) -> None:
    d = city.diagnose(data_switch_off(), answers={"indoor_only": False})
    assert d.answers == (("mobile_data_enabled", True), ("apn_manually_changed", False))


def test_a_wrong_answer_is_refused_before_any_source_is_asked() -> None:
    asked: list[str] = []

    class Spy:
        def __init__(self, inner: Any) -> None:
            self.inner, self.name = inner, inner.name

        def facts(self) -> Any:
            return self.inner.facts()

        def fetch(self, complaint: Any, timeout_s: float) -> Any:
            asked.append(self.name)
            return self.inner.fetch(complaint, timeout_s)

    engine = Engine(sources=[Spy(s) for s in ad.mock_sources(ad.records_from_mapping({}))])
    assert engine.diagnose(data_switch_off()).sources  # the spies do see a diagnosis
    asked.clear()
    with pytest.raises(ComplaintError):
        engine.diagnose(data_switch_off(), answers={"airplane_mode": "no"})
    assert asked == []


# -- sessions ------------------------------------------------------------------------------------
def test_a_session_checks_its_initial_answers(city: Engine) -> None:
    with pytest.raises(ComplaintError) as caught:
        city.session(data_switch_off(), answers={"mobile_data_enabled": "false"})
    assert caught.value.field == "answers.mobile_data_enabled"
    with pytest.raises(ComplaintError, match="did you mean"):
        city.session(data_switch_off(), answers={"airplane_mod": False})


def test_session_answer_names_a_misspelt_question(city: Engine) -> None:
    session = city.session(data_switch_off())
    with pytest.raises(ComplaintError) as caught:
        session.answer("mobile_data_enabld", False)
    assert caught.value.field == "answers.mobile_data_enabld"
    assert "did you mean 'mobile_data_enabled'?" in caught.value.reason
    assert session.question is not None and session.question.id == "mobile_data_enabled"


# -- the checking function itself ----------------------------------------------------------------
def test_check_answers_returns_a_plain_copy() -> None:
    given = {"airplane_mode": True}
    checked = check_answers(given, STANDARD_QUESTIONS)
    assert checked == given and checked is not given


@pytest.mark.parametrize(("text", "value"), [("true", True), ("FALSE", False), (" yes ", True),
                                             ("No", False)])
def test_text_answers_convert_explicitly(text: str, value: bool) -> None:
    assert parse_answer("airplane_mode", text, STANDARD_QUESTIONS) is value


@pytest.mark.parametrize("text", ["1", "0", "y", "", "truee", "on"])
def test_other_text_is_refused_for_a_yes_no_question(text: str) -> None:
    with pytest.raises(ComplaintError, match=r"expected true or false \(or yes/no\)"):
        parse_answer("airplane_mode", text, STANDARD_QUESTIONS)


# -- scenario files ------------------------------------------------------------------------------
SCENARIO = textwrap.dedent("""\
    cases:
      - id: text-false
        complaint:
          id: D-0068
          type: no_data
          msisdn: "{msisdn}"
          reported_at: "{at}"
          location: {{lat: {lat}, lon: {lon}}}
        answers:
          airplane_mode: false
          mobile_data_enabled: "false"
        expect: {{cause: device.settings}}
      - id: misspelt
        complaint:
          id: D-0068
          type: no_data
          msisdn: "{msisdn}"
          reported_at: "{at}"
          location: {{lat: {lat}, lon: {lon}}}
        answers:
          mobile_data_enabld: false
        expect: {{cause: device.settings}}
    """)


def test_a_bad_answer_in_a_scenario_fails_its_case_at_the_answers_line(tmp_path: Path) -> None:
    c = data_switch_off()
    path = tmp_path / "cases.yaml"
    path.write_text(SCENARIO.format(msisdn=c["msisdn"], at=c["reported_at"],
                                    lat=c["location"]["lat"], lon=c["location"]["lon"]),
                    encoding="utf-8")
    cases, problems = load_cases([path])
    assert not problems
    engine = Engine(sources=ad.mock_sources(ad.records_from_mapping({})))
    results = run_cases(cases, engine.diagnose,
                        lambda block, down: sources_for({"sources": block}, list(down)))
    first, second = results
    assert not first.passed and not second.passed
    assert first.error == (f"{path}:11:7: answer rejected: answers.mobile_data_enabled: "
                           "expected true or false, got 'false'")
    assert second.error is not None
    assert second.error.startswith(f"{path}:21:7: answer rejected: "
                                   "answers.mobile_data_enabld: no such question")
    assert "did you mean 'mobile_data_enabled'?" in second.error


# -- the CLI -------------------------------------------------------------------------------------
def test_cli_answers_convert_yes_no_explicitly(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["diagnose", "--demo", "--complaint", "D-0068",
                 "--answer", "mobile_data_enabled=no", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    assert '"cause": "device.settings"' in out


@pytest.mark.parametrize(("pair", "message"), [
    ("mobile_data_enabled=nope", "complaint.answers.mobile_data_enabled: expected true or "
                                 "false (or yes/no), got 'nope'"),
    ("mobile_data_enabld=no", "did you mean 'mobile_data_enabled'?"),
    ("airplane_mode", "write --answer QID=VALUE"),
])
def test_cli_refuses_a_bad_answer_without_a_traceback(pair: str, message: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["diagnose", "--demo", "--complaint", "D-0068", "--answer", pair])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err
