"""The streamable HTTP transport under attack, against a real `models-registry serve` process on 127.0.0.1.

DNS rebinding (foreign Host and Origin headers), bearer-token auth on a non-loopback bind
(and the refusal to start one without a token), the constant-time token comparison, the
1 MiB request body limit (also with a lying Content-Length and with chunked bodies),
malformed JSON-RPC, and clients that open sessions and vanish: the server keeps answering,
its memory stays bounded and idle sessions are reaped. tests/test_transports.py covers the
basic 421/403/413/401 answers; this file goes around their edges. Every request goes to
127.0.0.1, even when the server binds 0.0.0.0.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest
import uvicorn
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.server.streamable_http_manager import DEFAULT_MAX_SESSIONS

from models_registry import http_app
from models_registry.http_app import MAX_BODY_BYTES, build_http_app
from models_registry.mcp_server import build_server
from models_registry.registry import Registry
from models_registry.settings import Settings

from .conftest import MINI_CATALOG
from .test_transports import SERVE, free_port, http_server

pytestmark = pytest.mark.anyio

SECTION = "http-security"
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
LEGACY = "2025-11-25"
TOKEN = "fuzz-0123456789abcdef-token"


def minimal_env(root: Path, **extra: str) -> dict[str, str]:
    """Only what the server needs: module-scoped servers start before the per-test isolated env exists."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root / "home"),
        "MODELS_REGISTRY_CATALOG": str(MINI_CATALOG),
        "MODELS_REGISTRY_CACHE_DIR": str(root / "cache"),
        "MODELS_REGISTRY_STATE_DIR": str(root / "state"),
        "MODELS_REGISTRY_CONFIG": str(root / "no-config.toml"),
        "OPENAI_API_KEY": "sk-http-security",
        **extra,
    }


def initialize_request(request_id: int | str = 1, pad: str = "") -> dict:
    params = {
        "protocolVersion": LEGACY,
        "capabilities": {},
        "clientInfo": {"name": "security-test", "version": "1"},
    }
    if pad:
        params["pad"] = pad
    return {"jsonrpc": "2.0", "id": request_id, "method": "initialize", "params": params}


def initialize_body(size: int) -> bytes:
    """A valid initialize request of exactly `size` bytes (padded with an extra params field)."""
    raw = json.dumps(initialize_request(pad="x")).encode()
    body = json.dumps(initialize_request(pad="x" * (size - len(raw) + 1))).encode()
    assert len(body) == size
    return body


def rpc_payload(response: httpx2.Response):
    """The JSON-RPC message in a response, whether sent as JSON or as one SSE event; None when empty."""
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        data = [line[len("data: ") :] for line in response.text.splitlines() if line.startswith("data: ")]
        return json.loads(data[0]) if data else None
    return response.json() if response.content else None


