"""The knowledge-file schema (`_check.schema`) is the one list of keys: the loader and the other
readers, ``diagtree fmt`` and the JSON Schema agree with it, and so with each other.

- Every shipped file (trees, sub-trees, catalog, scripts, script rules, policy, scenarios):
  each of its mappings has only the schema's keys and all its required keys; its reader accepts
  it; fmt leaves it unchanged (tree files are in the canonical layout, other files are not
  fmt's to touch); the generated JSON Schema validates it.
- The orders: fmt writes every mapping's keys in the schema's order; the JSON Schema lists each
  shape's keys in that order and requires its required keys.
- Property: a tree or sub-tree file generated from the schema (any optional keys, any key
  order, perhaps a required key dropped or a foreign key added) is accepted by the loader
  exactly when the JSON Schema accepts it, and fmt writes its keys in the schema's order.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from diagtree._author.fmt import TOP_KEYS, FmtError, format_checked, format_text
from diagtree._author.json_schema import build_schema
from diagtree._check import schema as S
from diagtree._check.catalog import read_catalog
from diagtree._check.policy import read_policy
from diagtree._check.regulator import read_regulator_classes
from diagtree._check.script_lint import read_script_rules
from diagtree._check.scripts import ScriptBook, read_scripts
from diagtree._check.tree import read_tree_file
from diagtree._cli.common import default_schema
from diagtree._errors import Problem
from diagtree._load.files import FILE_KINDS, file_kind, knowledge_files
from diagtree._load.yaml import load_yaml
from diagtree._testing.scenarios import load_cases
from diagtree._vocab.engine_facts import POLICY_FACTS

ROOT = Path(__file__).resolve().parent.parent
TREES = ROOT / "trees"
SHIPPED = knowledge_files([TREES])
#: the JSON Schema's name of each file kind
SCHEMA_KIND = {k: "scenarios" if k == "cases" else k for k in FILE_KINDS}


@functools.cache
def _json_validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(build_schema(SCHEMA_KIND[kind], default_schema()))


def _json_errors(kind: str, data: Any) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in _json_validator(kind).iter_errors(data)]


def _errors(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems if p.severity == "error"]


def _reader_errors(kind: str, path: Path, text: str) -> list[str]:
    """What the file's own reader says about it (the checks of one file, not the library's)."""
    schema = default_schema()
    if kind in ("tree", "subtree"):
        problems: list[Problem] = []
        doc, _ = read_tree_file(text, str(path), schema, problems)
        return _errors(problems) or ([] if doc is not None else ["did not load"])
    if kind == "cases":
        cases, problems = load_cases([path])
        return _errors(problems) + [e for c in cases for e in _errors(c.problems)]
    data, pos, problems = load_yaml(text, str(path))
    if kind == "outcomes":
        read_catalog(data, pos, problems)
    elif kind == "scripts":
        read_scripts(data, pos, problems, ScriptBook())
    elif kind == "script_rules":
        read_script_rules(data, pos, problems)
    elif kind == "regulator_classes":
        read_regulator_classes(data, pos, problems)
    else:
        assert kind == "policy"
        read_policy(data, pos, schema.merged(POLICY_FACTS), problems)
    return _errors(problems)


# -- every shipped file ----------------------------------------------------------------------------
def test_the_shipped_files_hold_every_kind() -> None:
    kinds = {file_kind(p) for p in SHIPPED}
    assert kinds == set(FILE_KINDS), set(FILE_KINDS) - kinds


@pytest.mark.parametrize("path", SHIPPED, ids=[p.relative_to(TREES).as_posix() for p in SHIPPED])
def test_every_shipped_file_agrees_with_the_schema(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    data, _, problems = load_yaml(text, str(path))
    assert not problems
    kind = file_kind(data)
    assert kind is not None and kind == file_kind(path)
    # the schema: only its keys, all the required ones
    places = list(S.shapes_in(kind, data))
    assert places and places[0][1] is S.FILES[kind]
    for where, shape, mapping in places:
        assert set(mapping) <= set(shape.keys), (where, set(mapping) - set(shape.keys))
        assert shape.required <= set(mapping), (where, shape.required - set(mapping))
    # its reader accepts it
    assert _reader_errors(kind, path, text) == []
    # fmt leaves it unchanged: a tree file is in the canonical layout; fmt refuses other kinds
    if kind in ("tree", "subtree"):
        assert format_checked(text, str(path), default_schema()) == text
    else:
        with pytest.raises(FmtError):  # not a tree file (or one with anchors fmt won't touch)
            format_text(text)
    # the JSON Schema of its kind validates it (test_json_schema.py: the "knowledge" one too)
    assert _json_errors(kind, data) == []


def test_the_reference_names_every_file_kind() -> None:
    """docs/reference.md's table of file kinds lists each top-level key that tells a kind."""
    text = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    table = text.split("## File kinds", 1)[1].split("\n\n", 3)[2]
    assert [line.split("`")[1] for line in table.splitlines()[2:]] == \
        [f"{k}:" for k in FILE_KINDS]


