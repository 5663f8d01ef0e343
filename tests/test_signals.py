"""Stopping the server: Ctrl-C in a real terminal, and SIGTERM, end every serve mode at once and cleanly.

Each server runs as the real command on a pseudo-terminal that is its controlling terminal, so Ctrl-C
travels the way it does for a user: the byte 0x03 typed into the terminal, which the line discipline
turns into SIGINT for the foreground process group. SIGTERM is what a supervisor sends. Both stop
`serve` and `ui` with exit code 0 and no traceback, with a default set just before still on disk and
no half-written temp file left behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import signal
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import anyio
import httpx2
import pytest
from mcp.client import Client
from mcp.client.sse import sse_client

from .conftest import MINI_CATALOG, free_port

CLI = [sys.executable, "-m", "models_registry"]
CTRL_C = b"\x03"
STOP_WITHIN = 5.0  # seconds from the signal to the exit: "at once", with room for a loaded test machine


def _take_terminal() -> None:
    """In the child, after setsid: make the pty (its stdin) the controlling terminal, as a login shell's is."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """A command running on its own pseudo-terminal, as a user's shell runs it; everything it writes is kept."""

    def __init__(self, argv: list[str], env: dict[str, str]):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [*CLI, *argv],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,  # its own session, so the terminal's Ctrl-C reaches it and not pytest
            preexec_fn=_take_terminal,  # noqa: PLW1509 - TIOCSCTTY must run between fork and exec
        )
        os.close(slave)  # the child holds the only other end now, so its exit ends the reads with EIO
        self._output = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO on Linux: nothing has the terminal open any more
                return
            if not chunk:
                return
            self._output += chunk

    @property
    def output(self) -> str:
        return self._output.decode("utf-8", errors="replace")

    def type(self, data: bytes) -> None:
        os.write(self.master, data)

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                pytest.fail(f"never saw {text!r}; the terminal shows:\n{self.output[-4000:]}")
            time.sleep(0.02)

    def wait_exit(self, timeout: float) -> tuple[int, float]:
        """The exit code and how long the process took to end; fails when it outlives the timeout."""
        started = time.monotonic()
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.close()
            pytest.fail(f"still running {timeout}s after the signal; the terminal shows:\n{self.output[-4000:]}")
        self._reader.join(timeout=5)
        return code, time.monotonic() - started

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._reader.join(timeout=5)
        if self.master >= 0:
            os.close(self.master)
            self.master = -1


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "MODELS_REGISTRY_CATALOG": str(MINI_CATALOG),
        "MODELS_REGISTRY_CACHE_DIR": str(tmp_path / "cache"),
        "MODELS_REGISTRY_STATE_DIR": str(tmp_path / "state"),
        "OPENAI_API_KEY": "sk-signal-test",
        "TERM": "xterm-256color",
    }


def _line(message: dict) -> bytes:
    return json.dumps(message).encode() + b"\n"


def _set_default_over_stdio(term: Terminal) -> None:
    """An MCP session over the terminal itself (a tty passes whole lines), ending with set_default done."""
    term.type(_line({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    }))  # fmt: skip
    term.wait_for('"serverInfo"')
    term.type(_line({"jsonrpc": "2.0", "method": "notifications/initialized"}))
    call = {"name": "set_default", "arguments": {"model": "openai/gpt-5-mini"}}
    term.type(_line({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": call}))
    term.wait_for("is now openai/gpt-5-mini")


def _wait_for_port(term: Terminal, port: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with httpx2.Client(timeout=1) as http:
                http.get(f"http://127.0.0.1:{port}/", timeout=1)
            return
        except httpx2.TransportError:
            if term.proc.poll() is not None or time.monotonic() > deadline:
                term.close()
                pytest.fail(f"the server never answered on port {port}:\n{term.output[-4000:]}")
            time.sleep(0.05)


def _set_default_over_http(transport: str, port: int) -> None:
    async def call() -> None:
        target = sse_client(f"http://127.0.0.1:{port}/sse") if transport == "sse" else f"http://127.0.0.1:{port}/mcp"
        async with Client(target, mode="legacy") as client:
            result = await client.call_tool("set_default", {"model": "openai/gpt-5-mini"})
        assert not result.is_error, result

    anyio.run(call)


def _stop(term: Terminal, how: str) -> tuple[int, float]:
    if how == "ctrl-c":
        term.type(CTRL_C)
    else:
        os.kill(term.proc.pid, signal.SIGTERM)
    return term.wait_exit(STOP_WITHIN)


def _assert_state_intact(tmp_path: Path, env: dict[str, str]) -> None:
    """The default set before the signal is stored, and no temp file of an interrupted write is left."""
    proc = subprocess.run([*CLI, "default", "get", "--json"], check=False, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    stored = json.loads(proc.stdout)
    assert (stored["model"], stored["source"]) == ("openai/gpt-5-mini", "stored (set_default)")
    leftovers = [p.name for d in ("state", "cache") for p in (tmp_path / d).glob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def _assert_stopped_cleanly(term, code: int, took: float, tmp_path, env) -> None:
    assert code == 0, term.output[-4000:]
    assert "Traceback" not in term.output, term.output[-4000:]
    assert took < STOP_WITHIN
    _assert_state_intact(tmp_path, env)


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_stdio_stops_at_once(tmp_path, env, how):
    term = Terminal(["serve"], env)
    try:
        _set_default_over_stdio(term)
        code, took = _stop(term, how)
    finally:
        term.close()
    _assert_stopped_cleanly(term, code, took, tmp_path, env)


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
@pytest.mark.parametrize("mode", ["streamable-http", "sse", "ui"])
def test_http_modes_stop_at_once_with_a_client_still_connected(tmp_path, env, silent_server, mode, how):
    # The catalog comes from an upstream that never answers, so a refresh is a request that never ends.
    env = {k: v for k, v in env.items() if k != "MODELS_REGISTRY_CATALOG"} | {"MODELS_REGISTRY_URL": silent_server.url}
    port = free_port()
    argv = ["ui", "--no-browser", "--port", str(port)] if mode == "ui" else ["serve", "-t", mode, "--port", str(port)]
    term = Terminal(argv, env)
    try:
        _wait_for_port(term, port)
        _set_default_over_http("sse" if mode == "sse" else "streamable-http", port)
        if mode == "sse":  # an event stream the server would keep open for ever
            with httpx2.Client(timeout=10) as http, http.stream("GET", f"http://127.0.0.1:{port}/sse") as stream:
                next(stream.iter_lines())  # the endpoint event: the stream is open
                code, took = _stop(term, how)
        else:  # a tool call still waiting on the upstream
            _refresh_in_background(port)
            code, took = _stop(term, how)
    finally:
        term.close()
    _assert_stopped_cleanly(term, code, took, tmp_path, env)


def _refresh_in_background(port: int) -> None:
    """Start a refresh_catalog call that waits on the silent upstream, and give it time to be in flight."""

    async def call() -> None:
        async with Client(f"http://127.0.0.1:{port}/mcp", mode="legacy") as client:
            await client.call_tool("refresh_catalog", {})

    def run() -> None:
        with contextlib.suppress(Exception):  # the server stops under it: that is the point
            anyio.run(call)

    threading.Thread(target=run, daemon=True).start()
    time.sleep(1.0)  # past the handshake: the call is now waiting on the upstream, which never answers
