"""The model picker for people: a page at `/` beside `/mcp`, and the same page as an MCP App.

One self-contained HTML file (web/picker.html: no build step, no CDN, works offline)
calls the MCP tools by name. On the web page those calls go to `POST /api/tools/<name>`,
which runs the very tool an MCP client would call (so the default selector runs
set_default's code); inside an MCP Apps host the page is the `ui://` resource and the
calls go to the host. The API checks what a browser-facing endpoint must: the Host
header (DNS rebinding), a same-origin Origin, a JSON content type (no form posts from
other sites) and a small body; http_app's bearer check covers it when a token is set.
"""

from __future__ import annotations

from importlib.resources import files

import orjson
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

__all__ = ["PICKER_URI", "picker_html", "web_routes"]

PICKER_URI = "ui://models-registry/picker"
MAX_API_BODY = 64 * 1024
# refresh_catalog reports progress, which needs an MCP request: the page has no use for it anyway.
TOOLS = {"list_providers", "list_models", "get_model", "recommend_model", "set_default", "get_default"}
# Inline script and style only; data only from this origin; nothing from anywhere else.
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def picker_html(mode: str = "web") -> str:
    """The picker page; mode "mcp-app" makes it talk to an MCP Apps host instead of /api."""
    html = files("models_registry").joinpath("web/picker.html").read_text(encoding="utf-8")
    return html.replace('"/*MODE*/"', f'"{mode}"')


def web_routes(server: MCPServer, security: TransportSecuritySettings) -> list[Route]:
    """Routes for `/` and `/api/tools/{name}`, guarded like the MCP endpoint."""

    async def page(request: Request) -> Response:
        if problem := _host_problem(request, security):
            return problem
        return HTMLResponse(picker_html("web"), headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store"})

    async def call(request: Request) -> Response:
        # The bearer token, when the server has one, is checked by http_app.BearerAuth before this.
        if problem := _host_problem(request, security) or _origin_problem(request, security):
            return problem
        name = request.path_params["name"]
        if name not in TOOLS:
            return JSONResponse({"error": f"unknown tool {name!r}"}, status_code=404)
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return JSONResponse({"error": "send the arguments as application/json"}, status_code=415)
        body = await _read_limited(request)
        if body is None:
            return JSONResponse({"error": f"body over {MAX_API_BODY} bytes"}, status_code=413)
        try:
            arguments = orjson.loads(body or b"{}")
        except orjson.JSONDecodeError:
            return JSONResponse({"error": "the body is not JSON"}, status_code=400)
        if not isinstance(arguments, dict):
            return JSONResponse({"error": "the arguments must be a JSON object"}, status_code=400)
        try:
            result = await server.call_tool(name, arguments)
        except ToolError as exc:
            return JSONResponse({"is_error": True, "text": str(exc), "structured": None})
        text = "\n".join(getattr(part, "text", "") for part in result.content)
        return JSONResponse({"is_error": bool(result.is_error), "text": text, "structured": result.structured_content})

    return [Route("/", page, methods=["GET"]), Route("/api/tools/{name}", call, methods=["POST"])]


def _host_problem(request: Request, security: TransportSecuritySettings) -> Response | None:
    if request.headers.get("host", "") not in security.allowed_hosts:
        return Response("invalid Host header", status_code=421)
    return None


def _origin_problem(request: Request, security: TransportSecuritySettings) -> Response | None:
    """API calls must come from this page: a browser always sends Origin on a POST."""
    if request.headers.get("origin", "") not in security.allowed_origins:
        return Response("cross-origin request refused", status_code=403)
    return None


async def _read_limited(request: Request) -> bytes | None:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_API_BODY:
            return None
    return body
