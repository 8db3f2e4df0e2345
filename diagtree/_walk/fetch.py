"""Lazy, once-per-diagnosis fact fetching.

`FactStore` is the dict that compiled conditions read. It starts with the complaint's own facts;
the first read of a fact from another source (``hlr.*``) fetches that whole source once and
keeps what it returned. Each fact is then checked against its declared type when it is first
read, so a diagnosis pays only for the facts its walk reaches — and the store holds exactly the
facts that were read, which is what the trace reports.

A source that raises or times out makes every fact it declares `UNKNOWN`, and the failure is
recorded: failure is data, never an exception to the caller. That holds for anything a source
raises — any `BaseException` but `KeyboardInterrupt` and `SystemExit`, which stop the caller as
they should — even an exception whose message cannot be read (`describe`). A value of the wrong
type (an adapter bug, a non-finite number, a value whose repr fails) makes that fact `UNKNOWN`
and is recorded the same way. What is recorded and logged is masked (`mask_text`): a source's
error text may quote the subscriber's MSISDN or IMSI in any format.

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
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from diagtree._conclude.diagnosis import SourceCall, ms
from diagtree._conclude.policy import WalkEnd
from diagtree._privacy import describe, mask_text, safe_repr, type_name
from diagtree._vocab.complaint import Complaint
from diagtree._vocab.facts import UNKNOWN, FactSpec, source_of
from diagtree._walk.sources import Source

__all__ = ["FactStore", "SourceSet"]

_POOL: concurrent.futures.ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
_log = logging.getLogger("diagtree.sources")
_EMPTY: Mapping[str, Any] = {}
_tuple_new = tuple.__new__  # a NamedTuple built without its Python-level __new__
# types a fetch returned that are mappings: a frozenset replaced whole when one is added, so
# that threads diagnosing at once only ever read a complete set
_MAPPINGS: frozenset[type] = frozenset({dict})
_STOP = (KeyboardInterrupt, SystemExit)  # the caller's to handle: never a source failure


def _pool() -> concurrent.futures.ThreadPoolExecutor:
    global _POOL  # noqa: PLW0603 - one lazily created pool per process
    if _POOL is None:
        with _POOL_LOCK:
            if _POOL is None:
                _POOL = concurrent.futures.ThreadPoolExecutor(
                    max_workers=8, thread_name_prefix="diagtree-fetch")
    return _POOL


def _fetch_whole(source: Source, complaint: Complaint, timeout: float) -> Mapping[str, Any]:
    """A blocking source's fetch, on a worker thread: facts an adapter would derive (and look
    up) when first read are all derived here, so that every look-up is within the timeout."""
    values = source.fetch(complaint, timeout)
    return values if type(values) is dict or not isinstance(values, Mapping) else dict(values)


class SourceSet:
    """The sources an engine reads, with their declared facts and timeouts.

    A source whose declarations cannot be read (its `facts()` raises, or declares something
    that is not a `FactSpec`) is kept in `broken` with the reason: each diagnosis that needs it
    records it as failed, like a source whose fetch raises."""

    def __init__(self, sources: Mapping[str, Source], timeouts: Mapping[str, float],
                 default_timeout_s: float, like: SourceSet | None = None) -> None:
        self.sources = dict(sources)
        self.timeouts = {name: float(timeouts.get(name, default_timeout_s))
                         for name in self.sources}
        self.specs: dict[str, FactSpec] = {}
        #: per declared fact: its source and the check of its values
        self.fact_info: dict[str, tuple[str, Callable[[Any], bool]]] = {}
        #: per source: itself, its timeout, whether it blocks (one look-up per fetch)
        self.plan: dict[str, tuple[Source, float, bool]] = {}
        #: per source that cannot be asked: why
        self.broken: dict[str, str] = {}
        for name, src in self.sources.items():
            try:
                specs = {spec.name: spec for spec in src.facts()}
                info = {fact: (source_of(fact), spec.type.checker())
                        for fact, spec in specs.items()}
                plan = (src, self.timeouts[name], bool(getattr(src, "blocking", False)))
            except _STOP:
                raise
            except BaseException as exc:  # a source's failure is data
                self.broken[name] = mask_text("its facts() failed: " + describe(exc))
                continue
            self.specs.update(specs)
            self.fact_info.update(info)
            self.plan[name] = plan
        if like is not None:
            # the trees were checked against `like`'s facts: a value is checked against the
            # type they were checked with, also when this source declares another or none
            for fact, fact_info in like.fact_info.items():
                if fact_info[0] in self.plan:
                    self.fact_info[fact] = fact_info
                    self.specs[fact] = like.specs[fact]

    @classmethod
    def of(cls, sources: Iterable[Source], timeouts: Mapping[str, float],
           default_timeout_s: float, like: SourceSet | None = None) -> SourceSet:
        """The set of sources given to one call, by name, their values checked against the
        facts `like` declares (the engine's own sources). A source without a readable `name`
        cannot be asked (the facts the walk reads from it are then of no configured source)."""
        named: dict[str, Source] = {}
        for src in sources:
            try:
                name = src.name
            except _STOP:
                raise
            except BaseException:  # noqa: S112 - no name: nothing can ask it
                continue
            if type(name) is str:
                named[name] = src
        return cls(named, timeouts, default_timeout_s, like)


class FactStore(WalkEnd):
    """Facts for one complaint; a missing key fetches its source once, then checks the value."""

    __slots__ = ("interactive", "raw", "sources", "tree")

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
        source, check = self.sources.fact_info.get(name) or (source_of(name), None)
        raw = self.raw.get(source, _EMPTY)
        if raw is _EMPTY:
            self.fetch(source)
            raw = self.raw.get(source, _EMPTY)
        if raw is None:  # the source failed, or none of that name is configured
            value: Any = UNKNOWN
        else:
            try:  # an adapter may derive (and look up) a group of facts on its first read
                value = raw.get(name)
                ok = value is None or check is None or check(value)
            except _STOP:
                raise
            except BaseException as exc:  # a source's failure is data
                self._failed(source, exc, 0.0)
                self[name] = UNKNOWN
                return UNKNOWN
            if not ok:
                self._wrong_type(source, name, value)
                value = UNKNOWN
        self[name] = value
        return value

    def fetch(self, source: str) -> None:
        """Fetch one source (once); record the call and its failure, if any."""
        global _MAPPINGS  # noqa: PLW0603 - replaced whole (see its definition)
        if source in self.raw:
            return
        plan = self.sources.plan.get(source)
        if plan is None:  # no such source configured: its facts cannot be known
            self.raw[source] = None
            broken = self.sources.broken.get(source)
            self.calls.append(SourceCall(source, False, 0.0,
                                         broken or "no source of that name is configured"))
            if broken:
                self._log(source, 0.0, broken)
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
                    raise TypeError(f"fetch returned {type_name(values)}, not a mapping")
                _MAPPINGS = _MAPPINGS | {kind}  # a mapping type, once seen: no ABC check again
        except _STOP:
            raise
        except BaseException as exc:  # a source's failure is data
            self._failed(source, exc, (time.perf_counter() - start) * 1000)
            return
        self.raw[source] = values
        elapsed = (time.perf_counter() - start) * 1000
        self.calls.append(_tuple_new(SourceCall, (source, True, ms(elapsed), None)))

    def _failed(self, source: str, exc: BaseException, elapsed_ms: float) -> None:
        """The source failed (while fetching, or while deriving facts it returned lazily):
        from now on its facts not yet read are unknown; the failure is recorded and logged.
        Never raises, whatever `exc` is: its text is masked (it may quote the subscriber's
        number), and an exception whose message cannot be read is described by its type."""
        self.raw[source] = None
        error = mask_text(describe(exc))
        self.calls.append(SourceCall(source, False, ms(elapsed_ms), error))
        self._log(source, elapsed_ms, error)

    def _wrong_type(self, source: str, name: str, value: Any) -> None:
        """A fact's value is not of its declared type (or is a non-finite number): the fact
        is unknown; the source is recorded as failed for it, and logged."""
        spec = self.sources.specs[name]
        error = mask_text(f"TypeError: {name} = {safe_repr(value)} is not a {spec.type}")
        self.calls.append(SourceCall(source, False, 0.0, error))
        self._log(source, 0.0, error)

    def _log(self, source: str, elapsed_ms: float, error: str) -> None:
        # logs never carry a full MSISDN (or IMSI): the complaint id identifies the case, and
        # `error` is masked already
        _log.warning("source %s unavailable for complaint %s (msisdn %s) after %.1f ms: %s",
                     source, mask_text(self.complaint.id), self.complaint.masked_msisdn(),
                     elapsed_ms, error)

