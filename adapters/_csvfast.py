"""The fast path of `load_records` for a source folder of CSV tables: column by column.

The row path (`_load._nest` then `_schema.normalize` per row, and once more per child item as
part of its parent) reads a month's records — hundreds of thousands of rows — at tens of
microseconds a field. This path gives the same records: it converts each column once per
distinct value with the same converter (`_schema._convert`), builds the dotted groups as
`_load._nest`/`_collapse` do, attaches the child tables' typed items to their parents, and
checks keys with `_records._check_unique`. It takes only what it is sure to read the same: every
table a CSV file, every column a field of the table's shape (scalars, maps of scalars, flags),
every value converting, every child naming an existing parent. Anything else — and every
error — returns None, and the caller takes the row path, which reports the first problem exactly
as it always has (`tests/test_demo_month_load.py` checks the two agree).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ._records import _check_unique
from ._schema import _NULLS, SHAPES, Field, Shape, _convert

__all__ = ["RawTable", "fast_tables"]

_SCALARS: Final = frozenset({"str", "num", "bool", "datetime", "date", "enum", "strlist",
                             "enumlist"})
_MISS: Final = object()


class _Fallback(Exception):
    """Something the fast path does not take: the row path reads the folder."""


@dataclass(frozen=True)
class RawTable:
    """A CSV table as read: the stripped header, the rows' cells, the file, the line names."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    path: Path
    lines: Sequence[str]


def fast_tables(raw: Mapping[str, RawTable], source: str, children: Mapping[str, tuple[str, str]],
                ) -> dict[str, tuple[dict[str, Any], ...]] | None:
    """The typed tables of a source folder whose tables are all CSV (`raw`), or None when the
    row path must read it (see the module docstring)."""
    shapes = SHAPES[source]
    try:
        typed: dict[str, list[dict[str, Any]]] = {}
        for table, data in raw.items():
            if table in shapes:
                typed[table] = _records(data, shapes[table])
        for child, (parent, field) in children.items():
            if child not in raw:
                continue
            if parent not in typed or field in raw[parent].header:
                raise _Fallback
            _attach(raw[child], typed[parent], shapes[parent].fields[field].shape or Shape(),
                    field)
    except _Fallback:
        return None
    out: dict[str, tuple[dict[str, Any], ...]] = {}
    for table, records in typed.items():
        frozen = tuple(records)
        _check_unique(frozen, table, _where(raw[table]))
        out[table] = frozen
    return out


def _where(table: RawTable) -> Callable[[int], str]:
    """How the row path names row `i` of a CSV table in a message."""
    return lambda i: f"{table.path} {table.lines[i]}"


def _attach(child: RawTable, parents: list[dict[str, Any]], shape: Shape, field: str) -> None:
    """Append each child row's typed item to the list field of the parent it names."""
    if "msisdn" not in child.header:
        raise _Fallback
    at = child.header.index("msisdn")
    keys = [row[at] for row in child.rows]
    rest = RawTable([h for h in child.header if h != "msisdn"],
                    [[v for i, v in enumerate(row) if i != at] for row in child.rows],
                    child.path, child.lines)
    items = _records(rest, shape)
    by_msisdn = {str(p.get("msisdn")): p for p in parents}
    lists: dict[int, list[dict[str, Any]]] = {}
    for key, item in zip(keys, items, strict=True):
        target = by_msisdn.get(key)
        if not key or target is None:
            raise _Fallback
        lists.setdefault(id(target), []).append(item)
    for parent in parents:
        found = lists.get(id(parent))
        if found is not None:
            parent[field] = tuple(found)


def _records(table: RawTable, shape: Shape) -> list[dict[str, Any]]:
    """The typed records of one table (`_Fallback` for anything the row path must judge)."""
    columns = list(zip(*table.rows, strict=True)) if table.rows else [() for _ in table.header]
    count = len(table.rows)
    groups: dict[str, dict[str, Any]] = {}  # top-level name -> nested columns (dotted)
    order: list[str] = []
    for header, column in zip(table.header, columns, strict=True):
        name, *rest = header.split(".")
        if name not in shape.fields and (rest or name in groups):
            raise _Fallback  # a dotted group, or a column given twice, of no field
        if name not in groups:
            order.append(name)
            groups[name] = {}
        node = groups[name]
        if not rest:
            if node:
                raise _Fallback
            groups[name] = {"": column}
            continue
        if "" in node:
            raise _Fallback
        *parents, leaf = rest
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise _Fallback
        if leaf in node:
            raise _Fallback
        node[leaf] = column
    # a column of no field is kept as it is read (`normalize` keeps what it does not know)
    built = [_value(groups[name], shape.fields[name], count) if name in shape.fields
             else list(groups[name][""]) for name in order]
    missing = [name for name in shape.fields if name not in groups]
    if any(shape.fields[name].required for name in missing):
        raise _Fallback
    names = order + missing
    nones = (None,) * len(missing)
    return [dict(zip(names, (*values, *nones), strict=True)) for values in zip(*built,
                                                                               strict=True)] \
        if built else [dict.fromkeys(names) for _ in range(count)]


