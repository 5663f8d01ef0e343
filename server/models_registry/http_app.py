"""The HTTP transports (streamable HTTP and legacy SSE) as one ASGI app, with the checks a network server needs.

Host and Origin checks are always on, with explicit allowed hosts (the SDK only
switches them on by itself for loopback binds). A non-loopback bind needs a
bearer token; requests without it get 401, compared in constant time. The
`Bearer` scheme matches in any case (RFC 7235), the token exactly; a blank token
counts as none and a real one loses surrounding whitespace (the CLI flag reaches
here unstripped).

Session floods (issue 13). The SDK caps open sessions (MAX_SESSIONS) and answers
503 past the cap until idle sessions are reaped, so one local process that opens
sessions and walks away locked every other client out for SESSION_IDLE_SECONDS.
Rate limits and per-source caps do not help here: on loopback every client has
the same address and no token, so a flooder and its victims cannot be told apart,
and any shared budget the flooder drains (a token bucket answering 429) is just a
lockout under another status code, lasting as long as the flood. What does work
is to never refuse a newcomer while some session sits idle: SessionRoom ends the
longest-idle session whenever fewer than SESSION_HEADROOM slots are free, through
the SDK's own idle expiry (the session's `idle_scope`), so its id answers 404 and
a client that comes back re-initializes. Sessions with a request in flight,
which includes every SDK client's open GET stream, are never chosen; the flood's
own sessions, idle from birth, go first. The SDK's 503 stays as the last word
when every session is busy (a flooder holding MAX_SESSIONS connections open).
"""

from __future__ import annotations

import hmac
import math
from typing import TYPE_CHECKING, Literal

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.streamable_http import StreamableHTTPServerTransport
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from starlette.types import ASGIApp, Receive, Scope, Send

from .addresses import is_loopback
from .operations import PUBLIC_PATHS, operations_routes
from .web import web_routes

if TYPE_CHECKING:
    from .registry import Registry

__all__ = ["MAX_BODY_BYTES", "MAX_SESSIONS", "BearerAuth", "SessionRoom", "build_http_app", "check_exposure", "is_loopback"]

MAX_BODY_BYTES = 1024 * 1024
SESSION_IDLE_SECONDS = 300.0
MAX_SESSIONS = 1000
SESSION_HEADROOM = 50  # slots kept free: an ended session leaves the SDK's table a few scheduler ticks later
MCP_PATH = "/mcp"
Transport = Literal["sse", "streamable-http"]


class BearerAuth:
    """Pure ASGI (safe for streaming responses): every HTTP request must carry `Authorization: Bearer <token>`,
    the scheme in any case, then one space and the token exactly.

    `public` paths are exempt: the picker page itself holds no data (its API calls carry the token), and
    load balancers probe /healthz and /readyz without credentials.
    """

    def __init__(self, app: ASGIApp, token: str, public: frozenset[str] = frozenset()):
        self.app = app
        self.expected = f"bearer {token}".encode()
        self.public = public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in self.public:
            given = dict(scope["headers"]).get(b"authorization", b"")
            # Only the scheme is folded (RFC 7235: case-insensitive); the credentials stay as sent.
            scheme, space, credentials = given.partition(b" ")
            if not hmac.compare_digest(scheme.lower() + space + credentials, self.expected):
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [(b"content-type", b"text/plain"), (b"www-authenticate", b"Bearer")],
                    }
                )
                await send({"type": "http.response.body", "body": b"missing or wrong bearer token"})
                return
        await self.app(scope, receive, send)


