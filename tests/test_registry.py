"""Registry queries over a real catalog file: providers, filters, lookups with '/', close matches, summary."""

import pytest

from models_registry.registry import Registry, UnknownModelError, split_model_ref
from models_registry.settings import Settings

from .conftest import MINI_CATALOG


def registry(env: dict[str, str] | None = None, tmp_path=None) -> Registry:
    return Registry(Settings(catalog_file=MINI_CATALOG, offline=True), env=env or {})


def test_summary_counts_available_providers_and_distinct_keys():
    summary = registry({"OPENAI_API_KEY": "k", "GEMINI_API_KEY": "k", "AWS_REGION": "us-east-1"}).summary()
    assert summary.text == "2 providers available, 2 API keys configured"
    assert registry().summary().text == "0 providers available, 0 API keys configured"


def test_providers_lists_available_first_with_variable_names():
    providers = registry({"OPENAI_API_KEY": "k"}).providers()
    assert [p.id for p in providers[:2]] == ["openai", "amazon-bedrock"]
    azure = next(p for p in providers if p.id == "azure")
    assert not azure.available and azure.credentials.missing == ["AZURE_RESOURCE_NAME", "AZURE_API_KEY"]


def test_available_only_hides_unconfigured_providers():
    ids = [p.id for p in registry({"ANTHROPIC_API_KEY": "k", "LMSTUDIO_API_KEY": "k"}).providers(available_only=True)]
    assert ids == ["anthropic", "lmstudio"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"provider": "openai", "capabilities": ["reasoning"]}, ["gpt-5", "gpt-5-mini", "gpt-5-nano", "o3", "o4-mini"]),
        ({"provider": "openai", "min_context": 1_000_000}, ["gpt-4.1", "gpt-4.1-mini"]),
        ({"provider": "openai", "max_input_cost": 0.1}, ["gpt-5-nano", "text-embedding-3-small"]),
        ({"provider": "google", "input_modalities": ["pdf", "video"]}, ["gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.5-pro"]),
        ({"provider": "openai", "query": "gpt 4.1"}, ["gpt-4.1", "gpt-4.1-mini"]),
    ],
)
def test_models_filters(filters, expected):
    assert [e.model.id for e in registry().models(**filters)] == expected


def test_deprecated_models_only_on_request():
    reg = registry()
    assert "openrouter/mistralai/devstral-2512" not in [e.ref for e in reg.models(provider="openrouter")]
    assert "openrouter/mistralai/devstral-2512" in [e.ref for e in reg.models(provider="openrouter", include_deprecated=True)]


def test_a_price_cap_excludes_models_without_a_price(tmp_path):
    reg = Registry(Settings(offline=True, cache_dir=tmp_path), env={})  # the snapshot has unpriced models
    assert all(e.model.cost is not None for e in reg.models(max_input_cost=1000))
    assert any(e.model.cost is None for e in reg.models())


def test_unknown_capability_names_the_allowed_values():
    with pytest.raises(ValueError, match="allowed: tool_call, reasoning"):
        registry().models(capabilities=["telepathy"])


def test_get_resolves_model_ids_containing_a_slash():
    entry = registry().get("openrouter/anthropic/claude-haiku-4.5")
    assert (entry.provider_id, entry.model.id) == ("openrouter", "anthropic/claude-haiku-4.5")


def test_get_unknown_model_offers_close_matches():
    with pytest.raises(UnknownModelError) as err:
        registry().get("openai/gpt-5-mimi")
    assert err.value.matches[0] == "openai/gpt-5-mini"
    with pytest.raises(UnknownModelError) as bare:
        registry().get("gpt-5")
    assert {"openai/gpt-5", "azure/gpt-5", "openrouter/openai/gpt-5"} <= set(bare.value.matches)


def test_unknown_provider_offers_close_matches():
    with pytest.raises(LookupError, match="Did you mean: openai"):
        registry().models(provider="opnai")


def test_split_model_ref_splits_on_the_first_slash():
    assert split_model_ref("openrouter/openai/gpt-5") == ("openrouter", "openai/gpt-5")
    with pytest.raises(ValueError):
        split_model_ref("gpt-5")


def test_a_registry_no_longer_used_is_freed_at_once(tmp_path):
    """No reference cycle keeps a dropped registry (and its catalog) alive until a full collection: with a
    10x catalog, one such cycle made the next registry's start wait ~200 ms on the collector."""
    import gc
    import weakref

    settings = Settings(catalog_file=MINI_CATALOG, cache_dir=tmp_path / "c", state_dir=tmp_path / "s", config_file=None)
    registry = Registry(settings, env={"OPENAI_API_KEY": "sk-test"})
    registry.get_default()  # touches the catalog, the ranking rows and the defaults store
    gone = weakref.ref(registry)
    gc.disable()
    try:
        del registry
        assert gone() is None
    finally:
        gc.enable()


@pytest.mark.parametrize(
    ("key", "ranked_first", "default"),
    [
        # recommend_model's first pick is the ChatGPT alias (it moves with ChatGPT) and a preview: a default
        # that is used call after call names the next of the top three, a stable model.
        ("OPENAI_API_KEY", "openai/gpt-5.3-chat-latest", "openai/gpt-5.4"),
        ("GEMINI_API_KEY", "google/gemini-3-flash-preview", "google/gemini-3.5-flash"),
    ],
)
def test_a_fallback_default_names_a_stable_model_not_an_alias_or_a_preview(tmp_path, key, ranked_first, default):
    from models_registry.recommend import RecommendRequest

    settings = Settings(offline=True, cache_dir=tmp_path / "c", state_dir=tmp_path / "s", config_file=None, local=False)
    registry = Registry(settings, env={key: "sk-test"})  # the bundled snapshot
    first = registry.recommend(RecommendRequest(kind="chat", capabilities=("tool_call",), limit=1))
    assert first.recommendations[0].model == ranked_first
    info = registry.get_default()
    assert (info.model, info.source, info.usable) == (default, "fallback", True)
