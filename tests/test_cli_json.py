"""`--json` is the tool's structured content (issue 14): each CLI command against its MCP tool.

Both run in one environment, the CLI through `main()` and the tool through the SDK's in-memory
client, with the same arguments. Flag ↔ argument mapping: `--all` ↔ available_only=false,
`-p` ↔ provider / providers, `-c` ↔ capabilities, `-m` ↔ input_modalities, `--limit` /
`--offset` ↔ limit / offset, `--input-tokens` ↔ expected_input_tokens, `--role` ↔ role.
Only in the CLI: `models --limit 0` (every row; the tool pages at most 500). Only in the tool:
list_providers' `query`.
"""

from __future__ import annotations

import json

import anyio

import pytest
from mcp.client import Client

from models_registry.cli import main
from models_registry.mcp_server import build_server
from models_registry.registry import Registry
from models_registry.settings import Settings

from .conftest import MINI_CATALOG

pytestmark = pytest.mark.anyio

# How old the catalog is, in words (list_providers, recommend_model) and in seconds (recommend_model):
# two calls a moment apart differ there, so those are compared by presence only.
TIME_DEPENDENT = {"catalog", "catalog_age_seconds"}

CASES = [
    # (CLI argv without --json, tool, tool arguments)
    (["providers"], "list_providers", {}),
    (["providers", "--all"], "list_providers", {"available_only": False}),
    (["models"], "list_models", {}),
    (
        ["models", "--all", "-c", "reasoning", "--limit", "2", "--offset", "2"],
        "list_models",
        {"available_only": False, "capabilities": ["reasoning"], "limit": 2, "offset": 2},
    ),
    (["models", "-p", "openrouter", "--all", "-q", "gpt"], "list_models", {"provider": "openrouter", "available_only": False, "query": "gpt"}),
    (["show", "openai/gpt-5"], "get_model", {"model": "openai/gpt-5"}),
    (["show", "openrouter/anthropic/claude-haiku-4.5"], "get_model", {"model": "openrouter/anthropic/claude-haiku-4.5"}),
    (["recommend", "code review"], "recommend_model", {"task": "code review"}),
    (
        ["recommend", "summarise long PDFs cheaply", "--all", "-n", "3", "--input-tokens", "20000"],
        "recommend_model",
        {"task": "summarise long PDFs cheaply", "available_only": False, "limit": 3, "expected_input_tokens": 20000},
    ),
    (["recommend", "--kind", "embedding", "-p", "openai"], "recommend_model", {"kind": "embedding", "providers": ["openai"]}),
    (["default", "get"], "get_default", {}),
    (["default", "get", "--role", "small"], "get_default", {"role": "small"}),
]


@pytest.fixture
def environment(monkeypatch, tmp_path) -> None:
    """One catalog, two keys and a state dir, read alike by the CLI and by the server's registry."""
    monkeypatch.setenv("MODELS_REGISTRY_CATALOG", str(MINI_CATALOG))
    monkeypatch.setenv("MODELS_REGISTRY_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")


def _timeless(data: dict) -> dict:
    return {key: value for key, value in data.items() if key not in TIME_DEPENDENT}


@pytest.mark.parametrize(("argv", "tool", "arguments"), CASES, ids=[" ".join(c[0]) for c in CASES])
async def test_cli_json_is_the_tools_structured_content(environment, capsys, argv, tool, arguments):
    async with Client(build_server(Registry(Settings.from_env()))) as client:
        result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert main([*argv, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed.keys() == result.structured_content.keys()  # the time-dependent fields too
    assert _timeless(printed) == _timeless(result.structured_content)


async def test_default_get_json_matches_after_default_set(environment, capsys):
    """A stored default whose provider has no key: reason and fallback are filled in on both sides."""
    # The CLI runs its own event loop: in a thread, as it would run beside this test's.
    assert await anyio.to_thread.run_sync(main, ["default", "set", "google/gemini-2.5-pro", "--role", "small"]) == 0
    capsys.readouterr()
    async with Client(build_server(Registry(Settings.from_env()))) as client:
        result = await client.call_tool("get_default", {"role": "small"})
    assert main(["default", "get", "--role", "small", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == result.structured_content and printed["usable"] is False