def open_session(base: str) -> dict[str, str]:
    """Initialize a legacy session over plain HTTP; the headers later requests of that session carry."""
    response = httpx2.post(f"{base}/mcp", json=initialize_request(), headers=HEADERS)
    assert response.status_code == 200, response.text
    headers = {
        **HEADERS,
        "Mcp-Session-Id": response.headers["mcp-session-id"],
        "MCP-Protocol-Version": LEGACY,
    }
    initialized = httpx2.post(
        f"{base}/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers
    )
    assert initialized.status_code == 202
    return headers


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def first_response(port: int, request: bytes, timeout: float = 30) -> tuple[int, bytes]:
    """Send raw bytes to 127.0.0.1; the first response's status and head."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        return read_head(sock)


def read_head(sock: socket.socket) -> tuple[int, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the server hung up without an answer: {data[:200]!r}"
        data += chunk
    return int(data.split(b"\r\n", 1)[0].split()[1]), data


def post_head(port: int, content_length: int | str, extra: str = "") -> bytes:
    return (
        f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json, text/event-stream\r\n"
        f"Content-Type: application/json\r\nContent-Length: {content_length}\r\n{extra}\r\n"
    ).encode()


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS line")


async def openai_available_with(base: str, authorization: str) -> bool:
    """An MCP SDK client sending this Authorization header asks whether openai/gpt-5 is available."""
    async with (
        httpx2.AsyncClient(headers={"Authorization": authorization}) as http,
        Client(streamable_http_client(f"{base}/mcp", http_client=http), mode="legacy") as client,
    ):
        result = await client.call_tool("get_model", {"model": "openai/gpt-5"})
    return result.structured_content["available"] is True


def record(reliability, check: str, expected: str, got: str) -> None:
    reliability.record(SECTION, {"check": check, "expected": expected, "got": got, "result": "pass"})


@pytest.fixture(scope="module")
def loopback(tmp_path_factory) -> Iterator[tuple[str, subprocess.Popen]]:
    """One plain loopback server (no token) shared by the header, body and JSON-RPC checks."""
    root = tmp_path_factory.mktemp("loopback")
    with http_server(root, "streamable-http", env=minimal_env(root)) as (base, proc):
        yield base, proc


# --- DNS rebinding -----------------------------------------------------------------------------

HOST_CASES = [
    ("evil.example", 421),
    ("evil.example:{port}", 421),
    ("127.0.0.1.evil.example:{port}", 421),
    ("127.0.0.1:{other}", 421),
    ("127.0.0.1:{port}", 200),
    ("localhost:{port}", 200),
]
ORIGIN_CASES = [
    ("http://evil.example", 403),
    ("http://127.0.0.1:{port}.evil.example", 403),
    ("http://localhost:{port}@evil.example", 403),
    ("null", 403),
    ("http://127.0.0.1:{port}", 200),
    ("http://localhost:{port}", 200),
]


@pytest.mark.parametrize(
    ("header", "template", "expected"),
    [("Host", *c) for c in HOST_CASES] + [("Origin", *c) for c in ORIGIN_CASES],
)
def test_dns_rebinding_headers_are_checked(loopback, header, template, expected, reliability):
    base, _ = loopback
    port = port_of(base)
    value = template.format(port=port, other=port + 1 if port < 65535 else port - 1)
    response = httpx2.post(f"{base}/mcp", json=initialize_request(), headers={**HEADERS, header: value})
    assert response.status_code == expected, response.text
    if expected == 200:
        assert rpc_payload(response)["result"]["serverInfo"]["name"] == "models-registry"
    record(
        reliability,
        f"{header}: {template.replace('{port}', 'PORT').replace('{other}', 'OTHER')}",
        str(expected),
        str(response.status_code),
    )


# --- bearer token on a non-loopback bind --------------------------------------------------------


def listening_addresses(port: int) -> set[str]:
    """The local addresses a LISTEN socket on `port` is bound to, read from /proc/net/tcp{,6}."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


AUTH_CASES = [
    ("missing", None, 401),
    ("wrong token", f"Bearer {TOKEN[:-1]}X", 401),
    ("token prefix", f"Bearer {TOKEN[:-1]}", 401),
    ("token plus suffix", f"Bearer {TOKEN}x", 401),
    ("scheme only", "Bearer", 401),
    ("wrong scheme Basic", f"Basic {TOKEN}", 401),
    ("wrong scheme Token", f"Token {TOKEN}", 401),
    ("bare token", TOKEN, 401),
    ("double space", f"Bearer  {TOKEN}", 401),
    ("right token", f"Bearer {TOKEN}", 200),
]


NON_PUBLIC = [
    ("GET", "/mcp"),
    ("DELETE", "/mcp"),
    ("POST", "/mcp/"),
    ("POST", "//mcp"),
    ("POST", "/%6Dcp"),
    ("POST", "/MCP"),
    ("POST", "/api/tools/list_providers"),
    ("GET", "/sse"),
    ("POST", "/messages/"),
]


