"""MCP log notifications through the SDK's client: the capability, `logging/setLevel`, what is sent and when.

Handshake-era sessions (mode="legacy") set a level and hear refresh outcomes, settings
problems and a start without keys; 2026-07-28 clients (mode="auto") opt in per request
and hear only the outcome of their own `refresh_catalog` call. The SDK marks its logging
API deprecated (2026-07-28 drops `logging/setLevel`): the client's call expects the warning,
and the server must never raise one.
"""

from __future__ import annotations

import json

import anyio
import pytest
from mcp.client import Client
from mcp.shared.exceptions import MCPDeprecationWarning

from models_registry.mcp_logging import LogSessions
from models_registry.mcp_server import build_server
from models_registry.registry import Registry
from models_registry.settings import Settings

from .conftest import MINI_CATALOG
from .test_transports import stdio_exchange

pytestmark = pytest.mark.anyio

CANARY = "sk-log-canary-7f3a9c"
LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]


def make_registry(tmp_path, env=None, *, catalog_file=MINI_CATALOG, url=None, ttl="86400") -> Registry:
    """A registry built the way `serve` builds one (Settings.from_env), so a bad setting is a real problem."""
    variables = {
        "MODELS_REGISTRY_CACHE_DIR": str(tmp_path / "cache"),
        "MODELS_REGISTRY_STATE_DIR": str(tmp_path / "state"),
        "MODELS_REGISTRY_TTL": ttl,
    }
    if catalog_file is not None:
        variables["MODELS_REGISTRY_CATALOG"] = str(catalog_file)
    if url is not None:
        variables["MODELS_REGISTRY_URL"] = url
    return Registry(Settings.from_env(variables), env={"OPENAI_API_KEY": CANARY} if env is None else env)


async def set_level(client, level: str):
    with pytest.warns(MCPDeprecationWarning):  # the client's API for a handshake-era feature
        return await client.set_logging_level(level)


class Received:
    """The log notifications a client got, with a way to wait for one."""

    def __init__(self) -> None:
        self.messages: list = []

    async def __call__(self, params) -> None:
        self.messages.append(params)

    async def wait_for(self, words: str, timeout: float = 10):
        with anyio.fail_after(timeout):
            while True:
                for m in self.messages:
                    if words in str(m.data):
                        return m
                await anyio.sleep(0.01)

    def texts(self) -> list[str]:
        return [str(m.data) for m in self.messages]


async def test_logging_capability_is_declared_and_set_level_accepted(tmp_path):
    book = LogSessions()
    async with Client(build_server(make_registry(tmp_path), log_sessions=book), mode="legacy") as client:
        assert client.server_capabilities.logging is not None
        result = await set_level(client, "warning")
        assert result.model_dump(exclude_none=True) == {}
        assert len(book) == 1 and book.level(next(iter(book._sessions))) == "warning"
    assert len(book) == 0  # the session's entry went with it


async def test_forced_refresh_is_logged_at_its_level_and_nothing_below_the_set_level(tmp_path, upstream):
    registry = make_registry(tmp_path, catalog_file=None, url=upstream.url)
    received = Received()
    async with Client(build_server(registry), mode="legacy", logging_callback=received) as client:
        await set_level(client, "warning")
        ok = await client.call_tool("refresh_catalog", {"force": True})  # updated or 304: notice / info
        upstream.fault = "http_500"
        failed = await client.call_tool("refresh_catalog", {"force": True})
        warning = await received.wait_for("Catalog refresh failed")
        # Events are logged in order by one task: the first refresh's note, had it passed the level,
        # would have arrived before this warning.
        below = [m for m in received.messages if LEVELS.index(m.level) < LEVELS.index("warning")]
        await set_level(client, "info")
        upstream.fault = None
        again = await client.call_tool("refresh_catalog", {"force": True})
        heard = await received.wait_for("Catalog ")
        ok_note = next(m for m in received.messages if m is not warning and "Catalog" in str(m.data))
    assert ok.structured_content["outcome"] in ("updated", "not_modified")
    assert failed.structured_content["outcome"] == "failed" and again.structured_content["outcome"] != "failed"
    assert (warning.level, warning.logger) == ("warning", "models-registry") and "HTTP 500" in warning.data
    assert below == [] and heard is not None
    assert ok_note.level in ("notice", "info")  # updated with changes / 304 or no change


