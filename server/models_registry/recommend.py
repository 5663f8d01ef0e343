"""recommend_model's ranking: task hints, hard filters, one pick per model, reasons for every pick.

Plain functions over flattened `Candidate` rows built once per catalog; no I/O and no
MCP. The README's "How recommend_model ranks" section describes these rules for users;
keep the two in step.

1. Hints: recognised words in `task` become explicit requirements (`applied_hints`).
2. Hard filters, in a fixed order, each counted in `excluded`. An unknown price is not
   free: a price cap excludes models without cost data. Deprecated models never pass.
3. One pick per model: a model served by many providers, or present as an alias and a
   dated snapshot, appears once, under the best provider for this user (available,
   the user's default provider, the lab's own API, newest, shortest id); the others
   go to `also_available_via`.
4. Order by `optimize`; ties break on the user's default model, then default
   provider, then id, so the same inputs always give the same answer.

Quality is a proxy and says so: models.dev's published benchmark results where its
lab metadata has them, else recency, the reasoning flag and tier words in names.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_CEILING, Decimal
from operator import attrgetter, itemgetter
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, WithJsonSchema

from .labs import LabData, base_id

__all__ = [
    "CAPABILITIES",
    "MODALITIES",
    "AppliedHint",
    "Candidate",
    "Optimize",
    "RecommendRequest",
    "RecommendResult",
    "Recommendation",
    "build_candidates",
    "estimate_cost",
    "recommend",
]

Optimize = Literal["balanced", "cost", "capability", "context"]
OPTIMIZE_MODES = ("balanced", "cost", "capability", "context")
CAPABILITIES = ("tool_call", "reasoning", "attachment", "structured_output", "temperature", "open_weights")
MODALITIES = ("text", "image", "audio", "video", "pdf")
QUALITY_MARGIN = 0.1  # balanced: the cheapest pick whose quality proxy is within this of the best
LONG_CONTEXT = 200_000  # what "long document" asks for
_STRONG = ("opus", "pro", "max", "ultra", "large")
_LIGHT = ("mini", "nano", "flash", "lite", "small", "haiku", "tiny")


# --- Request and result ---------------------------------------------------------------------


@dataclass(frozen=True)
class RecommendRequest:
    """What the caller needs; `validate()` says what is wrong in words a caller can act on."""

    task: str | None = None
    capabilities: tuple[str, ...] = ()
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    min_context: int = 0
    min_output: int = 0
    max_input_cost: float | None = None
    max_output_cost: float | None = None
    expected_input_tokens: int | None = None
    expected_output_tokens: int | None = None
    optimize: str = "balanced"
    providers: tuple[str, ...] | None = None
    available_only: bool = True
    include_preview: bool = False
    limit: int = 5

    def validate(self) -> None:
        def allowed(values: Iterable[str], choices: tuple[str, ...], what: str) -> None:
            if bad := [v for v in values if v not in choices]:
                raise ValueError(f"unknown {what} {bad[0]!r}; allowed: {', '.join(choices)}")

        allowed(self.capabilities, CAPABILITIES, "capability")
        allowed([*self.input_modalities, *self.output_modalities], MODALITIES, "modality")
        allowed([self.optimize], OPTIMIZE_MODES, "optimize mode")
        numbers = {
            "min_context": self.min_context,
            "min_output": self.min_output,
            "max_input_cost": self.max_input_cost,
            "max_output_cost": self.max_output_cost,
            "expected_input_tokens": self.expected_input_tokens,
            "expected_output_tokens": self.expected_output_tokens,
        }
        for name, value in numbers.items():
            # isfinite() only for floats: JSON integers may exceed a float's range (10**400).
            if value is not None and ((isinstance(value, float) and not math.isfinite(value)) or value < 0):
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")
        if not 1 <= self.limit <= 50:
            raise ValueError(f"limit must be between 1 and 50, got {self.limit}")


# Results leave unknown values out instead of sending null (see mcp_server's exclude_none), so the
# schema need not admit null: that keeps clients from trying an anyOf branch for every field.
AbsentNumber = Annotated[float | None, WithJsonSchema({"type": "number"})]
AbsentInteger = Annotated[int | None, WithJsonSchema({"type": "integer"})]
AbsentText = Annotated[str | None, WithJsonSchema({"type": "string"})]


class AppliedHint(BaseModel):
    hint: str = Field(description="The words recognised in the task.")
    effect: str = Field(description="The requirement they became, e.g. 'input_modalities += pdf'.")


class Recommendation(BaseModel):
    model: str = Field(description="'provider/model': pass it to get_model or set_default.")
    name: str
    provider: str
    rank: int
    score: float = Field(description="The quality proxy the ranking used (0..1, higher is better); not a benchmark.")
    reasons: list[str] = Field(description="Why it is here and in this place; each names the signal that decided.")
    capabilities: list[str]
    context: int
    max_output: int
    input_cost: AbsentNumber = Field(None, description="USD per 1M input tokens; absent when unknown.")
    output_cost: AbsentNumber = Field(None, description="USD per 1M output tokens; absent when unknown.")
    cache_read_cost: AbsentNumber = Field(None, description="USD per 1M cached input tokens read.")
    cache_write_cost: AbsentNumber = Field(None, description="USD per 1M input tokens written to the cache.")
    estimated_cost_usd: AbsentNumber = Field(
        None, description="For expected_input_tokens/expected_output_tokens, with tier prices when the input crosses a tier."
    )
    release_date: AbsentText = None
    status: AbsentText = Field(None, description="alpha | beta when a preview; absent for a stable model.")
    available: bool = Field(description="Its provider has credentials set.")
    also_available_via: list[str] = Field(default_factory=list, description="The same model at other providers.")


class RecommendResult(BaseModel):
    recommendations: list[Recommendation]
    considered: int = Field(description="Models looked at before the filters.")
    excluded: dict[str, int] = Field(description="How many models each constraint removed, in the order applied.")
    applied_hints: list[AppliedHint] = Field(default_factory=list, description="What the task's words were taken to mean.")
    catalog: str = Field("", description="Where the catalog came from and its age.")
    catalog_source: str = Field("", description="snapshot | cache | network | file.")
    catalog_age_seconds: AbsentNumber = None
    quality_note: str = (
        "Quality is a proxy: models.dev benchmark results where published, else recency, the reasoning flag "
        "and tier words in names. It is not a benchmark score."
    )
    message: AbsentText = Field(None, description="When nothing fits: what removed the last candidates and what to relax.")
    blocking_constraint: AbsentText = Field(None, description="The constraint that removed the last candidates.")
    relaxation: AbsentText = Field(None, description="The closest change that would give an answer.")


# --- Candidates -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """One model at one provider, flattened from the raw catalog for fast filtering."""

    ref: str
    provider_id: str
    model_id: str
    name: str
    base: str
    capabilities: frozenset[str]
    inputs: frozenset[str]
    outputs: frozenset[str]
    context: int
    max_input: int
    max_output: int
    cost: Mapping[str, Any] | None
    input_cost: float | None
    output_cost: float | None
    blended: float | None  # USD per 1M tokens at 3 input : 1 output
    status: str | None
    release_date: str | None
    released: int  # release date as an ordinal, 0 when unknown
    lab: str | None
    quality: float
    quality_why: str

    def price(self, kind: str) -> float | None:
        if kind == "input":
            return self.input_cost
        if kind == "output":
            return self.output_cost
        value = (self.cost or {}).get(kind)
        return float(value) if isinstance(value, int | float) else None


class CandidateTable(list[Candidate]):
    """Candidates in catalog order, with each provider's rows contiguous: `spans[provider_id]` is
    its (start, end), so a provider filter takes slices instead of testing 5k rows."""

    def __init__(self, rows: Iterable[Candidate] = (), spans: dict[str, tuple[int, int]] | None = None):
        super().__init__(rows)
        if spans is None:
            spans = {}
            for number, c in enumerate(self):
                start, _ = spans.get(c.provider_id, (number, number))
                spans[c.provider_id] = (start, number + 1)
            if sum(end - start for start, end in spans.values()) != len(self):
                raise ValueError("a provider's candidates must be contiguous")
        self.spans = spans

    def only(self, provider_ids: frozenset[str]) -> CandidateTable:
        """The rows of these providers."""
        if provider_ids.issuperset(self.spans):
            return self
        rows: list[Candidate] = []
        spans: dict[str, tuple[int, int]] = {}
        for provider_id, (start, end) in self.spans.items():
            if provider_id in provider_ids:
                spans[provider_id] = (len(rows), len(rows) + end - start)
                rows += self[start:end]
        return CandidateTable(rows, spans)


def build_candidates(providers: Mapping[str, Mapping[str, Any]], labs: LabData) -> CandidateTable:
    """Every model of every provider, as a `Candidate` (built once per catalog)."""
    percentiles = labs.percentiles()
    out: list[Candidate] = []
    for provider_id, entry in providers.items():
        for model_id, raw in (entry.get("models") or {}).items():
            base = base_id(model_id)
            limit = raw.get("limit") or {}
            modalities = raw.get("modalities") or {}
            quality, why = _quality(raw, percentiles.get(base))
            cost = raw.get("cost") or {}
            price_in, price_out = _number(cost.get("input")), _number(cost.get("output"))
            released = _date(raw.get("release_date"))
            out.append(
                Candidate(
                    ref=f"{provider_id}/{model_id}",
                    provider_id=provider_id,
                    model_id=model_id,
                    name=str(raw.get("name") or model_id),
                    base=base,
                    capabilities=frozenset(cap for cap in CAPABILITIES if raw.get(cap) is True),
                    inputs=frozenset(modalities.get("input") or ()),
                    outputs=frozenset(modalities.get("output") or ()),
                    context=int(limit.get("context") or 0),
                    max_input=int(limit.get("input") or limit.get("context") or 0),
                    max_output=int(limit.get("output") or 0),
                    cost=raw.get("cost"),
                    input_cost=price_in,
                    output_cost=price_out,
                    blended=None if price_in is None or price_out is None else round((3 * price_in + price_out) / 4, 6),
                    status=raw.get("status"),
                    release_date=raw.get("release_date"),
                    released=released.toordinal() if released else 0,
                    lab=labs.labs.get(base),
                    quality=quality,
                    quality_why=why,
                )
            )
    return CandidateTable(out)


def _quality(raw: Mapping[str, Any], benchmark: tuple[float, str] | None) -> tuple[float, str]:
    """A 0..1 proxy and the signals that decided it."""
    name = f"{raw.get('id', '')} {raw.get('name', '')}".lower()
    # At most 0.9: a guess from names and dates never outranks measured benchmark results.
    score, signals = 0.4, []
    if raw.get("reasoning") is True:
        score += 0.15
        signals.append("reasoning model")
    if any(word in name for word in _STRONG):
        score += 0.15
        signals.append("top-tier name")
    elif any(word in name for word in _LIGHT):
        score -= 0.15
        signals.append("light-tier name")
    released = _date(raw.get("release_date"))
    if released:
        score += max(0.0, min(0.2, (released.year - 2023) * 0.06 + released.month * 0.005))
        signals.append(f"released {released:%Y-%m}")
    heuristic = min(max(score, 0.0), 1.0)
    if benchmark is None:
        return round(heuristic, 4), ", ".join(signals) or "no quality signal"
    share, shown = benchmark
    blended = 0.4 * heuristic + 0.6 * share
    return round(blended, 4), f"models.dev benchmarks ({shown}; ahead of {share:.0%} of listed models)"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _price_or(value: Any, fallback: float) -> float:
    number = _number(value)
    return fallback if number is None else number


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


# --- Hints ------------------------------------------------------------------------------------

# (pattern, field, value): a recognised phrase and the requirement it becomes. Order matters
# only for the report. "generate images" asks for image output, so it is checked before vision.
_HINTS: list[tuple[re.Pattern[str], str, Any]] = [
    (re.compile(r"\b((generat\w*|creat\w*|draw\w*|render\w*) (an? |some )?(images?|pictures?|illustrations?)|(images?|pictures?) generation|text[- ]to[- ]image)\b"), "output_modalities", "image"),
    (re.compile(r"\b(vision|images?|screenshots?|photos?|pictures?|diagrams?|charts?)\b"), "input_modalities", "image"),
    (re.compile(r"\bpdfs?\b"), "input_modalities", "pdf"),
    (re.compile(r"\b(audio|speech|voice|transcri\w+|podcasts?)\b"), "input_modalities", "audio"),
    (re.compile(r"\bvideos?\b"), "input_modalities", "video"),
    (re.compile(r"\b(code|coding|programming|refactor\w*|debug\w*|tools?|function[- ]calling|agents?|agentic)\b"), "capabilities", "tool_call"),
    (re.compile(r"\b(reasoning|think\w*|math\w*|proofs?|logic|puzzles?)\b"), "capabilities", "reasoning"),
    (re.compile(r"\b(json|structured output|schema)\b"), "capabilities", "structured_output"),
    (re.compile(r"\b(open[- ]weights?|open[- ]source|self[- ]host\w*)\b"), "capabilities", "open_weights"),
    (re.compile(r"\b((long|large|lengthy|huge) (\w+ )?(documents?|docs?|context|texts?|files?|pdfs?|reports?|transcripts?|papers?|contracts?|inputs?|codebases?)|books?|whole (codebase|repo\w*))\b"), "min_context", LONG_CONTEXT),
    (re.compile(r"\b(cheap\w*|budget|low[- ]cost|inexpensive|affordable)\b"), "optimize", "cost"),
    (re.compile(r"\b(fast|quick\w*|low[- ]latency|real[- ]?time)\b"), "optimize", "cost"),
    (re.compile(r"\b(best|smartest|strongest|most capable|highest quality)\b"), "optimize", "capability"),
]
_FAST_NOTE = " (the catalog has no latency data; smaller, cheaper models answer faster)"


def apply_hints(req: RecommendRequest) -> tuple[RecommendRequest, list[AppliedHint]]:
    """The request with the task's recognised words turned into requirements. Explicit arguments win."""
    if not req.task:
        return req, []
    text = req.task.lower()
    applied: list[AppliedHint] = []
    changes: dict[str, Any] = {}
    claimed: list[tuple[int, int]] = []  # words an image-output hint used, so "generate images" is not vision
    for pattern, name, value in _HINTS:
        for match in pattern.finditer(text):
            if any(start < match.end() and match.start() < end for start, end in claimed):
                continue
            if name == "output_modalities":
                claimed.append(match.span())
            current = changes.get(name, getattr(req, name))
            if name in ("capabilities", "input_modalities", "output_modalities"):
                effect = f"{name} += {value}" if value not in current else f"{name} has {value} already"
                changes[name] = current if value in current else (*current, value)
            elif name == "min_context":  # an explicit min_context wins, even a smaller one
                effect = f"min_context = {value:,}" if not current else f"min_context {current:,} was given"
                changes[name] = current or value
            else:  # optimize: only when the caller left the default
                effect = f"optimize = {value}" if req.optimize == "balanced" else f"optimize {req.optimize} was given"
                if req.optimize == "balanced" and name not in changes:
                    changes[name] = value
                elif req.optimize == "balanced":
                    effect = f"optimize {changes[name]} was applied first"
                if match.group(0) in ("fast", "quick", "quickly", "low latency", "low-latency", "realtime", "real-time", "real time"):
                    effect += _FAST_NOTE
            applied.append(AppliedHint(hint=match.group(0), effect=effect))
            break  # one report per hint kind
    return replace(req, **changes), applied


