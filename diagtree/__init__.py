"""diagtree: diagnose telecom customer complaints with decision trees written in YAML.

The public API is what `__all__` lists; every other module is private (``_name``)::

    from diagtree import Engine
    from diagtree_adapters import mock_sources, load_records

    engine = Engine(sources=mock_sources(load_records("data/")))  # the shipped trees
    diagnosis = engine.diagnose({"id": "T1", "type": "no_service", "msisdn": "8613800000001",
                                 "reported_at": "2026-11-20T09:30:00+08:00",
                                 "location": {"lat": 28.2282, "lon": 112.9388}})
    print(diagnosis.cause, diagnosis.script)
"""

import logging as _logging

from diagtree._complaint import Complaint, parse_complaint
from diagtree._diagnosis import Diagnosis, FactRead, Refund, SourceCall, TraceStep
from diagtree._engine import Engine, shipped_trees
from diagtree._errors import (
    AuthoringError,
    ComplaintError,
    DiagtreeError,
    Location,
    Problem,
    SessionStateError,
    SourceError,
    SourceTimeout,
)
from diagtree._facts import UNKNOWN, FactSpec, FactType
from diagtree._loader import Limits
from diagtree._session import Pending, Session
from diagtree._sources import Source
from diagtree._taxonomy import Question

__all__ = [
    "UNKNOWN",
    "AuthoringError",
    "Complaint",
    "ComplaintError",
    "Diagnosis",
    "DiagtreeError",
    "Engine",
    "FactRead",
    "FactSpec",
    "FactType",
    "Limits",
    "Location",
    "Pending",
    "Problem",
    "Question",
    "Refund",
    "Session",
    "SessionStateError",
    "Source",
    "SourceCall",
    "SourceError",
    "SourceTimeout",
    "TraceStep",
    "parse_complaint",
    "shipped_trees",
]

__version__ = "0.1.0"

# a library logs, the application decides where to (no output unless it configures logging)
_logging.getLogger("diagtree").addHandler(_logging.NullHandler())
