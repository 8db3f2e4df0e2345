"""The editor's JSON Schemas (`diagtree schema`, committed under ``schema/``).

They are generated from the loader's own tables, so these tests check three things: the
committed files equal a fresh generation (``DIAGTREE_UPDATE_GOLDEN=1`` rewrites them), every
shipped knowledge file validates, and the schema agrees with the loader on what a tree may hold
(every key added, removed or given another value, the two must say the same — except for the
checks the schema cannot make, listed in `test_what_only_the_loader_sees`).
"""

from __future__ import annotations

import argparse
import ast
import copy
import functools
import inspect
import io
import json
import os
import re
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator

from diagtree import AuthoringError
from diagtree._author.json_schema import (
    DIALECTS,
    FILE_NAMES,
    KINDS,
    SchemaDriftError,
    build_schema,
    build_schemas,
    dumps,
)
from diagtree._check import catalog as _catalog
from diagtree._check import policy as _policy
from diagtree._check import schema as _schema
from diagtree._check import script_lint as _script_lint
from diagtree._check import scripts as _scripts
from diagtree._check import tree as _loader
from diagtree._check.schema import FILES, NODE_KINDS, NODES, Shape
from diagtree._cli.common import default_schema
from diagtree._cli.schema import add_schema
from diagtree._compile.library import load_library
from diagtree._errors import Location
from diagtree._expr import compile_expression
from diagtree._load.fields import Fields
from diagtree._load.yaml import YamlLimits, load_yaml
from diagtree._vocab.engine_facts import POLICY_FACTS
from diagtree._vocab.facts import FactSchema
from diagtree._vocab.taxonomy import CAUSES, LOCALES, base_cause

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schema"
TREES = ROOT / "trees"
KIND_OF_KEY = {"tree": "tree", "subtree": "subtree", "outcomes": "outcomes",
               "scripts": "scripts", "policy": "policy", "script_rules": "script_rules",
               "cases": "scenarios", "regulator_classes": "regulator_classes"}


@pytest.fixture(scope="module")
def facts() -> FactSchema:
    return default_schema()


@pytest.fixture(scope="module")
def schemas(facts: FactSchema) -> dict[str, dict[str, Any]]:
    return {kind: build_schema(kind, facts) for kind in KINDS}


def _load(text: str, name: str = "x.yaml") -> Any:
    data, _, problems = load_yaml(text, name, YamlLimits(max_bytes=32_000_000,
                                                         max_nodes=5_000_000))
    assert not problems, problems
    return data


@functools.cache
def _shipped(path: Path) -> Any:
    return _load(path.read_text(encoding="utf-8"), str(path))


_VALIDATORS: dict[tuple[int, str], Any] = {}


def _validator(schema: dict[str, Any], draft: str) -> Any:
    key = (id(schema), draft)
    if key not in _VALIDATORS:
        _VALIDATORS[key] = (Draft202012Validator(schema) if draft == "2020-12" else
                            Draft7Validator({**schema, "$schema": DIALECTS["7"]}))
    return _VALIDATORS[key]


def _errors(schema: dict[str, Any], data: Any, *, both_drafts: bool = True) -> list[str]:
    """Schema errors under draft 2020-12, checked to be the same under draft-07 (what the YAML
    language server implements): the schemas keep to keywords both drafts read alike."""
    new = sorted(f"{e.json_path}: {e.message}" for e in
                 _validator(schema, "2020-12").iter_errors(data))
    if both_drafts:
        old = [e.message for e in _validator(schema, "7").iter_errors(data)]
        assert bool(new) == bool(old), (new, old)
    return new


