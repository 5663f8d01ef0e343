"""The operations side of a served registry, through real server processes on 127.0.0.1: /healthz, /readyz and
/metrics (counting the tool calls actually made, through the SDK's own client), who may read them (Host
check, bearer token), in both HTTP transports and stateless mode, and `--log-format json` on stderr, stdio
included. The /readyz flip when a shared PostgreSQL goes down is tested with the PostgreSQL harness, not here.
"""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest
from mcp.client import Client
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from prometheus_client.parser import text_string_to_metric_families

from models_registry.operations import JsonFormatter

from .conftest import free_port
from .test_transports import SERVE, server_env

pytestmark = pytest.mark.anyio

TOKEN = "ops-s3cret-token"
LOG_KEYS = {"time", "level", "logger", "message"}
OPERATIONS_PATHS = ("/healthz", "/readyz", "/metrics")


@contextmanager
def serving(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, Path]]:
    """`models-registry ARGS` (ARGS name the transport; a free --port is added) until the block ends, then SIGTERM;
    (base URL, the file its stderr went to, complete once the block is left)."""
    port = free_port()
    stderr = tmp_path / f"stderr-{port}.txt"
    with stderr.open("wb") as sink:
        proc = subprocess.Popen([*SERVE, *args, "--port", str(port)], env=env or server_env(tmp_path),
                                stdout=subprocess.DEVNULL, stderr=sink)  # fmt: skip
        try:
            _wait_until_answering(port, proc, stderr)
            yield f"http://127.0.0.1:{port}", stderr
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _wait_until_answering(port: int, proc: subprocess.Popen, stderr: Path) -> None:
    """Until /healthz answers: the socket listens before the server is built, so a connect alone says little."""
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except httpx2.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(stderr.read_text()) from None
            time.sleep(0.05)


def metric_samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a Prometheus text exposition, parsed by prometheus-client: (name, labels) -> value."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def sample(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def make_calls(client: Client) -> None:
    """3 list_providers, then 2 get_model of which one names a model the catalog lacks."""
    for _ in range(3):
        assert not (await client.call_tool("list_providers", {})).is_error
    assert not (await client.call_tool("get_model", {"model": "openai/gpt-5"})).is_error
    assert (await client.call_tool("get_model", {"model": "nope/never"})).is_error


def assert_counted(samples: dict) -> None:
    assert sample(samples, "models_registry_tool_calls_total", tool="list_providers", outcome="ok") == 3
    assert sample(samples, "models_registry_tool_calls_total", tool="list_providers", outcome="error") == 0
    assert sample(samples, "models_registry_tool_calls_total", tool="get_model", outcome="ok") == 1
    assert sample(samples, "models_registry_tool_calls_total", tool="get_model", outcome="error") == 1
    assert sample(samples, "models_registry_tool_seconds_count", tool="list_providers") == 3
    assert sample(samples, "models_registry_tool_seconds_count", tool="get_model") == 2
    assert sample(samples, "models_registry_tool_seconds_bucket", tool="get_model", le="+Inf") == 2
    assert 0 < sample(samples, "models_registry_tool_seconds_sum", tool="list_providers") < 30
    assert sample(samples, "models_registry_requests_total", method="tools/call") == 5
    # Read from the registry when scraped: the test's catalog is a file, which is never refreshed.
    assert sample(samples, "models_registry_catalog_source", source="file") == 1
    assert sample(samples, "models_registry_refresh_total", outcome="failed") == 0
    assert sample(samples, "models_registry_defaults_store_errors_total") == 0


@pytest.mark.parametrize("mode", ["sessions", "stateless"])
async def test_health_readiness_and_metrics_counting_the_calls_made(tmp_path, mode):
    flags = ["--stateless"] if mode == "stateless" else []
    with serving(tmp_path, "serve", "--transport", "streamable-http", *flags) as (base, _):
        health, ready = httpx2.get(f"{base}/healthz"), httpx2.get(f"{base}/readyz")
        async with Client(streamable_http_client(f"{base}/mcp")) as client:
            await make_calls(client)
        metrics = httpx2.get(f"{base}/metrics")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    assert_counted(metric_samples(metrics.text))


