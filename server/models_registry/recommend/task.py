"""Reading the task: what its words ask for, each reported in `applied_hints` with its effect.

Words are matched on word boundaries, never inside other words. A hint can set:

- the **kind** of model (embeddings, transcription, text to speech, voice assistant, image,
  video or music generation, moderation, reranking, deep research); chat otherwise;
- the **category**, which picks the quality column: coding, math/reasoning, vision,
  creative, extraction/classification, summarisation, agentic tool use, general chat;
- **hard requirements**, only for what the task cannot do without: image input to look at
  images, audio or video input to listen or watch, tool calling for agents and tools,
  open weights to self-host, a context that holds the stated size ("500-page" -> pages x
  `TOKENS_PER_PAGE`; "long document" -> `LONG_CONTEXT`);
- **preferences**, which rank without excluding: structured output for "json", PDF input
  for "pdf", the reasoning flag for math;
- **optimize**: "cheap", "small", "lightweight", "sub-agent", "at scale", "classify",
  "route" ask for the cost-efficient end above a quality floor; "best" for capability.

A negation just before the words ("no tool calls needed", "without images") or just after
("images not needed") drops the hint. Explicit arguments always win over hints.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from .schema import AppliedHint, RecommendRequest

__all__ = ["CATEGORY_COLUMN", "LONG_CONTEXT", "TOKENS_PER_PAGE", "Plan", "Reading", "plan_for", "read_task"]

LONG_CONTEXT = 200_000  # what "long document" asks for
TOKENS_PER_PAGE = 600  # a dense page of prose: ~450 words
TOKENS_PER_WORD = 1.35
# Task category -> the quality column that ranks it.
CATEGORY_COLUMN = {
    "general": "general",
    "coding": "coding",
    "agentic": "coding",  # tool use is measured by coding-agent benchmarks (SWE-bench, Terminal-Bench)
    "math": "math",
    "creative": "creative",
    "extraction": "instruction",
    "summarisation": "long",
    "vision": "vision",
}
KIND_COLUMN = {"image-generation": "image"}


@dataclass
class Reading:
    """What the task asks for, before explicit arguments are laid over it."""

    kind: str | None = None
    category: str | None = None
    capabilities: list[str] = field(default_factory=list)
    input_modalities: list[str] = field(default_factory=list)
    output_modalities: list[str] = field(default_factory=list)
    min_context: int = 0
    prefer: list[str] = field(default_factory=list)
    optimize: str | None = None
    free: bool = False
    fast: bool = False
    no_reasoning: bool = False
    names: list[str] = field(default_factory=list)
    hints: list[AppliedHint] = field(default_factory=list)


Action = Callable[[Reading, re.Match[str]], str | None]  # the effect, or None when nothing changes


def _kind(kind: str) -> Action:
    def apply(r: Reading, _: re.Match[str]) -> str | None:
        if r.kind is None:
            r.kind = kind
            return f"kind = {kind}"
        return None

    return apply


def _category(category: str) -> Action:
    def apply(r: Reading, _: re.Match[str]) -> str | None:
        if r.category is not None:
            return None
        r.category = category
        effect = f"category = {category} (ranks by the {CATEGORY_COLUMN[category]} column)"
        if category == "extraction" and r.optimize is None:
            r.optimize = "cost"  # pulling fields and labels out of text is a small model's job
            effect += "; optimize = cost" + _SMALL
        return effect

    return apply


def _require(field_name: str, value: str) -> Action:
    def apply(r: Reading, _: re.Match[str]) -> str | None:
        values = getattr(r, field_name)
        if value in values or (r.kind not in (None, "chat") and field_name != "capabilities"):
            return None  # a non-chat kind brings its own modalities
        values.append(value)
        return f"{field_name} += {value}"

    return apply


def _prefer(value: str) -> Action:
    def apply(r: Reading, _: re.Match[str]) -> str | None:
        if value in r.prefer:
            return None
        r.prefer.append(value)
        return f"prefer {value} (ranks higher, excludes nothing)"

    return apply


def _optimize(mode: str, note: str = "") -> Action:
    def apply(r: Reading, _: re.Match[str]) -> str | None:
        if note == _FAST:
            r.fast = True
        if r.optimize is not None:
            return "a model that answers without reasoning first among equals" if note == _FAST else None
        r.optimize = mode
        return f"optimize = {mode}{note}"

    return apply


def _context(tokens_of_match: Callable[[re.Match[str]], float], how: str) -> Action:
    def apply(r: Reading, match: re.Match[str]) -> str | None:
        tokens = int(min(tokens_of_match(match), MAX_TOKENS))
        if tokens <= r.min_context:
            return None
        r.min_context = tokens
        return f"min_context = {tokens:,} ({how})"

    return apply


MAX_TOKENS = 10**12  # more than any context: a bigger number in a task is read as this


def _number(text: str) -> float:
    return min(float(text.replace(",", "") or 0), MAX_TOKENS)


def _free(r: Reading, _: re.Match[str]) -> str:
    r.free = True
    effect = "free offerings first (free tiers are rate-limited)"
    if r.optimize is None:
        r.optimize = "cost"
        effect += "; optimize = cost"
    return effect


def _research(r: Reading, match: re.Match[str]) -> str | None:
    effect = _kind("research-agent")(r, match)
    if effect and "deep" in match.group(0) and r.optimize is None:
        r.optimize = "capability"  # a deep-research agent, not a quick search
        effect += "; optimize = capability"
    return effect


_FAST = " (the catalog has no latency data; smaller, cheaper models answer faster)"
_SMALL = " (the cheapest model above the quality floor)"


def _w(words: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{words})(?![\w-])")


# (pattern, action), in order: kinds first, so that "text to speech" is a kind and not audio input.
_HINTS: tuple[tuple[re.Pattern[str], Action], ...] = (
    (
        _w(
            r"embeddings?|embedding models?|vector (?:search|store|database|index)|semantic search"
        ),  # not "embed a bot"
        _kind("embedding"),
    ),
    (_w(r"re-?rank(?:s|ing|er|ers)?"), _kind("rerank")),
    (
        _w(r"transcri(?:be|bes|bing|bed|ption|ptions)|speech[- ]to[- ]text|stt|asr|dictation|subtitles?"),
        _kind("speech-to-text"),
    ),
    (
        _w(
            r"text[- ]to[- ]speech|tts|read (?:\w+ ){0,3}(?:aloud|out loud)|voice[- ]?overs?|narrat(?:e|es|ion)"
        ),
        _kind("text-to-speech"),
    ),
    (
        _w(
            r"voice (?:assistant|agent|bot|chat|interface)s?|speech[- ]to[- ]speech|real[- ]?time (?:voice|audio|speech)"
            r"|phone (?:agent|bot)s?|answer(?:s|ing)? (?:the )?phone|talk to users"
        ),
        _kind("realtime-voice"),
    ),
    (
        _w(
            r"(?:generat\w*|creat\w*|mak\w*|draw\w*|render\w*|design\w*) (?:an? |some |the )?(?:\w+ ){0,2}"
            r"(?:images?|pictures?|illustrations?|logos?|icons?|artwork|photos?)|images? generation|text[- ]to[- ]image"
            r"|image generator"
        ),
        _kind("image-generation"),
    ),
    (
        _w(
            r"(?:generat\w*|creat\w*|mak\w*|render\w*) (?:an? |some |the )?(?:\w+ ){0,3}(?:videos?|clips?)|video generation"
            r"|text[- ]to[- ]video|image[- ]to[- ]video"
        ),
        _kind("video-generation"),
    ),
    (
        _w(
            r"(?:generat\w*|compos\w*|creat\w*|mak\w*|produc\w*) (?:an? |some |the )?(?:\w+ ){0,2}"
            r"(?:music|songs?|jingles?|soundtracks?|sound effects?)|music generation|text[- ]to[- ]music|background music"
        ),
        _kind("audio-generation"),
    ),
    (
        _w(
            r"moderation|moderating|moderate (?:\w+ )?(?:content|posts|comments|messages|uploads)|content safety"
            r"|guardrails?|safety classifier|toxicity|jailbreaks?"
        ),
        _kind("moderation"),
    ),
    (_w(r"deep research|research reports?|web research|search the web|browse the web"), _research),
    # Categories: the first that matches picks the quality column.
    (
        _w(
            r"code|coding|coder|programm\w*|refactor\w*|debug\w*|bugs?|unit tests?|software|repos?|repository|codebases?"
            r"|pull requests?|python|javascript|typescript|rust|golang|java|sql|developers?"
        ),
        _category("coding"),
    ),
    (
        _w(
            r"math\w*|proofs?|theorems?|calculus|algebra|olympiad|physics|reasoning|logic|puzzles?|hard problems?"
        ),
        _category("math"),
    ),
    (
        _w(
            r"vision|images?|screenshots?|photos?|pictures?|diagrams?|charts?|scans?|scanned|ocr(?:-free)?|visual"
        ),
        _category("vision"),
    ),
    (
        _w(
            r"creative|stor(?:y|ies)|fiction|poems?|poetry|novels?|screenplays?|lyrics|copywriting|marketing copy"
            r"|slogans?|role[- ]?play\w*|brainstorm\w*"
        ),
        _category("creative"),
    ),
    (
        _w(
            r"extract\w*|classif\w*|categori[sz]\w*|label\w*|tagg\w*|triage|sentiment|pars(?:e|ing)|entities|ner"
            r"|rout(?:e|ing)|invoices?|receipts?|forms?|structured data"
        ),
        _category("extraction"),
    ),
    (_w(r"summar\w*|tl;?dr|digests?|condens\w*|key points"), _category("summarisation")),
    (
        _w(
            r"(?<!sub-)(?<!sub )agents?|agentic|tool[- ]?(?:use|calls?|calling)|tools|function[- ]calling|mcp"
            r"|multi[- ]step|workflows?|automation|autonomous"
        ),
        _category("agentic"),
    ),
    (_w(r"chat\w*|assistants?|general[- ]purpose|q&a|questions|everyday"), _category("general")),
    # Hard requirements: what the task cannot do without.
    (
        _w(  # what a model must see: not "plots charts" or "scans the repo"
            r"vision|images?|screenshots?|photos?|pictures?|scanned|(?:document|page|receipt|invoice) scans?"
            r"|scans? of|ocr(?:-free)?|(?:read|describe|interpret|analy[sz]e|understand|look at) (?:the |these |a )?"
            r"(?:\w+ )?(?:charts?|diagrams?|figures?|plots?)"
        ),
        _require("input_modalities", "image"),
    ),
    (
        _w(r"audio|podcasts?|recordings?|voice memos?|calls? recordings?"),
        _require("input_modalities", "audio"),
    ),
    (_w(r"videos?|clips?|footage"), _require("input_modalities", "video")),
    (
        _w(r"agents?|sub[- ]?agents?|agentic|tool[- ]?(?:use|calls?|calling)|tools|function[- ]calling|mcp"),
        _require("capabilities", "tool_call"),
    ),
    (
        _w(r"open[- ]weights?|open[- ]source|self[- ]host\w*|on[- ]prem\w*"),
        _require("capabilities", "open_weights"),
    ),
    (  # a model on this machine (Ollama, LM Studio, a configured server): not "local news"
        _w(r"(?:run(?:s|ning)?\s+)?locally|on[- ]device|on my (?:own )?(?:machine|laptop|computer|hardware|gpus?|mac)"),
        _require("capabilities", "local"),
    ),
    # Sizes become limits.
    (
        _w(r"(\d[\d,]*+(?:\.\d+)?)[- ]?pages?"),
        _context(lambda m: _number(m.group(1)) * TOKENS_PER_PAGE, f"{TOKENS_PER_PAGE} tokens a page"),
    ),
    (
        _w(r"(\d[\d,]*+(?:\.\d+)?)\s?([km])?[- ]?tokens?"),
        _context(
            lambda m: _number(m.group(1)) * {"k": 1_000, "m": 1_000_000}.get(m.group(2) or "", 1),
            "as stated",
        ),
    ),
    (
        _w(r"(\d[\d,]*+(?:\.\d+)?)\s?(k)?[- ]?words?"),
        _context(
            lambda m: _number(m.group(1)) * (1000 if m.group(2) else 1) * TOKENS_PER_WORD,
            f"{TOKENS_PER_WORD} tokens a word",
        ),
    ),
    (
        _w(
            r"(?:long|large|lengthy|huge) (?:\w+ )?(?:documents?|docs?|context|texts?|files?|pdfs?|reports?|transcripts?"
            r"|papers?|contracts?|inputs?|codebases?)|(?:a|an|the|this|whole|entire|full|long) books?"
            r"|whole (?:codebase|repo\w*)"
        ),
        _context(lambda _: LONG_CONTEXT, "a long input"),
    ),
    # Preferences: rank higher, exclude nothing.
    (_w(r"json|structured (?:output|data)|schemas?"), _prefer("structured_output")),
    (_w(r"pdfs?"), _prefer("pdf")),
    (
        _w(r"math\w*|proofs?|theorems?|reasoning|logic|puzzles?|think (?:hard|carefully|step by step)"),
        _prefer("reasoning"),
    ),
    # Where to sit on the price/quality curve.
    (  # not "free text", "free-form", "feel free"
        _w(
            r"free (?:models?|tiers?|plans?|options?|apis?|llms?|offerings?)|for free|no[- ]cost|zero[- ]cost"
            r"|(?:don'?t|do not) (?:want to )?pay"
        ),
        _free,
    ),
    (
        _w(r"cheap\w*|budget|low[- ]cost|inexpensive|affordable|cost[- ]effective|economical"),
        _optimize("cost"),
    ),
    (
        _w(
            r"small|lightweight|light[- ]weight|sub[- ]?agents?|at scale|high[- ]volume|bulk|millions of|classif\w*"
            r"|rout(?:e|ing)|triage|simple"
        ),
        _optimize("cost", _SMALL),
    ),
    (_w(r"fast|faster|quick\w*|low[- ]latency|real[- ]?time|snappy"), _optimize("cost", _FAST)),
    (
        _w(
            r"best|smartest|strongest|most (?:capable|intelligent|powerful|advanced)|highest[- ]quality|frontier"
            r"|state[- ]of[- ]the[- ]art|sota|top[- ]tier|hard(?:est)?|difficult|competition[- ]level|olympiad"
            r"|research[- ]level"
        ),
        _optimize("capability"),
    ),
    (_w(r"(?:largest|biggest|longest|max(?:imum)?) context"), _optimize("context")),
)

# Words that name a model family, a lab's line or a language: a model whose id carries them ranks higher
# ("read English articles aloud" prefers orpheus-v1-english; "use claude" prefers Claude models).
NAMES = frozenset(
    [
        "claude",
        "opus",
        "sonnet",
        "haiku",
        "gpt",
        "codex",
        "gemini",
        "gemma",
        "llama",
        "mistral",
        "ministral",
        "magistral",
        "devstral",
        "codestral",
        "qwen",
        "qwq",
        "deepseek",
        "grok",
        "kimi",
        "glm",
        "sonar",
        "whisper",
        "flux",
        "imagen",
        "veo",
        "sora",
        "english",
        "arabic",
        "chinese",
        "japanese",
        "korean",
        "french",
        "german",
        "spanish",
        "hindi",
        "russian",
        "portuguese",
        "italian",
        "deep",
        "research",
    ]
)
_NAME = _w("|".join(sorted(NAMES)))
_REASONING = _w(r"reasoning|thinking")

_NEGATION_BEFORE = re.compile(
    r"(?:\b(?:no|not|without|never|don'?t|doesn'?t|do not|does not|no need for|excluding|except|nor|non)\b[\w\s'-]{0,24})$"
)
_NEGATION_AFTER = re.compile(
    r"^\s*(?:is |are )?(?:not (?:needed|required|necessary|wanted)|unnecessary|unneeded)\b"
)


def _negated(text: str, match: re.Match[str]) -> bool:
    before = re.split(r"[,.;:!?()]|\bbut\b|\band\b", text[max(0, match.start() - 40) : match.start()])[-1]
    return bool(_NEGATION_BEFORE.search(before) or _NEGATION_AFTER.match(text[match.end() :]))


def read_task(task: str) -> Reading:
    """What the words of `task` ask for; every recognised phrase is reported in `hints`."""
    reading = Reading()
    text = task.lower()
    claimed: list[tuple[int, int]] = []  # words a kind used ("generate images" is not vision)
    for pattern, action in _HINTS:
        for match in pattern.finditer(text):
            if any(start < match.end() and match.start() < end for start, end in claimed):
                continue
            if _negated(text, match):
                negated = AppliedHint(hint=match.group(0), effect="ignored: negated")
                if negated not in reading.hints:  # "tool calls" is both a category and a need: say it once
                    reading.hints.append(negated)
                continue
            effect = action(reading, match)
            if effect is not None:
                reading.hints.append(AppliedHint(hint=match.group(0), effect=effect))
                if effect.startswith("kind = "):
                    claimed.append(match.span())
                break  # one report per hint
    if any(_negated(text, m) for m in _REASONING.finditer(text)):  # "without reasoning", "no thinking"
        reading.fast = reading.no_reasoning = True
        reading.hints.append(
            AppliedHint(hint="no reasoning", effect="only models that answer without reasoning, when any do")
        )
    names = [m.group(0) for m in _NAME.finditer(text) if not _negated(text, m)]
    if names := list(dict.fromkeys(names)):
        reading.names = names
        reading.hints.append(
            AppliedHint(hint=", ".join(names), effect="only models whose id names them, when any do")
        )
    return reading


@dataclass(frozen=True)
class Plan:
    """The request with the task's hints laid under the explicit arguments: what the ranking acts on."""

    kind: str
    category: str
    column: str
    capabilities: tuple[str, ...]
    input_modalities: tuple[str, ...]
    output_modalities: tuple[str, ...]
    min_context: int
    min_output: int
    max_input_cost: float | None
    max_output_cost: float | None
    expected_input_tokens: int | None
    expected_output_tokens: int | None
    optimize: str
    providers: tuple[str, ...] | None
    available_only: bool
    include_preview: bool
    limit: int
    prefer: tuple[str, ...]
    free: bool
    fast: bool
    no_reasoning: bool
    names: tuple[str, ...]
    hints: tuple[AppliedHint, ...]


