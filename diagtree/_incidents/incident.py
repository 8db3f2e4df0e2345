"""`Incident`, one mass incident, and `Episode`, the grouping of one key's complaints.

A key is a cause and a place: ``(cause, "cell", cell)`` or ``(cause, "platform", element)``
(the policy's `IncidentRule.grouping` says which causes are grouped, and by what). A key's
complaints, in time order, form episodes: a complaint within the window (``window_hours``,
inclusive) of the episode's last one joins it, a later one starts a new episode. An episode is an
incident when, at some complaint of it, the distinct customers of the complaints in the window
ending there (inclusive: exactly 24 h counts) reach ``min_customers`` — its *peak*. A customer
who complains twice counts once. Every complaint of the episode is a member, those before the
peak too (they had the same dead site).
"""

from __future__ import annotations

import datetime as _dt
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from diagtree._check.policy import IncidentRule
from diagtree._vocab.taxonomy import category_of

__all__ = ["Episode", "Incident", "Key", "Member", "incident_id", "peak"]


class Key(NamedTuple):
    cause: str
    kind: str  # "cell" or "platform"
    place: str


class Member(NamedTuple):
    """One complaint of an episode."""

    at: _dt.datetime
    complaint_id: str
    msisdn: str
    cell: str | None  # the cell of the diagnosis (a platform incident's affected cells)
    row: int = 0  # the row of a results frame (0: fed one by one)


def peak(members: Sequence[Member], window: _dt.timedelta) -> int:
    """The most distinct customers in any window ending at a member (a sliding window over
    the members in time order)."""
    ordered = sorted(members, key=lambda m: m.at)
    inside: Counter[str] = Counter()
    best = start = 0
    for i, member in enumerate(ordered):
        inside[member.msisdn] += 1
        # ties at the same time all count: advance to the last member at this time first
        if i + 1 < len(ordered) and ordered[i + 1].at == member.at:
            continue
        while ordered[start].at < member.at - window:
            gone = ordered[start].msisdn
            inside[gone] -= 1
            if not inside[gone]:
                del inside[gone]
            start += 1
        best = max(best, len(inside))
    return best


def incident_id(key: Key, first_at: _dt.datetime) -> str:
    """A stable id: the first complaint's time (UTC), the place and the cause."""
    when = first_at.astimezone(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"INC-{when}-{key.place}-{key.cause}"


def _at(member: Member) -> _dt.datetime:
    return member.at


@dataclass
class Episode:
    """The complaints of one key, each within the window of the one before (mutable: the
    index grows it; its members are kept in time order).

    `add` answers, for the complaint added, the distinct customers in the window ending at it.
    A complaint at or after the latest one (the usual case: complaints arrive in time order)
    costs O(1) amortized — a sliding window over the members, the customers inside it
    counted — whatever the episode's size; one arriving late is inserted in place and its window
    counted from its members (O(log n + its window's members))."""

    key: Key
    window: _dt.timedelta
    members: list[Member] = field(default_factory=list)
    first_at: _dt.datetime | None = None
    last_at: _dt.datetime | None = None
    _start: int = 0  # the first member inside the window ending at `last_at`
    _inside: Counter[str] = field(default_factory=Counter)  # its customers, counted
    _peak: int | None = 0  # None: to be worked out again (`peak`)

    def reaches(self, at: _dt.datetime) -> bool:
        """Whether a complaint at `at` belongs here (within the window of its span)."""
        assert self.first_at is not None and self.last_at is not None
        return self.first_at - self.window <= at <= self.last_at + self.window

    def add(self, member: Member) -> int:
        """Add a complaint; the distinct customers reported in ``[at - window, at]``, it
        included."""
        at = member.at
        if self.last_at is None or at >= self.last_at:
            self.members.append(member)
            self.first_at = at if self.first_at is None else self.first_at
            self.last_at = at
            self._inside[member.msisdn] += 1
            lower = at - self.window
            while self.members[self._start].at < lower:
                gone = self.members[self._start].msisdn
                self._inside[gone] -= 1
                if not self._inside[gone]:
                    del self._inside[gone]
                self._start += 1
            count = len(self._inside)
            if self._peak is not None:  # in time order, the peak is the highest count so far
                self._peak = max(self._peak, count)
            return count
        assert self.first_at is not None
        insort(self.members, member, key=_at)  # after the members at the same time
        self.first_at = min(self.first_at, at)
        if at < self.last_at - self.window:
            self._start += 1  # inserted before the window ending at `last_at`
        else:
            self._inside[member.msisdn] += 1
        self._peak = None  # a late complaint may raise the windows after it
        low = bisect_left(self.members, at - self.window, key=_at)
        high = bisect_right(self.members, at, key=_at)
        return len({m.msisdn for m in self.members[low:high]})

    def remove(self, complaint_id: str) -> bool:
        """Drop a complaint (diagnosed again); whether it was here."""
        kept = [m for m in self.members if m.complaint_id != complaint_id]
        if len(kept) == len(self.members):
            return False
        self.members, self.first_at, self.last_at = [], None, None
        self._start, self._inside, self._peak = 0, Counter(), 0
        for member in kept:  # in time order: each added in O(1)
            self.add(member)
        return True

    def peak(self) -> int:
        if self._peak is None:
            self._peak = peak(self.members, self.window)
        return self._peak

    def incident(self, rule: IncidentRule) -> Incident | None:
        """The incident this episode is (None while its peak is below the threshold)."""
        if not self.members or self.peak() < rule.min_customers:
            return None
        return make_incident(self.key, self.members, rule)


def make_incident(key: Key, members: Sequence[Member], rule: IncidentRule) -> Incident:
    ordered = sorted(members, key=lambda m: (m.at, m.row, m.complaint_id))
    customers = frozenset(m.msisdn for m in ordered)
    first, last = ordered[0].at, ordered[-1].at
    if key.kind == "cell":
        cells: tuple[str, ...] = (key.place,)
    else:
        cells = tuple(dict.fromkeys(m.cell for m in ordered if m.cell is not None))
    return Incident(
        incident_id=incident_id(key, first), cause=key.cause, category=category_of(key.cause),
        cell=key.place if key.kind == "cell" else None,
        platform=key.place if key.kind == "platform" else None,
        first_at=first.isoformat(), last_at=last.isoformat(),
        distinct_customers=len(customers), complaints=len(ordered),
        warning_level=rule.warning_level(len(customers)),
        members=tuple(m.complaint_id for m in ordered), cells=cells,
        rows=tuple(m.row for m in ordered), customers=customers)


@dataclass(frozen=True)
class Incident:
    """One mass incident: its members (complaint ids, in time order), where (the cell, or the
    platform and the cells its members were on), when, how many distinct customers, and the
    early-warning level (``yellow`` / ``orange`` / ``red``, None below yellow).

    `to_dict()` is its JSON form (the incidents table's columns); the customers' numbers are
    kept for the proactive notice (`customers`), never in its repr or JSON."""

    incident_id: str
    cause: str
    category: str
    cell: str | None
    platform: str | None
    first_at: str
    last_at: str
    distinct_customers: int
    complaints: int
    warning_level: str | None
    members: tuple[str, ...]
    cells: tuple[str, ...]
    rows: tuple[int, ...] = field(default=(), repr=False, compare=False)
    customers: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"incident_id": self.incident_id, "cause": self.cause,
                "category": self.category, "cell": self.cell, "platform": self.platform,
                "first_at": self.first_at, "last_at": self.last_at,
                "distinct_customers": self.distinct_customers, "complaints": self.complaints,
                "warning_level": self.warning_level, "members": list(self.members),
                "cells": list(self.cells)}
