"""Replay logged decisions against the current trees: which would change?

```python
report = verify_log(["decisions.jsonl"], trees="trees/", sources=my_sources)
print(report.text()); sys.exit(1 if report.failed else 0)
```

A record is replayed without asking any source: an engine on the current trees reads facts
from replay sources, which answer with the facts the record holds (typed again by the facts the
given `sources` declare; those sources are never asked). A source that failed in the record
fails again; a fact recorded as unavailable is unavailable again. The complaint is the
recorded one; when it was masked, its MSISDN (which no tree reads: it is not a fact) is
replaced by a valid placeholder, so masking never stops a replay. A masked fact is replayed as
its masked text (the verdict names it).

Each decision gets a verdict:

- ``same``: the replay decides as the record did (`DECISION_FIELDS`; for a session step, the
  question it waits for);
- ``changed``: some of those differ (each field: before → after), or the tree is gone;
- ``incomplete``: the current tree reads facts the record does not hold: the facts are named
  (the decision may change, but a replay cannot say; the fields that differ without them are
  shown too).

Lines that cannot be read (a torn last line, a malformed line) are listed with their file and
line number, and skipped.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from diagtree._decisions.log import LogLine, read_log
from diagtree._decisions.record import masker
from diagtree._errors import ComplaintError, SourceError
from diagtree._vocab.complaint import Complaint, parse_complaint
from diagtree._vocab.facts import FactSpec, FactType
from diagtree._walk.engine import Engine
from diagtree._walk.sources import Source

__all__ = ["DECISION_FIELDS", "NotInTheRecord", "Report", "Verdict", "Verifier", "facts_missing",
           "record_complaint", "record_locale", "verify_lines", "verify_log"]

#: the fields of a diagnosis that make the decision (compared when the record holds them)
DECISION_FIELDS: Final = ("cause", "category", "resolution", "department", "grade",
                          "grade_reasons", "feedback_kind", "feedback_due",
                          "feedback_every_hours", "actions", "refund", "values", "answers",
                          "also_found")
#: a valid MSISDN put in place of a masked one (no tree reads the MSISDN)
PLACEHOLDER_MSISDN: Final = "8613800000000"


class NotInTheRecord(LookupError):
    """The current tree reads a fact that the record does not hold (its message: the fact).
    The store takes the source as failed and records ``NotInTheRecord: <fact>`` in its calls,
    which is how the replay finds the facts it lacked (a source's facts may be read ahead of
    the walk: only a read the walk makes counts)."""


_MISSING_PREFIX: Final = NotInTheRecord.__name__ + ": "


def facts_missing(calls: Iterable[Any]) -> set[str]:
    """The facts a replay's walk read that the record lacks, from its source calls."""
    return {call.error[len(_MISSING_PREFIX):] for call in calls
            if not call.ok and call.error and call.error.startswith(_MISSING_PREFIX)}


class _Unavailable:
    """A recorded-unavailable fact's value: of no fact type, so the store takes it as
    unknown (as it was)."""

    def __repr__(self) -> str:
        return "<unavailable when logged>"


_UNAVAILABLE = _Unavailable()


def _typed(value: Any, kind: FactType) -> Any:
    """A recorded JSON value as the fact's run-time value (times parsed, lists as tuples); a
    value that does not convert is returned as it is (the store's type check decides)."""
    if value is None:
        return None
    try:
        if kind.kind == "datetime" and isinstance(value, str):
            return _dt.datetime.fromisoformat(value)
        if kind.kind == "date" and isinstance(value, str):
            return _dt.date.fromisoformat(value)
        if kind.kind == "list" and isinstance(value, list):
            assert kind.item is not None
            return tuple(_typed(v, kind.item) for v in value)
    except ValueError:
        return value
    return value


class _Facts(Mapping[str, Any]):
    """What a replay source returns: the recorded facts of one source. Reading a fact the
    record does not hold raises (the store then takes the source as failed) and is noted."""

    def __init__(self, replay: _Replay, source: str) -> None:
        self._replay = replay
        self._source = source

    def __getitem__(self, name: str) -> Any:
        replay = self._replay
        if name in replay.facts:
            spec = replay.specs.get(name)
            return _typed(replay.facts[name], spec.type) if spec else replay.facts[name]
        if name in replay.unknown:
            return _UNAVAILABLE
        if name in replay.specs:
            raise NotInTheRecord(name)
        raise KeyError(name)

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self[name]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        prefix = self._source + "."
        return iter([n for n in self._replay.specs if n.startswith(prefix)])

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _ReplaySource:
    """A source that answers from the record being replayed."""

    def __init__(self, replay: _Replay, name: str, specs: Sequence[FactSpec]) -> None:
        self.name = name
        self._replay = replay
        self._specs = tuple(specs)

    def facts(self) -> Sequence[FactSpec]:
        return self._specs

    def fetch(self, complaint: Complaint, timeout_s: float) -> Mapping[str, Any]:
        error = self._replay.failed.get(self.name)
        if error is not None:
            raise SourceError(self.name, f"failed when logged: {error}")
        return _Facts(self._replay, self.name)


