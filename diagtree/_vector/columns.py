"""A facts frame's columns typed as the facts a tree reads: the one place a cell becomes a value.

Both routes (`_vector.route`: numpy masks; and the per-row reference) read a fact through a
`Column`, so they see the same values; only how they decide differs.

The facts frame contract (docs/vector.md):

- one column per fact, named as the trees read it (``hlr.status``); a fact with no column is
  unknown in every row (as a fact a decision record does not hold);
- a missing cell (None, NaN, ``pd.NA``, ``NaT``) of a source fact is UNKNOWN (its source was not
  available); a known null (a known absence, ``x == null``) of a source fact is written as a
  true cell in the companion column ``<fact>:null``;
- a missing cell of a ``complaint.*`` fact is null: the engine derives those from the
  complaint, where a field is either there or absent, never unknown;
- a value of the wrong type is UNKNOWN, as when a source returns one (`FactType.checker`) —
  with two allowances for how pandas stores values: an ``int`` fact accepts an integral float
  (an int column with missing cells is a float column), and a ``list`` fact accepts a list or a
  numpy array (JSON and Parquet have no tuples);
- answers to questions: a column ``answer.<question id>``; a missing cell is no answer (the
  question takes its default, as `Engine.diagnose` without that answer does).

Kinds of column: ``bool`` (a bool array), ``num`` (int64 or float64), ``cat`` (string and enum
facts: integer codes into a list of categories — a pandas ``category`` column is read without
copying its strings), ``obj`` (datetime, date and list facts: Python values). Every column has
an `unk` and a `null` mask; where either is set, the value slot means nothing (every
operation masks it).
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from diagtree._vocab.facts import UNKNOWN, FactType

__all__ = ["ANSWER_PREFIX", "NULL_SUFFIX", "Column", "Vals", "typed_column"]

#: the companion column marking a source fact known to be null
NULL_SUFFIX: Final = ":null"
#: the columns of the answers: ``answer.<question id>``
ANSWER_PREFIX: Final = "answer."
_MAGNITUDE: Final = 2**63
Mask = npt.NDArray[np.bool_]


class Vals:
    """A value over some rows: its values `v` (by `kind`; ``const``: one Python value for every
    row) and its `unk` and `null` masks (None: set nowhere)."""

    __slots__ = ("cats", "kind", "null", "unk", "v")

    def __init__(self, kind: str, v: Any, unk: Mask | None, null: Mask | None,
                 cats: list[Any] | None = None) -> None:
        self.kind = kind
        self.v = v
        self.unk = unk
        self.null = null
        self.cats = cats


class Column(Vals):
    """One fact over every row of a frame (see the module docstring)."""

    __slots__ = ("_py", "name")

    def __init__(self, name: str, kind: str, v: Any, unk: Mask | None, null: Mask | None,
                 cats: list[Any] | None = None) -> None:
        super().__init__(kind, v, unk, null, cats)
        self.name = name
        self._py: list[Any] | None = None

    def py(self) -> list[Any]:
        """The values as the engine's fact store holds them: a Python value, None (null) or
        `UNKNOWN`, per row (made once, on first use)."""
        if self._py is None:
            if self.kind == "cat":
                assert self.cats is not None
                table = np.array([*self.cats, None], dtype=object)
                out = table[self.v]  # code -1: the last entry, None
            elif self.kind == "num":
                out = np.array(self.v.tolist(), dtype=object)  # Python ints and floats
            else:
                out = self.v.astype(object)
            if self.null is not None:
                out[self.null] = None
            if self.unk is not None:
                out[self.unk] = UNKNOWN
            self._py = out.tolist()
        return self._py


def _na(series: pd.Series) -> Mask:
    return np.asarray(series.isna().to_numpy(), dtype=bool)


def _objects(series: pd.Series) -> npt.NDArray[Any]:
    return np.asarray(series.to_numpy(dtype=object, na_value=None), dtype=object)


def typed_column(name: str, kind: FactType, series: pd.Series | None, n: int,
                 null_marks: pd.Series | None, *, derived: bool) -> Column:
    """The column of fact `name` of type `kind` from `series` (None: no such column: unknown
    in every row, or null for a fact the engine derives from the complaint)."""
    if series is None:
        missing = np.ones(n, dtype=bool)
        unk, null = (None, missing) if derived else (missing, None)
        return _filler(name, kind, unk, null)
    column = _typed(name, kind, series)
    if derived:  # a complaint field that is absent: null, never unknown
        na = _na(series)
        column.null = na if column.null is None else column.null | na
        column.unk = None if column.unk is None else column.unk & ~na
    if null_marks is not None:
        marks = np.fromiter((v is True or v is np.True_ for v in _objects(null_marks)), bool,
                            n) if null_marks.dtype != np.bool_ else null_marks.to_numpy()
        column.null = marks if column.null is None else column.null | marks
        column.unk = None if column.unk is None else column.unk & ~marks
    # a mask set nowhere is None: every operation then skips it
    if column.unk is not None and not column.unk.any():
        column.unk = None
    if column.null is not None and not column.null.any():
        column.null = None
    return column


def _filler(name: str, kind: FactType, unk: Mask | None, null: Mask | None) -> Column:
    n = len(unk if unk is not None else null)  # type: ignore[arg-type]
    k = _kind_of(kind)
    if k == "bool":
        return Column(name, k, np.zeros(n, dtype=bool), unk, null)
    if k == "num":
        return Column(name, k, np.zeros(n, dtype=np.int64 if kind.kind == "int"
                                        else np.float64), unk, null)
    if k == "cat":
        return Column(name, k, np.full(n, -1, dtype=np.int64), unk, null, [])
    return Column(name, k, np.full(n, None, dtype=object), unk, null)


def _kind_of(kind: FactType) -> str:
    if kind.kind == "bool":
        return "bool"
    if kind.kind in ("int", "number"):
        return "num"
    if kind.kind in ("string", "enum"):
        return "cat"
    return "obj"


def _typed(name: str, kind: FactType, series: pd.Series) -> Column:
    """The column as values and the rows unknown (a missing cell or the wrong type)."""
    k = _kind_of(kind)
    n = len(series)
    dtype = series.dtype
    if k == "bool":
        if dtype == np.bool_:
            return Column(name, k, np.asarray(series.to_numpy(), dtype=bool), None, None)
        if isinstance(dtype, pd.BooleanDtype):
            return Column(name, k, np.asarray(series.to_numpy(dtype=bool, na_value=False)),
                          _na(series), None)
        objs = _objects(series)
        ok = np.fromiter((type(x) is bool or type(x) is np.bool_ for x in objs), bool, n)
        vals = np.fromiter((x is True or x is np.True_ for x in objs), bool, n)
        return Column(name, k, vals, ~ok, None)
    if k == "num":
        return _numbers(name, kind, series)
    if k == "cat":
        return _categories(name, kind, series)
    objs = _objects(series)
    check = kind.checker()
    vals = np.empty(n, dtype=object)
    ok = np.zeros(n, dtype=bool)
    for i, x in enumerate(objs):
        if x is None:
            continue
        value = _obj_value(x, kind)
        if value is not None and check(value):
            vals[i] = value
            ok[i] = True
    return Column(name, k, vals, ~ok, None)


def _obj_value(x: Any, kind: FactType) -> Any:
    """A cell as a datetime, date or list fact's run-time value (None: it cannot be)."""
    if kind.kind == "datetime":
        if isinstance(x, pd.Timestamp):
            return None if x is pd.NaT else x.to_pydatetime()
        if isinstance(x, str):  # JSON form (a decision record): ISO text
            try:
                return _dt.datetime.fromisoformat(x)
            except ValueError:
                return None
        return x
    if kind.kind == "date":
        if isinstance(x, pd.Timestamp):
            return None
        if isinstance(x, str):
            try:
                return _dt.date.fromisoformat(x)
            except ValueError:
                return None
        return x
    if isinstance(x, list | tuple | np.ndarray):
        assert kind.item is not None
        items = tuple(_item(v, kind.item) for v in list(x))
        return items
    return None


