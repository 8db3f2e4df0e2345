"""The async API (issue 11, item 1): `Engine.adiagnose`, `Engine.asession`/`aresume` and the
session's `aanswer`/`aback`/`adiagnosis`, over sync and async (`afetch`) sources.

Sync and async run the same code and must give the same diagnosis (a property over the demo
city's complaints, with each source asked in every way a source can be); the async API never
blocks the event loop on a source, and async sources run on the caller's loop.
"""

from __future__ import annotations

import asyncio
import copy
import threading
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import diagtree_adapters as ad
from diagtree import AsyncSource, Complaint, Diagnosis, Engine, Source
from diagtree_adapters import demo

from conftest import example, fuzz, sources_for


def healthy() -> dict[str, Any]:
    case = copy.deepcopy(example("example-ns-outage"))
    case["sources"]["coverage"]["alarms"] = []
    case["answers"] = {}
    return case


class Async:
    """An async source over a real adapter: `afetch` runs `before` (a coroutine function of
    the source's name) first, and notes the loop it ran on and whether it was cancelled."""

    def __init__(self, inner: Any, before: Any = None, prefetch: bool = True) -> None:
        self.inner, self.name, self.before, self.prefetch = inner, inner.name, before, prefetch
        self.loops: list[asyncio.AbstractEventLoop] = []
        self.cancelled = False

    def facts(self) -> Any:
        return self.inner.facts()

    async def afetch(self, complaint: Complaint, timeout_s: float) -> Mapping[str, Any]:
        self.loops.append(asyncio.get_running_loop())
        try:
            if self.before is not None:
                await self.before(self.name)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return dict(self.inner.fetch(complaint, timeout_s))


class Threaded:
    """A sync source over a real adapter, asked on a fetch thread (or inline)."""

    def __init__(self, inner: Any, blocking: bool = True, prefetch: bool = True) -> None:
        self.inner, self.name, self.blocking, self.prefetch = (inner, inner.name, blocking,
                                                               prefetch)

    def facts(self) -> Any:
        return self.inner.facts()

    def fetch(self, complaint: Complaint, timeout_s: float) -> Mapping[str, Any]:
        return self.inner.fetch(complaint, timeout_s)


def comparable(d: Diagnosis) -> dict[str, Any]:
    """A diagnosis without what depends on the clock (timings, latencies)."""
    data = d.to_dict()
    data.pop("timings_ms")
    for call in data["sources"]:
        call.pop("latency_ms")
    return data


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(sources=ad.mock_sources(ad.records_from_mapping({})))


def test_async_sources_satisfy_the_public_protocol() -> None:
    source = Async(sources_for(healthy())[0])
    assert isinstance(source, AsyncSource) and not isinstance(source, Source)


def test_adiagnose_gives_the_diagnosis_diagnose_gives(engine: Engine) -> None:
    case = healthy()
    sync = engine.diagnose(case["complaint"], sources=sources_for(case))

    async def main() -> Diagnosis:
        return await engine.adiagnose(case["complaint"],
                                      sources=[Async(s) for s in sources_for(case)])

    assert comparable(asyncio.run(main())) == comparable(sync)


def test_async_sources_run_on_the_callers_loop_and_at_once(engine: Engine) -> None:
    case = healthy()
    started: list[str] = []
    everyone = asyncio.Event()

    async def together(name: str) -> None:  # answers only once all three were asked
        started.append(name)
        if len(started) == 3:
            everyone.set()
        await asyncio.wait_for(everyone.wait(), 5)

    sources = [Async(s, together) for s in sources_for(case)]

    async def main() -> tuple[Diagnosis, asyncio.AbstractEventLoop]:
        return await engine.adiagnose(case["complaint"], sources=sources), \
            asyncio.get_running_loop()

    d, loop = asyncio.run(main())
    assert d.unavailable == () and sorted(started) == ["billing", "coverage", "hlr"]
    assert all(s.loops == [loop] for s in sources)


def test_the_sync_api_runs_async_sources_on_a_loop_of_its_own(engine: Engine) -> None:
    case = healthy()
    sources = [Async(s) for s in sources_for(case)]
    d = engine.diagnose(case["complaint"], sources=sources)
    assert d.unavailable == ()
    loop = sources[0].loops[0]
    assert loop.is_running() and all(s.loops == [loop] for s in sources)


def test_the_event_loop_is_never_blocked_by_a_sync_source(engine: Engine) -> None:
    # the hlr fetch (on a fetch thread) answers only once a coroutine on the caller's loop has
    # run: if the walk blocked the loop while waiting for hlr, hlr would time out
    case = healthy()
    loop_ran = threading.Event()
    hlr, billing, coverage = sources_for(case)

    class Waits(Threaded):
        def fetch(self, complaint: Complaint, timeout_s: float) -> Mapping[str, Any]:
            assert loop_ran.wait(timeout_s)
            return super().fetch(complaint, timeout_s)

    async def main() -> Diagnosis:
        async def meanwhile() -> None:
            await asyncio.sleep(0.01)
            loop_ran.set()

        task = asyncio.create_task(meanwhile())
        d = await engine.adiagnose(case["complaint"], sources=[Waits(hlr), billing, coverage])
        await task
        return d

    d = asyncio.run(main())
    assert d.unavailable == () and d.sources[0].ok


