"""Mass incidents over a day's results (issue 12 item 3): the policy's `incidents:` rule and its
located problems, the grouping of a results frame, the members regraded, the TMF656 problems
(valid against the official swagger, tests/standards/tmf656/), the proactive notices, and
`diagtree incidents`."""

from __future__ import annotations

import copy
import csv
import datetime as _dt
import json
import logging
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pytest

import diagtree_adapters as ad
from diagtree import AuthoringError, Engine, Incident, IncidentIndex, service_problem
from diagtree._check.policy import DEFAULT_INCIDENTS, IncidentRule, read_policy
from diagtree._cli import main as cli_main
from diagtree._errors import Problem
from diagtree._load.yaml import load_yaml

from tree_helpers import real_schemas

T0 = _dt.datetime(2026, 11, 20, 9, 0, tzinfo=_dt.timezone(_dt.timedelta(hours=8)))
CELL = "460-00-20811-1"
OUTAGE = "network.site_outage"
SWAGGER = (Path(__file__).parent / "standards" / "tmf656"
           / "TMF656-ServiceProblem-v4.0.0.swagger.json")


@cache
def policy() -> Any:
    return Engine(sources=ad.mock_sources(ad.records_from_mapping({}))).library.policy


def row(i: int, msisdn: str, at: _dt.datetime, cause: str = OUTAGE, cell: str | None = CELL,
        platform: str | None = None, grade: str = "normal",
        reasons: str | None = None) -> dict[str, Any]:
    """One results row (the shared contract's columns that incidents read and write)."""
    return {"row": i, "complaint_id": f"C{i}", "symptom": "no_service", "msisdn": msisdn,
            "channel": "hotline", "reported_at": at.isoformat(), "cause": cause,
            "category": cause.partition(".")[0], "grade": grade, "grade_reasons": reasons,
            "feedback_due": (at + _dt.timedelta(hours=48)).isoformat(), "cell": cell,
            "platform": platform}


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def outage_day(customers: int, *, cell: str = CELL, start: int = 1) -> list[dict[str, Any]]:
    """`customers` distinct customers complaining of a site outage on `cell`, a minute apart."""
    return [row(start + k, f"8613800{start + k:06d}", T0 + _dt.timedelta(minutes=k), cell=cell)
            for k in range(customers)]


def group(rows: list[dict[str, Any]], rule: IncidentRule = DEFAULT_INCIDENTS) -> list[Incident]:
    return IncidentIndex(rule).group_results(frame(rows))


# -- the policy ------------------------------------------------------------------------------
def test_the_shipped_policy_holds_the_documented_defaults() -> None:
    assert policy().incidents == DEFAULT_INCIDENTS
    assert DEFAULT_INCIDENTS.warning == (("yellow", 20), ("orange", 50), ("red", 200))
    assert DEFAULT_INCIDENTS.grouping("network.site_outage") == "cell"
    assert DEFAULT_INCIDENTS.grouping("support.platform_fault") == "platform"
    assert DEFAULT_INCIDENTS.grouping("support.service_not_provisioned") is None
    assert DEFAULT_INCIDENTS.grouping("billing.duplicate_charge") is None


def _engine_with_policy(tmp_path: Path, old: str, new: str) -> AuthoringError:
    trees = tmp_path / "trees"
    shutil.copytree(Path(__file__).resolve().parent.parent / "trees", trees,
                    ignore=shutil.ignore_patterns("scenarios", "__pycache__", "*.py"))
    text = (trees / "policy.yaml").read_text(encoding="utf-8")
    assert old in text
    (trees / "policy.yaml").write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(AuthoringError) as caught:
        Engine(trees, sources=ad.mock_sources(ad.records_from_mapping({})))
    return caught.value