async def test_token_guards_a_non_loopback_bind(tmp_path, reliability):
    with http_server(
        tmp_path, "streamable-http", "--host", "0.0.0.0", "--auth-token", TOKEN, env=minimal_env(tmp_path)
    ) as (base, _):
        port = port_of(base)
        # Really bound to 0.0.0.0, and reached here through 127.0.0.1.
        assert listening_addresses(port) == {"00000000"}
        for label, authorization, expected in AUTH_CASES:
            headers = {**HEADERS, **({"Authorization": authorization} if authorization else {})}
            response = httpx2.post(f"{base}/mcp", json=initialize_request(), headers=headers)
            assert response.status_code == expected, (label, response.text)
            if expected == 401:
                assert response.headers["www-authenticate"] == "Bearer" and TOKEN not in response.text
            record(reliability, f"auth, 0.0.0.0 bind: {label}", str(expected), str(response.status_code))
        # No other path, spelling or method gets past the token either.
        for method, path in NON_PUBLIC:
            response = httpx2.request(method, f"{base}{path}", json=initialize_request(), headers=HEADERS)
            assert response.status_code == 401, (method, path, response.status_code)
        record(reliability, "auth, 0.0.0.0 bind: other paths and methods, no token", "401", "401 for all")
        # The token does not bypass the DNS-rebinding check.
        foreign = httpx2.post(
            f"{base}/mcp",
            json=initialize_request(),
            headers={**HEADERS, "Authorization": f"Bearer {TOKEN}", "Host": "evil.example"},
        )
        assert foreign.status_code == 421
        record(
            reliability,
            "auth, 0.0.0.0 bind: right token + Host: evil.example",
            "421",
            str(foreign.status_code),
        )
        assert await openai_available_with(base, f"Bearer {TOKEN}")
        record(
            reliability, "auth, 0.0.0.0 bind: MCP client with the token", "tool call works", "tool call works"
        )


