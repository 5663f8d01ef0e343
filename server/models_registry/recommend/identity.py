"""One identity per model: the model behind an offering, its lab, line and version.

Quality belongs to the model; price and availability belong to the offering (a model at
one provider). `parse_offering` reads a provider's model id and strips what only names
the offering, so that `anthropic/claude-opus-4-8`, `amazon-bedrock/eu.anthropic.claude-opus-4-8`,
`google-vertex/claude-opus-4-8@default` and `openrouter/anthropic/claude-opus-4.8` are
one model:

- reseller paths (`anthropic/`, `meta-llama/`, `accounts/fireworks/models/`, a leading `~`);
- Bedrock region and vendor prefixes (`us.`, `eu.`, `global.` + `anthropic.`) and `-v1:0`;
- tags after `:` (`:free`, `:nitro`, `:thinking`; an Ollama size tag like `:27b` is kept);
- snapshot dates (`-20250929`, `-2025-09-29`, `-08-2024`, `-0905`, `-2512`, `-02-15`), `@date`;
- `-latest` (an alias), `-preview`, `-exp` (a preview), `-customtools`, `-highspeed`;
- `instruct`/`it` (the instruction-tuned model is the one served), and spelling: case,
  `4.8` = `4-8` = `4p8`, `reasoning` = `thinking`.

What is left is split into tokens on `-_./:` and between letters and digits (a size like
`235b` or `a22b` stays one token): the canonical id is the tokens joined by `-`
(`claude-opus-4-8`, `gpt-5-4-mini`, `qwen-3-235b-a22b`). Its number tokens are the
version and the rest is the line (`claude-opus` 4.8, `gpt-mini` 5.4), which lets a newer
model of a measured line inherit its predecessor's score (see quality.py). No I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FIRST_PARTY",
    "Identity",
    "bedrock_region",
    "bedrock_regions_for",
    "canonical_id",
    "is_free_tier",
    "lab_of",
    "parse_offering",
    "tokens_of",
]

# --- Offering markers ---------------------------------------------------------------------------

_REGIONS = ("us-gov", "global", "apac", "us", "eu", "au", "jp", "ca")
_VENDORS = [
    "anthropic",
    "amazon",
    "meta",
    "mistral",
    "deepseek",
    "openai",
    "qwen",
    "cohere",
    "ai21",
    "writer",
    "minimax",
    "moonshot",
    "moonshotai",
    "nvidia",
    "google",
    "zai",
    "xai",
    "stability",
    "twelvelabs",
    "luma",
]
_BEDROCK = re.compile(rf"^(?:({'|'.join(_REGIONS)})\.)?({'|'.join(_VENDORS)})\.(.+)$")
_SIZE = r"(?:\d+x\d+b|[ae]?\d+(?:\.\d+)?[bm])"
_SIZE_TAG = re.compile(rf"^{_SIZE}$")
_TOKEN = re.compile(rf"{_SIZE}(?![a-z])|\d+|[a-z]+")
_FREE_TAGS = frozenset({"free"})

_PREVIEW = re.compile(r"-(?:preview|exp|experimental)(?:-\d\d-\d{2,4})?(?=-|$)")
_LATEST = re.compile(r"-latest(?=-|$)")
_DATES = (
    re.compile(r"-(20\d{6})(?=-|$)"),  # -20250929
    re.compile(r"-(20\d\d-\d\d-\d\d)(?=-|$)"),  # -2025-09-29
    re.compile(r"-(\d\d-20\d\d)(?=-|$)"),  # Cohere's -08-2024
    re.compile(r"-((?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))$"),  # OpenRouter's -02-15
    re.compile(r"-(2[3-9](?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(?=-|$)"),  # ByteDance's -251215 (YYMMDD)
)
_FOUR_DIGITS = re.compile(r"(?<=.)-(\d{4})(?=-|$)")
_VARIANT_SUFFIXES = re.compile(r"-(?:customtools|highspeed)(?=-|$)")
# How a host packs the weights, not which model they are: fp8, bf16, int4, 4bit, awq, gguf, q4_k_m.
_PACKING = re.compile(
    r"-(?:(?:fp|bf|int)\d+|\d+-?bit|\d+k|awq|gguf|mlx|q\d_k_[ms]|tee|maas|original|tput)(?=-|$)"
)
_HOST_WORDS = frozenset(
    {
        "anthropic",
        "azure",
        "alibaba",
        "alicloud",
        "amazon",
        "meta",
        "cerebras",
        "groq",
        "openai",
        "google",
        "mistralai",
        "open",
    }
)
_DROPPED_TOKENS = frozenset(
    {"instruct", "it", "free", "versatile", "instant"}
)  # Groq's names for the same weights
_EFFORT = frozenset({"minimal", "low", "medium", "high", "xhigh"})  # reasoning effort: a setting, not a model
_EFFORT_AFTER = frozenset({"mini", "nano", "pro", "codex"})
# Lines whose reseller spellings differ in word order or detail, as (pattern, replacement) on the canonical id.
_ALIASES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^claude-((?:\d+-)*\d+)-(opus|sonnet|haiku)(?=-|$)"), r"claude-\2-\1"),  # claude-3-5-sonnet
    (
        re.compile(r"^(claude|gemini)-(.+?)-(?:thinking|think|nothinking|nothink)$"),
        r"\1-\2",
    ),  # a mode, not a model
    (re.compile(r"^gemini-(flash|pro)-((?:\d+-)*\d+)$"), r"gemini-\2-\1"),  # gemini-flash-1-5
    (
        re.compile(r"^llama-4-(maverick|scout)(?:-.*)?$"),
        r"llama-4-\1",
    ),  # sizes and expert counts vary by host
    (re.compile(r"^k-(\d+(?:-\d+)*)$"), r"kimi-k-\1"),  # kimi-for-coding's k2p6
    (re.compile(r"^gpt-(\d)(\d)(?=-|$)"), r"gpt-\1-\2"),  # Venice's gpt-54 is gpt-5.4, not version 54
    (re.compile(r"^(imagen-.+?)-generate(?:-\d+)?$"), r"\1"),  # Vertex's imagen-4.0-ultra-generate-001
    # Alibaba's API names for open models: the same weights under a product name.
    (re.compile(r"^qwen-3-coder-plus$"), "qwen-3-coder-480b"),
    (re.compile(r"^qwen-3-coder-flash$"), "qwen-3-coder-30b"),
    (re.compile(r"^qwq-plus$"), "qwq-32b"),
    (re.compile(r"^qwen-3-vl-plus$"), "qwen-3-vl-235b"),
)


def _four_digit_date(four: str) -> str:
    """A sortable date for MMDD or YYMM ('' when it is neither): the year of a YYMM is at least 23 > 12."""
    high, low = int(four[:2]), int(four[2:])
    if 23 <= high <= 29 and 1 <= low <= 12:
        return f"20{four}00"
    if 1 <= high <= 12 and 1 <= low <= 31:
        return f"0000{four}"
    return ""


# --- Labs ---------------------------------------------------------------------------------------

# Providers that are a lab's own API: the preferred offering when the user holds their key.
FIRST_PARTY: dict[str, str] = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "google",
    "google-vertex": "google",
    "xai": "xai",
    "mistral": "mistral",
    "deepseek": "deepseek",
    "moonshotai": "moonshotai",
    "moonshotai-cn": "moonshotai",
    "zai": "zhipuai",
    "zhipuai": "zhipuai",
    "alibaba": "alibaba",
    "alibaba-cn": "alibaba",
    "minimax": "minimax",
    "minimax-cn": "minimax",
    "cohere": "cohere",
    "perplexity": "perplexity",
    "xiaomi": "xiaomi",
    "stepfun": "stepfun",
    "llama": "meta",
    "amazon-bedrock": "amazon",
    "nova": "amazon",
    "inception": "inception",
    "sarvam": "sarvam",
    "upstage": "upstage",
    "poolside": "poolside",
    "sakana": "sakana",
}

# Reseller path prefixes and Bedrock vendors, as the lab they name.
_LAB_ALIASES = {
    "meta-llama": "meta",
    "meta": "meta",
    "x-ai": "xai",
    "xai": "xai",
    "z-ai": "zhipuai",
    "zai-org": "zhipuai",
    "zai": "zhipuai",
    "thudm": "zhipuai",
    "zhipuai": "zhipuai",
    "mistralai": "mistral",
    "mistral": "mistral",
    "qwen": "alibaba",
    "alibaba": "alibaba",
    "deepseek-ai": "deepseek",
    "deepseek": "deepseek",
    "moonshotai": "moonshotai",
    "moonshot": "moonshotai",
    "google": "google",
    "openai": "openai",
    "anthropic": "anthropic",
    "minimax": "minimax",
    "minimaxai": "minimax",
    "cohere": "cohere",
    "amazon": "amazon",
    "microsoft": "microsoft",
    "nvidia": "nvidia",
    "ibm-granite": "ibm",
    "xiaomi": "xiaomi",
    "stepfun": "stepfun",
    "stepfun-ai": "stepfun",
    "perplexity": "perplexity",
    "baidu": "baidu",
    "tencent": "tencent",
    "bytedance-seed": "bytedance",
    "bytedance": "bytedance",
    "ai21": "ai21",
    "writer": "writer",
    "inclusionai": "inclusionai",
    "black-forest-labs": "black-forest-labs",
}

# The first token of a canonical id, as the lab that makes the line.
_LAB_BY_TOKEN = {
    "claude": "anthropic",
    "gpt": "openai",
    "chatgpt": "openai",
    "o": "openai",
    "codex": "openai",
    "dall": "openai",
    "whisper": "openai",
    "tts": "openai",
    "sora": "openai",
    "text": "openai",
    "omni": "openai",
    "gemini": "google",
    "gemma": "google",
    "imagen": "google",
    "veo": "google",
    "lyria": "google",
    "grok": "xai",
    "mistral": "mistral",
    "ministral": "mistral",
    "magistral": "mistral",
    "devstral": "mistral",
    "codestral": "mistral",
    "pixtral": "mistral",
    "mixtral": "mistral",
    "voxtral": "mistral",
    "open": "mistral",
    "deepseek": "deepseek",
    "qwen": "alibaba",
    "qwq": "alibaba",
    "qvq": "alibaba",
    "llama": "meta",
    "kimi": "moonshotai",
    "glm": "zhipuai",
    "minimax": "minimax",
    "command": "cohere",
    "c": "cohere",
    "aya": "cohere",
    "nova": "amazon",
    "phi": "microsoft",
    "nemotron": "nvidia",
    "sonar": "perplexity",
    "ernie": "baidu",
    "hunyuan": "tencent",
    "hy": "tencent",
    "mimo": "xiaomi",
    "step": "stepfun",
    "seed": "bytedance",
    "jamba": "ai21",
    "granite": "ibm",
    "palmyra": "writer",
    "ling": "inclusionai",
    "ring": "inclusionai",
}


@dataclass(frozen=True, slots=True)
class Identity:
    """What an offering's id says about the model behind it."""

    canonical: str  # tokens joined by '-': equal strings are the same model
    lab_hint: str | None  # the lab named by a path prefix or Bedrock vendor
    line: str  # the canonical id without its version numbers: 'claude-opus', 'gpt-mini'
    version: tuple[float, ...]  # its version, comparable: 4.8 is (4.0, 0.8); () when the id has none
    snapshot: str  # a sortable snapshot date ('' for an alias or an undated id)
    alias: bool  # '-latest' or a leading '~': points at the newest model of its line
    preview: bool  # '-preview', '-exp': not the stable release
    free_tier: bool  # ':free' or a '-free' id: a rate-limited free offering
    region: str | None  # a Bedrock inference profile's region ('us', 'eu', 'global', ...)


