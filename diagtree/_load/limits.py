"""Bounds on what one knowledge file may hold: the public `Limits` (per tree file) and the YAML
limits every other file diagtree reads is held to (`FILE_LIMITS`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from diagtree._load.yaml import YamlLimits

__all__ = ["FILE_LIMITS", "Limits"]


@dataclass(frozen=True)
class Limits:
    """Bounds on what one tree file may hold (authors get a clear error beyond them)."""

    max_file_bytes: int = 512_000
    max_nodes: int = 400
    max_depth: int = 60
    max_expression_chars: int = 500
    max_table_rows: int = 64

    def yaml(self) -> YamlLimits:
        """The YAML limits of one tree file (size, values, aliases, depth); scenario and data
        files are read under the same (`FILE_LIMITS`)."""
        return YamlLimits(max_bytes=self.max_file_bytes)


#: the YAML limits of every file diagtree reads besides trees: scenario files, record files
FILE_LIMITS: Final = Limits().yaml()
