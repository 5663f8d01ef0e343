"""The HTTP transports (streamable HTTP and legacy SSE) as one ASGI app, with the checks a network server needs.

Host and Origin checks are always on, with explicit allowed hosts (the SDK only
switches them on by itself for loopback binds). A non-loopback bind needs a
bearer token; requests without it get 401, compared in constant time.
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp, Receive, Scope, Send

from .web import web_routes

__all__ = ["MAX_BODY_BYTES", "BearerAuth", "build_http_app", "is_loopback"]

MAX_BODY_BYTES = 1024 * 1024
SESSION_IDLE_SECONDS = 300.0
MAX_SESSIONS = 1000
Transport = Literal["sse", "streamable-http"]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class BearerAuth:
    """Pure ASGI (safe for streaming responses): every HTTP request must carry `Authorization: Bearer <token>`.

    `public` paths are exempt: the picker page itself holds no data (its API calls carry the token).
    """

    def __init__(self, app: ASGIApp, token: str, public: frozenset[str] = frozenset()):
        self.app = app
        self.expected = f"Bearer {token}".encode()
        self.public = public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in self.public:
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
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


def build_http_app(
    server: MCPServer,
    transport: Transport,
    *,
    host: str,
    port: int,
    token: str | None,
    allowed_hosts: list[str] | None = None,
) -> ASGIApp:
    """The ASGI app for `transport`; raises ValueError for a non-loopback bind without a token."""
    if not token and not is_loopback(host):
        raise ValueError(
            f"binding {host} exposes the server beyond this machine: set a bearer token with --auth-token "
            "or MODELS_REGISTRY_AUTH_TOKEN (or bind 127.0.0.1)"
        )
    security = security_settings(host, port, allowed_hosts or [])
    if transport == "sse":
        app = server.sse_app(transport_security=security, host=host)
    else:
        app = server.streamable_http_app(
            transport_security=security,
            host=host,
            max_request_body_size=MAX_BODY_BYTES,
            # Sessions of clients that vanish are reaped after 5 idle minutes, and at most this many
            # live at once (~40 KiB each): the SDK's defaults (30 min, 10,000) allow ~400 MiB.
            session_idle_timeout=SESSION_IDLE_SECONDS,
            max_sessions=MAX_SESSIONS,
        )
        app.router.routes.extend(web_routes(server, security))  # the picker at / beside /mcp
    return BearerAuth(app, token, public=frozenset({"/"})) if token else app