# -- the committed files -------------------------------------------------------------------------
def test_committed_schemas_equal_a_fresh_generation(facts: FactSchema) -> None:
    fresh = {name: dumps(schema) for name, schema in build_schemas(facts).items()}
    if os.environ.get("DIAGTREE_UPDATE_GOLDEN") == "1":
        SCHEMA_DIR.mkdir(exist_ok=True)
        for name, text in fresh.items():
            (SCHEMA_DIR / name).write_text(text, encoding="utf-8")
    stale = [name for name, text in fresh.items()
             if not (SCHEMA_DIR / name).is_file()
             or (SCHEMA_DIR / name).read_text(encoding="utf-8") != text]
    assert not stale, (f"schema/{stale[0]} is out of date: the loader or the taxonomy changed. "
                       "Regenerate: DIAGTREE_UPDATE_GOLDEN=1 .venv/bin/pytest "
                       "tests/test_json_schema.py (or `diagtree schema -o schema`)")
    # (the session state's schema is not a knowledge file's: tests/test_session.py checks it)
    extra = {p.name for p in SCHEMA_DIR.glob("*.json")} - set(fresh) \
        - {"diagtree-session-state.schema.json"}
    assert not extra, f"schema/ holds files diagtree no longer generates: {sorted(extra)}"


def test_schemas_are_valid_under_both_drafts(schemas: dict[str, dict[str, Any]]) -> None:
    for schema in schemas.values():
        assert schema["$schema"] == DIALECTS["2020-12"]
        Draft202012Validator.check_schema(schema)
        Draft7Validator.check_schema({**schema, "$schema": DIALECTS["7"]})


_SCHEMA_MAPS = ("properties", "patternProperties", "$defs")
_SCHEMA_ONE = ("items", "additionalProperties", "propertyNames", "not", "if", "then", "else")
_SCHEMA_LIST = ("anyOf", "oneOf", "allOf")
_ANNOTATIONS = {"description", "title", "examples", "$schema", "defaultSnippets"}
_PORTABLE = {*_SCHEMA_MAPS, *_SCHEMA_ONE, *_SCHEMA_LIST, *_ANNOTATIONS, "$ref", "type", "enum",
             "const", "required", "pattern", "minItems", "maxItems", "minLength", "maxLength",
             "minProperties", "maxProperties", "minimum", "maximum"}


def _subschemas(schema: dict[str, Any], *, constraints: bool = True
                ) -> Iterator[dict[str, Any]]:
    """Every schema inside `schema`; without `constraints`, not those under if/then/else/not
    (which restate keys already declared, to constrain them)."""
    yield schema
    for key, value in schema.items():
        if not constraints and key in ("if", "then", "else", "not"):
            continue
        if key in _SCHEMA_MAPS:
            for sub in value.values():
                yield from _subschemas(sub, constraints=constraints)
        elif key in _SCHEMA_ONE and isinstance(value, dict):
            yield from _subschemas(value, constraints=constraints)
        elif key in _SCHEMA_LIST:
            for sub in value:
                yield from _subschemas(sub, constraints=constraints)


def test_schemas_keep_to_keywords_draft_07_reads_alike(
        schemas: dict[str, dict[str, Any]]) -> None:
    for kind, schema in schemas.items():
        for sub in _subschemas(schema):
            assert set(sub) <= _PORTABLE, (kind, set(sub) - _PORTABLE)
            if "$ref" in sub:  # draft-07 ignores what sits beside $ref: annotations only
                assert set(sub) - {"$ref"} <= _ANNOTATIONS, (kind, sub)
                assert sub["$ref"].startswith("#/$defs/")


def test_every_key_has_hover_text(schemas: dict[str, dict[str, Any]]) -> None:
    for kind, schema in schemas.items():
        for sub in _subschemas(schema, constraints=False):
            for key, prop in sub.get("properties", {}).items():
                ref = prop.get("$ref", "")
                target = schema["$defs"][ref.split("/")[-1]] if ref else prop
                assert prop.get("description") or target.get("description"), (kind, key)


# -- every shipped file --------------------------------------------------------------------------
SHIPPED = sorted(TREES.rglob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(TREES)) for p in SHIPPED])
def test_every_shipped_file_validates(path: Path,
                                      schemas: dict[str, dict[str, Any]]) -> None:
    data = _shipped(path)
    kind = KIND_OF_KEY[next(k for k in KIND_OF_KEY if k in data)]
    assert _errors(schemas[kind], data) == []
    assert _errors(schemas["knowledge"], data) == []