# --- Filters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    label: str
    keep: Callable[[Candidate], bool]
    relax: Callable[[list[Candidate]], str] | None  # what to change, given the models it removed
    providers: frozenset[str] | None = None  # set when `keep` is "provider_id in providers"
    statuses: frozenset[str] | None = None  # set when `keep` is "status not in statuses"


def _steps(req: RecommendRequest, available: frozenset[str]) -> list[_Step]:
    steps: list[_Step] = []
    if req.providers:
        wanted = frozenset(req.providers)
        steps.append(
            _Step("not in providers", lambda c: c.provider_id in wanted, lambda _: "drop the providers filter", wanted)
        )
    if req.available_only:
        steps.append(
            _Step("no credentials set", lambda c: c.provider_id in available, _relax_credentials, available)
        )
    deprecated, preview = frozenset({"deprecated"}), frozenset({"alpha", "beta"})
    steps.append(_Step("deprecated", lambda c: c.status not in deprecated, None, statuses=deprecated))
    if not req.include_preview:
        steps.append(
            _Step(
                "preview (alpha/beta)",
                lambda c: c.status not in preview,
                lambda _: "include_preview=true",
                statuses=preview,
            )
        )
    for cap in req.capabilities:
        steps.append(_Step(f"lacks {cap}", lambda c, cap=cap: cap in c.capabilities, lambda _, cap=cap: f"drop capability {cap}"))
    for kind in req.input_modalities:
        steps.append(_Step(f"no {kind} input", lambda c, k=kind: k in c.inputs, lambda _, k=kind: f"drop input modality {k}"))
    for kind in req.output_modalities:
        steps.append(_Step(f"no {kind} output", lambda c, k=kind: k in c.outputs, lambda _, k=kind: f"drop output modality {k}"))
    for argument, minimum, attribute, label, note in (
        ("min_context", req.min_context, "context", f"context below {req.min_context:,}", "the largest left"),
        ("min_output", req.min_output, "max_output", f"output limit below {req.min_output:,}", "the largest left"),
        (
            "expected_input_tokens",
            req.expected_input_tokens,
            "max_input",
            f"{req.expected_input_tokens or 0:,} input tokens do not fit",
            "split the input",
        ),
    ):
        if minimum:
            steps.append(_at_least(argument, minimum, attribute, label, note))
    for kind, cap in (("input", req.max_input_cost), ("output", req.max_output_cost)):
        if cap is not None:
            steps.append(
                _Step(
                    f"{kind} price over {cap:g} or unknown",
                    lambda c, kind=kind, cap=cap: (p := c.price(kind)) is not None and p <= cap,
                    lambda removed, kind=kind: _relax_price(removed, kind),
                )
            )
    return steps


