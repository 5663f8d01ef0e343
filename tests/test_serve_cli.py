"""`serve` and `ui` at the command line: the port is checked before it is announced, HTTP-only options
need an HTTP transport, and `ui` opens the browser (or says to) - all through the real CLI process.

The browser is never a real one: BROWSER points at a script that records the URL it was given,
and DISPLAY is unset, so Python's webbrowser module has nothing else to try.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import MINI_CATALOG, free_port

CLI = [sys.executable, "-m", "models_registry"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "MODELS_REGISTRY_CATALOG": str(MINI_CATALOG),
        "MODELS_REGISTRY_CACHE_DIR": str(tmp_path / "cache"),
        "MODELS_REGISTRY_STATE_DIR": str(tmp_path / "state"),
    }
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):  # no real browser, ever
        env.pop(name, None)
    return env


def _browser(tmp_path: Path, exit_code: int = 0) -> tuple[str, Path]:
    """A stand-in browser: writes the URL it is given to a file and exits with exit_code."""
    record = tmp_path / "opened.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{record}"\nexit {exit_code}\n')
    script.chmod(0o755)
    return str(script), record


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *argv], check=False, env=env, capture_output=True, text=True, timeout=60)


def _serve_until(argv: list[str], env: dict[str, str], text: str) -> str:
    """Start a server, wait until its stderr shows text, stop it with SIGTERM; its whole stderr."""
    proc = subprocess.Popen([*CLI, *argv], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = b""
    deadline = time.monotonic() + 30
    try:
        while text.encode() not in seen:
            remaining = deadline - time.monotonic()
            ready = remaining > 0 and select.select([proc.stderr], [], [], remaining)[0]
            chunk = os.read(proc.stderr.fileno(), 65536) if ready else b""
            if not chunk:
                pytest.fail(f"never saw {text!r}; stderr:\n{seen.decode(errors='replace')}")
            seen += chunk
        proc.send_signal(signal.SIGTERM)
        seen += proc.communicate(timeout=10)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, seen.decode(errors="replace")
    return seen.decode()


@pytest.mark.parametrize("argv", [["ui", "--no-browser"], ["serve", "-t", "streamable-http"], ["serve", "-t", "sse"]])
def test_a_busy_port_is_one_line_naming_it_before_any_url_is_announced(env, argv):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _run([*argv, "--port", str(port)], env)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"Error: port {port} on 127.0.0.1 is in use; pick another with --port ")
    assert "http://" not in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("flags", [["--port", "9999"], ["--host", "0.0.0.0"], ["--port", "9999", "--host", "::1"]])
def test_http_options_with_stdio_are_an_error_naming_transport(env, flags):
    proc = _run(["serve", *flags], env)
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error: ") and "--transport streamable-http" in proc.stderr
    assert all(flag in proc.stderr for flag in flags if flag.startswith("--"))
    assert proc.stdout == ""


def test_a_port_out_of_range_is_a_usage_error(env):
    proc = _run(["ui", "--port", "70000"], env)
    assert proc.returncode == 2
    assert "'70000' is not a port" in proc.stderr and "Traceback" not in proc.stderr


def test_ui_opens_the_page_in_the_browser_and_says_so(tmp_path, env):
    env["BROWSER"], record = _browser(tmp_path)
    port = free_port()
    stderr = _serve_until(["ui", "--port", str(port)], env, "in your browser")
    url = f"http://127.0.0.1:{port}/"
    assert record.read_text() == url
    assert f"models-registry: opened {url} in your browser" in stderr


def test_ui_with_no_browser_prints_the_url_and_opens_nothing(tmp_path, env):
    env["BROWSER"], record = _browser(tmp_path)
    port = free_port()
    stderr = _serve_until(["ui", "--no-browser", "--port", str(port)], env, "in your browser")
    assert f"models-registry: open http://127.0.0.1:{port}/ in your browser" in stderr
    assert not record.exists()


def test_ui_says_to_open_the_url_when_no_browser_works(tmp_path, env):
    env["BROWSER"], _ = _browser(tmp_path, exit_code=1)
    port = free_port()
    stderr = _serve_until(["ui", "--port", str(port)], env, "in your browser")
    assert f"models-registry: open http://127.0.0.1:{port}/ in your browser" in stderr
    assert "opened" not in stderr


def test_the_listening_socket_says_it_is_tcp():
    # asyncio turns Nagle's algorithm off only on sockets whose protocol is IPPROTO_TCP; with proto 0
    # every small HTTP answer waited ~40 ms for a delayed ACK (list_providers went from 2 ms to 49 ms).
    import socket

    from models_registry.cli import _listen

    sock = _listen("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
