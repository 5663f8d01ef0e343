"""Checked keys and local runtimes through the Registry: what list_providers, get_model and recommend make of them.

Real loopback stand-ins (tests/fake_providers.py) reached through the user's config, the
bundled snapshot as the catalog, and a loopback upstream for the hostile-catalog case.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from models_registry.recommend import RecommendRequest
from models_registry.registry import Registry
from models_registry.settings import Settings

from . import fake_providers
from .fake_providers import GOOD_KEY

pytestmark = pytest.mark.anyio

BAD_KEY = "sk-revoked-ABCDEFGHIJKLMNOP012345"


@pytest.fixture
def fake():
    yield from fake_providers.serve()


def config_for(tmp_path: Path, fake, local: bool = False) -> Path:
    text = f"""
[providers.openai]
api = "{fake.base('openai')}/v1"
[providers.anthropic]
api = "{fake.base('anthropic')}/v1"
[providers.google]
api = "{fake.base('google')}/v1beta"
"""
    if local:
        text += f"""
[local]
ollama = "{fake.base('ollama')}"
lmstudio = "{fake.base('lmstudio')}"
[local.servers.llamacpp]
url = "{fake.base('llamacpp')}/v1"
name = "llama.cpp"
"""
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def registry_for(tmp_path: Path, fake, env: dict[str, str], local: bool = False, **settings) -> Registry:
    base = {"offline": True, "cache_dir": tmp_path / "cache", "state_dir": tmp_path / "state", "local": local}
    return Registry(Settings(config_file=config_for(tmp_path, fake, local), **{**base, **settings}), env=env)


async def test_verified_and_rejected_keys_show_in_providers_models_and_picks(tmp_path, fake):
    env = {"OPENAI_API_KEY": GOOD_KEY, "ANTHROPIC_API_KEY": BAD_KEY, "GEMINI_API_KEY": GOOD_KEY}
    registry = registry_for(tmp_path, fake, env)
    results = {r.provider_id: r for r in await registry.verify()}
    assert {pid: r.state for pid, r in results.items()} == {"anthropic": "rejected", "google": "verified", "openai": "verified"}
    providers = {p.id: p for p in registry.providers(available_only=True)}
    assert providers["openai"].key_check.state == "verified" and providers["openai"].key_check.models_seen == 3
    assert providers["anthropic"].key_check.message == "HTTP 401: invalid x-api-key"
    assert registry.get("openai/gpt-5").in_key_listing is True
    assert registry.get("openai/gpt-5-nano").in_key_listing is False  # the fake lists three models
    assert registry.get("groq/llama-3.3-70b-versatile").in_key_listing is None  # never checked

    picks = registry.recommend(RecommendRequest(task="code review", limit=10))
    assert not [p for p in picks.recommendations if p.model.startswith("anthropic/")]
    assert picks.excluded["key rejected by the provider"] > 0
    assert all(p.model.split("/", 1)[1] in {"gpt-5", "gpt-5-mini", "gpt-4.1", "gemini-2.5-pro", "gemini-2.5-flash"}
               for p in picks.recommendations)  # only what the verified keys can see

    dumped = orjson.dumps([r.model_dump(mode="json") for r in results.values()]).decode()
    dumped += orjson.dumps([p.model_dump(mode="json") for p in providers.values()]).decode()
    assert GOOD_KEY not in dumped and BAD_KEY not in dumped


async def test_a_changed_key_forgets_its_check(tmp_path, fake):
    env = {"OPENAI_API_KEY": BAD_KEY}
    registry = registry_for(tmp_path, fake, env)
    [result] = await registry.verify(["openai"])
    assert result.state == "rejected" and registry.key_check("openai").state == "rejected"
    env["OPENAI_API_KEY"] = GOOD_KEY  # the user fixed it: the rejection was for the old key
    assert registry.key_check("openai") is None
    assert "key rejected by the provider" not in registry.recommend(RecommendRequest(task="chat")).excluded


async def test_checks_expire(tmp_path, fake):
    registry = registry_for(tmp_path, fake, {"OPENAI_API_KEY": GOOD_KEY}, verify_ttl_seconds=0)
    await registry.verify(["openai"])
    assert registry.key_check("openai") is None


async def test_a_fetched_catalog_that_moves_a_provider_never_gets_the_key(tmp_path, fake, upstream):
    raw = orjson.loads((Path(__file__).parent / "data" / "mini-api.json").read_bytes())
    raw["openai"]["api"] = f"{fake.base('attacker')}/v1"  # hostile: openai now "lives" at the attacker
    upstream.serve(orjson.dumps(raw), '"moved"')
    settings = Settings(url=upstream.url, cache_dir=tmp_path / "cache", state_dir=tmp_path / "state", config_file=None, local=False)
    registry = Registry(settings, env={"OPENAI_API_KEY": GOOD_KEY})
    assert (await registry.refresh(force=True)).outcome == "updated"
    [result] = await registry.verify(["openai"])
    assert result.state == "not_checkable" and "moves its base URL from api.openai.com to 127.0.0.1" in result.message
    assert fake.seen_at("attacker") == []


async def test_unknown_providers_are_refused_by_name(tmp_path, fake):
    registry = registry_for(tmp_path, fake, {})
    with pytest.raises(LookupError):
        await registry.verify(["opnai"])
    [bedrock] = await registry.verify(["amazon-bedrock"])
    assert bedrock.state == "not_checkable" and "no key set" in bedrock.message


# --- local runtimes ---------------------------------------------------------------------------------


async def test_local_runtimes_appear_as_available_providers_and_can_be_recommended(tmp_path, fake):
    registry = registry_for(tmp_path, fake, {}, local=True)
    assert registry.summary().providers_available == 0 or "ollama" not in {p.id for p in registry.providers()}
    found = await registry.detect_local()
    assert set(found) == {"ollama", "lmstudio", "llamacpp"}
    providers = {p.id: p for p in registry.providers(available_only=True)}
    assert {"ollama", "lmstudio", "llamacpp"} <= set(providers) and providers["ollama"].local is True
    assert providers["lmstudio"].credentials.needs_credential is False  # the runtime answered: no key
    coder = registry.get("ollama/qwen2.5-coder:7b")
    assert coder.available and coder.model.tool_call and coder.model.cost.input == 0

    embed = registry.recommend(RecommendRequest(task="embeddings for semantic search"))
    assert embed.recommendations and embed.recommendations[0].model in {
        "ollama/nomic-embed-text:latest", "lmstudio/text-embedding-nomic-embed-text-v1.5"
    }
    vision = registry.recommend(RecommendRequest(task="describe screenshots", input_modalities=["image"]))
    assert [p.model for p in vision.recommendations] == ["ollama/llava:13b"]


async def test_a_runtime_that_stops_disappears_on_the_next_look(tmp_path, fake, refused_url):
    registry = registry_for(tmp_path, fake, {}, local=True)
    await registry.detect_local()
    assert "ollama" in registry.available_providers()
    registry.config.file.local.ollama = refused_url.rsplit("/", 1)[0]
    registry.config.file.local.lmstudio = refused_url.rsplit("/", 1)[0]
    registry.config.file.local.servers.clear()
    assert await registry.detect_local() == {}
    assert "ollama" not in registry.catalog and "lmstudio" in registry.catalog  # models.dev's own entry is back
    assert "lmstudio" not in registry.available_providers()  # which needs LMSTUDIO_API_KEY


async def test_local_detection_can_be_switched_off(tmp_path, fake):
    registry = registry_for(tmp_path, fake, {}, local=False)
    assert await registry.detect_local() == {} and fake.seen == []


# --- through the MCP tool and the CLI ------------------------------------------------------------------


async def test_the_tool_reports_progress_and_its_checks_show_in_the_other_tools(tmp_path, fake):
    from mcp.client import Client

    from models_registry.mcp_server import build_server

    env = {"OPENAI_API_KEY": GOOD_KEY, "ANTHROPIC_API_KEY": BAD_KEY}
    registry = registry_for(tmp_path, fake, env)
    progress: list[str] = []

    async def on_progress(done, total, message):
        progress.append(message)

    async with Client(build_server(registry)) as client:
        result = await client.call_tool("verify_credentials", {}, progress_callback=on_progress)
        providers = (await client.call_tool("list_providers", {})).structured_content["providers"]
        model = (await client.call_tool("get_model", {"model": "openai/gpt-5"})).structured_content
        unknown = await client.call_tool("verify_credentials", {"providers": ["opnai"]})
    data = result.structured_content
    assert data["summary"] == "1 verified, 1 rejected"
    assert sorted(progress) == ["anthropic: rejected", "openai: verified"]
    assert "- anthropic: rejected, HTTP 401: invalid x-api-key" in result.content[0].text
    checks = {p["id"]: p["key_check"] for p in providers}
    assert checks["openai"]["state"] == "verified" and checks["anthropic"]["state"] == "rejected"
    assert model["in_key_listing"] is True
    assert unknown.is_error and "opnai" in unknown.content[0].text
    assert GOOD_KEY not in str(data) + str(providers) and BAD_KEY not in str(data) + str(providers)


def test_the_cli_verifies_says_what_failed_and_prints_the_tools_json(tmp_path, fake, capsys, monkeypatch):
    from models_registry.cli import main

    monkeypatch.setenv("MODELS_REGISTRY_CONFIG", str(config_for(tmp_path, fake)))
    monkeypatch.setenv("MODELS_REGISTRY_OFFLINE", "1")
    monkeypatch.setenv("OPENAI_API_KEY", GOOD_KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", BAD_KEY)
    assert main(["verify", "--json"]) == 1  # a rejected key is a failed check
    out, err = capsys.readouterr()
    data = orjson.loads(out)
    assert [(r["provider_id"], r["state"]) for r in data["results"]] == [("anthropic", "rejected"), ("openai", "verified")]
    assert "anthropic: the key could not be confirmed" in err
    assert main(["verify", "openai"]) == 0
    out, _ = capsys.readouterr()
    assert "1 providers checked: 1 verified" in out and "the key sees 3 models" in out
    assert main(["providers", "--verify"]) == 0
    out, _ = capsys.readouterr()
    assert "verified: the key sees 3 models" in out and "rejected: HTTP 401" in out
    assert GOOD_KEY not in out + err and BAD_KEY not in out + err


def test_one_shot_commands_see_local_runtimes(tmp_path, fake, capsys, monkeypatch):
    from models_registry.cli import main

    monkeypatch.setenv("MODELS_REGISTRY_CONFIG", str(config_for(tmp_path, fake, local=True)))
    monkeypatch.setenv("MODELS_REGISTRY_OFFLINE", "1")
    monkeypatch.setenv("MODELS_REGISTRY_LOCAL", "on")
    assert main(["models", "--provider", "ollama", "--json"]) == 0
    listed = orjson.loads(capsys.readouterr().out)
    assert {m["model"] for m in listed["providers"]["ollama"]} >= {"ollama/llama3.2:latest", "ollama/llava:13b"}
    monkeypatch.setenv("MODELS_REGISTRY_LOCAL", "off")
    assert main(["models", "--provider", "ollama", "--json"]) == 1  # not there without detection


async def test_asking_to_run_locally_picks_a_local_model_or_says_how_to_get_one(tmp_path, fake):
    registry = registry_for(tmp_path, fake, {"OPENAI_API_KEY": GOOD_KEY}, local=True)
    nothing = registry.recommend(RecommendRequest(task="summarise my notes locally"))
    assert nothing.recommendations == [] and "start Ollama or LM Studio" in nothing.message
    await registry.detect_local()
    local = registry.recommend(RecommendRequest(task="summarise my notes locally"))
    assert local.recommendations and all(p.model.split("/")[0] in {"ollama", "lmstudio", "llamacpp"} for p in local.recommendations)
    news = registry.recommend(RecommendRequest(task="local news summaries"))  # a word, not a wish
    assert news.recommendations[0].model.startswith("openai/")
