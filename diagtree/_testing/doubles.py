"""The source doubles of the public `diagtree.testing` (documented there)."""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

from diagtree._errors import ConfigurationError, SourceError
from diagtree._vocab.complaint import Complaint
from diagtree._vocab.facts import UNKNOWN, FactSpec, FactType

__all__ = ["CallableSource", "StaticSource"]

#: a function giving a whole source's values for one complaint
SourceFunction = Callable[[Complaint], Mapping[str, Any]]
#: a function giving one fact's value for one complaint
FactFunction = Callable[[Complaint], Any]

_INFERRED: Final = ((bool, FactType.BOOL), (int, FactType.INT), (float, FactType.NUMBER),
                    (str, FactType.STRING), (_dt.datetime, FactType.DATETIME),
                    (_dt.date, FactType.DATE))


class _Double:
    """What both doubles share: a name, declared facts, `blocking` and the calls seen."""

    def __init__(self, name: str, specs: Iterable[FactSpec], blocking: bool) -> None:
        if not isinstance(name, str) or not name or "." in name:
            raise ConfigurationError("name", f"a source name is a word like 'hlr', not {name!r}")
        self.name = name
        #: run on a worker thread, abandoned at the timeout (see `Source`)
        self.blocking = blocking
        #: the complaints fetched, in order
        self.calls: list[Complaint] = []
        self._lock = threading.Lock()
        self._specs: dict[str, FactSpec] = {}
        for spec in specs:
            if not isinstance(spec, FactSpec):
                raise ConfigurationError("specs", f"expected FactSpec items, got {spec!r}")
            self._check_name(spec.name, "specs")
            if spec.name in self._specs:
                raise ConfigurationError(spec.name, f"fact {spec.name!r} declared twice")
            self._specs[spec.name] = spec

    def _check_name(self, fact: str, where: str) -> None:
        if not isinstance(fact, str) or not fact.startswith(self.name + "."):
            raise ConfigurationError(
                where, f"fact {fact!r} is not of source {self.name!r}: its name starts with "
                f"{self.name + '.'!r}")

    def facts(self) -> Sequence[FactSpec]:
        """The facts this double declares."""
        return list(self._specs.values())

    def _called(self, complaint: Complaint) -> None:
        with self._lock:
            self.calls.append(complaint)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {len(self._specs)} facts)"


class StaticSource(_Double):
    """A source with fixed values: ``StaticSource("hlr", {"hlr.found": True}, specs=[...])``.

    `facts` maps each fact to its value: a value of its type, ``None`` (a known absence: "no
    forwarding") or `UNKNOWN` (the fact cannot be read; see the module docstring). A fact in
    `specs` and not in `facts` is ``None``. `error`, when given, is raised by every fetch: the
    source is down."""

    def __init__(self, name: str, facts: Mapping[str, Any] | None = None, *,
                 specs: Iterable[FactSpec] = (), error: BaseException | None = None,
                 blocking: bool = False) -> None:
        super().__init__(name, specs, blocking)
        values = dict(facts or {})
        for fact, value in values.items():
            self._check_name(fact, "facts")
            spec = self._specs.get(fact)
            if spec is None:
                spec = self._specs[fact] = FactSpec(fact, _infer(fact, value), "StaticSource")
            if value is not None and value is not UNKNOWN and not spec.type.accepts(value):
                raise ConfigurationError(
                    fact, f"{value!r} is not a {spec.type} (lists are tuples, datetimes are "
                    "timezone-aware, numbers finite)")
        if error is not None and not isinstance(error, BaseException):
            raise ConfigurationError("error", f"expected an exception, got {error!r}")
        self.error = error
        self._values = values
        self._some_unknown = any(value is UNKNOWN for value in values.values())

    def fetch(self, complaint: Complaint, timeout_s: float) -> Mapping[str, Any]:
        """The fixed values (or `error`, raised)."""
        self._called(complaint)
        if self.error is not None:
            raise self.error
        if self._some_unknown:
            return _Lazy(self.name, {fact: _constant(value)
                                     for fact, value in self._values.items()}, complaint)
        return dict(self._values)


class CallableSource(_Double):
    """A source whose values your function computes, like httpx's ``MockTransport(handler)``.

    `function` is either one function of the complaint that returns the source's values (a
    mapping, as `Source.fetch` does), or a mapping of fact name to a function of the complaint
    that returns that fact's value, called when the engine first reads the fact. Either may
    raise to simulate a failure (`SourceError`, `SourceTimeout`, ``ConnectionError``…), or
    return `UNKNOWN` for one fact. `specs` declares every fact (a function's value cannot say
    its type)."""

    def __init__(self, name: str, function: SourceFunction | Mapping[str, FactFunction], *,
                 specs: Iterable[FactSpec], blocking: bool = False) -> None:
        super().__init__(name, specs, blocking)
        if isinstance(function, Mapping):
            for fact, each in function.items():
                self._check_name(fact, "function")
                if fact not in self._specs:
                    raise ConfigurationError(fact, "a fact computed by a function is declared "
                                             "in specs (a FactSpec gives its type)")
                if not callable(each):
                    raise ConfigurationError(fact, f"expected a function, got {each!r}")
        elif not callable(function):
            raise ConfigurationError("function", f"expected a function or a mapping of fact "
                                     f"names to functions, got {function!r}")
        self.function = function

    def fetch(self, complaint: Complaint, timeout_s: float) -> Mapping[str, Any]:
        """The function's values for `complaint` (per fact: computed when first read)."""
        self._called(complaint)
        function = self.function
        if isinstance(function, Mapping):
            return _Lazy(self.name, dict(function), complaint)
        return function(complaint)


class _Lazy(Mapping[str, Any]):
    """Values computed per fact when first read; an `UNKNOWN` value or a function that raises
    makes the read fail (the engine then takes the source as unavailable from that read on)."""

    def __init__(self, source: str, functions: Mapping[str, FactFunction],
                 complaint: Complaint) -> None:
        self._source = source
        self._functions = functions
        self._complaint = complaint
        self._known: dict[str, Any] = {}

    def __getitem__(self, fact: str) -> Any:
        if fact in self._known:
            return self._known[fact]
        function = self._functions.get(fact)
        if function is None:
            raise KeyError(fact)  # not given: the engine takes it as None
        try:
            value = function(self._complaint)
        except KeyError as exc:  # the function's own error, not "no such fact"
            raise SourceError(self._source, f"computing {fact} raised KeyError: {exc}") from exc
        if value is UNKNOWN:
            raise SourceError(self._source, f"{fact} is unknown")
        self._known[fact] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._functions)

    def __len__(self) -> int:
        return len(self._functions)


def _constant(value: Any) -> FactFunction:
    def constant(_complaint: Complaint) -> Any:
        return value
    return constant


def _infer(fact: str, value: Any) -> FactType:
    """The type a value says it is, or ConfigurationError when it does not say."""
    for kind, fact_type in _INFERRED:
        if isinstance(value, kind):
            return fact_type
    if isinstance(value, tuple) and value and all(isinstance(v, str) for v in value):
        return FactType.list_of(FactType.STRING)
    raise ConfigurationError(
        fact, f"{value!r} does not say the fact's type (None, UNKNOWN, an enum, an empty or "
        "mixed tuple, a list: lists are tuples): declare it with a FactSpec in specs")
