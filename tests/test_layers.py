"""The house's layering: `ls diagtree/` reads as the pipeline, and the imports agree with it.

Each private package (or top-level module) of `diagtree/` sits in one layer; a module may
import from its own package and from lower layers only — never from a later stage or from a
tool. So the check stage cannot grow a dependency on compiling, and the conclude stage reads
the end of a walk (`WalkEnd`) without importing the walk. Every import counts: top-level,
inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "diagtree"

#: lowest first; a unit may import from units in its own layer only if listed as a pair below
LAYERS: tuple[tuple[str, ...], ...] = (
    ("_privacy",),
    ("_errors",),
    ("_vocab",),
    ("_load",),
    ("_expr", "_templates"),  # the condition and the script template languages
    ("_check",),           # 2. read and check every knowledge file
    ("_compile",),         # 3. checked trees → steps → generated walker
    ("_conclude",),        # 5. policy, script, the Diagnosis (reads a WalkEnd)
    ("_walk",),            # 4. the walk, which ends by concluding
    ("_incidents",),       # mass incidents: diagnoses grouped by cause and cell or platform
    ("_tmf", "_decisions"),  # made of diagnoses, public: TMF621 tickets, the decision log
    ("_vector",),          # trees routed over facts frames (numpy), facts frames from the log
    ("__init__",),         # the public API
    ("_lint", "_render"),  # tools on top of the stages
    ("_testing",),
    ("testing", "vector"),  # public modules over the API
    ("_author",),
    ("_records",),         # which records the shipped adapters read: batch and service share it
    ("_batch",),           # batch diagnosis over frames and files, on processes or Dask
    ("batch",),            # its public face, `diagtree.batch`
    ("_service",),         # the HTTP service (a tool: it wraps the public API)
    ("_report", "_replay"),  # quality analytics of a results frame; version replay
    ("_cli",),
    ("__main__",),
)
RANK = {unit: i for i, layer in enumerate(LAYERS) for unit in layer}


def _unit(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    """The units of `diagtree` that a module imports (public names count as `__init__`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "diagtree":
                found.update(a.name if a.name.startswith("_") and a.name != "__version__"
                             else "__init__" for a in node.names)
            elif node.module.startswith("diagtree."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names
                         if a.name.startswith("diagtree."))
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def test_every_unit_has_a_layer() -> None:
    units = {_unit(p) for p in MODULES}
    assert units - set(RANK) == set(), "place each new package of diagtree/ in LAYERS"
    assert set(RANK) - units == set(), "LAYERS names a unit that no longer exists"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_down_the_layers(path: Path) -> None:
    unit = _unit(path)
    upward = sorted(dep for dep in _imports(path) - {unit}
                    if RANK.get(dep, len(LAYERS)) >= RANK[unit])
    assert upward == [], (f"{path.relative_to(PACKAGE)} ({unit}) imports {upward}, which sit "
                          "at or above its layer: move the shared piece down, or the module up")


def test_the_stages_are_folders_that_say_their_place() -> None:
    """A newcomer opening a stage's folder reads which stage it is first."""
    stages = ["load", "check", "compile", "walk", "conclude"]
    for number, stage in enumerate(stages, start=1):
        init = PACKAGE / f"_{stage}" / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert doc.startswith(f"Stage {number}, {stage}:"), (init, doc)


def test_the_architecture_page_names_every_unit() -> None:
    """docs/architecture.md is where a newcomer learns what each folder holds: a new one must
    be described there."""
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    for unit in RANK:
        if unit in ("__init__", "__main__", "testing"):
            continue
        kind = "/" if (PACKAGE / unit).is_dir() else ".py"
        assert f"`{unit}{kind}`" in page, f"docs/architecture.md does not describe {unit}{kind}"
