"""Lazy, once-per-diagnosis fact fetching.

`FactStore` is the dict that compiled conditions read. It starts with the complaint's own facts;
the first read of a fact from another source (``hlr.*``) fetches that whole source once and
keeps what it returned. Each fact is then checked against its declared type when it is first
read, so a diagnosis pays only for the facts its walk reaches — and the store holds exactly the
facts that were read, which is what the trace reports.

A source that raises or times out makes every fact it declares `UNKNOWN`, and the failure is
recorded: failure is data, never an exception to the caller. A value of the wrong type (an
adapter bug) makes that fact `UNKNOWN` and is recorded the same way.

Sources marked ``blocking = True`` run on a worker thread and are abandoned at their timeout;
others are called inline and trusted to honour the timeout they are given (the shipped mock
sources do). A source may return a mapping that derives some facts only when they are first
read (the shipped adapters derive groups of facts that way); an error raised by such a read
makes the source unavailable from then on, recorded like a failed fetch. For a blocking source
every fact is derived on the worker thread, within its timeout. Fetching several sources
concurrently ahead of the walk fits here too: such a step only needs to fill `raw` for those
sources (with `calls`) before the first read.
"""

from __future__ import annotations

import concurrent.futures
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from ._complaint import Complaint
from ._diagnosis import SourceCall, ms
from ._facts import UNKNOWN, FactSpec
from ._sources import Source

__all__ = ["FactStore", "SourceSet"]

_POOL: concurrent.futures.ThreadPoolExecutor | None = None
_log = logging.getLogger("diagtree.sources")
_EMPTY: Mapping[str, Any] = {}
_tuple_new = tuple.__new__  # a NamedTuple built without its Python-level __new__
_MAPPINGS: set[type] = {dict}  # types a fetch returned that are mappings


def _pool() -> concurrent.futures.ThreadPoolExecutor:
    global _POOL  # noqa: PLW0603 - one lazily created pool per process
    if _POOL is None:
        _POOL = concurrent.futures.ThreadPoolExecutor(max_workers=8,
                                                      thread_name_prefix="diagtree-fetch")
    return _POOL


def _fetch_whole(source: Source, complaint: Complaint, timeout: float) -> Mapping[str, Any]:
    """A blocking source's fetch, on a worker thread: facts an adapter would derive (and look
    up) when first read are all derived here, so that every look-up is within the timeout."""
    values = source.fetch(complaint, timeout)
    return values if type(values) is dict or not isinstance(values, Mapping) else dict(values)


class SourceSet:
    """The sources an engine reads, with their declared facts and timeouts."""

    def __init__(self, sources: Mapping[str, Source], timeouts: Mapping[str, float],
                 default_timeout_s: float) -> None:
        self.sources = dict(sources)
        self.timeouts = {name: float(timeouts.get(name, default_timeout_s))
                         for name in self.sources}
        self.specs: dict[str, FactSpec] = {
            spec.name: spec for src in self.sources.values() for spec in src.facts()}
        #: per declared fact: its source and the check of its values
        self.fact_info: dict[str, tuple[str, Callable[[Any], bool]]] = {
            name: (name.split(".", 1)[0], spec.type.checker())
            for name, spec in self.specs.items()}
        #: per source: itself, its timeout, whether it blocks (one look-up per fetch)
        self.plan = {name: (src, self.timeouts[name], bool(getattr(src, "blocking", False)))
                     for name, src in self.sources.items()}


class FactStore(dict[str, Any]):
    """Facts for one complaint; a missing key fetches its source once, then checks the value."""

    __slots__ = ("answers", "calls", "complaint", "defaulted", "interactive", "raw", "sources",
                 "tree")

    def __init__(self, complaint: Complaint, initial: Mapping[str, Any],
                 sources: SourceSet, answers: Mapping[str, Any], interactive: bool) -> None:
        super().__init__(initial)
        self.complaint = complaint
        self.sources = sources
        self.answers = dict(answers)
        self.defaulted: set[str] = set()  # questions answered by their default
        self.interactive = interactive
        self.calls: list[SourceCall] = []
        # what each source asked returned (None: it failed); a source is asked once
        self.raw: dict[str, Mapping[str, Any] | None] = {}
        self.tree: Any = None  # the compiled tree this complaint is walked through

    def __missing__(self, name: str) -> Any:
        source, check = self.sources.fact_info.get(name) or (name[: name.find(".")], None)
        raw = self.raw.get(source, _EMPTY)
        if raw is _EMPTY:
            self.fetch(source)
            raw = self.raw.get(source, _EMPTY)
        if raw is None:  # the source failed, or none of that name is configured
            value: Any = UNKNOWN
        else:
            try:  # an adapter may derive (and look up) a group of facts on its first read
                value = raw.get(name)
            except Exception as exc:
                self._failed(source, exc, 0.0)
                self[name] = UNKNOWN
                return UNKNOWN
            if value is not None and check is not None and not check(value):
                spec = self.sources.specs[name]
                self.calls.append(SourceCall(source, False, 0.0,
                                             f"TypeError: {name} = {value!r} is not a "
                                             f"{spec.type}"))
                value = UNKNOWN
        self[name] = value
        return value

    def fetch(self, source: str) -> None:
        """Fetch one source (once); record the call and its failure, if any."""
        if source in self.raw:
            return
        plan = self.sources.plan.get(source)
        if plan is None:  # no such source configured: its facts cannot be known
            self.raw[source] = None
            self.calls.append(SourceCall(source, False, 0.0,
                                         "no source of that name is configured"))
            return
        src, timeout, blocking = plan
        start = time.perf_counter()
        try:
            if blocking:
                future = _pool().submit(_fetch_whole, src, self.complaint, timeout)
                try:
                    values = future.result(timeout=timeout)
                except concurrent.futures.TimeoutError:
                    future.cancel()
                    raise TimeoutError(f"timed out after {timeout:g} s") from None
            else:
                values = src.fetch(self.complaint, timeout)
            kind = type(values)
            if kind not in _MAPPINGS:
                if not isinstance(values, Mapping):
                    raise TypeError(f"fetch returned {kind.__name__}, not a mapping")
                _MAPPINGS.add(kind)  # a mapping type, once seen: no ABC check each time
        except Exception as exc:
            self._failed(source, exc, (time.perf_counter() - start) * 1000)
            return
        self.raw[source] = values
        elapsed = (time.perf_counter() - start) * 1000
        self.calls.append(_tuple_new(SourceCall, (source, True, ms(elapsed), None)))

    def _failed(self, source: str, exc: Exception, elapsed_ms: float) -> None:
        """The source failed (while fetching, or while deriving facts it returned lazily):
        from now on its facts not yet read are unknown; the failure is recorded and logged."""
        self.raw[source] = None
        reason = str(exc) or type(exc).__name__
        self.calls.append(SourceCall(source, False, ms(elapsed_ms),
                                     f"{type(exc).__name__}: {reason}"))
        # logs never carry a full MSISDN (or IMSI): the complaint id identifies the case
        _log.warning("source %s unavailable for complaint %s (msisdn %s) after %.1f ms: %s",
                     source, self.complaint.id, self.complaint.masked_msisdn(), elapsed_ms,
                     f"{type(exc).__name__}: {reason}")

    def unavailable(self) -> tuple[str, ...]:
        """Sources that failed (each once, in the order they failed)."""
        failed = [call.source for call in self.calls if not call.ok]
        return tuple(dict.fromkeys(failed)) if failed else ()
