"""Sources asked in parallel (issue 11, item 1): every source a tree can read is asked when the
diagnosis starts, the walk waits only for what it reads and only until the timeout, a late answer
is a failure recorded as data, and each source's time is booked to it, not to the walk.

Nothing here measures speed (bench/fetch.py does): concurrency is shown by sources that can only
answer when all three are called at once (a barrier), and "not waited for" by a source that
would hang far past any bound the test allows.
"""

from __future__ import annotations

import copy
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import diagtree_adapters as ad
from diagtree import Complaint, Engine, FactSpec
from diagtree._walk.fetch import INLINE, THREAD, mode_of
from diagtree._walk.pool import MAX_HUNG_CALLS, FetchPool

from conftest import example, sources_for

NAMES = ("hlr", "billing", "coverage")


def healthy() -> dict[str, Any]:
    """A healthy line: its walk reads all three sources."""
    case = copy.deepcopy(example("example-ns-outage"))
    case["sources"]["coverage"]["alarms"] = []
    case["answers"] = {}
    return case


def reclaimed() -> dict[str, Any]:
    """A recycled number: the walk ends at its first node, never reading coverage (the policy
    reads billing's customer tier)."""
    case = healthy()
    case["sources"]["hlr"]["subscribers"][0]["number_state"] = "reclaimed"
    return case


class Wrapped:
    """A source over a real adapter that runs `before(name)` first; a network source (on a
    fetch thread) unless `blocking` is False."""

    def __init__(self, inner: Any, before: Any = None, *, blocking: bool = True,
                 prefetch: bool = True) -> None:
        self.inner, self.name, self.before = inner, inner.name, before
        self.blocking, self.prefetch = blocking, prefetch
        self.calls = 0
        self.threads: list[str] = []

    def facts(self) -> Any:
        return self.inner.facts()

    def fetch(self, complaint: Complaint, timeout_s: float) -> Mapping[str, Any]:
        self.calls += 1
        self.threads.append(threading.current_thread().name)
        if self.before is not None:
            self.before(self.name)
        return self.inner.fetch(complaint, timeout_s)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(sources=ad.mock_sources(ad.records_from_mapping({})))


def wrap(case: dict[str, Any], before: Any = None, **kw: Any) -> list[Wrapped]:
    return [Wrapped(s, before, **kw) for s in sources_for(case)]


def test_three_sources_are_asked_at_once(engine: Engine) -> None:
    # each fetch returns only when all three are inside their fetch at the same time: asked
    # one after another, the first would break the barrier and fail
    barrier = threading.Barrier(3, timeout=5)
    sources = wrap(healthy(), lambda name: barrier.wait())
    d = engine.diagnose(healthy()["complaint"], sources=sources)
    assert d.unavailable == () and [c.ok for c in d.sources] == [True, True, True]
    assert all(s.calls == 1 for s in sources)
    assert all(s.threads[0].startswith("diagtree-fetch") for s in sources)


def test_sources_asked_one_at_a_time_break_the_barrier(engine: Engine) -> None:
    # the control of the test above: with prefetch off, each is asked when first read, alone
    barrier = threading.Barrier(3, timeout=0.2)
    sources = wrap(healthy(), lambda name: barrier.wait(), prefetch=False)
    d = engine.diagnose(healthy()["complaint"], sources=sources)
    assert d.unavailable and "BrokenBarrierError" in (d.sources[0].error or "")


def test_the_trace_lists_sources_in_the_order_the_walk_read_them(engine: Engine) -> None:
    case = healthy()
    sequential = engine.diagnose(case["complaint"], sources=wrap(case, prefetch=False))
    parallel = engine.diagnose(case["complaint"], sources=wrap(case))
    assert [c.source for c in parallel.sources] == [c.source for c in sequential.sources]
    assert parallel.trace == sequential.trace and parallel.cause == sequential.cause


def test_a_source_the_walk_never_reads_is_not_waited_for(engine: Engine) -> None:
    case = reclaimed()
    release = threading.Event()
    asked = threading.Event()

    def hang(name: str) -> None:
        if name == "coverage":
            asked.set()
            release.wait(60)

    sources = wrap(case, hang)
    done: list[Any] = []
    worker = threading.Thread(target=lambda: done.append(engine.diagnose(
        case["complaint"], sources=sources)))
    try:
        worker.start()
        worker.join(10)  # far below the 60 s coverage would take
        assert not worker.is_alive(), "the diagnosis waited for a source it never read"
    finally:
        release.set()
    d = done[0]
    assert d.cause == "subscriber.number_recycled"
    assert asked.is_set()  # it was asked ahead (the tree can read it) ...
    assert "coverage" not in {c.source for c in d.sources}  # ... and never waited for
    assert d.unavailable == ()