def _item(v: Any, kind: FactType) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if kind.kind in ("datetime", "date"):
        return _obj_value(v, kind)
    return v


def _numbers(name: str, kind: FactType, series: pd.Series) -> Column:
    n = len(series)
    dtype = series.dtype
    is_int = kind.kind == "int"
    if pd.api.types.is_bool_dtype(dtype):  # a bool is not a number: unknown
        return Column(name, "num", np.zeros(n, np.int64 if is_int else np.float64),
                      np.ones(n, dtype=bool), None)
    if pd.api.types.is_integer_dtype(dtype):  # (a nullable Int64 column may miss cells)
        vals = np.asarray(series.to_numpy(dtype=np.int64, na_value=0), dtype=np.int64)
        return Column(name, "num", vals, _na(series) if series.hasnans else None, None)
    if pd.api.types.is_float_dtype(dtype):
        f = np.asarray(series.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
        with np.errstate(invalid="ignore"):
            ok = np.abs(f) < float(_MAGNITUDE)  # false for NaN (missing) and infinities
            if is_int:
                ok &= f == np.floor(f)
                return Column(name, "num", np.where(ok, f, 0).astype(np.int64), ~ok, None)
        return Column(name, "num", f, ~ok, None)
    # an object column: each value checked as the engine's store checks it
    objs = _objects(series)
    ints: list[Any] = []
    good = np.zeros(n, dtype=bool)
    any_float = False
    for i, x in enumerate(objs):
        value = _number(x, is_int)
        if value is None:
            ints.append(0)
            continue
        good[i] = True
        any_float = any_float or type(value) is float
        ints.append(value)
    if any_float:
        return Column(name, "num", np.array(ints, dtype=np.float64), ~good, None)
    return Column(name, "num", np.array(ints, dtype=np.int64), ~good, None)


def _number(x: Any, is_int: bool) -> int | float | None:
    if isinstance(x, np.generic) and not isinstance(x, np.bool_):
        x = x.item()
    if type(x) is int:
        return x if -_MAGNITUDE < x < _MAGNITUDE else None
    if type(x) is float:
        if not math.isfinite(x) or not -_MAGNITUDE < x < _MAGNITUDE:
            return None
        if is_int:
            return int(x) if x == math.floor(x) else None
        return x
    return None


def _categories(name: str, kind: FactType, series: pd.Series) -> Column:
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()  # int8/int16…: -1 where a cell is missing
        cats = list(series.cat.categories)
    else:
        raw, uniques = pd.factorize(_objects(series), use_na_sentinel=True)
        codes = np.asarray(raw)
        cats = list(uniques)
    allowed = set(kind.values) if kind.kind == "enum" else None
    valid = [type(c) is str and (allowed is None or c in allowed) for c in cats]
    if all(valid):
        return Column(name, "cat", codes, codes < 0, None, cats)
    ok = np.array([*valid, False], dtype=bool)[codes]  # code -1: the last entry, False
    return Column(name, "cat", codes, ~ok, None, cats)
