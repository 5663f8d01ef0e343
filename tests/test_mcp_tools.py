"""The MCP surface through the SDK's in-memory client, in both protocol eras (2026-07-28 and the legacy handshake)."""

import json

import anyio
import pytest
from mcp.client import Client
from mcp.shared.exceptions import MCPError
from mcp.types import ResourceTemplateReference, ResourceUpdatedNotification

from models_registry.mcp_server import build_server
from models_registry.registry import Registry
from models_registry.settings import Settings

from .conftest import MINI_CATALOG, TOOLS

pytestmark = pytest.mark.anyio



@pytest.fixture(params=["auto", "legacy"])
def mode(request) -> str:
    return request.param


def make_registry(tmp_path, env=None, **settings) -> Registry:
    base = {"catalog_file": MINI_CATALOG, "cache_dir": tmp_path / "cache", "state_dir": tmp_path / "state"}
    return Registry(Settings(**{**base, **settings}), env=env if env is not None else {"OPENAI_API_KEY": "sk-test"})


async def call(client, tool: str, **arguments):
    return await client.call_tool(tool, arguments)


async def test_tools_list_has_eight_described_tools_with_output_schemas(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        tools = (await client.list_tools()).tools
    assert {t.name for t in tools} == TOOLS
    for tool in tools:
        assert len(tool.description) > 80 and tool.output_schema, tool.name
    annotations = {t.name: t.annotations for t in tools}
    assert annotations["list_models"].read_only_hint and annotations["list_models"].idempotent_hint
    assert annotations["set_default"].read_only_hint is False


async def test_list_providers_reports_available_providers_by_variable_name(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        result = await call(client, "list_providers")
    data = result.structured_content
    assert data["summary"] == "1 provider available, 1 API key configured"
    assert [p["id"] for p in data["providers"]] == ["openai"]
    assert data["providers"][0]["credentials"]["satisfied_by"] == ["OPENAI_API_KEY"]
    openai = json.loads(MINI_CATALOG.read_text())["openai"]["models"].values()
    counts = data["providers"][0]["capability_counts"]
    assert counts["reasoning"] == sum(m.get("reasoning") is True for m in openai) > 0
    assert counts["tool_call"] == sum(m.get("tool_call") is True for m in openai)
    assert f"{counts['reasoning']} reasoning" in result.content[0].text
    assert "sk-test" not in json.dumps(data) and "sk-test" not in result.content[0].text


async def test_list_providers_without_keys_explains_the_env_block(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path, env={})), mode=mode) as client:
        result = await call(client, "list_providers")
    assert "env" in result.content[0].text and "0 providers available" in result.content[0].text


