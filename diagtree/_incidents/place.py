"""Where a diagnosis happened: the cell and the platform it concerns.

This is the one derivation of the results frame's ``cell`` and ``platform`` columns (the shared
contract), used by the engine's incident hook, the incident index and the batch results alike,
so a live index and a day's batch always group the same complaints:

- an outcome names its place with a value called ``cell`` (a cell id) or ``platform`` (a
  platform element) — the shipped outcomes that can be mass incidents do
  (``network.site_outage``: ``cell: coverage.outage.cell``; ``support.platform_fault``:
  ``platform: coverage.platform_fault.element``);
- otherwise ``cell`` is the value read for ``coverage.outage.cell`` if read and known, else the
  first of ``coverage.serving_cells`` if read (and not empty), else
  ``hlr.registration.cell_id`` if read and known, else None; ``platform`` is the value read for
  ``coverage.platform_fault.element`` if read and known, else None.

"Read" means a fact in the trace (`TraceStep.facts`) that its source answered: what a
`Diagnosis` (and so a results row) holds. A condition that concludes on
``coverage.outage.active`` alone reads no cell, which is why the outcome names it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final, NamedTuple

from diagtree._conclude.diagnosis import Diagnosis, FactRead, TraceStep
from diagtree._vocab.facts import UNKNOWN

__all__ = ["CELL_FACTS", "PLACE_FACTS", "PLATFORM_FACT", "Place", "place_of_diagnosis",
           "place_of_outcome", "place_of_reads", "trace_reads"]

#: the facts that say the cell, in the order they are preferred
CELL_FACTS: Final = ("coverage.outage.cell", "coverage.serving_cells", "hlr.registration.cell_id")
PLATFORM_FACT: Final = "coverage.platform_fault.element"
#: every fact a place may be read from
PLACE_FACTS: Final = frozenset((*CELL_FACTS, PLATFORM_FACT))


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
        if name in PLACE_FACTS and name not in found and read.available:
            known = _known(name, read.value)
            if known is not None:
                found[name] = known
    cell = next((found[n] for n in CELL_FACTS if n in found), None)
    return Place(cell, found.get(PLATFORM_FACT))


def trace_reads(trace: Iterable[TraceStep]) -> Iterator[FactRead]:
    """The facts every step of a trace read, in order."""
    return (read for step in trace for read in step.facts)


def place_of_outcome(values: Mapping[str, Any] | Iterable[tuple[str, Any]],
                     reads: Iterable[FactRead]) -> Place:
    """The place of a walk that ended at an outcome with these `values` (a mapping, or the
    name/value pairs of `Diagnosis.values`) after reading these facts: the outcome's own
    ``cell`` / ``platform`` values first, then the facts read (`place_of_reads`)."""
    named = dict(values.items() if isinstance(values, Mapping) else values)
    cell = _known("cell", named.get("cell"))
    platform = _known("platform", named.get("platform"))
    if cell is None or platform is None:
        read = place_of_reads(reads)
        cell = cell if cell is not None else read.cell
        platform = platform if platform is not None else read.platform
    return Place(cell, platform)


def place_of_diagnosis(diagnosis: Diagnosis) -> Place:
    """The cell and the platform of a diagnosis: the results frame's ``cell`` and
    ``platform``."""
    return place_of_outcome(diagnosis.values, trace_reads(diagnosis.trace))