def tokens_of(text: str) -> list[str]:
    """Lower-case tokens, split on separators and between letters and digits; sizes stay whole."""
    text = re.sub(r"(?<=\d)p(?=\d)", ".", text.lower())  # Fireworks writes 2.7 as 2p7
    return _TOKEN.findall(text)


def parse_offering(provider_id: str, model_id: str, raw: Mapping[str, Any] | None = None) -> Identity:
    """The identity of `model_id` as `provider_id` lists it (`raw`, its catalog entry, adds the family)."""
    text = model_id.strip().lower()
    alias = text.startswith("~")
    parts = text.lstrip("~").split("/")
    text = parts[-1]
    hint = parts[-2] if len(parts) > 1 and parts[-2] not in ("models", "@cf", "@hf") else None

    region = None
    if bedrock := _BEDROCK.match(text):
        region, hint, text = bedrock.group(1), bedrock.group(2), bedrock.group(3)
    text = text.split("@", 1)[0]  # Vertex: claude-opus-4-8@default

    # Bedrock's -v1:0, -v2, -1:0; elsewhere only a final -v1 (nova-pro-v1) or -v0.1, never deepseek-v3's version.
    text = re.sub(
        r"-v\d+(?::\d+)?$|-\d+:\d+$" if bedrock else r"-v1(?:[.:]0)?$|-v0\.\d+$|-\d+:\d+$", "", text
    )
    free = False
    if ":" in text:
        head, tag = text.rsplit(":", 1)
        free = tag in _FREE_TAGS
        text = f"{head}-{tag}" if _SIZE_TAG.match(tag) else head  # Ollama's gemma3:27b keeps its size
    family = str((raw or {}).get("family") or "")
    free = free or family.endswith("-free") or bool(re.search(r"(?:^|-)free$", text))

    preview = bool(_PREVIEW.search(text))
    text = _PREVIEW.sub("", text)
    if _LATEST.search(text):
        alias, text = True, _LATEST.sub("", text)
    snapshot = ""
    for pattern in _DATES:
        if found := pattern.search(text):
            digits = re.sub(r"\D", "", found.group(1))
            if len(digits) == 6:  # Cohere's MM-YYYY, ByteDance's YYMMDD
                digits = f"{digits[2:]}{digits[:2]}00" if digits[2:4] == "20" else f"20{digits}"
            snapshot = snapshot or digits.rjust(8, "0")
            text = pattern.sub("", text)
    for found in list(_FOUR_DIGITS.finditer(text)):
        if when := _four_digit_date(found.group(1)):  # -0905 (MMDD), Mistral's -2512 (YYMM): snapshots
            snapshot = snapshot or when
            text = text.replace(found.group(0), "", 1)
    text = _PACKING.sub("", _VARIANT_SUFFIXES.sub("", text))
    if text.startswith("claude"):
        text = re.sub(r"-fast$", "", text)  # fast mode of the same model

    canonical = _canonical(tokens_of(text)) or model_id.strip().lower()  # no ASCII word at all: the id itself
    tokens = canonical.split("-")
    version = _version([t for t in tokens if t.isdigit()])
    line = "-".join(t for t in tokens if not t.isdigit())
    return Identity(
        canonical=canonical,
        lab_hint=_LAB_ALIASES.get(hint) if hint else None,
        line=line,
        version=version,
        snapshot=snapshot,
        alias=alias,
        preview=preview,
        free_tier=free,
        region=region,
    )


