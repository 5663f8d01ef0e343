"""Verification's own parts: which endpoint a key may go to, and what each provider answer becomes.

Against tests/fake_providers.py on 127.0.0.1. The Registry, CLI and MCP tool that use this
are tested in tests/test_verify_surfaces.py.
"""

from __future__ import annotations

import pytest

from models_registry.verify import Endpoint, VerifyJob, VerifyLimits, VerifyState, plan_endpoint, verify_all

from . import fake_providers
from .fake_providers import GOOD_KEY, HUGE_LISTING

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake():
    yield from fake_providers.serve()


def job(fake, prefix: str, shape: str = "openai", key: str = GOOD_KEY, provider_id: str | None = None) -> VerifyJob:
    base = fake.base(prefix) + ("/v1beta" if shape == "google" else "/v1")
    return VerifyJob(provider_id or prefix, Endpoint(shape, f"{base}/models"), key)


SHORT = VerifyLimits(timeout=2)


async def check(*jobs: VerifyJob, limits: VerifyLimits = SHORT) -> dict:
    return await verify_all(list(jobs), limits)


# --- where a key may go ---------------------------------------------------------------------------


def test_the_endpoint_comes_from_the_trusted_entry_and_the_package():
    openai = plan_endpoint("openai", {"npm": "@ai-sdk/openai"}, None, {})
    assert openai == Endpoint("openai", "https://api.openai.com/v1/models")
    google = plan_endpoint("google", {"npm": "@ai-sdk/google"}, None, {})
    assert google == Endpoint("google", "https://generativelanguage.googleapis.com/v1beta/models")
    deepseek = plan_endpoint("deepseek", {"npm": "@ai-sdk/openai-compatible", "api": "https://api.deepseek.com"}, None, {})
    assert deepseek == Endpoint("openai", "https://api.deepseek.com/models")
    assert Endpoint("google", "x").headers("k") == {"x-goog-api-key": "k"}
    assert Endpoint("anthropic", "x").headers("k")["x-api-key"] == "k"


@pytest.mark.parametrize(
    ("provider_id", "trusted", "current", "settings", "says"),
    [
        ("amazon-bedrock", {"npm": "@ai-sdk/amazon-bedrock"}, None, {}, "SigV4"),
        ("google-vertex", {"npm": "@ai-sdk/google-vertex"}, None, {}, "OAuth"),
        ("newcomer", None, "https://evil.example/v1", {}, "comes only from a fetched catalog"),
        ("openai", {"npm": "@ai-sdk/openai"}, "http://127.0.0.1:9/v1", {}, "moves its base URL from api.openai.com to 127.0.0.1"),
        ("cohere", {"npm": "@ai-sdk/cohere"}, None, {}, "no known model-listing endpoint"),
        ("plain", {"npm": "@ai-sdk/openai-compatible", "api": "http://models.example/v1"}, None, {}, "keys go over https"),
        ("azure-ish", {"npm": "@ai-sdk/openai-compatible", "api": "https://${RESOURCE}.example/v1"}, None, {}, "needs RESOURCE"),
    ],
)
def test_a_key_is_not_sent_where_it_does_not_belong(provider_id, trusted, current, settings, says):
    planned = plan_endpoint(provider_id, trusted, current, settings)
    assert isinstance(planned, str) and planned.startswith("not checked") and says in planned


def test_placeholders_fill_from_settings_and_loopback_http_is_allowed():
    trusted = {"npm": "@ai-sdk/openai-compatible", "api": "http://127.0.0.1:${PORT}/v1"}
    assert plan_endpoint("local", trusted, None, {"PORT": "8080"}) == Endpoint("openai", "http://127.0.0.1:8080/v1/models")


# --- what the answers become ------------------------------------------------------------------------


async def test_each_shape_verifies_a_good_key_and_lists_what_it_sees(fake):
    results = await check(job(fake, "openai"), job(fake, "anthropic", "anthropic"), job(fake, "google", "google"))
    assert {pid: r.state for pid, r in results.items()} == dict.fromkeys(("openai", "anthropic", "google"), "verified")
    assert results["openai"].models == ["gpt-4.1", "gpt-5", "gpt-5-mini"]
    assert results["google"].models == ["gemini-2.5-flash", "gemini-2.5-pro"]  # "models/" dropped
    [google] = fake.seen_at("google")
    assert "key" not in google.query and google.headers["x-goog-api-key"] == GOOD_KEY  # a header, never the URL


async def test_a_rejected_key_says_so_in_the_providers_words_without_the_key(fake):
    wrong = "sk-wrong-9876543210zyxwvutsrq"
    results = await check(job(fake, "openai", key=wrong), job(fake, "anthropic", "anthropic", key=wrong))
    openai = results["openai"]
    assert openai.state == "rejected" and openai.message.startswith("HTTP 401: Incorrect API key provided")
    assert all(wrong not in r.model_dump_json() for r in results.values())
    assert results["anthropic"].message == "HTTP 401: invalid x-api-key"


@pytest.mark.parametrize(
    ("prefix", "state", "says"),
    [
        ("429", VerifyState.RATE_LIMITED, "rate limited"),
        ("hang", VerifyState.UNREACHABLE, "no answer within 0.5 s"),
        ("garbage", VerifyState.UNREACHABLE, "not a model listing"),
        ("redirect", VerifyState.UNREACHABLE, "redirected"),
    ],
)
async def test_faults_become_states_and_no_redirect_carries_the_key(fake, prefix, state, says):
    results = await check(job(fake, prefix), limits=VerifyLimits(timeout=0.5))
    assert results[prefix].state == state and says in results[prefix].message
    assert fake.seen_at("attacker") == []


async def test_an_unreachable_provider_and_a_huge_listing(fake, refused_url):
    refused = VerifyJob("gone", Endpoint("openai", refused_url.replace("/api.json", "/v1/models")), GOOD_KEY)
    results = await check(refused, job(fake, "huge"))
    assert results["gone"].state == "unreachable" and results["gone"].message == "could not connect"
    assert results["huge"].state == "verified" and len(results["huge"].models) == HUGE_LISTING


async def test_providers_are_checked_concurrently_within_the_pool(fake):
    fake.latency = 0.3
    jobs = [job(fake, "openai", provider_id=f"p{n}") for n in range(12)]
    results = await check(*jobs, limits=VerifyLimits(timeout=5, concurrency=5))
    assert {r.state for r in results.values()} == {"verified"}
    assert fake.most_in_flight == 5  # overlapping, and never more than the pool allows


async def test_without_a_key_or_an_endpoint_nothing_is_sent(fake):
    results = await check(VerifyJob("x", None, GOOD_KEY, "not checked: because"), VerifyJob("y", job(fake, "openai").endpoint, None))
    assert results["x"].message == "not checked: because" and results["y"].state == "not_checkable"
    assert fake.seen == []
