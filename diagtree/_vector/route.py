"""A compiled tree routed over a facts frame: numpy masks per node, each row routed once.

`ColumnTree.route(df)` starts every row at the tree's start as one group; at each node the
group's rows are split by the node's decision (`_vector.expr`: masks, with the engine's own
closures row by row for what is not vectorized) and each part goes on to the step it leads to,
its path extended by the node. A group that reaches an end (an outcome, or the implicit
"source unavailable" / "no matching case" ends) is concluded: the outcome's cause, its catalog
entry (category, resolution, department), the refund where the catalog grants one (row by
row: the outcome's values are expressions) and the grade by the policy's rules (as masks).

`ColumnTree.route_rows(df)` is the per-row reference: each row walks the same compiled steps
(`Step.run`, the engine's closures) over a store prefilled from the frame's columns — what
`Engine.diagnose` does after fetching, without the sources, the trace objects and the script.
Both read the same typed columns (`_vector.columns`), so they see the same values.

Decisions follow `_compile.steps` exactly: a check goes yes on true, no on false or null,
``on_unknown`` (else the implicit unavailable end) on unknown; a table takes the first row that
is true, and stops at ``on_unknown`` on the first that is unknown; a switch goes to its case,
null to its ``null`` case else ``default``, a value without a case to ``default`` else the
implicit "no matching case" end, unknown to ``on_unknown``; a question takes the answer in
``answer.<id>``, else its default (as `Engine.diagnose` without that answer).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from diagtree._check.catalog import Catalog, CatalogEntry
from diagtree._check.model import AskNode, CheckNode, OutcomeNode, SwitchNode, TableNode
from diagtree._check.policy import GradeRule, Policy
from diagtree._compile.steps import CompiledTree, Step
from diagtree._conclude.policy import UNCATALOGUED, AppliedPolicy
from diagtree._expr import Expression
from diagtree._expr.ast import Arith, BoolOp, Call, Compare, FactRef, Neg, Node, Not
from diagtree._vector.columns import ANSWER_PREFIX, NULL_SUFFIX, Column, typed_column
from diagtree._vector.expr import truth, value
from diagtree._vocab.engine_facts import COMPLAINT_FACTS, POLICY_FACTS
from diagtree._vocab.facts import UNKNOWN, FactType
from diagtree._vocab.taxonomy import GRADES, NEEDS_INVESTIGATION, category_of

__all__ = ["OUTPUT_COLUMNS", "ColumnTree"]

Idx = npt.NDArray[np.intp]
#: the columns `route` and `route_rows` return, in order
OUTPUT_COLUMNS: Final = ("complaint_id", "tree_id", "tree_version", "cause", "category",
                         "resolution", "department", "grade", "grade_reasons", "node", "path")
_ENGINE_TYPES: Final = {s.name: s.type for s in (*COMPLAINT_FACTS, *POLICY_FACTS)}


def _refs(node: Node) -> Iterator[tuple[str, FactType | None]]:
    if isinstance(node, FactRef):
        yield node.name, node.type
    elif isinstance(node, Not | Neg):
        yield from _refs(node.operand)
    elif isinstance(node, Compare | Arith):
        yield from _refs(node.left)
        yield from _refs(node.right)
    elif isinstance(node, BoolOp):
        for o in node.operands:
            yield from _refs(o)
    elif isinstance(node, Call):
        for a in node.args:
            yield from _refs(a)


class _Columns:
    """The typed columns of one frame, each typed on first use."""

    def __init__(self, df: pd.DataFrame, types: dict[str, FactType]) -> None:
        self.df = df
        self.n = len(df)
        self.types = types
        self.cols: dict[str, Column] = {}
        self.extra: dict[str, Column] = {}

    def column(self, name: str) -> Column:
        col = self.extra.get(name) or self.cols.get(name)
        if col is None:
            df = self.df
            kind = self.types.get(name) or _ENGINE_TYPES.get(name) or FactType.STRING
            series = df[name] if name in df.columns else None
            marks = df[name + NULL_SUFFIX] if name + NULL_SUFFIX in df.columns else None
            col = self.cols[name] = typed_column(name, kind, series, self.n, marks,
                                                 derived=name.startswith("complaint."))
        return col


class _Split:
    """One compiled node: how it splits rows, and the steps its ways lead to."""

    __slots__ = ("ask", "cases", "default", "kind", "no", "null", "rows", "step", "subject",
                 "unk", "yes")

    def __init__(self, step: Step, kind: str) -> None:
        self.step = step
        self.kind = kind
        self.yes: Step = step
        self.no: Step = step
        self.unk: Step = step
        self.default: Step = step
        self.null: Step = step
        self.subject: Node | None = None
        self.rows: tuple[tuple[Node, Step], ...] = ()
        self.cases: dict[Any, Step] = {}
        self.ask: str = ""


class ColumnTree:
    """A tree compiled for facts frames (see the module docstring)."""

    def __init__(self, tree: CompiledTree, catalog: Catalog, policy: Policy | None) -> None:
        self.tree = tree
        self.catalog = catalog
        self.applied = AppliedPolicy(policy)
        self.policy = policy
        self.splits: dict[int, _Split] = {}
        exprs: list[Expression] = []
        values: list[Expression] = []
        flat = tree.flat
        for nid, node in flat.nodes.items():
            step = tree.steps[nid]
            if node.kind == "jump" or isinstance(node, OutcomeNode):
                if isinstance(node, OutcomeNode):
                    values.extend(e for _, e in node.values)
                continue
            split = _Split(step, node.kind)
            on_unknown = getattr(node, "on_unknown", None)
            split.unk = tree.resolve(on_unknown.target) if on_unknown is not None \
                else tree.unavailable
            if isinstance(node, CheckNode):
                split.subject = node.condition.ir
                split.yes, split.no = tree.resolve(node.yes.target), tree.resolve(node.no.target)
                exprs.append(node.condition)
            elif isinstance(node, TableNode):
                split.rows = tuple((r.condition.ir, tree.resolve(r.then.target))
                                   for r in node.rows)
                assert node.default is not None  # (a table's default is required)
                split.default = tree.resolve(node.default.target)
                exprs.extend(r.condition for r in node.rows)
            elif isinstance(node, SwitchNode):
                split.subject = node.subject.ir
                split.cases = {v: tree.resolve(e.target) for v, e in node.cases}
                split.default = tree.resolve(node.default.target) \
                    if node.default is not None else tree.undecided
                split.null = split.cases.pop(None, split.default)
                exprs.append(node.subject)
            elif isinstance(node, AskNode):
                split.ask = node.question.id
                split.cases = {v: tree.resolve(e.target) for v, e in node.cases}
                split.default = tree.resolve(node.default_case().target)
            self.splits[id(step)] = split
        rules = policy.rules if policy is not None else ()
        exprs.extend(rule.when for rule in rules)
        n_values = len(values)
        exprs = [*values, *exprs]
        self.types: dict[str, FactType] = dict(_ENGINE_TYPES)
        #: the facts the tree's conditions and the policy's rules read (a row's store holds
        #: them from the start; outcome values read theirs on demand)
        self.reads = tuple(dict.fromkeys(
            name for e in exprs[n_values:] for name in e.facts
            if not name.startswith("diagnosis.")))
        for e in exprs:
            for name, kind in _refs(e.ir):
                if kind is not None:
                    self.types.setdefault(name, kind)
        self._entries: dict[str, CatalogEntry | None] = {}

    # -- facts ---------------------------------------------------------------------------
    def facts(self) -> tuple[str, ...]:
        """The facts this tree and the policy may read (the columns a facts frame may have)."""
        return tuple(sorted(n for n in self.types if not n.startswith("diagnosis.")))

    def questions(self) -> tuple[str, ...]:
        """The questions it may ask (a facts frame's ``answer.<id>`` columns)."""
        return tuple(sorted({s.ask for s in self.splits.values() if s.ask}))

    def entry(self, cause: str) -> CatalogEntry | None:
        if cause not in self._entries:
            self._entries[cause] = self.catalog.entry(cause)
        return self._entries[cause]

    # -- the vectorized route ------------------------------------------------------------
    def route(self, df: pd.DataFrame) -> pd.DataFrame:
        """Every row of `df` routed through the tree with masks: see `OUTPUT_COLUMNS`."""
        cols = _Columns(df, self.types)
        n = cols.n
        ends: dict[int, int] = {}
        end_steps: list[Step] = []
        paths: dict[tuple[str, ...], int] = {}
        leaf = np.zeros(n, dtype=np.int32)
        path = np.zeros(n, dtype=np.int32)
        todo: list[tuple[Step, tuple[str, ...], Idx]] = [
            (self.tree.start, (), np.arange(n, dtype=np.intp))]
        while todo:
            step, way, idx = todo.pop()
            if len(idx) == 0:
                continue
            split = self.splits.get(id(step))
            if split is None:  # an end
                code = ends.get(id(step))
                if code is None:
                    code = ends[id(step)] = len(end_steps)
                    end_steps.append(step)
                leaf[idx] = code
                pcode = paths.get(way)
                if pcode is None:
                    pcode = paths[way] = len(paths)
                path[idx] = pcode
                continue
            onward = (*way, step.id)
            for target, part in self._split(split, cols, idx):
                todo.append((target, onward, part))
        return self._conclude(cols, end_steps, leaf, [">".join(p) for p in paths], path)

    def _split(self, split: _Split, cols: _Columns, idx: Idx
               ) -> Iterator[tuple[Step, Idx]]:
        kind = split.kind
        if kind == "check":
            assert split.subject is not None
            t, u = truth(split.subject, cols, idx)
            yield split.yes, idx[t]
            if u is None:
                yield split.no, idx[~t]
            else:
                yield split.unk, idx[u]
                yield split.no, idx[~(t | u)]
        elif kind == "table":
            rest = idx
            for cond, then in split.rows:
                t, u = truth(cond, cols, rest)
                yield then, rest[t]
                if u is not None:
                    yield split.unk, rest[u]
                rest = rest[~t if u is None else ~(t | u)]
            yield split.default, rest
        elif kind == "switch":
            assert split.subject is not None
            vals = value(split.subject, cols, idx)
            yield from _switch(split, vals, idx)
        else:
            yield from self._ask(split, cols, idx)

    def _ask(self, split: _Split, cols: _Columns, idx: Idx) -> Iterator[tuple[Step, Idx]]:
        name = ANSWER_PREFIX + split.ask
        if name not in cols.df.columns:
            yield split.default, idx
            return
        series = cols.df[name]
        if series.dtype == np.bool_ or isinstance(series.dtype, pd.BooleanDtype):
            given = np.asarray(series.to_numpy(dtype=bool, na_value=False))[idx]
            if series.dtype != np.bool_:
                missing = np.asarray(series.isna().to_numpy())[idx]
                yield split.default, idx[missing]
                given_false = ~(given | missing)
            else:
                given_false = ~given
            yield split.cases.get(True, split.default), idx[given]
            yield split.cases.get(False, split.default), idx[given_false]
            return
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes, uniques = series.cat.codes.to_numpy(), list(series.cat.categories)
        else:
            codes, uniques = pd.factorize(series, use_na_sentinel=True)
        targets = [split.cases.get(_answer(u), split.default) for u in uniques]
        here = np.asarray(codes)[idx]
        yield split.default, idx[here < 0]
        for k, target in enumerate(targets):
            yield target, idx[here == k]

    # -- concluding ----------------------------------------------------------------------
    def _conclude(self, cols: _Columns, end_steps: list[Step], leaf: npt.NDArray[Any],
                  path_texts: list[str], path: npt.NDArray[Any]) -> pd.DataFrame:
        """The outcome of every row, from the end it reached: small tables indexed by the
        end's code (refunds adjusted row by row)."""
        n = cols.n
        causes = [s.cause or NEEDS_INVESTIGATION for s in end_steps]
        resolutions = _Texts()
        departments = _Texts()
        res_of = np.array([resolutions.code(self._resolution(c)[0]) for c in causes] or [0])
        dep_of = np.array([departments.code(self._resolution(c)[1]) for c in causes] or [0])
        resolution = res_of[leaf]
        department = dep_of[leaf]
        for code, step in enumerate(end_steps):
            entry = self.entry(causes[code])
            if entry is not None and entry.refund is not None and step.values:
                rows = np.flatnonzero(leaf == code)
                self._refunds(cols, step, entry, rows, resolution, department,
                              resolutions, departments)
        cause_cat = _categorical(causes, leaf)
        category_cat = _categorical([category_of(c) for c in causes], leaf)
        grade, reasons = self._grades(cols, cause_cat, category_cat)
        one = np.zeros(n, dtype=np.int8)
        return pd.DataFrame({
            "complaint_id": _ids(cols.df),
            "tree_id": _categorical([self.tree.id], one),
            "tree_version": _categorical([self.tree.version], one),
            "cause": cause_cat, "category": category_cat,
            "resolution": resolutions.categorical(resolution),
            "department": departments.categorical(department),
            "grade": grade, "grade_reasons": reasons,
            "node": _categorical([s.id for s in end_steps], leaf),
            "path": _categorical(path_texts, path),
        }, index=cols.df.index)

    def _resolution(self, cause: str) -> tuple[str, str | None]:
        entry = self.entry(cause)
        return (entry.resolution, entry.department) if entry else UNCATALOGUED

    def _refunds(self, cols: _Columns, step: Step, entry: CatalogEntry, rows: Idx,
                 resolution: npt.NDArray[Any], department: npt.NDArray[Any],
                 resolutions: _Texts, departments: _Texts) -> None:
        """The refund's effect on resolution and department, row by row (the outcome's values
        are expressions; the authority depends on the agent's role)."""
        role = cols.column("complaint.agent_role").py()
        reads = {name: cols.column(name).py()
                 for _, expr in step.values for name in expr.facts}
        for i in rows.tolist():
            facts = {name: values[i] for name, values in reads.items()}
            values = _values(step, facts)
            res, dep = self.applied.refund(
                entry, values, role[i] or "agent", str(resolutions.text(resolution[i])),
                departments.text(department[i]), [])[1:]
            resolution[i], department[i] = resolutions.code(res), departments.code(dep)

    def _grades(self, cols: _Columns, cause: pd.Categorical, category: pd.Categorical,
                ) -> tuple[Any, Any]:
        n = cols.n
        policy = self.policy
        zero = np.zeros(n, dtype=np.int8)
        if policy is None:
            return _categorical(["normal"], zero), _categorical([""], zero)
        cols.extra["diagnosis.cause"] = _cat_column("diagnosis.cause", cause)
        cols.extra["diagnosis.category"] = _cat_column("diagnosis.category", category)
        everyone = np.arange(n, dtype=np.intp)
        rules = policy.rules
        bits: npt.NDArray[Any] = np.zeros(n, dtype=np.uint16 if len(rules) <= 12 else np.int64)
        for k, rule in enumerate(rules):
            t, _ = truth(rule.when.ir, cols, everyone)
            bits = bits | (t.astype(bits.dtype) << k)
        found = list(range(2 ** len(rules))) if len(rules) <= 12 \
            else [int(b) for b in np.unique(bits)]
        codes = bits if len(rules) <= 12 else np.searchsorted(np.asarray(found), bits)
        graded = [_graded(rules, b) for b in found]
        grade_codes = np.asarray([g for g, _ in graded], dtype=np.int8)[codes]
        return (pd.Categorical.from_codes(grade_codes, list(GRADES), validate=False),
                _categorical([reasons for _, reasons in graded], codes))

    # -- the per-row reference -----------------------------------------------------------
    def route_rows(self, df: pd.DataFrame) -> pd.DataFrame:
        """Every row of `df` walked one at a time over the compiled steps (the engine's
        closures) from a store prefilled with its facts: the reference `route` agrees with.

        Each row ends as a key — its end, its path, its resolution and department, which grade
        rules matched — and rows with the same key share one outcome (built once)."""
        cols = _Columns(df, self.types)
        n = cols.n
        questions = [(q, df[ANSWER_PREFIX + q].to_numpy(dtype=object, na_value=None).tolist())
                     for q in self.questions() if ANSWER_PREFIX + q in df.columns]
        policy = self.policy
        rules = tuple((r.when.fn, k) for k, r in enumerate(policy.rules)) \
            if policy is not None else ()
        ends: dict[int, tuple[str, str, str, str | None, CatalogEntry | None, bool]] = {}
        role = cols.column("complaint.agent_role").py()
        start = self.tree.start
        keys: dict[tuple[Any, ...], int] = {}
        codes = []
        values = _Values(cols)
        names = self.reads  # every row's store is prefilled with these (one C-level call)
        rows = zip(*(values[name] for name in names), strict=True) if names else \
            iter([()] * n)
        for i, row in enumerate(rows):
            store = _RowStore(zip(names, row, strict=True))
            store.columns = values
            store.i = i
            answers = store.answers = {}
            store.defaulted = set()
            for q, given in questions:
                if given[i] is not None:
                    answers[q] = given[i]
            step = start
            run = step.run
            way = []
            while run is not None:
                way.append(step.id)
                step = run(store)
                run = step.run
            end = ends.get(id(step))
            if end is None:
                cause = step.cause or NEEDS_INVESTIGATION
                entry = self.entry(cause)
                res, dep = self._resolution(cause)
                refunds = entry is not None and entry.refund is not None and bool(step.values)
                end = ends[id(step)] = (cause, category_of(cause), res, dep, entry, refunds)
            cause, category, res, dep, entry, refunds = end
            if refunds:
                assert entry is not None
                res, dep = self.applied.refund(entry, _values(step, store),
                                               role[i] or "agent", res, dep, [])[1:]
            bits = 0
            if rules:
                store["diagnosis.cause"] = cause
                store["diagnosis.category"] = category
                for when, k in rules:
                    if when(store) is True:
                        bits |= 1 << k
            key = (step, tuple(way), res, dep, bits)
            code = keys.get(key)
            if code is None:
                code = keys[key] = len(keys)
            codes.append(code)
        return self._rows_frame(df, list(keys), np.asarray(codes, dtype=np.int64))

    def _rows_frame(self, df: pd.DataFrame, keys: list[tuple[Any, ...]],
                    codes: npt.NDArray[np.int64]) -> pd.DataFrame:
        """The results of `route_rows` from each row's key: one outcome per distinct key."""
        rules = self.policy.rules if self.policy is not None else ()
        columns: dict[str, list[Any]] = {name: [] for name in OUTPUT_COLUMNS[3:]}
        for step, way, res, dep, bits in keys:
            cause = step.cause or NEEDS_INVESTIGATION
            grade, reasons = _graded(rules, bits)
            columns["cause"].append(cause)
            columns["category"].append(category_of(cause))
            columns["resolution"].append(res)
            columns["department"].append(dep)
            columns["grade"].append(GRADES[grade])
            columns["grade_reasons"].append(reasons)
            columns["node"].append(step.id)
            columns["path"].append(">".join(way))
        n = len(df)
        out: dict[str, Any] = {"complaint_id": _ids(df),
                               "tree_id": np.full(n, self.tree.id, dtype=object),
                               "tree_version": np.full(n, self.tree.version, dtype=object)}
        for name, values in columns.items():
            table = np.empty(len(values), dtype=object)
            table[:] = values
            out[name] = table[codes] if n else np.empty(0, dtype=object)
        return pd.DataFrame(out, index=df.index)


class _Values(dict[str, list[Any]]):
    """Each fact's per-row Python values, made on first read."""

    def __init__(self, cols: _Columns) -> None:
        super().__init__()
        self.cols = cols

    def __missing__(self, name: str) -> list[Any]:
        values = self[name] = self.cols.column(name).py()
        return values


class _RowStore(dict[str, Any]):
    """One row's fact store, as the walk reads it: prefilled with the row's facts (any other
    read from the columns), its answers, never interactive."""

    __slots__ = ("answers", "columns", "defaulted", "i")
    interactive = False
    answers: dict[str, Any]
    columns: _Values
    defaulted: set[str]
    i: int

    def __missing__(self, name: str) -> Any:
        value = self[name] = self.columns[name][self.i]
        return value


def _values(step: Step, facts: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, expr in step.values:
        v = expr.fn(facts)
        values[name] = None if v is UNKNOWN else v
    return values


def _graded(rules: Sequence[GradeRule], bits: int) -> tuple[int, str]:
    """The grade (its index in `GRADES`: the highest of the rules matched, as
    `AppliedPolicy.grade`) and the reasons of the rules whose bits are set in `bits`."""
    matched = [r for k, r in enumerate(rules) if bits >> k & 1]
    return (max([0, *(GRADES.index(r.grade) for r in matched)]),
            ";".join(r.reason for r in matched))


def _answer(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _switch(split: _Split, vals: Any, idx: Idx) -> Iterator[tuple[Step, Idx]]:
    n = len(idx)
    unk = vals.unk if vals.unk is not None else np.zeros(n, dtype=bool)
    null = vals.null if vals.null is not None else np.zeros(n, dtype=bool)
    yield split.unk, idx[unk]
    yield split.null, idx[null & ~unk]
    rest = ~(unk | null)
    if vals.kind == "cat":
        targets = [split.cases.get(c, split.default) for c in vals.cats]
        for k, target in enumerate(targets):
            yield target, idx[rest & (vals.v == k)]
        return
    if vals.kind == "const":
        yield split.cases.get(vals.v, split.default), idx[rest]
        return
    matched = np.zeros(n, dtype=bool)
    if vals.kind == "obj":
        got = np.array([split.cases.get(x, split.default) for x in vals.v], dtype=object)
        for target in {id(t): t for t in got.tolist()}.values():
            yield target, idx[rest & np.fromiter((g is target for g in got), bool, n)]
        return
    for case, target in split.cases.items():
        here = rest & (vals.v == case) & ~matched
        matched |= here
        yield target, idx[here]
    yield split.default, idx[rest & ~matched]


def _categorical(texts: list[str], codes: npt.NDArray[Any]) -> pd.Categorical:
    """A categorical of `texts[code]` for each code (texts may repeat)."""
    unique: dict[str, int] = {}
    remap = [unique.setdefault(t, len(unique)) for t in texts]
    if len(unique) < len(texts):
        codes = np.asarray(remap, dtype=np.int64)[codes]
    return pd.Categorical.from_codes(codes, list(unique) or [""], validate=False)


class _Texts:
    """Texts (None: missing) by code, for a categorical column built from codes."""

    def __init__(self) -> None:
        self.codes: dict[str | None, int] = {}
        self.texts: list[str | None] = []  # by code

    def code(self, text: str | None) -> int:
        code = self.codes.get(text)
        if code is None:
            code = self.codes[text] = len(self.texts)
            self.texts.append(text)
        return code

    def text(self, code: Any) -> str | None:
        return self.texts[int(code)]

    def categorical(self, codes: npt.NDArray[Any]) -> pd.Categorical:
        texts = self.texts
        if None not in self.codes:
            return pd.Categorical.from_codes(codes, texts or [""], validate=False)
        remap = np.array([-1 if t is None else i - (i > texts.index(None))
                          for i, t in enumerate(texts)], dtype=np.int64)
        return pd.Categorical.from_codes(remap[codes], [t for t in texts if t is not None]
                                         or [""], validate=False)


def _cat_column(name: str, values: pd.Categorical) -> Column:
    codes = np.asarray(values.codes, dtype=np.int64)
    return Column(name, "cat", codes, None, None, list(values.categories))


def _ids(df: pd.DataFrame) -> Any:
    for name in ("complaint_id", "id"):
        if name in df.columns:
            return df[name].to_numpy()
    return np.full(len(df), None, dtype=object)
