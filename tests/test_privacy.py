"""No full MSISDN or IMSI in any log line, error message or `for_log()` output.

`mask_text` is the one masking of free text; the last test runs every shipped scenario with its
sources failing in every way — down, timing out, raising errors that quote the subscriber's
numbers in every format, returning wrong values that hold them — and scans all the log output
(DEBUG and up) and every error text for a full number.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

import diagtree._walk.walk as walk_module
import diagtree_adapters as ad
from diagtree import ComplaintError, Engine, SourceError, parse_complaint, shipped_trees
from diagtree._privacy import describe, mask_text, mask_value
from diagtree._testing.scenarios import Case, load_cases, run_case
from diagtree._vocab.complaint import Complaint
from diagtree_adapters import RecordError

MSISDN = "8613800000001"
IMSI = "460001234567890"


def formats(number: str) -> list[str]:
    """`number` written the ways people and systems write it."""
    out = [number, "+" + number]
    if number.startswith("86") and len(number) == 13:
        national = number[2:]
        out += [national, f"+86 {national[:3]} {national[3:7]} {national[7:]}",
                f"86-{national[:3]}-{national[3:7]}-{national[7:]}",
                f"{national[:3]}-{national[3:7]}-{national[7:]}",
                f"{national[:3]} {national[3:7]} {national[7:]}"]
    else:
        out += [f"{number[:3]} {number[3:5]} {number[5:]}",
                f"{number[:3]}-{number[3:5]}-{number[5:]}"]
    return out


_SEPARATOR = re.compile(r"(?<=\d)[ \-]+(?=\d)")


def full_numbers_in(text: str, numbers: set[str]) -> list[str]:
    """The numbers (or their national forms) that `text` holds in full, in any format."""
    joined = _SEPARATOR.sub("", text)
    found = []
    for number in numbers:
        forms = {number} | ({number[2:]} if number.startswith("86") and len(number) == 13
                            else set())
        found += [n for n in forms if n in joined]
    return found


# -- the masking itself ----------------------------------------------------------------------
@pytest.mark.parametrize("written", formats(MSISDN) + formats(IMSI))
def test_every_format_of_a_number_is_masked(written: str) -> None:
    text = f"lookup of {written} failed; 查询{written}失败; ({written}), msisdn={written}."
    masked = mask_text(text)
    assert not full_numbers_in(masked, {MSISDN, IMSI}), masked
    assert masked.count("*") >= 3 * 6  # each of the three numbers, all but 5 digits


@pytest.mark.parametrize("kept", [
    "2026-11-20T09:30:00+08:00", "2026-11-20 09:30:00", "2026-11-20", "09:30",
    "CNY 120.50", "30.00元", "0.12345678901", "after 2000 ms", "cell 460-00-20811-1",
    "tree sha256 a3f9123456789bc0", "complaint D-0001", "every 24 h",
])
def test_dates_times_amounts_and_identifiers_are_kept(kept: str) -> None:
    assert mask_text(kept) == kept


def test_mask_keeps_the_first_three_and_last_two_digits() -> None:
    assert mask_text(MSISDN) == "861********01"
    assert mask_text("+86 138 0000 0001") == "+86 1** **** **01"


def test_values_for_logs_mask_integers_and_nested_text() -> None:
    masked = mask_value({"msisdn": int(MSISDN), "imsi": [int(IMSI)], "ok": True, "n": 3,
                         "note": f"IMSI {IMSI[:3]} {IMSI[3:5]} {IMSI[5:]}"})
    assert not full_numbers_in(json.dumps(masked), {MSISDN, IMSI})
    assert masked["ok"] is True and masked["n"] == 3


def test_describe_never_raises() -> None:
    class Broken(Exception):
        def __str__(self) -> str:
            raise RuntimeError

        def __repr__(self) -> str:
            raise RuntimeError

    assert describe(Broken()).startswith("Broken")
    assert describe(KeyError(int(MSISDN))) == f"KeyError: {MSISDN}"  # masked by the caller
    # a long message is cut, never inside a number (its head would escape the mask)
    for pad in range(490, 500):
        cut = mask_text(describe(ValueError("x" * pad + " " + MSISDN)))
        assert len(cut) < 530 and not any(MSISDN[:n] in cut for n in range(6, 14))


def test_masking_takes_linear_time_on_long_text() -> None:
    started = time.perf_counter()
    for text in ("1 " * 100_000 + "x", "1-" * 100_000 + "x", "9" * 200_000 + "x"):
        assert MSISDN not in mask_text(text + " " + MSISDN)
    assert time.perf_counter() - started < 2  # quadratic would take minutes


def test_for_log_masks_numbers_however_written_and_stored(engine: Engine) -> None:
    d = engine.diagnose({"id": "P1", "type": "staff_conduct", "msisdn": MSISDN,
                         "reported_at": "2026-11-20T09:30:00+08:00"})
    d = dataclasses.replace(
        d, values=(("msisdn", int(MSISDN)), ("imsi", IMSI)),
        notes=("customer said +86 138 0000 0001", f"IMSI {IMSI[:3]}-{IMSI[3:5]}-{IMSI[5:]}"))
    text = json.dumps(d.for_log(), ensure_ascii=False)
    assert not full_numbers_in(text, {MSISDN, IMSI}), text
    assert d.for_log()["feedback_due"] == d.feedback_due  # times kept


# -- error messages ----------------------------------------------------------------------------
COMPLAINT = {"id": "P2", "type": "no_service", "msisdn": MSISDN,
             "reported_at": "2026-11-20T09:30:00+08:00"}


@pytest.mark.parametrize("change", [
    {"msisdn": "+86 138 0000 0001"}, {"msisdn": int(MSISDN)}, {"msisdn": f"{MSISDN}x"},
    {"id": int(MSISDN)}, {"text": int(IMSI)}, {"channel": f"tel {MSISDN}"},
    {"subject": {"msisdn": int(MSISDN)}}, {"location": {"lat": int(MSISDN), "lon": 0}},
    {"reported_at": MSISDN}, {"type": f"no_service {IMSI}"},
    {"history": [{"msisdn": MSISDN}]}, {"agent_role": "+86 138-0000-0001"},
])
def test_complaint_errors_never_quote_a_full_number(change: dict[str, Any]) -> None:
    with pytest.raises(ComplaintError) as caught:
        parse_complaint({**COMPLAINT, **change})
    for text in (str(caught.value), caught.value.reason):
        assert not full_numbers_in(text, {MSISDN, IMSI}), text


def test_source_errors_never_quote_a_full_number() -> None:
    exc = SourceError("hlr", f"no subscriber {MSISDN} (imsi {IMSI})")
    assert not full_numbers_in(str(exc) + exc.reason, {MSISDN, IMSI})


@pytest.mark.parametrize("records", [
    {"hlr": {"subscribers": [{"msisdn": MSISDN, "imsi": IMSI, "status": "service_granted"},
                             {"msisdn": MSISDN, "imsi": IMSI, "status": "service_granted"}]}},
    {"hlr": {"subscribers": [{"msisdn": MSISDN, "imsi": IMSI, "status": f"odd {IMSI}"}]}},
    {"billing": {"accounts": [{"msisdn": MSISDN, "balance": f"{MSISDN} CNY"}]}},
])
def test_record_errors_never_quote_a_full_number(records: dict[str, Any]) -> None:
    with pytest.raises(RecordError) as caught:
        ad.RecordStore(ad.records_from_mapping(records))
    assert not full_numbers_in(str(caught.value), {MSISDN, IMSI}), str(caught.value)


# -- the scenario suite with sources failing every way ------------------------------------------
class Raising:
    def __init__(self, inner: Any, exc: BaseException) -> None:
        self.inner, self.name, self.exc = inner, inner.name, exc

    def facts(self) -> Any:
        return self.inner.facts()

    def fetch(self, complaint: Complaint, timeout_s: float) -> Any:
        raise self.exc


class Returning:
    def __init__(self, inner: Any, value: Any, blocking: bool = False) -> None:
        self.inner, self.name, self.value, self.blocking = inner, inner.name, value, blocking

    def facts(self) -> Any:
        return self.inner.facts()

    def fetch(self, complaint: Complaint, timeout_s: float) -> Any:
        value = self.value
        return value(self.inner, complaint, timeout_s) if callable(value) else value


class ArgsOnly(Exception):
    """Its message cannot be read: described by its repr, which quotes its arguments."""

    def __str__(self) -> str:
        raise RuntimeError("no message")


class FailingRead(Mapping[str, Any]):
    def __init__(self, text: str) -> None:
        self.text = text

    def __getitem__(self, key: str) -> Any:
        raise LookupError(self.text)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


Wrap = Callable[[Any, str, str], Any]  # (source, msisdn written some way, imsi) -> source


def _wrong_value(source: Any, msisdn: str, imsi: str) -> Any:
    """Every fact holds the numbers, as a value of no fact's type."""
    value = (int(msisdn.lstrip("+").replace(" ", "").replace("-", "")), imsi)
    return Returning(source, {spec.name: value for spec in source.facts()})


