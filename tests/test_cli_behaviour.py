"""The CLI behaves like the tools it stands beside (issue 14).

It rejects the argument values the MCP tools reject, with the tools' message; `config check`
fails on a default naming a model the catalog lacks and reports each problem once; a command
says the catalog is stale at most once, and `refresh` reports its own failure once; the last
refresh outcome survives the process (for `status` and models://status); recommend's header
counts the models it chose among.
"""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys

import anyio
import pytest
from mcp.client import Client

from models_registry.cli import main
from models_registry.mcp_server import build_server
from models_registry.registry import Registry
from models_registry.settings import Settings

from .conftest import MINI_CATALOG

LONG = "x" * 2001


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of the CLI; argparse's usage errors exit through SystemExit."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def tool_error(tmp_path, tool: str, arguments: dict) -> str:
    """What the MCP tool says when it rejects `arguments`: pydantic's message, or the ToolError's."""

    async def call() -> str:
        settings = Settings(catalog_file=MINI_CATALOG, cache_dir=tmp_path / "c", state_dir=tmp_path / "s")
        registry = Registry(settings, env={"OPENAI_API_KEY": "k"})
        async with Client(build_server(registry)) as client:
            result = await client.call_tool(tool, arguments)
        assert result.is_error, result
        return result.content[0].text

    text = anyio.run(call).removeprefix(f"Error executing tool {tool}: ")
    if re.match(r"\d+ validation error", text):
        return text.splitlines()[2].strip().split(" [type=")[0]  # "Input should be ..."
    return text.removesuffix(" Call list_models(query=...) to search.")


# (CLI arguments, tool, its arguments, exit code): 2 for a value the tool's schema rejects
# (a usage error, found before the catalog is read), 1 for a name the catalog lacks.
# fmt: off
SAME_REJECTIONS = [
    (["models", "-m", "smell"], "list_models", {"input_modalities": ["smell"]}, 2),
    (["models", "-c", "telepathy"], "list_models", {"capabilities": ["telepathy"]}, 2),
    (["models", "--kind", "toaster"], "list_models", {"kind": "toaster"}, 2),
    (["models", "--min-context", "-1"], "list_models", {"min_context": -1}, 2),
    (["models", "--min-context", "lots"], "list_models", {"min_context": "lots"}, 2),
    (["models", "--min-context", str(10**10)], "list_models", {"min_context": 10**10}, 2),
    (["models", "--max-input-cost", "-1"], "list_models", {"max_input_cost": -1}, 2),
    (["models", "--max-input-cost", "1e7"], "list_models", {"max_input_cost": 1e7}, 2),
    (["models", "-q", "x" * 201], "list_models", {"query": "x" * 201}, 2),
    (["models", "-p", "opnai"], "list_models", {"provider": "opnai"}, 1),
    (["recommend", "-m", "smell"], "recommend_model", {"input_modalities": ["smell"]}, 2),
    (["recommend", "--output-modality", "hologram"], "recommend_model", {"output_modalities": ["hologram"]}, 2),
    (["recommend", "-c", "telepathy"], "recommend_model", {"capabilities": ["telepathy"]}, 2),
    (["recommend", "--kind", "toaster"], "recommend_model", {"kind": "toaster"}, 2),
    (["recommend", "--optimize", "speed"], "recommend_model", {"optimize": "speed"}, 2),
    (["recommend", "-n", "0"], "recommend_model", {"limit": 0}, 2),
    (["recommend", "-n", "51"], "recommend_model", {"limit": 51}, 2),
    (["recommend", "--min-output", str(10**10)], "recommend_model", {"min_output": 10**10}, 2),
    (["recommend", "--input-tokens", "-5"], "recommend_model", {"expected_input_tokens": -5}, 2),
    (["recommend", "--output-tokens", str(10**10)], "recommend_model", {"expected_output_tokens": 10**10}, 2),
    (["recommend", "--max-output-cost", "1e7"], "recommend_model", {"max_output_cost": 1e7}, 2),
    (["recommend", LONG], "recommend_model", {"task": LONG}, 2),
    (["recommend", "-p", "opnai"], "recommend_model", {"providers": ["opnai"]}, 1),
    (["show", "x" * 301], "get_model", {"model": "x" * 301}, 2),
    (["show", "openai/gpt-5-mimi"], "get_model", {"model": "openai/gpt-5-mimi"}, 1),
    (["default", "get", "--role", "Bad Role"], "get_default", {"role": "Bad Role"}, 2),
    (["default", "get", "--role", "x" * 33], "get_default", {"role": "x" * 33}, 2),
    (["default", "set", "x" * 301], "set_default", {"model": "x" * 301}, 2),
    (["default", "set", "opnai/gpt-5", "--role", "small"], "set_default", {"model": "opnai/gpt-5", "role": "small"}, 1),
]
# fmt: on


