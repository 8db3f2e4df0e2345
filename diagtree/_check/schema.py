"""The keys of every knowledge file, in one place: which keys each mapping allows, which it
requires, and their canonical order.

Every reader takes its keys from here: the tree reader (`_check.tree`, unknown keys are
`unknown_key`), the catalog, policy, scripts and script-rules readers, the scenario reader,
``diagtree fmt`` (the order it writes keys in) and the JSON Schema generator (each shape's
``properties`` and ``required``). Adding a key to a file or a node kind is one edit here (then
the reader that uses its value, and its description in `_author.json_schema`, which says so
when it is missing). ``tests/test_schema_agreement.py`` proves that the loader, fmt and the
JSON Schema agree on every shipped file and on documents generated from these shapes.

A `Shape` is the keys of one mapping. The order is the canonical layout ``diagtree fmt``
writes: for a tree file, ids and versions first, then what people read (title, symptoms, owner,
description, changelog), then the structure (exits, questions, start, nodes).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from diagtree._load.files import FILE_KINDS
from diagtree._vocab.complaint import COMPLAINT_KEYS as _COMPLAINT_KEYS
from diagtree._vocab.complaint import HISTORY_KEYS as _HISTORY_KEYS
from diagtree._vocab.complaint import SUBJECT_KEYS as _SUBJECT_KEYS
from diagtree._vocab.taxonomy import GRADES, LOCALES, ROLES

__all__ = [
    "AUTHORITY",
    "AUTHORITY_LIMITS",
    "CASE",
    "CATALOG_ENTRY",
    "CATALOG_FILE",
    "CHANGELOG_ENTRY",
    "COMPLAINT",
    "EXPECT",
    "FEEDBACK",
    "FEEDBACK_GRADE",
    "FILES",
    "FILE_KINDS",
    "GRADE_RULE",
    "HISTORY_ENTRY",
    "INCIDENTS",
    "LOCALIZED",
    "NODES",
    "NODE_KINDS",
    "PLACES",
    "POLICY",
    "POLICY_FILE",
    "QUESTION",
    "REFUND",
    "REGULATOR_CLASSES_FILE",
    "SCENARIO_FILE",
    "SCRIPT",
    "SCRIPTS_FILE",
    "SCRIPT_RULES",
    "SCRIPT_RULES_FILE",
    "SOURCE_NAMES",
    "SUBJECT",
    "SUBTREE_FILE",
    "TABLE_ROW",
    "TREE_FILE",
    "WARNING",
    "WARNING_LEVELS",
    "WORDS_PER_LOCALE",
    "Shape",
    "merged_order",
    "node_keys",
    "node_kind",
    "shapes_in",
]


@dataclass(frozen=True)
class Shape:
    """The keys one mapping allows (`keys`, in canonical order) and those it requires."""

    name: str  # what the mapping is, for messages and tests ("a tree file", "a check node")
    keys: tuple[str, ...]
    required: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if len(set(self.keys)) != len(self.keys):
            raise ValueError(f"{self.name}: a key is listed twice: {self.keys}")
        if not self.required <= set(self.keys):
            raise ValueError(f"{self.name}: required keys not among its keys: "
                             f"{sorted(self.required - set(self.keys))}")

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys)

    def __contains__(self, key: object) -> bool:
        return key in self.keys

    def optional(self) -> tuple[str, ...]:
        return tuple(k for k in self.keys if k not in self.required)


def _shape(name: str, keys: Iterable[str], required: Iterable[str] = ()) -> Shape:
    return Shape(name, tuple(keys), frozenset(required))


def merged_order(orders: Iterable[Iterable[str]]) -> tuple[str, ...]:
    """One order that keeps each of `orders` (each is a subsequence of it); where they do not
    say, the earlier order's keys come first. Raises `ValueError` when two orders disagree."""
    seqs = [list(o) for o in orders]
    out: list[str] = []
    while any(seqs):
        for seq in seqs:
            if seq and not any(seq[0] in other[1:] for other in seqs):
                head = seq[0]
                break
        else:
            raise ValueError(f"the key orders disagree: {seqs}")
        out.append(head)
        for seq in seqs:
            if seq and seq[0] == head:
                del seq[0]
    return tuple(out)


# -- text in every locale ------------------------------------------------------------------------
#: `{zh-CN: …, en: …}` (titles, question texts); also every script
LOCALIZED: Final = _shape("a text per locale", LOCALES, LOCALES)

# -- trees and sub-trees -------------------------------------------------------------------------
TREE_FILE: Final = _shape(
    "a tree file",
    ("tree", "version", "effective_from", "title", "symptoms", "owner", "description",
     "changelog", "questions", "start", "nodes"),
    ("tree", "version", "title", "symptoms", "start", "nodes"))
SUBTREE_FILE: Final = _shape(
    "a sub-tree file",
    ("subtree", "version", "effective_from", "title", "owner", "description", "changelog",
     "exits", "questions", "start", "nodes"),
    ("subtree", "version", "title", "exits", "start", "nodes"))
