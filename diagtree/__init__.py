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
import typing as _typing

from diagtree._conclude.diagnosis import Diagnosis, FactRead, Refund, SourceCall, TraceStep
from diagtree._decisions.log import DecisionLog
from diagtree._errors import (
    AuthoringError,
    ComplaintError,
    ConfigurationError,
    DiagtreeError,
    Location,
    Problem,
    SessionStateError,
    SourceError,
    SourceTimeout,
)
from diagtree._incidents.incident import Incident
from diagtree._incidents.index import IncidentIndex
from diagtree._load.data import read_yaml
from diagtree._load.limits import Limits
from diagtree._tmf.tmf621 import TicketError, trouble_ticket
from diagtree._tmf.tmf656 import service_problem
from diagtree._vocab.complaint import Complaint, parse_complaint
from diagtree._vocab.facts import UNKNOWN, FactSpec, FactType
from diagtree._vocab.taxonomy import Question
from diagtree._walk.engine import Engine, shipped_trees
from diagtree._walk.session import Pending, Session
from diagtree._walk.sources import AsyncSource, Source

__all__ = [
    "UNKNOWN",
    "AsyncSource",
    "AuthoringError",
    "Complaint",
    "ComplaintError",
    "ConfigurationError",
    "DecisionLog",
    "Diagnosis",
    "DiagtreeError",
    "Engine",
    "FactRead",
    "FactSpec",
    "FactType",
    "Incident",
    "IncidentIndex",
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
    "TicketError",
    "TraceStep",
    "parse_complaint",
    "read_yaml",
    "service_problem",
    "shipped_trees",
    "trouble_ticket",
]

__version__ = "0.1.0"

# Every public class and function says it is `diagtree.X`, not where it happens to be defined
# (httpx does the same): pickles then name `diagtree.Diagnosis`, `diagtree.UNKNOWN`, … and still
# load after any internal move, and reprs and help() show the name users import. One loop here,
# not an attribute in each class, so that a name added to `__all__` cannot be forgotten.
# A class's annotations are strings (`from __future__ import annotations`) that
# `typing.get_type_hints` evaluates in the class's `__module__`: they are evaluated first, in
# the module that defines them, so that dataclass and NamedTuple introspection keeps working.
for _name in __all__:
    _value = globals()[_name]
    if isinstance(_value, type) and "__annotations__" in vars(_value):
        _hints = _typing.get_type_hints(_value, include_extras=True)
        _value.__annotations__ = {key: _hints[key] for key in vars(_value)["__annotations__"]}
    if isinstance(_value, type) or callable(_value):
        _value.__module__ = "diagtree"
type(UNKNOWN).__module__ = "diagtree"  # its pickle is the name "UNKNOWN", found in this module
del _name, _value, _hints

# a library logs, the application decides where to (no output unless it configures logging)
_logging.getLogger("diagtree").addHandler(_logging.NullHandler())
