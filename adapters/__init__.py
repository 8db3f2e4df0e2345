"""diagtree's source adapters: the HLR, billing (BSS) and coverage (NMS) facts trees read.

Two layers, so that an operator replaces only what talks to its own systems:

- a **backend** is a record store. It answers look-ups with records in the shapes of the
  source-record contract (``docs/sources.md``): `HlrBackend` (``subscriber(msisdn)``,
  ``device(tac)``), `BillingBackend` (``account(msisdn)``, ``customer(msisdn)``) and
  `CoverageBackend` (``cells_near(lat, lon)``, ``alarms_on_any(elements)``, ``platform_alarms()``,
  ``planned_works_on_any(cell_ids)``, ``gaps_near(lat, lon)``, ``measurements_near(lat, lon, r)``).
  It interprets nothing; spatial queries may return a superset (a bounding box, a PostGIS
  ``ST_DWithin`` with a margin). `RecordStore` is the in-memory backend over `SourceRecords`,
  indexed once (dicts by key, lat/lon grids) so that each look-up touches only nearby records.
  An operator implements the three protocols against its HLR/HSS (MAP/Diameter or provisioning
  API), BSS and NMS/drive-test database, raising on failure and honouring the timeout.
- an **adapter** (`HlrAdapter`, `BillingAdapter`, `CoverageAdapter`) is a `diagtree` `Source`:
  it declares the facts of ``docs/facts.md`` and derives their values from a backend's records
  by the contract's conventions (serving cells, 300 m medians, alarm windows, ODB barring,
  duplicate and rating rules, the complaint's local calendar). Adapters need no change when the
  backend changes.

Real cells: `read_opencellid` reads an OpenCelliD export (no header row, or one) into cell
records, and `load_records` takes one placed as ``coverage/opencellid*.csv[.gz]``.

For tests and scenarios: `records_from_mapping` (a scenario's ``sources:`` block) and
`load_records` (a YAML/JSON file or a data folder with YAML/JSON/CSV; layout in ``_load.py``)
give validated `SourceRecords` (a malformed record raises `RecordError`, a `ValueError`, naming
the file, row and field); `mock_sources` builds the three adapters over them, with
`FaultInjector` failures (down, latency, errors every Nth call) for the sources asked.

Example (a scenario case with its billing source down)::

    hlr, billing, coverage = mock_sources(records_from_mapping(case["sources"]), down=["billing"])
"""

from ._backends import BillingBackend, CoverageBackend, HlrBackend
from ._billing import BillingAdapter
from ._coverage import CoverageAdapter
from ._hlr import HlrAdapter
from ._load import IgnoredFilesWarning, load_records
from ._mock import Failure, FaultInjector, mock_sources
from ._opencellid import read_opencellid
from ._records import SourceRecords, records_from_mapping
from ._schema import RecordError
from ._store import RecordStore

__all__ = [
    "BillingAdapter",
    "BillingBackend",
    "CoverageAdapter",
    "CoverageBackend",
    "Failure",
    "FaultInjector",
    "HlrAdapter",
    "HlrBackend",
    "IgnoredFilesWarning",
    "RecordError",
    "RecordStore",
    "SourceRecords",
    "load_records",
    "mock_sources",
    "read_opencellid",
    "records_from_mapping",
]
