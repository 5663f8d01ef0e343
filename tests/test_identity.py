"""Model identity across providers (models_registry.recommend.identity): which offerings are the same model
(canonical_id), which are free tiers (is_free_tier), and the region of a Bedrock inference profile
(bedrock_region). Every id below is a real id from the bundled catalog; canonical_id's format is the
implementation's, so only equality between pairs is tested.
"""

from __future__ import annotations

import pytest

from models_registry.recommend.identity import bedrock_region, canonical_id, is_free_tier

from .conftest import bundled_model


def canon(provider_id: str, model_id: str) -> str:
    bundled_model(provider_id, model_id)
    return canonical_id(provider_id, model_id)


def label(value: object) -> str:
    return f"{value[0]}:{value[1]}" if isinstance(value, tuple) else str(value)


# --- the same model behind different offerings --------------------------------------------------------------------

SAME = [
    # dated snapshots and Anthropic's aliases
    (("anthropic", "claude-sonnet-4-5"), ("anthropic", "claude-sonnet-4-5-20250929")),  # alias vs its snapshot
    (("anthropic", "claude-haiku-4-5"), ("anthropic", "claude-haiku-4-5-20251001")),  # alias vs its snapshot
    (("anthropic", "claude-opus-4-1"), ("anthropic", "claude-opus-4-1-20250805")),  # alias vs its snapshot
    (("anthropic", "claude-opus-4-5"), ("anthropic", "claude-opus-4-5-20251101")),  # alias vs its snapshot
    (("anthropic", "claude-opus-4-0"), ("anthropic", "claude-opus-4-20250514")),  # '-0' alias of Claude Opus 4
    (("anthropic", "claude-sonnet-4-0"), ("anthropic", "claude-sonnet-4-20250514")),  # '-0' alias of Sonnet 4
    # Bedrock: vendor prefix, region profiles, '-v1:0' / '-v1' suffixes
    (("amazon-bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"), ("anthropic", "claude-sonnet-4-5")),  # us profile
    (("amazon-bedrock", "anthropic.claude-haiku-4-5-20251001-v1:0"), ("anthropic", "claude-haiku-4-5-20251001")),  # bare
    (("amazon-bedrock", "eu.anthropic.claude-opus-4-8"), ("anthropic", "claude-opus-4-8")),  # profile, no suffix
    (("amazon-bedrock", "global.anthropic.claude-opus-4-6-v1"), ("anthropic", "claude-opus-4-6")),  # '-v1' only
    (("amazon-bedrock", "jp.anthropic.claude-sonnet-4-6"), ("anthropic", "claude-sonnet-4-6")),  # jp profile
    (("amazon-bedrock", "au.anthropic.claude-sonnet-5"), ("anthropic", "claude-sonnet-5")),  # au profile
    (("amazon-bedrock", "us.anthropic.claude-opus-4-8"), ("amazon-bedrock", "eu.anthropic.claude-opus-4-8")),  # regions
    (("amazon-bedrock", "anthropic.claude-opus-4-8"), ("amazon-bedrock", "global.anthropic.claude-opus-4-8")),  # bare vs global
    (("amazon-bedrock", "us.deepseek.r1-v1:0"), ("amazon-bedrock", "deepseek.r1-v1:0")),  # non-Anthropic profile
    # Vertex '@' forms
    (("google-vertex", "claude-opus-4-8@default"), ("anthropic", "claude-opus-4-8")),  # '@default'
    (("google-vertex", "claude-sonnet-4-5@20250929"), ("anthropic", "claude-sonnet-4-5-20250929")),  # '@date'
    (("google-vertex-anthropic", "claude-haiku-4-5@20251001"), ("anthropic", "claude-haiku-4-5")),  # '@date' vs alias
    (("google-vertex", "claude-opus-4@20250514"), ("anthropic", "claude-opus-4-20250514")),  # 'claude-opus-4@'
    (("google-vertex", "claude-sonnet-4-6@default"), ("amazon-bedrock", "eu.anthropic.claude-sonnet-4-6")),  # cloud vs cloud
    # OpenRouter 'lab/' prefixes with dotted versions
    (("openrouter", "anthropic/claude-opus-4.8"), ("anthropic", "claude-opus-4-8")),  # dots vs dashes
    (("openrouter", "anthropic/claude-sonnet-4.5"), ("amazon-bedrock", "global.anthropic.claude-sonnet-4-5-20250929-v1:0")),
    (("openrouter", "anthropic/claude-haiku-4.5"), ("google-vertex", "claude-haiku-4-5@20251001")),  # router vs Vertex
    (("openrouter", "google/gemini-2.5-flash"), ("google", "gemini-2.5-flash")),  # lab prefix
    (("openrouter", "z-ai/glm-5.1"), ("zai", "glm-5.1")),  # OpenRouter spells the lab 'z-ai'
    (("openrouter", "x-ai/grok-4.3"), ("xai", "grok-4.3")),  # OpenRouter spells the lab 'x-ai'
    (("openrouter", "moonshotai/kimi-k2-thinking"), ("moonshotai", "kimi-k2-thinking")),  # lab prefix
    (("openrouter", "minimax/minimax-m2.7"), ("minimax", "MiniMax-M2.7")),  # case differs
    (("openrouter", "deepseek/deepseek-v4-pro"), ("deepseek", "deepseek-v4-pro")),  # lab prefix
    # ':free' tiers and gpt-oss everywhere
    (("openrouter", "openai/gpt-oss-120b:free"), ("openrouter", "openai/gpt-oss-120b")),  # ':free' twin
    (("openrouter", "openai/gpt-oss-120b"), ("groq", "openai/gpt-oss-120b")),  # same id on two hosts
    (("openrouter", "openai/gpt-oss-120b:free"), ("groq", "openai/gpt-oss-120b")),  # ':free' vs another host
    (("cerebras", "gpt-oss-120b"), ("groq", "openai/gpt-oss-120b")),  # no lab prefix
    (("amazon-bedrock", "openai.gpt-oss-120b-1:0"), ("groq", "openai/gpt-oss-120b")),  # Bedrock '-1:0'
    (("google-vertex", "openai/gpt-oss-120b-maas"), ("groq", "openai/gpt-oss-120b")),  # Vertex '-maas'
    (("ollama-cloud", "gpt-oss:120b"), ("groq", "openai/gpt-oss-120b")),  # Ollama 'name:size' tag
    (("fireworks-ai", "accounts/fireworks/models/gpt-oss-120b"), ("cerebras", "gpt-oss-120b")),  # Fireworks path
    (("openrouter", "google/gemma-4-31b-it:free"), ("google", "gemma-4-31b-it")),  # ':free' Gemma
    (("openrouter", "nvidia/nemotron-3-super-120b-a12b:free"), ("perplexity-agent", "nvidia/nemotron-3-super-120b-a12b")),
    # preview snapshots
    (("openrouter", "google/gemini-2.5-pro-preview-05-06"), ("google", "gemini-2.5-pro")),  # '-preview-MM-DD'
    (("google-vertex", "gemini-2.5-pro"), ("google", "gemini-2.5-pro")),  # same id on Vertex
    # Fireworks 'p' for the dot, together/deepinfra capitalised org names
    (("fireworks-ai", "accounts/fireworks/models/kimi-k2p6"), ("moonshotai", "kimi-k2.6")),  # 'k2p6' is 'k2.6'
    (("fireworks-ai", "accounts/fireworks/models/glm-5p1"), ("zai", "glm-5.1")),  # 'glm-5p1' is 'glm-5.1'
    (("fireworks-ai", "accounts/fireworks/models/minimax-m2p7"), ("minimax", "MiniMax-M2.7")),  # 'm2p7'
    (("togetherai", "zai-org/GLM-5.1"), ("zai", "glm-5.1")),  # org 'zai-org', upper case
    (("deepinfra", "zai-org/GLM-5.1"), ("zai", "glm-5.1")),  # same id on DeepInfra
    (("togetherai", "moonshotai/Kimi-K2.6"), ("moonshotai", "kimi-k2.6")),  # capitalised
    (("deepinfra", "deepseek-ai/DeepSeek-V4-Pro"), ("deepseek", "deepseek-v4-pro")),  # org 'deepseek-ai'
    (("togetherai", "MiniMaxAI/MiniMax-M2.5"), ("amazon-bedrock", "minimax.minimax-m2.5")),  # two spellings
    (("togetherai", "google/gemma-4-31B-it"), ("google", "gemma-4-31b-it")),  # 'B' vs 'b'
    # Bedrock vendor prefixes for other labs
    (("amazon-bedrock", "moonshotai.kimi-k2.5"), ("moonshotai", "kimi-k2.5")),  # 'moonshotai.'
    (("amazon-bedrock", "zai.glm-5"), ("zai", "glm-5")),  # 'zai.'
    (("amazon-bedrock", "xai.grok-4.3"), ("xai", "grok-4.3")),  # 'xai.'
    (("google-vertex", "zai-org/glm-5-maas"), ("zai", "glm-5")),  # Vertex MaaS
    # Llama 3.3 70B under five spellings
    (("openrouter", "meta-llama/llama-3.3-70b-instruct"), ("amazon-bedrock", "meta.llama3-3-70b-instruct-v1:0")),
    (("azure", "llama-3.3-70b-instruct"), ("github-models", "meta/llama-3.3-70b-instruct")),  # Azure vs GitHub Models
    (("groq", "llama-3.3-70b-versatile"), ("openrouter", "meta-llama/llama-3.3-70b-instruct")),  # Groq's name for it
    # Azure, GitHub Copilot, GitHub Models, Ollama Cloud
    (("azure", "claude-opus-4-8"), ("anthropic", "claude-opus-4-8")),  # Azure (Foundry) Claude
    (("azure", "gpt-5.4"), ("openai", "gpt-5.4")),  # Azure OpenAI
    (("github-copilot", "claude-opus-4.8"), ("anthropic", "claude-opus-4-8")),  # Copilot dots
    (("github-copilot", "gpt-5-mini"), ("openai", "gpt-5-mini")),  # Copilot
    (("github-models", "openai/gpt-4.1"), ("openai", "gpt-4.1")),  # GitHub Models lab prefix
    (("ollama-cloud", "kimi-k2.6"), ("moonshotai", "kimi-k2.6")),  # Ollama Cloud
    (("kimi-for-coding", "k2p6"), ("moonshotai", "kimi-k2.6")),  # Kimi For Coding's short 'k2p6'
    (("ollama-cloud", "glm-5.1"), ("togetherai", "zai-org/GLM-5.1")),  # Ollama Cloud vs Together
    (("ollama-cloud", "minimax-m2.7"), ("minimax", "MiniMax-M2.7")),  # lower case
    (("perplexity-agent", "anthropic/claude-opus-4-5"), ("anthropic", "claude-opus-4-5")),  # dashes after 'lab/'
    (("opencode", "glm-5-free"), ("zai", "glm-5")),  # a '-free' offering of the same model
    # Mistral dates its versions (-2411, -2512): one line, one pick, the newest date shown first. Large 3
    # (2512) is a different network from Large 2.1 (2411), but an agent wants the current one, not both.
    (("mistral", "mistral-large-2411"), ("mistral", "mistral-large-2512")),
]


