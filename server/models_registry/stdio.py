"""Serving MCP over stdio: the SDK's transport, plus an answer for every request line it cannot read.

The SDK's stdio reader validates each line as a JSON-RPC message; a line it cannot
parse (malformed JSON, or valid JSON with a number of thousands of digits, beyond what
its JSON reader takes) reaches the server as a bare exception and is dropped, so the
client waits for its timeout. Here the read side is wrapped: such a line gets a JSON-RPC
parse error, with the request's id when the line is JSON enough to recover it (so the
client's pending call ends), else with a null id as JSON-RPC prescribes.

Stopping: the SDK reads stdin with a blocking readline in a worker thread, and a thread
blocked in read() cannot be cancelled, so Ctrl-C used to cancel the server and then wait
for the next input line (forever, in a terminal); a second Ctrl-C left a traceback and a
process kept alive by that thread. Here stdin is read when the event loop reports it
readable, with no thread, and SIGINT or SIGTERM cancels the whole server at once.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import stat
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Self

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from mcp.types import (
    PARSE_ERROR,
    ErrorData,
    JSONRPCError,
    JSONRPCNotification,
    JSONRPCRequest,
    JSONRPCResponse,
)
from pydantic import ValidationError

__all__ = ["reply_to_unreadable", "serve_stdio"]

log = logging.getLogger(__name__)


async def serve_stdio(server: MCPServer) -> None:
    """What `server.run()` does for stdio, with unreadable requests answered; SIGINT and SIGTERM end it."""
    async with anyio.create_task_group() as tg:
        tg.start_soon(_cancel_on_signal, tg.cancel_scope)
        await _serve(server)
        tg.cancel_scope.cancel()  # stdin reached its end: stop waiting for signals


async def _cancel_on_signal(scope: anyio.CancelScope) -> None:
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for signum in signals:
            log.debug("stopping on %s", signal.Signals(signum).name)
            scope.cancel()
            return


async def _serve(server: MCPServer) -> None:
    lowlevel = server._lowlevel_server
    async with _stdin_lines() as stdin, stdio_server(stdin=stdin) as (read_stream, write_stream):
        reader = _AnsweringReadStream(read_stream, write_stream)
        await lowlevel.run(
            reader, _WatchedWriteStream(write_stream, reader.answered), lowlevel.create_initialization_options()
        )


@asynccontextmanager
async def _stdin_lines() -> AsyncIterator[Any]:
    """stdin's lines, read without a thread, with fd 0 pointed at the null device meanwhile.

    Handing the SDK its stdin skips its claim of fd 0, so the claim is made here: the wire
    moves to a private descriptor and fd 0 reads EOF, so a handler or child process that
    reads stdin cannot eat a request. On Windows, or when stdin is a regular file (reads
    never block, and the event loop cannot watch one), the SDK reads it as it always did.
    """
    if sys.platform == "win32" or not _pollable(0):
        yield None
        return
    import fcntl  # POSIX only, like this path

    wire = fcntl.fcntl(0, fcntl.F_DUPFD_CLOEXEC, 3)  # above 2, so it can never stand in for stdout or stderr
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    try:
        yield _LineReader(wire)
    finally:
        os.dup2(wire, 0)
        os.close(wire)


def _pollable(fd: int) -> bool:
    """Whether the event loop can wait on fd: a pipe, a socket or a terminal."""
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or (stat.S_ISCHR(mode) and os.isatty(fd))


class _LineReader:
    """Lines from a descriptor, read only once the event loop says they are there: cancellable at any point.

    The descriptor stays blocking (it is shared with the parent shell, which must not find
    it changed); a read after readiness returns what is there without waiting.
    """

    def __init__(self, fd: int):
        self._fd = fd
        self._buffer = bytearray()
        self._scanned = 0  # bytes of the buffer known to hold no newline
        self._eof = False

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> str:
        while True:
            end = self._buffer.find(b"\n", self._scanned)
            if end >= 0:
                return self._take(end + 1)
            self._scanned = len(self._buffer)
            if self._eof:
                if self._buffer:
                    return self._take(len(self._buffer))
                raise StopAsyncIteration
            await anyio.wait_readable(self._fd)
            try:
                chunk = os.read(self._fd, 65536)
            except BlockingIOError:  # someone else made the shared descriptor non-blocking
                continue
            except OSError:  # EIO: the terminal hung up
                chunk = b""
            self._eof = not chunk
            self._buffer += chunk

    def _take(self, size: int) -> str:
        line = bytes(self._buffer[:size])
        del self._buffer[:size]
        self._scanned = 0
        # As the SDK's reader: UTF-8, and a bad byte becomes U+FFFD rather than ending the session.
        return line.decode("utf-8", errors="replace")


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
    """The transport's read stream, minus the unreadable lines, which are answered on the write stream.

    The SDK cancels whatever is still running when input ends, so a client that writes its
    requests and closes stdin (`... | models-registry serve`) would lose the last answers.
    The end of input is passed on only once every request read has been answered (or
    cancelled by the client), or after END_GRACE seconds.
    """

    END_GRACE = 10.0

    def __init__(self, inner: Any, write_stream: Any):
        self._inner = inner
        self._write_stream = write_stream
        self._pending: set[Any] = set()  # ids of requests read and not yet answered
        self._settled = anyio.Event()

    @property
    def last_context(self) -> Any:  # the sender context the SDK reads off context-aware streams
        return getattr(self._inner, "last_context", None)

    def answered(self, message: Any) -> None:
        """Called for every message sent: a response or error settles its request."""
        if isinstance(message, JSONRPCResponse | JSONRPCError):
            self._settle(message.id)

    def _settle(self, request_id: Any) -> None:
        self._pending.discard(request_id)
        if not self._pending:
            self._settled.set()

    def _note(self, item: Any) -> None:
        message = getattr(item, "message", None)
        if isinstance(message, JSONRPCRequest):
            self._pending.add(message.id)
            self._settled = anyio.Event()
        elif isinstance(message, JSONRPCNotification) and message.method == "notifications/cancelled":
            self._settle((message.params or {}).get("requestId"))  # a cancelled request gets no answer

    async def receive(self) -> Any:
        while True:
            try:
                item = await self._inner.receive()
            except anyio.EndOfStream:
                if self._pending:
                    with anyio.move_on_after(self.END_GRACE):
                        await self._settled.wait()
                raise
            self._note(item)
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


class _WatchedWriteStream:
    """The transport's write stream, telling `on_send` about each message on its way out."""

    def __init__(self, inner: Any, on_send: Any):
        self._inner = inner
        self._on_send = on_send

    async def send(self, item: Any) -> None:
        await self._inner.send(item)
        self._on_send(getattr(item, "message", None))

    def __getattr__(self, name: str) -> Any:  # close, aclose, clone: the inner stream's own
        return getattr(self._inner, name)

    async def __aenter__(self) -> Self:
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._inner.__aexit__(*exc_info)