@pytest.mark.parametrize(("argv", "tool", "arguments", "code"), SAME_REJECTIONS, ids=lambda v: str(v)[:40])
def test_the_cli_rejects_what_the_tool_rejects_with_the_same_message(
    capsys, monkeypatch, tmp_path, argv, tool, arguments, code
):
    monkeypatch.setenv("MODELS_REGISTRY_CATALOG", str(MINI_CATALOG))
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    message = tool_error(tmp_path, tool, arguments)
    got, out, err = run(capsys, *argv)
    assert (got, out) == (code, "")
    assert len(err.strip().splitlines()) == 1 and err.startswith("Error: "), err
    assert message in err, (message, err)


def test_models_limit_is_rows_to_show_and_never_negative(capsys, monkeypatch):
    monkeypatch.setenv("MODELS_REGISTRY_CATALOG", str(MINI_CATALOG))
    code, _, err = run(capsys, "models", "--all", "--limit", "-1")
    assert code == 2 and "Input should be greater than or equal to 0" in err
    assert run(capsys, "models", "--all", "--limit", "0", "--json")[0] == 0


# --- config check -----------------------------------------------------------------------------


def write_config(tmp_path, monkeypatch, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text)
    monkeypatch.setenv("MODELS_REGISTRY_CONFIG", str(path))
    monkeypatch.setenv("MODELS_REGISTRY_CATALOG", str(MINI_CATALOG))
    return path


def test_config_check_fails_on_a_default_naming_an_unknown_provider_or_model(capsys, monkeypatch, tmp_path):
    write_config(tmp_path, monkeypatch, '[defaults]\ntypo = "opnai/gpt-4o"\nsmall = "openai/gpt-5-nanoo"\nok = "openai/gpt-5"\n')
    code, out, err = run(capsys, "config", "check")
    assert code == 1
    problems = [line for line in out.splitlines() if line.startswith("problem:")]
    assert len(problems) == 2
    assert ":2 defaults.typo: Unknown model 'opnai/gpt-4o'. Did you mean: openai/gpt-4o" in problems[0]
    assert ":3 defaults.small: Unknown model 'openai/gpt-5-nanoo'. Did you mean: openai/gpt-5-nano" in problems[1]
    assert err.strip() == "Error: 2 problems in the config; the rest of it applies"
    code, out, _ = run(capsys, "config", "check", "--json")
    assert code == 1 and len(json.loads(out)["problems"]) == 2


def test_config_check_on_invalid_toml_reports_it_once_and_says_none_of_it_applies(capsys, monkeypatch, tmp_path):
    write_config(tmp_path, monkeypatch, '[defaults\ntypo = "opnai/gpt-4o"\n')
    code, out, err = run(capsys, "config", "check")
    assert code == 1
    assert (out + err).count("invalid TOML") == 1
    assert "the rest of it applies" not in out + err
    assert err.strip() == "Error: the config cannot be used; none of it applies"


def test_config_check_accepts_defaults_at_config_providers(capsys, monkeypatch, tmp_path):
    text = '[providers.ollama]\nenv = []\n[providers.ollama.models.m]\ninherit = "openai/gpt-5-nano"\n[defaults]\nsmall = "ollama/m"\n'
    write_config(tmp_path, monkeypatch, text)
    assert run(capsys, "config", "check")[0] == 0


# --- stale note and refresh -------------------------------------------------------------------


def test_a_command_says_the_catalog_is_stale_once(capsys, monkeypatch):
    monkeypatch.setenv("MODELS_REGISTRY_OFFLINE", "1")
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    for argv in (["providers"], ["recommend", "coding", "-n", "1"], ["default", "get"]):
        code, out, err = run(capsys, *argv)
        assert code == 0 and (out + err).count("stale") == 1, (argv, out, err)
        assert "note: the catalog" in err


def test_a_failed_refresh_says_so_once_and_no_stale_note(capsys, monkeypatch, refused_url):
    monkeypatch.setenv("MODELS_REGISTRY_URL", refused_url)
    code, out, err = run(capsys, "refresh")
    assert (code, out) == (1, "")
    assert err.splitlines() == ["Error: refresh failed: connection refused; the last good catalog is kept"]


# --- the last refresh, across processes -------------------------------------------------------