def test_the_shipped_files_include_trees_and_subtrees() -> None:
    tops = {next(k for k in KIND_OF_KEY if k in _shipped(p)) for p in SHIPPED}
    assert {"tree", "subtree", "outcomes", "scripts", "policy", "cases"} <= tops


# -- generated from the schema (`_check.schema`), which the loader reads too ----------------------
def test_keys_come_from_the_schema(schemas: dict[str, dict[str, Any]]) -> None:
    for key, shape in FILES.items():
        body = schemas[KIND_OF_KEY[key]]
        assert list(body["properties"]) == list(shape.keys), key
        assert set(body.get("required", ())) == shape.required, key
    defs = schemas["subtree"]["$defs"]
    for kind in NODE_KINDS:
        node = defs[f"{kind}_node"]
        assert list(node["properties"]) == list(NODES[kind].keys), kind
        assert set(node["required"]) == NODES[kind].required, kind
    tree_kinds = [r["$ref"] for r in schemas["tree"]["$defs"]["node"]["oneOf"]]
    assert tree_kinds == [f"#/$defs/{k}_node" for k in NODE_KINDS if k != "exit"]
    assert defs["cause"]["anyOf"][0]["enum"] == list(CAUSES)
    locales = inspect.signature(Fields.localized).parameters["locales"].default
    assert tuple(locales) == LOCALES


def _plus(shape: Shape, key: str) -> Shape:
    return Shape(shape.name, (*shape.keys, key), shape.required)


def test_a_key_the_schema_gains_without_a_description_is_an_error(
        monkeypatch: pytest.MonkeyPatch, facts: FactSchema) -> None:
    monkeypatch.setitem(FILES, "tree", _plus(FILES["tree"], "reviewed_by"))
    with pytest.raises(SchemaDriftError, match="reviewed_by"):
        build_schema("tree", facts)
    monkeypatch.setitem(NODES, "check", _plus(NODES["check"], "weight"))
    with pytest.raises(SchemaDriftError, match="weight"):
        build_schema("subtree", facts)
    monkeypatch.setattr(_schema, "REFUND", _plus(_schema.REFUND, "currency"))
    with pytest.raises(SchemaDriftError, match="currency"):
        build_schema("outcomes", facts)


def _literal_only_calls(module: Any) -> list[frozenset[str]]:
    """The key sets a reader passes as a literal tuple to `Fields.only(...)`."""
    found = []
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "only" and node.args
                and isinstance(node.args[0], ast.Tuple)
                and all(isinstance(e, ast.Constant) for e in node.args[0].elts)):
            found.append(frozenset(str(e.value) for e in node.args[0].elts
                                   if isinstance(e, ast.Constant)))
    return found


@pytest.mark.parametrize("module", [_loader, _catalog, _policy, _scripts, _script_lint],
                         ids=lambda m: m.__name__)
def test_no_reader_lists_the_keys_of_a_mapping_itself(module: Any) -> None:
    """Each reader closes its mappings with the schema's shapes (`_check.schema`), never with
    a literal key list of its own (which could drift from the schema, fmt and JSON Schema)."""
    assert _literal_only_calls(module) == [], module.__name__


def test_every_shape_is_closed_alike_in_the_json_schema(
        schemas: dict[str, dict[str, Any]]) -> None:
    closed = {frozenset(sub.get("properties", {})) for schema in schemas.values()
              for sub in _subschemas(schema) if sub.get("additionalProperties") is False}
    shapes = [v for v in vars(_schema).values() if isinstance(v, Shape)]
    shapes += [*FILES.values(), *NODES.values()]
    assert len(shapes) > 20
    for shape in shapes:
        assert frozenset(shape.keys) in closed, f"no JSON Schema object is {shape.name}"


