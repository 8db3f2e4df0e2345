"""Who may ask: API keys from the service's config file, kept as hashes, and the caller's role.

The config file (YAML, read with the safe loader) lists the callers; a key is never written in
it, only its SHA-256 (`hash_key`, or ``diagtree serve --hash-key KEY``)::

    keys:
      - name: desk-17
        role: agent
        sha256: 6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b
      - name: team-lead
        role: supervisor
        sha256: d4735e3a265e16eee03f59718b9b5d03019c07d8b6c51f90da3a666eec13ab35

A key is a long random token (``python -c "import secrets; print(secrets.token_urlsafe(32))"``):
its SHA-256 cannot be reversed, so a leaked config file gives no key away (a slow hash such as
scrypt is for passwords people choose, not for random keys, and would cost every request).
A request carries its key as ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``; every key in
the file is compared in constant time (`hmac.compare_digest` over every entry, no early exit),
so the timing tells nothing about which key nearly matched.

The role (`agent` or `supervisor`) comes from the key only: it decides the refund authority of
a diagnosis, so a complaint's ``agent_role`` must be absent or equal to the caller's role.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from diagtree._errors import ConfigurationError

__all__ = ["ROLES", "Caller", "KeyRing", "hash_key", "key_from_headers"]

ROLES = ("agent", "supervisor")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def hash_key(key: str) -> str:
    """The SHA-256 (hex) of a key, as the config file keeps it."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: its name (the owner of its sessions) and its role."""

    name: str
    role: str


class KeyRing:
    """The callers of the config file, by the hash of their key."""

    def __init__(self, entries: Sequence[Caller], digests: Sequence[bytes]) -> None:
        self._entries = tuple(zip(digests, entries, strict=True))

    @classmethod
    def from_config(cls, keys: object) -> KeyRing:
        """Read the ``keys:`` list of the config file; `ConfigurationError` names the field."""
        if not isinstance(keys, list) or not keys:
            raise ConfigurationError("keys", "expected a non-empty list of {name, role, "
                                     "sha256}")
        callers: list[Caller] = []
        digests: list[bytes] = []
        names: set[str] = set()
        for i, entry in enumerate(keys):
            where = f"keys[{i}]"
            if not isinstance(entry, Mapping):
                raise ConfigurationError(where, "expected a mapping {name, role, sha256}")
            unknown = set(entry) - {"name", "role", "sha256"}
            if unknown:
                raise ConfigurationError(where, f"unknown key {sorted(map(str, unknown))[0]!r}"
                                         " (allowed: name, role, sha256)")
            name, role, digest = entry.get("name"), entry.get("role"), entry.get("sha256")
            if not isinstance(name, str) or not name:
                raise ConfigurationError(f"{where}.name", "expected a non-empty string")
            if name in names:
                raise ConfigurationError(f"{where}.name", f"{name!r} is listed twice")
            if role not in ROLES:
                raise ConfigurationError(f"{where}.role", f"expected one of {ROLES}, got "
                                         f"{str(role)[:40]!r}")
            if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
                raise ConfigurationError(f"{where}.sha256", "expected the SHA-256 of the key "
                                         "(64 lower-case hex digits; diagtree serve "
                                         "--hash-key KEY), never the key itself")
            names.add(name)
            callers.append(Caller(name, str(role)))
            digests.append(bytes.fromhex(digest))
        return cls(callers, digests)

    def identify(self, key: str | None) -> Caller | None:
        """The caller whose key this is, or None; constant time over the whole ring."""
        if not key:
            return None
        digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()
        found: Caller | None = None
        for stored, caller in self._entries:
            if hmac.compare_digest(stored, digest):  # no break: every entry is compared
                found = caller
        return found


def key_from_headers(headers: Mapping[str, Any]) -> str | None:
    """The key a request carries: ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``."""
    auth = headers.get("authorization")
    if isinstance(auth, str):
        scheme, _, token = auth.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    key = headers.get("x-api-key")
    return key.strip() if isinstance(key, str) and key.strip() else None
