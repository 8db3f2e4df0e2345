"""`Facts`: what an adapter's fetch returns — the facts known at once, and groups of facts
derived (and looked up in the backend) only when a tree first reads one of them.

A tree reads a handful of a source's facts: the grading policy reads only the customer's tier
from billing, a `no_service` walk that finds an outage never reads the measurements. So each
shipped adapter splits its facts into groups (billing: customer, account, plan, charge, vas,
payment, card; coverage: serving cells, radio, order, measurements, gap, platform fault; hlr:
profile, barring, registration, device), and `Facts` derives a
group on the first read of any of its facts, once, by calling the method named after the
group on the fetch's *deriver* (an object holding what that fetch looked up).

`Facts` is a read-only `Mapping` over every declared fact: iterating it, ``dict(facts)`` or
``==`` derive all groups, so a caller that wants every fact gets them. A group whose records
are malformed raises `SourceError` when it is derived — at that first read; the engine's
`FactStore` then makes the whole source unavailable from that moment, as for a fetch that
failed (facts already read keep the values they had).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from diagtree import SourceError

__all__ = ["FactGroups", "Facts"]

Derive = Callable[[], Mapping[str, Any]]


class FactGroups:
    """Which of a source's facts belong to which group; built once per adapter."""

    def __init__(self, source: str, names: Sequence[str],
                 group_of: Callable[[str], str | None]) -> None:
        self.source = source
        self.names = tuple(names)
        self.declared = frozenset(names)
        #: fact name → its group (facts in no group are given at once by the fetch)
        self.group: dict[str, str] = {}
        for name in self.names:
            group = group_of(name)
            if group is not None:
                self.group[name] = group
        #: per group, every fact of it as None (a derivation gives only what it knows)
        self.blank: dict[str, dict[str, Any]] = {}
        for name, group in self.group.items():
            self.blank.setdefault(group, {})[name] = None

    def facts(self, known: dict[str, Any], deriver: object | None) -> Facts:
        """The facts of one fetch: `known` now, each group on first read of one of its
        facts, by the method of `deriver` named after the group (all None without one)."""
        return Facts(self, known, deriver)


class Facts(Mapping[str, Any]):
    """One fetch's facts, deriving each group on the first read of one of its facts."""

    __slots__ = ("_deriver", "_groups", "_known")

    def __init__(self, groups: FactGroups, known: dict[str, Any], deriver: object | None,
                 ) -> None:
        self._groups = groups
        self._known = known
        self._deriver = deriver

    def __getitem__(self, name: str) -> Any:
        known = self._known
        if name in known:
            return known[name]
        group = self._groups.group.get(name)
        if group is None:
            raise KeyError(name)
        self._derive(group)
        return known[name]

    def get(self, name: str, default: Any = None) -> Any:
        known = self._known
        if name in known:
            return known[name]
        group = self._groups.group.get(name)
        if group is None:
            return default
        self._derive(group)
        return known[name]

    def _derive(self, group: str) -> None:
        """Derive one group: every fact of it becomes known (None where the derivation
        gives no value). Nothing becomes known if the derivation fails."""
        derived: Mapping[str, Any] = {}
        if self._deriver is not None:
            derive: Derive = getattr(self._deriver, group)
            try:
                derived = derive()
            except SourceError:
                raise
            except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError) as exc:
                # a record with text where a number belongs, a missing field, a number too
                # large for the arithmetic (a backend's 1e300 in decimal), …
                raise SourceError(self._groups.source, f"malformed record: {exc!r}") from exc
        known = self._known
        known.update(self._groups.blank[group])
        known.update(derived)

    def __contains__(self, name: object) -> bool:
        return name in self._groups.declared or name in self._known

    def __iter__(self) -> Iterator[str]:
        return iter(self._groups.names)

    def __len__(self) -> int:
        return len(self._groups.names)

    def derived(self) -> dict[str, Any]:
        """The facts known so far, without deriving anything (for logs and debugging)."""
        return dict(self._known)

    def __repr__(self) -> str:
        pending = sorted({group for name, group in self._groups.group.items()
                          if name not in self._known})
        return (f"<Facts {self._groups.source}: {len(self._known)} known"
                + (f", groups not derived yet: {', '.join(pending)}>" if pending else ">"))
