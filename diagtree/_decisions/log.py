"""`DecisionLog`: an append-only JSON-lines file of decisions, safe for threads and processes.

```python
log = DecisionLog("decisions.jsonl")                      # masked, rotated at 64 MiB
engine = Engine(sources=sources, decision_log=log)        # every diagnosis and session step
log.record_diagnosis(diagnosis, complaint, answers=...)   # or one by hand
for line in read_log("decisions.jsonl"):                  # torn or unreadable lines reported
    ...
```

How a record is written, so that none is lost or mixed with another:

- the whole line (the JSON and its ``\\n``) is built first and written by ``os.write`` on a file
  opened with ``O_APPEND``, under a lock: a ``threading.Lock`` for the threads of a process and
  ``fcntl.flock`` on ``LOG.lock`` for every process writing the same log (uvicorn's workers);
- then ``fsync`` (unless ``fsync=False``): a record `record_*` returned is on the disk;
- a crash in the middle of a write leaves a torn last line (no ``\\n``). The next writer sees
  it (the file does not end in ``\\n``) and starts on a new line; a reader reports it with its
  line number and skips it, and every earlier record is intact;
- rotation, under the same lock: when a record would take the file past `max_bytes`, the file
  is renamed ``LOG.000001`` (then ``.000002``…: higher is newer) and a new one begun; `keep`
  rotated files are kept (None: all). A process holding the old file notices the rename (the
  path's inode changed) and reopens before its next write.

A failure to write (a full disk) never fails the diagnosis it records: it is logged (masked)
on the ``diagtree.decisions`` logger and counted in `failures`; ``strict=True`` raises instead.
"""

from __future__ import annotations

import fcntl
import functools
import json
import logging
import os
import re
import threading
import time
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from diagtree._conclude.diagnosis import Diagnosis
from diagtree._decisions.record import FORMAT, RECORD_VERSION, Masker, masker, new_record
from diagtree._errors import ConfigurationError
from diagtree._privacy import describe, mask_text
from diagtree._vocab.complaint import Complaint

if TYPE_CHECKING:
    from diagtree._decisions.verify import Report
    from diagtree._walk.session import Session
    from diagtree._walk.sources import Source

__all__ = ["DecisionLog", "LogLine", "log_files", "read_log"]

_log = logging.getLogger("diagtree.decisions")
_ROTATED = re.compile(r"\.(\d{6,})$")
DEFAULT_MAX_BYTES: Final = 64 * 2**20


@functools.cache
def _diagtree_version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    try:
        return version("diagtree")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"