@pytest.mark.parametrize(("a", "b"), SAME, ids=label)
def test_same_model_behind_different_offerings(a: tuple[str, str], b: tuple[str, str]):
    assert canon(*a) == canon(*b)


# --- different models that look alike ------------------------------------------------------------------------------

DIFFERENT = [
    (("anthropic", "claude-opus-4-5"), ("anthropic", "claude-opus-4-8")),  # generations
    (("anthropic", "claude-opus-4-1-20250805"), ("anthropic", "claude-opus-4-20250514")),  # 'claude-opus-4' is a prefix
    (("anthropic", "claude-sonnet-4-0"), ("anthropic", "claude-sonnet-4-5")),  # '-0' alias is not 4.5
    (("anthropic", "claude-sonnet-4-5"), ("anthropic", "claude-sonnet-4-6")),  # point release
    (("anthropic", "claude-haiku-4-5"), ("anthropic", "claude-sonnet-4-5")),  # tier
    (("google-vertex", "claude-opus-4@20250514"), ("anthropic", "claude-opus-4-1")),  # Opus 4 vs Opus 4.1
    (("amazon-bedrock", "us.anthropic.claude-opus-4-7"), ("amazon-bedrock", "us.anthropic.claude-opus-4-8")),  # versions
    (("openai", "gpt-5"), ("openai", "gpt-5-mini")),  # size
    (("openai", "gpt-5"), ("openai", "gpt-5-codex")),  # codex variant
    (("openai", "gpt-5.4"), ("openai", "gpt-5.4-pro")),  # pro
    (("openai", "gpt-5.4-mini"), ("openai", "gpt-5.4-nano")),  # sizes
    (("openai", "gpt-5.1-codex"), ("openai", "gpt-5.1-codex-max")),  # max
    (("openai", "gpt-5.1-codex"), ("openai", "gpt-5.1-codex-mini")),  # mini
    (("openai", "gpt-4o"), ("openai", "gpt-4o-mini")),  # mini
    (("openai", "gpt-4o"), ("openrouter", "openai/gpt-4o-search-preview")),  # search model
    (("openai", "o3"), ("openai", "o3-pro")),  # pro
    (("openai", "o3"), ("openai", "o3-mini")),  # mini
    (("openai", "o3-pro"), ("openai", "o3-mini")),  # pro vs mini
    (("openai", "o3"), ("openai", "o3-deep-research")),  # deep research
    (("openai", "o4-mini"), ("openai", "o4-mini-deep-research")),  # deep research
    (("openai", "text-embedding-3-small"), ("openai", "text-embedding-3-large")),  # embedding sizes
    (("google", "gemini-2.5-flash"), ("google", "gemini-2.5-flash-lite")),  # lite
    (("google", "gemini-2.5-flash"), ("google", "gemini-2.5-flash-image")),  # image model
    (("google", "gemini-2.5-pro"), ("google", "gemini-2.5-pro-preview-tts")),  # TTS model
    (("groq", "whisper-large-v3"), ("groq", "whisper-large-v3-turbo")),  # turbo is a distilled model
    (("openrouter", "meta-llama/llama-3.1-8b-instruct"), ("openrouter", "meta-llama/llama-3.1-70b-instruct")),  # sizes
    (("azure", "meta-llama-3.1-8b-instruct"), ("azure", "meta-llama-3.1-70b-instruct")),  # sizes, other spelling
    (("openrouter", "qwen/qwen3-235b-a22b"), ("openrouter", "qwen/qwen3-32b")),  # sizes
    (("openrouter", "qwen/qwen3-coder"), ("openrouter", "qwen/qwen3-coder-30b-a3b-instruct")),  # 480B vs 30B
    (("openrouter", "qwen/qwen3-vl-8b-instruct"), ("openrouter", "qwen/qwen3-vl-8b-thinking")),  # instruct vs thinking
    (("openrouter", "moonshotai/kimi-k2"), ("openrouter", "moonshotai/kimi-k2-thinking")),  # thinking model
    (("moonshotai", "kimi-k2.5"), ("moonshotai", "kimi-k2.6")),  # versions
    (("openrouter", "openai/gpt-oss-120b"), ("openrouter", "openai/gpt-oss-20b")),  # sizes
    (("openrouter", "openai/gpt-oss-120b:free"), ("openrouter", "openai/gpt-oss-20b:free")),  # sizes, both free
    (("openrouter", "openai/gpt-oss-20b"), ("openrouter", "openai/gpt-oss-safeguard-20b")),  # safety fine-tune
    (("amazon-bedrock", "openai.gpt-oss-120b-1:0"), ("amazon-bedrock", "openai.gpt-oss-safeguard-120b")),  # same on Bedrock
    (("zai", "glm-4.7"), ("zai", "glm-4.7-flash")),  # flash
    (("zai", "glm-4.5"), ("zai", "glm-4.5-air")),  # air
    (("zai", "glm-4.5"), ("zai", "glm-4.5v")),  # vision model
    (("deepseek", "deepseek-v4-flash"), ("deepseek", "deepseek-v4-pro")),  # tiers
    (("amazon-bedrock", "amazon.nova-pro-v1:0"), ("amazon-bedrock", "amazon.nova-lite-v1:0")),  # tiers
    (("fireworks-ai", "accounts/fireworks/models/kimi-k2p6"), ("moonshotai", "kimi-k2.5")),  # 'k2p6' is not 'k2.5'
    (("fireworks-ai", "accounts/fireworks/models/glm-5p1"), ("fireworks-ai", "accounts/fireworks/models/glm-5p2")),  # versions
]