async def test_list_models_filters_groups_and_pages(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        first = (await call(client, "list_models", capabilities=["reasoning"], limit=2)).structured_content
        second = (await call(client, "list_models", capabilities=["reasoning"], limit=2, offset=2)).structured_content
    assert first["total"] == 5 and first["next_offset"] == 2
    assert [m["model"] for m in first["providers"]["openai"]] == ["openai/gpt-5", "openai/gpt-5-mini"]
    assert [m["model"] for m in second["providers"]["openai"]] == ["openai/gpt-5-nano", "openai/o3"]


async def test_list_models_last_page_has_no_next_offset(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        last = await call(client, "list_models", capabilities=["reasoning"], limit=2, offset=4)
    assert not last.is_error and "next_offset" not in last.structured_content
    assert [m["model"] for m in last.structured_content["providers"]["openai"]] == ["openai/o4-mini"]


async def test_get_model_resolves_ids_with_a_slash(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        result = await call(client, "get_model", model="openrouter/anthropic/claude-haiku-4.5")
    data = result.structured_content
    assert data["model"] == "openrouter/anthropic/claude-haiku-4.5" and data["available"] is False
    assert data["credentials"]["missing"] == ["OPENROUTER_API_KEY"]
    assert "not callable: set OPENROUTER_API_KEY" in result.content[0].text


async def test_list_models_and_get_model_say_what_each_model_is_for(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        embeddings = (await call(client, "list_models", kind="embedding")).structured_content
        chat = (await call(client, "list_models", kind="chat", limit=500)).structured_content
        detail = await call(client, "get_model", model="openai/text-embedding-3-small")
        bad = await call(client, "list_models", kind="telepathy")
    assert [m["model"] for m in embeddings["providers"]["openai"]] == ["openai/text-embedding-3-small"]
    assert all(m["kind"] == "chat" for models in chat["providers"].values() for m in models)
    assert "openai/text-embedding-3-small" not in [m["model"] for m in chat["providers"]["openai"]]
    assert detail.structured_content["kind"] == "embedding" and "embedding" in detail.content[0].text
    assert bad.is_error  # the schema lists the kinds


async def test_recommend_model_takes_a_kind_and_never_mixes_kinds(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        embeddings = (await call(client, "recommend_model", kind="embedding")).structured_content
        worded = (await call(client, "recommend_model", task="text embeddings for retrieval")).structured_content
        chat = (await call(client, "recommend_model", task="cheap classifier")).structured_content
    assert [p["model"] for p in embeddings["recommendations"]] == ["openai/text-embedding-3-small"]
    assert worded["kind"] == "embedding" and worded["recommendations"] == embeddings["recommendations"]
    assert chat["kind"] == "chat" and {p["kind"] for p in chat["recommendations"]} == {"chat"}


async def test_unknown_model_is_a_tool_error_with_close_matches(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        result = await call(client, "get_model", model="openai/gpt-5-mimi")
    assert result.is_error
    assert "Did you mean: openai/gpt-5-mini" in result.content[0].text


async def test_bad_argument_is_a_clean_tool_error(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        wrong_type = await call(client, "list_models", min_context="lots")
        bad_provider = await call(client, "list_models", provider="opnai")
    assert wrong_type.is_error and "min_context" in wrong_type.content[0].text
    assert bad_provider.is_error and "Did you mean: openai" in bad_provider.content[0].text
    assert "Traceback" not in wrong_type.content[0].text + bad_provider.content[0].text


async def test_recommend_model_picks_only_callable_models(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        result = await call(client, "recommend_model", capabilities=["tool_call"], input_modalities=["image"])
    picks = result.structured_content["recommendations"]
    assert picks and all(p["model"].startswith("openai/") and "tool_call" in p["capabilities"] for p in picks)
    assert "LM Arena's rating scale" in result.content[0].text


async def test_recommend_model_turns_task_words_into_requirements_and_says_so(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        result = await call(client, "recommend_model", task="read PDFs cheaply")
    data = result.structured_content
    assert {h["effect"] for h in data["applied_hints"]} == {"prefer pdf (ranks higher, excludes nothing)", "optimize = cost"}
    assert "Task hint 'pdfs': prefer pdf (ranks higher, excludes nothing)" in result.content[0].text
    assert data["catalog_source"] == "file" and data["catalog"].startswith("file catalog")
    prices = [p["input_cost"] for p in data["recommendations"]]
    assert prices == sorted(prices)


async def test_recommend_model_names_the_constraint_that_left_nothing_and_the_way_out(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        result = await call(client, "recommend_model", min_context=10_000_000)
    async with Client(build_server(make_registry(tmp_path, env={})), mode=mode) as client:
        no_keys = await call(client, "recommend_model")
        unavailable = await call(client, "recommend_model", available_only=False)
    data = result.structured_content
    assert data["recommendations"] == [] and data["blocking_constraint"] == "context below 10,000,000"
    assert data["relaxation"].startswith("min_context <= ")
    assert "removed the last candidates" in result.content[0].text and not result.is_error
    assert no_keys.structured_content["blocking_constraint"] == "no credentials set"
    assert "env block" in no_keys.content[0].text
    picks = unavailable.structured_content["recommendations"]
    assert picks and not any(p["available"] for p in picks)


async def test_recommend_model_rejects_bad_arguments_with_a_tool_error(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        unknown_provider = await call(client, "recommend_model", providers=["opnai"])
        bad_limit = await call(client, "recommend_model", limit=0)
        bad_capability = await call(client, "recommend_model", capabilities=["telepathy"])
    assert unknown_provider.is_error and "Did you mean: openai" in unknown_provider.content[0].text
    assert bad_limit.is_error and "limit" in bad_limit.content[0].text
    assert bad_capability.is_error and "Traceback" not in bad_capability.content[0].text


async def test_set_default_persists_and_get_default_reads_it_back(tmp_path, mode):
    registry = make_registry(tmp_path)
    async with Client(build_server(registry), mode=mode) as client:
        saved = await call(client, "set_default", model="anthropic/claude-haiku-4-5", role="small")
        assert saved.structured_content["usable"] is False and "ANTHROPIC_API_KEY" in saved.content[0].text
        unknown = await call(client, "set_default", model="anthropic/claude-nope", role="small")
        assert unknown.is_error and "Did you mean" in unknown.content[0].text
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:  # a restart
        got = (await call(client, "get_default", role="small")).structured_content
    assert (got["model"], got["source"], got["usable"]) == ("anthropic/claude-haiku-4-5", "stored (set_default)", False)
    assert got["fallback"].startswith("openai/")


async def test_get_default_falls_back_to_a_callable_tool_model(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        got = (await call(client, "get_default")).structured_content
    assert got["source"] == "fallback" and got["model"].startswith("openai/") and got["usable"]


async def test_refresh_catalog_reports_progress_and_changes(tmp_path, mode, upstream):
    registry = make_registry(tmp_path, catalog_file=None, url=upstream.url)
    progress: list[float] = []

    async def on_progress(value, total, message):
        progress.append(value)

    async with Client(build_server(registry), mode=mode) as client:
        result = await client.call_tool("refresh_catalog", {"force": True}, progress_callback=on_progress)
    # The lifespan's background refresh may have fetched first; then the forced one gets a 304.
    assert result.structured_content["outcome"] in ("updated", "not_modified")
    assert registry.status().source == "network" and progress == [0, 1, 2]  # fetched, local runtimes, done
    assert ("added" in result.content[0].text) == (result.structured_content["outcome"] == "updated")


async def test_resources_and_templates(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        listed = {str(r.uri) for r in (await client.list_resources()).resources}
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        catalog = json.loads((await client.read_resource("models://catalog")).contents[0].text)
        status = json.loads((await client.read_resource("models://status")).contents[0].text)
        defaults = json.loads((await client.read_resource("models://defaults")).contents[0].text)
        provider = json.loads((await client.read_resource("models://providers/openrouter")).contents[0].text)
        model = json.loads(
            (await client.read_resource("models://models/openrouter/anthropic/claude-haiku-4.5")).contents[0].text
        )
        with pytest.raises(MCPError):
            await client.read_resource("models://models/openai/no-such-model")
    assert {"models://catalog", "models://status", "models://defaults"} <= listed
    assert templates == {"models://providers/{provider_id}", "models://models/{provider_id}/{+model_id}"}
    assert catalog["openai"]["models"]["gpt-5"]["limit"]["context"] == 400_000
    assert (status["source"], status["models"]) == ("file", 39)
    assert {d["role"] for d in defaults["defaults"]} == {"default", "small"}
    assert "anthropic/claude-haiku-4.5" in provider["models"]
    assert model["model"]["id"] == "anthropic/claude-haiku-4.5"


async def test_completion_suggests_available_providers_first_and_model_ids(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        providers = await client.complete(
            ResourceTemplateReference(type="ref/resource", uri="models://providers/{provider_id}"),
            {"name": "provider_id", "value": ""},
        )
        models = await client.complete(
            ResourceTemplateReference(type="ref/resource", uri="models://models/{provider_id}/{+model_id}"),
            {"name": "model_id", "value": "anthropic/"},
            context_arguments={"provider_id": "openrouter"},
        )
    assert providers.completion.values[0] == "openai"
    assert models.completion.values == ["anthropic/claude-haiku-4.5"]


async def test_new_era_subscribers_hear_catalog_changes(tmp_path, upstream):
    registry = make_registry(tmp_path, catalog_file=None, url=upstream.url)
    async with Client(build_server(registry)) as client:
        async with client.listen(resource_subscriptions=["models://catalog"]) as events:
            await registry.refresh(force=True)
            with anyio.fail_after(5):
                async for event in events:
                    assert event.uri == "models://catalog"
                    break


async def test_legacy_subscribers_hear_catalog_changes(tmp_path, upstream):
    registry = make_registry(tmp_path, catalog_file=None, url=upstream.url)
    heard = anyio.Event()
    uris: list[str] = []

    async def on_message(message):
        if isinstance(message, ResourceUpdatedNotification):
            uris.append(str(message.params.uri))
            heard.set()

    async with Client(build_server(registry), mode="legacy", message_handler=on_message) as client:
        with pytest.warns(UserWarning):  # the SDK marks resources/subscribe as deprecated
            await client.subscribe_resource("models://catalog")
        await registry.refresh(force=True)
        with anyio.fail_after(5):
            await heard.wait()
    assert uris == ["models://catalog"]


async def test_the_picker_is_an_mcp_app_linked_from_list_models_and_recommend_model(tmp_path, mode):
    async with Client(build_server(make_registry(tmp_path)), mode=mode) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        resources = {str(r.uri): r for r in (await client.list_resources()).resources}
        page = await client.read_resource("ui://models-registry/picker")
    for name in ("list_models", "recommend_model"):
        assert tools[name].meta["ui"]["resourceUri"] == "ui://models-registry/picker"
    assert resources["ui://models-registry/picker"].mime_type == "text/html;profile=mcp-app"
    html = page.contents[0].text
    assert page.contents[0].mime_type == "text/html;profile=mcp-app"
    assert 'const MODE = "mcp-app"' in html and "ui/initialize" in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html  # works offline: no CDN


async def test_empty_answers_still_match_their_output_schema(tmp_path, mode):
    """The SDK client checks structured content against the schema: a left-out field must not come back as null."""
    async with Client(build_server(make_registry(tmp_path, env={})), mode=mode) as client:
        no_models = await call(client, "list_models", provider="azure")
        no_picks = await call(client, "recommend_model", capabilities=["tool_call"], input_modalities=["video"])
    assert not no_models.is_error and no_models.structured_content["total"] == 0
    assert "next_offset" not in no_models.structured_content
    assert not no_picks.is_error and no_picks.structured_content["recommendations"] == []
    assert None not in no_picks.structured_content.values()


async def test_kept_answers_follow_every_change_at_once_and_the_clock_within_max_age(tmp_path):
    """AnswerCache: the same call is answered again from what was kept, but a new key, a new default or a
    key check makes a new answer at once; whatever else changes shows within MODELS_REGISTRY_ANSWER_MAX_AGE."""
    env = {"OPENAI_API_KEY": "sk-test"}
    registry = make_registry(tmp_path, env=env)
    async with Client(build_server(registry)) as client:
        first = await call(client, "list_providers")
        assert first.structured_content["summary"].startswith("1 provider available")
        env["ANTHROPIC_API_KEY"] = "sk-ant-test"  # a credential variable: a new state
        assert (await call(client, "list_providers")).structured_content["summary"].startswith("2 providers")
        await call(client, "set_default", model="anthropic/claude-haiku-4-5", role="small")
        assert (await call(client, "get_default", role="small")).structured_content["model"] == "anthropic/claude-haiku-4-5"
        # Something the state does not cover (here, the catalog's date moved by hand) shows after max age.
        before = (await call(client, "list_providers")).structured_content["catalog"]
        registry._loaded = registry._loaded.__class__(**{**registry._loaded.__dict__, "fetched_at": None})
        assert (await call(client, "list_providers")).structured_content["catalog"] == before  # kept
        await anyio.sleep(1.05)
        assert (await call(client, "list_providers")).structured_content["catalog"] != before


async def test_an_answer_max_age_of_zero_answers_every_call_afresh(tmp_path):
    registry = make_registry(tmp_path, answer_max_age_seconds=0)
    async with Client(build_server(registry)) as client:
        before = (await call(client, "list_providers")).structured_content["catalog"]
        registry._loaded = registry._loaded.__class__(**{**registry._loaded.__dict__, "fetched_at": None})
        assert (await call(client, "list_providers")).structured_content["catalog"] != before
