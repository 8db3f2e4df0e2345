"""The adapters use diagtree's public API only: no `diagtree._*` import, in any form.

Every internal move of diagtree's private modules would otherwise break `diagtree_adapters`
(and an operator's adapters written after them). The scan reads the source (AST), so it also
catches an import inside a function, `from diagtree import _x`, and a module named in a string
(`importlib.import_module("diagtree._vocab.facts")`, `__import__`).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ADAPTERS = Path(__file__).resolve().parents[2] / "adapters"
_PRIVATE = re.compile(r"diagtree\._\w+(\.\w+)*")


def private_imports(source: str) -> list[str]:
    """Each way `source` reaches into a private diagtree module, as ``line: what``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names
                      if _PRIVATE.fullmatch(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if _PRIVATE.fullmatch(node.module):
                found.append(f"{node.lineno}: from {node.module} import …")
            elif node.module == "diagtree":
                found += [f"{node.lineno}: from diagtree import {a.name}" for a in node.names
                          if a.name.startswith("_")]
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and _PRIVATE.fullmatch(node.value.strip())):
            found.append(f"{node.lineno}: the module name {node.value!r}")
        elif (isinstance(node, ast.Attribute) and node.attr.startswith("_")
              and not node.attr.startswith("__")
              and isinstance(node.value, ast.Name) and node.value.id == "diagtree"):
            found.append(f"{node.lineno}: diagtree.{node.attr}")
    return found


def test_adapters_import_no_private_diagtree_module() -> None:
    files = sorted(ADAPTERS.rglob("*.py"))
    assert len(files) > 10  # the scan sees the adapters (and the demo)
    offenders = [f"{path.relative_to(ADAPTERS.parent)}:{hit}" for path in files
                 for hit in private_imports(path.read_text(encoding="utf-8"))]
    assert offenders == []


@pytest.mark.parametrize("source", [
    "from diagtree._vocab.facts import BOOL",
    "import diagtree._vocab.facts",
    "import diagtree._lint.rules as rules",
    "from diagtree import _facts",
    "from diagtree import Engine, _errors as errors",
    "def f():\n    from diagtree._vocab.facts import FactType\n",
    "import importlib\nimportlib.import_module('diagtree._vocab.facts')",
    "__import__('diagtree._errors')",
    "import diagtree\nx = diagtree._vocab.facts.BOOL",
])
def test_the_scan_finds_every_form(source: str) -> None:
    assert private_imports(source)


@pytest.mark.parametrize("source", [
    "from diagtree import Engine, FactType",
    "import diagtree\nx = diagtree.UNKNOWN",
    "from ._records import SourceRecords",
    "from diagtree_adapters._load import load_records",
    '"""Read like diagtree._check.tree does."""',
])
def test_the_scan_lets_public_names_through(source: str) -> None:
    assert private_imports(source) == []
