"""A source that misbehaves in any way is a failed source named in `Diagnosis.unavailable`.

Whatever a source raises (but `KeyboardInterrupt` and `SystemExit`, which are the caller's),
however broken the exception is, and whatever wrong value it returns (a wrong type, a value
whose repr fails, NaN or an infinity), `diagnose` returns a diagnosis, names the source, and
writes standard JSON. Covered both where the walk reads a source and where only the policy
does (a grade rule reads `billing.customer.tier`).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import math
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import diagtree_adapters as ad
from diagtree import Diagnosis, Engine, FactSpec, SourceError, shipped_trees
from diagtree._conclude.diagnosis import json_value
from diagtree._testing.scenarios import load_cases
from diagtree._vocab.complaint import Complaint
from diagtree._vocab.facts import STRING

from conftest import fuzz

NO_SERVICE = {"id": "F1", "type": "no_service", "msisdn": "8613800000001",
              "reported_at": "2026-11-20T09:30:00+08:00",
              "location": {"lat": 28.2282, "lon": 112.9388}}
# its walk reads no source; the policy's VIP rule reads billing
STAFF_CONDUCT = {"id": "F2", "type": "staff_conduct", "msisdn": "8613800000001",
                 "reported_at": "2026-11-20T09:30:00+08:00"}


def strict_json(d: Diagnosis) -> Any:
    """The diagnosis's JSON, refusing NaN and the infinities (not JSON)."""
    def refuse(token: str) -> Any:
        raise ValueError(f"non-standard JSON token {token}")
    return json.loads(d.to_json(), parse_constant=refuse)


class Raising:
    """The wrapped source's name and facts; its fetch raises `exc`."""

    def __init__(self, inner: Any, exc: BaseException) -> None:
        self.inner, self.name, self.exc = inner, inner.name, exc

    def facts(self) -> Any:
        return self.inner.facts()

    def fetch(self, complaint: Complaint, timeout_s: float) -> Any:
        raise self.exc


class Returning:
    """The wrapped source's name and facts; its fetch returns `result` (a callable: what it
    returns, given what the wrapped source returned)."""

    def __init__(self, inner: Any, result: Any) -> None:
        self.inner, self.name, self.result = inner, inner.name, result

    def facts(self) -> Any:
        return self.inner.facts()

    def fetch(self, complaint: Complaint, timeout_s: float) -> Any:
        return self.result(dict(self.inner.fetch(complaint, timeout_s)))


def sources(records: Mapping[str, Any] | None = None, **wrap: Any) -> list[Any]:
    """The three mock sources over `records`; ``hlr=lambda s: ...`` wraps one of them."""
    plain = ad.mock_sources(ad.records_from_mapping(dict(records or {})))
    return [wrap[s.name](s) if s.name in wrap else s for s in plain]


class StrNotStr(Exception):
    def __str__(self) -> Any:
        return 42  # noqa: PLE0307 - the point of this exception


class StrRaises(Exception):
    def __str__(self) -> str:
        raise ValueError("__str__ failed")


class NothingReadable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


class NotAnException(BaseException):
    """A BaseException that is not an Exception (as some frameworks raise)."""


class BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("repr fails")


BROKEN = [StrNotStr("x"), StrRaises("x"), NothingReadable(), NotAnException("x"),
          asyncio.CancelledError(), GeneratorExit(), RecursionError("deep"), MemoryError(),
          SourceError("hlr", "down")]


@pytest.mark.parametrize("exc", BROKEN, ids=lambda e: type(e).__name__)
def test_anything_a_source_raises_during_the_walk_names_it(engine: Engine,
                                                           exc: BaseException) -> None:
    d = engine.diagnose(NO_SERVICE, sources=sources(hlr=lambda s: Raising(s, exc)))
    assert "hlr" in d.unavailable
    assert d.cause == "unknown.data_unavailable"  # not an "internal error"
    assert not any("internal error" in note for note in d.notes)
    failed = [c for c in d.sources if c.source == "hlr" and not c.ok]
    assert failed and (failed[0].error or "").startswith(type(exc).__name__)
    strict_json(d)


@pytest.mark.parametrize("exc", BROKEN, ids=lambda e: type(e).__name__)
def test_anything_a_source_raises_for_the_policy_names_it(engine: Engine,
                                                          exc: BaseException) -> None:
    d = engine.diagnose(STAFF_CONDUCT, sources=sources(billing=lambda s: Raising(s, exc)))
    assert d.unavailable == ("billing",)
    assert any("could not be read" in note for note in d.notes)
    strict_json(d)


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(3)], ids=repr)
def test_an_interrupt_or_exit_raised_in_a_source_stops_the_caller(engine: Engine,
                                                                  exc: BaseException) -> None:
    with pytest.raises(type(exc)):
        engine.diagnose(NO_SERVICE, sources=sources(hlr=lambda s: Raising(s, exc)))