async def test_sse_serves_the_same_routes_and_counts(tmp_path):
    with serving(tmp_path, "serve", "--transport", "sse") as (base, _):
        async with Client(sse_client(f"{base}/sse"), mode="legacy") as client:
            await make_calls(client)
        answers = {path: httpx2.get(f"{base}{path}") for path in OPERATIONS_PATHS}
        foreign = {
            path: httpx2.get(f"{base}{path}", headers={"Host": "evil.example"}) for path in OPERATIONS_PATHS
        }
    assert {path: r.status_code for path, r in answers.items()} == dict.fromkeys(OPERATIONS_PATHS, 200)
    assert {path: r.status_code for path, r in foreign.items()} == dict.fromkeys(OPERATIONS_PATHS, 421)
    assert_counted(metric_samples(answers["/metrics"].text))


async def test_names_a_client_invents_are_counted_under_one_label(tmp_path):
    """Labels from a closed set: a flood of made-up tool or method names cannot grow the metrics."""
    headers = {"Accept": "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25"}
    with serving(tmp_path, "serve", "--transport", "streamable-http", "--stateless") as (base, _):
        async with Client(streamable_http_client(f"{base}/mcp")) as client:
            for i in range(3):
                assert (await client.call_tool(f"made_up_{i}", {})).is_error
        for i in range(3):  # stateless: each request stands alone, no handshake needed
            httpx2.post(
                f"{base}/mcp", json={"jsonrpc": "2.0", "id": i, "method": f"made/up{i}"}, headers=headers
            )
        httpx2.post(f"{base}/mcp", headers=headers, json={  # a name that is not even a string
            "jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": ["x"], "arguments": {}}})  # fmt: skip
        samples = metric_samples(httpx2.get(f"{base}/metrics").text)
    tools = {dict(labels)["tool"] for name, labels in samples if name == "models_registry_tool_calls_total"}
    methods = {dict(labels)["method"] for name, labels in samples if name == "models_registry_requests_total"}
    assert tools == {"unknown"}
    assert sample(samples, "models_registry_tool_calls_total", tool="unknown", outcome="error") == 4
    assert sample(samples, "models_registry_requests_total", method="other") == 3
    assert not any(method.startswith("made") for method in methods)


def test_a_foreign_host_is_refused_on_every_operations_route(tmp_path):
    with serving(tmp_path, "serve", "--transport", "streamable-http") as (base, _):
        answers = {
            path: httpx2.get(f"{base}{path}", headers={"Host": "evil.example"}) for path in OPERATIONS_PATHS
        }
    assert {path: r.status_code for path, r in answers.items()} == dict.fromkeys(OPERATIONS_PATHS, 421)
    assert all("status" not in r.text for r in answers.values())


@pytest.mark.parametrize("mode", ["sessions", "stateless"])
def test_with_a_token_metrics_need_it_and_the_probes_stay_public(tmp_path, mode):
    env = server_env(tmp_path, MODELS_REGISTRY_AUTH_TOKEN=TOKEN)
    flags = ["--stateless"] if mode == "stateless" else []
    with serving(tmp_path, "serve", "--transport", "streamable-http", *flags, env=env) as (base, _):
        bare = {path: httpx2.get(f"{base}{path}").status_code for path in OPERATIONS_PATHS}
        wrong = httpx2.get(f"{base}/metrics", headers={"Authorization": "Bearer nope"}).status_code
        right = httpx2.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        foreign = httpx2.get(f"{base}/healthz", headers={"Host": "evil.example"}).status_code
    assert bare == {"/healthz": 200, "/readyz": 200, "/metrics": 401}
    assert wrong == 401
    assert right.status_code == 200 and "models_registry_catalog_source" in right.text
    assert foreign == 421  # public is not unguarded: the Host check still applies


# --- logs ------------------------------------------------------------------------------------------


def json_log_lines(text: str) -> list[dict]:
    """Every line of `text` as one JSON log object; fails on any line that is not one."""
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON line: {line!r}\nall of stderr:\n{text}")
        assert isinstance(record, dict) and LOG_KEYS <= record.keys(), line
        assert record["time"].endswith("Z") and "T" in record["time"]
        records.append(record)
    return records


