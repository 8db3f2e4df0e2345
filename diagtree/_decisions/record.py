"""One decision record: what a diagnosis or a session step decided, and what a replay needs.

A record is one JSON object (written as one line of the log, `_decisions.log`), version
`RECORD_VERSION`, described by `record_schema()` (committed as
``docs/decision-log.schema.json``)::

    {"format": "diagtree.decision", "version": 1, "id": "…32 hex…", "time": "…Z",
     "kind": "diagnosis" | "session_step", "session": null | "…", "step": null | {…},
     "masked": true, "tree": {"id", "version", "sha256"}, "complaint": {…}, "answers": {…},
     "facts": {name: value}, "unknown": [name], "masked_facts": [name], "sources": [{…}],
     "pending": null | {…}, "diagnosis": null | {…}, "diagtree": "0.1.0"}

`facts` holds every source fact the walk, the outcome's values and the policy read, in JSON
form (`json_value`: times as ISO text, lists as arrays); `unknown` the facts that were read but
unavailable. With those, the complaint and the answers, `_decisions.verify` replays the
decision without asking any source. The complaint's own facts are not repeated: they follow
from the complaint.

Masking (the default) applies `mask_value` to the complaint, the answers, the facts, the
sources' errors and the diagnosis: no full MSISDN or IMSI reaches the file, however written.
`masked_facts` names the facts whose value the mask changed (a replay reads them as masked).
"""

from __future__ import annotations

import datetime as _dt
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final

from diagtree._compile.steps import CompiledTree
from diagtree._conclude.diagnosis import Diagnosis, SourceCall, json_value
from diagtree._privacy import mask_value
from diagtree._vocab.complaint import Complaint
from diagtree._vocab.facts import UNKNOWN

__all__ = ["DERIVED", "FORMAT", "RECORD_VERSION", "Masker", "facts_of", "new_record",
           "record_schema"]

FORMAT: Final = "diagtree.decision"
#: the version of the record format this diagtree writes and reads
RECORD_VERSION: Final = 1
#: fact prefixes the engine derives (from the complaint, or after the walk): not recorded
DERIVED: Final = ("complaint.", "diagnosis.", "history.")
KINDS: Final = ("diagnosis", "session_step")
OPS: Final = ("start", "resume", "answer", "back", "diagnosis")

#: turns a JSON value into what the log may hold (`mask_value`, or the identity)
Masker = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def masker(mask: bool | Masker) -> Masker:
    """The masking a log applies: `mask_value` (True), none (False) or the caller's own."""
    if mask is True:
        return mask_value
    if mask is False:
        return _same
    return mask


def facts_of(store: Mapping[Any, Any]) -> tuple[dict[str, Any], list[str]]:
    """The source facts a diagnosis read (JSON form), and those read but unavailable."""
    known: dict[str, Any] = {}
    unknown: list[str] = []
    for name, value in store.items():
        if type(name) is not str or "." not in name or name.startswith(DERIVED):
            continue
        if value is UNKNOWN:
            unknown.append(name)
        else:
            known[name] = json_value(value)
    return known, unknown


def _tree(tree: CompiledTree | None, diagnosis: Diagnosis | None) -> dict[str, Any]:
    if diagnosis is not None:
        return {"id": diagnosis.tree_id, "version": diagnosis.tree_version,
                "sha256": diagnosis.tree_sha256}
    if tree is None:
        return {"id": None, "version": None, "sha256": None}
    return {"id": tree.id, "version": tree.version, "sha256": tree.flat.sha256}


