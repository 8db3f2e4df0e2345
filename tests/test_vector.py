"""diagtree.vector: the vectorized route agrees with the per-row reference on generated facts
frames for every shipped tree, and both agree with `Engine.diagnose` (through the decision log).

The frames are generated from each tree's own literals (every value a condition compares a fact
with, a step either side of each number, each switch case, each list item looked for) plus
missing cells (unknown), known nulls (``<fact>:null``), values of the wrong type, enum values
out of range, and answers given or not — so every node of every tree is reached (checked).
"""

from __future__ import annotations

import datetime as _dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import diagtree_adapters as ad
from diagtree import (
    ComplaintError,
    ConfigurationError,
    DecisionLog,
    Engine,
    SourceError,
    parse_complaint,
)
from diagtree._expr.ast import Arith, BoolOp, Call, Compare, FactRef, ListLit, Literal, Node, Not
from diagtree._vector.expr import ROW_EVALUATIONS, value
from diagtree._vector.route import _Columns
from diagtree._vocab.engine_facts import complaint_facts
from diagtree._vocab.facts import FactType
from diagtree._vocab.taxonomy import CHANNELS, ROLES
from diagtree.testing import CallableSource
from diagtree.vector import OUTPUT_COLUMNS, ColumnTree, compile_columns, facts_frame
from diagtree_adapters import demo

from conftest import fuzz

_ENGINE = Engine(sources=ad.mock_sources(demo.demo_records()))
TREES = sorted(_ENGINE.library.trees)
_COMPILED = {tid: compile_columns(_ENGINE, tid) for tid in TREES}
_OFFSET = _dt.timezone(_dt.timedelta(hours=8))
_WHEN = _dt.datetime(2026, 11, 20, 9, 30, tzinfo=_OFFSET)


def _literals(node: Node, pools: dict[str, list[Any]]) -> None:
    if isinstance(node, Compare):
        left, right = node.left, node.right
        if isinstance(left, Literal | ListLit) and isinstance(right, FactRef):
            left, right = right, left
        if isinstance(left, FactRef):
            pool = pools.setdefault(left.name, [])
            items = right.items if isinstance(right, ListLit) else \
                [right] if isinstance(right, Literal) else []
            for item in items:
                v = item.value
                pool.append(v)
                if type(v) in (int, float):
                    pool.extend([v - 1, v + 1, v - 0.5, v + 0.5])
        if isinstance(node.left, Literal) and isinstance(node.right, FactRef):
            pools.setdefault(node.right.name, []).append(("has", node.left.value))
        _literals(node.left, pools)
        _literals(node.right, pools)
    elif isinstance(node, BoolOp):
        for o in node.operands:
            _literals(o, pools)
    elif isinstance(node, Not):
        _literals(node.operand, pools)
    elif isinstance(node, Call):
        for a in node.args:
            _literals(a, pools)


def _pools(tree: ColumnTree) -> dict[str, list[Any]]:
    pools: dict[str, list[Any]] = {}
    for split in tree.splits.values():
        if split.subject is not None:
            _literals(split.subject, pools)
            if isinstance(split.subject, FactRef):
                pools.setdefault(split.subject.name, []).extend(split.cases)
        for cond, _ in split.rows:
            _literals(cond, pools)
    for rule in tree.policy.rules if tree.policy else ():
        _literals(rule.when.ir, pools)
    return pools