def _at_least(argument: str, minimum: int, attribute: str, label: str, note: str) -> _Step:
    """A step keeping models whose `attribute` reaches `minimum`; relaxed to the largest value left."""
    value = attrgetter(attribute)
    return _Step(
        label,
        lambda c: value(c) >= minimum,
        lambda removed: f"{argument} <= {max(value(c) for c in removed):,} ({note})",
    )


def _relax_credentials(removed: list[Candidate]) -> str:
    providers = sorted({c.provider_id for c in removed})
    shown = ", ".join(providers[:5]) + (f" and {len(providers) - 5} more" if len(providers) > 5 else "")
    return f"set an API key for one of {shown} (see list_providers), or available_only=false"


def _relax_price(removed: list[Candidate], kind: str) -> str:
    prices = [p for c in removed if (p := c.price(kind)) is not None]
    if not prices:
        return f"drop max_{kind}_cost: none of the models left has a known {kind} price"
    # Rounded up, never down: catalog prices carry float noise (2.9000000000000004 -> 2.900001).
    cap = Decimal(min(prices)).quantize(Decimal("0.000001"), rounding=ROUND_CEILING).normalize()
    return f"max_{kind}_cost >= {cap:f} (the cheapest left)"


def _run(steps: list[_Step], table: CandidateTable) -> tuple[list[Candidate], dict[str, int], int | None]:
    """Apply the steps in order: survivors, how many each removed, and the step that removed the last."""
    excluded: dict[str, int] = {}
    blocking: int | None = None
    candidates: list[Candidate] = table
    for number, step in enumerate(steps):
        if step.providers is not None and isinstance(candidates, CandidateTable):
            kept: list[Candidate] = candidates.only(step.providers)  # slices, not 5k tests
        elif step.statuses is not None:  # the same test as `keep`, without a call per model
            kept = [c for c in candidates if c.status not in step.statuses]
        else:
            kept = [c for c in candidates if step.keep(c)]
        if removed := len(candidates) - len(kept):
            excluded[step.label] = excluded.get(step.label, 0) + removed
        if candidates and not kept:
            blocking = number
        candidates = kept
    return candidates, excluded, blocking


