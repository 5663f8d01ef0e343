"""The user's config file: overrides and custom providers, errors that never stop the server, defaults by role."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import anyio
import orjson
import pytest
from mcp.client import Client

from models_registry.cli import main
from models_registry.mcp_server import build_server
from models_registry.registry import Registry
from models_registry.settings import Settings

from .conftest import MINI_CATALOG

GOOD = """\
# A proxy in front of OpenAI: this comment must survive every set_default.
[registry]
ttl = 3600

[providers.openai]
api = "https://llm-proxy.internal/v1"

[providers.ollama]
name = "Ollama (local)"
api = "http://${OLLAMA_HOST}/v1"
env = []

[providers.ollama.models."gpt-5-local"]
inherit = "openai/gpt-5"
name = "GPT-5 via a local gateway"
cost = { input = 0.5 }
limit = { output = 64000 }

[defaults]
default = "anthropic/claude-sonnet-4-5"
small = "ollama/gpt-5-local"
"""


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(text))
    return path


def make_registry(tmp_path: Path, text: str = GOOD, env: dict[str, str] | None = None, **settings) -> Registry:
    config = write_config(tmp_path, text)
    base = {"catalog_file": MINI_CATALOG, "state_dir": tmp_path / "state", "config_file": config, "offline": True}
    return Registry(Settings(**{**base, **settings}), env=env if env is not None else {})


def test_a_local_provider_without_credentials_is_available_with_its_models(tmp_path):
    registry = make_registry(tmp_path, env={"OLLAMA_HOST": "localhost:11434"})
    [ollama] = registry.providers(available_only=True)
    assert (ollama.id, ollama.name, ollama.source, ollama.model_count) == ("ollama", "Ollama (local)", "config", 1)
    assert ollama.api == "http://${OLLAMA_HOST}/v1" and ollama.api_placeholders == {"OLLAMA_HOST": True}
    assert ollama.credentials.needs_credential is False
    assert registry.get("ollama/gpt-5-local").available


def test_inherit_copies_price_limits_and_capabilities_and_the_given_fields_win(tmp_path):
    registry = make_registry(tmp_path)
    original = registry.get("openai/gpt-5").model
    local = registry.get("ollama/gpt-5-local").model
    assert local.name == "GPT-5 via a local gateway" and local.id == "gpt-5-local"
    assert (local.cost.input, local.cost.output) == (0.5, original.cost.output)  # tables merge key by key
    assert (local.limit.context, local.limit.output) == (original.limit.context, 64000)
    assert (local.tool_call, local.reasoning, local.modalities) == (original.tool_call, original.reasoning, original.modalities)


def test_a_base_url_alone_never_makes_a_provider_configured(tmp_path):
    openai = make_registry(tmp_path).provider("openai")
    assert (openai.api, openai.source, openai.available) == ("https://llm-proxy.internal/v1", "config", False)
    assert openai.credentials.missing == ["OPENAI_API_KEY"]


def test_disabled_wins_over_enabled(tmp_path):
    registry = make_registry(
        tmp_path,
        '[registry]\nenabled_providers = ["openai", "anthropic"]\ndisabled_providers = ["anthropic"]\n',
        env={"OPENAI_API_KEY": "k", "ANTHROPIC_API_KEY": "k"},
    )
    assert registry.catalog.provider_ids == ["openai"]
    assert [p.id for p in registry.providers(available_only=True)] == ["openai"]


def test_a_default_at_a_disabled_provider_is_unusable_with_a_reason_and_a_fallback(tmp_path):
    text = '[registry]\ndisabled_providers = ["anthropic"]\n[defaults]\ndefault = "anthropic/claude-sonnet-4-5"\n'
    info = make_registry(tmp_path, text, env={"OPENAI_API_KEY": "k"}).get_default("default")
    assert (info.model, info.usable) == ("anthropic/claude-sonnet-4-5", False)
    assert "anthropic is disabled in the config" in info.reason and info.fallback.startswith("openai/")


def test_defaults_precedence_environment_then_stored_then_config(tmp_path):
    registry = make_registry(tmp_path, env={"ANTHROPIC_API_KEY": "k"})
    assert registry.get_default("default").source.startswith("config (")
    anyio.run(registry.set_default, "anthropic/claude-haiku-4-5")
    assert (registry.get_default().model, registry.get_default().source) == ("anthropic/claude-haiku-4-5", "stored (set_default)")
    registry._env["MODELS_REGISTRY_DEFAULT_MODEL"] = "anthropic/claude-opus-4-1"
    assert registry.get_default().source == "environment (MODELS_REGISTRY_DEFAULT_MODEL)"


def test_set_default_never_touches_the_config_file_and_survives_a_restart(tmp_path):
    registry = make_registry(tmp_path)
    config = tmp_path / "config.toml"
    before = config.read_bytes()
    anyio.run(registry.set_default, "openai/gpt-5-mini", "small")
    anyio.run(registry.set_default, "anthropic/claude-haiku-4-5", "review")
    assert config.read_bytes() == before and b"this comment must survive" in before
    again = make_registry(tmp_path)  # a restart: the same files
    assert again.get_default("small").model == "openai/gpt-5-mini"
    assert "review" in again.roles() and again.get_default("review").source == "stored (set_default)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[registry]\nttl = 'soon'\n", ":2 registry.ttl: Input should be a valid integer"),
        ("[registry]\nttl = 60\ncolour = 'blue'\n", ":3 registry.colour: unknown key"),
        ("[providers.openai]\nenv = 'OPENAI_API_KEY'\n", ":2 providers.openai.env: Input should be a valid list"),
        ("[providers.x.models.m]\nlimit = { context = 'big' }\n", ":2 providers.x.models.m.limit.context: Input should be"),
        ("[providers.x.models.m]\ninherit = 'nope/nothing'\n", ":2 providers.x.models.m.inherit: no model 'nope/nothing'"),
        ("[registry\nttl = 60\n", ":1: invalid TOML"),
    ],
)
def test_config_errors_name_the_file_line_and_key_and_the_rest_applies(tmp_path, text, expected):
    registry = make_registry(tmp_path, text + '[defaults]\nsmall = "openai/gpt-5-nano"\n')
    problems = registry.status().problems
    assert len(problems) == 1 and problems[0].startswith(str(tmp_path / "config.toml")) and expected in problems[0]
    if "invalid TOML" not in expected:
        assert registry.get_default("small").model == "openai/gpt-5-nano"  # the rest of the file applied


@pytest.mark.anyio
async def test_a_broken_config_never_stops_the_server_and_shows_through_mcp(tmp_path):
    registry = make_registry(tmp_path, "[providers.ollama\nname = 1\n", env={"OPENAI_API_KEY": "k"})
    async with Client(build_server(registry)) as client:
        providers = await client.call_tool("list_providers", {})
        status = await client.read_resource("models://status")
    assert providers.structured_content["providers"][0]["id"] == "openai"
    assert "invalid TOML" in providers.structured_content["problems"][0]
    assert "Problem: " in providers.content[0].text and "invalid TOML" in providers.content[0].text
    assert "invalid TOML" in json.loads(status.contents[0].text)["problems"][0]


@pytest.mark.anyio
async def test_the_config_is_applied_again_after_a_refresh(tmp_path, upstream):
    registry = make_registry(tmp_path, catalog_file=None, offline=False, url=upstream.url, cache_dir=tmp_path / "cache")
    assert "ollama" in registry.catalog and registry.catalog.model_count > 39
    result = await registry.refresh(force=True)
    assert result.outcome == "updated" and registry.status().source == "network"
    assert registry.get("ollama/gpt-5-local").model.limit.output == 64000
    assert registry.provider("openai").api == "https://llm-proxy.internal/v1"


def test_registry_settings_come_from_the_config_unless_a_variable_sets_them(tmp_path, monkeypatch):
    config = write_config(tmp_path, "[registry]\nttl = 60\nurl = 'http://127.0.0.1:9/api.json'\n")
    monkeypatch.setenv("MODELS_REGISTRY_CONFIG", str(config))
    monkeypatch.setenv("MODELS_REGISTRY_TTL", "120")
    registry = Registry(Settings.from_env(), env={})
    assert (registry.settings.ttl_seconds, registry.settings.url) == (120, "http://127.0.0.1:9/api.json")


def test_env_file_counts_for_credentials_and_its_values_never_show(tmp_path, capsys, monkeypatch):
    (tmp_path / "keys.env").write_text("# keys for the desktop host\nexport ANTHROPIC_API_KEY='canary-env-file-secret'\n")
    config = write_config(tmp_path, 'env_file = "keys.env"\n')  # relative to the config file
    monkeypatch.setenv("MODELS_REGISTRY_CONFIG", str(config))
    monkeypatch.setenv("MODELS_REGISTRY_CATALOG", str(MINI_CATALOG))
    assert main(["providers", "--json"]) == 0
    out = capsys.readouterr()
    assert [p["id"] for p in json.loads(out.out)["providers"]] == ["anthropic"]
    assert main(["recommend", "--json"]) == 0 and main(["default", "get"]) == 0
    out2 = capsys.readouterr()
    assert "canary-env-file-secret" not in out.out + out.err + out2.out + out2.err


def test_base_url_placeholders_are_never_filled_in_only_reported_by_name(tmp_path):
    text = '[providers.azure]\napi = "https://bob:${PROXY_PASSWORD}@${AZURE_RESOURCE_NAME}.example/${GATEWAY_PATH}"\n'
    env = {"AZURE_RESOURCE_NAME": "canary-resource", "PROXY_PASSWORD": "canary-password"}
    azure = make_registry(tmp_path, text, env=env).provider("azure")
    assert azure.api == "https://bob:${PROXY_PASSWORD}@${AZURE_RESOURCE_NAME}.example/${GATEWAY_PATH}"
    assert azure.api_placeholders == {"PROXY_PASSWORD": True, "AZURE_RESOURCE_NAME": True, "GATEWAY_PATH": False}
    assert "canary" not in azure.model_dump_json()


def test_cli_config_check_path_and_default_commands(tmp_path, capsys, monkeypatch):
    config = write_config(tmp_path, GOOD)
    monkeypatch.setenv("MODELS_REGISTRY_CONFIG", str(config))
    monkeypatch.setenv("MODELS_REGISTRY_CATALOG", str(MINI_CATALOG))
    monkeypatch.setenv("MODELS_REGISTRY_STATE_DIR", str(tmp_path / "state"))
    assert main(["config", "path"]) == 0 and capsys.readouterr().out.strip() == str(config)
    check = (main(["config", "check", "--json"]), json.loads(capsys.readouterr().out))
    assert check[0] == 0 and check[1]["problems"] == [] and check[1]["providers_from_config"] == ["openai", "ollama"]
    assert main(["default", "set", "openai/gpt-5-nano", "--role", "small"]) == 0
    assert "small: openai/gpt-5-nano from stored (set_default)" in capsys.readouterr().out
    got = (main(["default", "get", "--role", "small", "--json"]), json.loads(capsys.readouterr().out))
    assert got[0] == 0 and got[1]["usable"] is False and "OPENAI_API_KEY" in got[1]["reason"]
    assert main(["default", "set", "openai/gpt-5-nanno"]) == 1
    assert "Did you mean: openai/gpt-5-nano" in capsys.readouterr().err
    config.write_text(GOOD + "[registry]\nttl = -1\n")
    assert main(["config", "check"]) == 1
    assert "registry" in capsys.readouterr().out


CONCURRENT = """
import sys
from pathlib import Path
import anyio
from models_registry.registry import Registry
from models_registry.settings import Settings
worker, state, catalog = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
registry = Registry(Settings(catalog_file=catalog, state_dir=state, offline=True, config_file=None), env={})
models = ["openai/gpt-5", "openai/gpt-5-mini", "anthropic/claude-haiku-4-5"]
for n in range(50):
    anyio.run(lambda: registry.set_default(models[n % 3], role=f"w{worker}-r{n}"))