def _objects(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = v
    return out


def _candidates(tree: ColumnTree, name: str, pool: list[Any]) -> list[Any]:
    """The values of the right type a fact's cells are drawn from."""
    kind = tree.types[name]
    k = kind.kind
    if k == "bool":  # mostly false: deep nodes lie behind many a `no`
        return [False, False, True]
    if k in ("int", "number"):
        numbers = [v for v in pool if type(v) in (int, float)] + [0, -3, 10**6]
        if k == "int":
            return [int(v) for v in numbers if v == int(v)]
        return numbers
    if k in ("string", "enum"):
        texts = [v for v in pool if isinstance(v, str)]
        return [*texts, *(kind.values if k == "enum" else ()), "", "SP1"]
    if k == "list":
        wanted = [v[1] for v in pool if isinstance(v, tuple) and v[:1] == ("has",)]
        items = [*dict.fromkeys([*wanted, "voice", "zzz"])]
        return [(), *((i,) for i in items), tuple(items), tuple(items[:2])]
    if k == "datetime":
        return [_WHEN + _dt.timedelta(hours=h) for h in (-800, -30, -1, 0, 2, 700)]
    return [(_WHEN + _dt.timedelta(days=d)).date() for d in (-40, -1, 0, 1, 40)]


_NOISE = _objects([None, None, None, "text", 7, 2.5, True, (1,)])


def generated_frame(tree: ColumnTree, rows: int, seed: int, *, drop: bool = True
                    ) -> pd.DataFrame:
    """A facts frame for `tree`: every fact it and the policy read, answers given or not.
    Half the rows are clean (every value of its type); in the others a cell is missing
    (unknown; null for a complaint fact), of the wrong type, or marked null, now and then."""
    rng = np.random.default_rng(seed)
    pools = _pools(tree)
    clean = rng.random(rows) < 0.5
    data: dict[str, Any] = {"id": [f"C{i}" for i in range(rows)]}
    for name in tree.facts():
        if drop and rng.random() < 0.05:
            continue  # a fact with no column: unknown everywhere
        good = _objects(_candidates(tree, name, pools.get(name, [])))
        column = good[rng.integers(0, len(good), rows)]
        noisy = ~clean & (rng.random(rows) < 0.15)
        column[noisy] = _NOISE[rng.integers(0, len(_NOISE), int(noisy.sum()))]
        data[name] = column
        if not name.startswith("complaint."):
            data[name + ":null"] = ~clean & (rng.random(rows) < 0.1)
    answers = _objects([None, True, False])
    for question in tree.questions():
        if not drop or rng.random() < 0.9:
            data["answer." + question] = answers[rng.integers(0, 3, rows)]
    df = pd.DataFrame(data)
    for name in list(df.columns):  # some text columns as pandas categories, as facts_frame
        values = df[name].dropna().tolist()
        if values and all(type(v) is str for v in values) and rng.random() < 0.5:
            df[name] = df[name].astype("category")
    return df


def _plain(values: pd.Series) -> list[Any]:
    return [None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v
            for v in values.astype(object)]


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(OUTPUT_COLUMNS) == list(b.columns)
    assert list(a.index) == list(b.index)
    for name in OUTPUT_COLUMNS:
        assert _plain(a[name]) == _plain(b[name]), name


@pytest.mark.parametrize("tree_id", TREES)
@fuzz(15)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(0, 60))
def test_vectorized_route_is_the_per_row_route(tree_id: str, seed: int, rows: int) -> None:
    tree = _COMPILED[tree_id]
    df = generated_frame(tree, rows, seed)
    _same(tree.route(df), tree.route_rows(df))


@pytest.mark.parametrize("tree_id", TREES)
def test_generated_frames_reach_every_node(tree_id: str) -> None:
    """The generator reaches every step of every tree (so the property above covers them)."""
    tree = _COMPILED[tree_id]
    reachable = {nid for nid, node in tree.tree.flat.nodes.items() if node.kind != "jump"}
    seen: set[str] = set()
    for seed in range(7, 27):  # a deep leaf behind an answer may need more than one draw
        df = generated_frame(tree, 20000, seed, drop=False)
        out = tree.route(df)
        seen |= {node for path in out["path"].astype(str) for node in path.split(">") if node}
        seen |= set(out["node"].astype(str))
        if seed == 7:
            _same(out, tree.route_rows(df))
        if reachable <= seen:
            break
    assert reachable <= seen, sorted(reachable - seen)


def test_the_engine_agrees_through_the_decision_log(tmp_path: Path) -> None:
    """Diagnose the demo city with a decision log; route its facts frame: every diagnosis's
    cause, category, resolution, department, grade and path come back, by both routes."""
    records = demo.demo_records()
    log = DecisionLog(tmp_path / "decisions.jsonl", mask=False, fsync=False)
    engine = Engine(sources=ad.mock_sources(records), decision_log=log)
    expected = {}
    for case in demo.demo_complaints():
        down = ad.mock_sources(records, down=case["down"]) if case.get("down") else None
        d = engine.diagnose(case["complaint"], answers=case.get("answers"), sources=down)
        expected[d.complaint_id] = (d.cause, d.category, d.resolution, d.department, d.grade,
                                    ";".join(d.grade_reasons),
                                    ">".join(s.node for s in d.trace))
    log.close()
    frame = facts_frame(tmp_path / "decisions.jsonl")
    assert len(frame) == len(expected)
    seen = 0
    for symptom, part in frame.groupby("type", observed=True):
        tree = compile_columns(engine, str(symptom))
        for out in (tree.route(part), tree.route_rows(part)):
            got = zip(*(_plain(out[name]) for name in (
                "complaint_id", "cause", "category", "resolution", "department", "grade",
                "grade_reasons", "path")), strict=True)
            for complaint_id, *outcome in got:
                assert tuple(outcome) == expected[complaint_id]
                seen += 1
    assert seen == 2 * len(expected)


