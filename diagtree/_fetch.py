"""Lazy, once-per-diagnosis fact fetching.

`FactStore` is the dict that compiled conditions read. It starts with the complaint's own facts;
the first read of a fact from another source (``hlr.*``) fetches that whole source once, and
stores its values. A source that raises or times out stores `UNKNOWN` for every fact it
declares, and the failure is recorded: failure is data, never an exception to the caller.

Sources marked ``blocking = True`` run on a worker thread and are abandoned at their timeout;
others are called inline and trusted to honour the timeout they are given (the shipped mock
sources do). Fetching several sources concurrently ahead of the walk fits here too: the store
only needs its dict filled before the read.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Mapping
from typing import Any

from ._complaint import Complaint
from ._diagnosis import SourceCall
from ._facts import UNKNOWN
from ._sources import Source

__all__ = ["FactStore", "SourceSet"]

_POOL: concurrent.futures.ThreadPoolExecutor | None = None


def _pool() -> concurrent.futures.ThreadPoolExecutor:
    global _POOL  # noqa: PLW0603 - one lazily created pool per process
    if _POOL is None:
        _POOL = concurrent.futures.ThreadPoolExecutor(max_workers=8,
                                                      thread_name_prefix="diagtree-fetch")
    return _POOL


class SourceSet:
    """The sources an engine reads, with their declared fact names and timeouts."""

    def __init__(self, sources: Mapping[str, Source], timeouts: Mapping[str, float],
                 default_timeout_s: float) -> None:
        self.sources = dict(sources)
        self.specs = {name: tuple(src.facts()) for name, src in self.sources.items()}
        self.names = {name: tuple(spec.name for spec in specs)
                      for name, specs in self.specs.items()}
        self.timeouts = {name: float(timeouts.get(name, default_timeout_s))
                         for name in self.sources}
        self.specs_by_name = {spec.name: spec for specs in self.specs.values() for spec in specs}
        self.checks = {name: tuple((spec.name, spec.type.checker()) for spec in specs)
                       for name, specs in self.specs.items()}


class FactStore(dict[str, Any]):
    """Facts for one complaint; missing keys trigger a one-time fetch of their source."""

    def __init__(self, complaint: Complaint, initial: Mapping[str, Any],
                 sources: SourceSet, answers: Mapping[str, Any], interactive: bool) -> None:
        super().__init__(initial)
        self.complaint = complaint
        self.sources = sources
        self.answers = dict(answers)
        self.interactive = interactive
        self.calls: list[SourceCall] = []
        self.fetched: set[str] = set()

    def __missing__(self, name: str) -> Any:
        source = name.partition(".")[0]
        if source not in self.fetched:
            self.fetch(source)
            if name in self:
                return dict.__getitem__(self, name)
        # a fact its source did not return is a known absence; one with no source is unknown
        value = None if source in self.sources.sources else UNKNOWN
        self[name] = value
        return value

    def fetch(self, source: str) -> None:
        """Fetch one source (once); record the call and its failure, if any."""
        if source in self.fetched:
            return
        self.fetched.add(source)
        src = self.sources.sources.get(source)
        if src is None:  # no such source configured: its facts cannot be known
            self.calls.append(SourceCall(source, False, 0.0, "no source of that name is "
                                         "configured"))
            return
        timeout = self.sources.timeouts[source]
        start = time.perf_counter()
        try:
            if getattr(src, "blocking", False):
                future = _pool().submit(src.fetch, self.complaint, timeout)
                try:
                    values = future.result(timeout=timeout)
                except concurrent.futures.TimeoutError:
                    future.cancel()
                    raise TimeoutError(f"timed out after {timeout:g} s") from None
            else:
                values = src.fetch(self.complaint, timeout)
            if not isinstance(values, Mapping):
                raise TypeError(f"fetch returned {type(values).__name__}, not a mapping")
            got = values.get
            checked = []
            for name, ok in self.sources.checks[source]:
                value = got(name)
                if value is not None and not ok(value):
                    raise TypeError(f"{name} = {value!r} is not a "
                                    f"{self.sources.specs_by_name[name].type}")
                checked.append((name, value))
        except Exception as exc:
            elapsed = (time.perf_counter() - start) * 1000
            for fact in self.sources.names[source]:
                self[fact] = UNKNOWN
            reason = str(exc) or type(exc).__name__
            self.calls.append(SourceCall(source, False, round(elapsed, 3),
                                         f"{type(exc).__name__}: {reason}"))
            return
        self.update(checked)
        elapsed = (time.perf_counter() - start) * 1000
        self.calls.append(SourceCall(source, True, round(elapsed, 3)))

    def unavailable(self) -> tuple[str, ...]:
        return tuple(call.source for call in self.calls if not call.ok)
