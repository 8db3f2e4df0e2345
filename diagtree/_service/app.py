"""The HTTP service: FastAPI routes over the library's public API (`Engine`, `Session`).

`create_app(config)` builds the app; `app_from_env()` is the factory uvicorn's workers call
(``diagtree serve`` passes the config file in ``DIAGTREE_SERVICE_CONFIG``, its overrides in
``DIAGTREE_SERVICE_OVERRIDES`` as JSON). The routes (docs/service.md):

- ``POST /diagnoses`` one complaint at once; ``POST /sessions``, ``GET /sessions/{id}``,
  ``POST /sessions/{id}/answers``, ``POST /sessions/{id}/back`` step by step;
- ``GET /trees``, ``GET /trees/{id}`` (``?format=html|mermaid|dot`` the picture),
  ``POST /trees/reload`` (supervisor);
- ``GET /demo/complaints`` (with ``data: demo``), ``GET /console`` (the agent console);
- ``GET /healthz``, ``GET /readyz``, ``GET /openapi.json``.

``POST /diagnoses`` awaits the engine's async API (``engine.adiagnose``). A session step is a
read–resume–step–compare-and-set on the (synchronous) store, so it runs whole in the
threadpool (`_run`); a store with an async client would await ``engine.aresume`` and
``Session.aanswer`` there instead.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import unquote

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from diagtree import _records
from diagtree._decisions.log import DecisionLog
from diagtree._errors import ComplaintError, DiagtreeError
from diagtree._privacy import mask_text
from diagtree._render.dot import render_dot
from diagtree._render.graph import build_graph
from diagtree._render.html import render_html
from diagtree._render.mermaid import render_mermaid
from diagtree._service.auth import Caller, key_from_headers
from diagtree._service.config import ServiceConfig, load_config
from diagtree._service.knowledge import Knowledge, engine_factory
from diagtree._service.models import (
    AnswerRequest,
    BackRequest,
    DiagnoseRequest,
    DiagnosisResponse,
    Problem,
    SessionRequest,
    SessionView,
    TreeInfo,
    TreeRef,
)
from diagtree._service.problems import MEDIA_TYPE, ProblemError, complaint_problem, problem_body
from diagtree._service.store import SessionRecord, SessionStore, SQLiteStore
from diagtree._tmf.tmf621 import trouble_ticket
from diagtree._walk.engine import shipped_trees
from diagtree._walk.session import Session
from diagtree._walk.sources import Source

__all__ = ["MaskingFilter", "Service", "app_from_env", "create_app"]

log = logging.getLogger("diagtree.service")
T = TypeVar("T")
_CAS_ATTEMPTS = 50
_UNION_TAGS = frozenset({"bool", "str", "int", "float", "function-after[...]"})
_PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {MEDIA_TYPE: {}}}
    for code in (400, 401, 403, 404, 409, 413, 422, 429)}


async def _run(fn: Callable[[], T]) -> T:
    """Run a synchronous step (the store and the session) off the event loop."""
    return await run_in_threadpool(fn)


# -- logs: no MSISDN or IMSI in an access log --------------------------------------------------
class MaskingFilter(logging.Filter):
    """Masks numbers (MSISDN, IMSI) in log records: uvicorn's access log (its path and query,
    percent-decoded first so that ``%2B86…`` cannot slip through) and any other message."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            client, method, path, http, status = args
            record.args = (client, method, mask_text(unquote(str(path))), http, status)
        else:
            record.msg = mask_text(unquote(record.getMessage()))
            record.args = None
        return True


def install_log_masking() -> None:
    for name in ("uvicorn.access", "uvicorn.error", "uvicorn", "diagtree"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskingFilter) for f in logger.filters):
            logger.addFilter(MaskingFilter())


