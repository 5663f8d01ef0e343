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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


@contextmanager
def http_server(args: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen]:
    """A server subprocess answering streamable HTTP at http://127.0.0.1:PORT/mcp once this yields."""
    process = subprocess.Popen([sys.executable, *args], env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx2.get(f"http://127.0.0.1:{port}/mcp", timeout=1)
                break
            except httpx2.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{args} did not start") from None
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
    """A models.dev stand-in on 127.0.0.1 serving `body` with an ETag; counts body bytes sent."""

    def __init__(self, body: bytes, etag: str = '"bench"'):
        self.body, self.etag = body, etag
        self.body_bytes = 0
        self.requests = 0
        self.url = ""

    async def endpoint(self, request: Request) -> Response:
        self.requests += 1
        if request.headers.get("if-none-match") == self.etag:
            return Response(status_code=304, headers={"ETag": self.etag})
        self.body_bytes += len(self.body)
        return Response(self.body, media_type="application/json", headers={"ETag": self.etag})


@contextmanager
def upstream(body: bytes) -> Iterator[Upstream]:
    state = Upstream(body)
    app = Starlette(routes=[Route("/api.json", state.endpoint)])
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    state.url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}/api.json"
    try:
        yield state
    finally:
        server.should_exit = True
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
