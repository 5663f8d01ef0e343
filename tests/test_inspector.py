"""The server as a third-party MCP client sees it: the MCP Inspector CLI over stdio.

`@modelcontextprotocol/inspector` is pinned in package.json / package-lock.json and
installed by `npm ci` (CI's `.ci/run` does it). Each test starts the real server with
`python -m models_registry serve` under the Inspector, which prints the JSON result of
one MCP method on stdout. The syntax is

    mcp-inspector --cli -e KEY=VALUE ... <command> <args...> --method <method> [--tool-name N --tool-arg k=v | --uri U]

In CLI mode the server inherits this process's environment (already isolated by
conftest's autouse fixture) with the `-e` variables on top.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import MINI_CATALOG, TOOLS

ROOT = Path(__file__).parent.parent
INSPECTOR = ROOT / "node_modules" / ".bin" / ("mcp-inspector.cmd" if os.name == "nt" else "mcp-inspector")
CANARY = "sk-inspector-canary"
TIMEOUT = 90
HAIKU = "openrouter/anthropic/claude-haiku-4.5"

if not INSPECTOR.exists() or shutil.which("node") is None:
    if os.environ.get("MODELS_REGISTRY_CI"):  # .ci/run installed it: missing means a broken install, not a skip
        raise RuntimeError(f"MCP Inspector CLI missing in CI: {INSPECTOR}")
    pytest.skip(
        f"MCP Inspector CLI not installed ({INSPECTOR.relative_to(ROOT)} or node missing): run `npm ci` in the repo root",
        allow_module_level=True,
    )


def inspect(tmp_path: Path, *method_args: str) -> tuple[Any, str, str]:
    """Run one Inspector CLI call against a fresh server; return (parsed stdout, stdout, stderr)."""
    env_args = {
        "MODELS_REGISTRY_CATALOG": str(MINI_CATALOG),
        "MODELS_REGISTRY_CACHE_DIR": str(tmp_path / "inspector-cache"),
        "MODELS_REGISTRY_STATE_DIR": str(tmp_path / "inspector-state"),
        "MODELS_REGISTRY_OFFLINE": "1",
        "OPENAI_API_KEY": CANARY,
    }
    command = [str(INSPECTOR), "--cli"]
    for key, value in env_args.items():
        command += ["-e", f"{key}={value}"]
    command += [sys.executable, "-m", "models_registry", "serve", *method_args]
    # A session of its own, so a timeout ends the whole tree: inspector, its CLI child, and the server.
    posix = os.name == "posix"
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=posix,
    )
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        if posix:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
        stdout, stderr = proc.communicate()
        pytest.fail(f"inspector timed out after {TIMEOUT}s: {method_args}\nstdout:\n{stdout}\nstderr:\n{stderr}")
    assert proc.returncode == 0, f"inspector exited {proc.returncode}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    try:
        parsed = json.loads(stdout)
    except json.JSONDecodeError:
        pytest.fail(f"inspector stdout is not JSON:\n{stdout}\nstderr:\n{stderr}")
    return parsed, stdout, stderr


def call_tool(tmp_path: Path, name: str, **arguments: str) -> dict[str, Any]:
    args = ["--method", "tools/call", "--tool-name", name]
    if arguments:
        # --tool-arg is variadic (key=value ...), so it goes last.
        args += ["--tool-arg", *(f"{key}={value}" for key, value in arguments.items())]
    return inspect(tmp_path, *args)[0]


def read_resource(tmp_path: Path, uri: str) -> dict[str, Any]:
    result = inspect(tmp_path, "--method", "resources/read", "--uri", uri)[0]
    (content,) = result["contents"]
    assert content["uri"] == uri
    assert content["mimeType"] == "application/json"
    return json.loads(content["text"])


def test_tools_list_has_the_eight_tools_with_descriptions_and_output_schemas(tmp_path: Path):
    result, _, _ = inspect(tmp_path, "--method", "tools/list")
    tools = {tool["name"]: tool for tool in result["tools"]}
    assert set(tools) == TOOLS
    assert len(result["tools"]) == len(TOOLS)
    for name, tool in tools.items():
        assert tool.get("description", "").strip(), name
        assert tool.get("outputSchema", {}).get("type") == "object", name


def test_list_providers_counts_the_key_and_never_shows_its_value(tmp_path: Path):
    result, stdout, stderr = inspect(tmp_path, "--method", "tools/call", "--tool-name", "list_providers")
    assert result.get("isError") is not True
    structured = result["structuredContent"]
    assert structured["summary"] == "1 provider available, 1 API key configured"
    assert [p["id"] for p in structured["providers"]] == ["openai"]
    assert structured["providers"][0]["credentials"]["satisfied_by"] == ["OPENAI_API_KEY"]
    assert CANARY not in stdout
    assert CANARY not in stderr


def test_get_model_splits_on_the_first_slash(tmp_path: Path):
    result = call_tool(tmp_path, "get_model", model=HAIKU)
    assert result.get("isError") is not True
    structured = result["structuredContent"]
    assert structured["model"] == HAIKU
    assert structured["provider_name"] == "OpenRouter"
    assert structured["details"]["id"] == "anthropic/claude-haiku-4.5"
    assert structured["available"] is False
    assert structured["credentials"]["missing"] == ["OPENROUTER_API_KEY"]
    assert HAIKU in result["content"][0]["text"]


def test_get_model_unknown_is_a_tool_error_with_suggestions(tmp_path: Path):
    result = call_tool(tmp_path, "get_model", model="openai/gpt-99")
    assert result["isError"] is True
    text = result["content"][0]["text"]
    assert "Did you mean" in text
    assert "openai/gpt-5" in text


def test_status_resource_reports_the_file_catalog(tmp_path: Path):
    status = read_resource(tmp_path, "models://status")
    assert status["source"] == "file"
    assert status["models"] == 39
    assert status["summary"] == "1 provider available, 1 API key configured"
    assert CANARY not in json.dumps(status)


def test_model_resource_reads_a_model_id_with_a_slash(tmp_path: Path):
    model = read_resource(tmp_path, f"models://models/{HAIKU}")
    assert model["ref"] == HAIKU
    assert model["provider_id"] == "openrouter"
    assert model["model"]["id"] == "anthropic/claude-haiku-4.5"


def test_resource_templates_list_both_templates(tmp_path: Path):
    result, _, _ = inspect(tmp_path, "--method", "resources/templates/list")
    templates = {t["uriTemplate"] for t in result["resourceTemplates"]}
    assert templates == {"models://providers/{provider_id}", "models://models/{provider_id}/{+model_id}"}