def test_every_fact_is_offered_as_a_valid_completion(schemas: dict[str, dict[str, Any]],
                                                     facts: FactSchema) -> None:
    defs = schemas["knowledge"]["$defs"]
    policy_facts = facts.merged(POLICY_FACTS)
    checks = [("condition", facts, "bool"), ("value_expression", facts, None),
              ("policy_condition", policy_facts, "bool")]
    for name, schema, expect in checks:
        kwargs: dict[str, Any] = {} if expect else {"expect": None}
        snippets = defs[name]["defaultSnippets"]
        assert [s["label"] for s in snippets] == list(schema)
        # what the editor inserts is YAML: read it as the loader would, then compile it
        texts = [_load(f"v: {s['bodyText']}\n")["v"] for s in snippets]
        for text in [*texts, *defs[name]["examples"]]:
            expr, problems = compile_expression(text, schema, Location("x"), **kwargs)
            assert expr is not None and not problems, (text, problems)
        assert 1 < len(defs[name]["examples"]) <= 6  # the hover text shows them all


@pytest.mark.parametrize("code", ["network.site_outage", "network.site_outage.power",
                                  "unknown.data_unavailable.hlr_2", "network", "network.nope",
                                  "network.site_outage.", "Network.site_outage",
                                  "network.site_outagex"])
def test_cause_codes_follow_the_taxonomy(code: str,
                                         schemas: dict[str, dict[str, Any]]) -> None:
    cause = {**schemas["tree"]["$defs"]["cause"], "$defs": {}}
    assert (not _errors(cause, code)) == (base_cause(code) is not None and not
                                          code.endswith(".") and code.islower())


# -- the schema agrees with the loader -----------------------------------------------------------
TREE = """
tree: fixture
version: "1.0.0"
effective_from: "2026-01-01"
title: {zh-CN: 测试, en: Fixture}
symptoms: [no_data]
owner: test
description: every key there is
changelog:
  - {version: "1.0.0", date: "2026-01-01", note: first, author: me}
questions:
  phone_kind:
    type: choice
    options: [android, iphone]
    default: android
    text: {zh-CN: 什么手机？, en: "Which phone?"}
start: sub
nodes:
  sub:
    use: part
    exits: {clear: state}
    note: n
  state:
    switch: hlr.number_state
    cases: {in_use: quota, suspended: quota, reclaimed: recycled, "null": quota}
    default: quota
    on_unknown: quota
    note: n
  recycled:
    outcome: subscriber.number_recycled
    values: {since: hlr.suspended_since}
    note: n
  quota:
    table:
      - {when: billing.plan.quota_exhausted, then: throttled, note: n}
    default: data_switch
    on_unknown: data_switch
    note: n
  throttled:
    outcome: product.quota_throttled.cap
  data_switch:
    ask: mobile_data_enabled
    yes: phone
    no: found
    note: n
  phone:
    ask: phone_kind
    cases: {android: investigate, iphone: investigate}
    note: n
  found:
    check: hlr.found
    yes: investigate
    no: investigate
    on_unknown: investigate
    note: n
  investigate:
    outcome: unknown.needs_investigation
"""

SUBTREE = """
subtree: part
version: "1.0.0"
effective_from: "2026-01-01"
title: A part
owner: test
description: every key there is
changelog:
  - {version: "1.0.0", note: first}
questions:
  phone_ok:
    type: bool
    default: true
    text: {zh-CN: 手机好吗？, en: "Is the phone fine?"}
exits: [clear]
start: first
nodes:
  first:
    ask: phone_ok
    yes: leave
    no: leave
    note: n
  leave:
    exit: clear
    note: n
"""

#: a valid value for every node key, per file (edges point at a node that exists)
SAMPLES = {
    "check": "hlr.found", "switch": "hlr.number_state", "cases": {"in_use": "@"},
    "table": [{"when": "hlr.found", "then": "@"}], "ask": "airplane_mode", "use": "part",
    "exits": {"clear": "@"}, "outcome": "device.settings", "values": {"x": "hlr.found"},
    "exit": "clear", "note": "n",
}
TARGET = {"tree": "investigate", "subtree": "leave"}


def _fill(value: Any, target: str) -> Any:
    if value == "@":
        return target
    if isinstance(value, dict):
        return {k: _fill(v, target) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, target) for v in value]
    return value


def _sample(key: str, kind: str) -> Any:
    return _fill(SAMPLES.get(key, "@"), TARGET[kind])