# -- the orders ------------------------------------------------------------------------------------
def _keys_as_formatted(text: str, path: tuple[str | int, ...]) -> list[str]:
    value: Any = load_yaml(format_text(text), "f.yaml")[0]
    for part in path:
        value = value[part]
    return list(value)


TREE_PLACES = sorted({(kind, path) for kind in ("tree", "subtree")
                      for path in S.PLACES[kind]}, key=str)


def _concrete(place: tuple[str, ...]) -> tuple[str | int, ...]:
    """A path of a real file for a place (`*` is the first item of a list, or an id)."""
    return tuple((0 if place[i - 1] in ("changelog", "table") else "x") if p == "*" else p
                 for i, p in enumerate(place))


def _put(doc: dict[str, Any], path: tuple[str | int, ...], value: dict[str, Any]) -> None:
    target: Any = doc
    for part, after in zip(path, (*path[1:], None), strict=True):
        inner: Any = value if after is None else ([] if isinstance(after, int) else {})
        if isinstance(target, list):
            target.append(inner)
        else:
            target[part] = inner
        target = inner


@pytest.mark.parametrize(("kind", "place"), TREE_PLACES)
def test_fmt_writes_each_place_of_a_tree_file_in_the_schema_order(
        kind: str, place: tuple[str, ...]) -> None:
    shape = S.PLACES[kind][place]
    backwards = {k: "v" for k in reversed(shape.keys)}
    if place:
        doc: dict[str, Any] = {kind: "t1"}
        _put(doc, _concrete(place), backwards)
    else:
        doc = backwards
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    assert _keys_as_formatted(text, _concrete(place)) == list(shape.keys)


@pytest.mark.parametrize("node_kind", S.NODE_KINDS)
def test_fmt_writes_each_node_kind_in_the_schema_order(node_kind: str) -> None:
    shape = S.NODES[node_kind]
    node = {k: "v" for k in reversed(shape.keys)}
    text = yaml.safe_dump({"subtree": "s", "nodes": {"n": node}}, sort_keys=False)
    assert _keys_as_formatted(text, ("nodes", "n")) == list(shape.keys)


def test_the_top_level_order_of_fmt_keeps_both_file_kinds() -> None:
    for kind in ("tree", "subtree"):
        keys = S.FILES[kind].keys
        assert [k for k in TOP_KEYS if k in keys] == list(keys)
    assert "effective_from" in TOP_KEYS  # the drift this schema ended (fmt lacked it)


def _closed_objects(node: Any) -> list[dict[str, Any]]:
    out = []
    if isinstance(node, dict):
        if node.get("additionalProperties") is False and "properties" in node:
            out.append(node)
        for value in node.values():
            out += _closed_objects(value)
    elif isinstance(node, list):
        for value in node:
            out += _closed_objects(value)
    return out


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_the_json_schema_lists_every_shape_in_order_with_its_required_keys(kind: str) -> None:
    closed = _closed_objects(build_schema(SCHEMA_KIND[kind], default_schema()))
    shapes = {*S.PLACES[kind].values(), *(S.NODES.values() if kind in ("tree", "subtree")
                                          else ())}
    for shape in shapes:
        if shape is S.NODES["exit"] and kind == "tree":
            continue  # exit nodes belong to sub-trees
        found = [o for o in closed if list(o["properties"]) == list(shape.keys)]
        assert found, f"no JSON Schema object lists the keys of {shape.name} in order"
        assert any(set(o.get("required", ())) == shape.required for o in found), shape.name


def test_merged_order_keeps_each_order_and_refuses_a_contradiction() -> None:
    assert S.merged_order([("a", "c"), ("b", "c", "d"), ("a", "d")]) == ("a", "b", "c", "d")
    with pytest.raises(ValueError, match="disagree"):
        S.merged_order([("a", "b"), ("b", "a")])
    with pytest.raises(ValueError, match="twice"):
        S.Shape("x", ("a", "a"))
    with pytest.raises(ValueError, match="required"):
        S.Shape("x", ("a",), frozenset({"b"}))


