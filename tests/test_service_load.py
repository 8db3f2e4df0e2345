"""Held under load (bounded): 200 concurrent sessions of three answering steps each against
two uvicorn worker processes sharing one SQLite store — no 5xx, no session lost or crossed
(bench/service_load.py prints the latencies); and schemathesis over the OpenAPI document finds
no server error."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from service_server import AGENT_KEY, Server, serve

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))


def test_two_workers_hold_200_concurrent_sessions(tmp_path: Path) -> None:
    from service_load import report, run_load

    timings, errors, seconds = run_load(tmp_path, sessions=200, workers=2)
    print(f"{seconds:.1f} s\n{report(timings)}")
    assert errors == []
    assert len(timings["POST /sessions"]) == 200
    assert len(timings["POST /answers"]) == 600
    pids = {line.split("[")[1].split("]")[0] for line in
            (tmp_path / next(p.name for p in tmp_path.glob("server-*.log"))).read_text(
                encoding="utf-8").splitlines() if "Started server process" in line}
    assert len(pids) == 2  # two real worker processes served it


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with serve(tmp_path_factory.mktemp("schema"), max_open_sessions=100_000) as running:
        yield running


def test_schemathesis_finds_no_server_error(server: Server) -> None:
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    failures: list[str] = []

    def run(op: Any) -> None:
        @given(case=op.as_strategy())
        @settings(max_examples=10, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {AGENT_KEY}"}
            response = case.call(base_url=server.url, timeout=30)
            if response.status_code >= 500:
                failures.append(f"{op.method.upper()} {op.path}: {response.status_code} "
                                f"{response.text[:300]}")
            if response.status_code >= 400:
                kind = response.headers.get("content-type")
                kind = kind[0] if isinstance(kind, list) else kind
                assert str(kind).startswith("application/problem+json"), \
                    (op.path, response.text[:200])

        check()

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    for op in operations:
        run(op)
    assert failures == []
