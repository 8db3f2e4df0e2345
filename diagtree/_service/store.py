"""Where the service keeps its sessions: a small store interface and its SQLite implementation.

A session is kept as a `SessionRecord`: its owner (the caller's name), the tree it is pinned to
(id, version and sha256 of the compiled tree with its sub-trees), the library's
`Session.state()` (all that `Engine.resume` needs), the view last sent to the caller, and a
`version` that grows by one at each step. Every change is a compare-and-set on that version
(`SessionStore.update(record, expected_version)`): two workers answering the same session never
cross or lose a step, the loser of a race sees `False` and starts again from the new record.

`SessionStore` is a `Protocol`: Redis (``WATCH``/``MULTI``) or a database (``UPDATE … WHERE
version = ?``) implement the same five methods. `SQLiteStore` is the default: one file, WAL
journal (readers never wait for the writer), a busy timeout (a second worker waits for the lock
instead of failing), one connection per thread.

The knowledge a session is pinned to is kept too (`put_knowledge`/`get_knowledge`: the text of
every knowledge file by its hash), so that a session can continue on the tree it started on
after the trees changed and the service restarted.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

__all__ = ["SQLiteStore", "SessionRecord", "SessionStore"]


@dataclass(frozen=True)
class SessionRecord:
    """One session as stored."""

    id: str
    owner: str
    version: int
    tree_id: str
    tree_version: str
    tree_sha256: str
    knowledge: str  # the hash of the knowledge folder it started on (`get_knowledge`)
    state: dict[str, Any]  # Session.state()
    view: dict[str, Any]  # what the caller was last sent
    open: bool  # a question waits for an answer
    created: float
    updated: float

    def next(self, **changes: Any) -> SessionRecord:
        """The record after one step: version + 1, updated now."""
        return replace(self, version=self.version + 1, updated=time.time(), **changes)


class SessionStore(Protocol):
    """What the service needs from a session store (implement it for Redis or a database)."""

    def create(self, record: SessionRecord, max_open: int, ttl_s: float) -> bool:
        """Insert a new record unless its owner already has `max_open` open sessions updated
        within `ttl_s` seconds (then False); atomic with respect to other workers."""

    def get(self, session_id: str) -> SessionRecord | None:
        """The record, or None."""

    def update(self, record: SessionRecord, expected_version: int) -> bool:
        """Replace the record if the stored one still has `expected_version` (else False)."""

    def put_knowledge(self, digest: str, files: dict[str, str]) -> None:
        """Keep the knowledge files (relative path → text) under their hash (idempotent)."""

    def get_knowledge(self, digest: str) -> dict[str, str] | None:
        """The knowledge files kept under `digest`, or None."""

    def ping(self) -> None:
        """Raise if the store cannot be reached (the readiness probe)."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, version INTEGER NOT NULL,
    tree_id TEXT NOT NULL, tree_version TEXT NOT NULL, tree_sha256 TEXT NOT NULL,
    knowledge TEXT NOT NULL, state TEXT NOT NULL, view TEXT NOT NULL, open INTEGER NOT NULL,
    created REAL NOT NULL, updated REAL NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_owner ON sessions (owner, open, updated);
CREATE TABLE IF NOT EXISTS knowledge (digest TEXT PRIMARY KEY, files TEXT NOT NULL);
"""
_COLUMNS = ("id", "owner", "version", "tree_id", "tree_version", "tree_sha256", "knowledge",
            "state", "view", "open", "created", "updated")
# built once from the constant column names above (no request text ever reaches SQL but as a
# bound parameter)
_INSERT = (f"INSERT INTO sessions ({', '.join(_COLUMNS)}) "  # noqa: S608
           f"VALUES ({', '.join('?' * len(_COLUMNS))})")
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM sessions WHERE id = ?"  # noqa: S608


class SQLiteStore:
    """Sessions in one SQLite file, shared safely by several worker processes."""

    def __init__(self, path: str | Path, busy_timeout_ms: int = 10_000) -> None:
        self.path = str(path)
        self._busy = busy_timeout_ms
        self._local = threading.local()
        # one writer at a time within this process: SQLite's busy handler sleeps in steps of
        # up to 100 ms, so threads of one worker queue here instead (other workers still
        # wait on the busy timeout)
        self._write = threading.Lock()
        with self._db() as db:
            db.executescript(_SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=self._busy / 1000, isolation_level=None)
            db.execute(f"PRAGMA busy_timeout = {int(self._busy)}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            self._local.db = db
        return db

    @staticmethod
    def _row(record: SessionRecord) -> tuple[Any, ...]:
        return (record.id, record.owner, record.version, record.tree_id, record.tree_version,
                record.tree_sha256, record.knowledge, json.dumps(record.state),
                json.dumps(record.view), int(record.open), record.created, record.updated)

    def create(self, record: SessionRecord, max_open: int, ttl_s: float) -> bool:
        with self._write:
            return self._create(record, max_open, ttl_s)

    def _create(self, record: SessionRecord, max_open: int, ttl_s: float) -> bool:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")  # the count and the insert under one write lock
        try:
            (count,) = db.execute(
                "SELECT COUNT(*) FROM sessions WHERE owner = ? AND open = 1 AND updated > ?",
                (record.owner, time.time() - ttl_s)).fetchone()
            if count >= max_open:
                db.execute("ROLLBACK")
                return False
            db.execute(_INSERT, self._row(record))
            db.execute("COMMIT")
            return True
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def get(self, session_id: str) -> SessionRecord | None:
        row = self._db().execute(_SELECT, (session_id,)).fetchone()
        if row is None:
            return None
        data = dict(zip(_COLUMNS, row, strict=True))
        data["state"] = json.loads(data["state"])
        data["view"] = json.loads(data["view"])
        data["open"] = bool(data["open"])
        return SessionRecord(**data)

    def update(self, record: SessionRecord, expected_version: int) -> bool:
        with self._write:
            cur = self._db().execute(
                "UPDATE sessions SET version = ?, tree_id = ?, tree_version = ?, "
                "tree_sha256 = ?, knowledge = ?, state = ?, view = ?, open = ?, updated = ? "
                "WHERE id = ? AND version = ?",
                (record.version, record.tree_id, record.tree_version, record.tree_sha256,
                 record.knowledge, json.dumps(record.state), json.dumps(record.view),
                 int(record.open), record.updated, record.id, expected_version))
            return cur.rowcount == 1

    def put_knowledge(self, digest: str, files: dict[str, str]) -> None:
        self._db().execute("INSERT OR IGNORE INTO knowledge (digest, files) VALUES (?, ?)",
                           (digest, json.dumps(files, sort_keys=True)))

    def get_knowledge(self, digest: str) -> dict[str, str] | None:
        row = self._db().execute("SELECT files FROM knowledge WHERE digest = ?",
                                 (digest,)).fetchone()
        if row is None:
            return None
        files: dict[str, str] = json.loads(row[0])
        return files

    def ping(self) -> None:
        self._db().execute("SELECT 1").fetchone()