@pytest.mark.parametrize(
    ("host", "how", "args", "extra_env"),
    [
        ("0.0.0.0", "no token", [], {}),
        ("::", "no token", [], {}),
        ("192.0.2.10", "no token", [], {}),  # refused before binding, so the address need not exist here
        ("0.0.0.0", '--auth-token ""', ["--auth-token", ""], {}),
        ("0.0.0.0", "blank MODELS_REGISTRY_AUTH_TOKEN", [], {"MODELS_REGISTRY_AUTH_TOKEN": "   "}),
    ],
)
def test_non_loopback_bind_without_a_token_refuses_to_start(
    tmp_path, host, how, args, extra_env, reliability
):
    command = [*SERVE, "serve", "--transport", "streamable-http", "--host", host, "--port", str(free_port())]
    proc = subprocess.run(
        [*command, *args],
        env=minimal_env(tmp_path, **extra_env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert f"binding {host} exposes the server" in proc.stderr and "--auth-token" in proc.stderr
    assert "Traceback" not in proc.stderr
    record(
        reliability,
        f"auth, --host {host} ({how})",
        "refuses to start, exit 1",
        f"exit {proc.returncode}, names --auth-token",
    )


def test_bearer_token_is_compared_in_constant_time(reliability):
    """Source-level: BearerAuth compares with hmac.compare_digest, and nothing in http_app compares the
    token or the Authorization header with ==, !=, `in` or startswith (which stop at the first difference)."""
    tree = ast.parse(inspect.getsource(http_app.BearerAuth))
    digests = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "hmac.compare_digest"
    ]
    assert len(digests) == 1
    assert "self.expected" in [ast.unparse(arg) for arg in digests[0].args]
    module = ast.parse(inspect.getsource(http_app))
    secret_words = ("expected", "given", "token", "authorization")
    plain = [
        ast.unparse(node)
        for node in ast.walk(module)
        if isinstance(node, ast.Compare)
        or (isinstance(node, ast.Call) and ast.unparse(node.func).endswith(("startswith", "endswith")))
    ]
    assert not [c for c in plain if any(word in c.lower() for word in secret_words)]
    record(
        reliability,
        "auth, token comparison (http_app.BearerAuth)",
        "hmac.compare_digest only",
        "hmac.compare_digest only",
    )


# --- request body limit ------------------------------------------------------------------------


def _chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for i in range(0, len(body), size):
        yield body[i : i + size]


@pytest.mark.parametrize(
    ("label", "size", "chunked", "expected"),
    [
        ("exactly 1 MiB, Content-Length", MAX_BODY_BYTES, False, 200),
        ("1 MiB + 1 byte, Content-Length", MAX_BODY_BYTES + 1, False, 413),
        ("exactly 1 MiB, chunked, no Content-Length", MAX_BODY_BYTES, True, 200),
        ("1 MiB + 1 byte, chunked, no Content-Length", MAX_BODY_BYTES + 1, True, 413),
        ("8 MiB, chunked, no Content-Length", 8 * MAX_BODY_BYTES, True, 413),
    ],
)
def test_request_body_limit(loopback, label, size, chunked, expected, reliability):
    base, _ = loopback
    body = initialize_body(size)
    response = httpx2.post(
        f"{base}/mcp", content=_chunks(body) if chunked else body, headers=HEADERS, timeout=60
    )
    assert ("content-length" in response.request.headers) is not chunked
    assert response.status_code == expected, response.text[:200]
    if expected == 200:
        assert rpc_payload(response)["result"]["serverInfo"]["name"] == "models-registry"
    record(reliability, f"body: {label}", str(expected), str(response.status_code))


def test_lying_content_length(loopback, reliability):
    base, proc = loopback
    port = port_of(base)
    # Claims 2 MiB, sends a few bytes: refused from the header alone, not waiting for a body that never comes.
    status, _ = first_response(port, post_head(port, 2 * MAX_BODY_BYTES) + b'{"jsonrpc":"2.0"}')
    assert status == 413
    record(reliability, "body: Content-Length 2 MiB, 17 bytes sent", "413 at once", str(status))
    # Claims 100 bytes, sends 2 MiB: only the declared 100 are read as the body (not JSON: 400), and what
    # follows is not a request either (the server answers 400 or hangs up). Nothing is buffered past the limit.
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(post_head(port, 100) + b"x" * 100)
        status, _ = read_head(sock)
        try:
            sock.sendall(b"x" * (2 * MAX_BODY_BYTES))
        except OSError:  # the server hung up on the garbage: fine
            pass
    assert status == 400
    record(reliability, "body: Content-Length 100, 2 MiB sent", "4xx, the rest not read as JSON", str(status))
    for value in ("abc", "-1", "1, 2"):
        status, _ = first_response(port, post_head(port, value) + b"{}")
        assert 400 <= status < 500
        record(reliability, f"body: Content-Length: {value}", "4xx", str(status))
    assert proc.poll() is None
    assert httpx2.post(f"{base}/mcp", json=initialize_request(), headers=HEADERS).status_code == 200


# --- malformed JSON-RPC ------------------------------------------------------------------------

MALFORMED = [
    ("invalid JSON", b"{not json"),
    ("empty body", b""),
    ("invalid UTF-8", b'{"jsonrpc":"2.0","id":1,"method":"ping\xff\xfe"}'),
    ("NUL bytes", b'{"jsonrpc":"2.0","id":1,"method":"pi\x00ng"}'),
    ("JSON array", b"[]"),
    ("batch of one ping", b'[{"jsonrpc":"2.0","id":1,"method":"ping"}]'),
    ("JSON string", b'"hello"'),
    ("JSON null", b"null"),
    ('jsonrpc "1.0"', b'{"jsonrpc":"1.0","id":1,"method":"ping"}'),
    ("no jsonrpc field", b'{"id":1,"method":"ping"}'),
    ("missing method", b'{"jsonrpc":"2.0","id":1}'),
    ("method not a string", b'{"jsonrpc":"2.0","id":1,"method":42}'),
    ("params not an object", b'{"jsonrpc":"2.0","id":1,"method":"tools/list","params":"x"}'),
    ("huge integer id", b'{"jsonrpc":"2.0","id":' + b"9" * 400 + b',"method":"ping"}'),
    ("100k-char string id", b'{"jsonrpc":"2.0","id":"' + b"i" * 100_000 + b'","method":"ping"}'),
    ("object id", b'{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}'),
    ("unknown method", b'{"jsonrpc":"2.0","id":1,"method":"no/such/method"}'),
    (
        "tools/call unknown tool",
        b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nope","arguments":{}}}',
    ),
    (
        "tools/call arguments a list",
        b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_model","arguments":[1]}}',
    ),
    (
        "NaN in arguments",
        (
            b'{"jsonrpc":"2.0","id":1,"method":"tools/call",'
            b'"params":{"name":"list_models","arguments":{"max_input_cost":NaN}}}'
        ),
    ),
    ("nesting 100k deep", b"[" * 100_000 + b"]" * 100_000),
    ("duplicate keys", b'{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/list"}'),
]


async def test_malformed_json_rpc_gets_an_error_never_a_500(loopback, reliability):
    base, proc = loopback
    outside, inside = HEADERS, open_session(base)
    for label, body in MALFORMED:
        got = []
        for where, headers in (("no session", outside), ("in a session", inside)):
            response = httpx2.post(f"{base}/mcp", content=body, headers=headers, timeout=30)
            assert response.status_code < 500, (label, where, response.status_code, response.text[:300])
            assert "Traceback" not in response.text, (label, where)
            payload = rpc_payload(response)
            if (
                response.status_code < 400 and payload is not None
            ):  # answered: a JSON-RPC response, error or result
                assert payload.get("jsonrpc") == "2.0" and ("error" in payload or "result" in payload), (
                    label,
                    where,
                )
            got.append(describe(response.status_code, payload))
        record(
            reliability,
            f"JSON-RPC: {label}",
            "an answer or 4xx, no 5xx (no session / in one)",
            " / ".join(got),
        )
    assert proc.poll() is None
    async with Client(f"{base}/mcp", mode="legacy") as client:  # and a well-formed client still gets answers
        result = await client.call_tool("list_models", {"provider": "openai", "limit": 1})
    assert result.structured_content["total"] == 10


def describe(status: int, payload) -> str:
    if isinstance(payload, dict) and "error" in payload:
        return f"{status} error {payload['error']['code']}"
    if isinstance(payload, dict) and "result" in payload:
        return f"{status} result" + (" (is_error)" if payload["result"].get("isError") else "")
    return f"{status} no body"


# --- sessions that vanish ----------------------------------------------------------------------


def vanish(port: int) -> str:
    """Open a session (initialize), read its id from the response head, and hang up without a DELETE."""
    status, session_id = initialize_and_hang_up(port)
    assert status == 200 and session_id, f"no session: HTTP {status}"
    return session_id


def initialize_and_hang_up(port: int) -> tuple[int, str | None]:
    """One session-opening initialize POST on its own connection, then hang up: (status, session id or None)."""
    body = json.dumps(initialize_request()).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(post_head(port, len(body)) + body)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(65536)
            assert chunk, "the server hung up before answering"
            head += chunk
    lines = head.split(b"\r\n\r\n")[0].split(b"\r\n")
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"mcp-session-id":
            return int(lines[0].split()[1]), value.strip().decode()
    return int(lines[0].split()[1]), None


def ping_status(base: str, session_id: str) -> int:
    headers = {**HEADERS, "Mcp-Session-Id": session_id, "MCP-Protocol-Version": LEGACY}
    return httpx2.post(
        f"{base}/mcp", json={"jsonrpc": "2.0", "id": 3, "method": "ping"}, headers=headers
    ).status_code


WARM_UP, MEASURED, GROWTH_LIMIT_MIB = 50, 300, 30


async def test_vanished_sessions_leave_the_server_responsive_with_bounded_memory(tmp_path, reliability):
    with http_server(tmp_path, "streamable-http", env=minimal_env(tmp_path)) as (base, proc):
        port = port_of(base)
        for _ in range(WARM_UP):
            vanish(port)
        before = rss_mib(proc.pid)
        ids = {vanish(port) for _ in range(MEASURED)}
        after = rss_mib(proc.pid)
        assert len(ids) == MEASURED  # every session really was a new one
        assert proc.poll() is None
        # They are still open: nothing ends a session when its client hangs up, only the idle timeout.
        assert {ping_status(base, session_id) for session_id in sorted(ids)[::10]} == {200}
        async with Client(f"{base}/mcp", mode="legacy") as client:
            result = await client.call_tool("get_default", {})
        assert result.structured_content["model"].startswith("openai/")
    growth = after - before
    assert growth < GROWTH_LIMIT_MIB, f"RSS grew {growth:.1f} MiB for {MEASURED} vanished sessions"
    per_session_kib = growth * 1024 / MEASURED
    # Until the idle timeout reaps them, vanished sessions pile up to the SDK's session cap.
    at_cap_mib = per_session_kib * DEFAULT_MAX_SESSIONS / 1024
    record(
        reliability,
        f"sessions: RSS after {WARM_UP} + {MEASURED} vanished sessions",
        f"< {GROWTH_LIMIT_MIB} MiB growth, still answering",
        f"+{growth:.1f} MiB (~{per_session_kib:.0f} KiB/session, "
        f"~{at_cap_mib:.0f} MiB at the {DEFAULT_MAX_SESSIONS} cap)",
    )


def make_registry(root: Path) -> Registry:
    settings = Settings(
        catalog_file=MINI_CATALOG, offline=True, state_dir=root / "state", cache_dir=root / "cache"
    )
    return Registry(settings, env={"OPENAI_API_KEY": "k"})


def test_http_app_configures_an_idle_timeout_and_a_session_cap(tmp_path, reliability):
    server = build_server(make_registry(tmp_path))
    build_http_app(server, "streamable-http", host="127.0.0.1", port=8765, token=None)
    manager = server.session_manager
    assert manager.session_idle_timeout is not None and 0 < manager.session_idle_timeout <= 3600
    assert manager.max_sessions is not None
    record(
        reliability,
        "sessions: idle timeout and cap (as http_app builds the SDK session manager)",
        "a finite idle timeout and a cap",
        f"{manager.session_idle_timeout:g} s idle timeout, "
        f"max {manager.max_sessions} sessions (SDK defaults)",
    )


@contextmanager
def serve_in_thread(app, port: int) -> Iterator[None]:
    """uvicorn in a thread with the app's lifespan on (it runs the SDK's session manager)."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the in-process server did not start"
        time.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(15)


def test_vanished_sessions_are_reaped_once_idle(tmp_path, reliability):
    """With the idle timeout shortened from the SDK's 1800 s, vanished sessions (some holding a legacy
    resource subscription, which the server keeps a reference to) end and their ids answer 404."""
    server = build_server(make_registry(tmp_path))
    port = free_port()
    app = build_http_app(server, "streamable-http", host="127.0.0.1", port=port, token=None)
    server.session_manager.session_idle_timeout = 0.5  # the only change: short enough to watch
    base = f"http://127.0.0.1:{port}"
    with serve_in_thread(app, port):
        ids = [vanish(port) for _ in range(10)]
        for _ in range(10):  # sessions that subscribed to a resource, then vanished
            headers = open_session(base)
            subscribe = {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "resources/subscribe",
                "params": {"uri": "models://catalog"},
            }
            assert "result" in rpc_payload(httpx2.post(f"{base}/mcp", json=subscribe, headers=headers))
            ids.append(headers["Mcp-Session-Id"])
        # Any request on a session restarts its idle clock, so each round waits longer than the timeout
        # before asking again. The deadline is only a safety net.
        deadline = time.monotonic() + 30
        remaining = set(ids)
        while remaining and time.monotonic() < deadline:
            time.sleep(1.0)
            remaining = {session_id for session_id in remaining if ping_status(base, session_id) != 404}
        assert not remaining, f"{len(remaining)} of {len(ids)} vanished sessions were never reaped"
        assert httpx2.post(f"{base}/mcp", json=initialize_request(), headers=HEADERS).status_code == 200
    record(
        reliability,
        "sessions: vanished ones reaped (idle timeout shortened to 0.5 s)",
        "every id answers 404",
        f"{len(ids)}/{len(ids)} reaped",
    )