@lru_cache(maxsize=256)  # agents ask the same things again: a request's plan is a pure function of it
def plan_for(req: RecommendRequest) -> Plan:
    """Explicit arguments win; the task's words fill in what the caller left at its default."""
    reading = read_task(req.task) if req.task else Reading()
    kind = req.kind or reading.kind or "chat"
    if kind == "chat":
        category = reading.category or ("vision" if "image" in req.input_modalities else "general")
    else:
        category = kind
    column = KIND_COLUMN.get(kind) or CATEGORY_COLUMN.get(category, "general")
    hints = [_overridden(h, req, reading) for h in reading.hints]
    optimize = req.optimize if req.optimize != "balanced" else (reading.optimize or "balanced")
    return Plan(
        kind=kind,
        category=category,
        column=column,
        capabilities=tuple(dict.fromkeys([*req.capabilities, *reading.capabilities])),
        input_modalities=tuple(dict.fromkeys([*req.input_modalities, *reading.input_modalities])),
        output_modalities=tuple(dict.fromkeys([*req.output_modalities, *reading.output_modalities])),
        min_context=req.min_context
        or reading.min_context,  # an explicit min_context wins, even a smaller one
        min_output=req.min_output,
        max_input_cost=req.max_input_cost,
        max_output_cost=req.max_output_cost,
        expected_input_tokens=req.expected_input_tokens,
        expected_output_tokens=req.expected_output_tokens,
        optimize=optimize,
        providers=req.providers,
        available_only=req.available_only,
        include_preview=req.include_preview,
        limit=req.limit,
        prefer=tuple(reading.prefer),
        free=reading.free,
        fast=reading.fast,
        no_reasoning=reading.no_reasoning,
        names=tuple(reading.names),
        hints=tuple(hints),
    )


def _overridden(hint: AppliedHint, req: RecommendRequest, reading: Reading) -> AppliedHint:
    """A hint's effect, said again when an explicit argument overrode it."""
    if hint.effect.startswith("kind = ") and req.kind and req.kind != reading.kind:
        return AppliedHint(hint=hint.hint, effect=f"kind {req.kind} was given")
    if "optimize = " in hint.effect and req.optimize != "balanced":
        before, _, _ = hint.effect.partition("optimize = ")
        return AppliedHint(hint=hint.hint, effect=f"{before}optimize {req.optimize} was given")
    if hint.effect.startswith("min_context = ") and req.min_context:
        return AppliedHint(hint=hint.hint, effect=f"min_context {req.min_context:,} was given")
    return hint