def test_unknown_null_and_wrong_types_follow_the_engine() -> None:
    """Hand-picked rows through no_service's first check (hlr.number_state == "reclaimed")."""
    tree = compile_columns(_ENGINE, "no_service")
    df = pd.DataFrame({
        "hlr.number_state": ["reclaimed", None, None, 5, "active"],
        "hlr.number_state:null": [False, False, True, False, False],
    })
    out = tree.route(df)
    nodes = out["node"].astype(str).tolist()
    assert nodes[0] == "recycled/recycled"          # true: the outcome
    assert nodes[1] == "(source unavailable)"       # a missing cell: unknown
    assert nodes[2] != "recycled/recycled"          # a known null: false, on to the next
    assert nodes[3] == "(source unavailable)"       # the wrong type: unknown
    assert out["path"].astype(str).tolist()[0] == "recycled/reclaimed"
    _same(out, tree.route_rows(df))


def test_expressions_not_vectorized_run_row_by_row_for_their_rows_only() -> None:
    """slow_data's `days_since(billing.plan.cycle_resets_on) >= 0` (node reset_due) goes to
    the engine's closure, for exactly the rows that reach that node."""
    tree = compile_columns(_ENGINE, "slow_data")
    df = generated_frame(tree, 400, 3, drop=False)
    before = ROW_EVALUATIONS[0]
    out = tree.route(df)
    spent = ROW_EVALUATIONS[0] - before
    reached = sum("reset_due" in p.split(">") for p in out["path"].astype(str))
    assert 0 < spent == reached < len(df)


def test_compile_columns_names_a_tree_or_refuses() -> None:
    assert compile_columns(_ENGINE, "no_service").tree.id == "no_service"
    assert isinstance(compile_columns(_ENGINE, _ENGINE.tree_for("no_data")), ColumnTree)
    with pytest.raises(ConfigurationError):
        compile_columns(_ENGINE, "no_such_tree")


def test_route_keeps_the_index_and_an_empty_frame() -> None:
    tree = compile_columns(_ENGINE, "no_service")
    df = generated_frame(tree, 20, 1).set_index(pd.Index(np.arange(100, 120)))
    assert list(tree.route(df).index) == list(range(100, 120))
    empty = tree.route(df.iloc[:0])
    assert len(empty) == 0 and list(empty.columns) == list(OUTPUT_COLUMNS)


# -- the reference against the engine itself, on generated facts ---------------------------------
_ROWS: dict[str, dict[str, Any]] = {}  # complaint id -> its source facts (and failed sources)


def _source_function(source: str) -> Any:
    def fetch(complaint: Any) -> dict[str, Any]:
        row = _ROWS[complaint.id]
        if source in row["!down"]:
            raise SourceError(source, "down in this generated row")
        return {name: value for name, value in row.items()
                if name.startswith(source + ".")}
    return fetch


def _engine_of_doubles() -> Engine:
    specs: dict[str, list[Any]] = {}
    for name in _ENGINE.schema:
        if not name.startswith("complaint."):
            specs.setdefault(name.split(".")[0], []).append(_ENGINE.schema[name])
    return Engine(sources=[CallableSource(source, _source_function(source), specs=group)
                           for source, group in specs.items()])


_DOUBLES = _engine_of_doubles()


def _complaint(i: int, symptom: str, row: dict[str, Any]) -> dict[str, Any]:
    """A valid complaint carrying the row's `complaint.*` facts (invalid ones left out)."""
    complaint: dict[str, Any] = {"id": f"G{i}", "type": symptom, "msisdn": "8613800000001",
                                 "reported_at": _WHEN.isoformat()}
    channel = row.get("complaint.channel")
    if channel in CHANNELS:
        complaint["channel"] = channel
    role = row.get("complaint.agent_role")
    if role in ROLES:
        complaint["agent_role"] = role
    count = row.get("complaint.incident.distinct_customers_24h")
    if type(count) is int and 0 <= count < 10**6:
        complaint["incident"] = {"distinct_customers_24h": count}
    if row.get("complaint.has_location") is True:
        complaint["location"] = {"lat": 28.2, "lon": 112.9}
    subject = {key: row[f"complaint.subject.{key}"]
               for key in ("charge_id", "sp_code", "payment_id", "card_serial", "number")
               if isinstance(row.get(f"complaint.subject.{key}"), str)
               and row[f"complaint.subject.{key}"]}
    if subject:
        complaint["subject"] = subject
    return complaint


