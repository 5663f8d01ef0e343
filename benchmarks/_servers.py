"""Servers the benchmarks start: ours and the bare baseline as subprocesses, and a loopback upstream.

Shared by the HTTP, refresh, stall and memory figures so each module only measures.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BARE_SERVER = Path(__file__).with_name("_bare_server.py")
PRECOMPUTED_SERVER = Path(__file__).with_name("_precomputed_server.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def registry_env(tmp: Path, *keys: str) -> dict[str, str]:
    """Offline, with its cache and state under `tmp`, and these API keys set (to a dummy value)."""
    return {
        "MODELS_REGISTRY_OFFLINE": "1",
        "MODELS_REGISTRY_CACHE_DIR": str(tmp / "cache"),
        "MODELS_REGISTRY_STATE_DIR": str(tmp / "state"),
        **dict.fromkeys(keys, "bench"),
    }


def memory_mib(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MiB, from /proc (Linux): its resident memory now, and the peak."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024  # kB
    return fields["VmRSS"], fields["VmHWM"]


@contextmanager
def http_server(args: list[str], env: dict[str, str], port: int, ready: str = "/mcp") -> Iterator[subprocess.Popen]:
    """A server subprocess answering streamable HTTP at http://127.0.0.1:PORT/mcp once this yields: once GET
    `ready` answers anything but 503. Ours waits on /readyz (a stateless server holds GET /mcp open as an
    event stream, and /readyz also waits for a shared defaults store to connect); the bare server has /mcp only."""
    process = subprocess.Popen([sys.executable, *args], env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx2.get(f"http://127.0.0.1:{port}{ready}", timeout=1).status_code != 503:
                    break
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{args} did not start")
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        process.wait(10)


def ours_http(env: dict[str, str], port: int):
    return http_server(["-m", "models_registry", "serve", "--transport", "streamable-http", "--port", str(port)], env, port)


def bare_http(env: dict[str, str], port: int):
    return http_server([str(BARE_SERVER), "--http", str(port)], env, port)


class Upstream:
    """A models.dev stand-in on 127.0.0.1: one catalog with an ETag at /api.json, 304 to a matching If-None-Match.

    Counts what it sends: `fetches` holds the ETag of each full body, `body_bytes` their size.
    """

    def __init__(self, body: bytes, etag: str = '"bench"'):
        self.current = (body, etag)  # swapped as one tuple: a request never sees one body with the other ETag
        self.fetches: list[str] = []
        self.body_bytes = 0
        self.url = ""

    @property
    def etag(self) -> str:
        return self.current[1]

    def serve(self, body: bytes, etag: str) -> None:
        self.current = (body, etag)

    async def endpoint(self, request: Request) -> Response:
        body, etag = self.current
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        self.fetches.append(etag)
        self.body_bytes += len(body)
        return Response(body, media_type="application/json", headers={"ETag": etag})


@contextmanager
def upstream(body: bytes, etag: str = '"bench"') -> Iterator[Upstream]:
    """An `Upstream` served by uvicorn in a thread while the block runs."""
    state = Upstream(body, etag)
    app = Starlette(routes=[Route("/api.json", state.endpoint)])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the catalog stand-in did not start")
        time.sleep(0.01)
    state.url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}/api.json"
    try:
        yield state
    finally:
        server.should_exit = server.force_exit = True
        thread.join(5)


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never answers: an upstream that stalls."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/api.json"

    def close(self) -> None:
        self.sock.close()
