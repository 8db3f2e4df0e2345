"""The backend protocols: the record look-ups an adapter needs from an operator's system.

A backend answers with records in the shapes of docs/sources.md (mappings; times and dates as
`datetime`/`date` objects or ISO strings) or ``None``/empty when there is none. It does no
interpretation: the adapters apply the conventions (serving cells, medians, alarm windows…).
Spatial queries may return a *superset* (e.g. everything in a bounding box); the adapter applies
the exact great-circle test. A backend that cannot answer raises (`SourceError`,
`SourceTimeout`, or anything else); the engine makes the source's facts unavailable.

`RecordStore` (``_store.py``) implements all three over in-memory `SourceRecords`.

Timeouts: an adapter over any backend but a `RecordStore` is ``blocking`` (`blocks`): the
engine asks it on a fetch thread, ahead of the walk, derives all its facts there and gives it up
at its timeout, whatever the backend does — a backend that hangs cannot stall a diagnosis. An
adapter over a `RecordStore` (memory only, microseconds) is asked inline; pass
``blocking=True`` or ``False`` to an adapter to choose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ._store import RecordStore

__all__ = ["BillingBackend", "CoverageBackend", "HlrBackend", "blocks"]

Record = Mapping[str, Any]


class HlrBackend(Protocol):
    """HLR/HSS subscriber profiles and the TAC (device) database."""

    def subscriber(self, msisdn: str) -> Record | None:
        """The subscriber profile of an MSISDN, or None when it is not in the HLR."""
        ...

    def device(self, tac: str) -> Record | None:
        """The device record of an 8-digit TAC, or None when the TAC is unknown."""
        ...


class BillingBackend(Protocol):
    """BSS accounts (with plan, charges, SP subscriptions, payments, cards) and customers."""

    def account(self, msisdn: str) -> Record | None:
        """The account of an MSISDN, or None when there is none."""
        ...

    def customer(self, msisdn: str) -> Record | None:
        """The customer record (name, tier) of an MSISDN, or None."""
        ...


class CoverageBackend(Protocol):
    """NMS cells, open alarms, planned works, registered coverage gaps and measurements."""

    def cells_near(self, lat: float, lon: float) -> Sequence[Record]:
        """Candidate cells: at least every cell whose ``range_m`` reaches the point."""
        ...

    # optional: a backend may also offer
    #   cells_near_split(lat, lon) -> (sure, candidates)
    # `cells_near` split in two: the cells whose range certainly reaches the point (a spatial
    # index that knows a cell covers the point's whole tile), which the adapter takes without
    # measuring, and the other candidates, which it tests. `RecordStore` offers it.

    def alarms_on_any(self, elements: Sequence[str]) -> Sequence[Record]:
        """The open alarms on any of these network elements (cell ids), grouped in the order
        of `elements` (one query for all of a location's serving cells)."""
        ...

    def platform_alarms(self) -> Sequence[Record]:
        """The open alarms of type ``platform_fault`` (any element, any severity)."""
        ...

    def planned_works_on_any(self, cell_ids: Sequence[str]) -> Sequence[Record]:
        """The planned works that list any of these cells (any time window), each once, in
        the order of the first cell of `cell_ids` that it lists."""
        ...

    def gaps_near(self, lat: float, lon: float) -> Sequence[Record]:
        """Candidate coverage gaps: at least every gap whose ``radius_m`` reaches the point."""
        ...

    def measurements_near(self, lat: float, lon: float, radius_m: float) -> Sequence[Record]:
        """Candidate samples: at least every measurement within `radius_m` of the point."""
        ...


def blocks(backend: object) -> bool:
    """Whether an adapter over `backend` should be run on a fetch thread with its timeout
    enforced: yes, unless the backend is diagtree's in-memory `RecordStore` (or a subclass)."""
    return not isinstance(backend, RecordStore)