class _Replay:
    """The record being replayed, as its replay sources read it."""

    def __init__(self, specs: Mapping[str, FactSpec]) -> None:
        self.specs = dict(specs)
        self.facts: dict[str, Any] = {}
        self.unknown: set[str] = set()
        self.failed: dict[str, str] = {}

    def load(self, record: Mapping[str, Any]) -> None:
        self.facts = dict(record.get("facts") or {})
        self.unknown = set(record.get("unknown") or ())
        calls = record.get("sources") or []
        ok = {c.get("source") for c in calls if isinstance(c, dict) and c.get("ok")}
        self.failed = {str(c.get("source")): str(c.get("error") or "unavailable")
                       for c in calls if isinstance(c, dict) and not c.get("ok")
                       and c.get("source") not in ok}


@dataclass(frozen=True)
class Verdict:
    """One replayed decision: `status` same/changed/incomplete, and why."""

    file: str
    line: int
    id: str
    kind: str
    complaint_id: str
    status: str
    changes: tuple[tuple[str, Any, Any], ...] = ()  # field, as logged, on replay
    missing: tuple[str, ...] = ()  # facts the current tree reads that the record lacks
    masked: tuple[str, ...] = ()  # masked facts the replay read
    tree_before: str = "-"
    tree_now: str = "-"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "id": self.id, "kind": self.kind,
                "complaint_id": self.complaint_id, "status": self.status,
                "changes": [{"field": f, "logged": a, "replayed": b}
                            for f, a, b in self.changes],
                "missing_facts": list(self.missing), "masked_facts_read": list(self.masked),
                "tree_logged": self.tree_before, "tree_now": self.tree_now}


@dataclass(frozen=True)
class Report:
    """The verdicts, and the lines skipped (file, line, why)."""

    verdicts: tuple[Verdict, ...]
    skipped: tuple[tuple[str, int, str], ...] = field(default=())

    def count(self, status: str) -> int:
        return sum(1 for v in self.verdicts if v.status == status)

    @property
    def failed(self) -> bool:
        """Whether any decision would change, or cannot be replayed in full."""
        return any(v.status != "same" for v in self.verdicts)

    def to_dict(self) -> dict[str, Any]:
        return {"summary": {"decisions": len(self.verdicts), "same": self.count("same"),
                            "changed": self.count("changed"),
                            "incomplete": self.count("incomplete"),
                            "skipped_lines": len(self.skipped)},
                "decisions": [v.to_dict() for v in self.verdicts],
                "skipped": [{"file": f, "line": n, "reason": r} for f, n, r in self.skipped]}

    def text(self, *, all_decisions: bool = False) -> str:
        """For a person: one line per decision that would change (or each, with
        `all_decisions`), its changes indented below, then the skipped lines and a summary."""
        out: list[str] = []
        for v in self.verdicts:
            if v.status == "same" and not all_decisions:
                continue
            tree = v.tree_before if v.tree_before == v.tree_now \
                else f"{v.tree_before} → {v.tree_now}"
            out.append(f"{v.status.upper():<10} {v.file}:{v.line}  decision {v.id}  "
                       f"({v.kind}, complaint {v.complaint_id})  tree {tree}")
            for name, before, after in v.changes:
                out.append(f"    {name}: {_shown(before)} → {_shown(after)}")
            if v.missing:
                out.append("    the current tree reads facts the record does not hold: "
                           + ", ".join(v.missing))
            if v.masked:
                out.append("    replayed from masked facts: " + ", ".join(v.masked))
        for file, line, reason in self.skipped:
            out.append(f"SKIPPED    {file}:{line}  {reason}")
        count, skipped = len(self.verdicts), len(self.skipped)
        out.append(f"{count} decision{'' if count == 1 else 's'} replayed: "
                   f"{self.count('same')} same, {self.count('changed')} changed, "
                   f"{self.count('incomplete')} incomplete; {skipped} "
                   f"line{'' if skipped == 1 else 's'} skipped")
        return "\n".join(out)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 200 else text[:199] + "…"


def _tree_name(tree: Any) -> str:
    if not isinstance(tree, Mapping) or tree.get("id") is None:
        return "-"
    return f"{tree.get('id')} v{tree.get('version')} ({str(tree.get('sha256'))[:12]})"


