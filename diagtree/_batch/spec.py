"""How a worker gets its engine: a picklable recipe (`EngineSpec`, or any picklable function
of no arguments returning an `Engine`), built once per process and kept (`engine_for`).

An `Engine` holds compiled trees, open fetch threads and its sources' backends: it is not sent
to a worker process or a Dask worker; the recipe is, and the worker builds the same engine from
the same files. So each worker needs what the recipe names: the knowledge folder (or the
shipped trees, installed with diagtree), and the records folder or the backends the sources
talk to.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from diagtree import Engine

__all__ = ["EngineFactory", "EngineSpec", "engine_for"]


@dataclass(frozen=True)
class EngineSpec:
    """An engine described by the files it is built from (picklable, hashable).

    `trees`: a knowledge folder (None: the trees shipped with diagtree); the sources are the
    shipped adapters over `data` (a records folder, `diagtree_adapters.load_records`), over the
    bundled demo city (`demo`), or over no records at all. `down` names sources made to fail
    (as `diagnose --down` does); `region` and `locale` are the engine's."""

    trees: str | None = None
    data: str | None = None
    demo: bool = False
    region: str | None = None
    locale: str = "zh-CN"
    down: tuple[str, ...] = ()

    def __call__(self) -> Engine:
        """The engine (a new one on every call: see `engine_for` for the cached one)."""
        import diagtree_adapters as ad  # noqa: PLC0415 - the adapters compose the engine
        from diagtree import _records  # noqa: PLC0415 - the one choice of the records

        records = _records.source_records(self.data, demo=self.demo)
        return Engine(self.trees, sources=ad.mock_sources(records, down=list(self.down)),
                      default_region=self.region, locale=self.locale)


#: what the batch functions accept to build an engine in a worker
EngineFactory: TypeAlias = Callable[[], Engine]

_lock = threading.Lock()


def engine_for(factory: EngineFactory) -> Engine:
    """The engine `factory` builds, built once per process (a worker's threads share it)."""
    with _lock:
        return _cached(factory)


@functools.lru_cache(maxsize=4)
def _cached(factory: EngineFactory) -> Engine:
    return factory()
