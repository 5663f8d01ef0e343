"""Shared fixtures: an isolated environment for every test, and a real models.dev stand-in on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import anyio
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from models_registry.credentials import KNOWN_RULES
from models_registry.sources import load_snapshot

from .postgres import PostgresServer, postgres_available
from .reliability_report import ReliabilityReport

DATA = Path(__file__).parent / "data"


@cache
def bundled_catalog() -> dict[str, dict]:
    """provider_id -> provider entry (with "models"), straight from the bundled api.json."""
    return load_snapshot().catalog.raw


def bundled_model(provider_id: str, model_id: str) -> dict:
    """A model's raw entry in the bundled catalog; fails clearly when a test table names one it lacks."""
    providers = bundled_catalog()
    assert provider_id in providers, f"provider {provider_id!r} is not in the bundled catalog (snapshot/api.json)"
    models = providers[provider_id]["models"]
    assert model_id in models, f"model {model_id!r} is not offered by {provider_id!r} in the bundled catalog"
    return models[model_id]
MINI_CATALOG = DATA / "mini-api.json"


def _credential_variables() -> set[str]:
    names = {name for p in load_snapshot().catalog.raw.values() for name in p.get("env", [])}
    for rule in KNOWN_RULES.values():
        names.update(name for group in rule.groups for name in group)
        names.update(rule.settings)
    return names


CREDENTIAL_VARIABLES = sorted(_credential_variables())
NOWHERE_PROXY = "http://127.0.0.1:9"  # the discard port: nothing listens there
_PROXY_VARIABLES = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy"]


TOOLS = {
    "list_providers", "list_models", "get_model", "recommend_model", "set_default", "get_default", "refresh_catalog",
    "verify_credentials",
}


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for a server subprocess to bind)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def json_from_child(command: list[str], cwd: Path) -> dict:
    """Run a child process that prints JSON as its last line; its answer, or the test fails with its stderr."""
    proc = subprocess.run(command, cwd=cwd, check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--reliability-report",
        action="store_true",
        help="write the figures the reliability tests record into docs/reliability.md",
    )


_REPORT = ReliabilityReport()


@pytest.fixture(scope="session")
def reliability() -> ReliabilityReport:
    """Record a row for docs/reliability.md: reliability.record("fault-matrix", {...})."""
    return _REPORT


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if session.config.getoption("--reliability-report") and _REPORT.rows:
        written = _REPORT.write()
        print(f"\nreliability report: wrote {', '.join(written)} into docs/reliability.md")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No credential, proxy or MODELS_REGISTRY_* variable leaks in; every file lives under tmp_path."""
    import os

    for name in [*CREDENTIAL_VARIABLES, *_PROXY_VARIABLES]:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("MODELS_REGISTRY_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for xdg in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(xdg, str(home / xdg.lower()))
    monkeypatch.setenv("MODELS_REGISTRY_CACHE_DIR", str(tmp_path / "cache"))
    # No probing for Ollama or LM Studio: a runtime on the developer's machine must not change answers.
    monkeypatch.setenv("MODELS_REGISTRY_LOCAL", "off")
    # No test touches the internet: an https request (a key check that a test forgot to point at a
    # loopback fake) goes to a proxy on a closed loopback port and fails there, without a DNS lookup.
    monkeypatch.setenv("HTTPS_PROXY", NOWHERE_PROXY)
    return tmp_path


class Upstream:
    """A models.dev stand-in on 127.0.0.1 that serves `body` with an ETag, or a named fault."""

    FAULTS = (
        "http_500",
        "http_404",
        "http_429",
        "hang",
        "trickle",
        "truncated",
        "html",
        "wrong_shape",
        "not_modified_always",
        "redirect_loop",
    )

    def __init__(self) -> None:
        self.body: bytes = MINI_CATALOG.read_bytes()
        self.etag = '"v1"'
        self.fault: str | None = None
        self.requests: list[dict[str, str]] = []
        self.url = ""

    def serve(self, body: bytes, etag: str) -> None:
        self.body, self.etag, self.fault = body, etag, None

    async def endpoint(self, request: Request) -> Response:
        self.requests.append(dict(request.headers))
        match self.fault:
            case "http_500":
                return Response("upstream broke", status_code=500)
            case "http_404":
                return Response("not here", status_code=404)
            case "http_429":
                return Response("slow down", status_code=429, headers={"Retry-After": "120"})
            case "hang":
                await anyio.sleep(60)
            case "trickle":
                return StreamingResponse(_trickle(self.body), media_type="application/json")
            case "html":
                return Response("<html><body>Maintenance</body></html>", media_type="text/html")
            case "wrong_shape":
                return Response(b'[{"id": "openai"}]', media_type="application/json")
            case "not_modified_always":
                return Response(status_code=304)
            case "redirect_loop":
                return RedirectResponse(str(request.url), status_code=302)
        if self.etag and request.headers.get("if-none-match") == self.etag:
            return Response(status_code=304, headers={"ETag": self.etag})
        headers = {"ETag": self.etag} if self.etag else {}
        return Response(self.body, media_type="application/json", headers=headers)


async def _trickle(body: bytes):
    for i in range(0, len(body), 64):
        yield body[i : i + 64]
        await anyio.sleep(0.2)


class _TruncatingApp:
    """Declares the full Content-Length, sends half the body, and ends: a truncated download."""

    def __init__(self, upstream: Upstream, app: Starlette):
        self.upstream, self.app = upstream, app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or self.upstream.fault != "truncated":
            return await self.app(scope, receive, send)
        self.upstream.requests.append({})
        body = self.upstream.body
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        raise RuntimeError("connection dropped on purpose")


def _serve_in_thread(app) -> tuple[uvicorn.Server, threading.Thread, int]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test upstream did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, port


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    """A real HTTP server on 127.0.0.1 serving tests/data/mini-api.json at /api.json."""
    state = Upstream()
    app = Starlette(routes=[Route("/api.json", state.endpoint)])
    server, thread, port = _serve_in_thread(_TruncatingApp(state, app))
    state.url = f"http://127.0.0.1:{port}/api.json"
    yield state
    server.should_exit = server.force_exit = True
    thread.join(5)


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never answers; counts the connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/api.json"
        self.connections: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for conn in self.connections:
            conn.close()
        self.sock.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def refused_url() -> str:
    """A loopback URL where nothing listens: connection refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api.json"


IN_CI = bool(os.environ.get("MODELS_REGISTRY_CI"))  # read now: isolated_env clears MODELS_REGISTRY_*


@pytest.fixture
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL on loopback (Debian's package); skips when it is not installed, fails in CI (MODELS_REGISTRY_CI=1)."""
    if not postgres_available():
        if IN_CI:  # .ci/run installed it: missing means a broken install, not a skip
            pytest.fail("PostgreSQL server binaries missing in CI (.ci/run installs Debian's postgresql)")
        pytest.skip("PostgreSQL not installed: apt-get install postgresql")
    with PostgresServer() as server:
        yield server
