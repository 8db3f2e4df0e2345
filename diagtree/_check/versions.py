"""Tree versions in force over time.

A knowledge folder may hold several versions of a tree or sub-tree (the same id), each with an
``effective_from`` calendar date (at most one version may omit it: the base, in force since
always). A complaint is diagnosed with the versions in force on its reported date (in its own
UTC offset), so a past complaint can be re-diagnosed as it would have been then.

Every combination that is ever in force — the tree version and the sub-tree versions in force
on each change date — is inlined and checked at load, so a new sub-tree version that breaks an
old tree is a load error, not a surprise at diagnosis time. `_compile.library.History`
compiles the combination in force on a day, on first use.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass

from diagtree._check.inline import inline_tree
from diagtree._check.model import Document
from diagtree._check.structure import FlatTree
from diagtree._errors import Problem

__all__ = ["Versions", "in_force", "order_versions"]


def order_versions(docs: list[Document], problems: list[Problem]) -> list[Document]:
    """The versions of one id, oldest first; reports ambiguous or duplicate versions."""
    docs = sorted(docs, key=lambda d: (d.effective_from is not None,
                                       d.effective_from or _dt.date.min))
    seen_versions: dict[str, Document] = {}
    seen_dates: dict[_dt.date | None, Document] = {}
    kept = []
    for doc in docs:
        if doc.version in seen_versions:
            problems.append(Problem(doc.location, "duplicate_id",
                                    f"{doc.kind} {doc.id!r} version {doc.version} is already "
                                    f"defined in {seen_versions[doc.version].file}",
                                    hint="a new version needs its own `version:` and "
                                    "`effective_from:`; otherwise rename the id"))
            continue
        seen_versions[doc.version] = doc
        if doc.effective_from in seen_dates:
            other = seen_dates[doc.effective_from]
            what = "no `effective_from`" if doc.effective_from is None \
                else f"effective_from {doc.effective_from}"
            problems.append(Problem(doc.location, "ambiguous_version",
                                    f"{doc.kind} {doc.id!r}: versions {other.version} and "
                                    f"{doc.version} both have {what}",
                                    hint="every version but the base needs its own "
                                    "`effective_from: YYYY-MM-DD`"))
        seen_dates.setdefault(doc.effective_from, doc)
        kept.append(doc)
    return kept


def in_force(versions: list[Document], day: _dt.date) -> Document | None:
    """The version in force on `day` (the latest whose effective_from is on or before it)."""
    chosen = None
    for doc in versions:  # oldest first
        if doc.effective_from is None or doc.effective_from <= day:
            chosen = doc
    return chosen


@dataclass(frozen=True)
class Versions:
    """Every version of every tree and sub-tree id, and which are in force on a date."""

    versions: dict[str, list[Document]]  # every id, oldest version first
    max_depth: int

    def documents_on(self, day: _dt.date | None) -> dict[str, Document]:
        """Every id's version in force on `day` (None: the latest versions)."""
        out: dict[str, Document] = {}
        for doc_id, docs in self.versions.items():
            doc = docs[-1] if day is None else in_force(docs, day)
            if doc is not None:
                out[doc_id] = doc
        return out

    def change_days(self) -> list[_dt.date | None]:
        days = {d.effective_from for docs in self.versions.values() for d in docs}
        return [None, *sorted(d for d in days if d is not None)]

    def flat_on(self, tree_id: str, day: _dt.date | None, problems: list[Problem]
                ) -> FlatTree | None:
        documents = self.documents_on(day)
        doc = documents.get(tree_id)
        if doc is None or doc.kind != "tree":
            return None
        return inline_tree(doc, documents, problems, self.max_depth)

    def check_all(self, tree_ids: Iterable[str], problems: list[Problem]) -> None:
        """Inline every combination in force on some day, so all of them are checked."""
        for day in self.change_days()[1:]:
            for tree_id in tree_ids:
                self.flat_on(tree_id, day, problems)