def test_a_blocking_source_raising_a_base_exception_is_named(engine: Engine) -> None:
    def blocking(s: Any) -> Any:
        wrapped = Raising(s, NotAnException("worker"))
        wrapped.blocking = True  # type: ignore[attr-defined]
        return wrapped
    d = engine.diagnose(NO_SERVICE, sources=sources(hlr=blocking))
    assert "hlr" in d.unavailable


def test_a_failure_whose_message_cannot_be_read_is_logged_by_its_type(
        engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="diagtree"):
        d = engine.diagnose(NO_SERVICE,
                            sources=sources(hlr=lambda s: Raising(s, NothingReadable())))
    assert "hlr" in d.unavailable
    lines = [r.getMessage() for r in caplog.records if r.name == "diagtree.sources"]
    assert any("source hlr unavailable" in line and "NothingReadable" in line
               for line in lines)


def test_a_wrong_typed_value_whose_repr_fails_is_a_failed_source(engine: Engine) -> None:
    d = engine.diagnose(STAFF_CONDUCT, sources=sources(
        billing=lambda s: Returning(s, lambda v: {**v, "billing.customer.tier": BadRepr()})))
    assert d.unavailable == ("billing",)
    error = next(c.error for c in d.sources if not c.ok) or ""
    assert "billing.customer.tier" in error and "BadRepr" in error


def test_a_source_whose_facts_fail_is_a_failed_source(engine: Engine) -> None:
    class NoFacts:
        name = "hlr"

        def facts(self) -> Any:
            raise StrRaises("x")

        def fetch(self, complaint: Complaint, timeout_s: float) -> Any:
            raise AssertionError("never asked")

    plain = sources()
    d = engine.diagnose(NO_SERVICE, sources=[NoFacts(), *plain[1:]])
    assert "hlr" in d.unavailable
    assert "facts() failed" in (next(c.error for c in d.sources if c.source == "hlr") or "")


class Declaring:
    """The wrapped source, declaring `facts` instead of its own; its fetch returns `values`."""

    def __init__(self, inner: Any, facts: list[FactSpec], values: dict[str, Any]) -> None:
        self.inner, self.name, self.declared, self.values = inner, inner.name, facts, values

    def facts(self) -> Any:
        return self.declared

    def fetch(self, complaint: Complaint, timeout_s: float) -> Any:
        return {**self.inner.fetch(complaint, timeout_s), **self.values}


@pytest.mark.parametrize("declared", [[], [FactSpec("billing.customer.tier", STRING, "any")]],
                         ids=["declares-nothing", "declares-a-string"])
def test_a_per_call_source_is_checked_against_the_types_the_trees_were_checked_with(
        engine: Engine, declared: list[FactSpec]) -> None:
    complaint, records = arrears_case()
    d = engine.diagnose(complaint, sources=sources(records, billing=lambda s: Declaring(
        s, declared, {"billing.account.overdue_amount": math.nan,
                      "billing.customer.tier": "not-a-tier"})))
    assert "billing" in d.unavailable
    errors = " ".join(c.error or "" for c in d.sources if not c.ok)
    assert "overdue_amount" in errors and "billing.customer.tier" in errors
    strict_json(d)


def test_a_mapping_whose_read_raises_a_base_exception_is_a_failed_source(
        engine: Engine) -> None:
    class Exploding(Mapping[str, Any]):
        def __getitem__(self, key: str) -> Any:
            raise NotAnException(key)

        def __iter__(self) -> Iterator[str]:
            return iter(())

        def __len__(self) -> int:
            return 0

    d = engine.diagnose(NO_SERVICE, sources=sources(hlr=lambda s: Returning(
        s, lambda v: Exploding())))
    assert "hlr" in d.unavailable


@functools.cache
def arrears_case() -> tuple[dict[str, Any], dict[str, Any]]:
    cases, _ = load_cases([shipped_trees() / "scenarios" / "cannot_call_out.yaml"])
    case = next(c for c in cases if c.id == "co-barred-odb-arrears")
    return {"id": case.id, **case.complaint}, case.sources


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 10**400, -(2**63)],
                         ids=["nan", "inf", "-inf", "huge-int", "int64-min"])
