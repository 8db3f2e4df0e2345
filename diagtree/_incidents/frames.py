"""Incidents over a results frame (the batch output contract, docs/batch.md): the grouping,
the members' grades raised, the incidents table. pandas is imported when first used.

`group_frame` is a second implementation of the index's grouping, in column operations: the
rows whose cause is grouped and whose place is known, sorted by key and time; a new episode
where the key changes or the gap to the previous complaint is more than the window; episodes
with enough distinct customers have their peak checked (`incident.peak`). A hypothesis test
holds it equal to `IncidentIndex` fed the same rows in time order.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

from diagtree._check.policy import INCIDENT_COUNT, IncidentRule, Policy
from diagtree._errors import ConfigurationError
from diagtree._incidents.incident import Incident, Key, Member, make_incident, peak
from diagtree._vocab.taxonomy import GRADES

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TABLE_COLUMNS", "group_frame", "incidents_table", "regrade_frame"]

#: the columns of incidents.csv (the shared contract)
TABLE_COLUMNS: Final = ("incident_id", "cause", "cell", "platform", "first_at", "last_at",
                        "distinct_customers", "complaints", "warning_level", "members")
_NEEDED: Final = ("complaint_id", "msisdn", "reported_at", "cause", "cell", "platform")


def _when(value: Any) -> _dt.datetime:
    """A ``reported_at`` cell as an aware datetime (ISO text or a pandas Timestamp)."""
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    when = value if isinstance(value, _dt.datetime) else _dt.datetime.fromisoformat(str(value))
    if when.tzinfo is None:
        raise ConfigurationError("reported_at", f"{value!s} has no UTC offset")
    return when


def _rows(frame: pd.DataFrame) -> pd.Series:
    """The frame's row numbers (its ``row`` column, else 1-based positions)."""
    import pandas as pd  # noqa: PLC0415

    if "row" in frame.columns:
        return frame["row"].astype("int64")
    return pd.Series(range(1, len(frame) + 1), index=frame.index, dtype="int64")


def group_frame(frame: pd.DataFrame, rule: IncidentRule) -> list[Incident]:
    """The incidents among a results frame's rows, oldest first."""
    import pandas as pd  # noqa: PLC0415

    missing = [c for c in _NEEDED if c not in frame.columns]
    if missing:
        raise ConfigurationError("results", "the results frame has no column "
                                 + ", ".join(missing))
    causes = frame["cause"].astype("string")
    kinds = {c: rule.grouping(c) for c in causes.dropna().unique()}
    kind = causes.map(kinds, na_action="ignore").astype("string")
    place = frame["cell"].astype("string").where(kind == "cell",
                                                 frame["platform"].astype("string"))
    place = place.where(kind.isin(["cell", "platform"]))
    sub = pd.DataFrame({
        "row": _rows(frame), "complaint_id": frame["complaint_id"].astype("string"),
        "msisdn": frame["msisdn"].astype("string"), "reported_at": frame["reported_at"],
        "cause": causes, "kind": kind, "place": place,
        "cell": frame["cell"].astype("string")})
    sub = sub[sub["place"].notna() & sub["cause"].notna()]
    if sub.empty:
        return []
    sub = sub.assign(at=pd.to_datetime(sub["reported_at"].astype("string"), utc=True,
                                       format="ISO8601"))
    sub = sub.sort_values(["cause", "kind", "place", "at", "row"], kind="stable")
    same_key = ((sub["cause"] == sub["cause"].shift()) & (sub["kind"] == sub["kind"].shift())
                & (sub["place"] == sub["place"].shift())).fillna(False)
    gap = sub["at"].diff() > pd.Timedelta(hours=rule.window_hours)
    episode = (~same_key | gap).cumsum()
    episodes = sub.groupby(episode)
    distinct = episodes["msisdn"].nunique()
    window = _dt.timedelta(hours=rule.window_hours)
    found = []
    for number in distinct[distinct >= rule.min_customers].index:
        part = episodes.get_group(number)  # (not a scan of every row per episode)
        first = part.iloc[0]
        key = Key(str(first["cause"]), str(first["kind"]), str(first["place"]))
        members = [Member(_when(r.reported_at), str(r.complaint_id), str(r.msisdn),
                          None if pd.isna(r.cell) else str(r.cell), int(r.row))
                   for r in part.itertuples(index=False)]
        if peak(members, window) >= rule.min_customers:
            found.append(make_incident(key, members, rule))
    return sorted(found, key=lambda i: (i.first_at, i.incident_id))


def _raising(policy: Policy, customers: int) -> list[tuple[str, str]]:
    """The (grade, reason) of the policy's rules on the incident count alone that match."""
    raised = []
    for rule in policy.rules:
        if rule.when.facts == (INCIDENT_COUNT,) and rule.when.fn({INCIDENT_COUNT: customers}) \
                is True:
            raised.append((rule.grade, rule.reason))
    return raised


def regrade_frame(frame: pd.DataFrame, incidents: Iterable[Incident], policy: Policy
                  ) -> pd.DataFrame:
    """A copy of the results frame with each incident's members graded as the policy grades a
    complaint of an incident that size: the grade raised (never lowered), the rule's reason
    added to ``grade_reasons``, ``feedback_due`` recomputed from ``reported_at`` when the
    grade changed."""
    out = frame.copy()
    position = {row: i for i, row in enumerate(_rows(frame))}
    grades = list(out["grade"].astype("object"))
    reasons = list(out["grade_reasons"].astype("object")) if "grade_reasons" in out \
        else [None] * len(out)
    due = list(out["feedback_due"].astype("object")) if "feedback_due" in out \
        else [None] * len(out)
    reported = list(out["reported_at"])
    for incident in incidents:
        raised = _raising(policy, incident.distinct_customers)
        if not raised:
            continue
        for row in incident.rows:
            i = position.get(row)
            if i is None:
                continue
            old = grades[i] if grades[i] in GRADES else "normal"
            new = max([old, *(g for g, _ in raised)], key=GRADES.index)
            had = [r for r in str(reasons[i]).split(";") if r] \
                if isinstance(reasons[i], str) else []
            reasons[i] = ";".join(dict.fromkeys([*had, *(r for _, r in raised)]))
            if new != old:
                grades[i] = new
                after = _dt.timedelta(hours=policy.feedback[new].within_hours)
                due[i] = (_when(reported[i]) + after).isoformat()
    out["grade"] = grades
    out["grade_reasons"] = reasons
    out["feedback_due"] = due
    return out


def incidents_table(incidents: Iterable[Incident]) -> pd.DataFrame:
    """The incidents table (incidents.csv): one row per incident, members ``;``-joined."""
    import pandas as pd  # noqa: PLC0415

    rows = []
    for incident in incidents:
        d = incident.to_dict()
        d["members"] = ";".join(incident.members)
        rows.append({c: d[c] for c in TABLE_COLUMNS})
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