def test_a_source_marked_prefetch_false_is_never_called_when_not_read(engine: Engine) -> None:
    case = reclaimed()
    sources = wrap(case)
    sources[2].prefetch = False  # coverage
    d = engine.diagnose(case["complaint"], sources=sources)
    assert d.cause == "subscriber.number_recycled"
    assert [s.calls for s in sources] == [1, 1, 0]


def test_a_hanging_source_is_given_up_at_its_timeout_as_data(engine: Engine) -> None:
    case = healthy()
    release = threading.Event()
    sources = wrap(case, lambda name: release.wait(30) if name == "hlr" else None)
    quick = Engine(sources=sources, timeouts={"hlr": 0.05})
    try:
        d = quick.diagnose(case["complaint"])
    finally:
        release.set()
    assert d.cause == "unknown.data_unavailable" and d.unavailable == ("hlr",)
    call = d.sources[0]
    assert call.source == "hlr" and not call.ok
    assert call.error == "TimeoutError: timed out after 0.05 s"
    assert call.latency_ms == 50.0  # booked: the time it was given, not the time it took
    first = d.trace[0]
    assert first.branch == "on_unknown"
    assert first.facts and not first.facts[0].available and first.facts[0].source == "hlr"
    assert any("unavailable" in note for note in d.notes)


def test_an_inline_source_answering_late_has_failed(engine: Engine) -> None:
    # a source that says it never blocks but answers after its timeout: a late answer is no
    # answer, whatever it says
    case = healthy()
    sources = wrap(case, lambda name: time.sleep(0.05) if name == "hlr" else None,
                   blocking=False)
    late = Engine(sources=sources, timeouts={"hlr": 0.01})
    d = late.diagnose(case["complaint"])
    assert d.unavailable == ("hlr",) and d.cause == "unknown.data_unavailable"
    error = d.sources[0].error or ""
    assert error.startswith("TimeoutError: timed out after 0.01 s (answered after")
    assert d.sources[0].latency_ms >= 50


def test_an_answer_that_came_after_the_timeout_is_a_failure_even_when_read_later(
        engine: Engine) -> None:
    # billing answers at 0.1 s with a timeout of 0.05 s; the walk reads it later than that
    case = healthy()
    sources = wrap(case, lambda name: time.sleep(0.1) if name == "billing" else None)
    release = threading.Event()
    sources[0].before = lambda name: release.wait(0.3)  # hlr: the walk reads it first
    slow = Engine(sources=sources, timeouts={"billing": 0.05, "hlr": 5})
    d = slow.diagnose(case["complaint"])
    billing = next(c for c in d.sources if c.source == "billing")
    assert not billing.ok and "timed out after 0.05 s" in (billing.error or "")
    assert billing.latency_ms <= 50.0


def test_latency_is_booked_to_the_source_and_not_to_the_walk(engine: Engine) -> None:
    case = healthy()
    sources = wrap(case, lambda name: time.sleep(0.1) if name == "coverage" else None)
    d = engine.diagnose(case["complaint"], sources=sources)
    coverage = next(c for c in d.sources if c.source == "coverage")
    assert coverage.ok and coverage.latency_ms >= 100
    timings = dict(d.timings_ms)
    assert timings["fetch"] >= 90  # waited for it (some of it passed while hlr was read)
    assert timings["walk"] < 50  # the walk's own time: microseconds, not the source's 100 ms
    assert timings["total"] >= timings["fetch"]


class SlowGroups(Mapping[str, Any]):
    """A lazily deriving mapping (as the shipped adapters return): a read of one fact takes
    `delay_s`, the first time."""

    def __init__(self, values: Mapping[str, Any], slow: str, delay_s: float) -> None:
        self.values, self.slow, self.delay_s = dict(values), slow, delay_s

    def __getitem__(self, name: str) -> Any:
        if name == self.slow and self.delay_s:
            time.sleep(self.delay_s)
            self.delay_s = 0
        return self.values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