def test_a_non_finite_or_absurd_number_from_a_source_is_a_malformed_value(
        engine: Engine, bad: Any) -> None:
    complaint, records = arrears_case()
    d = engine.diagnose(complaint, sources=sources(records, billing=lambda s: Returning(
        s, lambda v: {**v, "billing.account.overdue_amount": bad,
                      "billing.account.balance": bad})))
    assert "billing" in d.unavailable
    assert any("overdue_amount" in (c.error or "") for c in d.sources if not c.ok)
    strict_json(d)
    assert "nan" not in d.script.lower() and "inf" not in d.script.lower()


def test_the_same_case_with_finite_numbers_reads_the_amount(engine: Engine) -> None:
    complaint, records = arrears_case()
    d = engine.diagnose(complaint, sources=sources(records))
    assert d.cause == "billing.suspended_arrears" and "30.00元" in d.script
    assert d.unavailable == ()


def test_json_never_holds_a_non_finite_number() -> None:
    assert json_value(math.nan) is None and json_value(-math.inf) is None
    assert json_value(1.5) == 1.5
    assert json_value((math.inf, 2)) == [None, 2]


# -- fuzz: sources misbehaving at random ---------------------------------------------------
class Weird(Exception):
    """An exception whose str/repr may be broken, with random text."""

    def __init__(self, text: str, broken_str: bool, broken_repr: bool) -> None:
        super().__init__(text)
        self.broken_str, self.broken_repr = broken_str, broken_repr

    def __str__(self) -> str:
        if self.broken_str:
            raise ValueError("str")
        return super().__str__()

    def __repr__(self) -> str:
        if self.broken_repr:
            raise ValueError("repr")
        return super().__repr__()


class WeirdBase(BaseException):
    pass


TEXTS = st.sampled_from(["", "boom", "no subscriber 8613800000001", "超时", "\x00"])
EXCEPTIONS = st.one_of(
    st.builds(Weird, TEXTS, st.booleans(), st.booleans()),
    st.builds(WeirdBase, TEXTS),
    st.sampled_from([ValueError, TypeError, KeyError, RuntimeError, OSError, TimeoutError,
                     MemoryError, RecursionError, ZeroDivisionError, LookupError,
                     asyncio.CancelledError, GeneratorExit]).map(lambda cls: cls("boom")),
    st.builds(SourceError, st.just("x"), TEXTS),
)
ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), TEXTS,
    st.just(BadRepr()), st.tuples(st.integers()), st.lists(TEXTS, max_size=2),
    st.dates(), st.datetimes(), st.just(object()),
)


@st.composite
def behaviours(draw: st.DrawFn) -> tuple[str, Any]:
    """One way a source behaves: healthy, raising, returning a non-mapping, or a mapping
    with some facts replaced by odd values."""
    kind = draw(st.sampled_from(["ok", "raise", "non_mapping", "odd_values"]))
    if kind == "raise":
        return kind, draw(EXCEPTIONS)
    if kind == "non_mapping":
        return kind, draw(st.one_of(ODD_VALUES.filter(lambda v: not isinstance(v, Mapping)),
                                    st.lists(st.integers(), max_size=3)))
    if kind == "odd_values":
        return kind, draw(st.lists(st.tuples(st.integers(0, 40), ODD_VALUES), max_size=4))
    return kind, None


def wrap(source: Any, behaviour: tuple[str, Any]) -> Any:
    kind, what = behaviour
    if kind == "raise":
        return Raising(source, what)
    if kind == "non_mapping":
        return Returning(source, lambda v: what)
    if kind == "odd_values":
        names = sorted(spec.name for spec in source.facts())
        return Returning(source, lambda v: {**v, **{names[i % len(names)]: value
                                                   for i, value in what}})
    return source


@fuzz(200)
@given(complaint=st.sampled_from([NO_SERVICE, STAFF_CONDUCT,
                                  {**NO_SERVICE, "type": "bill_dispute", "location": None}]),
       hlr=behaviours(), billing=behaviours(), coverage=behaviours())
def test_fuzz_misbehaving_sources_are_named_and_never_raise(
        engine: Engine, complaint: dict[str, Any], hlr: tuple[str, Any],
        billing: tuple[str, Any], coverage: tuple[str, Any]) -> None:
    behaviour = {"hlr": hlr, "billing": billing, "coverage": coverage}
    given_sources = sources(**{name: (lambda s, b=b: wrap(s, b))
                               for name, b in behaviour.items()})
    d = engine.diagnose(complaint, sources=given_sources)
    asked = {c.source for c in d.sources}
    for name, (kind, _) in behaviour.items():
        if name in asked and kind in ("raise", "non_mapping"):
            assert name in d.unavailable, (name, kind, d.sources)
    assert set(d.unavailable) == {c.source for c in d.sources if not c.ok}
    strict_json(d)
    json.dumps(d.for_log(), allow_nan=False)
