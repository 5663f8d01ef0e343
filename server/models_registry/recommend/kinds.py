"""What a model is for: one `kind` per model, decided from catalog facts by a small table of rules.

models.dev lists an embedding model's output as "text" and a speech model's input as
"text", so modalities alone do not say what a model does. The rules read, in order:
the id's tokens (split on `-_./:` and between letters and digits, never substrings: the
'mini' in 'gemini' and the 'large' in 'whisper-large' are not words), the reasoning flag
(a reasoning model is a language model), the family (resellers mislabel it, so it comes
after), the output modalities, and one price fact (a positive input price with a zero
output price is how embeddings are billed). The first rule that matches decides; a model with text
output that no rule claims is a chat model. No I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from .identity import tokens_of

__all__ = ["KINDS", "Kind", "kind_of"]

Kind = Literal[
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
]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]


class _Facts:
    """The catalog facts the rules read, computed once per model."""

    __slots__ = ("family", "input_price", "inputs", "is_llm", "output_price", "outputs", "router", "words")

    def __init__(self, model_id: str, raw: Mapping[str, Any]):
        name = model_id.lower()  # every path segment: fal-ai/stable-audio-25/text-to-audio
        self.words = frozenset(tokens_of(name))
        self.family = frozenset(tokens_of(str(raw.get("family") or "")))  # less sure: resellers mislabel it
        self.router = name.rsplit("/", 1)[-1] in (
            "free",
            "auto",
            "router",
        )  # openrouter/free picks a model for you
        modalities = raw.get("modalities") or {}
        self.inputs = frozenset(modalities.get("input") or ())
        self.outputs = frozenset(modalities.get("output") or ())
        cost = raw.get("cost") or {}
        self.input_price, self.output_price = cost.get("input"), cost.get("output")
        self.is_llm = raw.get("reasoning") in (True, "true")  # Poe marks image and video bots as tool-calling
        if re.search(r"(?:^|[-_/.])e5(?:[-_.]|$)", name.lower()):
            self.words |= {"e5"}  # the E5 embedding family; 'e5' is not a token of its own

    def any(self, *words: str) -> bool:
        return not self.words.isdisjoint(words)

    def all(self, *words: str) -> bool:
        return self.words.issuperset(words)


def _billed_like_embeddings(f: _Facts) -> bool:
    priced = isinstance(f.input_price, int | float) and isinstance(f.output_price, int | float)
    return priced and f.input_price > 0 and f.output_price == 0 and f.outputs <= {"text"}


def _without_text_output(f: _Facts) -> str | None:
    """A model that writes no text: what it writes decides."""
    if not f.outputs or "text" in f.outputs:
        return None  # no outputs listed: the catalog's default, text
    if "video" in f.outputs:
        return "video-generation"
    if "image" in f.outputs:
        return "image-generation"
    if "audio" in f.outputs:
        return "realtime-voice" if "audio" in f.inputs else "text-to-speech"
    return "other"


# Words first, most specific first: 'bge-reranker' is a reranker before it is a bge embedding,
# 'gemini-2.5-flash-preview-tts' is speech, 'whisper-large-v3' is transcription whatever its price.
_WORDS: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (kind, frozenset(words.split()))
    for kind, words in (
        ("rerank", "rerank reranker rerankers"),
        ("moderation", "moderation guard safeguard guardrail shieldgemma"),
        ("speech-to-text", "whisper transcribe transcription asr stt"),
        ("audio-generation", "lyria music song sfx"),
        ("text-to-speech", "tts orpheus melotts aura voicedesign voiceclone kokoro elevenlabs magpie"),
        ("realtime-voice", "realtime"),
        ("research-agent", "search research sonar compound"),
        ("embedding", "embedding embeddings embed bge gte minilm nomic e5 voyage"),
        ("video-generation", "video veo sora kling runway seedance hailuo"),
        (
            "image-generation",
            "image imagen dall flux sdxl diffusion recraft ideogram imagine banana seedream kontext",
        ),
        (
            "other",
            (
                "ocr paddleocr mt translate livetranslate apply morph router auto fusion pareto bodybuilder distilbert "
                "bart m2m indictrans bevformer detection gliner"
            ),
        ),
    )
)


def _decide(f: _Facts) -> str:
    if f.router:
        return "other"
    for kind, words in _WORDS:
        if not f.words.isdisjoint(words):
            return kind
    if f.all("content", "safety"):
        return "moderation"
    if f.all("stable", "audio"):
        return "audio-generation"
    if "audio" in f.outputs and f.any("audio", "voice", "live"):
        return "realtime-voice"  # gpt-audio, gemini-live: speech in, speech out
    if f.is_llm:
        return (
            "chat"  # a reasoning model is a language model, whatever odd outputs or family a reseller lists
        )
    for kind, words in _WORDS:  # the family, after the id's own words and facts
        if not f.family.isdisjoint(words):
            return kind
    if by_output := _without_text_output(f):
        return by_output
    if f.inputs == {"audio"}:
        return "speech-to-text"
    if _billed_like_embeddings(f):
        return "embedding"
    return "chat"


def kind_of(model_id: str, raw: Mapping[str, Any]) -> str:
    """The kind of the model `model_id` whose catalog entry is `raw`; 'chat' when no rule claims it."""
    return _decide(_Facts(model_id, raw))
