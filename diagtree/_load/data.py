"""Reading a data file (records, complaints, fixtures) the way diagtree reads its own files.

`read_yaml` is public (`diagtree.read_yaml`): the shipped adapters read their record and
complaint files with it, and an integrator can read its own fixtures under the same rules.
"""

from __future__ import annotations

from typing import Any

from diagtree._errors import AuthoringError
from diagtree._load.limits import FILE_LIMITS
from diagtree._load.yaml import load_yaml

__all__ = ["read_yaml"]


def read_yaml(text: str, filename: str = "<string>") -> Any:
    """The data of one YAML document, read like every file diagtree reads besides trees.

    Safe YAML only (no tags that build objects), under the limits of a tree file
    (``Limits().yaml()``: size, values, aliases, depth); duplicate keys are errors and
    timestamps stay strings. Raises `AuthoringError` carrying every problem, each located
    in `filename` (an empty document gives ``None``)."""
    data, _positions, problems = load_yaml(text, filename, FILE_LIMITS)
    if problems:
        raise AuthoringError(tuple(problems), {filename: text})
    return data