# -- property: documents generated from the schema -------------------------------------------------
#: a value for every key of a tree or sub-tree file that loads (the loader checks values too)
_TOP_VALUES: dict[str, Any] = {
    "tree": "t1", "subtree": "s1", "version": "1.0.0", "effective_from": "2027-01-01",
    "title": {"zh-CN": "标题", "en": "Title"}, "symptoms": ["no_service"], "owner": "ops",
    "description": "why", "changelog": [{"version": "1.0.0", "date": "2026-11-22",
                                         "author": "me", "note": "first"}],
    "questions": {"reboot_done": {"type": "bool", "default": False,
                                  "text": {"zh-CN": "重启了吗", "en": "Rebooted?"}},
                  "colour": {"type": "choice", "options": ["red", "blue"], "default": "red",
                             "text": "Which?"}},
    "exits": ["done"], "start": "n_check",
}
#: a node of each kind holding every key it may have; `ask` keeps `yes`/`no` (its question is
#: a standard yes/no question, so they are required, and `cases` is not allowed)
_NODES: dict[str, dict[str, Any]] = {
    "check": {"check": "hlr.found", "yes": "o0", "no": "o0", "on_unknown": "o0", "note": "n"},
    "switch": {"switch": "hlr.number_state",
               "cases": {"in_use": "o0", "suspended": "o0", "reclaimed": "o0"},
               "default": "o0", "on_unknown": "o0", "note": "n"},
    "table": {"table": [{"when": "hlr.found", "then": "o0", "note": "n"}], "default": "o0",
              "on_unknown": "o0", "note": "n"},
    "ask": {"ask": "airplane_mode", "yes": "o0", "no": "o0", "note": "n"},
    "use": {"use": "s1", "exits": {"done": "o0"}, "note": "n"},
    "outcome": {"outcome": "network.weak_coverage", "values": {"eta": "hlr.apn"}, "note": "n"},
    "exit": {"exit": "done", "note": "n"},
}


def _kept(where: tuple[str | int, ...], mapping: dict[str, Any]) -> set[str]:
    """Keys optional to the schema that the values around them require: a yes/no question's
    `yes` and `no`, a choice question's `options` (both sides check these)."""
    if where[:1] == ("nodes",) and "ask" in mapping:
        return {"yes", "no"}
    if where[:1] == ("questions",) and mapping.get("type") == "choice":
        return {"options"}
    return set()


def _full(kind: str) -> dict[str, Any]:
    doc = {k: copy.deepcopy(_TOP_VALUES[k]) for k in S.FILES[kind].keys if k in _TOP_VALUES}
    doc["nodes"] = {f"n_{k}": copy.deepcopy(v) for k, v in _NODES.items()
                    if kind == "subtree" or k != "exit"}
    doc["nodes"]["o0"] = {"outcome": "network.weak_coverage"}
    return doc


@st.composite
def generated(draw: st.DrawFn) -> tuple[str, dict[str, Any], str]:
    """(kind, a document generated from the schema, what was done to it)."""
    kind = draw(st.sampled_from(["tree", "subtree"]))
    doc = _full(kind)
    # drop any optional keys of any shaped mapping, and shuffle every shaped mapping's keys
    for where, shape, mapping in list(S.shapes_in(kind, doc)):
        if not isinstance(mapping, dict) or where == ("nodes", "o0"):
            continue
        kept = _kept(where, mapping)
        for key in shape.optional():
            if key in mapping and key not in kept and key != "nodes" and draw(st.booleans()):
                del mapping[key]
        items = draw(st.permutations(list(mapping.items())))
        mapping.clear()
        mapping.update(items)
    if doc.get("start") not in doc["nodes"]:
        doc["start"] = "o0"
    places = [(w, s, m) for w, s, m in S.shapes_in(kind, doc) if isinstance(m, dict)]
    how = draw(st.sampled_from(["as generated", "a required key dropped", "a foreign key"]))
    where, shape, mapping = draw(st.sampled_from(places))
    if how == "a required key dropped":
        present = sorted(shape.required & set(mapping))
        if not present:
            return kind, doc, "as generated"
        key = draw(st.sampled_from(present))
        del mapping[key]
        return kind, doc, f"{how}: {key} at {where}"
    if how == "a foreign key":
        mapping["zzz"] = "v"
        return kind, doc, f"{how} at {where}"
    return kind, doc, how


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated())
def test_a_file_generated_from_the_schema_is_judged_alike_and_formatted_in_its_order(
        case: tuple[str, dict[str, Any], str]) -> None:
    kind, doc, how = case
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    problems: list[Problem] = []
    loaded, data = read_tree_file(text, "g.yaml", default_schema(), problems)
    loader_ok = loaded is not None and not _errors(problems)
    json_ok = not _json_errors(kind, data)
    assert loader_ok == json_ok, (how, _errors(problems), _json_errors(kind, data))
    assert loader_ok == (how == "as generated"), (how, _errors(problems))
    if loader_ok:
        out = load_yaml(format_checked(text, "g.yaml", default_schema()), "g.yaml")[0]
        for where, shape, mapping in S.shapes_in(kind, out):
            assert list(mapping) == [k for k in shape.keys if k in mapping], where
