"""Properties of loading and walking randomly generated trees (hypothesis).

- A generated tree folder either fails to load with an `AuthoringError` whose every problem is
  located (file, line ≥ 1, col ≥ 1), or loads; and then, for any facts (a value, null or UNKNOWN
  per fact) and any answers, the compiled walk ends at exactly one outcome step within a bounded
  number of steps, never raising, and the traced walk ends at the same step.
- Malformed files (garbage text, wrong types at every key) never make `load_library` raise
  anything but `AuthoringError`.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from diagtree._errors import AuthoringError
from diagtree._vocab.facts import UNKNOWN
from diagtree._walk.walk import materialize

from tree_helpers import (
    SMALL_FACTS,
    FakeStore,
    load,
    walk,
    walk_traced,
)

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])

# -- the vocabulary of generated trees -------------------------------------------------------------
GOOD_CONDITIONS = [
    "s.flag", "not s.other", "s.count > 2", "s.level <= s.count", 's.state == "suspended"',
    's.state in ["in_use", "reclaimed"]', "t.ok and s.flag", "s.flag or t.ok",
    's.name == "x"', "s.count + s.level >= 3", 't.mode != "auto"', "s.count == null",
    "s.flag and (s.other or not t.ok)", "s.count / s.level > 1", "abs(s.count - 3) < 2",
    "hours_since(complaint.reported_at) >= 0",
]
BAD_CONDITIONS = [
    "s.flg", 's.state == "reclamed"', "s.flag == 3", "s.count", "s.flag and", "s.count >",
    "", "s.flag # hi", "x.y", "s.flag is True", "[1, 2]", "count(s.flag)",
]
SUBJECTS: dict[str, list[str]] = {  # switch subject → the case keys that fit it
    "s.state": ["in_use", "suspended", "reclaimed", "null"],
    "t.mode": ["auto", "manual", "null"],
    "s.flag": ["true", "false", "null"],
    "s.count": ["0", "1", "2", "null"],
    "s.name": ["x", "y", "null"],
}
BAD_SUBJECTS = ["s.lvl", "s.count / 2", "s.flag and"]
CAUSES = ["network.site_outage", "network.weak_coverage", "device.settings",
          "billing.suspended_arrears", "network.site_outage.power", "unknown.needs_investigation"]
BAD_CAUSES = ["network.site_outge", "nope", "network"]
WHERE = ["indoor", "outdoor", "both"]
QUESTIONS = {"where": {"type": "choice", "options": WHERE, "default": "indoor",
                       "text": {"zh-CN": "哪里", "en": "Where"}}}


def _typo(word: str) -> str:
    return word[:-1] if len(word) > 2 else word + "x"


@st.composite
def node_graph(draw: st.DrawFn, prefix: str, leaves: list[str], *, allow_use: bool,
               bad: bool) -> tuple[str, dict[str, Any]]:
    """Decision nodes <prefix>0..n-1 over `leaves`; returns (start, nodes)."""
    n = draw(st.integers(1, 6))
    ids = [f"{prefix}{i}" for i in range(n)]
    dag = not bad or draw(st.integers(0, 3)) > 0  # arbitrary graphs (cycles) only with `bad`

    def target(i: int) -> str:
        pool = ids[i + 1:] + leaves if dag else ids + leaves
        t = draw(st.sampled_from(pool))
        if bad and draw(st.integers(0, 15)) == 0:
            return _typo(t)
        return t

    def condition() -> str:
        if bad and draw(st.integers(0, 10)) == 0:
            return draw(st.sampled_from(BAD_CONDITIONS))
        return draw(st.sampled_from(GOOD_CONDITIONS))

    kinds = ["check", "switch", "table", "ask", "ask_choice"] + (["use"] if allow_use else [])
    nodes: dict[str, Any] = {}
    for i, nid in enumerate(ids):
        kind = draw(st.sampled_from(kinds))
        node: dict[str, Any]
        if kind == "check":
            node = {"check": condition(), "yes": target(i), "no": target(i)}
        elif kind == "switch":
            subject = draw(st.sampled_from(list(SUBJECTS)))
            keys = draw(st.lists(st.sampled_from(SUBJECTS[subject]), unique=True, max_size=4))
            if bad and draw(st.integers(0, 10)) == 0:
                subject = draw(st.sampled_from(BAD_SUBJECTS))
            node = {"switch": subject, "cases": {k: target(i) for k in keys}}
            if not bad or draw(st.integers(0, 3)) > 0:
                node["default"] = target(i)
        elif kind == "table":
            rows = [{"when": condition(), "then": target(i)}
                    for _ in range(draw(st.integers(1, 3)))]
            node = {"table": rows}
            if not bad or draw(st.integers(0, 5)) > 0:
                node["default"] = target(i)
        elif kind == "ask":
            node = {"ask": "airplane_mode", "yes": target(i), "no": target(i)}
        elif kind == "ask_choice":
            options = WHERE if not bad or draw(st.booleans()) else WHERE[:2]
            node = {"ask": "where", "cases": {o: target(i) for o in options}}
        else:
            exits = ["clear", "hit"]
            if bad and draw(st.integers(0, 8)) == 0:
                exits = draw(st.sampled_from([["clear"], ["clear", "hti"], []]))
            node = {"use": "sub" if not bad or draw(st.integers(0, 10)) else "sbu",
                    "exits": {e: target(i) for e in exits}}
        if draw(st.integers(0, 5)) == 0 and kind in ("check", "switch", "table"):
            node["on_unknown"] = target(i)
        nodes[nid] = node
    return ids[0], nodes


def _targets(node: Any) -> list[str]:
    """The node ids a generated node (a dict) refers to."""
    out = [node.get(k) for k in ("yes", "no", "default", "on_unknown")]
    for key in ("cases", "exits"):
        if isinstance(node.get(key), dict):
            out += list(node[key].values())
    if isinstance(node.get("table"), list):
        out += [row.get("then") for row in node["table"] if isinstance(row, dict)]
    return [t for t in out if isinstance(t, str)]


def _prune(start: str, nodes: dict[str, Any]) -> dict[str, Any]:
    """Only the nodes reachable from `start` (so that most generated trees can load)."""
    seen, todo = set(), [start]
    while todo:
        nid = todo.pop()
        if nid in seen or nid not in nodes:
            continue
        seen.add(nid)
        todo += _targets(nodes[nid])
    return {nid: node for nid, node in nodes.items() if nid in seen}


@st.composite
def tree_files(draw: st.DrawFn, bad: bool) -> dict[str, dict[str, Any]]:
    """A tree file and (sometimes) a sub-tree file it may use, as YAML-ready dicts."""
    with_sub = draw(st.booleans())
    outcomes = {f"o{i}": {"outcome": draw(st.sampled_from(CAUSES))}
                for i in range(draw(st.integers(1, 3)))}
    if bad and draw(st.integers(0, 8)) == 0:
        outcomes["o0"]["outcome"] = draw(st.sampled_from(BAD_CAUSES))
    if draw(st.integers(0, 3)) == 0:
        outcomes["o0"]["values"] = {"n": "s.count", "state": "s.state"}
    start, nodes = draw(node_graph("d", list(outcomes), allow_use=with_sub, bad=bad))
    if bad and draw(st.integers(0, 15)) == 0:
        start = _typo(start)
    prune = not bad or draw(st.integers(0, 4)) > 0
    tree_nodes = {**nodes, **outcomes}
    files: dict[str, dict[str, Any]] = {"t.yaml": {
        "tree": "t1", "version": "1", "title": "T", "symptoms": ["no_service"],
        "questions": QUESTIONS, "start": start,
        "nodes": _prune(start, tree_nodes) if prune else tree_nodes}}
    if with_sub:
        leaves = {"x_clear": {"exit": "clear"}, "x_hit": {"exit": "hit"},
                  "x_out": {"outcome": draw(st.sampled_from(CAUSES))}}
        sub_start, sub_nodes = draw(node_graph("s", list(leaves), allow_use=False, bad=bad))
        sub_all = {**sub_nodes, **leaves}
        files["sub.yaml"] = {"subtree": "sub", "version": "1", "title": "S",
                             "exits": ["clear", "hit"], "questions": QUESTIONS,
                             "start": sub_start,
                             "nodes": _prune(sub_start, sub_all) if prune else sub_all}
    return files


def _write_files(folder: Path, files: dict[str, Any]) -> None:
    for old in folder.glob("*.yaml"):
        old.unlink()
    for name, data in files.items():
        text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False,
                                                                 allow_unicode=True)
        (folder / name).write_text(text, encoding="utf-8")


# -- facts ----------------------------------------------------------------------------------------
REPORTED = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _value_of(kind: str, values: tuple[str, ...]) -> st.SearchStrategy[Any]:
    if kind == "bool":
        return st.booleans()
    if kind == "int":  # now and then beyond any float: `s.count / s.level` then has no value
        return st.integers(-3, 5) | st.just(10**400)
    if kind == "enum":
        return st.sampled_from(values)
    if kind == "string":
        return st.sampled_from(["x", "y", ""])
    return st.just(REPORTED)


def fact_values() -> st.SearchStrategy[dict[str, Any]]:
    per_fact = {name: st.one_of(_value_of(t.kind, t.values), st.none(), st.just(UNKNOWN))
                for name, t in SMALL_FACTS.items()}
    return st.fixed_dictionaries(per_fact)


ANSWERS = st.fixed_dictionaries({}, optional={
    "airplane_mode": st.booleans(),
    "where": st.sampled_from([*WHERE, "elsewhere"]),
})


def _check_problems(exc: AuthoringError, folder: Path) -> None:
    assert exc.problems
    for p in exc.problems:
        assert p.location.file, p
        assert Path(p.location.file).parent == folder, p
        assert p.location.line >= 1 and p.location.col >= 1, p
        assert p.code and p.message
    str(exc)  # rendering with source lines never raises either


def _check_walks(lib: Any, facts_list: list[dict[str, Any]],
                 answers_list: list[dict[str, Any]]) -> None:
    tree = lib.trees["t1"]
    bound = len(tree.steps) + 2
    for facts, answers in zip(facts_list, answers_list, strict=True):
        end, visited = walk(tree, FakeStore(facts, answers), max_steps=bound)
        assert end.run is None and end.cause is not None, (end, visited)
        assert end.kind == "outcome"
        assert len(set(visited)) == len(visited), visited  # never the same step twice
        traced_end, labels = walk_traced(tree, FakeStore(facts, answers), max_steps=bound)
        assert traced_end is end, (labels, visited)
        assert [sid for sid, _ in labels] == visited[:-1]
        # the trace as a diagnosis records it: labels taken from the next step where that
        # tells the branch, else decided again — the same as deciding each step traced
        store = FakeStore(facts, answers)
        steps, step = [], tree.start
        while step.run is not None:
            steps.append(step)
            step = step.run(store)
        assert [(t.node, t.branch) for t in materialize(store, steps, step)] == labels
        # the generated whole-tree walker (`_compile.codegen`) ends where the closures end
        assert tree.fast is not None
        assert tree.fast.walk(FakeStore(facts, answers)) is end, visited


@SETTINGS
@given(files=tree_files(bad=False), facts=st.lists(fact_values(), min_size=4, max_size=4),
       answers=st.lists(ANSWERS, min_size=4, max_size=4))
def test_sound_generated_trees_load_and_every_walk_ends_at_an_outcome(
        tmp_path: Path, files: dict[str, Any], facts: list[dict[str, Any]],
        answers: list[dict[str, Any]]) -> None:
    _write_files(tmp_path, files)
    try:
        lib = load(tmp_path)
    except AuthoringError as exc:
        # sound graphs can still be refused for a reason the generator does not avoid:
        # a sub-tree that no walk leaves by one of its exits is fine, but nothing else is
        allowed = {"unreachable_node", "switch_needs_default", "no_outcome"}
        assert {p.code for p in exc.problems} <= allowed, str(exc)
        event("refused: " + ", ".join(sorted({p.code for p in exc.problems})))
        _check_problems(exc, tmp_path)
        return
    event("loaded")
    _check_walks(lib, facts, answers)


@SETTINGS
@given(files=tree_files(bad=True), facts=st.lists(fact_values(), min_size=3, max_size=3),
       answers=st.lists(ANSWERS, min_size=3, max_size=3))
def test_generated_trees_are_refused_with_located_problems_or_walk_to_an_outcome(
        tmp_path: Path, files: dict[str, Any], facts: list[dict[str, Any]],
        answers: list[dict[str, Any]]) -> None:
    _write_files(tmp_path, files)
    try:
        lib = load(tmp_path)
    except AuthoringError as exc:
        event("refused")
        _check_problems(exc, tmp_path)
        return
    event("loaded")
    _check_walks(lib, facts, answers)


# -- malformed files ----------------------------------------------------------------------------
JUNK = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 10**20), st.floats(allow_nan=True),
              st.text(max_size=12),
              st.sampled_from(["no", "yes", "check", "s.flag", "o0", "d0", "clear", "~", ""])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: (_replace(v, rest, new) if k == head else v) for k, v in value.items()}
    return [(_replace(v, rest, new) if i == head else v) for i, v in enumerate(value)]


@st.composite
def malformed_files(draw: st.DrawFn) -> dict[str, Any]:
    files = draw(tree_files(bad=True))
    for name in list(files):
        data = files[name]
        candidates = _paths(data)
        for _ in range(draw(st.integers(1, 4))):
            path = draw(st.sampled_from(candidates))
            data = _replace(data, path, draw(JUNK))
            candidates = _paths(data)
        if draw(st.integers(0, 6)) == 0 and isinstance(data, dict) and data:
            key = draw(st.sampled_from(list(data)))  # drop a key altogether
            data = {k: v for k, v in data.items() if k != key}
        files[name] = data
    return files


@SETTINGS
@given(files=malformed_files())
def test_wrong_types_anywhere_never_raise_anything_but_authoring_error(
        tmp_path: Path, files: dict[str, Any]) -> None:
    _write_files(tmp_path, files)
    try:
        load(tmp_path)
    except AuthoringError as exc:
        _check_problems(exc, tmp_path)


@SETTINGS
@given(text=st.text(max_size=400), raw=st.binary(max_size=200), use_raw=st.booleans())
def test_garbage_files_never_raise_anything_but_authoring_error(
        tmp_path: Path, text: str, raw: bytes, use_raw: bool) -> None:
    for old in tmp_path.glob("*.yaml"):
        old.unlink()
    if use_raw:
        (tmp_path / "t.yaml").write_bytes(raw)
    else:
        (tmp_path / "t.yaml").write_text("tree: t1\n" + text, encoding="utf-8",
                                         errors="surrogatepass")
    try:
        load(tmp_path)
    except AuthoringError as exc:
        assert exc.problems
        str(exc)


@SETTINGS
@given(files=tree_files(bad=True), seed=st.integers(0, 2**32 - 1))
def test_mutated_generated_tree_text_never_raises_anything_but_authoring_error(
        tmp_path: Path, files: dict[str, Any], seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - fuzzing, not cryptography
    texts: dict[str, Any] = {}
    for name, data in files.items():
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        for _ in range(rng.randint(1, 5)):
            if not text:
                break
            i = rng.randrange(len(text))
            op = rng.choice(["insert", "delete", "truncate"])
            if op == "insert":
                text = text[:i] + rng.choice([":", "-", " ", "\n", "{", "[", "'", "no", "  "]) \
                    + text[i:]
            elif op == "delete":
                text = text[:i] + text[i + rng.randint(1, 10):]
            else:
                text = text[:i]
        texts[name] = text
    _write_files(tmp_path, texts)
    try:
        lib = load(tmp_path)
    except AuthoringError as exc:
        for p in exc.problems:
            assert p.location.line >= 1 and p.location.col >= 1, p
        return
    assert set(lib.trees) <= {"t1"}