def test_status_in_a_new_process_shows_the_last_refresh_failure_and_when(capsys, monkeypatch, refused_url):
    monkeypatch.setenv("MODELS_REGISTRY_URL", refused_url)
    assert run(capsys, "refresh")[0] == 1
    status = subprocess.run(
        [sys.executable, "-m", "models_registry", "status"], capture_output=True, text=True, timeout=60, check=True
    )
    line = next(line for line in status.stdout.splitlines() if line.startswith("last refresh:"))
    assert re.fullmatch(r"last refresh: failed at \d{4}-\d\d-\d\d \d\d:\d\d UTC \(connection refused\)", line), line
    code, out, _ = run(capsys, "status", "--json")
    assert code == 0
    last = json.loads(out)["last_refresh"]
    assert (last["outcome"], last["error"]) == ("failed", "connection refused") and last["at"]


@pytest.mark.anyio
async def test_models_status_after_a_restart_shows_the_last_refresh(tmp_path, upstream):
    settings = Settings(url=upstream.url, cache_dir=tmp_path / "cache", state_dir=tmp_path / "state", config_file=None)
    await Registry(settings, env={}).refresh(force=True)
    upstream.fault = "http_500"
    failed = await Registry(settings, env={}).refresh(force=True)
    async with Client(build_server(Registry(settings, env={}))) as client:
        status = json.loads((await client.read_resource("models://status")).contents[0].text)
    assert status["last_refresh"]["outcome"] == "failed" and status["last_refresh"]["error"] == failed.error
    assert status["source"] == "cache"  # the catalog the first refresh stored


@pytest.mark.parametrize("fault", ["empty", "garbage", "wrong shape", "directory"])
def test_a_broken_last_refresh_record_is_ignored(tmp_path, fault):
    cache = tmp_path / "cache"
    cache.mkdir()
    record = cache / "last-refresh.json"
    if fault == "directory":
        record.mkdir()
    else:
        record.write_bytes({"empty": b"", "garbage": b"\x00\xff{{{", "wrong shape": b'{"outcome": 7}'}[fault])
    registry = Registry(Settings(cache_dir=cache, state_dir=tmp_path / "state", offline=True, config_file=None), env={})
    status = registry.status()
    assert status.last_refresh is None and status.models > 0


@pytest.mark.anyio
async def test_a_failed_write_keeps_the_previous_record(tmp_path, upstream, monkeypatch):
    settings = Settings(url=upstream.url, cache_dir=tmp_path / "cache", state_dir=tmp_path / "state", config_file=None)
    await Registry(settings, env={}).refresh(force=True)
    before = (tmp_path / "cache" / "last-refresh.json").read_bytes()
    upstream.fault = "http_500"

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_disk)
    result = await Registry(settings, env={}).refresh(force=True)
    assert result.outcome == "failed"
    monkeypatch.undo()
    assert (tmp_path / "cache" / "last-refresh.json").read_bytes() == before
    assert Registry(settings, env={}).status().last_refresh.outcome == "updated"


@pytest.mark.anyio
async def test_the_record_holds_no_url_credentials(tmp_path, upstream):
    url = upstream.url.replace("http://", "http://bob:hunter2@") + "?key=sekrit"
    settings = Settings(url=url, cache_dir=tmp_path / "cache", state_dir=tmp_path / "state", config_file=None)
    upstream.fault = "http_500"
    await Registry(settings, env={}).refresh(force=True)
    text = (tmp_path / "cache" / "last-refresh.json").read_text()
    assert "hunter2" not in text and "sekrit" not in text and "failed" in text


# --- recommend's header ----------------------------------------------------------------------


def test_the_recommend_header_counts_callable_models(capsys, monkeypatch):
    monkeypatch.setenv("MODELS_REGISTRY_CATALOG", str(MINI_CATALOG))
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    registry = Registry(Settings.from_env())
    callable_chat = len(registry.models(available_only=True, kind="chat", include_deprecated=True))
    everything = registry.catalog.model_count
    assert 0 < callable_chat < everything
    code, out, _ = run(capsys, "recommend", "coding", "-n", "2")
    assert code == 0
    header = f"Top 2 of {callable_chat} callable chat models for a coding task ({everything:,} in the catalog):"
    assert header in out.splitlines()
    assert f"{everything} models considered" not in out
    code, out, _ = run(capsys, "recommend", "coding", "-n", "2", "--all")
    all_chat = len(registry.models(kind="chat", include_deprecated=True))
    assert f"Top 2 of {all_chat} chat models for a coding task ({everything:,} in the catalog):" in out.splitlines()