def _relaxation(steps: list[_Step], candidates: CandidateTable, blocking: int) -> str | None:
    """The closest change that gives an answer: the blocking constraint first, then each of the others."""
    order = [blocking, *(n for n in range(len(steps)) if n != blocking)]
    for number in order:
        step = steps[number]
        if step.relax is None:
            continue
        without = steps[:number] + steps[number + 1 :]
        survivors, _, _ = _run(without, candidates)
        if survivors:
            removed = [c for c in survivors if not step.keep(c)]
            return step.relax(removed or survivors)
    return None


# --- Ranking ----------------------------------------------------------------------------------


def estimate_cost(cost: Mapping[str, Any] | None, input_tokens: int, output_tokens: int) -> float | None:
    """USD for one call. Above a context tier, the tier's prices apply to the whole call."""
    cost = cost or {}
    price_in, price_out = cost.get("input"), cost.get("output")
    if not isinstance(price_in, int | float) or not isinstance(price_out, int | float):
        return None
    tiers = [t for t in cost.get("tiers") or [] if isinstance((t.get("tier") or {}).get("size"), int)]
    for tier in sorted(tiers, key=lambda t: t["tier"]["size"]):
        if input_tokens > tier["tier"]["size"]:  # a tier without a price keeps the price below it
            price_in, price_out = _price_or(tier.get("input"), price_in), _price_or(tier.get("output"), price_out)
    over = cost.get("context_over_200k") or {}
    if not tiers and over and input_tokens > 200_000:
        price_in, price_out = _price_or(over.get("input"), price_in), _price_or(over.get("output"), price_out)
    return round((input_tokens * price_in + output_tokens * price_out) / 1e6, 6)


