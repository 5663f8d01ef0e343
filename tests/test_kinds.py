"""The model-kind classifier (models_registry.recommend.kinds): every bundled model gets one of the documented
kinds, a hand-checked table of tricky models, modality invariants, and agreement with LiteLLM's model map.

tests/data/litellm-modes.json is LiteLLM's `mode` per model name (see its "source"); it is read, never fetched.
"""

from __future__ import annotations

import json
from functools import cache

import pytest

from models_registry.recommend.kinds import KINDS, kind_of

from .conftest import DATA, bundled_catalog, bundled_model

LITELLM_MODES = DATA / "litellm-modes.json"


def all_models() -> list[tuple[str, str, dict]]:
    return [(pid, mid, raw) for pid, p in sorted(bundled_catalog().items()) for mid, raw in sorted(p["models"].items())]


def kind(provider_id: str, model_id: str) -> str:
    return kind_of(model_id, bundled_model(provider_id, model_id))


def modalities(raw: dict) -> tuple[list[str], list[str]]:
    m = raw.get("modalities") or {}
    return sorted(m.get("input") or []), sorted(m.get("output") or [])


# --- the vocabulary ---------------------------------------------------------------------------------------


def test_kinds_are_the_documented_twelve():
    assert KINDS == (
        "chat",
        "embedding",
        "image-generation",
        "speech-to-text",
        "text-to-speech",
        "realtime-voice",
        "audio-generation",
        "video-generation",
        "moderation",
        "rerank",
        "research-agent",
        "other",
    )


def test_every_catalog_model_gets_a_known_kind():
    unknown = [(pid, mid, k) for pid, mid, raw in all_models() if (k := kind_of(mid, raw)) not in KINDS]
    assert len(all_models()) > 1000
    assert unknown == [], f"{len(unknown)} models got a kind outside KINDS, e.g. {unknown[:10]}"


def test_most_of_the_catalog_is_chat():
    # A sanity bound, not a target: models.dev is overwhelmingly chat models; a classifier that files a large
    # share of them elsewhere has a rule that matches too broadly (e.g. 'mini' inside 'gemini').
    kinds = [kind_of(mid, raw) for _, mid, raw in all_models()]
    assert kinds.count("chat") / len(kinds) > 0.85


# --- hand-checked table -------------------------------------------------------------------------------------

