"""A real `diagtree serve` on loopback for the service's tests (a random free port, a config
file with two known keys, a SQLite store in a temporary folder)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from diagtree._service.auth import hash_key

AGENT_KEY = "agent-key-0123456789abcdef"
SUPERVISOR_KEY = "supervisor-key-0123456789abcdef"
OTHER_AGENT_KEY = "other-agent-key-0123456789abcdef"


def write_config(folder: Path, **settings: object) -> Path:
    lines = ["keys:",
             f"  - {{name: desk-1, role: agent, sha256: {hash_key(AGENT_KEY)}}}",
             f"  - {{name: desk-2, role: agent, sha256: {hash_key(OTHER_AGENT_KEY)}}}",
             f"  - {{name: lead, role: supervisor, sha256: {hash_key(SUPERVISOR_KEY)}}}",
             "store: sessions.sqlite3", "data: demo"]
    lines += [f"{k}: {v}" for k, v in settings.items()]
    path = folder / "service.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def headers(self, key: str = AGENT_KEY) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def client(self, key: str = AGENT_KEY) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.headers(key), timeout=30)

    def logs(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def serve(folder: Path, *, workers: int = 1, trees: Path | None = None,
          **settings: object) -> Iterator[Server]:
    """Run `diagtree serve` until the block ends; waits until /readyz answers."""
    config = folder / "service.yaml"
    if not config.exists():
        write_config(folder, **settings)
    port = free_port()
    log = folder / f"server-{port}.log"
    cmd = [sys.executable, "-m", "diagtree", "serve", "--config", str(config),
           "--port", str(port), "--workers", str(workers)]
    if trees is not None:
        cmd += ["--trees", str(trees)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"diagtree serve exited:\n{server.logs()}")
            try:
                if httpx.get(server.url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"diagtree serve did not start:\n{server.logs()}")
            time.sleep(0.2)
        if workers > 1:  # every worker has loaded its engine
            time.sleep(0.5)
            for _ in range(20):
                httpx.get(server.url + "/readyz", timeout=30)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:  # pragma: no cover
            process.kill()
            process.wait()
