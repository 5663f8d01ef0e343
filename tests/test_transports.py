"""The server as real processes: stdio, streamable HTTP and SSE on 127.0.0.1, with the HTTP security checks."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest
from mcp.client import Client
from mcp.client.sse import sse_client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from .conftest import MINI_CATALOG, TOOLS, free_port

SERVE = [sys.executable, "-m", "models_registry"]


def server_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "MODELS_REGISTRY_CATALOG": str(MINI_CATALOG),
        "MODELS_REGISTRY_CACHE_DIR": str(tmp_path / "cache"),
        "MODELS_REGISTRY_STATE_DIR": str(tmp_path / "state"),
        "OPENAI_API_KEY": "sk-transport-canary",
        **extra,
    }


@contextmanager
def http_server(tmp_path: Path, transport: str, *extra_args: str, env: dict | None = None, command: list[str] = SERVE):
    """`serve --transport TRANSPORT` on a free loopback port (started as `command`); (base URL, process)."""
    port = free_port()
    proc = subprocess.Popen(
        [*command, "serve", "--transport", transport, "--port", str(port), *extra_args],
        env=env or server_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    raise RuntimeError(proc.communicate()[1].decode()) from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_stdio_end_to_end(tmp_path, mode):
    env = server_env(tmp_path)
    params = StdioServerParameters(command=sys.executable, args=["-m", "models_registry", "serve"], env=env)
    async with Client(params, mode=mode) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        providers = await client.call_tool("list_providers", {})
        model = await client.read_resource("models://models/openrouter/anthropic/claude-haiku-4.5")
    assert tools == TOOLS
    assert providers.structured_content["summary"] == "1 provider available, 1 API key configured"
    assert json.loads(model.contents[0].text)["ref"] == "openrouter/anthropic/claude-haiku-4.5"


def stdio_exchange(env: dict[str, str], requests: list[dict], done) -> tuple[list[dict], str, str]:
    """Write `requests` to `serve -v` over stdio; read messages (one per stdout line) until `done(messages)`,
    then close stdin: (messages, what stdout held after, stderr)."""
    with subprocess.Popen(
        [*SERVE, "-v", "serve"], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        watchdog = threading.Timer(60, proc.kill)  # a hang fails the test instead of blocking it
        watchdog.start()
        try:
            proc.stdin.write("".join(json.dumps(r) + "\n" for r in requests))
            proc.stdin.flush()
            messages: list[dict] = []
            while not done(messages):
                messages.append(json.loads(proc.stdout.readline()))  # each stdout line is one JSON-RPC message
            rest, stderr = proc.communicate(timeout=30)  # closes stdin: EOF, the server exits
        finally:
            watchdog.cancel()
    return messages, rest, stderr


def test_stdio_stdout_carries_only_protocol_even_with_debug_logging(tmp_path):
    env = server_env(tmp_path, MODELS_REGISTRY_TTL="not-a-number")  # provokes a warning too
    requests = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "list_providers", "arguments": {}}},
        {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "get_model", "arguments": {"model": "nope/x"}}},
    ]
    # 3 responses + the settings problem's log notification
    messages, rest, stderr = stdio_exchange(env, requests, lambda messages: len(messages) >= 4)
    assert rest.strip() == ""
    assert all(m["jsonrpc"] == "2.0" for m in messages)
    assert [m["id"] for m in messages if "id" in m] == [1, 2, 3]
    assert [m["method"] for m in messages if "method" in m] == ["notifications/message"]
    assert "MODELS_REGISTRY_TTL" in stderr  # the warning went to stderr
    assert "sk-transport-canary" not in json.dumps(messages) + stderr


async def test_streamable_http_end_to_end_in_both_eras(tmp_path):
    with http_server(tmp_path, "streamable-http") as (base, _):
        for mode in ("auto", "legacy"):
            async with Client(f"{base}/mcp", mode=mode) as client:
                result = await client.call_tool("get_model", {"model": "openai/gpt-5"})
                assert result.structured_content["available"] is True


async def test_sse_end_to_end(tmp_path):
    with http_server(tmp_path, "sse") as (base, _):
        async with Client(sse_client(f"{base}/sse"), mode="legacy") as client:
            result = await client.call_tool("list_models", {"provider": "openai", "limit": 1})
    assert result.structured_content["total"] == 10  # every openai model in tests/data/mini-api.json


def test_foreign_host_and_origin_are_refused(tmp_path):
    with http_server(tmp_path, "streamable-http") as (base, _):
        body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        bad_host = httpx2.post(f"{base}/mcp", json=body, headers={**headers, "Host": "evil.example"})
        bad_origin = httpx2.post(f"{base}/mcp", json=body, headers={**headers, "Origin": "http://evil.example"})
        too_big = httpx2.post(f"{base}/mcp", content=b"x" * (2 * 1024 * 1024), headers=headers)
    assert (bad_host.status_code, bad_origin.status_code, too_big.status_code) == (421, 403, 413)


def test_non_loopback_bind_without_a_token_refuses_to_start(tmp_path):
    proc = subprocess.run(
        [*SERVE, "serve", "--transport", "streamable-http", "--host", "0.0.0.0", "--port", str(free_port())],
        env=server_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "Error: binding 0.0.0.0 exposes the server" in proc.stderr and "--auth-token" in proc.stderr


async def test_bearer_token_is_required_when_set(tmp_path):
    env = server_env(tmp_path, MODELS_REGISTRY_AUTH_TOKEN="s3cret-token")
    with http_server(tmp_path, "streamable-http", env=env) as (base, _):
        body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        missing = httpx2.post(f"{base}/mcp", json=body, headers=headers)
        wrong = httpx2.post(f"{base}/mcp", json=body, headers={**headers, "Authorization": "Bearer nope"})
        assert (missing.status_code, wrong.status_code) == (401, 401)
        async with httpx2.AsyncClient(headers={"Authorization": "Bearer s3cret-token"}) as http:
            async with Client(streamable_http_client(f"{base}/mcp", http_client=http)) as client:
                result = await client.call_tool("get_default", {})
    assert result.structured_content["model"].startswith("openai/")