class Folder:
    """The fixture tree and sub-tree in a folder; judge a changed copy by loader and schema."""

    def __init__(self, path: Path, schemas: dict[str, dict[str, Any]], facts: FactSchema):
        self.path = path
        self.schemas = schemas
        self.facts = facts
        self.policy_facts = facts.merged(POLICY_FACTS)
        self.docs = {"tree": _load(TREE), "subtree": _load(SUBTREE)}
        self.written: dict[str, str] = {}

    def judge(self, kind: str, data: Any) -> tuple[bool, bool]:
        """(the loader accepts the folder, the schema accepts the changed file)."""
        for name, doc in {**self.docs, kind: data}.items():
            # JSON is YAML, and the pure-Python YAML parser reads it a little faster
            text = json.dumps(doc, ensure_ascii=False)
            if self.written.get(name) != text:
                (self.path / f"{name}.yaml").write_text(text, encoding="utf-8")
                self.written[name] = text
        try:
            load_library([self.path], self.facts, self.policy_facts, require_policy=False)
            loader_ok = True
        except AuthoringError:
            loader_ok = False
        return loader_ok, not _errors(self.schemas[kind], data, both_drafts=False)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, schemas: dict[str, dict[str, Any]],
           facts: FactSchema) -> Folder:
    return Folder(tmp_path_factory.mktemp("fixture"), schemas, facts)


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _records(kind: str, data: Any) -> list[tuple[Any, ...]]:
    """The paths of every mapping the loader closes (its keys are a fixed set)."""
    paths: list[tuple[Any, ...]] = [(), ("changelog", 0)]
    paths += [("questions", q) for q in data["questions"]]
    paths += [("questions", q, "text") for q in data["questions"]
              if isinstance(data["questions"][q]["text"], dict)]
    if isinstance(data["title"], dict):
        paths.append(("title",))
    for nid, node in data["nodes"].items():
        paths.append(("nodes", nid))
        paths += [("nodes", nid, "table", i) for i in range(len(node.get("table", [])))]
    return paths


#: what the schema cannot know: a node's question type when the question is declared in the
#: file (`cases` on a declared yes/no question), and a `use` node's exits (the sub-tree's own
#: list is in another file); `questions` and `exits` removed break references it cannot follow
ONLY_THE_LOADER = {
    ("tree", "delete", ("questions",)), ("subtree", "delete", ("questions",)),
    ("tree", "delete", ("nodes", "sub", "exits")),
    ("subtree", "add", ("nodes", "first", "cases")),
}


def _mutations(folder: Folder) -> Iterator[tuple[str, str, tuple[Any, ...], Any]]:
    for kind, doc in folder.docs.items():
        for record in _records(kind, doc):
            yield kind, "add", (*record, "zzz"), copy.deepcopy(doc)
            for key in _get(doc, record):
                yield kind, "delete", (*record, key), copy.deepcopy(doc)
        # every key of every node kind, added to each node; a second kind key, to one node
        other_keys = set(_schema.node_keys()) - set(NODE_KINDS)
        for i, (nid, node) in enumerate(doc["nodes"].items()):
            for key in sorted((other_keys | (set(NODE_KINDS) if i == 0 else set())) - set(node)):
                yield kind, "add", ("nodes", nid, key), copy.deepcopy(doc)


def test_schema_and_loader_agree_on_every_key(folder: Folder) -> None:
    assert folder.judge("tree", folder.docs["tree"]) == (True, True)
    disagree = []
    count = 0
    for kind, how, path, data in _mutations(folder):
        parent = _get(data, path[:-1])
        if how == "delete":
            del parent[path[-1]]
        else:
            parent[path[-1]] = _sample(path[-1], kind)
        loader_ok, schema_ok = folder.judge(kind, data)
        count += 1
        if loader_ok != schema_ok and (kind, how, path) not in ONLY_THE_LOADER:
            disagree.append(f"{kind}: {how} {'.'.join(map(str, path))}: loader "
                            f"{'accepts' if loader_ok else 'rejects'}, schema "
                            f"{'accepts' if schema_ok else 'rejects'}")
    assert count > 80
    assert not disagree, "\n".join(disagree)