CHANGELOG_ENTRY: Final = _shape("a changelog entry", ("version", "date", "author", "note"),
                                ("version", "note"))
QUESTION: Final = _shape("a question", ("type", "options", "default", "text"),
                         ("type", "default", "text"))
TABLE_ROW: Final = _shape("a table row", ("when", "then", "note"), ("when", "then"))

#: the node kinds; a node has exactly one of these keys
NODE_KINDS: Final = ("check", "switch", "table", "ask", "use", "outcome", "exit")
_FACT_READING: Final = ("on_unknown", "note")  # nodes that read facts may say where unknown goes
_NOTE: Final = ("note",)
#: the keys of each node kind: the kind key first
NODES: Final[Mapping[str, Shape]] = {
    "check": _shape("a check node", ("check", "yes", "no", *_FACT_READING),
                    ("check", "yes", "no")),
    "switch": _shape("a switch node", ("switch", "cases", "default", *_FACT_READING),
                     ("switch", "cases")),
    "table": _shape("a table node", ("table", "default", *_FACT_READING), ("table", "default")),
    "ask": _shape("an ask node", ("ask", "yes", "no", "cases", *_NOTE), ("ask",)),
    "use": _shape("a use node", ("use", "exits", *_NOTE), ("use",)),
    "outcome": _shape("an outcome node", ("outcome", "values", *_NOTE), ("outcome",)),
    "exit": _shape("an exit node", ("exit", *_NOTE), ("exit",)),
}


def node_keys() -> tuple[str, ...]:
    """Every key of any node kind, in one order that keeps each kind's: the kind keys first."""
    return merged_order([NODE_KINDS, *(NODES[k].keys[1:] for k in NODE_KINDS)])


# -- the outcome catalog, scripts, script rules, policy ------------------------------------------
CATALOG_FILE: Final = _shape("an outcome catalog", ("outcomes", "version", "description"),
                             ("outcomes",))
CATALOG_ENTRY: Final = _shape(
    "a catalog entry", ("resolution", "department", "actions", "script", "refund", "explanation",
                        "also_found", "note"),
    ("resolution",))
REFUND: Final = _shape("a refund", ("amount", "any_amount"), ("amount",))
SCRIPTS_FILE: Final = _shape("a scripts file", ("scripts", "description"), ("scripts",))
SCRIPT: Final = _shape("a script", LOCALES, LOCALES)
SCRIPT_RULES_FILE: Final = _shape("a script rules file", ("script_rules", "description"),
                                  ("script_rules",))
#: a word list per locale (script rules), each locale optional
WORDS_PER_LOCALE: Final = _shape("words per locale", LOCALES)
SCRIPT_RULES: Final = _shape(
    "the script rules", ("forbidden_promises", "internal_terms", "later_actions"),
    ("forbidden_promises", "later_actions"))
POLICY_FILE: Final = _shape("a policy file", ("policy",), ("policy",))
#: the regulator's classes (`_check.regulator`): class → its categories
REGULATOR_CLASSES_FILE: Final = _shape("a regulator classes file",
                                       ("regulator_classes", "description"),
                                       ("regulator_classes",))
POLICY: Final = _shape("the policy", ("version", "grades", "feedback", "authority", "incidents",
                                      "description"),
                       ("feedback", "authority"))
GRADE_RULE: Final = _shape("a grade rule", ("grade", "when", "reason"),
                           ("grade", "when", "reason"))
FEEDBACK: Final = _shape("the feedback deadlines", GRADES, GRADES)
FEEDBACK_GRADE: Final = _shape("the feedback of a grade", ("within_hours", "every_hours", "kind"),
                               ("within_hours",))
AUTHORITY: Final = _shape("the refund authority", ("limits", "above"), ("limits", "above"))
AUTHORITY_LIMITS: Final = _shape("the authority limits", ROLES, ROLES)
INCIDENTS: Final = _shape("the mass-incident rule", ("by_cell", "by_platform", "window_hours",
                                                     "min_customers", "warning"),
                          ("by_cell", "by_platform", "window_hours", "min_customers", "warning"))
#: the early-warning levels, lowest first
WARNING_LEVELS: Final = ("yellow", "orange", "red")
WARNING: Final = _shape("the early-warning thresholds", WARNING_LEVELS, WARNING_LEVELS)

# -- scenario files ------------------------------------------------------------------------------
#: the sources a scenario gives records for
SOURCE_NAMES: Final = ("hlr", "billing", "coverage")
SCENARIO_FILE: Final = _shape("a scenario file", ("cases", "description"), ("cases",))
CASE: Final = _shape("a case", ("id", "description", "complaint", "sources", "answers", "down",
                                "expect"), ("complaint", "expect"))
EXPECT: Final = _shape("`expect`", ("cause", "category", "resolution", "department", "grade",
                                    "script_contains"))