# -- limits -------------------------------------------------------------------------------------
class BodyLimit:
    """A request body over `limit` bytes gets 413 before any route reads it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        too_big = False
        if declared is not None:
            try:
                too_big = int(declared) > self.limit
            except ValueError:
                too_big = False
        messages: list[Message] = []
        size = 0
        if not too_big:
            while True:
                message = await receive()
                messages.append(message)
                if message["type"] != "http.request":
                    break
                size += len(message.get("body", b""))
                if size > self.limit:
                    too_big = True
                    break
                if not message.get("more_body", False):
                    break
        if too_big:
            response = JSONResponse(
                problem_body(413, "body_too_large", f"the request body is larger than "
                             f"{self.limit} bytes", "body"), 413, media_type=MEDIA_TYPE)
            await response(scope, receive, send)
            return

        async def replay() -> Message:
            if messages:
                return messages.pop(0)
            return await receive()

        await self.app(scope, replay, send)


# -- the service --------------------------------------------------------------------------------
class Service:
    """The state behind the routes: config, store, sources, the knowledge in force."""

    def __init__(self, config: ServiceConfig, store: SessionStore | None = None,
                 sources: list[Source] | None = None) -> None:
        self.config = config
        self.store: SessionStore = store or SQLiteStore(config.store)
        self.sources = sources if sources is not None else _sources(config.data)
        log = None if config.decision_log is None else DecisionLog(config.decision_log)
        self._make = engine_factory(self.sources, config.locale, config.default_region, log)
        self._lock = threading.Lock()
        self._pinned: dict[str, Knowledge] = {}
        self.knowledge = self._load()

    def _load(self) -> Knowledge:
        knowledge = Knowledge.load(self.config.trees or shipped_trees(), self._make)
        self.store.put_knowledge(knowledge.digest, knowledge.files)
        with self._lock:
            self._pinned[knowledge.digest] = knowledge
        return knowledge

    def reload(self) -> Knowledge:
        self.knowledge = self._load()
        return self.knowledge

    def pinned(self, digest: str) -> Knowledge | None:
        """The knowledge a session started on (rebuilt from the store after a restart)."""
        with self._lock:
            found = self._pinned.get(digest)
        if found is not None:
            return found
        files = self.store.get_knowledge(digest)
        if files is None:
            return None
        knowledge = Knowledge.from_files(files, self._make)
        with self._lock:
            if len(self._pinned) >= 8:  # a few versions kept in memory
                self._pinned.pop(next(iter(self._pinned)))
            self._pinned[digest] = knowledge
        return knowledge


def _sources(data: str | None) -> list[Source]:
    import diagtree_adapters as ad  # noqa: PLC0415 - the service is a composition root

    demo = data == _records.DEMO
    return list(ad.mock_sources(_records.source_records(None if demo else data, demo=demo)))


def _demo_complaints(data: str | None) -> list[dict[str, Any]]:
    if data != _records.DEMO:
        return []
    from diagtree_adapters.demo import demo_complaints  # noqa: PLC0415

    cases = [c for c in demo_complaints() if not c.get("down")]
    return cases


# -- helpers of the routes ----------------------------------------------------------------------
_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer KEY")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="X-API-Key: KEY")


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def authenticate(request: Request,
                 _b: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
                 _k: Annotated[str | None, Depends(_api_key)] = None) -> Caller:
    """The caller of a request, from its key (401 without a key or with a wrong one)."""
    caller = _service(request).config.keys.identify(key_from_headers(request.headers))
    if caller is None:
        raise ProblemError(401, "unauthenticated", "a valid API key is required: "
                           "Authorization: Bearer KEY or X-API-Key: KEY", None)
    return caller


def supervisor(caller: Annotated[Caller, Depends(authenticate)]) -> Caller:
    if caller.role != "supervisor":
        raise ProblemError(403, "forbidden", "only a supervisor may do this")
    return caller


CallerDep = Annotated[Caller, Depends(authenticate)]
ServiceDep = Annotated[Service, Depends(_service)]


def _with_role(complaint: Mapping[str, Any], caller: Caller) -> dict[str, Any]:
    """The complaint with the caller's role: refund authority follows the key, never the
    body (a body that claims another role is refused, not silently rewritten)."""
    claimed = complaint.get("agent_role")
    if claimed is not None and claimed != caller.role:
        raise ProblemError(403, "role_mismatch", f"complaint.agent_role: the caller's role is "
                           f"{caller.role!r}; a request cannot claim another",
                           "complaint.agent_role")
    return {**complaint, "agent_role": caller.role}


def _tree_ref(knowledge: Knowledge, session: Session) -> TreeRef:
    tree = knowledge.engine.tree_for(session.complaint.type, session.complaint.reported_at)
    if tree is None:
        return TreeRef(id=None, version=None, sha256=None)
    return TreeRef(id=tree.id, version=tree.version, sha256=tree.flat.sha256)


def _view(session_id: str, version: int, session: Session, tree: TreeRef,
          dropped: list[str] | None = None) -> dict[str, Any]:
    pending = session.pending
    diagnosis = session.diagnosis().to_dict() if session.question is None else None
    view = SessionView(
        id=session_id, version=version, status="asking" if pending else "concluded",
        question=pending.to_dict()["question"] if pending else None,
        pending=pending.to_dict() if pending else None, answers=session.answers, tree=tree,
        dropped_answers=dropped or [], diagnosis=diagnosis)
    return view.model_dump(mode="json")


def _visible(record: SessionRecord | None, caller: Caller, session_id: str) -> SessionRecord:
    if record is None or (record.owner != caller.name and caller.role != "supervisor"):
        raise ProblemError(404, "session_not_found", f"no session {session_id!r}",
                           "session_id")  # another caller's session is not shown to exist
    return record


def _resolve(service: Service, record: SessionRecord, on_change: str | None
             ) -> tuple[Knowledge, Session, TreeRef, list[str]]:
    """The session of a record, on the knowledge the caller chose when its tree changed."""
    current = service.knowledge
    state = record.state
    if record.knowledge == current.digest:
        session = current.engine.resume(state)
        return current, session, _tree_ref(current, session), []
    session = current.engine.resume({**state, "answers": {}})
    now = _tree_ref(current, session)
    if now.sha256 == record.tree_sha256:  # other files changed, not this tree
        session = current.engine.resume(state)
        return current, session, now, []
    if on_change is None:
        raise ProblemError(409, "tree_changed", f"the tree of this session changed since it "
                           f"started ({record.tree_id} {record.tree_version} → {now.id} "
                           f"{now.version}); say on_tree_change: pinned or restart",
                           "on_tree_change", pinned={"id": record.tree_id,
                                                     "version": record.tree_version,
                                                     "sha256": record.tree_sha256},
                           current=now.model_dump())
    if on_change == "pinned":
        old = service.pinned(record.knowledge)
        if old is None:
            raise ProblemError(409, "pinned_tree_gone", "the tree this session started on is "
                               "no longer kept; use on_tree_change: restart",
                               "on_tree_change")
        session = old.engine.resume(state)
        return old, session, TreeRef(id=record.tree_id, version=record.tree_version,
                                     sha256=record.tree_sha256), []
    # restart: the current tree, with the answers it still knows and still reaches
    known = current.engine.questions
    given: dict[str, Any] = dict(state.get("answers") or {})
    usable = {}
    for qid, value in given.items():
        q = known.get(qid)
        if q is not None and (isinstance(value, bool) if q.type == "bool"
                              else value in q.options):
            usable[qid] = value
    session = current.engine.resume({**state, "answers": usable})
    dropped = [q for q in given if q not in session.answers]
    return current, session, now, dropped


def _step(service: Service, caller: Caller, session_id: str, expected: int | None,
          on_change: str | None, act: Callable[[Session], object]) -> dict[str, Any]:
    """One step of a session as a compare-and-set on its version (a race with another
    worker starts the step again from the winner's state; nothing is written on an error)."""
    for _ in range(_CAS_ATTEMPTS):
        record = _visible(service.store.get(session_id), caller, session_id)
        if expected is not None and record.version != expected:
            raise ProblemError(409, "version_conflict", f"the session is at version "
                               f"{record.version}, not {expected}", "expected_version",
                               version=record.version)
        try:
            knowledge, session, tree, dropped = _resolve(service, record, on_change)
        except ComplaintError as exc:  # a stored state the trees in force cannot read
            raise ProblemError(409, "session_unreadable", f"the session cannot be resumed on "
                               f"the trees in force: {exc}", "on_tree_change") from None
        try:
            act(session)
        except ComplaintError as exc:
            raise complaint_problem(exc, "") from None
        view = _view(session_id, record.version + 1, session, tree, dropped)
        new = record.next(tree_id=tree.id or "", tree_version=tree.version or "",
                          tree_sha256=tree.sha256 or "", knowledge=knowledge.digest,
                          state=session.state(), view=view, open=session.question is not None)
        if service.store.update(new, record.version):
            return view
        if expected is not None:
            raise ProblemError(409, "version_conflict", "the session changed meanwhile",
                               "expected_version")
        time.sleep(0.002)
    raise ProblemError(409, "busy", "the session is changing too often; try again")


@lru_cache(maxsize=256)
def _picture(knowledge: Knowledge, tree_id: str, fmt: str, locale: str) -> str:
    lib = knowledge.engine.library
    graph = build_graph(lib.documents[tree_id], lib.documents, lib.catalog, inline=False,
                        locale=locale)
    render = {"html": render_html, "mermaid": render_mermaid, "dot": render_dot}[fmt]
    return render(graph, None)


def _console_file(name: str) -> str:
    return (resources.files("diagtree._service") / "console" / name).read_text(
        encoding="utf-8")


# -- the app ------------------------------------------------------------------------------------
def create_app(config: ServiceConfig, *, store: SessionStore | None = None,
               sources: list[Source] | None = None) -> FastAPI:
    """The service's ASGI app (the knowledge is loaded here, before the first request)."""
    install_log_masking()
    service = Service(config, store, sources)
    demo = _demo_complaints(config.data)
    app = FastAPI(
        title="diagtree", version="1.0.0",
        description="Diagnose telecom complaints with decision trees: at once or step by "
                    "step. Every call but /healthz, /readyz, /console and the OpenAPI "
                    "document needs an API key. Errors are RFC 9457 problem documents.",
        responses=_PROBLEMS)
    app.state.service = service

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(exc.body(request.url.path), exc.status, headers=headers,
                            media_type=MEDIA_TYPE)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors: list[dict[str, str]] = []
        for e in exc.errors():
            # the request's own path: no `body` root, no union members (`bool`, `str`…)
            parts = [str(p) for p in e.get("loc", ()) if p != "body" and p not in _UNION_TAGS]
            field = ".".join(parts)
            if all(x["field"] != field for x in errors):
                errors.append({"field": field, "reason": mask_text(str(e.get("msg", "")))})
        first = errors[0] if errors else {"field": "body", "reason": "invalid"}
        return JSONResponse(problem_body(422, "request_invalid",
                                         f"{first['field']}: {first['reason']}",
                                         first["field"] or "body", instance=request.url.path,
                                         errors=errors), 422, media_type=MEDIA_TYPE)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return JSONResponse(problem_body(exc.status_code, "http_error", str(exc.detail),
                                         instance=request.url.path), exc.status_code,
                            media_type=MEDIA_TYPE, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.log(logging.ERROR, "internal error on %s: %s", request.url.path,
                type(exc).__name__)
        return JSONResponse(problem_body(500, "internal_error", "the service failed; the "
                                         "request changed nothing"), 500,
                            media_type=MEDIA_TYPE)

    # -- diagnoses ----------------------------------------------------------------------------
    @app.post("/diagnoses", response_model=DiagnosisResponse, tags=["diagnoses"])
    async def diagnose(body: DiagnoseRequest, caller: CallerDep, service: ServiceDep,
                       ticket: Annotated[Literal["tmf621"] | None, Query(
                           description="Also return a dispatched diagnosis as a TM Forum "
                                       "TMF621 v4 TroubleTicket (`ticket`; null when the "
                                       "complaint is resolved on the call).")] = None,
                       ) -> DiagnosisResponse:
        """Diagnose one complaint, with the answers given up front."""
        complaint = _with_role(body.complaint, caller)
        knowledge = service.knowledge

        try:  # the async engine: sources asked in parallel, the event loop never blocked
            diagnosis = await knowledge.engine.adiagnose(complaint, answers=body.answers,
                                                         locale=body.locale)
        except ComplaintError as exc:
            raise complaint_problem(exc) from None
        tree = knowledge.engine.tree_for(diagnosis.symptom)
        ref = TreeRef(id=diagnosis.tree_id, version=diagnosis.tree_version,
                      sha256=tree.flat.sha256 if tree is not None else None)
        made = None
        if ticket == "tmf621" and diagnosis.resolution == "dispatch":
            made = trouble_ticket(diagnosis, complaint)
        return DiagnosisResponse(diagnosis=diagnosis.to_dict(), tree=ref, ticket=made)

    # -- sessions -----------------------------------------------------------------------------
    @app.post("/sessions", response_model=SessionView, status_code=201, tags=["sessions"])
    async def start(body: SessionRequest, caller: CallerDep, service: ServiceDep) -> Any:
        """Start a session: it waits at the first question (or concludes at once)."""
        complaint = _with_role(body.complaint, caller)
        knowledge = service.knowledge

        def run() -> dict[str, Any]:
            try:
                session = knowledge.engine.session(complaint, answers=body.answers,
                                                   locale=body.locale)
            except ComplaintError as exc:
                raise complaint_problem(exc) from None
            session_id = uuid.uuid4().hex
            tree = _tree_ref(knowledge, session)
            view = _view(session_id, 1, session, tree)
            now = time.time()
            record = SessionRecord(session_id, caller.name, 1, tree.id or "",
                                   tree.version or "", tree.sha256 or "", knowledge.digest,
                                   session.state(), view, session.question is not None, now,
                                   now)
            if not service.store.create(record, service.config.max_open_sessions,
                                        service.config.session_ttl_s):
                raise ProblemError(429, "too_many_sessions", f"{caller.name} already has "
                                   f"{service.config.max_open_sessions} open sessions")
            return view

        return await _run(run)

    @app.get("/sessions/{session_id}", response_model=SessionView, tags=["sessions"])
    async def get_session(session_id: str, caller: CallerDep, service: ServiceDep) -> Any:
        """A session as it stands (as its last step left it)."""
        def run() -> dict[str, Any]:
            record = _visible(service.store.get(session_id), caller, session_id)
            view = dict(record.view)
            view["version"] = record.version
            if record.knowledge != service.knowledge.digest and record.tree_id:
                tree = service.knowledge.engine.library.trees.get(record.tree_id)
                view["tree_changed"] = tree is None or tree.flat.sha256 != record.tree_sha256
            return view

        return await _run(run)

    @app.post("/sessions/{session_id}/answers", response_model=SessionView, tags=["sessions"])
    async def answer(session_id: str, body: AnswerRequest, caller: CallerDep,
                     service: ServiceDep) -> Any:
        """Answer the question asked (or change an earlier answer) and walk on."""
        return await _run(lambda: _step(service, caller, session_id, body.expected_version,
                                        body.on_tree_change,
                                        lambda s: s.answer(body.question, body.value)))

    @app.post("/sessions/{session_id}/back", response_model=SessionView, tags=["sessions"])
    async def back(session_id: str, caller: CallerDep, service: ServiceDep,
                   body: BackRequest | None = None) -> Any:
        """Take back the last answer: the session waits at that question again."""
        body = body or BackRequest()
        return await _run(lambda: _step(service, caller, session_id, body.expected_version,
                                        body.on_tree_change, lambda s: s.back()))

    # -- trees --------------------------------------------------------------------------------
    def _info(knowledge: Knowledge, tree_id: str) -> TreeInfo:
        tree = knowledge.engine.library.trees[tree_id]
        doc = tree.flat.document
        return TreeInfo(id=tree.id, version=tree.version, sha256=tree.flat.sha256,
                        symptoms=list(doc.symptoms), title=dict(doc.title),
                        picture={f: f"/trees/{tree.id}?format={f}"
                                 for f in ("html", "mermaid", "dot")})

    @app.get("/trees", response_model=list[TreeInfo], tags=["trees"])
    async def trees(caller: CallerDep, service: ServiceDep) -> list[TreeInfo]:
        """The trees in force (one per symptom group), with their hashes."""
        knowledge = service.knowledge
        return [_info(knowledge, t.id) for t in knowledge.trees()]

    @app.get("/trees/{tree_id}", response_model=TreeInfo, tags=["trees"],
             responses={200: {"content": {"text/html": {}, "text/plain": {}}}})
    async def tree(tree_id: str, caller: CallerDep, service: ServiceDep,
                   format: Literal["json", "html", "mermaid", "dot"] = "json",
                   locale: Literal["zh-CN", "en"] = "en") -> Any:
        """One tree: its id, version and hash, or its picture (`format=html|mermaid|dot`)."""
        knowledge = service.knowledge
        if tree_id not in knowledge.engine.library.trees:
            raise ProblemError(404, "tree_not_found", f"no tree {tree_id!r}", "tree_id")
        if format == "json":
            return _info(knowledge, tree_id)
        text = await _run(lambda: _picture(knowledge, tree_id, format, locale))
        if format == "html":
            return HTMLResponse(text)
        return PlainTextResponse(text)

    @app.post("/trees/reload", tags=["trees"])
    async def reload(caller: Annotated[Caller, Depends(supervisor)], service: ServiceDep
                     ) -> dict[str, Any]:
        """Read the knowledge folder again (supervisor only: it changes what every caller's
        new sessions are diagnosed with). Sessions keep their pinned tree."""
        try:
            knowledge = await _run(service.reload)
        except DiagtreeError as exc:
            raise ProblemError(422, "knowledge_invalid", mask_text(str(exc))[:2000],
                               "trees") from None
        return {"knowledge": knowledge.digest, "trees": len(knowledge.trees())}

    # -- the console and its demo complaints --------------------------------------------------
    @app.get("/demo/complaints", tags=["console"])
    async def demo_complaints(caller: CallerDep) -> list[dict[str, Any]]:
        """The demo complaints (with ``data: demo``): those that ask the customer first."""
        cases = sorted(demo, key=lambda c: not c.get("answers"))
        return [{"id": c["complaint"]["id"], "type": c["complaint"]["type"],
                 "text": c["complaint"].get("text"), "complaint": c["complaint"]}
                for c in cases]

    @app.get("/console", response_class=HTMLResponse, include_in_schema=False)
    async def console() -> Response:
        return HTMLResponse(_console_file("index.html"))

    @app.get("/console/{name}", include_in_schema=False)
    async def console_asset(name: Literal["console.js", "console.css"]) -> Response:
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        return Response(_console_file(name), media_type=kind)

    # -- probes -------------------------------------------------------------------------------
    @app.get("/healthz", tags=["probes"])
    async def healthz() -> dict[str, str]:
        """The process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["probes"])
    async def readyz(service: ServiceDep) -> dict[str, str]:
        """The knowledge is loaded and the store answers."""
        try:
            await _run(service.store.ping)
        except Exception as exc:
            raise ProblemError(503, "store_unavailable", type(exc).__name__) from None
        return {"status": "ready", "knowledge": service.knowledge.digest}

    return _wrap(app, config.max_body_bytes)


def _wrap(app: FastAPI, limit: int) -> FastAPI:
    app.add_middleware(BodyLimit, limit=limit)
    return app


def app_from_env() -> FastAPI:
    """The factory uvicorn calls in each worker (``diagtree serve``)."""
    config = load_config(os.environ["DIAGTREE_SERVICE_CONFIG"])
    overrides = json.loads(os.environ.get("DIAGTREE_SERVICE_OVERRIDES") or "{}")
    if overrides.get("store"):
        overrides["store"] = Path(overrides["store"])
    if overrides.get("trees"):
        overrides["trees"] = Path(overrides["trees"])
    return create_app(config.with_overrides(**overrides))


