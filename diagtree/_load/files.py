"""Which files are knowledge files, and what kind each one is.

A knowledge folder is every ``*.yaml``/``*.yml`` file under it (sorted, recursively). A file's
kind is told by its top-level key, the first of `FILE_KINDS` it has: ``tree:``, ``subtree:``,
``outcomes:``, ``scripts:``, ``policy:``, ``script_rules:``, ``cases:`` (scenario files, which
the library skips and ``diagtree test`` reads), ``regulator_classes:`` (the categories in the
regulator's classes, which the library checks and ``diagtree report`` reads). Every reader
tells kinds here: the library, ``diagtree fmt``, the JSON Schema of "any knowledge file".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

from diagtree._load.yaml import load_yaml

__all__ = ["FILE_KINDS", "SUFFIXES", "file_kind", "knowledge_files", "text_kind"]

#: the top-level keys that tell a file's kind; when a file has several, the first one wins
FILE_KINDS: Final = ("tree", "subtree", "outcomes", "scripts", "policy", "script_rules", "cases",
                     "regulator_classes")
#: the suffixes of knowledge files
SUFFIXES: Final = (".yaml", ".yml")

_TOP_KEY: Final = re.compile(r"^\ufeff?(" + "|".join(FILE_KINDS) + r")[ \t]*:", re.MULTILINE)


def knowledge_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files named, and every YAML file under the folders named (sorted), in that order."""
    out: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out.extend(sorted(q for q in path.rglob("*") if q.suffix in SUFFIXES
                              and q.is_file()))
        else:
            out.append(path)
    return out


def file_kind(source: Path | object) -> str | None:
    """The kind of a knowledge file (one of `FILE_KINDS`), or None when it has no kind key.

    `source` is a path (its text is scanned, see `text_kind`; `OSError` and
    `UnicodeDecodeError` propagate) or loaded YAML data (the first kind key of a mapping)."""
    if isinstance(source, Path):
        return text_kind(source.read_text(encoding="utf-8"), str(source))
    if not isinstance(source, Mapping):
        return None
    return next((k for k in FILE_KINDS if k in source), None)


def text_kind(text: str, name: str = "<text>", *, parse: bool = True) -> str | None:
    """The kind of a file's text, read from its unindented keys (cheaper than parsing); a
    flow-style file (``{tree: …}``) is parsed, unless not `parse` (then its kind is None)."""
    keys = set(_TOP_KEY.findall(text))
    if parse and not keys and text.lstrip("\ufeff \t\r\n").startswith("{"):
        return file_kind(load_yaml(text, name)[0])
    return next((k for k in FILE_KINDS if k in keys), None)
