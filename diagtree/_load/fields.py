"""Typed access to loaded YAML mappings, collecting located problems instead of raising.

Every author-file reader (trees, catalog, policy, scripts, scenarios) goes through `Fields`, so
they all report the same way: unknown keys with a did-you-mean, missing keys, wrong types,
YAML 1.1 boolean traps where a string is expected.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from diagtree._errors import Location, Problem, did_you_mean
from diagtree._load.yaml import Path, Positions

__all__ = ["Fields"]

_MISSING: Any = object()


class Fields:
    """A view on one mapping in a loaded file, at `path`."""

    def __init__(self, data: Any, path: Path, pos: Positions, problems: list[Problem],
                 what: str) -> None:
        self.data = data if isinstance(data, Mapping) else {}
        self.path = path
        self.pos = pos
        self.problems = problems
        self.what = what
        self.ok = isinstance(data, Mapping)
        if not self.ok:
            self.error(path, "expected_mapping",
                       f"{what} must be a mapping of keys to values, got {_kind(data)}")

    # -- reporting -------------------------------------------------------------------------
    def loc(self, key: str | None = None) -> Location:
        return self.pos.of(self.path if key is None else (*self.path, key))

    def key_loc(self, key: str) -> Location:
        return self.pos.key((*self.path, key))

    def error(self, path: Path, code: str, message: str, hint: str | None = None,
              *, at_key: bool = False) -> None:
        loc = self.pos.key(path) if at_key else self.pos.of(path)
        self.problems.append(Problem(loc, code, message, hint=hint))

    def child(self, key: str, what: str) -> Fields:
        return Fields(self.data.get(key), (*self.path, key), self.pos, self.problems, what)

    # -- structure -------------------------------------------------------------------------
    def only(self, allowed: Collection[str]) -> None:
        """Report keys not in `allowed`, with a did-you-mean."""
        for key in self.data:
            if key not in allowed:
                hint = did_you_mean(str(key), allowed)
                self.error((*self.path, key), "unknown_key",
                           f"unknown key {key!r} in {self.what}",
                           hint or "allowed: " + ", ".join(sorted(allowed)), at_key=True)

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    # -- typed getters ---------------------------------------------------------------------
    def string(self, key: str, *, required: bool = False, default: str | None = None,
               choices: Collection[str] | None = None) -> str | None:
        path = (*self.path, key)
        value = self.data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.error(self.path, "missing_key", f"{self.what} needs `{key}`")
            return default
        if isinstance(value, bool) and self.pos.is_trap(path):
            word = "yes/on/y" if value else "no/off/n"
            self.error(path, "yaml_bool_trap",
                       f"`{key}` reads as the boolean {str(value).lower()} in YAML 1.1 "
                       f"(one of {word})", "quote it to mean the word: '...'")
            return default
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # version: 1.2, sp codes written as numbers
        if not isinstance(value, str):
            self.error(path, "type_mismatch", f"`{key}` must be a string, got {_kind(value)}")
            return default
        if choices is not None and value not in choices:
            hint = did_you_mean(value, choices)
            self.error(path, "unknown_value",
                       f"`{key}` is {value!r}; expected one of: " + ", ".join(choices), hint)
            return default
        return value

    def boolean(self, key: str, default: bool | None = None) -> bool | None:
        value = self.data.get(key, _MISSING)
        if value is _MISSING or value is None:
            return default
        if not isinstance(value, bool):
            self.error((*self.path, key), "type_mismatch",
                       f"`{key}` must be true or false, got {_kind(value)}")
            return default
        return value

    def number(self, key: str, *, required: bool = False,
               default: float | None = None) -> float | None:
        value = self.data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.error(self.path, "missing_key", f"{self.what} needs `{key}`")
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error((*self.path, key), "type_mismatch",
                       f"`{key}` must be a number, got {_kind(value)}")
            return default
        return float(value)

    def strings(self, key: str, *, required: bool = False) -> list[str]:
        path = (*self.path, key)
        value = self.data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.error(self.path, "missing_key", f"{self.what} needs `{key}`")
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.error(path, "type_mismatch", f"`{key}` must be a list of strings")
            return []
        out = []
        for i, item in enumerate(value):
            if isinstance(item, bool) and self.pos.is_trap((*path, i)):
                self.error((*path, i), "yaml_bool_trap",
                           "this item reads as a boolean in YAML 1.1", "quote it: '...'")
            elif isinstance(item, str | int) and not isinstance(item, bool):
                out.append(str(item))
            else:
                self.error((*path, i), "type_mismatch", f"expected a string, got {_kind(item)}")
        return out

    def localized(self, key: str, *, required: bool = False,
                  locales: tuple[str, ...] = ("zh-CN", "en")) -> tuple[tuple[str, str], ...]:
        """A `{zh-CN: ..., en: ...}` text; a bare string is taken for every locale."""
        value = self.data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.error(self.path, "missing_key",
                           f"{self.what} needs `{key}` ({{zh-CN: ..., en: ...}})")
            return ()
        if isinstance(value, str):
            return tuple((loc, value) for loc in locales)
        sub = self.child(key, f"`{key}`")
        if not sub.ok:
            return ()
        sub.only(locales)
        out = []
        for loc in locales:
            text = sub.string(loc)
            if text is None:
                sub.error(sub.path, "missing_locale", f"`{key}` has no {loc} text",
                          f"add `{loc}: ...`")
            else:
                out.append((loc, text))
        return tuple(out)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"{type(value).__name__} {value!r}"
