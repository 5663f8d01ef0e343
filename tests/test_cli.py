"""The models-registry CLI: through main(argv) for output, and as a real process for the network and secret checks."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from models_registry.cli import main
from models_registry.sources import snapshot_dir

from .conftest import CREDENTIAL_VARIABLES, MINI_CATALOG


def run_json(capsys, *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_status_json_offline_reports_the_snapshot(capsys, monkeypatch):
    monkeypatch.setenv("MODELS_REGISTRY_OFFLINE", "1")
    meta = json.loads((snapshot_dir() / "metadata.json").read_text())
    status = run_json(capsys, "status")
    assert (status["source"], status["providers"], status["models"]) == ("snapshot", meta["providers"], meta["models"])
    assert status["offline"] is True and status["stale"] is True


def test_providers_json_lists_configured_providers_by_variable_name(capsys, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "g-secret")
    out = run_json(capsys, "providers")
    assert out["summary"] == "1 provider available, 1 API key configured"  # list_providers' shape
    [google] = out["providers"]
    assert google["id"] == "google" and google["credentials"]["satisfied_by"] == ["GEMINI_API_KEY"]


def test_providers_without_keys_says_how_to_set_one(capsys):
    assert main(["providers"]) == 0
    out = capsys.readouterr()
    assert "0 providers available" in out.out and "OPENAI_API_KEY" in out.out
    assert "models-registry refresh" in out.err  # the snapshot is stale, and the note says how to fix it


def test_models_json_applies_filters(capsys, monkeypatch):
    monkeypatch.setenv("MODELS_REGISTRY_CATALOG", str(MINI_CATALOG))
    out = run_json(capsys, "models", "--all", "-p", "openai", "-c", "reasoning", "--min-context", "400000")
    assert [m["model"] for m in out["providers"]["openai"]] == ["openai/gpt-5", "openai/gpt-5-mini", "openai/gpt-5-nano"]
    assert out["total"] == 3 and "next_offset" not in out  # list_models' shape: the last page has none


def test_models_human_table_shows_badges(capsys, monkeypatch):
    monkeypatch.setenv("MODELS_REGISTRY_CATALOG", str(MINI_CATALOG))
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    assert main(["models", "-q", "gpt-5-mini"]) == 0
    out = capsys.readouterr().out
    assert "openai (configured)" in out  # grouped by provider, with its state
    row = next(line for line in out.splitlines() if line.startswith("openai/gpt-5-mini "))
    assert row.split() == ["openai/gpt-5-mini", "400,000", "0.25", "2", "tools", "reasoning", "files", "json"]
    assert "\x1b[" not in out  # no colour codes when stdout is not a terminal


def test_show_unknown_model_is_one_line_with_close_matches(capsys):
    assert main(["show", "openai/gpt-5-mimi"]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("Error: Unknown model 'openai/gpt-5-mimi'. Did you mean: openai/gpt-5-mini")


def test_show_model_with_a_slash_in_its_id(capsys):
    out = run_json(capsys, "show", "openrouter/anthropic/claude-haiku-4.5")
    assert out["details"]["id"] == "anthropic/claude-haiku-4.5"  # get_model's shape


def test_recommend_json_applies_task_hints_and_only_offers_callable_models(capsys, monkeypatch):
    monkeypatch.setenv("MODELS_REGISTRY_CATALOG", str(MINI_CATALOG))
    monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
    out = run_json(capsys, "recommend", "describe screenshots", "-n", "2")
    assert [h["effect"] for h in out["applied_hints"]] == [
        "category = vision (ranks by the vision column)",
        "input_modalities += image",
    ]
    assert [r["rank"] for r in out["recommendations"]] == [1, 2]
    assert all(r["model"].startswith("anthropic/") and r["available"] for r in out["recommendations"])


def test_recommend_human_output_explains_and_fails_clearly_when_nothing_fits(capsys, monkeypatch):
    monkeypatch.setenv("MODELS_REGISTRY_CATALOG", str(MINI_CATALOG))
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    assert main(["recommend", "--optimize", "cost", "-c", "reasoning"]) == 0
    out = capsys.readouterr().out
    assert "1. openai/" in out and "score" in out and "LM Arena's rating scale" in out
    assert main(["recommend", "--max-input-cost", "0.0001"]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("Error: Nothing fits: 'input price over 0.0001 or unknown' removed the last candidates.")
    assert "max_input_cost >= " in err


def test_refresh_fetches_and_reports_changes(capsys, monkeypatch, upstream):
    monkeypatch.setenv("MODELS_REGISTRY_URL", upstream.url)
    out = run_json(capsys, "refresh")
    assert out["result"]["outcome"] == "updated" and out["status"]["models"] == 39
    assert run_json(capsys, "refresh")["result"]["outcome"] == "not_modified"


def test_refresh_failure_exits_1_and_keeps_the_catalog(capsys, monkeypatch, refused_url):
    monkeypatch.setenv("MODELS_REGISTRY_URL", refused_url)
    assert main(["refresh"]) == 1
    err = capsys.readouterr().err
    assert "Error: refresh failed: connection refused; the last good catalog is kept" in err


def test_snapshot_update_writes_a_verifiable_snapshot(capsys, tmp_path):
    out = run_json(capsys, "snapshot", "update", "--from", str(MINI_CATALOG), "--date", "2026-01-02", "--dir", str(tmp_path))
    assert (out["providers"], out["models"], out["date"]) == (10, 39, "2026-01-02")
    from models_registry.sources import load_snapshot

    assert load_snapshot(tmp_path).catalog.model_count == 39


def cli(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "models_registry", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_one_shot_commands_never_wait_on_an_upstream_that_never_answers(silent_server):
    env = {**os.environ, "MODELS_REGISTRY_URL": silent_server.url}
    result = cli("providers", "--json", env=env, timeout=30)
    assert result.returncode == 0 and json.loads(result.stdout)["providers"] == []
    assert silent_server.connections == []  # the network is not on the start-up path


def test_secret_values_never_appear_in_output_or_files(upstream, tmp_path):
    canaries = {name: f"canary-{i}-{name.lower()}" for i, name in enumerate(CREDENTIAL_VARIABLES)}
    env = {**os.environ, **canaries, "MODELS_REGISTRY_URL": upstream.url}
    runs = [
        ("-v", "status", "--json"),
        ("-v", "providers", "--all"),
        ("providers", "--all", "--json"),
        ("models", "--json", "--limit", "0"),
        ("models", "--all", "-c", "tool_call"),
        ("show", "amazon-bedrock/no-such-model"),
        ("show", "azure/gpt-5", "--json"),
        ("recommend", "code review", "--all", "--json"),
        ("-v", "refresh", "--json"),
        ("-v", "refresh"),
    ]
    upstream.fault = None
    outputs = [cli(*args, env=env) for args in runs]
    upstream.fault = "http_500"
    outputs.append(cli("-v", "refresh", env=env))
    assert outputs[1].returncode == 0 and "AZURE_API_KEY" in outputs[1].stdout  # names are shown
    texts = [o.stdout + o.stderr for o in outputs]
    texts += [p.read_bytes().decode(errors="replace") for p in Path(env["MODELS_REGISTRY_CACHE_DIR"]).rglob("*") if p.is_file()]
    leaks = [value for value in canaries.values() for text in texts if value in text]
    assert leaks == []


@pytest.mark.skipif(shutil.which("script") is None, reason="util-linux `script` (a pseudo-terminal) is missing")
@pytest.mark.parametrize("no_color", [False, True])
def test_tables_are_coloured_in_a_terminal_unless_no_color_is_set(tmp_path, no_color):
    env = {**os.environ, "MODELS_REGISTRY_CATALOG": str(MINI_CATALOG), "OPENAI_API_KEY": "k", "TERM": "xterm"}
    if no_color:
        env["NO_COLOR"] = "1"
    command = f"{sys.executable} -m models_registry providers"
    out = subprocess.run(["script", "-qc", command, "/dev/null"], env=env, capture_output=True, text=True, timeout=60).stdout
    colours = re.findall(r"\x1b\[(3[0-7]|9[0-7])m", out)  # foreground colours; bold is not a colour
    assert "openai" in out and "✓ yes" in out
    assert (colours == []) == no_color