@pytest.mark.parametrize("tree_id", TREES)
@fuzz(5)
@given(seed=st.integers(0, 2**32 - 1))
def test_the_per_row_reference_is_the_engine(tree_id: str, seed: int) -> None:
    """Generated facts served by source doubles to `Engine.diagnose` (a whole source down in
    some rows; values of the wrong type; nulls) give the reference's outcome and path from
    the same facts as a frame."""
    tree = _COMPILED[tree_id]
    symptom = tree.tree.flat.document.symptoms[0]
    generated = generated_frame(tree, 25, seed, drop=False)
    rng = np.random.default_rng(seed)
    rows = []
    expected = []
    for i, cells in enumerate(generated.to_dict("records")):
        complaint = _complaint(i, symptom, cells)
        parsed = _parsed(complaint)
        row: dict[str, Any] = {"id": f"G{i}", **complaint_facts(parsed),
                               "history.same_category_30d": 0}
        source_facts: dict[str, Any] = {"!down": set()}
        for name in tree.reads + tuple(n for _, e in _steps_values(tree) for n in e.facts):
            source = name.split(".")[0]
            if source in ("complaint", "history", "diagnosis") or name in row:
                continue
            value = cells.get(name)
            value = _restore(value)
            null = bool(cells.get(name + ":null")) or value is None
            source_facts[name] = None if null else value
            row[name] = None if null else value
            row[name + ":null"] = null
        for source in {n.split(".")[0] for n in source_facts if n != "!down"}:
            if rng.random() < 0.1:
                source_facts["!down"].add(source)
                for name in [n for n in row if n.startswith(source + ".")]:
                    row[name] = None
                    if name.endswith(":null"):
                        row[name] = False
        for name, value in cells.items():
            if name.startswith("answer.") and value is not None:
                row[name] = value
        _ROWS[f"G{i}"] = source_facts
        answers = {k[len("answer."):]: v for k, v in cells.items()
                   if k.startswith("answer.") and v is not None}
        d = _DOUBLES.diagnose(complaint, answers=answers)
        expected.append((d.cause, d.category, d.resolution, d.department, d.grade,
                         ";".join(d.grade_reasons), ">".join(s.node for s in d.trace)))
        rows.append(row)
    frame = pd.DataFrame(rows)
    for out in (tree.route_rows(frame), tree.route(frame)):
        got = list(zip(*(_plain(out[name]) for name in (
            "cause", "category", "resolution", "department", "grade", "grade_reasons",
            "path")), strict=True))
        assert got == expected


def _parsed(complaint: dict[str, Any]) -> Any:
    """The complaint parsed, with what its symptom requires added (a location, a subject)."""
    for _ in range(4):
        try:
            return parse_complaint(complaint)
        except ComplaintError as exc:
            if "location" in exc.field:
                complaint["location"] = {"lat": 28.2, "lon": 112.9}
            elif "subject" in exc.field:
                complaint.setdefault("subject", {})[exc.field.split(".")[-1]
                                                    if "." in exc.field else "number"] = "X1"
            else:
                raise
    return parse_complaint(complaint)


def _steps_values(tree: ColumnTree) -> list[tuple[str, Any]]:
    return [pair for step in tree.tree.steps.values() for pair in step.values]


def _restore(value: Any) -> Any:
    """A generated cell as a source returns it (numpy scalars as Python values)."""
    if isinstance(value, np.generic):
        return value.item()
    return value



def test_row_by_row_closures_never_serve_another_node() -> None:
    """The closures evaluated row by row are made once per node: a node made after another is
    gone (and may take its id) still gets its own."""
    frame = _Columns(pd.DataFrame({"x.n": [1, 2, 3]}), {"x.n": FactType.INT})
    idx = np.arange(3, dtype=np.intp)
    for k in range(40):
        node = Arith("+", FactRef("x.n", type=FactType.INT), Literal(k, type=FactType.INT),
                     type=FactType.INT)
        assert value(node, frame, idx).v.tolist() == [1 + k, 2 + k, 3 + k]
        del node