@pytest.mark.parametrize("where", ["global flag", "serve flag", "variable"])
def test_log_format_json_makes_every_stderr_line_a_json_object(tmp_path, where):
    env = server_env(tmp_path, MODELS_REGISTRY_TTL="abc")  # a settings warning at start
    args = ["serve", "--transport", "streamable-http"]
    if where == "global flag":
        args = ["--log-format", "json", *args]
    elif where == "serve flag":
        args = [*args, "--log-format", "json"]
    else:
        env["MODELS_REGISTRY_LOG_FORMAT"] = "json"
    with serving(tmp_path, *args, env=env) as (base, stderr):
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:  # uvicorn warns about this
            raw.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            raw.recv(1024)
        httpx2.get(f"{base}/healthz")
    records = json_log_lines(stderr.read_text())
    assert any(r["level"] == "WARNING" and "MODELS_REGISTRY_TTL" in r["message"] for r in records)
    assert any(r["logger"] == "models_registry.serve" and f"{base}/mcp" in r["message"] for r in records)
    assert any(r["logger"].startswith("uvicorn") and r["level"] == "WARNING" for r in records)


def test_an_error_at_start_is_a_json_line_too(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run([*SERVE, "--log-format", "json", "serve", "-t", "streamable-http", "--port", str(port)],
                              env=server_env(tmp_path), capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert proc.returncode == 1
    (record,) = json_log_lines(proc.stderr)
    assert record["level"] == "ERROR" and f"port {port} on 127.0.0.1 is in use" in record["message"]


def test_an_unknown_log_format_variable_is_a_warning_and_text(tmp_path):
    env = server_env(tmp_path, MODELS_REGISTRY_LOG_FORMAT="yaml")
    proc = subprocess.run(
        [*SERVE, "status"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0
    assert (
        "WARNING models_registry: MODELS_REGISTRY_LOG_FORMAT='yaml' is not text or json; using text"
        in proc.stderr
    )


def test_stdio_with_json_logs_keeps_stdout_for_the_protocol(tmp_path):
    env = server_env(tmp_path, MODELS_REGISTRY_TTL="abc")
    requests = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "get_model", "arguments": {"model": "nope/x"}}},
    ]  # fmt: skip
    with subprocess.Popen([*SERVE, "--log-format", "json", "-v", "serve"], env=env, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:  # fmt: skip
        watchdog = threading.Timer(60, proc.kill)  # a hang fails the test instead of blocking it
        watchdog.start()
        try:
            proc.stdin.write("".join(json.dumps(r) + "\n" for r in requests))
            proc.stdin.flush()
            answered = []
            while 2 not in answered:  # each stdout line is one JSON-RPC message
                message = json.loads(proc.stdout.readline())
                answered.append(message.get("id"))
            rest, stderr = proc.communicate(timeout=30)  # closes stdin: EOF, the server exits
        finally:
            watchdog.cancel()
    assert rest.strip() == "" or all(json.loads(line)["jsonrpc"] == "2.0" for line in rest.splitlines())
    records = json_log_lines(stderr)
    assert any("MODELS_REGISTRY_TTL" in r["message"] for r in records)
    assert any(r["level"] == "DEBUG" for r in records)  # -v: the debug records are JSON as well


def test_json_records_stay_on_one_safe_line():
    """Catalog text quoted in a message (escapes, bidi overrides, newlines) and a traceback: one ASCII line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("models_registry.test_operations")
    logger.addHandler(handler)
    logger.propagate = False
    hostile = "model \x1b[31mred\u202eevil\nsecond line"
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("bad %s", hostile)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    (line,) = stream.getvalue().splitlines()
    assert line.isascii() and "\x1b" not in line
    record = json.loads(line)
    assert record["message"] == f"bad {hostile}"
    assert record["level"] == "ERROR" and record["logger"] == "models_registry.test_operations"
    assert "ValueError: boom" in record["exception"]


def test_stdio_and_one_shot_commands_never_import_prometheus_client():
    """Their cold start is benchmarked: the metrics library is for HTTP servers only."""
    code = (
        "import sys; from models_registry import cli, mcp_server, stdio; cli._log_formatter('json'); "
        "print('prometheus_client' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ}, capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    assert proc.stdout.strip() == "False"