class DecisionLog:
    """A decision log at `path` (see the module docstring): records masked (`mask`: True,
    False, or a function of a JSON value), rotated past `max_bytes` (None: never) keeping
    `keep` rotated files (None: all), each record synced to disk unless ``fsync=False``."""

    def __init__(self, path: str | os.PathLike[str], *, max_bytes: int | None = DEFAULT_MAX_BYTES,
                 keep: int | None = 10, mask: bool | Masker = True, fsync: bool = True,
                 strict: bool = False) -> None:
        if max_bytes is not None and (type(max_bytes) is not int or max_bytes < 1):
            raise ConfigurationError("max_bytes", f"expected a positive int or None, got "
                                     f"{max_bytes!r}")
        if keep is not None and (type(keep) is not int or keep < 0):
            raise ConfigurationError("keep", f"expected an int >= 0 or None, got {keep!r}")
        if not (isinstance(mask, bool) or callable(mask)):
            raise ConfigurationError("mask", "expected True, False or a function")
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.keep = keep
        self.masked = mask is not False
        self._mask = masker(mask)
        self.fsync = fsync
        self.strict = strict
        #: records that could not be written (each logged on ``diagtree.decisions``)
        self.failures = 0
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._lock_fd: int | None = None
        self._pid = os.getpid()
        self._sessions: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        return f"DecisionLog({str(self.path)!r})"

    # -- what is recorded ----------------------------------------------------------------------
    def record_diagnosis(self, diagnosis: Diagnosis, complaint: Complaint, *,
                         answers: Mapping[str, Any] | None = None,
                         facts: Mapping[Any, Any] | None = None,
                         session: Session | None = None, session_id: str | None = None,
                         ) -> str | None:
        """Append a diagnosis: `answers` as given, `facts` the facts it read (the engine
        passes them; without them the trace's facts are recorded, which a replay may find
        short). `session`/`session_id` tie it to a session's steps. Returns the decision id
        (None when the write failed and the log is not `strict`)."""
        # the agent's view is worked out on first use, reading the evidence of the causes also
        # found into the store (from sources that answered): work it out now, so that those
        # facts are recorded too and a replay finds the same `also_found`
        diagnosis.also_found  # noqa: B018
        if facts is None:
            facts = {f.name: f.value for step in diagnosis.trace for f in step.facts
                     if f.available}
        record = new_record(kind="diagnosis", complaint=complaint, answers=answers or {},
                            facts=facts, calls=diagnosis.sources, mask=self._mask,
                            masked=self.masked, version=_diagtree_version(),
                            diagnosis=diagnosis,
                            session=self._session_id(session, session_id),
                            step=None if session is None and session_id is None
                            else {"op": "diagnosis", "question": None, "value": None})
        return self.append(record)

    def record_step(self, session: Session, op: str, *, question: str | None = None,
                    value: bool | str | None = None, session_id: str | None = None,
                    step_ms: float | None = None) -> str | None:
        """Append a session step (`op`: start, resume, answer, back) as the session stands
        after it: its answers, the facts read so far, the question it waits for."""
        store = session._store  # the facts read so far, for a replay
        pending = session.pending
        record = new_record(kind="session_step", complaint=session.complaint,
                            answers=session.answers, facts=store, calls=list(store.calls),
                            mask=self._mask, masked=self.masked, version=_diagtree_version(),
                            tree=store.tree, session=self._session_id(session, session_id),
                            step={"op": op, "question": question, "value": value},
                            pending=None if pending is None else pending.to_dict(),
                            step_ms=step_ms)
        return self.append(record)

    def _session_id(self, session: object | None, given: str | None) -> str | None:
        if given is not None:
            if session is not None:
                with self._lock:
                    self._sessions[session] = given
            return given
        if session is None:
            return None
        with self._lock:
            found = self._sessions.get(session)
            if found is None:
                found = self._sessions[session] = os.urandom(16).hex()
        return found

    # -- writing -------------------------------------------------------------------------------
    def append(self, record: Mapping[str, Any]) -> str | None:
        """Append one record (a JSON object) as one line; returns its ``id``."""
        try:
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":"),
                              allow_nan=False).encode("utf-8") + b"\n"
            self._write(line)
        except (OSError, ValueError, TypeError) as exc:
            if self.strict:
                raise
            self.failures += 1
            _log.log(logging.ERROR, "decision log %s: a record was not written: %s",
                     self.path, mask_text(describe(exc)))
            return None
        found = record.get("id")
        return found if isinstance(found, str) else None

    def _write(self, line: bytes) -> None:
        with self._lock:
            if self._pid != os.getpid():  # forked: the lock's open file is the parent's
                for fd in (self._fd, self._lock_fd):
                    if fd is not None:
                        os.close(fd)  # (the parent's lock holds while the parent's fd is open)
                self._fd = self._lock_fd = None
                self._pid = os.getpid()
            if self._lock_fd is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._lock_fd = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                fd = self._current()
                size = os.fstat(fd).st_size
                if self.max_bytes is not None and size and size + len(line) > self.max_bytes:
                    fd = self._rotate(fd)
                    size = 0
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    line = b"\n" + line  # a torn line before: it stays a line of its own
                view = memoryview(line)
                while view:
                    view = view[os.write(fd, view):]
                if self.fsync:
                    os.fsync(fd)
            finally:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _current(self) -> int:
        """The log's file, reopened when another process rotated it (or it was removed)."""
        fd = self._fd
        if fd is not None:
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                return fd
            os.close(fd)
        self._fd = fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        return fd

    def _rotate(self, fd: int) -> int:
        numbers = [n for n, _ in _rotated(self.path)]
        target = Path(f"{self.path}.{(max(numbers, default=0) + 1):06d}")
        os.close(fd)
        self._fd = None
        os.rename(self.path, target)
        if self.keep is not None:
            for _, old in _rotated(self.path)[: max(0, len(numbers) + 1 - self.keep)]:
                old.unlink(missing_ok=True)
        fd = self._current()
        if self.fsync:  # the rename and the new file survive a power cut
            folder = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
        return fd

    def close(self) -> None:
        """Close the files (a later record opens them again)."""
        with self._lock:
            for fd in (self._fd, self._lock_fd):
                if fd is not None and self._pid == os.getpid():
                    os.close(fd)
            self._fd = self._lock_fd = None

    def __enter__(self) -> DecisionLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -------------------------------------------------------------------------------
    def files(self) -> list[Path]:
        """The log's files, oldest first: the rotated ones, then the current one."""
        return log_files(self.path)

    def read(self) -> Iterator[LogLine]:
        """Every line of every file of the log, oldest first (`read_log`)."""
        for path in self.files():
            yield from read_log(path)

    def verify(self, trees: str | Path | Iterable[str | Path] | None = None, *,
               sources: Iterable[Source]) -> Report:
        """Replay every record of the log on the current `trees` (None: the shipped ones):
        which decisions would change (`_decisions.verify`). `sources` only declare the facts
        (their types); they are never asked."""
        from diagtree._decisions.verify import verify_lines  # noqa: PLC0415 - it needs us

        return verify_lines(self.read(), trees, sources)


