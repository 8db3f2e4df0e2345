"""The result type: a frozen, typed, JSON-serialisable `Diagnosis` and its trace.

Every field holds JSON-ready values only (strings, numbers, booleans, None, tuples, nested
frozen records); times are ISO 8601 strings with the complaint's offset. `to_dict()` gives plain
JSON types, `to_json()` the text, `for_log()` the same with MSISDNs, IMSIs and phone numbers
masked wherever they appear (`mask_value`: in any text, however written, and as integers). A
non-finite number never reaches the JSON: it is written as null (`to_json` is standard JSON).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from diagtree._privacy import mask_value

__all__ = ["LAZY_FIELDS", "Diagnosis", "FactRead", "Refund", "SourceCall", "TraceStep", "build",
           "json_value", "ms"]

R = TypeVar("R")


_PLAIN = frozenset({str, int, bool, type(None)})  # JSON as they are
_INF = float("inf")


def json_value(value: Any) -> Any:
    """A fact value as JSON: dates/times as ISO strings, tuples as lists, NaN and the
    infinities as None (JSON has no such numbers)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is float:
        return value if -_INF < value < _INF else None
    if isinstance(value, _dt.datetime | _dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [json_value(v) for v in value]
    if isinstance(value, float):
        return float(value) if -_INF < value < _INF else None
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


class FactRead(NamedTuple):
    """A fact a step read: its value, the source, and whether the source answered.

    `value` is the fact's typed value (dates and times as `datetime` objects); `to_dict()` on
    the diagnosis turns it into JSON form. Unavailable facts have value None.
    """

    name: str
    value: Any
    source: str
    available: bool = True


class TraceStep(NamedTuple):
    """One node the walk passed through, with the branch it took and the evidence."""

    node: str
    kind: str
    at: str  # file:line:col where the node is written
    condition: str | None
    facts: tuple[FactRead, ...]
    branch: str
    next: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "kind": self.kind, "at": self.at,
                "condition": self.condition,
                "facts": [{"name": f.name, "value": json_value(f.value), "source": f.source,
                           "available": f.available} for f in self.facts],
                "branch": self.branch, "next": self.next}


class SourceCall(NamedTuple):
    """One fetch from a source during the diagnosis (immutable, like the trace's records;
    `Diagnosis.to_dict()` gives it as an object)."""

    source: str
    ok: bool
    latency_ms: float
    error: str | None = None


@dataclass(frozen=True)
class Refund:
    amount: float
    currency: str
    within_authority: bool
    role: str
    limit: float | None  # None: any amount (e.g. unconfirmed SP subscriptions)