"""


def test_eight_processes_setting_defaults_at_once_lose_no_update(tmp_path):
    state = tmp_path / "state"
    workers = [
        subprocess.Popen([sys.executable, "-c", CONCURRENT, str(i), str(state), str(MINI_CATALOG)], stderr=subprocess.PIPE)
        for i in range(8)
    ]
    errors = [w.communicate(timeout=120)[1] for w in workers]
    assert [w.returncode for w in workers] == [0] * 8, errors
    roles = orjson.loads((state / "defaults.json").read_bytes())["roles"]
    assert len(roles) == 400 and roles["w7-r49"] == "openai/gpt-5-mini"


def test_the_readme_example_config_loads_cleanly_on_the_bundled_catalog(tmp_path):
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "keys.env").write_text("ANTHROPIC_API_KEY=from-the-env-file\n")
    config = write_config(tmp_path, example)
    registry = Registry(Settings(config_file=config, state_dir=tmp_path / "state", offline=True), env={"GATEWAY_TOKEN": "t"})
    assert registry.status().problems == []
    assert [p.id for p in registry.providers(available_only=True)] == ["anthropic", "gateway"]
    assert "xai" not in registry.catalog and registry.provider("openai").api == "https://llm-proxy.internal/v1"
    small = registry.get_default("small")
    assert (small.model, small.usable) == ("gateway/gpt-oss-20b", True)
    assert registry.get("gateway/gpt-oss-20b").model.limit == registry.get("lmstudio/openai/gpt-oss-20b").model.limit
    assert registry.settings.verify_on_start and registry.config.file.local.servers["llamacpp"].name == "llama.cpp"


@pytest.mark.parametrize(
    ("text", "check"),
    [
        # A bad item must not leave a shorter list that means something else.
        ('[providers.openai]\nenv = [1, "OPENAI_API_KEY"]\n', lambda r: not r.provider("openai").available),
        ('[registry]\nenabled_providers = [1, 2, "openai"]\n', lambda r: len(r.catalog) > 1),
    ],
)
def test_a_bad_item_drops_its_whole_list_once(tmp_path, text, check):
    registry = make_registry(tmp_path, text)
    problems = registry.status().problems
    assert len(problems) == 1 and problems[0].endswith("ignored") and check(registry)


def test_a_provider_id_with_a_slash_is_refused(tmp_path):
    registry = make_registry(tmp_path, '[providers."a/b"]\nenv = []\n')
    assert "a/b" not in registry.catalog
    assert "cannot contain '/'" in registry.status().problems[0]


@pytest.mark.anyio
async def test_a_refresh_of_the_same_catalog_is_no_change_with_a_config(tmp_path, upstream):
    text = '[registry]\ndisabled_providers = ["anthropic"]\n[providers.ollama]\nenv = []\n'
    registry = make_registry(tmp_path, text, catalog_file=None, offline=False, url=upstream.url, cache_dir=tmp_path / "c")
    first = await registry.refresh(force=True)
    upstream.etag = '"v2"'  # the same bytes under a new ETag: a full download, nothing changed
    second = await registry.refresh(force=True)
    assert first.outcome == "updated" and (second.outcome, second.changed) == ("updated", False)
    assert second.change.added == [] and second.change.removed == []


@pytest.mark.parametrize("env_file", ["bad.env", "~nosuchuser-here/keys.env"])
def test_an_unreadable_env_file_is_a_problem_not_a_crash(tmp_path, capsys, monkeypatch, env_file):
    (tmp_path / "bad.env").write_bytes(b"OPENAI_API_KEY=\xff\xfe\xfd\n")
    config = write_config(tmp_path, f'env_file = "{env_file}"\n')
    monkeypatch.setenv("MODELS_REGISTRY_CONFIG", str(config))
    monkeypatch.setenv("MODELS_REGISTRY_CATALOG", str(MINI_CATALOG))
    assert main(["providers"]) == 0
    assert main(["config", "check"]) == 1
    out = capsys.readouterr()
    assert "env_file" in out.out and "cannot be read" in out.out and "Traceback" not in out.err


def test_default_set_on_an_unwritable_state_dir_says_why(tmp_path, capsys, monkeypatch):
    (tmp_path / "file").write_text("not a directory")
    monkeypatch.setenv("MODELS_REGISTRY_CATALOG", str(MINI_CATALOG))
    monkeypatch.setenv("MODELS_REGISTRY_STATE_DIR", str(tmp_path / "file" / "state"))
    assert main(["default", "set", "openai/gpt-5", "--role", "small"]) == 1
    err = capsys.readouterr().err
    assert "Error: could not save the default (Not a directory); nothing was changed" in err
