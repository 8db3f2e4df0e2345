"""Diagnose the same complaints on two versions of the trees: the transition table and the
complaints that moved.

A complaint *moved* when its cause or its path (the nodes its walk passed, ``>``-joined, the
last one where it ended) differs between the two sides. The transition table counts every
complaint by (old cause, new cause), unchanged ones included. A complaint that a side rejects
is listed as skipped with the reason — never lost: replayed + skipped = read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from diagtree._batch.results import walk_path
from diagtree._batch.rows import answers_of
from diagtree._conclude.diagnosis import Diagnosis
from diagtree._decisions.log import LogLine
from diagtree._decisions.verify import Verifier, facts_missing, record_complaint, record_locale
from diagtree._errors import ComplaintError
from diagtree._vocab.taxonomy import Question
from diagtree._walk.engine import Engine
from diagtree._walk.sources import Source

__all__ = ["MOVED_COLUMNS", "Case", "Moved", "Replay", "replay_cases", "replay_log"]

#: the columns of the moved complaints' CSV (`Replay.moved_rows`)
MOVED_COLUMNS: Final = ("complaint_id", "symptom", "old_cause", "new_cause", "old_path",
                        "new_path", "old_tree", "new_tree", "note")


@dataclass(frozen=True)
class Case:
    """A complaint to replay: the complaint, the customer's answers, its sources (None: the
    engine's). `cells`: the answers are a complaints frame's cells, which each side converts
    by its own questions (`_batch.rows.answers_of`, as `diagtree batch` does); `rejected`: the
    frame row could not be read (it is listed as skipped)."""

    complaint: Mapping[str, Any]
    answers: Mapping[str, Any] = field(default_factory=dict)
    sources: tuple[Any, ...] | None = None
    where: str = ""  # where it was read, for a skipped complaint
    cells: bool = False
    rejected: ComplaintError | None = None


@dataclass(frozen=True)
class Moved:
    complaint_id: str
    symptom: str
    old_cause: str
    new_cause: str
    old_path: str
    new_path: str
    old_tree: str
    new_tree: str
    note: str = ""

    def to_dict(self) -> dict[str, str]:
        return {c: getattr(self, c) for c in MOVED_COLUMNS}


@dataclass(frozen=True)
class Replay:
    """The outcome of a replay: how many were read, the transitions, the moved, the skipped."""

    old: str
    new: str
    replayed: int
    transitions: tuple[tuple[str, str, int], ...]  # old cause, new cause, complaints
    moved: tuple[Moved, ...]
    skipped: tuple[tuple[str, str], ...] = ()  # where, why

    @property
    def changed_causes(self) -> int:
        return sum(n for a, b, n in self.transitions if a != b)

    def to_dict(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new,
                "summary": {"replayed": self.replayed, "moved": len(self.moved),
                            "cause_changed": self.changed_causes,
                            "skipped": len(self.skipped)},
                "transitions": [{"old_cause": a, "new_cause": b, "complaints": n}
                                for a, b, n in self.transitions],
                "moved": [m.to_dict() for m in self.moved],
                "skipped": [{"where": w, "reason": r} for w, r in self.skipped]}

    def text(self) -> str:
        out = [f"replay: old {self.old} → new {self.new}", "",
               "transitions (old cause → new cause: complaints)"]
        width = max([len(a) for a, _, _ in self.transitions] + [9])
        for a, b, n in self.transitions:
            mark = "  " if a == b else "* "
            out.append(f"{mark}{a:<{width}} → {b}: {n}")
        if self.moved:
            out += ["", f"moved ({len(self.moved)})"]
            for m in self.moved:
                out.append(f"  {m.complaint_id} ({m.symptom}): {m.old_cause} → {m.new_cause}"
                           + (f"  [{m.note}]" if m.note else ""))
                out.append(f"    before: {m.old_path or '-'}")
                out.append(f"    after:  {m.new_path or '-'}")
        for where, why in self.skipped:
            out.append(f"SKIPPED {where}: {why}")
        out.append("")
        out.append(f"{self.replayed} complaint{'' if self.replayed == 1 else 's'} replayed: "
                   f"{len(self.moved)} moved, {self.changed_causes} changed cause; "
                   f"{len(self.skipped)} skipped")
        return "\n".join(out)


def _tree(d: Diagnosis) -> str:
    return f"{d.tree_id} v{d.tree_version}" if d.tree_id else "-"


class _Tally:
    def __init__(self) -> None:
        self.pairs: Counter[tuple[str, str]] = Counter()
        self.moved: list[Moved] = []
        self.skipped: list[tuple[str, str]] = []
        self.count = 0

    def add(self, before: Diagnosis, after: Diagnosis, note: str = "") -> None:
        self.count += 1
        self.pairs[(before.cause, after.cause)] += 1
        old_path, new_path = walk_path(before) or "", walk_path(after) or ""
        if before.cause != after.cause or old_path != new_path:
            self.moved.append(Moved(before.complaint_id, before.symptom, before.cause,
                                    after.cause, old_path, new_path, _tree(before),
                                    _tree(after), note))

    def result(self, old: str, new: str) -> Replay:
        transitions = tuple(sorted(((a, b, n) for (a, b), n in self.pairs.items()),
                                   key=lambda t: (t[0] == t[1], -t[2], t[0], t[1])))
        return Replay(old, new, self.count, transitions, tuple(self.moved),
                      tuple(self.skipped))


def replay_cases(cases: Iterable[Case] | Callable[[Mapping[str, Question]], Iterable[Case]],
                 old: str | Path, new: str | Path, *, sources: Iterable[Source],
                 names: tuple[str, str] | None = None) -> Replay:
    """Diagnose each case on the trees of folder `old` and of folder `new` (the scripts are
    not rendered: a replay compares causes and paths). `cases` may be a function of the
    questions either side knows, which reads them (a frame's answer columns are checked
    against those questions before any row)."""
    given = list(sources)
    before = Engine(old, sources=given)
    after = Engine(new, sources=given)
    if callable(cases):
        cases = cases({**before.questions, **after.questions})
    tally = _Tally()
    for i, case in enumerate(cases, start=1):
        try:
            if case.rejected is not None:
                raise case.rejected
            kw: dict[str, Any] = {"script": False}
            if case.sources is not None:
                kw["sources"] = case.sources
            a, b = (side.diagnose(case.complaint, answers=(
                answers_of(case.answers, side.questions) if case.cells
                else dict(case.answers)), **kw) for side in (before, after))
        except ComplaintError as exc:
            tally.skipped.append((case.where or f"complaint {i}",
                                  f"complaint rejected: {exc}"))
            continue
        tally.add(a, b)
    old_name, new_name = names or (str(old), str(new))
    return tally.result(old_name, new_name)


def replay_log(lines: Iterable[LogLine], old: str | Path, new: str | Path, *,
               sources: Iterable[Source], names: tuple[str, str] | None = None) -> Replay:
    """Replay each logged diagnosis from its recorded facts on both sides (the machinery of
    `diagtree log verify`; `sources` only give the facts' types, they are never asked).
    Session steps are not diagnoses: they are skipped, and said so."""
    given = list(sources)
    sides = [Verifier(old, given), Verifier(new, given)]
    tally = _Tally()
    for entry in lines:
        where = f"{entry.file}:{entry.line}"
        record = entry.record
        if record is None:
            tally.skipped.append((where, entry.problem or "unreadable"))
            continue
        if record.get("kind") != "diagnosis":
            tally.skipped.append((where, f"a {record.get('kind')} record, not a diagnosis"))
            continue
        try:
            complaint = record_complaint(record)
            results = []
            for side in sides:
                side.replay.load(record)
                results.append(side.engine.diagnose(
                    complaint, answers=dict(record.get("answers") or {}),
                    locale=record_locale(record), script=False))
        except ComplaintError as exc:
            tally.skipped.append((where, f"its complaint cannot be replayed: {exc}"))
            continue
        lacking = sorted(facts_missing(results[0].sources) | facts_missing(results[1].sources))
        note = ("the record lacks facts: " + ", ".join(lacking)) if lacking else ""
        tally.add(results[0], results[1], note)
    old_name, new_name = names or (str(old), str(new))
    return tally.result(old_name, new_name)