def _canonical(tokens: list[str]) -> str:
    """Tokens with the spelling that differs between hosts but not between models taken out."""
    if len(tokens) > 1 and tokens[0] in _HOST_WORDS and tokens[1] not in _HOST_WORDS:
        tokens = tokens[1:]  # anthropic-claude-opus-4-5, meta-llama-3-1-8b
    out: list[str] = []
    skip = False
    for number, token in enumerate(tokens):
        following = tokens[number + 1] if number + 1 < len(tokens) else ""
        if skip:
            skip = False
        elif token in ("non", "no") and following in ("reasoning", "thinking"):
            skip = True  # 'non-reasoning' is the plain model
        elif token in _DROPPED_TOKENS or re.fullmatch(r"a\d+b", token):
            continue  # instruct, it, free; active parameters (a22b) some hosts leave out
        elif token == "0" and out and out[-1].isdigit() and not following.isdigit():
            continue  # claude-opus-4-0 is claude-opus-4
        elif token in _EFFORT and not following and out and (out[-1].isdigit() or out[-1] in _EFFORT_AFTER):
            continue  # gpt-5.1-high, o3-mini-high; not mistral-medium
        else:
            out.append("thinking" if token == "reasoning" else token)
    text = "-".join(out or tokens)
    for pattern, replacement in _ALIASES:
        text = pattern.sub(replacement, text)
    return text


