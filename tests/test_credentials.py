"""Credential groups: any-of, all-of, alternatives and settings, judged on names only."""

import pytest

from models_registry.credentials import KNOWN_RULES, check_credentials, rule_for
from models_registry.sources import load_snapshot


def status(provider_id: str, env: dict[str, str]):
    raw = load_snapshot().catalog.raw[provider_id]
    return check_credentials(rule_for(provider_id, raw["env"]), env)


@pytest.mark.parametrize(
    ("provider_id", "env", "configured"),
    [
        ("google", {"GEMINI_API_KEY": "k"}, True),  # any one of three
        ("google", {"GOOGLE_GENERATIVE_AI_API_KEY": "k"}, True),
        ("google", {}, False),
        ("azure", {"AZURE_API_KEY": "k"}, False),  # all-of: the key alone is not enough
        ("azure", {"AZURE_API_KEY": "k", "AZURE_RESOURCE_NAME": "r"}, True),
        ("amazon-bedrock", {"AWS_REGION": "us-east-1"}, False),  # a region is no credential
        ("amazon-bedrock", {"AWS_ACCESS_KEY_ID": "a"}, False),  # half a key pair
        ("amazon-bedrock", {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s"}, True),
        ("amazon-bedrock", {"AWS_BEARER_TOKEN_BEDROCK": "t"}, True),  # the alternative
        ("amazon-bedrock", {"AWS_PROFILE": "work"}, True),  # a named profile
        ("google-vertex", {"GOOGLE_VERTEX_LOCATION": "us-east5"}, False),  # location is a setting
        ("google-vertex", {"GOOGLE_VERTEX_PROJECT": "p", "GOOGLE_APPLICATION_CREDENTIALS": "/k.json"}, True),
        ("cloudflare-workers-ai", {"CLOUDFLARE_API_KEY": "k"}, False),
        ("openai", {"OPENAI_API_KEY": ""}, False),  # empty counts as unset
        ("openai", {"OPENAI_API_KEY": "   "}, False),  # so does blank
        ("openai", {"OPENAI_API_KEY": "sk-1"}, True),
    ],
)
def test_provider_configured_when_one_complete_group_is_set(provider_id, env, configured):
    assert status(provider_id, env).configured is configured


def test_status_names_the_satisfying_and_missing_variables_never_values():
    ok = status("azure", {"AZURE_API_KEY": "secret-value-1", "AZURE_RESOURCE_NAME": "secret-value-2"})
    assert ok.satisfied_by == ["AZURE_RESOURCE_NAME", "AZURE_API_KEY"]
    assert "secret-value" not in ok.model_dump_json()
    missing = status("azure", {"AZURE_API_KEY": "secret-value-1"})
    assert missing.missing == ["AZURE_RESOURCE_NAME"]
    assert "secret-value" not in missing.model_dump_json()


def test_bedrock_reports_the_region_as_a_setting():
    assert status("amazon-bedrock", {}).settings == ["AWS_REGION"]


def test_provider_needing_no_credential_counts_as_configured():
    result = check_credentials(rule_for("local-vllm", []), {})
    assert result.configured and not result.needs_credential


def test_every_multi_variable_provider_in_the_snapshot_has_an_explicit_rule():
    multi = {pid for pid, p in load_snapshot().catalog.raw.items() if len(p["env"]) > 1}
    assert multi <= KNOWN_RULES.keys(), f"add credential rules for {sorted(multi - KNOWN_RULES.keys())}"


def test_environment_is_read_at_each_call(monkeypatch):
    assert not status("openai", None).configured
    monkeypatch.setenv("OPENAI_API_KEY", "sk-later")
    assert status("openai", None).configured