#: a complaint's fields are the complaint parser's (`_complaint`: the CRM sends them too)
COMPLAINT: Final = _shape("`complaint`", _COMPLAINT_KEYS, ("type", "msisdn", "reported_at"))
SUBJECT: Final = _shape("a complaint's subject", _SUBJECT_KEYS)
HISTORY_ENTRY: Final = _shape("an earlier complaint", _HISTORY_KEYS)

#: the top-level shape of each file kind, by the key that tells the kind (`FILE_KINDS`)
FILES: Final[Mapping[str, Shape]] = {
    "tree": TREE_FILE,
    "subtree": SUBTREE_FILE,
    "outcomes": CATALOG_FILE,
    "scripts": SCRIPTS_FILE,
    "policy": POLICY_FILE,
    "script_rules": SCRIPT_RULES_FILE,
    "cases": SCENARIO_FILE,
    "regulator_classes": REGULATOR_CLASSES_FILE,
}
#: where each shape sits in a file of each kind: a path of keys, `*` for any id or list index
#: (a node, at ``("nodes", "*")``, has the shape of its kind: `NODES`)
_TREE_PLACES: Final[Mapping[tuple[str, ...], Shape]] = {
    ("title",): LOCALIZED,
    ("changelog", "*"): CHANGELOG_ENTRY,
    ("questions", "*"): QUESTION,
    ("questions", "*", "text"): LOCALIZED,
    ("nodes", "*", "table", "*"): TABLE_ROW,
}
PLACES: Final[Mapping[str, Mapping[tuple[str, ...], Shape]]] = {
    "tree": {(): TREE_FILE, **_TREE_PLACES},
    "subtree": {(): SUBTREE_FILE, **_TREE_PLACES},
    "outcomes": {(): CATALOG_FILE, ("outcomes", "*"): CATALOG_ENTRY,
                 ("outcomes", "*", "refund"): REFUND,
                 ("outcomes", "*", "explanation"): LOCALIZED,
                 ("outcomes", "*", "also_found"): LOCALIZED},
    "scripts": {(): SCRIPTS_FILE, ("scripts", "*"): SCRIPT},
    "policy": {(): POLICY_FILE, ("policy",): POLICY, ("policy", "grades", "*"): GRADE_RULE,
               ("policy", "feedback"): FEEDBACK,
               **{("policy", "feedback", grade): FEEDBACK_GRADE for grade in GRADES},
               ("policy", "authority"): AUTHORITY,
               ("policy", "authority", "limits"): AUTHORITY_LIMITS,
               ("policy", "incidents"): INCIDENTS, ("policy", "incidents", "warning"): WARNING},
    "script_rules": {(): SCRIPT_RULES_FILE, ("script_rules",): SCRIPT_RULES,
                     ("script_rules", "forbidden_promises"): WORDS_PER_LOCALE,
                     ("script_rules", "later_actions"): WORDS_PER_LOCALE},
    "cases": {(): SCENARIO_FILE, ("cases", "*"): CASE, ("cases", "*", "complaint"): COMPLAINT,
              ("cases", "*", "expect"): EXPECT, ("cases", "*", "complaint", "subject"): SUBJECT,
              ("cases", "*", "complaint", "history", "*"): HISTORY_ENTRY},
    "regulator_classes": {(): REGULATOR_CLASSES_FILE},
}
_NODE_PLACE: Final = ("nodes", "*")


def node_kind(node: Mapping[str, object]) -> str | None:
    """The kind of a node mapping: its one kind key (None for none or several)."""
    kinds = [k for k in NODE_KINDS if k in node]
    return kinds[0] if len(kinds) == 1 else None


def shapes_in(kind: str, data: object) -> Iterator[tuple[tuple[str | int, ...], Shape,
                                                          Mapping[str, object]]]:
    """Every mapping of a loaded file of `kind` (`FILE_KINDS`) that has a shape: its path, its
    shape and the mapping itself (a node of no single kind has none)."""
    places = PLACES[kind]
    tree = kind in ("tree", "subtree")

    def walk(value: object, path: tuple[str | int, ...], generic: tuple[str, ...]
             ) -> Iterator[tuple[tuple[str | int, ...], Shape, Mapping[str, object]]]:
        if isinstance(value, Mapping):
            shape = places.get(generic)
            if shape is None and tree and generic == _NODE_PLACE:
                nk = node_kind(value)
                shape = NODES[nk] if nk is not None else None
            if shape is not None:
                yield path, shape, value
            for key, sub in value.items():
                yield from walk(sub, (*path, key), _step(generic, str(key), shape is None))
        elif isinstance(value, list):
            for i, sub in enumerate(value):
                yield from walk(sub, (*path, i), (*generic, "*"))

    def _step(generic: tuple[str, ...], key: str, named: bool) -> tuple[str, ...]:
        # the keys of a mapping without a shape are ids (nodes, questions, causes, scripts)
        return (*generic, "*" if named and generic else key)

    yield from walk(data, (), ())


if tuple(FILES) != FILE_KINDS:  # pragma: no cover - an edit of one and not the other
    raise RuntimeError("_check.schema.FILES must have a shape for each of FILE_KINDS, in order")
