"""The demo dataset: a generated city around Changsha and a few hundred planted complaints.

The bundled city (seed 7, 3000 subscribers) lives in this package's ``data/`` folder in the CSV
layout that `diagtree_adapters.load_records` reads, with ``data/complaints.yaml`` holding the
demo complaints as scenario cases (docs/scenarios.md, without ``sources:``): each names the
cause the generator planted, so the file documents what every complaint should be diagnosed as.

>>> from diagtree_adapters import mock_sources
>>> from diagtree_adapters.demo import demo_complaints, demo_records
>>> sources = mock_sources(demo_records())
>>> first = demo_complaints()[0]
>>> sorted(first)
['answers', 'complaint', 'down', 'expected_cause']

`generate` builds a city for any seed and size (same seed → byte-identical files), `write`
saves it as a data folder (``diagtree demo-data --seed N --subscribers N --out DIR``).

At operator scale, `generate_month` makes a calendar month of complaints (a million by
default, with a mass incident) for a city on the synthetic network or on the cells of an
OpenCelliD export, and `write_month` saves its records and its complaints frame
(``diagtree demo-data --month [--cells EXPORT] --out DIR``; ``_month.py``, docs/data.md).
"""

from __future__ import annotations

import copy
import functools
import importlib
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from diagtree import read_yaml

from .._load import load_records
from .._records import SourceRecords
from ._generate import MIN_SUBSCRIBERS, generate
from ._model import DemoCity
from ._write import COMPLAINTS_FILE, write

if TYPE_CHECKING:
    from ._month import (
        ANSWER_COLUMNS,
        COMPLAINT_COLUMNS,
        MASS_MIN,
        DemoMonth,
        Incident,
        generate_month,
    )
    from ._month_write import FORMATS, write_month

__all__ = [
    "ANSWER_COLUMNS",
    "COMPLAINT_COLUMNS",
    "FORMATS",
    "MASS_MIN",
    "MIN_SUBSCRIBERS",
    "DemoCity",
    "DemoMonth",
    "Incident",
    "demo_complaints",
    "demo_folder",
    "demo_records",
    "generate",
    "generate_month",
    "read_complaints",
    "write",
    "write_month",
]


#: the month's names, imported on first use: they need numpy and pandas, which the bundled
#: city (`demo_records`, an engine with ``--demo``) does not
_MONTH: Final = {"ANSWER_COLUMNS": "_month", "COMPLAINT_COLUMNS": "_month", "MASS_MIN": "_month",
                 "DemoMonth": "_month", "Incident": "_month", "generate_month": "_month",
                 "FORMATS": "_month_write", "write_month": "_month_write"}


def __getattr__(name: str) -> Any:
    module = _MONTH.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MONTH})


def demo_folder() -> Path:
    """The bundled data folder (inside the installed package)."""
    folder = Path(str(files("diagtree_adapters.demo") / "data"))
    if not (folder / COMPLAINTS_FILE).is_file():
        raise FileNotFoundError(f"the bundled demo data is missing from {folder}")
    return folder


@functools.cache
def demo_records() -> SourceRecords:
    """The bundled city's records, loaded once."""
    return load_records(demo_folder())


def demo_complaints() -> list[dict[str, Any]]:
    """The bundled complaints: ``{"complaint", "answers", "down", "expected_cause"}`` each."""
    return copy.deepcopy(_bundled_complaints())


@functools.cache
def _bundled_complaints() -> list[dict[str, Any]]:
    return read_complaints(demo_folder())


def read_complaints(folder: str | Path) -> list[dict[str, Any]]:
    """The complaints of a demo data folder (its ``complaints.yaml``), as `demo_complaints`."""
    path = Path(folder) / COMPLAINTS_FILE
    # read under a tree file's limits, like every other file diagtree reads (AuthoringError)
    data = read_yaml(path.read_text(encoding="utf-8"), str(path))
    return [{"complaint": case["complaint"], "answers": case.get("answers") or {},
             "down": list(case.get("down") or ()), "expected_cause": case["expect"]["cause"]}
            for case in data["cases"]]
