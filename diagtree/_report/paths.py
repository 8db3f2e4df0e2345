"""Path counts: how many walks reached each node of each tree, from the results frame's
``path`` column (the node ids of a walk joined by ``>``, qualified as in the trace:
``location/outage``; the last one is where the walk ended).

A month has few distinct paths, so the column is counted by value first and each distinct path
split once. `path_counts` is the report's table; `counts_by_tree` is the same in the form of
`diagtree render --paths` (`diagtree._render.graph.read_results`, format 1, with ``steps``:
how often a walk went from one node straight to another).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SEPARATOR", "counts_by_tree", "path_counts"]

SEPARATOR: Final = ">"


def _distinct(df: pd.DataFrame) -> list[tuple[str, str, str, int]]:
    """(tree id, path, cause, walks) for each distinct path of a tree and its cause."""
    known = df[df["tree_id"].notna() & df["path"].notna()]
    counts = known.groupby(["tree_id", "path", "cause"], observed=True, dropna=False).size()
    return [(str(t), str(p), str(c), int(n)) for (t, p, c), n in counts.items() if n > 0]


def counts_by_tree(df: pd.DataFrame) -> dict[str, Any]:
    """``{"trees": {TREE: {"nodes": {NODE: walks}, "steps": {NODE: {NEXT: walks}},
    "ends": {LAST: {CAUSE: walks}}}}}`` — ``ends``: the last node of each path and the cause
    concluded after it (a path may stop at its last decision, or go on to its outcome; the
    picture counts the edge to the outcome either way)."""
    trees: dict[str, dict[str, Any]] = {}
    for tree_id, path, cause, n in _distinct(df):
        body = trees.setdefault(tree_id, {"nodes": {}, "steps": {}, "ends": {}})
        nodes = [p for p in path.split(SEPARATOR) if p]
        for node in nodes:
            body["nodes"][node] = body["nodes"].get(node, 0) + n
        for a, b in itertools.pairwise(nodes):
            per = body["steps"].setdefault(a, {})
            per[b] = per.get(b, 0) + n
        if nodes:
            end = body["ends"].setdefault(nodes[-1], {})
            end[cause] = end.get(cause, 0) + n
    return {"trees": trees}


def path_counts(counts: dict[str, Any]) -> pd.DataFrame:
    """One row per tree and node of `counts` (`counts_by_tree`): ``tree_id, node, walks``
    (most walked first)."""
    import pandas as pd  # noqa: PLC0415

    rows = [(tree_id, node, walks) for tree_id, body in counts["trees"].items()
            for node, walks in body["nodes"].items()]
    out = pd.DataFrame(rows, columns=["tree_id", "node", "walks"])
    out["walks"] = out["walks"].astype("int64")
    return out.sort_values(["tree_id", "walks", "node"], ascending=[True, False, True],
                           ignore_index=True)
