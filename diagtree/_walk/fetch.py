"""Fetching a diagnosis's facts: every source its tree can read asked at once, ahead of the walk.

`FactStore` is the dict that compiled conditions read. It starts with the complaint's own facts.
When it is made for a tree (`prefetch`), it starts fetching every source that tree can read on
its way (`Runtime.sources_of`: the facts its steps, its outcomes' values and the grading policy
read, known once per compiled tree), all at once; the walk then waits only when a node reads a
fact of a source that has not answered yet, and only until that source's timeout. A source the
walk never reads is not waited for: when the diagnosis ends (`release`), a fetch still queued is
cancelled (never called) and an async fetch still running is cancelled. A source that sets
``prefetch = False`` is never asked ahead: it is fetched when a node first reads one of its facts
(for a backend that bills per query, say). Each fact is checked against its declared type when
it is first read, so the store holds exactly the facts that were read — what the trace reports.

How a source is asked (`mode_of`):

- a source with an ``afetch`` coroutine method (`AsyncSource`) runs on an event loop: the
  caller's in the async API (`Engine.adiagnose`), else a background loop of diagtree's own;
  it is cancelled at its timeout (`asyncio.wait_for`);
- a synchronous source runs on a thread of the bounded fetch pool (`_walk.pool`) and is given
  up at its timeout (the thread cannot be stopped: it ends when the backend answers, and a
  source with several calls stuck past their timeout is not called again until one ends);
- a source that sets ``blocking = False`` declares it never waits on I/O (an in-memory store):
  it is called inline on the walk's thread, when first needed, not ahead.

Timeouts are enforced for all three: a source that answers later than its timeout has failed,
whenever its answer comes. A source that raises or times out makes every fact it declares
`UNKNOWN`, and the failure is recorded with its latency: failure is data, never an exception to
the caller. That holds for anything a source raises — any `BaseException` but
`KeyboardInterrupt` and `SystemExit`, which stop the caller as they should — even an exception
whose message cannot be read (`describe`). A value of the wrong type (an adapter bug, a
non-finite number, a value whose repr fails) makes that fact `UNKNOWN` and is recorded the same
way. What is recorded and logged is masked (`mask_text`): a source's error text may quote the
subscriber's MSISDN or IMSI in any format.

A source may return a mapping that derives some facts only when they are first read (the
shipped adapters derive groups of facts that way). Asked inline, each such read is timed and
booked to the source; an error raised by it makes the source unavailable from then on. Asked on
a thread or a loop, every fact is derived there, within the timeout (`_whole`); a fact whose
derivation failed raises when the walk reads it, with the same effect.

Time is booked where it is spent: each `SourceCall.latency_ms` is the source's own time, from
the moment it was asked (queueing for a thread included) to its answer or its timeout, plus any
later derivation; `waited` is the time the diagnosis spent waiting for sources (the
``fetch`` timing), which the walk's own time excludes.

The same code serves both APIs (`settle`): synchronously, a read of a fact whose source has not
answered blocks until it answers or times out; asynchronously (``wait = False``), it raises
`NotReady`, the caller awaits that source, and runs its step again from the start — the walk
is deterministic and every fact already read is kept, so a step runs at most once more per
source it waits for, and both give the same diagnosis.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from diagtree._conclude.diagnosis import SourceCall, ms
from diagtree._conclude.policy import WalkEnd
from diagtree._privacy import describe, mask_text, safe_repr, type_name
from diagtree._vocab.complaint import Complaint
from diagtree._vocab.facts import UNKNOWN, FactSpec, source_of
from diagtree._walk.pool import MAX_HUNG_CALLS, background_loop, pool
from diagtree._walk.sources import AnySource

__all__ = ["ASYNC", "INLINE", "THREAD", "FactStore", "NotReady", "SourceSet", "mode_of",
           "settle", "settle_async"]

_log = logging.getLogger("diagtree.sources")
_EMPTY: Mapping[str, Any] = {}
_tuple_new = tuple.__new__  # a NamedTuple built without its Python-level __new__
# types a fetch returned that are mappings: a frozenset replaced whole when one is added, so
# that threads diagnosing at once only ever read a complete set
_MAPPINGS: frozenset[type] = frozenset({dict})
_STOP = (KeyboardInterrupt, SystemExit)  # the caller's to handle: never a source failure
_clock = time.perf_counter
T = TypeVar("T")

#: how a source is asked (see the module docstring)
INLINE, THREAD, ASYNC = 0, 1, 2


def mode_of(source: AnySource) -> int:
    """`ASYNC` for a source with an ``afetch`` method, `INLINE` for one that sets
    ``blocking = False``, else `THREAD` (the default: its timeout is enforced)."""
    if callable(getattr(source, "afetch", None)):
        return ASYNC
    return INLINE if getattr(source, "blocking", True) is False else THREAD


class _Derived(dict[str, Any]):
    """A lazily deriving mapping's facts, all derived on the fetch's thread: reading a fact
    whose derivation raised raises that again (the source fails from that read on)."""

    __slots__ = ("errors",)
    errors: dict[str, BaseException]

    def get(self, name: str, default: Any = None) -> Any:
        error = self.errors.get(name)
        if error is not None:
            raise error
        return dict.get(self, name, default)


def _whole(values: Any, names: tuple[str, ...]) -> Any:
    """A fetch's values with each of `names` (the facts a walk may read of it) read now, as
    the walk would read them (see `_Derived`); a plain dict as is."""
    if type(values) is dict or not isinstance(values, Mapping):
        return values
    out: dict[str, Any] = {}
    errors: dict[str, BaseException] = {}
    get = values.get
    for name in names:
        try:
            out[name] = get(name)
        except _STOP:
            raise
        except BaseException as exc:  # a source's failure is data, at the read of that fact
            errors[name] = exc
    if not errors:
        return out
    derived = _Derived(out)
    derived.errors = errors
    return derived


class _Call:
    """One fetch under way: its source, when it was asked, its deadline, and its future."""

    __slots__ = ("complaint", "deadline", "ended", "future", "names", "source", "src",
                 "started", "timeout")

    def __init__(self, source: str, src: Any, timeout: float, complaint: Complaint,
                 names: tuple[str, ...]) -> None:
        self.source = source
        self.names = names
        self.src = src
        self.timeout = timeout
        self.complaint = complaint
        self.started = _clock()
        self.deadline = self.started + timeout
        self.ended = 0.0  # when the source answered or raised (0: not yet)
        self.future: concurrent.futures.Future[Any] = concurrent.futures.Future()


# the thread calls of each source object (by id) not yet ended, to tell how many hang
_LIVE: dict[int, set[_Call]] = {}
_LIVE_LOCK = threading.Lock()


def _run_thread(call: _Call) -> None:
    """A synchronous fetch, on a pool thread; never raises (the future holds the outcome)."""
    future = call.future
    if not future.set_running_or_notify_cancel():  # cancelled while queued: never called
        _ended(call)
        return
    try:
        if _clock() >= call.deadline:
            raise _timed_out(call.timeout, "not asked: every fetch thread was busy")
        values = _whole(call.src.fetch(call.complaint, call.timeout), call.names)
    except BaseException as exc:
        _ended(call)
        future.set_exception(exc)
    else:
        _ended(call)
        future.set_result(values)


def _ended(call: _Call) -> None:
    call.ended = _clock()
    with _LIVE_LOCK:
        live = _LIVE.get(id(call.src))
        if live is not None:
            live.discard(call)
            if not live:
                del _LIVE[id(call.src)]


def _hung(src: Any) -> int:
    """How many calls of `src` are still running past their deadline."""
    live = _LIVE.get(id(src))
    if not live or len(live) < MAX_HUNG_CALLS:
        return 0
    now = _clock()
    with _LIVE_LOCK:
        return sum(1 for call in live if call.deadline < now)


async def _run_async(call: _Call) -> Any:
    """An async fetch, on an event loop, cancelled at its timeout."""
    try:
        values = await asyncio.wait_for(call.src.afetch(call.complaint, call.timeout),
                                        call.timeout)
    except TimeoutError:
        raise _timed_out(call.timeout) from None
    finally:
        call.ended = _clock()
    return _whole(values, call.names)


def _timed_out(timeout: float, why: str = "") -> TimeoutError:
    """The failure of a source given up at its timeout (or that answered after it)."""
    return TimeoutError(f"timed out after {timeout:g} s" + (f" ({why})" if why else ""))


class NotReady(BaseException):
    """Raised by a read, in the async API, of a fact whose source has not answered yet: the
    driver awaits `call` and runs its step again. A `BaseException`, so that nothing on the
    way (the walk's guard against internal errors) takes it for a failure."""

    def __init__(self, call: _Call) -> None:
        super().__init__(call.source)
        self.call = call


class SourceSet:
    """The sources an engine reads, with their declared facts, timeouts and how each is
    asked.

    A source whose declarations cannot be read (its `facts()` raises, or declares something
    that is not a `FactSpec`) is kept in `broken` with the reason: each diagnosis that needs it
    records it as failed, like a source whose fetch raises."""

    def __init__(self, sources: Mapping[str, AnySource], timeouts: Mapping[str, float],
                 default_timeout_s: float, like: SourceSet | None = None) -> None:
        self.sources = dict(sources)
        self.timeouts = {name: float(timeouts.get(name, default_timeout_s))
                         for name in self.sources}
        self.specs: dict[str, FactSpec] = {}
        #: per declared fact: its source and the check of its values
        self.fact_info: dict[str, tuple[str, Callable[[Any], bool]]] = {}
        #: per source: itself, its timeout, how it is asked (`mode_of`), whether ahead
        self.plan: dict[str, tuple[Any, float, int, bool]] = {}
        #: per source that cannot be asked: why
        self.broken: dict[str, str] = {}
        for name, src in self.sources.items():
            try:
                specs = {spec.name: spec for spec in src.facts()}
                info = {fact: (source_of(fact), spec.type.checker())
                        for fact, spec in specs.items()}
                mode = mode_of(src)
                plan = (src, self.timeouts[name], mode,
                        mode != INLINE and getattr(src, "prefetch", True) is not False)
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
        #: per source: the facts a walk may read of it
        self.names: dict[str, tuple[str, ...]] = {name: () for name in self.plan}
        for fact, (source, _) in self.fact_info.items():
            if source in self.names:
                self.names[source] += (fact,)

    @classmethod
    def of(cls, sources: Iterable[AnySource], timeouts: Mapping[str, float],
           default_timeout_s: float, like: SourceSet | None = None) -> SourceSet:
        """The set of sources given to one call, by name, their values checked against the
        facts `like` declares (the engine's own sources). A source without a readable `name`
        cannot be asked (the facts the walk reads from it are then of no configured source)."""
        named: dict[str, AnySource] = {}
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
    """Facts for one complaint; a missing key waits for its source (asking it if nobody has
    yet), then checks the value."""

    __slots__ = ("_booked", "interactive", "loop", "pending", "raw", "sources", "tree",
                 "wait", "waited")

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
        #: the fetches asked ahead and not read yet, by source
        self.pending: dict[str, _Call] = {}
        #: the event loop async sources run on (None: diagtree's background loop)
        self.loop: asyncio.AbstractEventLoop | None = None
        #: True: a read blocks until its source answers; False: it raises `NotReady`
        self.wait = True
        #: seconds spent waiting for sources (and deriving their facts inline)
        self.waited = 0.0
        # per source read inline lazily: [index of its call, seconds booked to it]
        self._booked: dict[str, list[Any]] = {}

    def prefetch(self, sources: Iterable[str]) -> None:
        """Start fetching each of `sources` that is asked ahead, at once."""
        plan = self.sources.plan
        for source in sources:
            entry = plan.get(source)
            if entry is not None and entry[3] and source not in self.raw \
                    and source not in self.pending:
                self.pending[source] = self._start(source, entry)

    def release(self) -> None:
        """The diagnosis is over: fetches never read are cancelled where they can be (still
        queued, or async), never waited for; the answers are let go."""
        for call in self.pending.values():
            call.future.cancel()
        self.pending.clear()
        # what a concluded diagnosis no longer reads (its lazy fields may still read facts
        # from the store, until worked out): let go, since a kept diagnosis keeps the store
        self.answers = {}
        self._booked = {}

    def __missing__(self, name: str) -> Any:
        source, check = self.sources.fact_info.get(name) or (source_of(name), None)
        raw = self.raw.get(source, _EMPTY)
        if raw is _EMPTY:
            self.fetch(source)
            raw = self.raw.get(source, _EMPTY)
        if raw is None:  # the source failed, or none of that name is configured
            value: Any = UNKNOWN
        elif type(raw) is dict:
            value = raw.get(name)
            if not (value is None or check is None or check(value)):
                self._wrong_type(source, name, value)
                value = UNKNOWN
        else:  # it may derive (and look up) a group of facts on this first read: timed
            start = _clock()
            try:
                value = raw.get(name)
                ok = value is None or check is None or check(value)
            except _STOP:
                raise
            except BaseException as exc:  # a source's failure is data
                spent = _clock() - start
                self.waited += spent
                self._failed(source, exc, spent * 1000)
                self[name] = UNKNOWN
                return UNKNOWN
            spent = _clock() - start
            self.waited += spent
            booked = self._booked.get(source)
            if booked is not None:
                booked[1] += spent
            if not ok:
                self._wrong_type(source, name, value)
                value = UNKNOWN
        self[name] = value
        return value

    def fetch(self, source: str) -> None:
        """Fetch one source (once), waiting for it if it was asked ahead; record the call and
        its failure, if any. In the async API (``wait`` False), a source that has not
        answered yet raises `NotReady` instead of blocking."""
        if source in self.raw:
            return
        call = self.pending.get(source)
        if call is None:
            entry = self.sources.plan.get(source)
            if entry is None:  # no such source configured: its facts cannot be known
                self.raw[source] = None
                broken = self.sources.broken.get(source)
                self.calls.append(SourceCall(source, False, 0.0,
                                             broken or "no source of that name is configured"))
                if broken:
                    self._log(source, 0.0, broken)
                return
            if entry[2] == INLINE:
                self._inline(source, entry)
                return
            call = self.pending[source] = self._start(source, entry)
        future = call.future
        if not future.done():
            remaining = call.deadline - _clock()
            if remaining > 0:
                if not self.wait:
                    raise NotReady(call)
                begun = _clock()
                concurrent.futures.wait((future,), timeout=remaining)
                self.waited += _clock() - begun
        del self.pending[source]
        self._settle(call)

    def _start(self, source: str, entry: tuple[Any, float, int, bool]) -> _Call:
        src, timeout, mode, _ = entry
        call = _Call(source, src, timeout, self.complaint, self.sources.names[source])
        if mode == ASYNC:
            loop = self.loop
            if loop is None or not loop.is_running():
                loop = background_loop()
            call.future = asyncio.run_coroutine_threadsafe(_run_async(call), loop)
            return call
        hung = _hung(src)
        if hung:  # its earlier calls hang: this one would only take another thread
            call.ended = call.started
            call.future.set_exception(RuntimeError(
                f"not asked: {hung} earlier calls are still running past their timeout"))
            return call
        with _LIVE_LOCK:
            _LIVE.setdefault(id(src), set()).add(call)
        pool().submit(_run_thread, call)
        return call

    def _settle(self, call: _Call) -> None:
        """Record what a fetch asked ahead (or on a thread or loop) came to."""
        global _MAPPINGS  # noqa: PLW0603 - replaced whole (see its definition)
        source = call.source
        future = call.future
        try:
            if not future.done():
                future.cancel()
                raise _timed_out(call.timeout)
            values = future.result()
            elapsed = call.ended - call.started
            if elapsed > call.timeout:  # an answer after the timeout is no answer
                raise _timed_out(call.timeout, f"answered after {elapsed * 1000:.0f} ms")
            kind = type(values)
            if kind not in _MAPPINGS:
                if not isinstance(values, Mapping):
                    raise TypeError(f"fetch returned {type_name(values)}, not a mapping")
                _MAPPINGS = _MAPPINGS | {kind}  # a mapping type, once seen: no ABC check again
        except _STOP:
            raise
        except BaseException as exc:  # a source's failure is data
            ended = call.ended if call.ended else _clock()
            self._failed(source, exc, min(ended - call.started, call.timeout) * 1000)
            return
        self.raw[source] = values
        self.calls.append(_tuple_new(SourceCall, (source, True, ms(elapsed * 1000), None)))

    def _inline(self, source: str, entry: tuple[Any, float, int, bool]) -> None:
        """Fetch a source that never waits on I/O, here; an answer after its timeout fails."""
        global _MAPPINGS  # noqa: PLW0603 - replaced whole (see its definition)
        src, timeout, _, _ = entry
        start = _clock()
        try:
            values = src.fetch(self.complaint, timeout)
            kind = type(values)
            if kind not in _MAPPINGS:
                if not isinstance(values, Mapping):
                    raise TypeError(f"fetch returned {type_name(values)}, not a mapping")
                _MAPPINGS = _MAPPINGS | {kind}  # a mapping type, once seen: no ABC check again
            elapsed = _clock() - start
            if elapsed > timeout:  # it honours no timeout: an answer after it is no answer
                raise _timed_out(timeout, f"answered after {elapsed * 1000:.0f} ms")
        except _STOP:
            raise
        except BaseException as exc:  # a source's failure is data
            spent = _clock() - start
            self.waited += spent
            self._failed(source, exc, spent * 1000)
            return
        self.waited += elapsed
        self.raw[source] = values
        self.calls.append(_tuple_new(SourceCall, (source, True, ms(elapsed * 1000), None)))
        if type(values) is not dict:  # its reads may derive facts: their time is booked
            self._booked[source] = [len(self.calls) - 1, elapsed]

    def fetch_ms(self) -> float:
        """The time the diagnosis waited for its sources, in ms; the time each spent deriving
        facts after its fetch is booked to its call here (`SourceCall.latency_ms`)."""
        calls = self.calls
        for source, (index, spent) in self._booked.items():
            call = calls[index]
            if call.source == source and call.ok:
                calls[index] = _tuple_new(SourceCall, (source, True, ms(spent * 1000), None))
        return self.waited * 1000

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


def settle(store: FactStore, step: Callable[[], T]) -> T:
    """Run `step` (a walk, a conclusion) over `store`, blocking on each source it reads."""
    store.wait = True
    return step()


async def settle_async(store: FactStore, step: Callable[[], T]) -> T:
    """Run `step` over `store` without blocking the event loop: each time it reads a fact
    whose source has not answered, await that source (until its deadline) and run `step`
    again from the start (the facts read so far are kept)."""
    store.wait = False
    try:
        while True:
            try:
                return step()
            except NotReady as waiting:
                call = waiting.call
                remaining = call.deadline - _clock()
                if remaining > 0 and not call.future.done():
                    begun = _clock()
                    await asyncio.wait((asyncio.wrap_future(call.future),), timeout=remaining)
                    store.waited += _clock() - begun
                # answered, or past its deadline: the next read settles it without waiting
    finally:
        store.wait = True