async def test_updated_refresh_says_how_much_changed(tmp_path, upstream):
    registry = make_registry(tmp_path, catalog_file=None, url=upstream.url)
    received = Received()
    async with Client(build_server(registry), mode="legacy", logging_callback=received) as client:
        await client.call_tool("refresh_catalog", {"force": True})  # snapshot -> mini catalog: many removed
        note = await received.wait_for("Catalog updated")
    assert note.level == "notice" and "models added" in note.data and "removed" in note.data


async def test_config_problem_and_keyless_start_are_logged_at_session_start(tmp_path):
    registry = make_registry(tmp_path, env={}, ttl="soon")
    received = Received()
    async with Client(build_server(registry), mode="legacy", logging_callback=received):
        problem = await received.wait_for("MODELS_REGISTRY_TTL")
        keyless = await received.wait_for("0 providers available")
        await anyio.sleep(0.1)
    assert problem.level == keyless.level == "warning"
    assert problem.data.startswith("Configuration problem: MODELS_REGISTRY_TTL='soon'")
    assert "OPENAI_API_KEY" in keyless.data and "`env` block" in keyless.data
    assert len(received.messages) == 2  # once each
    quiet = Received()  # keys set and good settings: nothing to say at start
    async with Client(build_server(make_registry(tmp_path / "ok")), mode="legacy", logging_callback=quiet) as client:
        await client.list_tools()
        await anyio.sleep(0.2)
    assert quiet.messages == []


async def test_no_log_notification_carries_a_secret(tmp_path, upstream, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    # The canary also sits in the catalog URL's password and query, which fetch errors must not echo.
    url = upstream.url.replace("http://", f"http://user:{CANARY}@") + f"?key={CANARY}"
    registry = make_registry(tmp_path, catalog_file=None, url=url, ttl="soon")
    received = Received()
    upstream.fault = "http_500"
    async with Client(build_server(registry), mode="legacy", logging_callback=received) as client:
        await set_level(client, "debug")
        await client.call_tool("refresh_catalog", {"force": True})
        await received.wait_for("Catalog refresh failed")
        await received.wait_for("MODELS_REGISTRY_TTL")
    assert received.messages and not any(CANARY in json.dumps(m.model_dump(mode="json")) for m in received.messages)


async def test_2026_client_hears_its_own_refresh_at_the_level_it_opts_into(tmp_path, upstream):
    registry = make_registry(tmp_path, catalog_file=None, url=upstream.url)
    opted_in, silent = Received(), Received()
    async with Client(build_server(registry), mode="auto", log_level="warning", logging_callback=opted_in) as client:
        assert client.session.protocol_version == "2026-07-28"
        await client.call_tool("refresh_catalog", {"force": True})  # notice or info: below the opt-in
        upstream.fault = "http_500"
        await client.call_tool("refresh_catalog", {"force": True})
    async with Client(build_server(registry), mode="auto", logging_callback=silent) as client:
        await client.call_tool("refresh_catalog", {"force": True})  # no opt-in: nothing is sent
    assert [(m.level, m.data.split(":")[0]) for m in opted_in.messages] == [("warning", "Catalog refresh failed")]
    assert silent.messages == []


def test_stdio_stdout_carries_only_protocol_with_log_notifications(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "MODELS_REGISTRY_CATALOG": str(MINI_CATALOG),
        "MODELS_REGISTRY_CACHE_DIR": str(tmp_path / "cache"),
        "MODELS_REGISTRY_STATE_DIR": str(tmp_path / "state"),
        "MODELS_REGISTRY_TTL": "soon",  # a settings problem to log
        "MODELS_REGISTRY_LOCAL": "off",
    }
    requests = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "logging/setLevel", "params": {"level": "debug"}},
        {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "list_providers", "arguments": {}}},
    ]
    messages, rest, stderr = stdio_exchange(
        env, requests, lambda messages: not {1, 2, 3} - {m.get("id") for m in messages} and len(messages) >= 5
    )
    assert rest.strip() == "" and all(m["jsonrpc"] == "2.0" for m in messages)
    logs = [m["params"] for m in messages if m.get("method") == "notifications/message"]
    assert [p["level"] for p in logs] == ["warning", "warning"]
    assert "MODELS_REGISTRY_TTL" in logs[0]["data"] and "0 providers available" in logs[1]["data"]
    assert "MODELS_REGISTRY_TTL" in stderr  # the server's own log still goes to stderr