@dataclass(frozen=True)
class Diagnosis:
    complaint_id: str
    symptom: str
    tree_id: str | None
    tree_version: str | None
    tree_sha256: str | None
    cause: str
    category: str
    resolution: str
    department: str | None
    grade: str
    grade_reasons: tuple[str, ...]
    feedback_kind: str
    feedback_due: str  # ISO time
    feedback_every_hours: float | None
    actions: tuple[str, ...]
    refund: Refund | None
    locale: str
    script: str
    values: tuple[tuple[str, Any], ...]  # the outcome's script values (JSON form)
    answers: tuple[tuple[str, Any], ...]  # the customer's answers used (incl. defaults)
    trace: tuple[TraceStep, ...]
    sources: tuple[SourceCall, ...]
    unavailable: tuple[str, ...]  # sources that failed
    notes: tuple[str, ...]
    timings_ms: tuple[tuple[str, float], ...]
    # the agent's view (docs/integration.md): plain sentences in `locale`, and the causes whose
    # evidence is also present but which lost on precedence (never changing `cause`). Both are
    # worked out on first use (`LAZY_FIELDS`, with `actions` and `notes` when the script is
    # not rendered): reading the other causes' evidence costs more than the rest of
    # concluding, and most callers of `Engine.diagnose` never look.
    explanation: str = ""
    also_found: tuple[str, ...] = ()

    def __getattr__(self, name: str) -> Any:
        """A lazy field, worked out on first use (only called when it is not there yet; two
        threads may both work it out, to the same values). The means to work them out go
        once every lazy field is there."""
        if name in LAZY_FIELDS:
            fields = self.__dict__
            values = fields.get(_LAZY)
            if values is not None:
                fields.update(values(self, name))
                if LAZY_FIELDS.issubset(fields):
                    fields.pop(_LAZY, None)
            if name in fields:
                return fields[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __getstate__(self) -> dict[str, Any]:
        """Pickles and copies hold the lazy fields worked out, never the means to."""
        for name in LAZY_FIELDS:
            getattr(self, name)
        return {k: v for k, v in self.__dict__.items() if k != _LAZY}

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["trace"] = [step.to_dict() for step in self.trace]
        data["sources"] = [call._asdict() for call in self.sources]
        data["values"] = dict(self.values)
        data["answers"] = dict(self.answers)
        data["timings_ms"] = dict(self.timings_ms)
        plain: dict[str, Any] = _plain(data)
        return plain

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def for_log(self) -> dict[str, Any]:
        """`to_dict()` with phone numbers and IMSIs masked, for logs and decision archives."""
        masked: Any = mask_value(self.to_dict())
        assert isinstance(masked, dict)
        return masked


#: the fields of a `Diagnosis` that `build` may leave to a function called on first use: the
#: agent's view always; the actions and the notes when the script is not rendered (the
#: actions' templates render on first use, and a failed render adds to the notes)
LAZY_FIELDS: frozenset[str] = frozenset({"explanation", "also_found", "actions", "notes"})
_LAZY = "_lazy_fields"


# the lazy fields' defaults serve the constructor only (`Diagnosis(...)` by hand): without a
# class attribute, a diagnosis built lazily reaches `__getattr__` for them
for _name in LAZY_FIELDS & vars(Diagnosis).keys():
    delattr(Diagnosis, _name)
del _name


def ms(milliseconds: float) -> float:
    """A duration in milliseconds to the microsecond (truncated): what the records show.
    (`round(x, 3)` goes through a decimal string: several times the cost, on every fetch.)"""
    return int(milliseconds * 1000) / 1000


_FIELDS: dict[type, frozenset[str]] = {}
#: the fields of a `Diagnosis` never left lazy
_EAGER: frozenset[str] = frozenset(f.name for f in dataclasses.fields(Diagnosis)) - LAZY_FIELDS


def build(cls: type[R], fields: dict[str, Any],
          lazy: Callable[[Any, str], dict[str, Any]] | None = None) -> R:
    """`cls(**fields)` for a frozen dataclass, in one step instead of one guarded
    ``object.__setattr__`` per field (25 of them for a `Diagnosis`: several microseconds on
    every diagnosis). `fields` must name every field exactly once — except, with `lazy`, those
    of the `LAZY_FIELDS` of a `Diagnosis` it leaves out, which ``lazy(diagnosis, name)``
    returns on first use of one (a dict holding at least that field); anything else is a
    `TypeError`, as the regular constructor would raise."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = frozenset(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    keys = fields.keys()
    if lazy is not None and cls is Diagnosis:
        ok = keys <= names and keys >= _EAGER
    else:
        ok = keys == names
    if not ok:
        given = set(fields)
        wanted = names - LAZY_FIELDS if lazy is not None and cls is Diagnosis else names
        raise TypeError(f"{cls.__name__}: missing {sorted(wanted - given)}, "
                        f"unexpected {sorted(given - names)}")
    obj = object.__new__(cls)
    obj.__dict__.update(fields)
    if lazy is not None and cls is Diagnosis and len(keys) < len(names):  # some left lazy
        obj.__dict__[_LAZY] = lazy
    return obj


def _plain(value: Any) -> Any:
    """Tuples to lists, recursively: plain JSON types (a non-finite number as None)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not -_INF < value < _INF:
        return None
    return value