def _value(node: dict[str, Any], spec: Field, count: int) -> list[Any]:
    """The typed values of one top-level field (a column, or a dotted group) for every row."""
    if "" in node:
        if spec.kind not in _SCALARS:
            raise _Fallback
        return _column(node[""], spec)
    if spec.kind == "flags":
        if any(isinstance(v, dict) for v in node.values()):
            raise _Fallback
        flag = Field("bool")
        keys = list(node)
        empty = _empty_rows([node[k] for k in keys], count)
        columns = [_typed(node[k], flag, nulls=False) for k in keys]
        return [None if blank else dict(zip(keys, values, strict=True))
                for blank, values in zip(empty, zip(*columns, strict=True), strict=True)]
    if spec.kind == "map":
        return _map(node, spec.shape or Shape(), count)
    raise _Fallback


def _map(node: dict[str, Any], shape: Shape, count: int) -> list[Any]:
    """A dotted group read as a map of `shape` (None for a row whose cells are all empty)."""
    keys = list(node)
    if any(k not in shape.fields for k in keys):
        raise _Fallback
    leaves = _leaves(node)
    empty = _empty_rows(leaves, count)
    columns = []
    for key in keys:
        sub = node[key]
        spec = shape.fields[key]
        columns.append(_value(sub if isinstance(sub, dict) else {"": sub}, spec, count))
    missing = [k for k in shape.fields if k not in node]
    required = [k for k in keys if shape.fields[k].required]
    # a row with some cells of the group filled would need them: the row path decides
    if any(shape.fields[k].required for k in missing) and not all(empty):
        raise _Fallback
    names = keys + missing
    nones = (None,) * len(missing)
    out: list[Any] = []
    for blank, values in zip(empty, zip(*columns, strict=True), strict=True):
        if blank:
            out.append(None)
            continue
        if required and any(values[keys.index(k)] is None for k in required):
            raise _Fallback
        out.append(dict(zip(names, (*values, *nones), strict=True)))
    return out


def _leaves(node: dict[str, Any]) -> list[Sequence[str]]:
    out: list[Sequence[str]] = []
    for value in node.values():
        out.extend(_leaves(value) if isinstance(value, dict) else [value])
    return out


def _empty_rows(columns: Sequence[Sequence[str]], count: int) -> list[bool]:
    """Per row, whether every one of `columns` is empty or null there (`_load._collapse`)."""
    nulls = [[v.strip().lower() in _NULLS for v in column] for column in columns]
    return [all(row) for row in zip(*nulls, strict=True)] if nulls else [True] * count


def _column(column: Sequence[str], spec: Field) -> list[Any]:
    """One scalar column, typed as `normalize` types a CSV cell (null text is None)."""
    if spec.kind == "str":
        out: list[str | None] = []
        for value in column:
            if value.strip().lower() in _NULLS:
                if spec.required:
                    raise _Fallback
                out.append(None)
            else:
                out.append(value)
        return out
    return _typed(column, spec, nulls=True)


def _typed(column: Sequence[str], spec: Field, *, nulls: bool) -> list[Any]:
    """Each cell typed as `normalize` types a CSV cell, converted once per distinct text (the
    typed values are immutable, so records share them). With `nulls`, null text is None (or,
    for a required field, `_Fallback`); without, it must convert like any other (a flags
    entry: an empty one is an error for the row path)."""
    cache: dict[str, Any] = {}
    out = []
    for value in column:
        typed = cache.get(value, _MISS)
        if typed is _MISS:
            typed = cache[value] = _one(value, spec, nulls)
        out.append(typed)
    return out


def _one(value: str, spec: Field, nulls: bool) -> Any:
    if nulls and value.strip().lower() in _NULLS:
        if spec.required:
            raise _Fallback
        return None
    try:
        return _convert(value, spec, "", True, "")
    except (ValueError, TypeError):
        raise _Fallback from None