@pytest.mark.parametrize(("a", "b"), DIFFERENT, ids=label)
def test_different_models_that_look_alike(a: tuple[str, str], b: tuple[str, str]):
    assert canon(*a) != canon(*b)


def test_pair_tables_are_broad_and_real():
    assert len(SAME) >= 45 and len(DIFFERENT) >= 25
    for a, b in SAME + DIFFERENT:
        bundled_model(*a)
        bundled_model(*b)
        assert a != b, f"{a} is paired with itself"


def test_canonical_id_is_a_stable_string():
    first = canon("amazon-bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert isinstance(first, str) and first
    assert canon("amazon-bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0") == first


def test_same_is_transitive_across_the_table():
    # Pairs that share an offering must agree with each other: group them and check each group has one id.
    groups: list[set[tuple[str, str]]] = []
    for a, b in SAME:
        joined = [g for g in groups if a in g or b in g]
        merged = {a, b}.union(*joined)
        groups = [g for g in groups if g not in joined] + [merged]
    for group in groups:
        assert len({canon(*offering) for offering in group}) == 1, sorted(group)
    for a, b in DIFFERENT:
        assert not any(a in g and b in g for g in groups), f"{a} and {b} are both listed as the same model"


# --- free tiers -----------------------------------------------------------------------------------------------------

FREE = [
    ("openrouter", "openai/gpt-oss-120b:free"),  # ':free' suffix
    ("openrouter", "google/gemma-4-31b-it:free"),  # ':free' suffix
    ("openrouter", "meta-llama/llama-3.3-70b-instruct:free"),  # ':free' suffix
    ("openrouter", "nvidia/nemotron-3.5-content-safety:free"),  # ':free' with no paid twin
    ("kilo", "poolside/laguna-m.1:free"),  # ':free' on another router
    ("opencode", "glm-5-free"),  # family 'glm-free'
    ("opencode", "kimi-k2.5-free"),  # family 'kimi-free'
    ("opencode", "minimax-m2.5-free"),  # family 'minimax-free'
    ("opencode", "trinity-large-preview-free"),  # family 'trinity': only the id says free
    ("aihubmix", "coding-glm-5.1-free"),  # family 'glm-free'
    ("aihubmix", "xiaomi-mimo-v2.5-free"),  # family 'mimo-v2.5': only the id says free
    ("zenmux", "z-ai/glm-5.2-free"),  # '-free' id, family 'glm'
]

NOT_FREE = [
    ("openrouter", "openai/gpt-oss-120b"),  # the paid twin of the ':free' offering
    ("openrouter", "google/gemma-4-31b-it"),  # paid twin
    ("openrouter", "meta-llama/llama-3.3-70b-instruct"),  # paid twin
    ("groq", "openai/gpt-oss-120b"),  # paid elsewhere
    ("opencode", "glm-5"),  # the paid twin of glm-5-free
    ("opencode", "kimi-k2.5"),  # paid twin
    ("opencode", "minimax-m2.5"),  # paid twin
    ("zai-coding-plan", "glm-4.7"),  # $0 per token inside a paid subscription, no free marker
    ("kimi-for-coding", "kimi-k2-thinking"),  # $0 per token inside a paid subscription
    ("minimax-coding-plan", "MiniMax-M2.7"),  # $0 per token inside a paid subscription
    ("alibaba-token-plan", "qwen-image-2.0"),  # $0 per token inside a paid plan
    ("openai", "gpt-5"),  # an ordinary paid model
]


@pytest.mark.parametrize(("provider_id", "model_id"), FREE, ids=label)
def test_free_tier_offerings(provider_id: str, model_id: str):
    bundled_model(provider_id, model_id)
    assert is_free_tier(provider_id, model_id) is True


@pytest.mark.parametrize(("provider_id", "model_id"), NOT_FREE, ids=label)
def test_paid_and_merely_zero_priced_offerings_are_not_free_tiers(provider_id: str, model_id: str):
    bundled_model(provider_id, model_id)
    assert is_free_tier(provider_id, model_id) is False


# --- Bedrock regions ------------------------------------------------------------------------------------------------

REGIONS = [
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "us"),  # US cross-region profile
    ("us.meta.llama4-scout-17b-instruct-v1:0", "us"),  # US profile, Meta
    ("us.deepseek.r1-v1:0", "us"),  # US profile, DeepSeek
    ("eu.anthropic.claude-opus-4-8", "eu"),  # EU profile without '-v1:0'
    ("eu.anthropic.claude-haiku-4-5-20251001-v1:0", "eu"),  # EU profile
    ("jp.anthropic.claude-opus-4-7", "jp"),  # Japan profile
    ("au.anthropic.claude-sonnet-4-5-20250929-v1:0", "au"),  # Australia profile
    ("global.anthropic.claude-fable-5", "global"),  # global profile
    ("anthropic.claude-opus-4-8", None),  # bare model id
    ("amazon.nova-pro-v1:0", None),  # bare, 'amazon.' is the vendor not a region
    ("deepseek.r1-v1:0", None),  # bare
    ("openai.gpt-oss-120b-1:0", None),  # bare
    ("mistral.voxtral-small-24b-2507", None),  # bare
]


@pytest.mark.parametrize(("model_id", "region"), REGIONS, ids=label)
def test_bedrock_region(model_id: str, region: str | None):
    bundled_model("amazon-bedrock", model_id)
    assert bedrock_region(model_id) == region
