"""`IncidentIndex`: the day's diagnoses, grouped into incidents as they come.

```python
index = IncidentIndex()
engine = Engine("trees/", sources=[hlr, billing, coverage], incidents=index)
diagnosis = engine.diagnose(complaint)        # graded with the index's count, then added
index.open_incidents()                        # [Incident(...), ...]
```

Fed one by one — by the engine (`Engine(incidents=...)`: the policy's incident rule is taken
from the engine's policy) or by `add(diagnosis, complaint)` — it keeps, per key (cause and
cell, or cause and platform), the open episode (`_incidents.incident`). A complaint is added
once: added again (a session concluded twice) it replaces its earlier self. Memory is bounded by
the window: an episode whose last complaint is more than the window before the latest complaint
seen is closed; a closed incident is kept (at most `keep_closed` of them) until
`take_closed()`, a closed episode that never became one is dropped. Every method holds one lock:
safe from the service's threads.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from diagtree._check.policy import DEFAULT_INCIDENTS, IncidentRule, Policy
from diagtree._conclude.diagnosis import Diagnosis, TraceStep
from diagtree._conclude.policy import WalkEnd
from diagtree._errors import ConfigurationError
from diagtree._incidents import frames
from diagtree._incidents.incident import Episode, Incident, Key, Member
from diagtree._incidents.notices import Notice, notices
from diagtree._incidents.place import Place, place_of_diagnosis, place_of_outcome, trace_reads
from diagtree._vocab.complaint import Complaint, parse_complaint

if TYPE_CHECKING:
    import pandas as pd

_UNSEEN: Any = object()

__all__ = ["IncidentIndex", "key_of"]


def key_of(cause: str, kind: str | None, place: Place) -> Key | None:
    """The key a cause grouped by `kind` (the rule's `grouping` of it) at a place is grouped
    under (None: not grouped)."""
    where = place.cell if kind == "cell" else place.platform if kind == "platform" else None
    return None if kind is None or where is None else Key(cause, kind, where)


class IncidentIndex:
    """The open mass incidents of the complaints fed to it (docs/incidents.md).

    `policy`: the policy whose `incidents:` rule groups them (default: the engine's it is given
    to, else the shipped rule: network causes by cell, platform faults by platform, 20 distinct
    customers within 24 h, warning at 20 / 50 / 200)."""

    def __init__(self, policy: Policy | IncidentRule | None = None, *,
                 keep_closed: int = 1000) -> None:
        if keep_closed < 0:
            raise ConfigurationError("keep_closed", f"must be 0 or more, got {keep_closed}")
        self._lock = threading.RLock()
        self._given = policy is not None
        self._policy = policy if isinstance(policy, Policy) else None
        self._rule = policy.incidents if isinstance(policy, Policy) \
            else policy or DEFAULT_INCIDENTS
        self._kinds: dict[str, str | None] = {}  # cause -> what it is grouped by (cached)
        self._open: dict[Key, Episode] = {}
        self._where: dict[str, Key] = {}  # complaint id -> the key of its open episode
        self._closed: deque[Incident] = deque(maxlen=keep_closed)
        self._latest: _dt.datetime | None = None
        self._swept: _dt.datetime | None = None

    # -- what it groups by -------------------------------------------------------------------
    @property
    def rule(self) -> IncidentRule:
        """The incident rule in use (the policy's `incidents:` section)."""
        return self._rule

    @property
    def policy(self) -> Policy | None:
        """The policy it was given or bound to (None: the shipped rule, no grading policy)."""
        return self._policy

    @property
    def window(self) -> _dt.timedelta:
        return _dt.timedelta(hours=self._rule.window_hours)

    def bind(self, policy: Policy | None) -> None:
        """Take an engine's policy (`Engine(incidents=...)` calls this), unless one was given."""
        with self._lock:
            if not self._given and policy is not None:
                self._policy, self._rule = policy, policy.incidents
                self._kinds = {}

    # -- feeding -----------------------------------------------------------------------------
    def observe(self, end: WalkEnd, cause: str, steps: list[TraceStep],
                values: Mapping[str, Any]) -> int:
        """The engine's hook: add the complaint the walk concluded `cause` for, at the place
        its outcome's values and then its trace say (`place_of_outcome`, as a results row
        would); the distinct customers of its
        episode within the window ending at it, this one included (0: a cause not grouped,
        or no place)."""
        if self._grouping(cause) is None:  # most causes: nothing to look up
            self._add(end.complaint, cause, Place(None, None))
            return 0
        return self._add(end.complaint, cause, place_of_outcome(values, trace_reads(steps)))

    def _grouping(self, cause: str) -> str | None:
        """What `cause` is grouped by (the rule's `grouping`, asked once per cause)."""
        kind: str | None = self._kinds.get(cause, _UNSEEN)
        if kind is _UNSEEN:
            kind = self._kinds[cause] = self._rule.grouping(cause)
        return kind

    def add(self, diagnosis: Diagnosis, complaint: Complaint | Mapping[str, Any]) -> int:
        """Add a diagnosis of `complaint` (its cause at the place its trace says); returns the
        same count as `observe`."""
        if not isinstance(complaint, Complaint):
            complaint = parse_complaint(complaint)
        if complaint.id != diagnosis.complaint_id:
            raise ConfigurationError("complaint.id", f"the diagnosis is of complaint "
                                     f"{diagnosis.complaint_id!r}, not {complaint.id!r}")
        return self._add(complaint, diagnosis.cause, place_of_diagnosis(diagnosis))

    def add_result(self, *, complaint_id: str, msisdn: str, reported_at: _dt.datetime,
                   cause: str, cell: str | None, platform: str | None, row: int = 0) -> int:
        """Add one row of a results frame (its columns, typed); the same count."""
        return self._put(complaint_id, msisdn, reported_at, cause, Place(cell, platform), row)

    def _add(self, complaint: Complaint, cause: str, place: Place) -> int:
        return self._put(complaint.id, complaint.msisdn, complaint.reported_at, cause, place, 0)

    def _put(self, complaint_id: str, msisdn: str, at: _dt.datetime, cause: str, place: Place,
             row: int) -> int:
        with self._lock:
            earlier = self._where.pop(complaint_id, None)
            if earlier is not None and earlier in self._open:
                episode = self._open[earlier]
                episode.remove(complaint_id)
                if not episode.members:
                    del self._open[earlier]
            key = key_of(cause, self._grouping(cause), place)
            if key is None:
                return 0
            self._advance(at)
            current = self._open.get(key)
            if current is None or not current.reaches(at):
                if current is not None:
                    self._close(current)
                current = self._open[key] = Episode(key, self.window)
            self._where[complaint_id] = key
            return current.add(Member(at, complaint_id, msisdn, place.cell, row))

    # -- eviction ----------------------------------------------------------------------------
    def _advance(self, at: _dt.datetime) -> None:
        """Move the clock to the latest complaint; at most hourly, close what fell out."""
        if self._latest is None or at > self._latest:
            self._latest = at
        if self._swept is None or self._latest - self._swept >= self.window / 24:
            self._swept = self._latest
            self._sweep(self._latest)

    def _sweep(self, now: _dt.datetime) -> None:
        window = self.window
        for key in [k for k, e in self._open.items()
                    if e.last_at is not None and e.last_at < now - window]:
            self._close(self._open.pop(key))

    def _close(self, episode: Episode) -> None:
        for member in episode.members:
            if self._where.get(member.complaint_id) == episode.key:
                del self._where[member.complaint_id]
        incident = episode.incident(self._rule)
        if incident is not None:
            self._closed.append(incident)

    # -- questions ---------------------------------------------------------------------------
    def open_incidents(self) -> list[Incident]:
        """The incidents still open (their last complaint within the window of the latest),
        oldest first."""
        with self._lock:
            since = None if self._latest is None else self._latest - self.window
            found = [e.incident(self._rule) for e in self._open.values()
                     if since is None or (e.last_at is not None and e.last_at >= since)]
        return sorted((i for i in found if i is not None),
                      key=lambda i: (i.first_at, i.incident_id))

    def incidents(self) -> list[Incident]:
        """Every incident it knows: the closed ones not yet taken, then the open ones."""
        with self._lock:
            closed = list(self._closed)
            found = [e.incident(self._rule) for e in self._open.values()]
        return closed + sorted((i for i in found if i is not None),
                               key=lambda i: (i.first_at, i.incident_id))

    def take_closed(self) -> list[Incident]:
        """The incidents closed since the last call (then forgotten: memory stays bounded)."""
        with self._lock:
            closed = list(self._closed)
            self._closed.clear()
        return closed

    def incident_for(self, cause: str, *, cell: str | None = None,
                     platform: str | None = None) -> Incident | None:
        """The open incident a new complaint with `cause` at `cell` (or `platform`) belongs to,
        if any — for a diagnosis: ``index.incident_for(d.cause, **index.place_of(d))``."""
        with self._lock:
            key = key_of(cause, self._grouping(cause), Place(cell, platform))
            episode = self._open.get(key) if key is not None else None
            incident = episode.incident(self._rule) if episode is not None else None
        return incident

    @staticmethod
    def place_of(diagnosis: Diagnosis) -> dict[str, str | None]:
        """The cell and the platform a diagnosis concerns (the results frame's ``cell`` and
        ``platform`` columns): its outcome's own ``cell`` / ``platform`` values, else the facts
        its trace read (`diagtree._incidents.place` says which, in which order)."""
        return place_of_diagnosis(diagnosis)._asdict()

    def at_cell(self, cell: str) -> list[Incident]:
        """The open incidents on a cell (a cell incident there, or a platform incident whose
        members were on it): what an agent sees before diagnosing a new caller there."""
        return [i for i in self.open_incidents() if cell in i.cells]

    # -- a day's results at once (pandas) ----------------------------------------------------
    def group_results(self, frame: pd.DataFrame) -> list[Incident]:
        """The incidents among a results frame's rows (its ``cell`` and ``platform``
        columns), by this index's rule; the index itself is not changed."""
        return frames.group_frame(frame, self._rule)

    def regrade_results(self, frame: pd.DataFrame, incidents: Iterable[Incident]
                        ) -> pd.DataFrame:
        """The results frame with the incidents' members graded by the policy (grade
        raised, reason added, ``feedback_due`` recomputed from ``reported_at``)."""
        if self._policy is None:
            raise ConfigurationError("policy", "regrading needs the policy's grade rules and "
                                     "feedback times: IncidentIndex(engine.library.policy)")
        return frames.regrade_frame(frame, incidents, self._policy)

    @staticmethod
    def table(incidents: Iterable[Incident]) -> pd.DataFrame:
        """The incidents table (incidents.csv's columns)."""
        return frames.incidents_table(incidents)

    @staticmethod
    def notices(incidents: Iterable[Incident], registrations: Iterable[tuple[str, str]]
                ) -> list[Notice]:
        """For each cell incident, the customers registered on its cell (``(msisdn, cell)``
        pairs) who have not complained: ``(incident_id, msisdn, cell)``, numbers masked in
        the log."""
        return notices(incidents, registrations)

    def __len__(self) -> int:
        """The complaints held in open episodes."""
        with self._lock:
            return sum(len(e.members) for e in self._open.values())

    def __repr__(self) -> str:
        return (f"IncidentIndex(open_episodes={len(self._open)}, held={len(self)}, "
                f"closed_kept={len(self._closed)})")

