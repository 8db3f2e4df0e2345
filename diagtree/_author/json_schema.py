"""JSON Schemas for the knowledge files, generated from the readers' own tables (an editor's aid).

A YAML language server (VS Code's YAML extension, and any editor that speaks LSP) uses these
schemas for completion, hover text and inline errors while an author types. `diagtree validate`
stays the authority: the schemas check each file's shape, and cannot see expressions' types,
references between nodes or files, or anything else that needs the facts' types or the other
files. ``diagtree schema`` writes them; the repository commits them under ``schema/``.

Nothing here restates what a reader knows. What comes from where:

- the keys of every mapping of every file, which are required, and their order: the shapes of
  `_check.schema` (which the readers and ``diagtree fmt`` use too); node kinds:
  `_check.schema.NODE_KINDS`; ids: `_check.tree._ID`; the limits (nodes per file, rows per table,
  characters per condition): `Limits()`;
- symptoms, causes, categories, departments, resolutions, grades, locales, standard questions:
  `_taxonomy`; channels, roles: `_taxonomy`; the MSISDN pattern: `_complaint`;
- the facts conditions read: the `FactSchema` passed in (``diagtree schema`` passes the shipped
  adapters' schema): every fact is offered as a completion (an example condition reading it,
  with its type and meaning), through the ``defaultSnippets`` annotation that VS Code's JSON
  and YAML language servers read;
- the file kinds and which top-level key wins when a file has several: `_load.files.FILE_KINDS`.

Every key of a shape must be described here (its value's schema and an editor's hover text): a
key added to `_check.schema` without a description raises `SchemaDriftError`, so the committed
schemas (compared with a fresh generation by ``tests/test_json_schema.py``) cannot fall behind.

**Portable subset.** The schemas declare draft 2020-12 but use only keywords that mean the same
in draft-07, which is what the YAML language server implements: ``type``, ``enum``, ``const``,
``properties``, ``patternProperties``, ``additionalProperties``, ``propertyNames``, ``required``,
``items`` (one schema), ``min/maxItems``, ``min/maxLength``, ``min/maxProperties``, ``minimum``,
``maximum``, ``pattern``, ``anyOf``, ``oneOf``, ``allOf``, ``not``, ``if``/``then``/``else``,
``$ref`` to ``#/$defs/…`` with only annotations (``description``, ``examples``) beside it; and
the annotation ``defaultSnippets`` (completions), which validators ignore.

**Where the schema is stricter than the loader** (on purpose, for an author's benefit): human
text (titles, notes, descriptions, scripts, reasons) must be text, not a number; finer cause
codes under a taxonomy cause are lower-case segments (``network.site_outage.power``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

from diagtree._check import schema as _schema
from diagtree._check.regulator import REGULATOR_CLASSES
from diagtree._check.schema import FILE_KINDS as _FILE_KINDS
from diagtree._check.schema import NODE_KINDS, SOURCE_NAMES, Shape
from diagtree._check.tree import _ID
from diagtree._expr import compile_expression
from diagtree._load.limits import Limits
from diagtree._vocab.complaint import _MSISDN
from diagtree._vocab.engine_facts import POLICY_FACTS
from diagtree._vocab.facts import FactSchema, FactSpec
from diagtree._vocab.taxonomy import (
    CATEGORIES,
    CAUSES,
    CHANNELS,
    DEPARTMENTS,
    GRADES,
    LOCALES,
    LOCATED_SYMPTOMS,
    RESOLUTIONS,
    ROLES,
    STANDARD_QUESTIONS,
    SYMPTOMS,
)

__all__ = [
    "DIALECTS",
    "FILE_NAMES",
    "KINDS",
    "SchemaDriftError",
    "build_schema",
    "build_schemas",
    "condition_example",
    "dumps",
]

Schema = dict[str, Any]

#: the `$schema` URI per draft `diagtree schema --draft` accepts (the keywords used are the same)
DIALECTS: Final = {
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
    "7": "http://json-schema.org/draft-07/schema#",
}

#: one schema per file kind; `knowledge` accepts any knowledge file (it dispatches on the
#: top-level key exactly as the loader does), for mapping one schema onto a whole folder
KINDS: Final = ("tree", "subtree", "outcomes", "scripts", "policy", "script_rules", "scenarios",
                "regulator_classes", "knowledge")
FILE_NAMES: Final = {kind: f"diagtree-{kind.replace('_', '-')}.schema.json" for kind in KINDS}

#: the schema's name of each file kind, by the top-level key that tells it (`FILE_KINDS`)
_KIND_OF_KEY: Final = {"tree": "tree", "subtree": "subtree", "outcomes": "outcomes",
                       "scripts": "scripts", "policy": "policy", "script_rules": "script_rules",
                       "cases": "scenarios", "regulator_classes": "regulator_classes"}

_TITLES: Final = {
    "tree": "diagtree tree file",
    "subtree": "diagtree sub-tree file",
    "outcomes": "diagtree outcome catalog",
    "scripts": "diagtree customer scripts",
    "policy": "diagtree policy",
    "script_rules": "diagtree script rules",
    "scenarios": "diagtree scenario file",
    "regulator_classes": "diagtree regulator classes",
    "knowledge": "diagtree knowledge file",
}

_FREE_TEXT: Final = "Free text for people reading the file; the engine ignores it."
#: a calendar date YYYY-MM-DD (the loader reads it with `date.fromisoformat`)
_DATE: Final = r"^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$"
#: an ISO 8601 date and time ending in a UTC offset (what `_complaint.parse_time` accepts)
_TIME_WITH_OFFSET: Final = r"^\d{4}-?\d{2}-?\d{2}[T ]\d{2}.*(?:Z|[+-]\d{2}(?::?\d{2}){0,2})$"


class SchemaDriftError(RuntimeError):
    """`_check.schema` has a key this module does not describe: add it here (schema and hover)."""


# -- small schema pieces -------------------------------------------------------------------------
def _described(schema: Schema, description: str, **annotations: Any) -> Schema:
    """`schema` with an editor's hover text (and other annotations such as `examples`)."""
    return {"description": description, **schema, **annotations}


