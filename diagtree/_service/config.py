"""The service's config file (YAML, safe-loaded) and its defaults.

```yaml
keys:                      # who may call (auth.py): name, role, sha256 of the key
  - {name: desk-17, role: agent, sha256: "…64 hex…"}
store: sessions.sqlite3    # the SQLite file of the sessions (relative to the config file)
trees: null                # a knowledge folder (null: the shipped trees)
data: demo                 # the records the sources read: `demo` (the demo city), a data
                           # folder (diagtree_adapters.load_records) or null (no records)
locale: zh-CN              # the script's language when a request names none
default_region: null       # accept national-format MSISDNs of this region (e.g. CN)
max_body_bytes: 65536      # a larger request body gets 413
max_open_sessions: 50      # open sessions (a question waiting) per caller; more gets 429
session_ttl_s: 86400       # a session untouched this long no longer counts as open
decision_log: null         # a file: every diagnosis and step appended (docs/decision-log.md)
```
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from diagtree._errors import ConfigurationError, DiagtreeError
from diagtree._load.data import read_yaml
from diagtree._service.auth import KeyRing

__all__ = ["ServiceConfig", "load_config"]

_MAX_CONFIG_BYTES = 1_000_000


@dataclass(frozen=True)
class ServiceConfig:
    """The service's settings (see the module docstring for each)."""

    keys: KeyRing
    store: Path
    trees: Path | None = None
    data: str | None = "demo"
    locale: str = "zh-CN"
    default_region: str | None = None
    max_body_bytes: int = 65536
    max_open_sessions: int = 50
    session_ttl_s: float = 86400.0
    decision_log: Path | None = None

    def with_overrides(self, **changes: Any) -> ServiceConfig:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


_FIELDS = ("keys", "store", "trees", "data", "locale", "default_region", "max_body_bytes",
           "max_open_sessions", "session_ttl_s", "decision_log")


def load_config(path: str | Path) -> ServiceConfig:
    """Read a config file; `ConfigurationError` names the field at fault."""
    file = Path(path)
    try:
        if file.stat().st_size > _MAX_CONFIG_BYTES:
            raise ConfigurationError(str(file), f"larger than {_MAX_CONFIG_BYTES} bytes")
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(str(file), f"cannot be read: {exc}") from None
    try:
        data = read_yaml(text, str(file))  # safe YAML, limits, duplicate keys refused
    except DiagtreeError as exc:
        raise ConfigurationError(str(file), str(exc)) from None
    return config_from_mapping(data, file.parent)


def config_from_mapping(data: object, base: Path) -> ServiceConfig:
    """The config a mapping describes (paths relative to `base`)."""
    if not isinstance(data, Mapping):
        raise ConfigurationError("config", "expected a mapping at the top of the file")
    for key in data:
        if key not in _FIELDS:
            raise ConfigurationError(str(key), f"unknown setting (allowed: {', '.join(_FIELDS)})")
    keys = KeyRing.from_config(data.get("keys"))

    def path(name: str, default: str | None) -> Path | None:
        value = data.get(name, default)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise ConfigurationError(name, "expected a path")
        return base / value

    def number(name: str, default: float, kind: type = int) -> Any:
        value = data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0 \
                or (kind is int and not isinstance(value, int)):
            raise ConfigurationError(name, f"expected a positive {kind.__name__}")
        return kind(value)

    def text(name: str, default: str | None) -> str | None:
        value = data.get(name, default)
        if value is not None and not isinstance(value, str):
            raise ConfigurationError(name, "expected a string or null")
        return value

    store = path("store", "sessions.sqlite3")
    assert store is not None
    decision_log = path("decision_log", None)
    data_setting = text("data", "demo")
    if data_setting not in (None, "demo"):
        data_setting = str(base / data_setting)
    return ServiceConfig(
        keys=keys, store=store, trees=path("trees", None), data=data_setting,
        locale=text("locale", "zh-CN") or "zh-CN", default_region=text("default_region", None),
        max_body_bytes=number("max_body_bytes", 65536),
        max_open_sessions=number("max_open_sessions", 50),
        session_ttl_s=number("session_ttl_s", 86400.0, float), decision_log=decision_log)
