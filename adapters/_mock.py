"""Failure injection: `FaultInjector` wraps a source, `mock_sources` builds the three mocks.

`FaultInjector(source, down=..., latency_s=..., fail=...)` is itself a `Source` (same name and
facts). On each `fetch(complaint, timeout_s)`, in this order:

1. ``down=True``: raise `SourceTimeout` at once (a source that is down never answers; the
   scenario runner's ``down:`` list);
2. ``latency_s``: sleep that long first; if it is more than ``timeout_s``, sleep ``timeout_s``
   and raise `SourceTimeout` instead (the source honours its timeout, it never overruns it);
3. ``fail``: a `Failure` (or the shorthands below) raises on every call, or on every Nth call
   (``every=3``: the 3rd, 6th, … calls fail, counting from the first fetch);
4. otherwise delegate to the wrapped source.

``fail`` accepts a `Failure`, ``True`` or ``"error"`` (a `SourceError` "injected failure"),
``"timeout"`` (a `SourceTimeout`), an exception instance (raised as is — any type, to test that
the engine survives arbitrary exceptions) or an exception class (instantiated with a message).
The call counter is thread-safe.

`mock_sources(records, down=("billing",), latency_s={"hlr": 0.05}, fail={"coverage":
Failure("error", every=2)})` returns ``[hlr, billing, coverage]`` adapters over one
`RecordStore` (indexes built once), each wrapped in a `FaultInjector` when something is
injected for it. `latency_s` may also be one number for all three. Unknown source names in
`down`, `latency_s` or `fail` raise `ValueError`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from diagtree import Complaint, FactSpec, Source, SourceError, SourceTimeout

from ._billing import BillingAdapter
from ._coverage import CoverageAdapter
from ._hlr import HlrAdapter
from ._records import SourceRecords
from ._store import RecordStore

__all__ = ["Failure", "FaultInjector", "mock_sources"]

SOURCE_NAMES: Final = ("hlr", "billing", "coverage")

FailSpec = Any  # Failure | bool | str | BaseException | type[BaseException]


@dataclass(frozen=True)
class Failure:
    """What to raise, and how often: on every `every`-th call (1 = every call)."""

    error: BaseException | type[BaseException] | str = "error"
    every: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 1:
            raise ValueError(f"Failure.every must be a positive integer, got {self.every!r}")
        if isinstance(self.error, str) and self.error not in ("error", "timeout"):
            raise ValueError(f"Failure.error {self.error!r}: expected 'error', 'timeout', "
                             "an exception or an exception class")

    def exception(self, source: str, timeout_s: float) -> BaseException:
        """The exception to raise for a failing call."""
        error = self.error
        if error == "timeout":
            return SourceTimeout(source, timeout_s)
        if error == "error":
            return SourceError(source, "injected failure")
        if isinstance(error, type):
            if issubclass(error, SourceTimeout):
                return error(source, timeout_s)
            if issubclass(error, SourceError):
                return error(source, "injected failure")
            return error(f"injected failure in source {source!r}")
        if isinstance(error, BaseException):
            return error
        return SourceError(source, f"injected failure {error!r}")


def as_failure(spec: FailSpec) -> Failure | None:
    """A `Failure` from the shorthands the module docstring lists (None/False: no failure)."""
    if spec is None or spec is False:
        return None
    if isinstance(spec, Failure):
        return spec
    if spec is True:
        return Failure()
    if isinstance(spec, str | BaseException) or (
            isinstance(spec, type) and issubclass(spec, BaseException)):
        return Failure(spec)
    raise ValueError(f"cannot inject failure {spec!r}: expected a Failure, True, 'error', "
                     "'timeout', an exception or an exception class")


class FaultInjector:
    """A source that fails, answers late or times out on purpose (see the module docstring)."""

    def __init__(self, source: Source, *, down: bool = False, latency_s: float | None = None,
                 fail: FailSpec = None) -> None:
        if latency_s is not None and latency_s < 0:
            raise ValueError(f"latency_s must be ≥ 0, got {latency_s!r}")
        self.source = source
        self.name = source.name
        # a source that waits (`latency_s`) is asked on a fetch thread, ahead of the walk,
        # like the network source it stands for; otherwise as the wrapped source is
        self.blocking = bool(latency_s) or getattr(source, "blocking", True) is not False
        self.down = down
        self.latency_s = latency_s
        self.failure = as_failure(fail)
        self.calls = 0
        self._lock = threading.Lock()

    def facts(self) -> Sequence[FactSpec]:
        return self.source.facts()

    def fetch(self, complaint: Complaint, timeout_s: float) -> Mapping[str, Any]:
        with self._lock:
            self.calls += 1
            call = self.calls
        if self.down:
            raise SourceTimeout(self.name, timeout_s)
        if self.latency_s:
            if self.latency_s > timeout_s:
                time.sleep(max(timeout_s, 0.0))
                raise SourceTimeout(self.name, timeout_s)
            time.sleep(self.latency_s)
        failure = self.failure
        if failure is not None and call % failure.every == 0:
            raise failure.exception(self.name, timeout_s)
        return self.source.fetch(complaint, timeout_s)

    def __repr__(self) -> str:
        return (f"FaultInjector({self.name!r}, down={self.down}, latency_s={self.latency_s}, "
                f"failure={self.failure})")


def mock_sources(records: SourceRecords | RecordStore, *, down: Iterable[str] = (),
                 latency_s: float | Mapping[str, float] | None = None,
                 fail: Mapping[str, FailSpec] | None = None) -> list[Source]:
    """The hlr, billing and coverage adapters over `records`, with faults injected."""
    store = records if isinstance(records, RecordStore) else RecordStore(records)
    down_set = set(down)
    if isinstance(latency_s, int | float):
        latencies: Mapping[str, float] = dict.fromkeys(SOURCE_NAMES, float(latency_s))
    else:
        latencies = latency_s or {}
    failures = fail or {}
    for what, names in (("down", down_set), ("latency_s", latencies), ("fail", failures)):
        unknown = sorted(set(names) - set(SOURCE_NAMES))
        if unknown:
            raise ValueError(f"{what}: unknown source {unknown[0]!r} "
                             f"(expected {', '.join(SOURCE_NAMES)})")
    adapters: list[Source] = [HlrAdapter(store), BillingAdapter(store), CoverageAdapter(store)]
    out: list[Source] = []
    for adapter in adapters:
        name = adapter.name
        if name in down_set or latencies.get(name) or failures.get(name):
            out.append(FaultInjector(adapter, down=name in down_set,
                                     latency_s=latencies.get(name), fail=failures.get(name)))
        else:
            out.append(adapter)
    return out
