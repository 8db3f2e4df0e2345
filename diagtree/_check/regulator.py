"""The regulator's classes: which of its three complaint classes (工信部: 网络质量 network quality,
收费争议 charging disputes, 用户服务 user service) each category of the taxonomy counts in.

A knowledge file of kind ``regulator_classes`` (one per folder, optional; the shipped one is
``trees/regulator_classes.yaml``) maps each class to its categories::

    regulator_classes:
      网络质量: [network, support]
      收费争议: [billing, product, vas]
      用户服务: [device, subscriber, service, unknown]

Every category of the taxonomy must be in exactly one class, and only the three classes may be
named; each problem names the file, line and column. `diagtree report` counts the month in
these classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from diagtree._check import schema as _schema
from diagtree._errors import AuthoringError, Problem, did_you_mean
from diagtree._load.fields import Fields
from diagtree._load.yaml import Positions, load_yaml
from diagtree._vocab.taxonomy import CATEGORIES

__all__ = ["KIND", "REGULATOR_CLASSES", "read_regulator_classes", "regulator_classes_of"]

KIND: Final = "regulator_classes"
#: the regulator's three classes, in the order its statistics list them
REGULATOR_CLASSES: Final = ("网络质量", "收费争议", "用户服务")


def read_regulator_classes(data: Any, pos: Positions, problems: list[Problem]
                           ) -> dict[str, str]:
    """Category → class from a loaded ``regulator_classes`` file; what is wrong goes to
    `problems` (located), and the mapping holds what could be read."""
    out: dict[str, str] = {}
    if isinstance(data, Mapping):  # the file's keys, as the one schema gives them
        Fields(data, (), pos, problems, "a regulator classes file").only(
            _schema.REGULATOR_CLASSES_FILE.keys)
    body = data.get(KIND) if isinstance(data, Mapping) else None
    if not isinstance(body, Mapping):
        problems.append(Problem(pos.of((KIND,)), "expected_mapping",
                                "regulator_classes must map each class to a list of "
                                "categories", hint="e.g. 网络质量: [network, support]"))
        return out
    for name, listed in body.items():
        if name not in REGULATOR_CLASSES:
            problems.append(Problem(pos.key((KIND, name)), "unknown_value",
                                    f"{name!r} is not one of the regulator's classes "
                                    + ", ".join(REGULATOR_CLASSES),
                                    hint=did_you_mean(str(name), REGULATOR_CLASSES)))
            continue
        if not isinstance(listed, list):
            problems.append(Problem(pos.of((KIND, name)), "type_mismatch",
                                    f"{name}: expected a list of categories"))
            continue
        for i, category in enumerate(listed):
            where = pos.of((KIND, name, i))
            if category not in CATEGORIES:
                problems.append(Problem(where, "unknown_value",
                                        f"{category!r} is not a category of the taxonomy",
                                        hint=did_you_mean(str(category), CATEGORIES)))
            elif category in out:
                problems.append(Problem(where, "duplicate_id",
                                        f"{category!r} is already in class {out[category]}",
                                        hint="each category counts in exactly one class"))
            else:
                out[str(category)] = str(name)
    missing = [c for c in CATEGORIES if c not in out]
    if missing:
        problems.append(Problem(pos.key((KIND,)), "missing_key",
                                "no regulator class for the categor"
                                + ("y " if len(missing) == 1 else "ies ")
                                + ", ".join(missing),
                                hint="add each to one of " + ", ".join(REGULATOR_CLASSES)))
    return out


def regulator_classes_of(text: str, name: str) -> dict[str, str]:
    """Category → class from a file's text; `AuthoringError` lists every problem."""
    data, pos, problems = load_yaml(text, name)
    mapping = read_regulator_classes(data, pos, problems) if data is not None else {}
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise AuthoringError(tuple(problems), {name: text})
    return mapping