VALUES: list[tuple[str, tuple[Any, ...], Any, bool]] = [
    # (file, path, new value, whether both accept it)
    ("tree", ("nodes", "recycled", "outcome"), "network.site_outage.power", True),
    ("tree", ("nodes", "recycled", "outcome"), "network.site_outage.nope", True),
    ("tree", ("nodes", "recycled", "outcome"), "network.nope", False),
    ("tree", ("nodes", "recycled", "outcome"), "network", False),
    ("tree", ("symptoms",), "no_data", True),
    ("tree", ("symptoms",), ["no_dta"], False),
    ("tree", ("tree",), "bad id", False),
    ("tree", ("start",), 5, False),
    ("tree", ("version",), 1.2, True),
    ("tree", ("version",), None, False),
    ("tree", ("effective_from",), "2026-13-01", False),
    ("tree", ("effective_from",), "soon", False),
    ("tree", ("effective_from",), None, True),
    ("tree", ("title",), "Plain", True),
    ("tree", ("title",), {"en": "only English"}, False),
    ("tree", ("changelog",), None, True),
    ("tree", ("changelog",), [{"version": "1", "note": "x", "by": "me"}], False),
    ("tree", ("owner",), None, True),
    ("tree", ("questions", "phone_kind", "type"), "multi", False),
    ("tree", ("questions", "phone_kind", "options"), None, False),
    ("tree", ("questions", "phone_kind", "default"), None, False),
    ("tree", ("questions", "phone_kind", "default"), True, False),
    ("subtree", ("questions", "phone_ok", "default"), "yes please", False),
    ("subtree", ("questions", "phone_ok", "options"), ["a"], True),
    ("tree", ("nodes", "found", "check"), True, True),
    ("tree", ("nodes", "found", "check"), "", False),
    ("tree", ("nodes", "found", "check"), "   ", False),
    ("tree", ("nodes", "found", "check"), None, False),
    ("tree", ("nodes", "found", "check"), "x" * 501, False),
    ("tree", ("nodes", "found", "yes"), None, False),
    ("tree", ("nodes", "found", "on_unknown"), None, True),
    ("tree", ("nodes", "state", "default"), None, True),
    ("tree", ("nodes", "quota", "table"), [], False),
    ("tree", ("nodes", "quota", "table"), None, False),
    ("tree", ("nodes", "quota", "table"), [{"when": "hlr.found", "then": "throttled"}] * 65,
     False),
    ("tree", ("nodes", "quota", "default"), None, False),
    ("tree", ("nodes", "recycled", "values"), {"bad name": "hlr.found"}, False),
    ("tree", ("nodes", "recycled", "values"), {"since": None}, False),
    ("tree", ("nodes", "recycled", "values"), {"n": 3}, True),
    ("tree", ("nodes", "recycled", "values"), None, False),
    ("tree", ("nodes", "recycled"), "network.site_outage", False),
    ("tree", ("nodes", "data_switch", "cases"), {"true": "phone"}, False),
    ("subtree", ("exits",), "clear", True),
    ("subtree", ("exits",), None, False),
    ("subtree", ("nodes", "leave"), {"outcome": "device.settings", "exit": "clear"}, False),
]


@pytest.mark.parametrize(("kind", "path", "value", "valid"), VALUES,
                         ids=[f"{k}:{'.'.join(map(str, p))}={v!r:.30}" for k, p, v, _ in VALUES])
def test_schema_and_loader_agree_on_values(folder: Folder, kind: str, path: tuple[Any, ...],
                                           value: Any, valid: bool) -> None:
    data = copy.deepcopy(folder.docs[kind])
    _get(data, path[:-1])[path[-1]] = value
    assert folder.judge(kind, data) == (valid, valid)


def test_a_node_id_must_be_a_simple_name(folder: Folder) -> None:
    data = copy.deepcopy(folder.docs["tree"])
    data["nodes"]["bad id"] = data["nodes"].pop("investigate")
    for node in ("found",):
        data["nodes"][node]["yes"] = data["nodes"][node]["no"] = "bad id"
    assert folder.judge("tree", data) == (False, False)