@pytest.mark.parametrize(("old", "new", "code", "says"), [
    ("by_cell: [network]", "by_cell: [netwrok]", "unknown_value", "network"),
    ("by_platform: [support.platform_fault]", "by_platform: [support.platform_falt]",
     "unknown_value", "support.platform_fault"),
    ("{yellow: 20, orange: 50, red: 200}", "{yellow: 20, orange: 500, red: 200}",
     "policy_out_of_range", "must rise"),
    ("min_customers: 20", "min_customers: 0", "policy_out_of_range", "between 1"),
    ("min_customers: 20", "min_customers: 2.5", "type_mismatch", "whole number"),
    ("window_hours: 24", "window_hours: 0", "policy_out_of_range", "more than 0"),
    ("window_hours: 24", "window_hours: -1", "policy_out_of_range", "between 0"),
    ("window_hours: 24", "windows_hours: 24", "unknown_key", "window_hours"),
    ("{yellow: 20, orange: 50, red: 200}", "{yellow: 20, orange: 50}", "missing_key", "red"),
])
def test_a_wrong_incident_rule_is_a_located_problem(tmp_path: Path, old: str, new: str,
                                                    code: str, says: str) -> None:
    error = _engine_with_policy(tmp_path, old, new)
    found = [p for p in error.problems if p.code == code]
    assert len(found) == 1, error.problems
    problem = found[0]
    assert problem.location.file.endswith("policy.yaml")
    lines = (tmp_path / "trees" / "policy.yaml").read_text(encoding="utf-8").splitlines()
    section = next(i for i, line in enumerate(lines, 1) if line.strip() == "incidents:")
    assert problem.location.line >= section  # located in the incidents section
    assert problem.location.line > 0 and problem.location.col > 0
    assert says in f"{problem.message} {problem.hint}"


@pytest.mark.parametrize(("old", "new"), [
    ("min_customers: 20", "min_customers: 30"),
    ("distinct_customers_24h >= 20", "distinct_customers_24h >= 25"),
])
def test_the_grade_rule_and_the_incident_rule_count_alike(tmp_path: Path, old: str,
                                                         new: str) -> None:
    """The grade rule on the incident count and `min_customers` must say the same number, or
    an incident's members would be graded apart from what the index counts."""
    error = _engine_with_policy(tmp_path, old, new)
    [problem] = [p for p in error.problems if p.code == "policy_out_of_range"]
    lines = (tmp_path / "trees" / "policy.yaml").read_text(encoding="utf-8").splitlines()
    assert "distinct_customers_24h >=" in lines[problem.location.line - 1]  # at the rule
    assert "min_customers" in problem.message and "use the same number" in (problem.hint or "")


COUNT = "complaint.incident.distinct_customers_24h"
SHIPPED_POLICY = Path(__file__).resolve().parent.parent / "trees" / "policy.yaml"


def _policy_problems(rule: str, min_customers: int = 20) -> tuple[str, list[Problem]]:
    """The problems of the shipped policy with its incident grade rule written as `rule`."""
    text = SHIPPED_POLICY.read_text(encoding="utf-8")
    assert f"when: {COUNT} >= 20\n" in text
    text = text.replace(f"when: {COUNT} >= 20\n", f"when: {rule}\n").replace(
        "min_customers: 20", f"min_customers: {min_customers}")
    data, pos, problems = load_yaml(text, "policy.yaml")
    read_policy(data, pos, real_schemas()[1], problems)
    return text, problems


@pytest.mark.parametrize("form", [
    "X >= 20", "X > 19", "20 <= X", "19 < X", "20 - 1 < X", "not (X < 20)", "not (19 >= X)",
    "(X) >= 2 * 10", "X > 19.5", "X >= 19.5", "X >= -(-20)"])
def test_the_incident_grade_rule_is_read_in_its_equivalent_forms(form: str) -> None:
    rule = form.replace("X", COUNT)
    assert _policy_problems(rule)[1] == []
    _, problems = _policy_problems(rule, min_customers=25)  # then it grades from 20, not 25
    [problem] = problems
    assert problem.code == "policy_out_of_range"
    assert "from 20 customers" in problem.message and "makes one from 25" in problem.message


@pytest.mark.parametrize("form", [
    "X == 20", "X != 0", "X < 20", "X <= 19", "X * 2 >= 40", "X >= 20 and X < 1000",
    "not X > 19 or X >= 20", "X >= 20 / 0"])
