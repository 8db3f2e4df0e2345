"""The source adapter protocol: what an operator implements against its own HLR, BSS or NMS.

A source has a short `name` (``hlr``, ``billing``, ``coverage``) that prefixes every fact it
declares, and a `fetch` that returns the values of all its facts for one complaint::

    class MySource:
        name = "hlr"

        def facts(self) -> Sequence[FactSpec]:
            return [FactSpec("hlr.found", BOOL, "the MSISDN is in the HLR"), ...]

        def fetch(self, complaint: Complaint, timeout_s: float) -> Mapping[str, object]:
            record = my_hlr_client.get(complaint.msisdn, timeout=timeout_s)
            return {"hlr.found": record is not None, ...}

Contract:
- `fetch` returns a mapping with a value for each declared fact: a value of the declared type
  (lists as tuples, dates as `datetime.date`, times as aware `datetime.datetime`) or ``None``
  for a known absence. Missing keys are taken as ``None``.
- `fetch` must answer within `timeout_s` or raise; any exception (`SourceTimeout`,
  `SourceError`, or anything else) makes all of this source's facts *unavailable* for this
  diagnosis. The engine records the source, the error and the latency in the trace and never
  lets the exception reach its caller.
- `fetch` is called at most once per diagnosis, and only when a walked node reads one of the
  source's facts.
- Set ``blocking = True`` on a source that does network I/O and does not enforce its own
  timeout: the engine then runs its fetch on a worker thread and abandons it at the timeout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from diagtree._vocab.complaint import Complaint
from diagtree._vocab.facts import FactSpec

__all__ = ["Source"]


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