def _version(numbers: list[str]) -> tuple[float, ...]:
    """Comparable version numbers: the minor parts read as decimals, as labs write them (Grok 4.20 < 4.3)."""
    return tuple(float(n) if i == 0 else float(f"0.{n}") for i, n in enumerate(numbers))


def canonical_id(provider_id: str, model_id: str) -> str:
    """The model behind an offering: equal strings are the same model."""
    return parse_offering(provider_id, model_id).canonical


def is_free_tier(provider_id: str, model_id: str, raw: Mapping[str, Any] | None = None) -> bool:
    """A rate-limited free offering: a ':free' tag, a '-free' id or a family marked free."""
    return parse_offering(provider_id, model_id, raw).free_tier


def bedrock_region(model_id: str) -> str | None:
    """The region of a Bedrock inference profile ('us', 'eu', 'global', ...); None for a bare model id."""
    found = _BEDROCK.match(model_id.strip().lower())
    return found.group(1) if found else None


def bedrock_regions_for(aws_region: str | None) -> tuple[str, ...]:
    """The inference profiles a user in `aws_region` may call, best first; a bare id ('') is always last.

    A profile routes only within its geography, so another region's profile is never offered.
    """
    region = (aws_region or "").strip().lower()
    if region.startswith("us-gov"):
        local: tuple[str, ...] = ("us-gov",)
    elif region.startswith("us-"):
        local = ("us",)
    elif region.startswith("eu-"):
        local = ("eu",)
    elif region.startswith(("ap-northeast-1", "ap-northeast-3")):
        local = ("jp", "apac")
    elif region.startswith(("ap-southeast-2", "ap-southeast-4")):
        local = ("au", "apac")
    elif region.startswith("ap-"):
        local = ("apac",)
    elif region.startswith("ca-"):
        local = ("ca",)
    else:
        local = ()
    return (*local, "global", "")


def lab_of(identity: Identity, labs: Mapping[str, str], provider_id: str) -> str:
    """Who makes the model: the quality table's lab map, a path prefix, the line's first word, else the provider."""
    if lab := labs.get(identity.canonical):
        return lab
    if identity.lab_hint:
        return identity.lab_hint
    first = identity.canonical.split("-", 1)[0]
    return _LAB_BY_TOKEN.get(first) or FIRST_PARTY.get(provider_id) or provider_id