class SessionRoom:
    """Pure ASGI, in front of the streamable HTTP app: before a request that would open a session reaches
    the SDK, end the longest-idle session if the table is nearly full, so the newcomer is never refused.

    See the module docstring for why this and not a rate limit.
    """

    def __init__(self, app: ASGIApp, manager: StreamableHTTPSessionManager):
        self.app = app
        self.manager = manager
        self.opening = 0  # session-opening requests past this point and not yet answered
        self.evicted = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (scope["type"] == "http" and scope["path"] == MCP_PATH and opens_session(scope)):
            await self.app(scope, receive, send)
            return
        # Counted from here: concurrent newcomers all see the room the others are about to take.
        self.opening += 1
        try:
            await self.make_room()
            await self.app(scope, receive, send)
        finally:
            self.opening -= 1

    async def make_room(self) -> None:
        cap = self.manager.max_sessions
        # The SDK keeps no public view of its sessions; without this table the SDK's 503 applies as before.
        sessions = getattr(self.manager, "_server_instances", {})
        live = {sid: t for sid, t in sessions.items() if not ending(t)}
        if cap is None or len(live) + self.opening <= cap - max(1, min(SESSION_HEADROOM, cap // 10)):
            return
        # An idle deadline is the last activity plus the (shared) timeout: the earliest is the longest idle.
        # Infinite means a request or GET stream is in flight: never chosen.
        idle = [
            (t.idle_scope.deadline, sid, t.idle_scope) for sid, t in live.items() if t.idle_scope is not None
        ]
        idle = [entry for entry in idle if math.isfinite(entry[0])]
        if not idle:
            return
        _, victim, expiry = min(idle, key=lambda entry: entry[0])
        expiry.cancel()  # the SDK's own idle expiry: the session's task ends and forgets it, its id answers 404
        self.evicted += 1
        # Its slot frees once that task has run: wait for it, so the SDK's count has room for this newcomer.
        deadline = anyio.current_time() + 1.0
        while victim in sessions and anyio.current_time() < deadline:
            await anyio.sleep(0.001)


def opens_session(scope: Scope) -> bool:
    """What the SDK treats as a new session: no session id, on the handshake (not the stateless 2026) era."""
    headers = dict(scope["headers"])
    if b"mcp-session-id" in headers:
        return False
    version = headers.get(b"mcp-protocol-version")
    return version is None or version.decode("latin-1") in HANDSHAKE_PROTOCOL_VERSIONS


def ending(transport: StreamableHTTPServerTransport) -> bool:
    return transport.is_terminated or (
        transport.idle_scope is not None and transport.idle_scope.cancel_called
    )


def security_settings(host: str, port: int, extra_hosts: list[str]) -> TransportSecuritySettings:
    hosts = ["127.0.0.1", "localhost", "[::1]"]
    if not is_loopback(host):
        hosts.append(f"[{host}]" if ":" in host else host)
    hosts += extra_hosts
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{h}:{port}" for h in hosts] + hosts,
        allowed_origins=[f"{scheme}://{h}:{port}" for h in hosts for scheme in ("http", "https")],
    )


def check_exposure(host: str, token: str | None) -> str | None:
    """The token to require (stripped; blank is none); ValueError for a non-loopback bind without one."""
    token = (token or "").strip() or None
    if not token and not is_loopback(host):
        raise ValueError(
            f"binding {host} exposes the server beyond this machine: set a bearer token with --auth-token "
            "or MODELS_REGISTRY_AUTH_TOKEN (or bind 127.0.0.1)"
        )
    return token


def build_http_app(
    server: MCPServer,
    transport: Transport,
    *,
    host: str,
    port: int,
    token: str | None,
    allowed_hosts: list[str] | None = None,
    stateless: bool = False,
    registry: Registry | None = None,
) -> ASGIApp:
    """The ASGI app for `transport`; raises ValueError for a non-loopback bind without a token.

    A blank or whitespace-only token is no token: it would guard nothing anyone could not guess.
    `stateless` (streamable HTTP only) answers every request on its own, with no session, so any
    replica behind a load balancer can answer any request; build the server with the same flag.
    `registry` (the one `server` answers from) adds /readyz and /metrics beside /healthz.
    """
    token = check_exposure(host, token)
    if stateless and transport == "sse":
        raise ValueError("--stateless needs --transport streamable-http: an SSE stream is a session")
    security = security_settings(host, port, allowed_hosts or [])
    if transport == "sse":
        app = server.sse_app(transport_security=security, host=host)
    else:
        app = server.streamable_http_app(
            transport_security=security,
            host=host,
            streamable_http_path=MCP_PATH,
            stateless_http=stateless,
            max_request_body_size=MAX_BODY_BYTES,
            # Sessions of clients that vanish are reaped after 5 idle minutes, and at most this many
            # live at once (~40 KiB each): the SDK's defaults (30 min, 10,000) allow ~400 MiB.
            session_idle_timeout=SESSION_IDLE_SECONDS,
            max_sessions=MAX_SESSIONS,
        )
        app.router.routes.extend(web_routes(server, security))  # the picker at / beside /mcp
    app.router.routes.extend(operations_routes(server, security, registry))
    if transport == "streamable-http" and not stateless:  # the streamable session manager's table, when it has one
        app = SessionRoom(app, server.session_manager)
    return BearerAuth(app, token, public=frozenset({"/"}) | PUBLIC_PATHS) if token else app