def _closed(properties: dict[str, Schema], required: Iterable[str] = (),
            description: str | None = None, **more: Any) -> Schema:
    """An object with exactly these keys (the reader reports any other as `unknown_key`)."""
    out: Schema = {} if description is None else {"description": description}
    out.update(type="object", properties=properties)
    wanted = set(required)
    req = [k for k in properties if k in wanted]
    if req:
        out["required"] = req
    out["additionalProperties"] = False
    out.update(more)
    return out


def _shaped(shape: Shape, properties: dict[str, Schema], description: str | None = None,
            **more: Any) -> Schema:
    """The object `shape` describes (`_check.schema`): its keys in its order, its required keys,
    no other key; `properties` describes each key's value."""
    missing = [k for k in shape.keys if k not in properties]
    extra = [k for k in properties if k not in shape.keys]
    if missing or extra:
        raise SchemaDriftError(
            f"{shape.name}: _check/schema.py has keys {missing} that "
            f"diagtree/_author/json_schema.py does not describe, and the JSON Schema describes "
            f"keys {extra} that the schema does not have: describe each key of the shape, then "
            "regenerate the schemas (DIAGTREE_UPDATE_GOLDEN=1 pytest tests/test_json_schema.py)")
    return _closed({k: properties[k] for k in shape.keys}, shape.required, description, **more)


def _loader_string(*, nullable: bool = False) -> Schema:
    """A value read with `Fields.string`: text, or a number the loader turns into text."""
    return {"type": ["string", "number", "null"] if nullable else ["string", "number"]}


def _text(*, nullable: bool = False) -> Schema:
    return {"type": ["string", "null"] if nullable else "string"}


def _strings(item: Schema) -> Schema:
    """A value read with `Fields.strings`: one item, or a list of items."""
    return {"anyOf": [item, {"type": "array", "items": item}]}


def _word_item() -> Schema:
    return {"type": ["string", "integer"]}


def _bullets(values: Iterable[str]) -> str:
    return ", ".join(f"`{v}`" for v in values)


def condition_example(spec: FactSpec) -> str:
    """A short, valid condition reading the fact (the examples editors offer for conditions)."""
    name, t = spec.name, spec.type
    if t.kind == "bool":
        return name
    if t.kind == "enum":
        return f'{name} == "{t.values[0]}"'
    if t.kind in ("int", "number"):
        return f"{name} > 0"
    if t.kind == "datetime":
        return f"hours_since({name}) < 24"
    if t.kind == "date":
        return f"days_since({name}) > 30"
    if t.kind == "list" and t.item is not None and t.item.kind == "enum":
        return f'"{t.item.values[0]}" in {name}'
    if t.kind == "list":
        return f"count({name}) > 0"
    return f"{name} != null"


def _one_per_source(facts: FactSchema) -> list[FactSpec]:
    """The first fact of each source: a few examples for the hover text."""
    firsts: dict[str, FactSpec] = {}
    for spec in facts.values():
        firsts.setdefault(spec.source, spec)
    return list(firsts.values())


def _yaml_scalar(text: str) -> str:
    """`text` as a YAML value: single-quoted when a plain scalar would not read as the text."""
    if text[:1] in "\"'[{&*!|>%@`#" or ": " in text or " #" in text:
        return "'" + text.replace("'", "''") + "'"
    return text


def _snippet(spec: FactSpec, body: str) -> Schema:
    """A completion for one fact (`defaultSnippets`: what VS Code's JSON and YAML language
    servers offer as values; validators ignore it). Every fact is offered this way rather than
    as `examples`, which editors also print in the hover text."""
    unit = f", {spec.unit}" if spec.unit else ""
    return {"label": spec.name, "description": f"{spec.type}{unit}: {spec.doc}",
            "bodyText": body}


def _max_condition_chars() -> int:
    """`compile_expression`'s own default length limit (policy rules use it)."""
    default = (compile_expression.__kwdefaults__ or {}).get("max_length")
    if not isinstance(default, int):  # pragma: no cover - the signature changed
        raise SchemaDriftError("compile_expression no longer has a max_length default")
    return default