def test_an_incident_grade_rule_it_cannot_read_is_refused_where_it_is(form: str) -> None:
    rule = form.replace("X", COUNT)
    text, problems = _policy_problems(rule)
    [problem] = problems
    assert problem.code == "policy_incident_rule_unreadable"
    line = text.splitlines()[problem.location.line - 1]
    assert line[problem.location.col - 1:].startswith(rule.partition(" ")[0]), (line, problem)
    assert f"{COUNT} >= 20" in (problem.hint or "") and "min_customers" in problem.hint
    headline = problem.headline()
    assert headline.startswith(f"policy.yaml:{problem.location.line}:{problem.location.col}: ")


def test_a_rule_reading_the_count_with_other_facts_is_not_the_incident_rule() -> None:
    assert _policy_problems(f'{COUNT} >= 5 and complaint.channel == "hotline"')[1] == []


def test_a_policy_without_incidents_uses_the_defaults(tmp_path: Path) -> None:
    trees = tmp_path / "trees"
    shutil.copytree(Path(__file__).resolve().parent.parent / "trees", trees,
                    ignore=shutil.ignore_patterns("scenarios", "__pycache__", "*.py"))
    text = (trees / "policy.yaml").read_text(encoding="utf-8")
    (trees / "policy.yaml").write_text(text[:text.index("  # Mass incidents")],
                                       encoding="utf-8")
    engine = Engine(trees, sources=ad.mock_sources(ad.records_from_mapping({})))
    assert engine.library.policy is not None
    assert engine.library.policy.incidents == DEFAULT_INCIDENTS


# -- grouping a results frame ----------------------------------------------------------------
def test_a_site_outage_is_exactly_one_incident_with_its_members() -> None:
    rows = outage_day(25)
    rows.append(row(90, "8613900000090", T0, cause="billing.duplicate_charge"))
    rows.append(row(91, "8613900000091", T0, cell="460-00-99999-9"))  # another cell, alone
    (incident,) = group(rows)
    assert incident.cause == OUTAGE and incident.cell == CELL and incident.platform is None
    assert incident.members == tuple(f"C{k}" for k in range(1, 26))
    assert incident.distinct_customers == incident.complaints == 25
    assert incident.warning_level == "yellow"
    assert incident.first_at == T0.isoformat()
    assert incident.last_at == (T0 + _dt.timedelta(minutes=24)).isoformat()
    assert incident.cells == (CELL,)
    assert "86138" not in repr(incident) and "86138" not in json.dumps(incident.to_dict())


@pytest.mark.parametrize(("customers", "level"), [(20, "yellow"), (49, "yellow"),
                                                  (50, "orange"), (199, "orange"),
                                                  (200, "red")])
def test_the_warning_level_follows_the_distinct_customers(customers: int, level: str) -> None:
    (incident,) = group(outage_day(customers))
    assert incident.warning_level == level


def test_below_the_threshold_there_is_no_incident() -> None:
    assert group(outage_day(19)) == []


def test_a_customer_complaining_twice_counts_once() -> None:
    rows = outage_day(19)
    again = dict(rows[0], row=50, complaint_id="C50",
                 reported_at=(T0 + _dt.timedelta(hours=2)).isoformat())
    assert group([*rows, again]) == []
    (incident,) = group([*rows, again, *outage_day(1, start=60)])
    assert incident.distinct_customers == 20 and incident.complaints == 21
    assert "C50" in incident.members


def test_exactly_24_hours_apart_is_inside_the_window() -> None:
    rows = outage_day(19)
    at_edge = row(40, "8613800000040", T0 + _dt.timedelta(hours=24))
    assert len(group([*rows, at_edge])) == 1  # C1 at T0 and C40 at T0 + 24 h count together
    past = row(40, "8613800000040", T0 + _dt.timedelta(hours=24, minutes=19, seconds=1))
    assert group([*rows, past]) == []  # C1..C19 span 18 min: the last is > 24 h after C1


