"""The public namespaces are pinned, and public objects pickle by their public name.

`__all__` must list exactly the public names a module holds (httpx's test): a name imported
for internal use that leaks into `diagtree`'s namespace fails here, as does a name listed and
missing. Every exported class and function says it is ``diagtree.X``, so that pickles (a
multiprocessing batch, a cache) name ``diagtree.Diagnosis``, never
``diagtree._conclude.diagnosis``, and still load after the private modules move.
"""

from __future__ import annotations

import datetime as _dt
import pickle
import re
import types
import typing
from typing import Any

import pytest

import diagtree
import diagtree.testing
import diagtree_adapters
from diagtree import (
    UNKNOWN,
    AuthoringError,
    ComplaintError,
    ConfigurationError,
    DiagtreeError,
    Engine,
    Location,
    Problem,
    SessionStateError,
    SourceError,
    SourceTimeout,
    TicketError,
    parse_complaint,
)
from diagtree_adapters import RecordError, mock_sources, records_from_mapping

_PRIVATE_MODULE = re.compile(rb"diagtree\._")


def isort_style(name: str) -> tuple[int, str]:
    """Constants, classes, then functions (ruff's isort order, as `__all__` is written)."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def public_names(module: types.ModuleType) -> list[str]:
    return sorted((name for name, value in vars(module).items()
                   if not name.startswith("_") and not isinstance(value, types.ModuleType)),
                  key=isort_style)


@pytest.mark.parametrize("module", [diagtree, diagtree_adapters, diagtree.testing],
                         ids=lambda m: m.__name__)
def test_all_lists_exactly_the_public_names(module: types.ModuleType) -> None:
    assert module.__all__ == public_names(module)


def test_the_pin_catches_a_leaked_name() -> None:
    module = types.ModuleType("fake")
    module.__all__ = ["Engine"]  # type: ignore[attr-defined]
    module.Engine = Engine  # type: ignore[attr-defined]
    module.helper = len  # type: ignore[attr-defined]
    assert module.__all__ != public_names(module)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", [n for n in diagtree.__all__ if n != "UNKNOWN"])
def test_each_public_class_and_function_is_named_from_diagtree(name: str) -> None:
    value = getattr(diagtree, name)
    assert value.__module__ == "diagtree"
    assert getattr(diagtree, value.__qualname__) is value
    if isinstance(value, type):
        assert pickle.loads(pickle.dumps(value)) is value  # noqa: S301 - our own bytes
        # introspection (dataclass and NamedTuple tools) still resolves the annotations,
        # which name the private module's globals (`_dt.datetime`, `Any`)
        hints = typing.get_type_hints(value)
        assert set(hints) >= set(vars(value).get("__annotations__", {}))


def assert_public_pickle(value: Any) -> Any:
    """Round-trip `value` in the oldest and newest protocols; the bytes name no private module."""
    copies = []
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        data = pickle.dumps(value, protocol=protocol)
        assert b"diagtree" in data
        assert not _PRIVATE_MODULE.search(data), data
        copies.append(pickle.loads(data))  # noqa: S301 - our own bytes
    return copies[-1]


def test_unknown_pickles_as_itself() -> None:
    assert assert_public_pickle(UNKNOWN) is UNKNOWN
    assert assert_public_pickle([UNKNOWN, {"x": UNKNOWN}])[1]["x"] is UNKNOWN


COMPLAINT = {"id": "T1", "type": "cannot_receive_calls", "msisdn": "8613800000001",
             "reported_at": "2026-11-20T09:30:00+08:00",
             "location": {"lat": 28.2282, "lon": 112.9388}}


def test_a_complaint_pickles_with_everything_it_holds() -> None:
    complaint = parse_complaint({
        **COMPLAINT, "type": "bill_dispute", "channel": "app", "text": "charged twice",
        "subject": {"charge_id": "C1", "sp_code": "SP9"}, "agent_role": "supervisor",
        "incident": {"distinct_customers_24h": 3},
        "history": [{"id": "T0", "at": "2026-11-18T10:00:00+08:00", "type": "bill_dispute",
                     "cause": "billing.duplicate_charge"}]})
    assert complaint.history and complaint.subject.charge_id == "C1"
    assert complaint.incident_distinct_customers_24h == 3
    copy = assert_public_pickle(complaint)
    assert copy == complaint and copy.reported_at.utcoffset() == _dt.timedelta(hours=8)
    bare = parse_complaint({**COMPLAINT, "type": "bill_dispute", "location": None})
    assert bare.location is None and assert_public_pickle(bare) == bare


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(sources=mock_sources(records_from_mapping({})))


@pytest.mark.parametrize("down", [[], ["hlr", "coverage"]])
def test_a_diagnosis_pickles(engine: Engine, down: list[str]) -> None:
    diagnosis = engine.diagnose(COMPLAINT, sources=mock_sources(records_from_mapping({}),
                                                                down=down))
    assert diagnosis.trace and diagnosis.sources
    assert bool(diagnosis.unavailable) == bool(down)
    copy = assert_public_pickle(diagnosis)
    assert copy == diagnosis and copy.to_dict() == diagnosis.to_dict()


PROBLEM = Problem(Location("kb/tree.yaml", 3, 5), "unknown_fact", "no source declares x",
                  hint="did you mean 'y'?")
ERRORS = [
    DiagtreeError("something"),
    AuthoringError((PROBLEM, Problem(Location("a.yaml"), "yaml_syntax", "bad")),
                   {"kb/tree.yaml": "a\nb\nc: x\n"}),
    ComplaintError("msisdn", "not a number: 8613800000001", "complaint_msisdn"),
    SessionStateError("state.version", "version 9 is not read here"),
    SourceError("hlr", "refused"),
    SourceTimeout("hlr", 0.5),
    ConfigurationError("locale", "locale must be one of ('zh-CN', 'en')"),
    TicketError("diagnosis.resolution", "resolved on the call", "ticket_not_dispatched"),
    RecordError("records.yaml: hlr.subscribers row 2", "msisdn", "not an MSISDN"),
    RecordError("records.yaml", None, "holds no records"),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_each_public_error_pickles(error: Exception) -> None:
    if isinstance(error, RecordError):  # the adapters' own: named from diagtree_adapters
        data = pickle.dumps(error)
        assert b"diagtree_adapters" in data
        copy = pickle.loads(data)  # noqa: S301 - our own bytes
    else:
        copy = assert_public_pickle(error)
    assert type(copy) is type(error)
    assert str(copy) == str(error) and copy.args == error.args
    assert vars(copy) == vars(error)


def test_configuration_errors_stay_value_errors_and_name_the_field() -> None:
    error = ConfigurationError("sources", "two sources are named 'hlr' for 8613800000001")
    assert isinstance(error, DiagtreeError) and isinstance(error, ValueError)
    assert error.field == "sources" and "8613800000001" not in str(error)
    assert issubclass(RecordError, ConfigurationError)
    with pytest.raises(ConfigurationError) as caught:
        Engine(sources=[*mock_sources(records_from_mapping({})),
                        *mock_sources(records_from_mapping({}))])
    assert caught.value.field == "sources"
    with pytest.raises(ConfigurationError) as caught:
        Engine(sources=mock_sources(records_from_mapping({})), locale="fr")
    assert caught.value.field == "locale"
    with pytest.raises(ConfigurationError) as caught:
        diagtree.FactType("float")
    assert caught.value.field == "FactType.kind"


def test_fact_type_constants() -> None:
    assert [str(t) for t in (diagtree.FactType.BOOL, diagtree.FactType.INT,
                             diagtree.FactType.NUMBER, diagtree.FactType.STRING,
                             diagtree.FactType.DATETIME, diagtree.FactType.DATE)] == [
        "bool", "int", "number", "string", "datetime", "date"]


def test_read_yaml_reads_safely_and_raises_authoring_errors() -> None:
    assert diagtree.read_yaml("a: [1, 2]\nwhen: 2026-11-20\n") == {"a": [1, 2],
                                                                    "when": "2026-11-20"}
    with pytest.raises(AuthoringError) as caught:
        diagtree.read_yaml("a: 1\na: 2\n", "data.yaml")
    assert [p.code for p in caught.value.problems] == ["duplicate_key"]
    # safe YAML: a tag builds no object
    assert diagtree.read_yaml("x: !!python/object/apply:os.system ['true']\n") == {"x": ["true"]}
    with pytest.raises(AuthoringError) as caught:
        diagtree.read_yaml("a: " + "[" * 100 + "]" * 100)
    assert caught.value.problems[0].code == "file_too_complex"


def test_a_decision_log_names_the_option_it_refuses(tmp_path: Any) -> None:
    assert diagtree.DecisionLog.__module__ == "diagtree"
    for option, value in (("max_bytes", 0), ("keep", -1), ("mask", "yes")):
        with pytest.raises(ConfigurationError) as caught:
            diagtree.DecisionLog(tmp_path / "d.jsonl", **{option: value})
        assert caught.value.field == option