def _slow(source: Any, msisdn: str, imsi: str) -> Any:
    def fetch(inner: Any, complaint: Complaint, timeout_s: float) -> Any:
        time.sleep(timeout_s * 3)
        raise TimeoutError(f"HLR for {msisdn} did not answer")
    return Returning(source, fetch, blocking=True)


FAILURES: dict[str, Wrap] = {
    "down": lambda s, m, i: ad.FaultInjector(s, down=True),
    "timeout": lambda s, m, i: ad.FaultInjector(s, latency_s=1.0),  # > the engine's timeout
    "blocking_timeout": _slow,
    "source_error": lambda s, m, i: Raising(s, SourceError(s.name, f"no subscriber {m}")),
    "runtime_error": lambda s, m, i: Raising(s, RuntimeError(f"backend: msisdn={m} imsi={i}")),
    "key_error_int": lambda s, m, i: Raising(s, KeyError(int(i))),
    "dict_in_text": lambda s, m, i: Raising(s, ValueError({"msisdn": m, "imsi": int(i)})),
    "repr_only": lambda s, m, i: Raising(s, ArgsOnly(m, i)),
    "base_exception": lambda s, m, i: Raising(s, GeneratorExit(f"{m}/{i}")),
    "wrong_value": _wrong_value,
    "non_mapping": lambda s, m, i: Returning(s, [m, int(i)]),
    "failing_read": lambda s, m, i: Returning(s, FailingRead(f"derive for {m}: imsi {i}")),
}
SLOW = {"timeout", "blocking_timeout"}  # each call waits its timeout: a few cases only
SOURCE_NAMES = ("hlr", "billing", "coverage")