# -- the builder ---------------------------------------------------------------------------------
class _Builder:
    """Builds one schema document; shared pieces go to `$defs`, made on first use."""

    def __init__(self, facts: FactSchema, limits: Limits) -> None:
        self.facts = facts
        self.policy_facts = facts.merged(POLICY_FACTS)
        self.limits = limits
        self.defs: dict[str, Schema] = {}
        self._makers: dict[str, Callable[[], Schema]] = {
            "node_id": self._node_id,
            "condition": lambda: self._condition(self.facts, self.limits.max_expression_chars),
            "value_expression": self._value_expression,
            "policy_condition": lambda: self._condition(self.policy_facts,
                                                        _max_condition_chars(), policy=True),
            "localized_text": self._localized_text,
            "symptom": lambda: _described({"enum": list(SYMPTOMS)},
                                          "A symptom of the taxonomy (docs/taxonomy.md §1)."),
            "cause": self._cause,
            "department": lambda: _described({"enum": list(DEPARTMENTS)},
                                             "A department of the taxonomy."),
            "question": self._question,
            "changelog_entry": self._changelog_entry,
            "table_row": self._table_row,
            "node": lambda: self._node_union("tree"),
            "subtree_node": lambda: self._node_union("subtree"),
            **{f"{kind}_node": self._node_variant_maker(kind) for kind in NODE_KINDS},
            "catalog_entry": self._catalog_entry,
            "script": self._script,
            "complaint": self._complaint,
            "case": self._case,
            **{f"{kind}_file": self._file_maker(kind) for kind in _KIND_OF_KEY.values()},
        }

    def ref(self, name: str, description: str | None = None, **annotations: Any) -> Schema:
        """A reference to a shared piece, with an optional key-specific hover text."""
        if name not in self.defs:
            self.defs[name] = {}  # reserve the slot: definition order is first-use order
            self.defs[name] = self._makers[name]()
        out: Schema = {"$ref": f"#/$defs/{name}"}
        if description is not None:
            out["description"] = description
        out.update(annotations)
        return out

    def document(self, kind: str, dialect: str) -> Schema:
        body = self.file_body(kind)
        head: Schema = {"$schema": dialect, "title": _TITLES[kind]}
        out = {**head, **body}
        if self.defs:
            out["$defs"] = self.defs
        return out

    def file_body(self, kind: str) -> Schema:
        if kind in ("tree", "subtree"):
            return self._tree_file(kind)
        bodies: dict[str, Callable[[], Schema]] = {
            "outcomes": self._catalog_file, "scripts": self._scripts_file,
            "policy": self._policy_file, "script_rules": self._script_rules_file,
            "scenarios": self._scenarios_file,
            "regulator_classes": self._regulator_classes_file,
            "knowledge": self._knowledge_file,
        }
        return bodies[kind]()

    # -- shared pieces -------------------------------------------------------------------------
    def _node_id(self) -> Schema:
        return _described({"type": "string", "pattern": _ID.pattern},
                          "The id of a node of this file (letters, digits, `_` and `-`).")

    def _condition(self, facts: FactSchema, max_chars: int, *, policy: bool = False) -> Schema:
        where = ("the complaint, the sources' facts and `diagnosis.cause`, "
                 "`diagnosis.category`, `history.same_category_30d`") if policy else "facts"
        return _described(
            # a condition is text; YAML's true/false are taken as the literal (not in policies)
            {"type": "string" if policy else ["string", "boolean"],
             "minLength": 1, "maxLength": max_chars, "pattern": r"\S"},
            f"A condition over {where} in diagtree's condition language, e.g. "
            "`hlr.number_state == \"reclaimed\"` or `coverage.rsrp_dbm < -110`: `and`, `or`, "
            "`not`, comparisons, `in [...]`, `count()`, `hours_since()`, `days_since()`, "
            "`days_until()`, `abs()`. The facts and their types are in docs/facts.md; "
            "`diagtree validate` checks names and types. Quote it in YAML when it starts with "
            "a quote or `[`, or contains `: ` or ` #`.",
            examples=[condition_example(spec) for spec in _one_per_source(facts)],
            defaultSnippets=[_snippet(spec, _yaml_scalar(condition_example(spec)))
                             for spec in facts.values()])

    def _value_expression(self) -> Schema:
        return _described(
            {"type": ["string", "boolean", "number"], "minLength": 1,
             "maxLength": self.limits.max_expression_chars, "pattern": r"\S"},
            "An expression of any type over facts: a fact (`coverage.outage.eta`), a computation "
            "(`hours_since(coverage.planned_works.start)`) or a literal — a string literal is "
            "quoted twice, for the language and for YAML: `'\"voice\"'`.",
            examples=[spec.name for spec in _one_per_source(self.facts)],
            defaultSnippets=[_snippet(spec, spec.name) for spec in self.facts.values()])

    def _localized_text(self) -> Schema:
        per_locale = _shaped(_schema.LOCALIZED,
                             {loc: _described(_text(), f"The {loc} text.") for loc in LOCALES})
        return _described(
            {"anyOf": [_text(), per_locale]},
            "Text in every locale: `{" + ", ".join(f"{loc}: ..." for loc in LOCALES)
            + "}`, or one string used for all of them.")

    def _cause(self) -> Schema:
        bases = "|".join(re.escape(c) for c in CAUSES)
        return _described(
            {"anyOf": [{"enum": list(CAUSES)},
                       {"type": "string", "pattern": f"^(?:{bases})(?:\\.[a-z0-9_]+)+$"}]},
            "A cause of the taxonomy (docs/taxonomy.md §3), or a finer code under one "
            "(`network.site_outage.power` counts as `network.site_outage`).")

    def _question(self) -> Schema:
        kinds = ("bool", "choice")
        return _shaped(_schema.QUESTION,
            {"type": _described({"enum": list(kinds)},
                                "`bool` (a yes/no question: the `ask` node has `yes` and `no`) "
                                "or `choice` (one of `options`: the `ask` node has `cases`)."),
             "options": _described(_strings(_word_item()),
                                   "The answers of a `choice` question (required for choice)."),
             "default": _described({"type": ["boolean", "string", "number"]},
                                   "The answer taken when the customer is not asked or does not "
                                   "answer (required): true/false, or one of the options."),
             "text": self.ref("localized_text", "The question as the agent reads it out.")},
            description="A question to the customer, declared by the file that asks it. One id "
                        "means one question (type, options, default) in every file.",
            allOf=[{"if": {"properties": {"type": {"const": "choice"}}, "required": ["type"]},
                    "then": {"required": ["options"],
                             "properties": {"default": {"type": ["string", "number"]}}},
                    "else": {"properties": {"default": {"type": "boolean"}}}}])

    def _changelog_entry(self) -> Schema:
        return _shaped(_schema.CHANGELOG_ENTRY,
            {"version": _described(_loader_string(), "The version this entry describes."),
             "date": _described(_text(nullable=True), "When, e.g. `2026-11-22`."),
             "note": _described(_text(), "What changed, for the readers of the history."),
             "author": _described(_text(nullable=True), "Who changed it.")},
            description="One version of the file: `{version, note, date?, author?}`.")

    def _table_row(self) -> Schema:
        return _shaped(_schema.TABLE_ROW,
            {"when": self.ref("condition", "The row holds when this condition is true."),
             "then": self.ref("node_id", "Where to go when the row holds (no later row is "
                                         "tried)."),
             "note": _described(_text(nullable=True), _FREE_TEXT)},
            description="A row of a table: `{when: <condition>, then: <node>, note?}`.")

    # -- trees and sub-trees -------------------------------------------------------------------
    def _tree_file(self, kind: str) -> Schema:
        shape = _schema.FILES[kind]
        props = {key: self._top_key(kind, key) for key in shape.keys}
        what = ("A decision tree for one or more symptoms." if kind == "tree" else
                "A sub-tree: a part of a decision tree that trees walk with `use:`.")
        return _shaped(shape, props, description=what + " Reference: docs/reference.md.")

    def _top_key(self, kind: str, key: str) -> Schema:
        """The value's schema for a top-level key of a tree or sub-tree file."""
        if key == kind:  # the id: `tree:` / `subtree:`
            used = "" if kind == "tree" else ", the name `use:` nodes give"
            return _described({"type": "string", "pattern": _ID.pattern},
                              f"The {kind.replace('subtree', 'sub-tree')}'s id{used}: letters, "
                              "digits, `_` and `-`, unique among the trees and sub-trees of the "
                              "folder.")
        if key == "version":
            return _described(_loader_string(),
                              "This file's version, stored with every diagnosis it makes. "
                              "Quote it: `\"1.0.0\"`.", examples=["1.0.0"])
        if key == "effective_from":
            return _described({"type": ["string", "null"], "pattern": _DATE},
                              "The calendar date from which this version is in force "
                              "(`YYYY-MM-DD`). A folder may hold several versions of one id: a "
                              "complaint is diagnosed with the versions in force on the day it "
                              "was reported.", examples=["2027-01-01"])
        if key == "title":
            return self.ref("localized_text",
                            "What it diagnoses, for people: `{zh-CN: ..., en: ...}`.")
        if key == "symptoms":
            return _described(_strings(self.ref("symptom")),
                              "The symptoms this tree diagnoses (complaint types of the "
                              "taxonomy); each symptom has one tree.",
                              examples=[[s] for s in SYMPTOMS])
        if key == "owner":
            return _described(_loader_string(nullable=True),
                              "The team that owns this file, e.g. `network-ops`.")
        if key == "changelog":
            return _described({"type": ["array", "null"],
                               "items": self.ref("changelog_entry")},
                              "The file's history, newest first or last: "
                              "`- {version, note, date?, author?}`.")
        if key == "start":
            return self.ref("node_id", "The id of the node where the walk starts.")
        if key == "nodes":
            node = "node" if kind == "tree" else "subtree_node"
            kinds = [k for k in NODE_KINDS if kind == "subtree" or k != "exit"]
            return _described(
                {"type": "object", "propertyNames": {"pattern": _ID.pattern},
                 "additionalProperties": self.ref(node),
                 "maxProperties": self.limits.max_nodes},
                "The nodes, by id (letters, digits, `_` and `-`). Each node has exactly one "
                f"kind key — {_bullets(kinds)} — and that kind's keys. At most "
                f"{self.limits.max_nodes} nodes (split the tree into sub-trees beyond).")
        if key == "questions":
            std = _bullets(STANDARD_QUESTIONS)
            return _described(
                {"type": "object", "additionalProperties": self.ref("question")},
                "Questions this file asks besides the standard ones, by id: `{type, options?, "
                f"default, text}}`. Standard questions need no declaration: {std}.")
        if key == "description":
            return _described(_text(nullable=True),
                              "Free text: what the file diagnoses and why its order is as it "
                              "is. The engine ignores it.")
        if key == "exits" and kind == "subtree":
            return _described(_strings(_word_item()),
                              "The names of the ways out of this sub-tree (`exit:` nodes); a "
                              "`use:` node maps each to a node of its own file.",
                              examples=[["clear"]])
        raise SchemaDriftError(
            f"_check/schema.py allows `{key}` at the top of a {kind} file "
            f"({_schema.FILES[kind].name}) but diagtree/_author/json_schema.py does not "
            "describe it: add it to _Builder._top_key, then regenerate the schemas "
            "(DIAGTREE_UPDATE_GOLDEN=1 pytest tests/test_json_schema.py)")

    def _node_union(self, doc_kind: str) -> Schema:
        kinds = [k for k in NODE_KINDS if doc_kind == "subtree" or k != "exit"]
        where = "a tree" if doc_kind == "tree" else "a sub-tree"
        return _described(
            {"oneOf": [self.ref(f"{k}_node") for k in kinds]},
            f"A node of {where}: exactly one of {_bullets(kinds)}, with that kind's keys.")

    def _node_variant_maker(self, kind: str) -> Callable[[], Schema]:
        return lambda: self._node_variant(kind)

    def _file_maker(self, kind: str) -> Callable[[], Schema]:
        """A whole file kind as a `$defs` entry (the knowledge schema embeds them all)."""
        return lambda: {"title": _TITLES[kind], **self.file_body(kind)}

    def _node_variant(self, kind: str) -> Schema:
        shape = _schema.NODES[kind]
        props = {key: self._node_key(kind, key) for key in shape.keys}
        more: dict[str, Any] = {"title": f"{kind} node", "description": _NODE_DOCS[kind]}
        if kind == "ask":
            more["allOf"] = self._ask_forms()
        return _shaped(shape, props, **more)

    def _ask_forms(self) -> list[Schema]:
        yes_no: Schema = {"required": ["yes", "no"], "not": {"required": ["cases"]}}
        std_bool = [q.id for q in STANDARD_QUESTIONS.values() if q.type == "bool"]
        return [
            {"anyOf": [yes_no, {"required": ["cases"]}]},
            {"if": {"properties": {"ask": {"enum": std_bool}}, "required": ["ask"]},
             "then": yes_no},
        ]

    def _node_key(self, kind: str, key: str) -> Schema:
        """The value's schema for a key of a node."""
        edge = self.ref
        match (kind, key):
            case ("check", "check"):
                return self.ref("condition", "The yes/no question to the systems: a condition "
                                             "over facts, e.g. `hlr.number_state == "
                                             "\"reclaimed\"` (docs/reference.md).")
            case ("check", "yes"):
                return edge("node_id", "Where to go when the condition is true.")
            case ("check", "no"):
                return edge("node_id", "Where to go when the condition is false (or null).")
            case ("switch", "switch"):
                return self.ref("value_expression",
                                "The value to branch on: an enum, string, bool or int "
                                "expression (a number cannot be switched on: use a `table`).")
            case ("switch", "cases"):
                return _described(
                    {"type": "object", "additionalProperties": edge("node_id")},
                    "`value: node` per value: enum values, `true`/`false` for a bool, whole "
                    "numbers for an int; `\"null\"` (quoted) is where null goes.")
            case ("switch", "default"):
                return _described({"type": ["string", "null"], "pattern": _ID.pattern},
                                  "Where a value without a case goes (and null, without a "
                                  "`\"null\"` case). Required unless the cases cover every value "
                                  "of an enum (or both booleans).")
            case ("table", "table"):
                return _described(
                    {"type": "array", "items": self.ref("table_row"), "minItems": 1,
                     "maxItems": self.limits.max_table_rows},
                    "Rows `- {when: <condition>, then: <node>}` tried in order: the first that "
                    "holds wins; an unknown row stops the table (`on_unknown`). At most "
                    f"{self.limits.max_table_rows} rows.")
            case ("table", "default"):
                return edge("node_id", "Where to go when no row holds.")
            case ("ask", "ask"):
                return _described(
                    {"type": ["string", "number"]},
                    "The question to the customer: a standard question or one declared under "
                    "`questions`. Standard: " + _bullets(STANDARD_QUESTIONS) + ".",
                    examples=list(STANDARD_QUESTIONS))
            case ("ask", "yes"):
                return edge("node_id", "A yes/no question: where a yes goes.")
            case ("ask", "no"):
                return edge("node_id", "A yes/no question: where a no goes.")
            case ("ask", "cases"):
                return _described({"type": "object", "additionalProperties": edge("node_id")},
                                  "A choice question: `option: node` for every option.")
            case ("use", "use"):
                return _described({"type": ["string", "number"]},
                                  "The id of the sub-tree to walk (a `subtree:` file).")
            case ("use", "exits"):
                return _described({"type": "object", "additionalProperties": edge("node_id")},
                                  "`exit: node` for every exit the sub-tree declares: where the "
                                  "walk continues in this file.")
            case ("outcome", "outcome"):
                return self.ref("cause", "The cause this path concludes.")
            case ("outcome", "values"):
                return _described(
                    {"type": "object", "propertyNames": {"pattern": _ID.pattern},
                     "additionalProperties": self.ref("value_expression")},
                    "The outcome's script variables: `name: expression`, evaluated when the "
                    "walk ends (null, with a note, when unavailable); the outcome's script and "
                    "actions read them.")
            case ("exit", "exit"):
                return _described({"type": ["string", "number"]},
                                  "Which of the sub-tree's `exits` this node leaves by.")
            case (_, "on_unknown"):
                return _described({"type": ["string", "null"], "pattern": _ID.pattern},
                                  "Where to go when a fact this node reads is unavailable (its "
                                  "source failed). Without it: the outcome "
                                  "`unknown.data_unavailable`.")
            case (_, "note"):
                return _described(_text(nullable=True), _FREE_TEXT)
        raise SchemaDriftError(
            f"_check/schema.py allows `{key}` in a `{kind}` node (_check.schema.NODES) but "
            "diagtree/_author/json_schema.py does not describe it: add it to "
            "_Builder._node_key, then regenerate the schemas "
            "(DIAGTREE_UPDATE_GOLDEN=1 pytest tests/test_json_schema.py)")

    # -- the outcome catalog, scripts, policy, script rules ------------------------------------
    def _catalog_entry(self) -> Schema:
        return _shaped(_schema.CATALOG_ENTRY,
            {"resolution": _described({"enum": list(RESOLUTIONS)},
                                      "`frontline` (the agent resolves it on the call) or "
                                      "`dispatch` (sent to a department)."),
             "department": _described({"enum": [*DEPARTMENTS, None]},
                                      "Where a dispatched case goes (required for dispatch)."),
             "actions": _described(_strings(_text()),
                                   "What the agent does, in order (Jinja; the same variables as "
                                   "the script)."),
             "script": _described(_loader_string(nullable=True),
                                  "The script's id (default: the cause code)."),
             "refund": _shaped(
                 _schema.REFUND,
                 {"amount": _described(_loader_string(),
                                       "The outcome value that holds the amount (CNY)."),
                  "any_amount": _described({"type": ["boolean", "null"]},
                                           "true: ignore the authority limits.")},
                 description="The refund this outcome grants: which value holds the amount."),
             "explanation": _shaped(
                 _schema.LOCALIZED,
                 {loc: _described(_text(), f"The {loc} sentences: a Jinja template (the "
                                           "script's variables).") for loc in LOCALES},
                 description="The agent's explanation of this finding: one or two plain "
                             "sentences per locale (no internal names or codes)."),
             "also_found": _shaped(
                 _schema.LOCALIZED,
                 {loc: _described(_text(), f"The {loc} sentence.") for loc in LOCALES},
                 description="One plain sentence per locale saying this cause was also found "
                             "when another came first (no variables)."),
             "note": _described(_text(nullable=True), _FREE_TEXT)},
            description="What a cause means for the agent: resolution, department, actions, "
                        "script.",
            allOf=[{"if": {"properties": {"resolution": {"const": "dispatch"}},
                           "required": ["resolution"]},
                    "then": {"required": ["department"],
                             "properties": {"department": {"enum": list(DEPARTMENTS)}}}}])

    def _catalog_file(self) -> Schema:
        entry = self.ref("catalog_entry")
        return _shaped(_schema.CATALOG_FILE,
            {"outcomes": _described(
                {"type": "object", "propertyNames": self.ref("cause"),
                 "properties": {cause: entry for cause in CAUSES},
                 "additionalProperties": entry},
                "One entry per cause (or finer code). A finer cause uses its own entry, else the "
                "entry of the nearest cause above it."),
             "version": _described(_loader_string(nullable=True), "This file's version."),
             "description": _described(_text(nullable=True), _FREE_TEXT)},
            description="The outcome catalog: what each cause means for the agent.")

    def _script(self) -> Schema:
        return _shaped(_schema.SCRIPT,
            {loc: _described(_text(), f"The {loc} script: a Jinja template (strict variables; "
                                      "filters `time`, `date`, `datetime`, `money`, `hours`).")
             for loc in LOCALES},
            description="A customer script in every locale.")

    def _scripts_file(self) -> Schema:
        return _shaped(_schema.SCRIPTS_FILE,
            {"scripts": _described({"type": "object", "additionalProperties": self.ref("script")},
                                   "Scripts by id (an outcome's script id defaults to its cause "
                                   "code)."),
             "description": _described(_text(nullable=True), _FREE_TEXT)},
            description="Customer-facing scripts, what the agent reads out.")

    def _policy_file(self) -> Schema:
        hours = {"type": "number"}
        feedback = {
            grade: _shaped(
                _schema.FEEDBACK_GRADE,
                {"within_hours": _described(hours, "First feedback due this many hours after "
                                                   "the complaint was reported."),
                 "every_hours": _described({"type": ["number", "null"]},
                                           "Then every this many hours."),
                 "kind": _described({"enum": ["result", "progress", None]},
                                    "`result` or `progress` (default).")},
                description=f"Feedback for a {grade} complaint.")
            for grade in GRADES}
        rule = _shaped(
            _schema.GRADE_RULE,
            {"grade": _described({"enum": list(GRADES)}, "The grade the rule raises to."),
             "when": self.ref("policy_condition", "When the rule matches."),
             "reason": _described(_text(), "Why, for the agent and the record.")},
            description="A grading rule: every matching rule raises the grade to its own.")
        policy = _shaped(
            _schema.POLICY,
            {"version": _described(_loader_string(nullable=True), "The policy's version."),
             "grades": _described({"type": ["array", "null"], "items": rule},
                                  "Grading rules, each `{grade, when, reason}`."),
             "feedback": _shaped(_schema.FEEDBACK, feedback,
                                 description="Feedback deadlines per grade (all required)."),
             "authority": _shaped(
                 _schema.AUTHORITY,
                 {"limits": _shaped(
                     _schema.AUTHORITY_LIMITS,
                     {role: _described(hours, f"Refunds a {role} may grant, CNY (inclusive).")
                      for role in ROLES},
                     description="Refund authority per role."),
                  "above": self.ref("department", "Who gets a refund above the limits.")},
                 description="Refund authority."),
             "incidents": self._incidents(),
             "description": _described(_text(nullable=True), _FREE_TEXT)},
            description="The policy the engine grades every diagnosis with (one per folder).")
        return _shaped(_schema.POLICY_FILE, {"policy": policy},
                       description="Grading, feedback deadlines and refund authority.")

    @staticmethod
    def _incidents() -> Schema:
        """The mass-incident rule (docs/incidents.md)."""
        grouped = _strings({"enum": [*CATEGORIES, *CAUSES]})
        customers = {"type": "integer", "minimum": 1}
        return _shaped(
            _schema.INCIDENTS,
            {"by_cell": _described(grouped, "Categories and causes whose complaints are "
                                            "grouped by the cell the diagnosis concerns."),
             "by_platform": _described(grouped, "Categories and causes grouped by the "
                                                "platform element at fault."),
             "window_hours": _described({"type": "number", "minimum": 0},
                                        "Complaints this many hours apart or less belong "
                                        "together."),
             "min_customers": _described(customers, "Distinct customers within the window "
                                                    "that make a mass incident."),
             "warning": _shaped(
                 _schema.WARNING,
                 {level: _described(customers, f"Distinct customers from which an incident "
                                               f"is a {level} warning.")
                  for level in _schema.WARNING_LEVELS},
                 description="Early-warning thresholds, rising (yellow ≤ orange ≤ red).")},
            description="Mass incidents and early warning (optional: these are the defaults "
                        "of the shipped policy).")

    def _script_rules_file(self) -> Schema:
        def per_locale(what: str) -> Schema:
            return _shaped(_schema.WORDS_PER_LOCALE,
                           {loc: _described(_strings(_word_item()), f"{what} ({loc}).")
                            for loc in LOCALES}, description=what + ", per locale.")

        rules = _shaped(
            _schema.SCRIPT_RULES,
            {"forbidden_promises": per_locale("Promises a script must never make, matched "
                                              "case-insensitively"),
             "internal_terms": _described(_strings(_word_item()),
                                          "Internal names and codes a script must never say "
                                          "(whole words, case-sensitive)."),
             "later_actions": per_locale("Phrases that promise a later action: the script "
                                         "must then say when")},
            description="The word lists the script lint checks every script against.")
        return _shaped(_schema.SCRIPT_RULES_FILE,
                       {"script_rules": rules,
                        "description": _described(_text(nullable=True), _FREE_TEXT)},
                       description="What customer scripts must never say (docs/taxonomy.md §6).")

    # -- scenario files ------------------------------------------------------------------------
    def _complaint(self) -> Schema:
        fields: dict[str, Schema] = {
            "id": _described({"type": ["string", "integer", "null"]},
                             "The complaint's id (default: the case id)."),
            "type": self.ref("symptom", "The symptom the customer reports."),
            "msisdn": _described({"type": ["string", "integer"], "pattern": _MSISDN.pattern},
                                 "The customer's number, E.164 digits without `+`.",
                                 examples=["8613800000001"]),
            "channel": _described({"enum": [*CHANNELS, None]},
                                  "The channel it came through (default `hotline`)."),
            "text": _described(_text(nullable=True), "What the customer said."),
            "reported_at": _described(
                {"type": "string", "pattern": _TIME_WITH_OFFSET},
                "When it was reported: ISO 8601 with a UTC offset (quote it).",
                examples=["2026-11-20T09:30:00+08:00"]),
            "location": _described(
                {"type": ["object", "null"],
                 "properties": {
                     "lat": _described({"type": "number", "minimum": -90, "maximum": 90},
                                       "Latitude, degrees."),
                     "lon": _described({"type": "number", "minimum": -180, "maximum": 180},
                                       "Longitude, degrees.")},
                 "required": ["lat", "lon"], "additionalProperties": False},
                "Where the problem happens `{lat, lon}` (required for "
                + _bullets(sorted(LOCATED_SYMPTOMS)) + ")."),
            "subject": _described(
                {"type": ["object", "null"],
                 "properties": {k: _described({"type": ["string", "integer", "null"]},
                                              f"The {k.replace('_', ' ')} it is about.")
                                for k in _schema.SUBJECT.keys},
                 "additionalProperties": False},
                "The one record the complaint is about."),
            "agent_role": _described({"enum": [*ROLES, None]},
                                     "Who is asking (refund authority; default `agent`)."),
            "incident": _described(
                {"type": ["object", "null"],
                 "properties": {"distinct_customers_24h": _described(
                     {"type": ["integer", "null"], "minimum": 0},
                     "Distinct customers with this cause at this cell within 24 h.")},
                 "additionalProperties": False},
                "`{distinct_customers_24h: <count>}` from the caller."),
            "history": _described(
                {"type": ["array", "null"],
                 "items": _shaped(_schema.HISTORY_ENTRY, {
                     "id": _described({"type": ["string", "integer", "null"]}, "Its id."),
                     "at": _described({"type": ["string", "null"], "pattern": _TIME_WITH_OFFSET},
                                      "When it was reported (ISO 8601 with an offset); "
                                      "without it, it never counts as a repeat."),
                     "type": _described({"type": ["string", "null"]}, "Its symptom."),
                     "cause": _described({"type": ["string", "null"]},
                                         "The cause it was diagnosed with.")})},
                "Earlier complaints of the customer `{id, at, type, cause}`."),
        }
        located = sorted(LOCATED_SYMPTOMS)
        return _shaped(
            _schema.COMPLAINT, fields,
            description="The complaint, as the CRM sends it.",
            allOf=[{"if": {"properties": {"type": {"enum": located}}, "required": ["type"]},
                    "then": {"required": ["location"],
                             "properties": {"location": {"type": "object"}}}}])

    def _case(self) -> Schema:
        fields: dict[str, Schema] = {
            "id": _described(_loader_string(nullable=True), "The case's id, shown when it fails."),
            "description": _described(_text(nullable=True), "What the case shows."),
            "complaint": self.ref("complaint"),
            "sources": _described(
                {"type": ["object", "null"],
                 "properties": {s: _described({}, f"The {s} records (docs/sources.md).")
                                for s in SOURCE_NAMES},
                 "additionalProperties": False},
                "The records each source holds."),
            "answers": _described({"type": ["object", "null"],
                                   "additionalProperties": {"type": ["boolean", "string"]}},
                                  "The customer's answers by question id."),
            "down": _described({"type": ["array", "null"],
                                "items": {"enum": list(SOURCE_NAMES)}},
                               "Sources that fail (their facts are unavailable)."),
            "expect": _shaped(
                _schema.EXPECT,
                {"cause": _described({"type": "string"},
                                     "The cause, or a dot-prefix of it (`network` matches "
                                     "`network.site_outage`).", examples=list(CAUSES)),
                 "category": _described({"enum": list(CATEGORIES)}, "The cause's category."),
                 "resolution": _described({"enum": list(RESOLUTIONS)}, "The resolution."),
                 "department": _described({"enum": [*DEPARTMENTS, None]}, "The department."),
                 "grade": _described({"enum": list(GRADES)}, "The grade."),
                 "script_contains": _described(_strings({"type": "string"}),
                                               "Text the zh-CN script must contain.")},
                minProperties=1, description="What the diagnosis must be (at least one key)."),
        }
        return _shaped(_schema.CASE, fields,
                       description="One scenario: a complaint, the sources' records, answers, "
                                   "sources down, and the expected diagnosis.")

    def _scenarios_file(self) -> Schema:
        return _shaped(_schema.SCENARIO_FILE,
            {"cases": _described({"type": "array", "items": self.ref("case")},
                                 "The cases `diagtree test` runs."),
             "description": _described(_text(nullable=True), _FREE_TEXT)},
            description="Scenario cases for `diagtree test`.")

    # -- the regulator's classes ---------------------------------------------------------------
    def _regulator_classes_file(self) -> Schema:
        classes = {"type": "object", "additionalProperties": False,
                   "description": "Each of the regulator's classes and the categories that count "
                                  "in it; every category in exactly one class.",
                   "properties": {name: _described(
                       {"type": "array", "items": {"enum": list(CATEGORIES)}},
                       f"The categories counted as {name}.") for name in REGULATOR_CLASSES}}
        return _shaped(_schema.REGULATOR_CLASSES_FILE,
                       {"regulator_classes": classes,
                        "description": _described(_text(nullable=True), _FREE_TEXT)},
                       description="The categories in the regulator's three classes "
                                   "(`diagtree report`).")

    # -- any knowledge file --------------------------------------------------------------------
    def _knowledge_file(self) -> Schema:
        unknown = [k for k in _FILE_KINDS if k not in _KIND_OF_KEY]
        if unknown:
            raise SchemaDriftError(f"file kinds without a schema: {unknown}")
        chain: Schema = {"anyOf": [{"required": [k]} for k in _FILE_KINDS]}
        for key in reversed(_FILE_KINDS):  # the first key present decides, as in the loader
            chain = {"if": {"required": [key]}, "then": self.ref(f"{_KIND_OF_KEY[key]}_file"),
                     "else": chain}
        return {
            "description": "Any diagtree knowledge file; its top-level key says which kind: "
                           + _bullets(_FILE_KINDS) + ".",
            "type": "object",
            "properties": {key: {"description": _KIND_KEY_DOCS[key]} for key in _FILE_KINDS},
            **chain,
        }


