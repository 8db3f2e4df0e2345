"""Where a diagnosis happened: the cell and the platform it concerns, from the facts read.

This is the one derivation of the results frame's ``cell`` and ``platform`` columns (the shared
contract), used by the incident index and the batch results alike:

- ``cell``: the value read for ``coverage.outage.cell`` if read and known, else the first of
  ``coverage.serving_cells`` if read (and not empty), else ``hlr.registration.cell_id`` if read
  and known, else None;
- ``platform``: the value read for ``coverage.platform_fault.element`` if read and known, else
  None.

"Read" means a fact in the trace (`TraceStep.facts`) that its source answered: what a
`Diagnosis` (and so a results row) holds. The engine's hook sees more: what the walk's sources
answered for this complaint, read by a condition or not; `place_of_walk` reads the trace first,
then those. The two differ when no condition reads the place: the shipped
`no_service` tree concludes ``network.site_outage`` on ``coverage.outage.active`` alone, so its
trace names no cell while the coverage source answered ``coverage.outage.cell``
(docs/incidents.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import chain
from typing import Any, Final, NamedTuple

from diagtree._conclude.diagnosis import Diagnosis, FactRead, TraceStep
from diagtree._vocab.facts import UNKNOWN

__all__ = ["CELL_FACTS", "PLATFORM_FACT", "Place", "place_of_diagnosis",
           "place_of_reads", "place_of_trace", "place_of_walk"]

#: the facts that say the cell, in the order they are preferred
CELL_FACTS: Final = ("coverage.outage.cell", "coverage.serving_cells", "hlr.registration.cell_id")
PLATFORM_FACT: Final = "coverage.platform_fault.element"
_WANTED: Final = frozenset((*CELL_FACTS, PLATFORM_FACT))


class Place(NamedTuple):
    cell: str | None
    platform: str | None


def _known(name: str, value: Any) -> str | None:
    """The place a fact's value names (the first serving cell of a list), or None."""
    if value is None or value is UNKNOWN:
        return None
    if name == "coverage.serving_cells":
        if isinstance(value, list | tuple) and value and value[0] is not None:
            return str(value[0])
        return None
    return str(value)


def place_of_reads(reads: Iterable[FactRead]) -> Place:
    """The cell and the platform of a diagnosis from the facts its walk read (the first known
    read of each fact counts)."""
    found: dict[str, str] = {}
    for read in reads:
        name = read.name
        if name in _WANTED and name not in found and read.available:
            known = _known(name, read.value)
            if known is not None:
                found[name] = known
    cell = next((found[n] for n in CELL_FACTS if n in found), None)
    return Place(cell, found.get(PLATFORM_FACT))


def place_of_trace(trace: Iterable[TraceStep]) -> Place:
    """`place_of_reads` over every step of a trace."""
    return place_of_reads(read for step in trace for read in step.facts)


def place_of_diagnosis(diagnosis: Diagnosis) -> Place:
    """The cell and the platform of a diagnosis (from its trace): the results frame's
    ``cell`` and ``platform``."""
    return place_of_trace(diagnosis.trace)


def _answered(end: Mapping[str, Any]) -> Iterator[FactRead]:
    """The place facts the walk's sources answered: those in its fact store, then those in
    what each source returned (`FactStore.raw`, derived on this read; a source whose records
    cannot give it counts as not answering)."""
    for name in (*CELL_FACTS, PLATFORM_FACT):
        if name in end:
            yield FactRead(name, end[name], "", True)
    raw = getattr(end, "raw", None)
    if not isinstance(raw, Mapping):
        return
    for name in (*CELL_FACTS, PLATFORM_FACT):
        for returned in raw.values():
            if isinstance(returned, Mapping) and name in returned:
                try:
                    value = returned[name]
                except Exception:  # noqa: S112 - a failing source is data, not an error
                    continue
                yield FactRead(name, value, "", True)
                break


def place_of_walk(steps: Iterable[TraceStep], end: Mapping[str, Any]) -> Place:
    """The place the engine's incident hook uses: the trace's reads, then what the walk's
    sources answered (`_answered`); the first known value of each fact counts, so the order
    of preference is the contract's."""
    return place_of_reads(chain((read for step in steps for read in step.facts),
                                _answered(end)))