def _rotated(path: Path) -> list[tuple[int, Path]]:
    """The rotated files of the log at `path`, oldest first."""
    found = []
    for candidate in path.parent.glob(f"{path.name}.*"):
        m = _ROTATED.search(candidate.name)
        if m and candidate.name == f"{path.name}{m.group(0)}":
            found.append((int(m.group(1)), candidate))
    return sorted(found)


def log_files(path: str | os.PathLike[str]) -> list[Path]:
    """The rotated files of the log at `path`, oldest first, then `path` (if it exists)."""
    current = Path(path)
    files = [p for _, p in _rotated(current)]
    return [*files, current] if current.exists() else files


@dataclass(frozen=True)
class LogLine:
    """One line of a log file: its record, or why it cannot be read (`problem`)."""

    file: str
    line: int
    record: dict[str, Any] | None
    problem: str | None = None


def read_log(path: str | os.PathLike[str]) -> Iterator[LogLine]:
    """The lines of one log file, numbered from 1: each a record, or a problem — a torn last
    line (no end of line: its write was cut short), a line that is not UTF-8 JSON, or a record
    of a format or version this diagtree does not read. Empty lines are skipped."""
    name = str(path)
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            if not raw.endswith(b"\n"):
                yield LogLine(name, number, None, "torn: the last line has no end of line "
                              "(its write was cut short); skipped")
                return
            if not raw.strip():
                continue
            yield _parse(name, number, raw)


def _parse(name: str, number: int, raw: bytes) -> LogLine:
    try:
        record = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
        return LogLine(name, number, None, f"not a JSON record ({reason}); skipped")
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        return LogLine(name, number, None, f"not a decision record (no \"format\": "
                       f"\"{FORMAT}\"); skipped")
    version = record.get("version")
    if version != RECORD_VERSION:
        return LogLine(name, number, None, f"record version {str(version)[:20]!r}: this "
                       f"diagtree reads version {RECORD_VERSION}; skipped")
    return LogLine(name, number, record)


def elapsed_ms(started: float) -> float:
    """Milliseconds since `started` (a `time.perf_counter()`), to the microsecond."""
    return int((time.perf_counter() - started) * 1_000_000) / 1000