_KIND_KEY_DOCS: Final = {
    "tree": "This file is a tree: its id.",
    "subtree": "This file is a sub-tree: its id.",
    "outcomes": "This file is (part of) the outcome catalog: entries by cause.",
    "scripts": "This file holds customer scripts, by id.",
    "policy": "This file is the policy: grading, feedback deadlines, refund authority.",
    "script_rules": "This file holds the script rules: what scripts must never say.",
    "cases": "This file holds scenario cases for `diagtree test`.",
    "regulator_classes": "This file maps the categories to the regulator's three classes.",
}

_NODE_DOCS: Final = {
    "check": "A yes/no condition: `check`, `yes`, `no`, optional `on_unknown`.",
    "switch": "Branch on a value: `switch`, `cases`, `default`, optional `on_unknown`.",
    "table": "The first row that holds: `table` (rows), `default`, optional `on_unknown`.",
    "ask": "A question to the customer: `ask`, then `yes`/`no` (yes/no question) or `cases` "
           "(choice question).",
    "use": "Walk a sub-tree: `use`, and `exits` mapping its exits to this file's nodes.",
    "outcome": "Conclude a cause: `outcome`, optional `values` (the script's variables).",
    "exit": "Leave this sub-tree by one of its `exits` (sub-trees only).",
}


def build_schema(kind: str, facts: FactSchema, *, limits: Limits | None = None,
                 draft: str = "2020-12") -> Schema:
    """The JSON Schema for one kind of knowledge file (`KINDS`)."""
    if kind not in KINDS:
        raise ValueError(f"unknown schema kind {kind!r}; expected one of {', '.join(KINDS)}")
    return _Builder(facts, limits or Limits()).document(kind, DIALECTS[draft])


def build_schemas(facts: FactSchema, *, limits: Limits | None = None, draft: str = "2020-12",
                  kinds: Sequence[str] = KINDS) -> dict[str, Schema]:
    """Every schema, by its file name (`FILE_NAMES`)."""
    return {FILE_NAMES[k]: build_schema(k, facts, limits=limits, draft=draft) for k in kinds}


def dumps(schema: Schema) -> str:
    """The schema as committed: two-space indented JSON, UTF-8 text, a final newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
