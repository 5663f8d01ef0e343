"""The slash-command prompts through the SDK's client, in both protocol eras: pick_model and setup_keys."""

from __future__ import annotations

import pytest
from mcp.client import Client
from mcp.shared.exceptions import MCPError
from mcp.types import PromptReference

from models_registry.mcp_server import build_server
from models_registry.registry import Registry
from models_registry.settings import Settings

from .conftest import MINI_CATALOG

pytestmark = pytest.mark.anyio

CANARY = "sk-prompt-canary-51c2"


@pytest.fixture(params=["auto", "legacy"])
def mode(request) -> str:
    return request.param


def make_registry(tmp_path, env=None) -> Registry:
    settings = Settings(catalog_file=MINI_CATALOG, cache_dir=tmp_path / "cache", state_dir=tmp_path / "state")
    return Registry(settings, env={"OPENAI_API_KEY": CANARY} if env is None else env)


async def prompt_text(client, name: str, **arguments) -> str:
    result = await client.get_prompt(name, arguments)
    assert len(result.messages) == 1 and result.messages[0].role == "user"
    return result.messages[0].content.text


async def test_prompts_are_listed_with_described_arguments(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
    assert set(prompts) == {"pick_model", "setup_keys"}
    for prompt in prompts.values():
        assert prompt.title and len(prompt.description) > 60
        assert [(a.required, bool(a.description)) for a in prompt.arguments] == [(True, True)]
    assert prompts["pick_model"].arguments[0].name == "task"
    assert prompts["setup_keys"].arguments[0].name == "providers"


async def test_pick_model_hands_the_agent_the_top_picks_with_reasons(tmp_path, mode):
    registry = make_registry(tmp_path)
    async with Client(build_server(registry), mode=mode) as client:
        text = await prompt_text(client, "pick_model", task="cheap classifier for support tickets")
        tool = (await client.call_tool("recommend_model", {"task": "cheap classifier for support tickets", "limit": 3}))
    picks = tool.structured_content["recommendations"]
    assert text.startswith("I need a model for: cheap classifier for support tickets")
    for pick in picks:  # the same ranking as the tool, each with its reasons
        assert f"{pick['rank']}. {pick['model']} (" in text and pick["reasons"][0] in text
    assert f"Use {picks[0]['model']} unless" in text and "set_default" in text
    assert CANARY not in text


async def test_pick_model_without_keys_says_why_and_points_to_setup_keys(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path, env={})), mode=mode) as client:
        text = await prompt_text(client, "pick_model", task="coding agent")
    assert "found no callable model" in text and "setup_keys" in text and "env block" in text


async def test_setup_keys_names_variables_and_where_hosts_take_them(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        text = await prompt_text(client, "setup_keys", providers="Anthropic, amazon-bedrock openai")
    assert "- anthropic (Anthropic): set ANTHROPIC_API_KEY." in text
    assert "AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY | AWS_BEARER_TOKEN_BEDROCK" in text and "AWS_REGION" in text
    assert "- openai (OpenAI): already configured via OPENAI_API_KEY." in text
    assert '"env": {"ANTHROPIC_API_KEY": "<your ANTHROPIC_API_KEY>"' in text  # the desktop host's env block
    assert "export ANTHROPIC_API_KEY=..." in text and "Do not ask me to paste a key" in text
    assert CANARY not in text  # names only, never a value


async def test_setup_keys_unknown_provider_gets_close_matches_not_an_error(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        text = await prompt_text(client, "setup_keys", providers="opnai")
        blank = await prompt_text(client, "setup_keys", providers=" , ")
        with pytest.raises(MCPError):  # a missing required argument is the client's mistake
            await client.get_prompt("setup_keys", {})
    assert "Unknown provider 'opnai'. Did you mean: openai?" in text and "Where to set them" not in text
    assert blank.startswith("Name the providers to set up") and "openai" in blank


async def test_setup_keys_completes_the_last_provider_id(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        ref = PromptReference(name="setup_keys")
        first = await client.complete(ref, {"name": "providers", "value": "an"})
        more = await client.complete(ref, {"name": "providers", "value": "openai, g"})
        other = await client.complete(PromptReference(name="pick_model"), {"name": "task", "value": "c"})
    assert first.completion.values == ["anthropic"]
    assert more.completion.values == ["openai, google", "openai, google-vertex", "openai, groq"]
    assert other.completion.values == []