def case_numbers(case: Case) -> tuple[set[str], str]:
    """Every MSISDN and IMSI a case holds (complaint and records), and an IMSI to quote."""
    numbers: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                if key in ("msisdn", "imsi") and isinstance(item, str | int):
                    numbers.add(str(item))
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(case.complaint)
    walk(case.sources)
    imsis = sorted(n for n in numbers if n.startswith("460") and len(n) == 15)
    return numbers | {IMSI}, imsis[0] if imsis else IMSI


def test_the_scenario_suite_with_failing_sources_leaks_no_number(
        caplog: pytest.LogCaptureFixture) -> None:
    """Every third case runs with all its sources failing (the failure mode and the format of
    the number rotate over the cases); every fifteenth also runs with one source failing and the
    others answering from its records. Every mode fails every source on some case."""
    cases, problems = load_cases([shipped_trees() / "scenarios"])
    assert not problems and len(cases) > 100
    fast = Engine(sources=ad.mock_sources(ad.records_from_mapping({})),
                  default_timeout_s=0.003)
    empty = ad.RecordStore(ad.records_from_mapping({}))
    stores: dict[str, ad.RecordStore] = {}
    names = list(FAILURES)
    quick = [n for n in names if n not in SLOW]
    texts: list[str] = []
    everything: set[str] = set()
    runs = 0
    with caplog.at_level(logging.DEBUG, logger="diagtree"):
        for k, case in enumerate(cases[::3]):
            numbers, imsi = case_numbers(case)
            everything |= numbers
            msisdn = str(case.complaint.get("msisdn") or MSISDN)
            written = formats(msisdn)[k % len(formats(msisdn))]
            plans: list[tuple[ad.RecordStore, dict[str, str]]] = []
            mode = names[k % len(names)] if k < 3 * len(names) else quick[k % len(quick)]
            plans.append((empty, dict.fromkeys(SOURCE_NAMES, mode)))
            if k % 5 == 0:
                key = json.dumps(case.sources, sort_keys=True, default=str)
                if key not in stores:
                    stores[key] = ad.RecordStore(ad.records_from_mapping(case.sources))
                failing = SOURCE_NAMES[(k // 5) % 3]
                plans.append((stores[key], {failing: quick[(k // 5) % len(quick)]}))
            for store, failing in plans:

                def make(block: Any, down: Any, store: Any = store,
                         failing: dict[str, str] = failing, written: str = written,
                         imsi: str = imsi) -> list[Any]:
                    plain = ad.mock_sources(store, down=down)
                    return [FAILURES[failing[s.name]](s, written, imsi)
                            if s.name in failing else s for s in plain]

                result = run_case(case, fast.diagnose, make)
                runs += 1
                texts.append(result.describe())
                texts.append(result.error or "")
                d = result.diagnosis
                if d is not None:
                    texts += [c.error or "" for c in d.sources] + list(d.notes)
                    texts.append(json.dumps(d.for_log(), ensure_ascii=False))
                    # the failure is data: every failing source that was asked is named
                    asked = {c.source for c in d.sources}
                    assert set(failing) & asked <= set(d.unavailable), (case.id, failing)
    logged = [caplog.text] + [r.getMessage() for r in caplog.records]
    assert sum("unavailable for complaint" in r.getMessage() for r in caplog.records) > runs
    leaks = [(text[:200], found) for text in texts + logged
             if (found := full_numbers_in(text, everything))]
    assert not leaks, leaks[:5]


def test_an_internal_walk_error_is_logged_and_noted_without_the_number(
        engine: Engine, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last-resort path (a walk that raises, which the checks at load should make
    impossible) still masks: its log line and its note carry no full number."""
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(f"lookup of {MSISDN} (imsi {IMSI}) failed")

    monkeypatch.setattr(walk_module, "walk_records", broken)
    caplog.set_level(logging.DEBUG, logger="diagtree")
    diagnosis = engine.diagnose({"id": "P-1", "type": "staff_conduct", "msisdn": MSISDN,
                                 "reported_at": "2026-11-20T09:30:00+08:00"})
    assert diagnosis.cause == "unknown.needs_investigation"
    assert any("internal error while walking the tree: RuntimeError" in n
               for n in diagnosis.notes)
    assert "walk of complaint P-1" in caplog.text
    texts = [caplog.text, *diagnosis.notes]
    assert not [n for t in texts for n in full_numbers_in(t, {MSISDN, IMSI})]


def test_a_problem_quoting_a_scenario_line_masks_the_number_and_keeps_the_caret() -> None:
    from diagtree import Location, Problem
    line = f'    msisdn: "{MSISDN}"   extra: [1'
    problem = Problem(Location("cases.yaml", 1, line.index("extra") + 1), "yaml_syntax", "x")
    shown = problem.render([line]).splitlines()
    assert MSISDN not in shown[1] and "861********01" in shown[1]
    assert shown[1].index("extra") == shown[2].index("^")