def test_non_network_causes_are_never_grouped() -> None:
    rows = [row(k, f"86138{k:08d}", T0, cause="billing.duplicate_charge") for k in range(30)]
    rows += [row(100 + k, f"86139{k:08d}", T0, cause="support.service_not_provisioned")
             for k in range(30)]
    rows += [row(200 + k, f"86137{k:08d}", T0, cause="device.faulty_handset")
             for k in range(30)]
    assert group(rows) == []


def test_rows_without_a_cell_are_not_grouped() -> None:
    assert group([dict(r, cell=None) for r in outage_day(30)]) == []


def test_platform_faults_group_by_platform_across_cells() -> None:
    rows = [row(k, f"86138{k:08d}", T0 + _dt.timedelta(minutes=k),
                cause="support.platform_fault", cell=f"460-00-1-{k % 3}", platform="smsc")
            for k in range(1, 23)]
    rows.append(row(99, "8613800000099", T0, cause="support.platform_fault", cell=CELL,
                    platform="in"))
    (incident,) = group(rows)
    assert incident.platform == "smsc" and incident.cell is None
    assert incident.category == "support"
    assert set(incident.cells) == {"460-00-1-0", "460-00-1-1", "460-00-1-2"}
    assert "C99" not in incident.members


def test_two_cells_make_two_incidents() -> None:
    rows = outage_day(20) + outage_day(30, cell="460-00-20812-2", start=100)
    incidents = group(rows)
    assert sorted((i.cell, i.distinct_customers) for i in incidents) == [
        (CELL, 20), ("460-00-20812-2", 30)]


# -- regrading -------------------------------------------------------------------------------
def test_members_are_raised_to_major_with_the_reason_and_deadline() -> None:
    rows = outage_day(20)
    rows[3] = dict(rows[3], grade="escalated", grade_reasons="VIP customer",
                   feedback_due=(T0 + _dt.timedelta(minutes=3, hours=24)).isoformat())
    rows[4] = dict(rows[4], grade="major", grade_reasons="came through the regulator or the media",
                   feedback_due=(T0 + _dt.timedelta(minutes=4, hours=6)).isoformat())
    outsider = row(70, "8613900000070", T0, cause="billing.duplicate_charge")
    f = frame([*rows, outsider])
    index = IncidentIndex(policy())
    incidents = index.group_results(f)
    out = index.regrade_results(f, incidents)
    assert list(out.columns) == list(f.columns) and len(out) == len(f)
    reason = next(r.reason for r in policy().rules if "distinct_customers_24h" in r.when.text)
    for k in range(20):
        got = out.iloc[k]
        at = _dt.datetime.fromisoformat(f.iloc[k]["reported_at"])
        assert got["grade"] == "major"
        assert got["feedback_due"] == (at + _dt.timedelta(hours=6)).isoformat()
        assert got["grade_reasons"].split(";").count(reason) == 1
    assert out.iloc[3]["grade_reasons"] == f"VIP customer;{reason}"
    assert out.iloc[20].to_dict() == f.iloc[20].to_dict()  # not a member: unchanged
    assert f.iloc[0]["grade"] == "normal"  # the input frame is not changed
    # regrading twice changes nothing more
    again = index.regrade_results(out, incidents)
    pd.testing.assert_frame_equal(again, out)


def test_regrading_needs_a_policy() -> None:
    with pytest.raises(Exception, match="policy"):
        IncidentIndex().regrade_results(frame(outage_day(20)), [])


def test_the_incidents_table_has_the_contract_columns() -> None:
    table = IncidentIndex.table(group(outage_day(21)))
    assert list(table.columns) == ["incident_id", "cause", "cell", "platform", "first_at",
                                   "last_at", "distinct_customers", "complaints",
                                   "warning_level", "members"]
    assert table.iloc[0]["members"] == ";".join(f"C{k}" for k in range(1, 22))


# -- TMF656 ----------------------------------------------------------------------------------
def _date_time(value: object) -> bool:
    if not isinstance(value, str) or "T" not in value:
        return False
    try:
        return _dt.datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


FORMATS = jsonschema.FormatChecker()
FORMATS.checks("date-time")(_date_time)