class Deriving(Wrapped):
    def fetch(self, complaint: Complaint, timeout_s: float) -> Mapping[str, Any]:
        return SlowGroups(dict(super().fetch(complaint, timeout_s)),
                          "coverage.outage.active", 0.1)


@pytest.mark.parametrize("blocking", [False, True], ids=["inline", "thread"])
def test_what_a_backend_spends_deriving_facts_is_booked_to_its_source(
        engine: Engine, blocking: bool) -> None:
    case = healthy()
    hlr, billing, coverage = sources_for(case)
    d = engine.diagnose(case["complaint"], sources=[
        hlr, billing, Deriving(coverage, blocking=blocking)])
    call = next(c for c in d.sources if c.source == "coverage")
    assert call.ok and call.latency_ms >= 100
    timings = dict(d.timings_ms)
    assert timings["walk"] < 50 and timings["fetch"] >= 90


def test_a_source_whose_calls_hang_is_not_asked_again_past_a_bound() -> None:
    case = healthy()
    release = threading.Event()
    hlr = Wrapped(sources_for(case)[0], lambda name: release.wait(30))
    quick = Engine(sources=[hlr, *sources_for(case)[1:]], timeouts={"hlr": 0.01})
    try:
        for _ in range(MAX_HUNG_CALLS):
            quick.diagnose(case["complaint"])
        # each hung call reaches the source on its own fetch thread, which a loaded machine
        # may start late: wait until all of them hang there before the next diagnosis
        deadline = time.monotonic() + 10
        while hlr.calls < MAX_HUNG_CALLS and time.monotonic() < deadline:
            time.sleep(0.01)
        assert hlr.calls == MAX_HUNG_CALLS
        d = quick.diagnose(case["complaint"])
        time.sleep(0.05)  # had a thread been taken, its call would have reached the source
        assert hlr.calls == MAX_HUNG_CALLS  # the last one was not asked: no thread taken
        assert "earlier calls are still running" in (d.sources[0].error or "")
    finally:
        release.set()


def test_the_fetch_pool_is_bounded() -> None:
    pool = FetchPool(max_workers=2)
    gate = threading.Event()
    ran: list[int] = []
    for i in range(5):
        pool.submit(lambda n: (gate.wait(5), ran.append(n)), i)
    assert pool.threads == 2  # the other three wait in the queue
    gate.set()
    deadline = time.monotonic() + 5
    while len(ran) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(ran) == [0, 1, 2, 3, 4] and pool.threads == 2


def test_how_each_source_is_asked() -> None:
    store = ad.RecordStore(ad.records_from_mapping({}))

    class Backend:  # any backend but the in-memory store
        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

    assert mode_of(ad.HlrAdapter(store)) == INLINE  # memory only: inline
    backend: Any = Backend()
    assert mode_of(ad.HlrAdapter(backend)) == THREAD  # a real backend: timeout enforced
    assert mode_of(ad.HlrAdapter(store, blocking=True)) == THREAD
    assert mode_of(ad.CoverageAdapter(backend, blocking=False)) == INLINE

    class Plain:  # declares nothing: its timeout is enforced
        name = "x"

        def facts(self) -> list[FactSpec]:
            return []

        def fetch(self, complaint: Complaint, timeout_s: float) -> dict[str, Any]:
            return {}

    assert mode_of(Plain()) == THREAD
    slow_mock = ad.mock_sources(ad.records_from_mapping({}), latency_s={"hlr": 0.01})[0]
    assert mode_of(slow_mock) == THREAD  # a mock that waits stands for a network source


def test_the_fetch_bench_prints_every_case_its_baseline_and_targets() -> None:
    # not a timed test: the numbers are not checked, only that every measure is reported
    bench = Path(__file__).resolve().parents[1] / "bench" / "fetch.py"
    run = subprocess.run([sys.executable, str(bench), "--repeats", "1"],
                         capture_output=True, text=True, timeout=300, check=True)
    for label in ("three sources of 50 ms", "one of three hanging", "sequential baseline",
                  "booked: fetch", "not asked again", "targets: three sources of 50 ms ≤ 65 ms",
                  "one of three hanging ≤ 220 ms"):
        assert label in run.stdout, (label, run.stdout)
