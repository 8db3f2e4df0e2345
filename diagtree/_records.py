"""Which records the shipped adapters' sources read: the bundled demo city, a records folder, or
none — the one choice a batch worker's engine (`EngineSpec`) and the HTTP service make.

`diagtree_adapters` is imported when a choice is made (it composes the sources; diagtree itself
never depends on it).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from diagtree._errors import ConfigurationError

if TYPE_CHECKING:
    from diagtree_adapters import SourceRecords

__all__ = ["DEMO", "source_records"]

#: the service configuration's `data:` value naming the demo city
DEMO: Final = "demo"


def source_records(data: str | Path | None, *, demo: bool = False) -> SourceRecords:
    """The records of the demo city (`demo`), of the records folder or file `data`
    (`diagtree_adapters.load_records`), or no records at all (every source answers that it
    knows nothing). Both at once is a `ConfigurationError`: one of them would be ignored."""
    import diagtree_adapters as ad  # noqa: PLC0415 - the adapters compose the sources

    if demo and data is not None:
        raise ConfigurationError("data", f"records from {str(data)[:200]!r} and the demo city "
                                 "were both asked for: give one")
    if demo:
        from diagtree_adapters.demo import demo_records  # noqa: PLC0415

        return demo_records()
    if data is not None:
        return ad.load_records(data)
    return ad.records_from_mapping({})