def test_an_async_source_is_cancelled_at_its_timeout(engine: Engine) -> None:
    case = healthy()

    async def forever(name: str) -> None:
        await asyncio.sleep(60)

    hlr, billing, coverage = sources_for(case)
    hanging = Async(hlr, forever)
    quick = Engine(sources=[hanging, billing, coverage], timeouts={"hlr": 0.05})

    async def main() -> Diagnosis:
        d = await quick.adiagnose(case["complaint"])
        await asyncio.sleep(0.05)  # let the cancellation reach the source
        return d

    d = asyncio.run(main())
    assert d.unavailable == ("hlr",) and d.cause == "unknown.data_unavailable"
    assert d.sources[0].error == "TimeoutError: timed out after 0.05 s"
    assert d.trace[0].branch == "on_unknown"
    assert hanging.cancelled


def test_an_async_source_never_read_is_cancelled_not_waited_for(engine: Engine) -> None:
    case = healthy()
    case["sources"]["hlr"]["subscribers"][0]["number_state"] = "reclaimed"

    async def forever(name: str) -> None:
        await asyncio.sleep(60)

    hlr, billing, coverage = sources_for(case)
    never = Async(coverage, forever)

    async def main() -> Diagnosis:
        d = await asyncio.wait_for(engine.adiagnose(
            case["complaint"], sources=[hlr, billing, never]), 10)
        await asyncio.sleep(0.05)
        return d

    d = asyncio.run(main())
    assert d.cause == "subscriber.number_recycled"
    assert never.loops and never.cancelled
    assert "coverage" not in {c.source for c in d.sources}


@pytest.mark.parametrize("way", ["inline", "thread", "async"])
def test_an_async_session_walks_as_the_sync_one(way: str) -> None:
    case = healthy()
    engine = Engine(sources=[asked(s, way) for s in sources_for(case)])
    sync = engine.session(case["complaint"])
    assert sync.question is not None
    first = sync.question.id
    sync.answer(first, sync.question.options[0] if sync.question.options else True)
    sync_back = sync.back()
    sync_d = sync.diagnosis()

    async def main() -> tuple[str, str, Diagnosis, dict[str, Any]]:
        session = await engine.asession(case["complaint"])
        assert session.question is not None
        question = session.question
        await session.aanswer(question.id, question.options[0] if question.options else True)
        back = await session.aback()
        d = await session.adiagnosis()
        resumed = await engine.aresume(session.state())
        assert resumed.question is not None and resumed.question.id == back.id
        return question.id, back.id, d, session.state()

    qid, back_id, d, state = asyncio.run(main())
    assert (qid, back_id) == (first, sync_back.id)
    assert comparable(d) == comparable(sync_d)
    assert state == sync.state()


# -- the property: sync and async give the same diagnosis -----------------------------------

@pytest.fixture(scope="module")
def city() -> tuple[Engine, list[dict[str, Any]], Any]:
    records = ad.RecordStore(demo.demo_records())
    return Engine(sources=ad.mock_sources(records)), demo.demo_complaints(), records


WAYS = st.sampled_from(["inline", "thread", "async", "lazy-thread", "lazy-async"])


def asked(source: Any, way: str) -> Any:
    """`source` asked `way`: inline, on a fetch thread or a loop, ahead or when first read."""
    if way == "inline":
        return source
    if way.endswith("async"):
        return Async(source, prefetch=way == "async")
    return Threaded(source, prefetch=way == "thread")


@fuzz(25)
@given(data=st.data(), ways=st.tuples(WAYS, WAYS, WAYS), trace=st.booleans())
def test_sync_and_async_give_the_same_diagnosis(
        city: tuple[Engine, list[dict[str, Any]], Any], data: st.DataObject,
        ways: tuple[str, str, str], trace: bool) -> None:
    engine, cases, records = city
    case = data.draw(st.sampled_from(cases))
    down = case.get("down") or []
    answers = case.get("answers") or {}

    def sources() -> list[Any]:
        return [asked(s, way) for s, way in zip(
            ad.mock_sources(records, down=down), ways, strict=True)]

    sync = engine.diagnose(case["complaint"], answers=answers, sources=sources(), trace=trace)

    async def main() -> Diagnosis:
        return await engine.adiagnose(case["complaint"], answers=answers, sources=sources(),
                                      trace=trace)

    assert comparable(asyncio.run(main())) == comparable(sync)
    assert sync.cause == case["expected_cause"]