def recommend(
    candidates: Iterable[Candidate],
    req: RecommendRequest,
    *,
    available: frozenset[str],
    default_model: str | None = None,
) -> RecommendResult:
    """Rank `candidates` for `req` (validated); deterministic for the same inputs."""
    if not isinstance(candidates, CandidateTable):
        candidates = CandidateTable(sorted(candidates, key=lambda c: c.provider_id))
    req, hints = apply_hints(req)
    steps = _steps(req, available)
    kept, excluded, blocking = _run(steps, candidates)
    considered = len(candidates)
    if not kept:
        return _nothing_fits(req, hints, steps, candidates, excluded, blocking, considered)

    default_provider = default_model.partition("/")[0] if default_model else None
    groups: dict[str, list[Candidate]] = {}
    for c in kept:
        groups.setdefault(c.base, []).append(c)

    def where(c: Candidate) -> tuple:
        not_lab = c.lab != c.provider_id
        return (c.provider_id not in available, c.provider_id != default_provider, not_lab, -c.released, len(c.model_id), c.ref)

    expected = req.expected_input_tokens is not None or req.expected_output_tokens is not None

    def price_of(c: Candidate) -> float:
        if expected:
            value = estimate_cost(c.cost, req.expected_input_tokens or 0, req.expected_output_tokens or 0)
        else:
            value = c.blended
        return math.inf if value is None else value

    # One pick per model: the best place to call it from.
    picks = [(group[0] if len(group) == 1 else min(group, key=where), group) for group in groups.values()]
    best = max(c.quality for c, _ in picks)

    def primary(c: Candidate) -> tuple:
        match req.optimize:
            case "cost":
                return (price_of(c), -c.quality)
            case "capability":
                return (-c.quality, price_of(c))
            case "context":
                return (-c.context, price_of(c))
        return (c.quality < best - QUALITY_MARGIN, price_of(c), -c.quality)

    def tie(c: Candidate) -> tuple:
        return (c.ref != default_model, c.provider_id != default_provider, c.ref)

    # Only the top `limit` (and the next one, to see a tie) need ordering: no full sort of every model.
    keyed = [((primary(c), tie(c)), c, group) for c, group in picks]
    ranked = heapq.nsmallest(req.limit + 1, keyed, key=itemgetter(0))
    recommendations = []
    for rank, ((key, _), c, group) in enumerate(ranked[: req.limit], start=1):
        price = price_of(c)  # with expected tokens, this is the call's estimated cost
        reasons = _reasons(c, req, best, price, expected)
        neighbours = [ranked[i][0][0] for i in (rank - 2, rank) if 0 <= i < len(ranked)]
        if key in neighbours:
            if c.ref == default_model:
                reasons.append("tie broken by your default model")
            elif c.provider_id == default_provider:
                reasons.append("tie broken by your default provider")
        if c.provider_id not in available:
            reasons.append(f"not callable now: {c.provider_id} has no credentials set")
        others = [other.ref for other in sorted(group, key=where) if other is not c]
        estimated = price if expected and price != math.inf else None
        recommendations.append(_recommendation(c, rank, reasons, others, estimated, c.provider_id in available))
    return RecommendResult(
        recommendations=recommendations, considered=considered, excluded=excluded, applied_hints=hints
    )