SPOT_CHECKS = [
    # --- embeddings: their catalog output is 'text' and output price 0, so modalities alone say "chat"
    ("openai", "text-embedding-3-small", "embedding"),  # output ['text'], cost.output 0
    ("openai", "text-embedding-ada-002", "embedding"),  # the legacy embedding model, same trap
    ("azure", "text-embedding-3-large", "embedding"),  # same model on Azure
    ("google", "gemini-embedding-001", "embedding"),  # 'gemini' family but an embedding model
    ("mistral", "mistral-embed", "embedding"),  # Mistral's embedding endpoint
    ("vercel", "voyage/voyage-3.5", "embedding"),  # Voyage embeddings carry no 'embed' in the id
    ("vercel", "voyage/voyage-code-3", "embedding"),  # 'code' in the id, still an embedding model
    ("azure", "cohere-embed-v3-english", "embedding"),  # Cohere embed on Azure
    ("azure", "cohere-embed-v-4-0", "embedding"),  # takes images too; still embeddings
    ("vercel", "cohere/embed-v4.0", "embedding"),  # LiteLLM files this one as chat; it is not
    ("scaleway", "bge-multilingual-gemma2", "embedding"),  # family 'gemma', but BGE embeddings
    ("stackit", "intfloat/e5-mistral-7b-instruct", "embedding"),  # family 'mistral', '-instruct': E5 embeddings
    ("tinfoil", "nomic-embed-text", "embedding"),  # nomic text embeddings
    ("nvidia", "nvidia/nv-embed-v1", "embedding"),  # NVIDIA's embedding model, $0 catalog price
    # --- rerankers
    ("vercel", "voyage/rerank-2.5", "rerank"),  # Voyage reranker
    ("vercel", "cohere/rerank-v3.5", "rerank"),  # Cohere reranker
    ("digitalocean", "bge-reranker-v2-m3", "rerank"),  # BGE reranker (shares 'bge-m3' with an embedder)
    ("evroc", "Qwen/Qwen3-Reranker-4B", "rerank"),  # 'Qwen3' prefix, but a reranker
    ("nvidia", "nvidia/llama-nemotron-rerank-vl-1b-v2", "rerank"),  # 'llama-nemotron' prefix, a reranker
    # --- speech to text
    ("groq", "whisper-large-v3", "speech-to-text"),  # 'large' like mistral-large, but Whisper ASR
    ("groq", "whisper-large-v3-turbo", "speech-to-text"),  # turbo Whisper
    ("vercel", "openai/whisper-1", "speech-to-text"),  # OpenAI's hosted Whisper
    ("vercel", "openai/gpt-4o-transcribe", "speech-to-text"),  # 'gpt-4o' prefix, a transcription model
    ("evroc", "KBLab/kb-whisper-large", "speech-to-text"),  # Swedish fine-tune of Whisper
    ("alibaba", "qwen3-asr-flash", "speech-to-text"),  # 'qwen3' + 'flash', but ASR
    # --- text to speech
    ("google", "gemini-2.5-flash-preview-tts", "text-to-speech"),  # Gemini TTS
    ("google", "gemini-2.5-pro-preview-tts", "text-to-speech"),  # LiteLLM says chat; output is audio only
    ("google-vertex", "gemini-2.5-flash-tts", "text-to-speech"),  # GA Gemini TTS on Vertex
    ("groq", "canopylabs/orpheus-v1-english", "text-to-speech"),  # Orpheus TTS on Groq
    ("vercel", "openai/tts-1", "text-to-speech"),  # OpenAI TTS
    ("vercel", "xai/grok-tts", "text-to-speech"),  # 'grok' family, a voice model
    ("poe", "elevenlabs/elevenlabs-v3", "text-to-speech"),  # ElevenLabs speech
    ("digitalocean", "fal-ai/elevenlabs/tts/multilingual-v2", "text-to-speech"),  # ElevenLabs via fal
    ("xiaomi-token-plan-sgp", "mimo-v2.5-tts", "text-to-speech"),  # 'mimo' family, a TTS model
    ("nvidia", "nvidia/magpie-tts-zeroshot", "text-to-speech"),  # takes a voice sample + text, speaks
    ("cloudflare-ai-gateway", "workers-ai/@cf/myshell-ai/melotts", "text-to-speech"),  # catalog says text->text
    # --- music / sound
    ("poe", "google/lyria", "audio-generation"),  # Lyria makes music, not speech
    ("openrouter", "google/lyria-3-pro-preview", "audio-generation"),  # output text+audio; still music
    ("poe", "elevenlabs/elevenlabs-music", "audio-generation"),  # ElevenLabs, but the music model
    ("digitalocean", "fal-ai/stable-audio-25/text-to-audio", "audio-generation"),  # Stable Audio
    # --- voice conversation
    ("vercel", "openai/gpt-realtime-mini", "realtime-voice"),  # Realtime API model, 'mini' in the id
    ("fastrouter", "openai/gpt-realtime-1.5", "realtime-voice"),  # Realtime API model
    ("openrouter", "openai/gpt-audio", "realtime-voice"),  # speech-in/speech-out conversation model
    ("alibaba", "qwen3-omni-flash-realtime", "realtime-voice"),  # the realtime variant of Qwen3-Omni
    ("vercel", "xai/grok-voice-think-fast-1.0", "realtime-voice"),  # xAI's voice agent model
    # --- images
    ("openai", "gpt-image-1", "image-generation"),  # 'gpt' prefix, an image model
    ("openai", "chatgpt-image-latest", "image-generation"),  # 'chatgpt' prefix, an image model
    ("poe", "openai/dall-e-3", "image-generation"),  # DALL-E
    ("vercel", "bfl/flux-2-pro", "image-generation"),  # FLUX
    ("nvidia", "black-forest-labs/flux.1-dev", "image-generation"),  # FLUX, $0 on NVIDIA
    ("vercel", "google/imagen-4.0-generate-001", "image-generation"),  # Imagen
    ("google", "gemini-2.5-flash-image", "image-generation"),  # "nano banana": output text+image
    ("google", "gemini-3-pro-image-preview", "image-generation"),  # Gemini 3 Pro Image
    ("poe", "google/nano-banana", "image-generation"),  # Gemini 2.5 Flash Image under its nickname
    ("nano-gpt", "gemini-2.0-flash-exp-image-generation", "image-generation"),  # catalog says text->text
    ("vercel", "bytedance/seedream-4.5", "image-generation"),  # ByteDance image model
    ("xai", "grok-imagine-image", "image-generation"),  # 'grok' family, an image model
    ("alibaba-token-plan", "qwen-image-2.0", "image-generation"),  # 'qwen' family, $0, an image model
    # --- video
    ("poe", "openai/sora-2", "video-generation"),  # Sora
    ("vercel", "google/veo-3.1-generate-001", "video-generation"),  # Veo
    ("fastrouter", "google/veo3.1-fast", "video-generation"),  # Veo, id without the dash
    ("vercel", "klingai/kling-v3.0-t2v", "video-generation"),  # Kling
    ("xai", "grok-imagine-video", "video-generation"),  # 'grok' family, a video model
    ("nvidia", "nvidia/cosmos-predict1-5b", "video-generation"),  # world model that renders video
    # --- moderation / safety classifiers
    ("groq", "meta-llama/llama-prompt-guard-2-86m", "moderation"),  # 'llama' prefix, a prompt-injection classifier
    ("groq", "openai/gpt-oss-safeguard-20b", "moderation"),  # 'gpt-oss' prefix, a policy classifier
    ("amazon-bedrock", "openai.gpt-oss-safeguard-120b", "moderation"),  # same on Bedrock
    ("openrouter", "meta-llama/llama-guard-4-12b", "moderation"),  # Llama Guard 4
    ("cloudflare-workers-ai", "@cf/meta/llama-guard-3-8b", "moderation"),  # Llama Guard 3
    ("openrouter", "nvidia/nemotron-3.5-content-safety:free", "moderation"),  # content-safety classifier
    ("ovhcloud", "qwen3guard-gen-8b", "moderation"),  # Qwen3Guard
    ("vultr", "nvidia/Llama-3.1-Nemotron-Safety-Guard-8B-v3", "moderation"),  # NVIDIA safety guard
    # --- research agents and web search
    ("openai", "o3-deep-research", "research-agent"),  # 'o3' prefix, but Deep Research
    ("openai", "o4-mini-deep-research", "research-agent"),  # 'o4-mini' prefix, Deep Research
    ("perplexity", "sonar-deep-research", "research-agent"),  # Perplexity deep research
    ("openrouter", "perplexity/sonar-deep-research", "research-agent"),  # the same via OpenRouter
    ("openrouter", "openai/gpt-4o-search-preview", "research-agent"),  # web-search model
    ("kilo", "openai/gpt-4o-mini-search-preview", "research-agent"),  # web-search model, 'mini'
    ("poe", "openai/gpt-4o-search", "research-agent"),  # Poe's name drops '-preview'
    ("alibaba-cn", "qwen-deep-research", "research-agent"),  # Qwen deep research
    ("perplexity", "sonar-pro", "research-agent"),  # every Sonar answer is a web search with citations
    # --- other: routers, OCR-only, translation-only, code-apply
    ("openrouter", "openrouter/auto", "other"),  # a router, not a model (catalog output text+image)
    ("azure", "model-router", "other"),  # Azure's router
    ("llmgateway", "auto", "other"),  # a gateway's auto-router
    ("openrouter", "relace/relace-apply-3", "other"),  # code-apply (merges edits into files)
    ("morph", "morph-v3-large", "other"),  # code-apply
    ("novita-ai", "deepseek/deepseek-ocr", "other"),  # OCR-only ('deepseek' prefix)
    ("alibaba", "qwen-vl-ocr", "other"),  # OCR-only ('qwen-vl' prefix)
    ("siliconflow-cn", "PaddlePaddle/PaddleOCR-VL-1.5", "other"),  # OCR-only
    ("cohere", "command-a-translate-08-2025", "other"),  # translation-only 'command-a'
    ("novita-ai", "qwen/qwen-mt-plus", "other"),  # Qwen-MT: machine translation only
    ("nvidia", "nvidia/riva-translate-4b-instruct-v1_1", "other"),  # translation-only ('-instruct')
    # --- chat, including names with misleading substrings and non-text outputs
    ("google", "gemini-2.5-flash", "chat"),  # 'gemini' contains 'mini'
    ("google", "gemini-2.5-flash-lite", "chat"),  # 'gemini' + 'lite'
    ("google", "gemini-3.1-pro-preview-customtools", "chat"),  # a tool-use variant of Gemini 3.1 Pro
    ("google", "gemma-4-31b-it", "chat"),  # open-weights Gemma
    ("minimax", "MiniMax-M2.7", "chat"),  # 'MiniMax' contains 'max' and 'mini'
    ("openai", "gpt-5.1-codex-max", "chat"),  # 'max'
    ("mistral", "mistral-large-2512", "chat"),  # 'large' like whisper-large
    ("mistral", "magistral-medium-latest", "chat"),  # reasoning model
    ("openai", "gpt-5-mini", "chat"),  # 'mini'
    ("openai", "o4-mini", "chat"),  # reasoning 'mini'
    ("openai", "o3", "chat"),  # reasoning
    ("anthropic", "claude-haiku-4-5", "chat"),  # small Claude
    ("moonshotai", "kimi-k2-thinking", "chat"),  # reasoning Kimi
    ("deepseek", "deepseek-reasoner", "chat"),  # reasoning DeepSeek
    ("groq", "openai/gpt-oss-120b", "chat"),  # the chat sibling of gpt-oss-safeguard
    ("groq", "qwen/qwen3-32b", "chat"),  # on the same provider as whisper and orpheus
    ("alibaba", "qwen3-omni-flash", "chat"),  # omni: answers in text and audio, general-purpose chat
    ("novita-ai", "qwen/qwen3-omni-30b-a3b-instruct", "chat"),  # same, open weights
    ("amazon-bedrock", "mistral.voxtral-small-24b-2507", "chat"),  # audio-understanding chat model, not ASR
    ("azure", "gpt-5.1", "chat"),  # catalog lists text+image+audio output
    ("requesty", "openai/gpt-5", "chat"),  # catalog lists text+audio+image output
    ("poe", "openai/gpt-5.4", "chat"),  # catalog lists image-only output; it is GPT-5.4
    ("fireworks-ai", "accounts/fireworks/routers/glm-5p1-fast", "chat"),  # a Fireworks fast route to GLM-5.1
    ("xai", "grok-4.3", "chat"),  # xAI chat next to xAI image/video models
    ("cohere", "command-a-reasoning-08-2025", "chat"),  # next to the translate model
    ("amazon-bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "chat"),  # Bedrock profile id
    ("google-vertex", "claude-opus-4-8@default", "chat"),  # Vertex '@' id
]


@pytest.mark.parametrize(("provider_id", "model_id", "expected"), SPOT_CHECKS, ids=lambda v: str(v))
def test_kind_of_spot_checks(provider_id: str, model_id: str, expected: str):
    assert expected in KINDS
    assert kind(provider_id, model_id) == expected


def test_spot_check_table_is_broad():
    assert len(SPOT_CHECKS) >= 60
    assert len({p for p, _, _ in SPOT_CHECKS}) >= 12
    assert {k for _, _, k in SPOT_CHECKS} == set(KINDS)
    assert len({(p, m) for p, m, _ in SPOT_CHECKS}) == len(SPOT_CHECKS), "duplicate rows"


# --- invariants from the catalog's modalities -----------------------------------------------------------------


def test_audio_in_text_out_only_models_are_speech_to_text():
    models = [(pid, mid, raw) for pid, mid, raw in all_models() if modalities(raw) == (["audio"], ["text"])]
    assert len(models) >= 10
    assert [(pid, mid) for pid, mid, raw in models if kind_of(mid, raw) != "speech-to-text"] == []


def test_video_only_output_models_are_video_generation():
    models = [(pid, mid, raw) for pid, mid, raw in all_models() if modalities(raw)[1] == ["video"]]
    assert len(models) >= 30
    assert [(pid, mid) for pid, mid, raw in models if kind_of(mid, raw) != "video-generation"] == []


def test_audio_only_output_models_make_speech_or_sound():
    models = [(pid, mid, raw) for pid, mid, raw in all_models() if modalities(raw)[1] == ["audio"]]
    assert len(models) >= 20
    wrong = [(pid, mid) for pid, mid, raw in models if kind_of(mid, raw) not in ("text-to-speech", "audio-generation")]
    assert wrong == []


# Image-only output in the catalog that is not an image model: Poe lists its GPT-5.4 bots with output ['image'].
IMAGE_OUTPUT_BUT_CHAT = {("poe", "openai/gpt-5.4"), ("poe", "openai/gpt-5.4-pro")}


def test_image_only_output_models_are_image_generation():
    for key in IMAGE_OUTPUT_BUT_CHAT:
        bundled_model(*key)
    models = [(pid, mid, raw) for pid, mid, raw in all_models() if modalities(raw)[1] == ["image"]]
    assert len(models) >= 50
    wrong = [
        (pid, mid)
        for pid, mid, raw in models
        if (pid, mid) not in IMAGE_OUTPUT_BUT_CHAT and kind_of(mid, raw) != "image-generation"
    ]
    assert wrong == []
    assert {kind(*key) for key in IMAGE_OUTPUT_BUT_CHAT} == {"chat"}


def test_kind_of_does_not_mutate_the_catalog_entry():
    raw = bundled_model("openai", "text-embedding-3-small")
    before = json.dumps(raw, sort_keys=True)
    assert kind_of("text-embedding-3-small", dict(raw)) == kind_of("text-embedding-3-small", raw)
    assert json.dumps(raw, sort_keys=True) == before, "kind_of must not mutate the catalog entry"


# --- cross-check with LiteLLM -----------------------------------------------------------------------------------

LITELLM_KIND = {
    "chat": "chat",
    "completion": "chat",
    "responses": "chat",
    "embedding": "embedding",
    "image_generation": "image-generation",
    "image_edit": "image-generation",
    "audio_transcription": "speech-to-text",
    "audio_speech": "text-to-speech",
    "moderation": "moderation",
    "rerank": "rerank",
    "video_generation": "video-generation",
}  # other LiteLLM modes (realtime, search, ocr, evaluation, ...) are skipped: no one-to-one kind

# How LiteLLM spells a catalog provider's models: bare ids and/or "<litellm provider>/<id>", tried in order.
LITELLM_PREFIXES = {
    "openai": ["", "openai/"],
    "anthropic": [""],
    "cohere": ["", "cohere/"],
    "amazon-bedrock": ["", "bedrock/"],
    "google": ["gemini/"],
    "google-vertex": ["vertex_ai/", ""],
    "google-vertex-anthropic": ["vertex_ai/"],
    "mistral": ["mistral/"],
    "groq": ["groq/"],
    "deepseek": ["deepseek/"],
    "xai": ["xai/"],
    "perplexity": ["perplexity/"],
    "togetherai": ["together_ai/"],
    "deepinfra": ["deepinfra/"],
    "fireworks-ai": ["fireworks_ai/"],
    "cerebras": ["cerebras/"],
    "azure": ["azure/", "azure_ai/"],
    "vercel": ["vercel_ai_gateway/"],
    "moonshotai": ["moonshot/"],
    "nvidia": ["nvidia_nim/"],
    "cloudflare-workers-ai": ["cloudflare/"],
    "novita-ai": ["novita/"],
    "nebius": ["nebius/"],
    "github-copilot": ["github_copilot/"],
    "ovhcloud": ["ovhcloud/"],
    "scaleway": ["scaleway/"],
    "minimax": ["minimax/"],
    "zai": ["zai/"],
    "alibaba": ["dashscope/"],
    "llama": ["meta_llama/"],
    "wandb": ["wandb/"],
    "databricks": ["databricks/"],
    "baseten": ["baseten/"],
    "aihubmix": ["aihubmix/"],
    "gmicloud": ["gmi/"],
    "snowflake-cortex": ["snowflake/"],
    "opencode-go": ["opencode_go/"],
    "morph": ["morph/"],
    "friendli": ["friendliai/"],
    "v0": ["v0/"],
    "inception": ["inception/"],
}

# Where LiteLLM's mode and our kind differ on purpose: (provider, id) -> the kind we expect.
KNOWN_DISAGREEMENTS = {
    # LiteLLM's mode says which endpoint to call (chat completions), not what the model is for: these are
    # safety classifiers served over the chat API.
    ("groq", "openai/gpt-oss-safeguard-20b"): "moderation",
    ("amazon-bedrock", "openai.gpt-oss-safeguard-20b"): "moderation",
    ("amazon-bedrock", "openai.gpt-oss-safeguard-120b"): "moderation",
    ("groq", "meta-llama/llama-prompt-guard-2-22m"): "moderation",
    ("groq", "meta-llama/llama-prompt-guard-2-86m"): "moderation",
    ("cloudflare-workers-ai", "@cf/meta/llama-guard-3-8b"): "moderation",
    # Same reason: deep research and web search are served over chat/responses but are research agents.
    ("openai", "o3-deep-research"): "research-agent",
    ("openai", "o4-mini-deep-research"): "research-agent",
    ("perplexity", "sonar-deep-research"): "research-agent",
    # Perplexity Sonar always searches the web and cites sources: the same species as gpt-4o-search-preview.
    ("perplexity", "sonar"): "research-agent",
    ("perplexity", "sonar-pro"): "research-agent",
    ("perplexity", "sonar-reasoning-pro"): "research-agent",
    ("vercel", "perplexity/sonar"): "research-agent",
    ("vercel", "perplexity/sonar-pro"): "research-agent",
    ("vercel", "perplexity/sonar-reasoning-pro"): "research-agent",
    # Chat-API endpoints that are not general chat models: a router, OCR-only, translation-only, code-apply.
    ("azure", "model-router"): "other",
    ("novita-ai", "deepseek/deepseek-ocr"): "other",
    ("novita-ai", "deepseek/deepseek-ocr-2"): "other",
    ("novita-ai", "paddlepaddle/paddleocr-vl"): "other",
    ("novita-ai", "qwen/qwen-mt-plus"): "other",  # Qwen-MT, a translation-only model
    ("morph", "morph-v3-fast"): "other",
    ("morph", "morph-v3-large"): "other",
    ("vercel", "morph/morph-v3-fast"): "other",
    ("vercel", "morph/morph-v3-large"): "other",
    # LiteLLM is wrong: its vercel_ai_gateway entries file embedding models as chat.
    ("vercel", "amazon/titan-embed-text-v2"): "embedding",
    ("vercel", "cohere/embed-v4.0"): "embedding",
    ("vercel", "mistral/codestral-embed"): "embedding",
    ("vercel", "mistral/mistral-embed"): "embedding",
    # LiteLLM is wrong: gemini/gemini-2.5-pro-preview-tts is "chat" while its flash twin is "audio_speech".
    ("google", "gemini-2.5-pro-preview-tts"): "text-to-speech",
}


@cache
def litellm_modes() -> dict[str, str]:
    data = json.loads(LITELLM_MODES.read_text())
    return data["modes"]


@cache
def litellm_matches() -> dict[tuple[str, str], tuple[str, str]]:
    """(provider, id) -> (LiteLLM name, kind) for the catalog models LiteLLM knows under a mode we can map."""
    modes = litellm_modes()
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for provider_id, prefixes in LITELLM_PREFIXES.items():
        for model_id in bundled_catalog().get(provider_id, {}).get("models", {}):
            for prefix in prefixes:
                name = prefix + model_id
                if name in modes:
                    if modes[name] in LITELLM_KIND:
                        found[(provider_id, model_id)] = (name, LITELLM_KIND[modes[name]])
                    break
    return found


def test_litellm_fixture_names_its_source_and_holds_only_modes():
    data = json.loads(LITELLM_MODES.read_text())
    assert set(data) == {"source", "modes"}
    assert data["source"].startswith("litellm==") and "(MIT)" in data["source"]
    assert len(data["modes"]) > 1000
    assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in data["modes"].items())


