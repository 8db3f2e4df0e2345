"""One engine, many threads: per-call `sources=` gives every thread the sequential result.

The engine keeps the last few per-call source sets; here every call passes sources the cache
does not hold (many more distinct source lists than it keeps), so each call evicts one while
the other threads look up, build and evict theirs. The threads start each round together, the
interpreter switches threads every microsecond, and each source's `__hash__` is Python code
that lets another thread run (as any Python-level `__hash__` may): a missing lock shows at
once, not once in thousands of calls.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import diagtree_adapters as ad
from diagtree import Engine
from diagtree._vocab.complaint import Complaint

from conftest import example

THREADS = 16
ROUNDS = 25
CALLS_PER_ROUND = 6
SOURCE_LISTS = 48  # three times what the engine keeps: every call misses and evicts


class Hashed:
    """A source as an operator may write one, with its own `__hash__` and `__eq__`."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name

    def facts(self) -> Any:
        return self.inner.facts()

    def fetch(self, complaint: Complaint, timeout_s: float) -> Any:
        return self.inner.fetch(complaint, timeout_s)

    def __hash__(self) -> int:
        time.sleep(0)  # another thread runs here
        return id(self) >> 4

    def __eq__(self, other: object) -> bool:
        return other is self


@contextmanager
def switching_often() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def summary(engine: Engine, complaint: dict[str, Any], sources: list[Any]) -> tuple[Any, ...]:
    d = engine.diagnose(complaint, sources=sources, trace=False)
    return d.cause, d.grade, d.unavailable, d.script


def test_per_call_sources_from_16_threads_match_the_sequential_result(engine: Engine) -> None:
    outage = example("example-ns-outage")
    covdown = example("example-ns-covdown")
    cases = [outage, covdown]
    # half the source lists serve one case, half the other (with its source down)
    lists = []
    for k in range(SOURCE_LISTS):
        case = cases[k % 2]
        records = ad.records_from_mapping(case.get("sources") or {})
        sources = ad.mock_sources(records, down=case.get("down") or [])
        lists.append((case["complaint"], [Hashed(source) for source in sources]))
    expected = [summary(engine, complaint, sources) for complaint, sources in lists]
    assert len(set(expected)) == 2  # the two cases differ: a mix-up would show

    failures: list[str] = []
    together = threading.Barrier(THREADS)

    def work(t: int) -> None:
        for i in range(ROUNDS * CALLS_PER_ROUND):
            if i % CALLS_PER_ROUND == 0:
                together.wait()
            k = (i * 7 + t * 5) % SOURCE_LISTS
            complaint, sources = lists[k]
            try:
                got = summary(engine, complaint, sources)
            except Exception as exc:  # collected and reported below
                failures.append(f"thread {t} call {i}: {type(exc).__name__}: {exc}")
                continue
            if got != expected[k]:
                failures.append(f"thread {t} call {i}: {got[:3]} != {expected[k][:3]}")

    with switching_often():
        threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not failures, f"{len(failures)} of {THREADS * ROUNDS * CALLS_PER_ROUND}: " + \
        "; ".join(failures[:5])