def _reasons(c: Candidate, req: RecommendRequest, best: float, price: float, expected: bool) -> list[str]:
    reasons = [f"quality proxy {c.quality:.2f} from {c.quality_why}"]
    if price == math.inf:
        reasons.append("price unknown")
    elif expected:
        reasons.append(f"estimated ${price:g} for the expected tokens")
    else:
        reasons.append(f"blended price ${price:g} per 1M tokens (3 input : 1 output)")
    if req.optimize == "balanced":
        if c.quality >= best - QUALITY_MARGIN:
            reasons.append(f"within {QUALITY_MARGIN} of the best quality proxy ({best:.2f}), so price decides")
        else:
            reasons.append(f"below the best quality proxy ({best:.2f}) by more than {QUALITY_MARGIN}")
    elif req.optimize == "context":
        reasons.append(f"context {c.context:,} tokens")
    return reasons


def _recommendation(
    c: Candidate, rank: int, reasons: list[str], others: list[str], estimated: float | None, available: bool
) -> Recommendation:
    return Recommendation(
        model=c.ref,
        name=c.name,
        provider=c.provider_id,
        rank=rank,
        score=c.quality,
        reasons=reasons,
        capabilities=sorted(c.capabilities),
        context=c.context,
        max_output=c.max_output,
        input_cost=c.price("input"),
        output_cost=c.price("output"),
        cache_read_cost=c.price("cache_read"),
        cache_write_cost=c.price("cache_write"),
        estimated_cost_usd=estimated,
        release_date=c.release_date,
        status=c.status,
        available=available,
        also_available_via=others,
    )


def _nothing_fits(
    req: RecommendRequest,
    hints: list[AppliedHint],
    steps: list[_Step],
    candidates: CandidateTable,
    excluded: dict[str, int],
    blocking: int | None,
    considered: int,
) -> RecommendResult:
    constraint = steps[blocking].label if blocking is not None else None
    relaxation = _relaxation(steps, candidates, blocking) if blocking is not None else None
    if constraint == "no credentials set":
        message = (
            "No provider you can call has a model that fits: no API key is set for them. An MCP host passes "
            "only the env block of its config: add a provider's key there (e.g. OPENAI_API_KEY), or ask with "
            "available_only=false to see picks marked unavailable."
        )
    elif constraint is None:
        message = "The catalog has no models to consider."
    else:
        message = f"Nothing fits: '{constraint}' removed the last candidates."
        if relaxation:
            message += f" Closest change that gives an answer: {relaxation}."
    return RecommendResult(
        recommendations=[],
        considered=considered,
        excluded=excluded,
        applied_hints=hints,
        message=message,
        blocking_constraint=constraint,
        relaxation=relaxation,
    )
