"""Serving MCP over stdio: the SDK's transport, plus an answer for every request line it cannot read.

The SDK's stdio reader validates each line as a JSON-RPC message; a line it cannot
parse (malformed JSON, or valid JSON with a number of thousands of digits, beyond what
its JSON reader takes) reaches the server as a bare exception and is dropped, so the
client waits for its timeout. Here the read side is wrapped: such a line gets a JSON-RPC
parse error, with the request's id when the line is JSON enough to recover it (so the
client's pending call ends), else with a null id as JSON-RPC prescribes.
"""

from __future__ import annotations

import json
import logging
from types import TracebackType
from typing import Any, Self

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from mcp.types import PARSE_ERROR, ErrorData, JSONRPCError
from pydantic import ValidationError

__all__ = ["reply_to_unreadable", "serve_stdio"]

log = logging.getLogger(__name__)


async def serve_stdio(server: MCPServer) -> None:
    """What `server.run()` does for stdio, with unreadable requests answered."""
    lowlevel = server._lowlevel_server
    async with stdio_server() as (read_stream, write_stream):
        await lowlevel.run(
            _AnsweringReadStream(read_stream, write_stream),
            write_stream,
            lowlevel.create_initialization_options(),
        )


def reply_to_unreadable(exc: Exception) -> JSONRPCError | None:
    """The error to send for a line the transport could not read; None when it is not one."""
    if not isinstance(exc, ValidationError):
        return None
    errors = exc.errors(include_url=False)
    line = next((e["input"] for e in errors if e["type"] == "json_invalid" and isinstance(e.get("input"), str)), None)
    if line is None:
        return None
    request_id = _request_id(line)
    why = str(errors[0]["msg"]).removeprefix("Invalid JSON: ")
    return JSONRPCError(
        jsonrpc="2.0", id=request_id, error=ErrorData(code=PARSE_ERROR, message=f"Parse error: {why}")
    )


def _request_id(line: str) -> str | int | None:
    """The id of a request whose line Python's JSON reader can still take, big numbers and all."""
    try:
        # Numbers as text: no int of thousands of digits is built (Python refuses past 4,300).
        doc = json.loads(line, parse_int=_small_int, parse_float=str, parse_constant=str)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or "method" not in doc:
        return None
    request_id = doc.get("id")
    return request_id if isinstance(request_id, str | int) and not isinstance(request_id, bool) else None


def _small_int(text: str) -> int | str:
    return int(text) if len(text) <= 20 else text


class _AnsweringReadStream:
    """The transport's read stream, minus the unreadable lines, which are answered on the write stream."""

    def __init__(self, inner: Any, write_stream: Any):
        self._inner = inner
        self._write_stream = write_stream

    @property
    def last_context(self) -> Any:  # the sender context the SDK reads off context-aware streams
        return getattr(self._inner, "last_context", None)

    async def receive(self) -> Any:
        while True:
            item = await self._inner.receive()
            reply = reply_to_unreadable(item) if isinstance(item, Exception) else None
            if reply is None:
                return item
            log.info("answered a request line that could not be read: %s", reply.error.message)
            await self._write_stream.send(SessionMessage(reply))

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Any:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