def new_record(*, kind: str, complaint: Complaint, answers: Mapping[str, Any],
               facts: Mapping[Any, Any], calls: tuple[SourceCall, ...] | list[SourceCall],
               mask: Masker, masked: bool, version: str, diagnosis: Diagnosis | None = None,
               tree: CompiledTree | None = None, session: str | None = None,
               step: Mapping[str, Any] | None = None,
               pending: Mapping[str, Any] | None = None,
               step_ms: float | None = None) -> dict[str, Any]:
    """A record (plain JSON, masked by `mask`): see the module docstring."""
    known, unknown = facts_of(facts)
    shown: dict[str, Any] = {}
    changed: list[str] = []
    for name, value in known.items():
        after = mask(value)
        shown[name] = after
        if after != value:
            changed.append(name)
    now = _dt.datetime.now(_dt.UTC)
    record: dict[str, Any] = {
        "format": FORMAT, "version": RECORD_VERSION, "id": uuid.uuid4().hex,
        "time": now.isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "kind": kind, "session": session,
        "step": None if step is None else mask(dict(step)),
        "masked": masked, "tree": _tree(tree, diagnosis),
        "complaint": mask(complaint.to_dict()),
        "answers": mask({str(k): json_value(v) for k, v in answers.items()}),
        "facts": shown, "unknown": unknown, "masked_facts": changed,
        "sources": [{"source": c.source, "ok": c.ok, "latency_ms": c.latency_ms,
                     "error": None if c.error is None else mask(c.error)} for c in calls],
        "pending": None if pending is None else mask(dict(pending)),
        "diagnosis": None if diagnosis is None else mask(diagnosis.to_dict()),
        "step_ms": step_ms,
        "diagtree": version,
    }
    return record


_NULLABLE_TEXT: Final = {"type": ["string", "null"]}


def record_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one decision record, version `RECORD_VERSION`."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://diagtree.invalid/schema/decision-record-1.json",
        "title": "diagtree decision record",
        "description": "One line of a diagtree decision log: a diagnosis or a session step, "
                       "with what a replay needs (the complaint, the answers, the tree and the "
                       "facts read). Numbers that look like an MSISDN or IMSI are masked "
                       "unless `masked` is false.",
        "type": "object",
        "properties": {
            "format": {"const": FORMAT},
            "version": {"const": RECORD_VERSION,
                        "description": "The record format's version."},
            "id": {"type": "string", "pattern": "^[0-9a-f]{32}$",
                   "description": "The decision id (a random UUID, hex)."},
            "time": {"type": "string", "format": "date-time",
                     "description": "When it was written (UTC)."},
            "kind": {"enum": list(KINDS)},
            "session": {**_NULLABLE_TEXT,
                        "description": "The session a step or its diagnosis belongs to."},
            "step": {"type": ["object", "null"],
                     "properties": {"op": {"enum": list(OPS)},
                                    "question": _NULLABLE_TEXT,
                                    "value": {"type": ["boolean", "string", "null"]}},
                     "required": ["op"],
                     "description": "The session step (null for Engine.diagnose)."},
            "masked": {"type": "boolean",
                       "description": "Whether MSISDNs and IMSIs were masked."},
            "tree": {"type": "object",
                     "properties": {"id": _NULLABLE_TEXT, "version": _NULLABLE_TEXT,
                                    "sha256": _NULLABLE_TEXT},
                     "required": ["id", "version", "sha256"],
                     "additionalProperties": False},
            "complaint": {"type": "object", "required": ["id", "type", "reported_at"],
                          "description": "The complaint as parsed (Complaint.to_dict())."},
            "answers": {"type": "object",
                        "additionalProperties": {"type": ["boolean", "string", "null"]},
                        "description": "The answers given, by question id."},
            "facts": {"type": "object",
                      "description": "Every source fact read, by name (JSON form)."},
            "unknown": {"type": "array", "items": {"type": "string"},
                        "description": "Facts read whose source was unavailable."},
            "masked_facts": {"type": "array", "items": {"type": "string"},
                             "description": "Facts whose recorded value is masked."},
            "sources": {"type": "array", "items": {
                "type": "object",
                "properties": {"source": {"type": "string"}, "ok": {"type": "boolean"},
                               "latency_ms": {"type": "number"}, "error": _NULLABLE_TEXT},
                "required": ["source", "ok", "latency_ms", "error"]}},
            "pending": {"type": ["object", "null"],
                        "description": "The question a session waits for after the step "
                                       "(Pending.to_dict()); null when it can conclude."},
            "diagnosis": {"type": ["object", "null"],
                          "required": ["cause", "trace", "timings_ms"],
                          "description": "The diagnosis (Diagnosis.to_dict()): the outcome, "
                                         "the trace and the timings."},
            "step_ms": {"type": ["number", "null"],
                        "description": "How long a session step took."},
            "diagtree": {"type": "string", "description": "The diagtree that wrote it."},
        },
        "required": ["format", "version", "id", "time", "kind", "session", "step", "masked",
                     "tree", "complaint", "answers", "facts", "unknown", "masked_facts",
                     "sources", "pending", "diagnosis", "step_ms", "diagtree"],
        "additionalProperties": False,
    }
