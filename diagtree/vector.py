"""Vectorized replay: a tree compiled into column operations over a facts frame (docs/vector.md).

```python
from diagtree import Engine
from diagtree.vector import compile_columns, facts_frame

engine = Engine(sources=my_sources)
facts = facts_frame("decisions.jsonl")            # one row per logged diagnosis
tree = compile_columns(engine, "no_service")       # the tree for a symptom (or a tree id)
results = tree.route(facts[facts["type"] == "no_service"])
```

`ColumnTree.route` routes every row at once with numpy masks, one pass per node, and returns
one row per input row: ``complaint_id, tree_id, tree_version, cause, category, resolution,
department, grade, grade_reasons, node`` (the end reached) and ``path`` (the node ids passed,
``>``-joined). `ColumnTree.route_rows` is the per-row reference that gives the same frame.
"""

from __future__ import annotations

import datetime as _dt

from diagtree import ConfigurationError, Engine
from diagtree._compile.steps import CompiledTree
from diagtree._vector.columns import ANSWER_PREFIX, NULL_SUFFIX
from diagtree._vector.frame import facts_frame
from diagtree._vector.route import OUTPUT_COLUMNS, ColumnTree

__all__ = ["ANSWER_PREFIX", "NULL_SUFFIX", "OUTPUT_COLUMNS", "ColumnTree", "compile_columns",
           "facts_frame"]

ColumnTree.__module__ = "diagtree.vector"


def compile_columns(engine: Engine, tree: str | CompiledTree, *,
                    at: _dt.datetime | None = None) -> ColumnTree:
    """The tree of `engine` for a symptom or a tree id (the versions in force at `at`, else the
    latest), or a tree `engine.tree_for` gave, compiled for facts frames; its outcomes are
    concluded with the engine's catalog and policy."""
    library = engine.library
    found: CompiledTree | None
    if isinstance(tree, str):
        found = engine.tree_for(tree, at) if at is not None or tree not in library.trees \
            else library.trees[tree]
        if found is None:
            raise ConfigurationError("tree", f"no tree handles {tree!r} and no tree has that "
                                     "id")
    else:
        found = tree
    return ColumnTree(found, library.catalog, library.policy)
