"""Fact declarations: the typed vocabulary that tree conditions read.

A fact is a named value about one complaint (``hlr.number_state``, ``coverage.rsrp_dbm``). Every
source adapter declares the facts it provides with a `FactSpec`; the expression checker uses those
declarations to reject unknown names, wrong types and enum strings that are not values.

Values at run time:
- a value of the declared type, or ``None`` (a *known absence*: the record or field is not there);
- `UNKNOWN`, only when the source that provides the fact failed (timeout or error).

Types and their Python representation:

=========  ==========================================================
bool       ``bool``
int        ``int``, within ±2**63 (what any backend's integer holds)
number     ``int | float``, finite and within ±2**63: never NaN or an infinity
string     ``str``
enum       ``str``, one of ``values``
datetime   timezone-aware ``datetime.datetime``
date       ``datetime.date``
list       ``tuple`` of items of ``item`` (string or enum items)
=========  ==========================================================
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from diagtree._errors import ConfigurationError

__all__ = [
    "UNKNOWN",
    "FactSchema",
    "FactSpec",
    "FactType",
    "Unknown",
    "source_of",
]

KINDS: Final = ("bool", "int", "number", "string", "enum", "datetime", "date", "list")
#: numbers a fact may hold are finite and smaller than this in magnitude: a backend's NaN, an
#: infinity or an absurd integer is a malformed value (its fact unknown), never a result
_MAGNITUDE: Final = 2**63


class Unknown:
    """The type of `UNKNOWN`: a fact whose source failed. Falsy, a singleton."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = Unknown()


@dataclass(frozen=True)
class FactType:
    """The declared type of a fact (or of an expression).

    The scalar types are class constants (`FactType.BOOL`, `INT`, `NUMBER`, `STRING`,
    `DATETIME`, `DATE`); `FactType.enum(...)` and `FactType.list_of(...)` build the others."""

    kind: str
    values: tuple[str, ...] = ()  # enum values (for enum, and for a list of enum)
    item: FactType | None = None  # list item type

    BOOL: ClassVar[FactType]
    INT: ClassVar[FactType]
    NUMBER: ClassVar[FactType]
    STRING: ClassVar[FactType]
    DATETIME: ClassVar[FactType]
    DATE: ClassVar[FactType]

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigurationError(
                "FactType.kind", f"unknown fact kind {self.kind!r}; expected one of {KINDS}")
        if self.kind == "enum" and not self.values:
            raise ConfigurationError("FactType.values", "an enum fact needs its values")
        if self.kind == "list" and self.item is None:
            raise ConfigurationError("FactType.item", "a list fact needs its item type")

    # convenient constructors -------------------------------------------------------------
    @staticmethod
    def enum(*values: str) -> FactType:
        return FactType("enum", tuple(values))

    @staticmethod
    def list_of(item: FactType) -> FactType:
        return FactType("list", item=item)

    def checker(self) -> Callable[[Any], bool]:
        """A fast predicate equivalent to `accepts`, for checking what adapters return."""
        return _checker(self)

    def __str__(self) -> str:
        if self.kind == "enum":
            return "enum(" + ", ".join(self.values) + ")"
        if self.kind == "list":
            return f"list[{self.item}]"
        return self.kind

    def accepts(self, value: Any) -> bool:
        """Whether a run-time value (not None/UNKNOWN) is of this type."""
        k = self.kind
        if k == "bool":
            return isinstance(value, bool)
        if k == "int":
            return (isinstance(value, int) and not isinstance(value, bool)
                    and -_MAGNITUDE < value < _MAGNITUDE)
        if k == "number":
            return (isinstance(value, int | float) and not isinstance(value, bool)
                    and -_MAGNITUDE < value < _MAGNITUDE)  # also False for NaN
        if k == "string":
            return isinstance(value, str)
        if k == "enum":
            return isinstance(value, str) and value in self.values
        if k == "datetime":
            return isinstance(value, _dt.datetime) and value.tzinfo is not None
        if k == "date":
            return isinstance(value, _dt.date) and not isinstance(value, _dt.datetime)
        assert self.item is not None
        return isinstance(value, tuple) and all(self.item.accepts(v) for v in value)


def _checker(t: FactType) -> Callable[[Any], bool]:
    k = t.kind
    if k == "bool":
        return lambda v: v is True or v is False
    low, high = -_MAGNITUDE, _MAGNITUDE
    if k == "int":
        return lambda v: type(v) is int and low < v < high
    if k == "number":  # a float against float bounds (the cheap comparison), False for NaN
        flow, fhigh = float(low), float(high)  # exactly ±2**63
        return lambda v: (flow < v < fhigh if type(v) is float
                          else type(v) is int and low < v < high)
    if k == "string":
        return lambda v: type(v) is str
    if k == "enum":
        allowed = frozenset(t.values)
        return lambda v: type(v) is str and v in allowed
    if k == "list":
        assert t.item is not None
        item = _checker(t.item)
        return lambda v: type(v) is tuple and all(item(x) for x in v)
    return t.accepts


BOOL: Final = FactType("bool")
INT: Final = FactType("int")
NUMBER: Final = FactType("number")
STRING: Final = FactType("string")
DATETIME: Final = FactType("datetime")
DATE: Final = FactType("date")
FactType.BOOL, FactType.INT, FactType.NUMBER = BOOL, INT, NUMBER
FactType.STRING, FactType.DATETIME, FactType.DATE = STRING, DATETIME, DATE


def source_of(name: str) -> str:
    """The source that provides a fact: the first segment of its dotted name (``hlr`` for
    ``hlr.odb.bar_reason``)."""
    return name.split(".", 1)[0]


@dataclass(frozen=True)
class FactSpec:
    """One declared fact: its full dotted name, type, unit and a one-line doc."""

    name: str
    type: FactType
    doc: str
    unit: str | None = None

    @property
    def source(self) -> str:
        """The source that provides it: the first segment of the name."""
        return source_of(self.name)


class FactSchema(Mapping[str, FactSpec]):
    """The facts a set of sources declares, by name. Immutable."""

    def __init__(self, specs: Iterable[FactSpec]) -> None:
        table: dict[str, FactSpec] = {}
        for spec in specs:
            if spec.name in table:
                raise ConfigurationError(spec.name, f"fact {spec.name!r} declared twice")
            table[spec.name] = spec
        self._specs = table

    def __getitem__(self, name: str) -> FactSpec:
        return self._specs[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def merged(self, other: Iterable[FactSpec]) -> FactSchema:
        return FactSchema([*self._specs.values(), *other])
