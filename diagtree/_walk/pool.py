"""Where sources are asked: a bounded pool of fetch threads, and an event loop for async sources.

`FetchPool` runs a synchronous source's `fetch` off the walk's thread, so that several sources
are asked at once and a hanging one can be given up at its timeout. Its threads are *daemon*
threads (a thread stuck in a backend call can never be killed, and must not keep the process
from exiting — `concurrent.futures.ThreadPoolExecutor` joins its threads at exit), and there
are at most `MAX_FETCH_THREADS` of them in a process: work beyond that waits in the queue, and
that wait counts against the source's timeout. A source with `MAX_HUNG_CALLS` calls that were
given up and have still not returned is not called again until one returns (the call fails at
once, as data): one backend that hangs cannot take every thread.

`background_loop()` is an event loop on its own daemon thread, started on first use, on which
an async source (`afetch`) runs when the caller is not itself on an event loop (the
synchronous API); `Engine.adiagnose` runs them on the caller's loop instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any, Final

__all__ = ["MAX_FETCH_THREADS", "MAX_HUNG_CALLS", "FetchPool", "background_loop", "pool"]

#: the most fetch threads a process runs at once (the queue holds the rest)
MAX_FETCH_THREADS: Final = 32
#: a source with this many calls given up and still running is not called again until one ends
MAX_HUNG_CALLS: Final = 4


class FetchPool:
    """A bounded pool of daemon threads running `fn(arg)` jobs in submission order.

    Threads start on demand, up to `max_workers`, and then stay: a job takes an idle thread
    when there is one (a token of `_idle`, as in `ThreadPoolExecutor`), else a new thread, else
    waits in the queue."""

    def __init__(self, max_workers: int = MAX_FETCH_THREADS) -> None:
        self.max_workers = max_workers
        self._queue: queue.SimpleQueue[tuple[Callable[[Any], None], Any]] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._lock = threading.Lock()
        self.threads = 0

    def submit(self, fn: Callable[[Any], None], arg: Any) -> None:
        """Run `fn(arg)` on a pool thread; `fn` must not raise (it records its own outcome)."""
        self._queue.put((fn, arg))
        if self._idle.acquire(blocking=False):
            return
        with self._lock:
            if self.threads >= self.max_workers:
                return
            self.threads += 1
        threading.Thread(target=self._work, name=f"diagtree-fetch-{self.threads}",
                         daemon=True).start()

    def _work(self) -> None:
        get = self._queue.get
        while True:
            fn, arg = get()
            with contextlib.suppress(BaseException):  # `fn` records its outcome
                fn(arg)
            del fn, arg
            self._idle.release()


_POOL: FetchPool | None = None
_LOOP: asyncio.AbstractEventLoop | None = None
_LOCK = threading.Lock()


def pool() -> FetchPool:
    """The process's fetch pool, created on first use."""
    global _POOL  # noqa: PLW0603 - one lazily created pool per process
    if _POOL is None:
        with _LOCK:
            if _POOL is None:
                _POOL = FetchPool()
    return _POOL


def background_loop() -> asyncio.AbstractEventLoop:
    """An event loop running on its own daemon thread, for async sources asked outside one."""
    global _LOOP  # noqa: PLW0603 - one lazily created loop per process
    if _LOOP is None:
        with _LOCK:
            if _LOOP is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="diagtree-async-sources",
                                 daemon=True).start()
                _LOOP = loop
    return _LOOP