LOADER_ONLY: list[tuple[str, tuple[Any, ...], Any]] = [
    ("tree", ("nodes", "found", "check"), "hlr.nope"),  # facts and types
    ("tree", ("nodes", "found", "check"), "hlr.number_state"),  # not a condition
    ("tree", ("nodes", "found", "yes"), "nowhere"),  # references
    ("tree", ("nodes", "state", "cases"), {"recycled": "quota"}),  # enum values
    ("tree", ("nodes", "phone", "ask"), "undeclared"),  # questions
    ("tree", ("questions", "phone_kind", "default"), "blackberry"),  # default among options
    ("subtree", ("nodes", "leave", "exit"), "elsewhere"),  # exits declared
    ("tree", ("effective_from",), "2026-02-30"),  # calendar
]


@pytest.mark.parametrize(("kind", "path", "value"), LOADER_ONLY,
                         ids=[f"{k}:{'.'.join(map(str, p))}" for k, p, _ in LOADER_ONLY])
def test_what_only_the_loader_sees(folder: Folder, kind: str, path: tuple[Any, ...],
                                   value: Any) -> None:
    """The schema checks shape; `diagtree validate` checks meaning (documented in editor.md)."""
    data = copy.deepcopy(folder.docs[kind])
    _get(data, path[:-1])[path[-1]] = value
    assert folder.judge(kind, data) == (False, True)


# -- broken trees, as an author writes them ------------------------------------------------------
BROKEN = {
    "unknown key": ("nodes:\n  a:\n    check: hlr.found\n    yes: b\n    no: b\n    colour: red\n",
                    "$.nodes.a"),
    "two kinds": ("nodes:\n  a:\n    check: hlr.found\n    outcome: device.settings\n"
                  "    yes: b\n    no: b\n", "$.nodes.a"),
    "no kind": ("nodes:\n  a:\n    cheque: hlr.found\n    yes: b\n    no: b\n", "$.nodes.a"),
    "bad cause code": ("nodes:\n  a:\n    outcome: network.outage\n", "$.nodes.a"),
    "exit in a tree": ("nodes:\n  a:\n    exit: clear\n", "$.nodes.a"),
    "unknown top key": ("exits: [clear]\nnodes:\n  a:\n    outcome: device.settings\n", "$"),
    "ask with both forms": ("nodes:\n  a:\n    ask: airplane_mode\n    cases: {x: b}\n",
                            "$.nodes.a"),
}
HEAD = 'tree: t\nversion: "1"\ntitle: T\nsymptoms: [no_data]\nstart: a\n'


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_trees_fail(case: str, schemas: dict[str, dict[str, Any]],
                           tmp_path: Path, facts: FactSchema) -> None:
    text, where = BROKEN[case]
    data = _load(HEAD + text + "  b:\n    outcome: device.settings\n")
    errors = _errors(schemas["tree"], data)
    assert errors and any(e.startswith(where + ":") for e in errors), errors
    assert _errors(schemas["knowledge"], data)
    (tmp_path / "t.yaml").write_text(HEAD + text + "  b:\n    outcome: device.settings\n",
                                     encoding="utf-8")
    with pytest.raises(AuthoringError):  # the loader agrees
        load_library([tmp_path], facts, facts.merged(POLICY_FACTS), require_policy=False)


def test_the_knowledge_schema_dispatches_as_the_loader_does(
        schemas: dict[str, dict[str, Any]]) -> None:
    knowledge = schemas["knowledge"]
    policy = _load((TREES / "policy.yaml").read_text(encoding="utf-8"))
    assert not _errors(knowledge, policy)
    assert _errors(knowledge, {**policy, "outcomes": {}})  # `outcomes` wins: policy is unknown
    assert _errors(knowledge, {"nothing": 1})
    assert _errors(knowledge, {"tree": "t"})


def test_scenario_complaints_are_checked(schemas: dict[str, dict[str, Any]]) -> None:
    complaint = {"type": "bill_dispute", "msisdn": "8613800000001",
                 "reported_at": "2026-11-20T09:30:00+08:00"}
    case = {"id": "c", "complaint": complaint, "expect": {"cause": "billing"}}
    assert not _errors(schemas["scenarios"], {"cases": [case]})
    for broken in ({**complaint, "chanel": "app"}, {**complaint, "type": "no_data"},
                   {**complaint, "msisdn": "+86 138"}, {**complaint, "channel": "fax"}):
        assert _errors(schemas["scenarios"], {"cases": [{**case, "complaint": broken}]})
    assert _errors(schemas["scenarios"], {"cases": [{**case, "expect": {}}]})
    assert _errors(schemas["scenarios"], {"cases": [{**case, "down": ["hss"]}]})


