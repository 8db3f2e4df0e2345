"""Facts for a whole chunk of complaints at once: what an adapter's ``fetch_frame`` returns.

`Engine.diagnose` asks each source for one complaint's facts (``fetch``). A batch over a
month of complaints (``diagtree batch``) asks an adapter over the in-memory `RecordStore` for
the facts of a whole chunk at once (``fetch_frame``): the derivations of ``fetch`` done as
column operations (joins by MSISDN and TAC, a grid join for cells and samples, per-record
tables built once per store), so that a complaint costs a few microseconds, not tens.

The contract (the facts frame of ``docs/vector.md``, which `diagtree.vector` routes):

- ``fetch_frame(complaints, names)`` → a `pandas.DataFrame` with one row per complaint, in
  order (a `RangeIndex`), and a column for every fact of `names` (the adapter's own facts it
  is asked for; it may give more);
- a fact's value is the value ``fetch(complaint)[name]`` gives, in a column the facts frame
  reads as that value: bool facts as a bool column (a pandas ``boolean`` column where some are
  null), numbers as int64/float64 (nullable ``Int64`` for an int fact with nulls), strings and
  enums as text or ``category`` columns, dates, times and lists as object columns of Python
  values (aware `datetime`, `date`, tuples);
- a known null (``fetch`` gives None) is a missing cell (None, NaN, ``pd.NA``) **and** a true
  cell in the companion column ``<fact>:null`` (`NULL_SUFFIX`); a missing cell without it
  would read as *unknown* (the source unavailable), which an answering source never is;
- `PER_ROW` (a bool column, optional): rows whose facts the frame does not give — a record
  that ``fetch`` would find malformed (its group raising `SourceError`), a distance within
  floating-point noise of a range, anything the columns do not reproduce exactly. The batch
  diagnoses those rows one by one with ``fetch``, so the frame never has to guess;
- the frame derives nothing from a complaint it was not given, and calls no network: it is
  offered only by adapters over a `RecordStore` (``fetch_frame`` returns None over any other
  backend, and the batch then uses ``fetch``).
"""

from __future__ import annotations

from typing import Final

from diagtree.vector import NULL_SUFFIX

__all__ = ["NULL_SUFFIX", "PER_ROW"]

#: the bool column of the rows a frame does not give (the batch diagnoses them one by one)
PER_ROW: Final = ":per_row"