def _closed(schema: Any) -> Any:
    """Every object closed: a key the problem writes must be one TMF656 defines."""
    if isinstance(schema, dict):
        out = {k: _closed(v) for k, v in schema.items()}
        if out.get("type") == "object" and "properties" in out:
            out.setdefault("additionalProperties", False)
        return out
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema


@cache
def validator() -> jsonschema.Draft4Validator:
    definitions = json.loads(SWAGGER.read_text(encoding="utf-8"))["definitions"]
    schema = {"$ref": "#/definitions/ServiceProblem_Create",
              "definitions": _closed(definitions)}
    return jsonschema.Draft4Validator(schema, format_checker=FORMATS)


def valid(problem: dict[str, Any]) -> None:
    errors = sorted(validator().iter_errors(problem), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_a_site_outage_day_yields_one_valid_service_problem() -> None:
    (incident,) = group(outage_day(60))
    problem = service_problem(incident)
    valid(problem)
    assert problem["category"] == "network" and problem["reason"] == OUTAGE
    assert problem["priority"] == 2  # orange
    assert {"name": "warningLevel", "valueType": "string", "value": "orange"} \
        in problem["extensionInfo"]
    assert [o["id"] for o in problem["relatedObject"]] == list(incident.members)
    assert problem["affectedResource"] == [{"id": CELL, "name": CELL, "@referredType": "Cell"}]
    assert [p["id"] for p in problem["affectedLocation"]] == [CELL]
    assert problem["affectedNumberOfServices"] == 60
    assert "86138" not in json.dumps(problem)  # members are complaint ids, never numbers


def test_the_validation_can_fail() -> None:
    (incident,) = group(outage_day(20))
    problem = service_problem(incident)
    for broken in ({k: v for k, v in problem.items() if k != "originatorParty"},
                   dict(problem, priority="high"),
                   dict(problem, warningLevel="red")):
        assert list(validator().iter_errors(broken))


@pytest.mark.parametrize("customers", [20, 50, 200])
def test_every_level_and_a_platform_problem_are_valid(customers: int) -> None:
    for incident in group(outage_day(customers)):
        valid(service_problem(incident))
    rows = [row(k, f"86138{k:08d}", T0, cause="support.platform_fault", cell=None,
                platform="smsc") for k in range(customers)]
    (incident,) = group(rows)
    problem = service_problem(incident)
    valid(problem)
    assert "affectedLocation" not in problem  # no member said its cell
    assert problem["affectedResource"][0]["@referredType"] == "PlatformElement"


# -- proactive notices ------------------------------------------------------------------------
def test_notices_list_registered_customers_who_have_not_complained(
        caplog: pytest.LogCaptureFixture) -> None:
    incidents = group(outage_day(20))
    registrations = [("8613800000001", CELL),        # complained: no notice
                     ("8613700000001", CELL),        # on the cell, silent: notice
                     ("8613700000002", "460-00-1-1"),  # another cell
                     ("8613700000001", CELL)]        # listed twice: once
    with caplog.at_level(logging.DEBUG, logger="diagtree"):
        notices = IncidentIndex.notices(incidents, registrations)
    assert [tuple(n) for n in notices] == [(incidents[0].incident_id, "8613700000001", CELL)]
    assert caplog.records and "8613700000001" not in caplog.text
    assert "861********01" in caplog.text  # masked, not dropped


def test_platform_incidents_give_no_cell_notice() -> None:
    rows = [row(k, f"86138{k:08d}", T0, cause="support.platform_fault", platform="smsc")
            for k in range(25)]
    assert IncidentIndex.notices(group(rows), [("8613700000001", CELL)]) == []


# -- the CLI ---------------------------------------------------------------------------------
def _records(tmp_path: Path) -> Path:
    """A records file whose HLR registers two silent customers and one complainant on CELL."""
    cases = ad.load_records  # (the loader the CLI uses)
    base = {"msisdn": "8613700000001", "imsi": "460001234567890", "imei": "35328510123456",
            "status": "service_granted", "services": {"voice": True, "sms": True,
                                                     "data": True, "volte": True,
                                                     "nr": False, "roaming": False},
            "registration": {"state": "registered", "last_update": T0.isoformat(),
                             "rat": "LTE", "cell_id": CELL}, "number_state": "in_use"}
    subscribers = []
    for k, (msisdn, state) in enumerate([("8613700000001", "registered"),
                                         ("8613700000002", "registered"),
                                         ("8613700000003", "detached"),
                                         ("8613800000001", "registered")]):
        s = copy.deepcopy(base)
        s["msisdn"], s["imsi"] = msisdn, f"46000123456{k:04d}"
        s["registration"]["state"] = state
        subscribers.append(s)
    path = tmp_path / "records.json"
    path.write_text(json.dumps({"hlr": {"subscribers": subscribers}}), encoding="utf-8")
    assert len(cases(path).subscribers) == 4
    return path


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_the_incidents_command_writes_its_four_files(tmp_path: Path, suffix: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    f = frame([*outage_day(55), row(90, "8613900000090", T0, cause="billing.duplicate_charge")])
    results = tmp_path / f"results{suffix}"
    if suffix == ".csv":
        f.to_csv(results, index=False)
    else:
        f.to_json(results, orient="records", lines=True, force_ascii=False)
    out = tmp_path / "out"
    assert cli_main(["incidents", str(results), "--records", str(_records(tmp_path)),
                     "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert "1 incidents" in said and "orange" in said and "86137" not in said
    problems = json.loads((out / "problems.json").read_text(encoding="utf-8"))
    assert len(problems) == 1
    valid(problems[0])
    with (out / "incidents.csv").open(encoding="utf-8") as fh:
        (table,) = list(csv.DictReader(fh))
    assert table["cell"] == CELL and table["distinct_customers"] == "55"
    assert table["warning_level"] == "orange" and len(table["members"].split(";")) == 55
    regraded = pd.read_csv(out / "regraded.csv") if suffix == ".csv" \
        else pd.read_json(out / "regraded.jsonl", lines=True, dtype=False)
    assert list(regraded["grade"]) == ["major"] * 55 + ["normal"]
    # the complaint's own times come back as the text they were, never epoch milliseconds
    regraded_text = (out / f"regraded{suffix}").read_text(encoding="utf-8")
    assert str(f["reported_at"].iloc[0]).replace("/", "\\/") in regraded_text
    with (out / "notices.csv").open(encoding="utf-8") as fh:
        notices = list(csv.DictReader(fh))
    assert [(n["msisdn"], n["cell"]) for n in notices] == [("8613700000001", CELL),
                                                          ("8613700000002", CELL)]
    assert {n["incident_id"] for n in notices} == {table["incident_id"]}


def test_the_incidents_command_with_the_demo_city(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from diagtree_adapters import demo

    records = demo.demo_records()
    on_cell = [s for s in records.subscribers
               if (s.get("registration") or {}).get("state") == "registered"]
    cell = str(on_cell[0]["registration"]["cell_id"])
    registered = {str(s["msisdn"]) for s in on_cell if s["registration"]["cell_id"] == cell}
    results = tmp_path / "results.csv"
    frame(outage_day(20, cell=cell)).to_csv(results, index=False)
    assert cli_main(["incidents", str(results), "--demo", "-o", str(tmp_path / "o")]) == 0
    with (tmp_path / "o" / "notices.csv").open(encoding="utf-8") as fh:
        assert {n["msisdn"] for n in csv.DictReader(fh)} == registered


def test_the_incidents_command_refuses_what_it_cannot_read(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["incidents", str(tmp_path / "none.csv"), "-o", str(tmp_path)]) == 2
    (tmp_path / "r.txt").write_text("x", encoding="utf-8")
    assert cli_main(["incidents", str(tmp_path / "r.txt"), "-o", str(tmp_path)]) == 2
    (tmp_path / "r.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert cli_main(["incidents", str(tmp_path / "r.csv"), "-o", str(tmp_path)]) == 1
    assert "cause" in capsys.readouterr().err