def record_complaint(record: Mapping[str, Any]) -> Complaint:
    """The complaint a decision record holds, parsed (also read by the replay and the
    vectorized facts frame)."""
    data = dict(record.get("complaint") or {})
    try:
        return parse_complaint(data)
    except ComplaintError as exc:
        if exc.field != "msisdn" or not record.get("masked"):
            raise
    # a masked MSISDN: no tree reads it (it is not a fact), so any valid number does
    data["msisdn"] = PLACEHOLDER_MSISDN
    return parse_complaint(data)


class Verifier:
    """Replays records on an engine built once over the current trees."""

    def __init__(self, trees: str | Path | Iterable[str | Path] | None,
                 sources: Iterable[Source]) -> None:
        specs: dict[str, list[FactSpec]] = {}
        for source in sources:
            specs.setdefault(source.name, []).extend(source.facts())
        self.replay = _Replay({s.name: s for group in specs.values() for s in group})
        replays = [_ReplaySource(self.replay, name, group) for name, group in specs.items()]
        self.engine = Engine(trees, sources=replays, default_timeout_s=60.0)

    def verdict(self, entry: LogLine) -> Verdict:
        record = entry.record
        assert record is not None
        self.replay.load(record)
        kind = str(record.get("kind"))
        complaint = record_complaint(record)
        answers = dict(record.get("answers") or {})
        mask = masker(bool(record.get("masked")))
        before: dict[str, Any]
        after: dict[str, Any]
        now: dict[str, Any] | None
        if kind == "session_step":
            session = self.engine.session(complaint, answers=answers,
                                          locale=record_locale(record))
            pending = session.pending
            missing = facts_missing(session._store.calls)  # (a session's facts read so far)
            before = {"pending": _question_of(record.get("pending"))}
            after = {"pending": None if pending is None else pending.question.id}
            tree = self.engine.tree_for(complaint.type, complaint.reported_at)
            now = {"id": tree.id, "version": tree.version, "sha256": tree.flat.sha256} \
                if tree is not None else None
        else:
            diagnosis = self.engine.diagnose(complaint, answers=answers,
                                             locale=record_locale(record))
            missing = facts_missing(diagnosis.sources)
            logged = record.get("diagnosis") or {}
            replayed = mask(diagnosis.to_dict())
            names = [n for n in DECISION_FIELDS if n in logged]
            before = {n: logged[n] for n in names}
            after = {n: replayed.get(n) for n in names}
            now = {"id": diagnosis.tree_id, "version": diagnosis.tree_version,
                   "sha256": diagnosis.tree_sha256}
        changes = tuple((n, before[n], after[n]) for n in before if before[n] != after[n])
        lacking = tuple(sorted(missing))
        read_masked = tuple(sorted(n for n in record.get("masked_facts") or ()
                                   if n in self.replay.facts))
        status = "incomplete" if lacking else "changed" if changes else "same"
        complaint_data = record.get("complaint") or {}
        return Verdict(entry.file, entry.line, str(record.get("id")), kind,
                       str(complaint_data.get("id")), status, changes, lacking,
                       read_masked if changes else (), _tree_name(record.get("tree")),
                       _tree_name(now))


def record_locale(record: Mapping[str, Any]) -> str | None:
    diagnosis = record.get("diagnosis")
    locale = diagnosis.get("locale") if isinstance(diagnosis, Mapping) else None
    return locale if isinstance(locale, str) else None


def _question_of(pending: Any) -> str | None:
    if not isinstance(pending, Mapping):
        return None
    question = pending.get("question")
    return question.get("id") if isinstance(question, Mapping) else None


def verify_lines(lines: Iterable[LogLine], trees: str | Path | Iterable[str | Path] | None,
                 sources: Iterable[Source]) -> Report:
    """Replay every record among `lines` on the current `trees`; `sources` only say what
    facts there are (their types), they are never asked."""
    verifier = Verifier(trees, sources)
    verdicts: list[Verdict] = []
    skipped: list[tuple[str, int, str]] = []
    for entry in lines:
        if entry.record is None:
            skipped.append((entry.file, entry.line, entry.problem or "unreadable"))
            continue
        try:
            verdicts.append(verifier.verdict(entry))
        except ComplaintError as exc:  # a record no longer accepted (or hand-edited)
            skipped.append((entry.file, entry.line,
                            f"its complaint cannot be replayed: {exc}; skipped"))
    return Report(tuple(verdicts), tuple(skipped))


def verify_log(paths: Iterable[str | os.PathLike[str]],
               trees: str | Path | Iterable[str | Path] | None,
               sources: Iterable[Source]) -> Report:
    """`verify_lines` over every line of the log files `paths` (in that order)."""
    def lines() -> Iterator[LogLine]:
        for path in paths:
            yield from read_log(path)
    return verify_lines(lines(), trees, sources)