@pytest.mark.parametrize("text", ["2026-11-20T09:30:00+08:00", "2026-11-20 09:30Z",
                                  "2026-11-20T09:30:00.5-05", "2026-11-20T09:30:00",
                                  "2026-11-20", "yesterday"])
def test_reported_at_needs_an_offset(text: str, schemas: dict[str, dict[str, Any]]) -> None:
    import datetime as dt

    pattern = schemas["scenarios"]["$defs"]["complaint"]["properties"]["reported_at"]["pattern"]
    try:
        accepted = dt.datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        accepted = False
    assert bool(re.search(pattern, text)) == accepted


# -- the command ---------------------------------------------------------------------------------
def _run(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="diagtree")
    add_schema(parser.add_subparsers(dest="verb", required=True))
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        args = parser.parse_args(["schema", *argv])
        code: int = args.run(args)
    return code, out.getvalue(), err.getvalue()


def test_the_command_writes_what_is_committed(tmp_path: Path) -> None:
    code, out, _ = _run("-o", str(tmp_path / "s"))
    assert code == 0 and out.count("wrote ") == len(KINDS)
    for name in FILE_NAMES.values():
        assert (tmp_path / "s" / name).read_text(encoding="utf-8") == \
            (SCHEMA_DIR / name).read_text(encoding="utf-8")
    assert _run("-o", str(tmp_path / "s"), "--check") == (
        0, f"ok: {len(KINDS)} schema(s) up to date\n", "")
    (tmp_path / "s" / FILE_NAMES["tree"]).write_text("{}", encoding="utf-8")
    code, out, _ = _run("-o", str(tmp_path / "s"), "--check")
    assert code == 1 and "diagtree-tree.schema.json: out of date" in out


def test_the_command_writes_one_kind(tmp_path: Path, facts: FactSchema) -> None:
    code, out, _ = _run("--kind", "subtree")
    assert code == 0 and json.loads(out) == build_schema("subtree", facts)
    assert _run("--kind", "tree", "-o", str(tmp_path))[0] == 0
    assert (tmp_path / FILE_NAMES["tree"]).is_file()
    assert _run("--kind", "policy", "-o", str(tmp_path / "p.json"))[0] == 0
    assert json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))["title"] == \
        "diagtree policy"
    code, out, _ = _run("--kind", "tree", "--draft", "7")
    assert json.loads(out)["$schema"] == DIALECTS["7"]


def test_the_command_refuses_bad_usage(tmp_path: Path) -> None:
    code, _, err = _run()
    assert code == 2 and "give -o FOLDER" in err
    code, _, err = _run("--kind", "tree", "--check")
    assert code == 2 and "--check needs -o" in err
    (tmp_path / "f").write_text("x", encoding="utf-8")
    code, _, err = _run("-o", str(tmp_path / "f"))
    assert code == 2 and "is a file" in err
    code, _, err = _run("-o", str(tmp_path / "f" / "sub"))
    assert code == 2 and "diagtree schema:" in err


# -- the editor guide ----------------------------------------------------------------------------
def test_the_editor_guide_names_real_schema_files() -> None:
    text = (ROOT / "docs" / "editor.md").read_text(encoding="utf-8")
    settings = re.search(r"```json\n(.*?)```", text, re.DOTALL)
    assert settings is not None
    mapping = json.loads(settings.group(1))["yaml.schemas"]
    for schema_path in mapping:
        assert (ROOT / schema_path).is_file(), schema_path
    for target in re.findall(r"\$schema=(\S+)", text):
        if not target.startswith(("http", "<")):
            assert (ROOT / "trees" / target).resolve().is_file() or \
                (ROOT / target.lstrip("./")).is_file(), target
