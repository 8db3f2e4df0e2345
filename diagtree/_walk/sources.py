"""The source adapter protocols: what an operator implements against its own HLR, BSS or NMS.

A source has a short `name` (``hlr``, ``billing``, ``coverage``) that prefixes every fact it
declares, and a `fetch` that returns the values of all its facts for one complaint::

    class MySource:
        name = "hlr"

        def facts(self) -> Sequence[FactSpec]:
            return [FactSpec("hlr.found", BOOL, "the MSISDN is in the HLR"), ...]

        def fetch(self, complaint: Complaint, timeout_s: float) -> Mapping[str, object]:
            record = my_hlr_client.get(complaint.msisdn, timeout=timeout_s)
            return {"hlr.found": record is not None, ...}

or, for a client with an async API (`AsyncSource`), an ``async def afetch`` with the same
arguments and result instead of (or besides) `fetch`: the engine then always awaits `afetch`.

Contract:
- `fetch` returns a mapping with a value for each declared fact: a value of the declared type
  (lists as tuples, dates as `datetime.date`, times as aware `datetime.datetime`) or ``None``
  for a known absence. Missing keys are taken as ``None``.
- `fetch` should answer within `timeout_s`; the engine enforces it anyway. A source that raises
  (`SourceTimeout`, `SourceError`, or anything else) or answers late makes all of this
  source's facts *unavailable* for this diagnosis. The engine records the source, the error
  and the latency in the trace and never lets the exception reach its caller.
- `fetch` is called at most once per diagnosis (or session). When a diagnosis starts, every
  source its tree can read on its way is asked at once, on a thread of a bounded pool (a
  synchronous `fetch`) or on an event loop (`afetch`); the walk waits for a source only when
  it reads one of its facts, and only until its timeout. Set ``prefetch = False`` on a source
  that must be asked only when a walked node reads one of its facts (its fetch then starts at
  that read).
- Set ``blocking = False`` only on a source that never waits on I/O (an in-memory store): it
  is then called on the walk's thread when first needed, not ahead (no thread, no switch);
  an answer later than its timeout still counts as a failure, but nothing can stop it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from diagtree._vocab.complaint import Complaint
from diagtree._vocab.facts import FactSpec

__all__ = ["AnySource", "AsyncSource", "Source"]


@runtime_checkable
class Source(Protocol):
    """A provider of facts about a complaint (see the module docstring for the contract)."""

    name: str

    def facts(self) -> Sequence[FactSpec]:
        """The facts this source provides; every name starts with ``name + "."``."""
        ...

    def fetch(self, complaint: Complaint, timeout_s: float) -> Mapping[str, Any]:
        """The value of each declared fact for `complaint`, within `timeout_s` seconds."""
        ...


@runtime_checkable
class AsyncSource(Protocol):
    """A provider of facts with an async API: like `Source`, with ``async def afetch``.

    The engine runs `afetch` on the caller's event loop in the async API
    (`Engine.adiagnose`, `Session.aanswer`…) and on a background loop of its own in the
    synchronous one, and cancels it at its timeout."""

    name: str

    def facts(self) -> Sequence[FactSpec]:
        """The facts this source provides; every name starts with ``name + "."``."""
        ...

    async def afetch(self, complaint: Complaint, timeout_s: float) -> Mapping[str, Any]:
        """The value of each declared fact for `complaint`, within `timeout_s` seconds."""
        ...


#: what an engine accepts as a source
AnySource = Source | AsyncSource