def test_litellm_prefix_table_names_real_providers():
    missing = sorted(set(LITELLM_PREFIXES) - set(bundled_catalog()))
    assert missing == [], f"LITELLM_PREFIXES names providers the bundled catalog lacks: {missing}"


def test_known_disagreements_are_real_disagreements():
    matches = litellm_matches()
    for key, ours in KNOWN_DISAGREEMENTS.items():
        bundled_model(*key)
        assert key in matches, f"{key} is listed as a LiteLLM disagreement but LiteLLM does not know it"
        assert matches[key][1] != ours, f"{key}: LiteLLM now agrees ({ours}); drop it from KNOWN_DISAGREEMENTS"


def test_kinds_agree_with_litellm_modes():
    matches = litellm_matches()  # 752 with litellm 1.110.2 and the bundled snapshot
    assert len(matches) >= 100, f"only {len(matches)} catalog models matched LiteLLM names"
    wrong = []
    for (provider_id, model_id), (name, litellm_kind) in sorted(matches.items()):
        expected = KNOWN_DISAGREEMENTS.get((provider_id, model_id), litellm_kind)
        got = kind(provider_id, model_id)
        if got != expected:
            wrong.append(f"{provider_id}/{model_id}: kind_of={got}, expected {expected} (LiteLLM {name})")
    assert wrong == [], f"{len(wrong)} of {len(matches)} LiteLLM-matched models disagree:\n" + "\n".join(wrong)


def test_litellm_cross_check_covers_more_than_chat():
    kinds = {k for _, k in litellm_matches().values()}
    assert {"chat", "embedding", "image-generation", "speech-to-text", "text-to-speech", "video-generation"} <= kinds
