"""recommend_model's first version: hard filters, one pick per model, a ranking that says why.

Plain functions over the registry's `ModelEntry` list; no I/O and no MCP. The
quality signal is a proxy (recency, the reasoning flag, tier words in names),
and every reply says so: it is never presented as a benchmark score.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from .catalog import Model

if TYPE_CHECKING:  # the registry imports this module; entries are duck-typed here
    from .registry import ModelEntry

__all__ = ["RecommendRequest", "RecommendResult", "Recommendation", "recommend"]

Optimize = Literal["balanced", "cost", "capability", "context"]
QUALITY_MARGIN = 0.15  # balanced: the cheapest pick within this share of the best quality
_DATED = re.compile(r"-(20\d{6}|\d{4}-\d{2}-\d{2}|\d{4})$")
_STRONG = ("opus", "pro", "max", "ultra", "large")
_LIGHT = ("mini", "nano", "flash", "lite", "small", "haiku", "tiny")
# Aggregators and resellers: the lab's own API is preferred when both serve a model.
_LAB_HOSTS = {"openai", "anthropic", "google", "mistral", "deepseek", "xai", "cohere", "groq", "moonshotai", "alibaba"}


class RecommendRequest(BaseModel):
    capabilities: list[str] = Field(default_factory=list)
    input_modalities: list[str] = Field(default_factory=list)
    output_modalities: list[str] = Field(default_factory=list)
    min_context: int = 0
    min_output: int = 0
    max_input_cost: float | None = None
    max_output_cost: float | None = None
    expected_input_tokens: int | None = None
    expected_output_tokens: int | None = None
    optimize: Optimize = "balanced"
    include_preview: bool = False
    limit: int = 5


class Recommendation(BaseModel):
    model: str = Field(description="'provider/model': pass it to get_model or set_default.")
    name: str
    provider: str
    rank: int
    score: float = Field(description="The ranking score for this request (higher is better); not a benchmark.")
    reasons: list[str]
    capabilities: list[str]
    context: int
    max_output: int
    input_cost: float | None = Field(description="USD per 1M input tokens.")
    output_cost: float | None = Field(description="USD per 1M output tokens.")
    cache_read_cost: float | None = None
    cache_write_cost: float | None = None
    estimated_cost_usd: float | None = Field(None, description="For the expected tokens, tiered prices applied.")
    release_date: str | None
    status: str | None
    available: bool
    also_available_via: list[str] = Field(default_factory=list)


class RecommendResult(BaseModel):
    recommendations: list[Recommendation]
    considered: int = Field(description="Models looked at before the filters.")
    excluded: dict[str, int] = Field(description="How many models each constraint removed.")
    quality_note: str = "Quality is a proxy (recency, reasoning flag, tier words in names), not a benchmark score."
    message: str | None = Field(None, description="What to change when nothing fits.")


def _capability_list(model: Model) -> list[str]:
    flags = ("tool_call", "reasoning", "attachment", "structured_output", "temperature", "open_weights")
    return [flag for flag in flags if getattr(model, flag)]


def _exclusion(model: Model, req: RecommendRequest) -> str | None:
    """The first hard constraint the model fails, or None."""
    if model.status == "deprecated":
        return "deprecated"
    if model.status in ("alpha", "beta") and not req.include_preview:
        return "preview (alpha/beta)"
    for cap in req.capabilities:
        if not getattr(model, cap, False):
            return f"lacks {cap}"
    for kind in req.input_modalities:
        if kind not in model.modalities.input:
            return f"no {kind} input"
    for kind in req.output_modalities:
        if kind not in model.modalities.output:
            return f"no {kind} output"
    if model.limit.context < req.min_context:
        return "context too small"
    if model.limit.output < req.min_output:
        return "output limit too small"
    cost = model.cost
    if req.max_input_cost is not None and (cost is None or cost.input is None or cost.input > req.max_input_cost):
        return "input price over cap or unknown"
    if req.max_output_cost is not None and (cost is None or cost.output is None or cost.output > req.max_output_cost):
        return "output price over cap or unknown"
    if req.expected_input_tokens and req.expected_input_tokens > (model.limit.input or model.limit.context):
        return "expected input does not fit"
    return None


def estimate_cost(model: Model, input_tokens: int, output_tokens: int) -> float | None:
    """USD for one call; above a context tier, the tier's prices apply to the whole call."""
    cost = model.cost
    if cost is None or cost.input is None or cost.output is None:
        return None
    price_in, price_out = cost.input, cost.output
    for tier in sorted(cost.tiers or [], key=lambda t: t.tier.size):
        if input_tokens > tier.tier.size:
            price_in = tier.input if tier.input is not None else price_in
            price_out = tier.output if tier.output is not None else price_out
    if not cost.tiers and cost.context_over_200k and input_tokens > 200_000:
        price_in = cost.context_over_200k.input or price_in
        price_out = cost.context_over_200k.output or price_out
    return round((input_tokens * price_in + output_tokens * price_out) / 1e6, 6)


def _quality(model: Model) -> tuple[float, str]:
    """A 0..1 proxy and the signal that decided it."""
    name = f"{model.id} {model.name}".lower()
    score, signals = 0.5, []
    if model.reasoning:
        score += 0.15
        signals.append("reasoning model")
    if any(w in name for w in _STRONG):
        score += 0.15
        signals.append("top-tier name")
    elif any(w in name for w in _LIGHT):
        score -= 0.15
        signals.append("light-tier name")
    if model.release_date:
        try:
            released = date.fromisoformat(model.release_date[:10])
            score += max(0.0, min(0.2, (released.year - 2023) * 0.06 + released.month * 0.005))
            signals.append(f"released {model.release_date[:7]}")
        except ValueError:
            pass
    return round(min(score, 1.0), 4), ", ".join(signals) or "no quality signal"


def _base_id(model_id: str) -> str:
    """The model behind aliases, dated snapshots and reseller prefixes: 'openai/gpt-5' and 'gpt-5' meet."""
    return _DATED.sub("", model_id.rsplit("/", 1)[-1].lower().replace(".", "-"))


def _provider_preference(entry: ModelEntry, default_provider: str | None) -> tuple:
    return (not entry.available, entry.provider_id != default_provider, entry.provider_id not in _LAB_HOSTS, entry.ref)


def recommend(
    entries: Iterable[ModelEntry], req: RecommendRequest, *, default_model: str | None = None
) -> RecommendResult:
    """Rank `entries` for `req`; deterministic for the same inputs."""
    entries = list(entries)
    excluded: Counter[str] = Counter()
    kept: list[ModelEntry] = []
    for entry in entries:
        reason = _exclusion(entry.model, req)
        if reason:
            excluded[reason] += 1
        else:
            kept.append(entry)

    default_provider = default_model.partition("/")[0] if default_model else None
    groups: dict[str, list[ModelEntry]] = {}
    for entry in kept:
        groups.setdefault(_base_id(entry.model.id), []).append(entry)
    picks = []
    for group in groups.values():
        group.sort(key=lambda e: _provider_preference(e, default_provider))
        picks.append((group[0], [e.ref for e in group[1:]]))

    in_tokens = req.expected_input_tokens or 3_000_000
    out_tokens = req.expected_output_tokens or 1_000_000
    scored = []
    for entry, others in picks:
        quality, why = _quality(entry.model)
        blended = estimate_cost(entry.model, in_tokens, out_tokens)
        scored.append((entry, others, quality, why, blended))

    def key(item):
        entry, _, quality, _, blended = item
        price = blended if blended is not None else float("inf")
        tie = (entry.ref != default_model, entry.provider_id != default_provider, entry.ref)
        match req.optimize:
            case "cost":
                return (price, -quality, *tie)
            case "capability":
                return (-quality, price, *tie)
            case "context":
                return (-entry.model.limit.context, price, *tie)
        best = max((s[2] for s in scored), default=0)
        within = quality >= best - QUALITY_MARGIN
        return (not within, price, -quality, *tie)

    scored.sort(key=key)
    recommendations = []
    for rank, (entry, others, quality, why, blended) in enumerate(scored[: max(0, req.limit)], start=1):
        model, cost = entry.model, entry.model.cost
        reasons = [f"quality proxy {quality:.2f} ({why})"]
        if req.optimize in ("cost", "balanced"):
            reasons.append(f"blended price {'unknown' if blended is None else f'${blended:g} per 3M in + 1M out'}")
        if req.optimize == "context":
            reasons.append(f"context {model.limit.context:,} tokens")
        if entry.ref == default_model:
            reasons.append("your default model (tie-break)")
        recommendations.append(
            Recommendation(
                model=entry.ref,
                name=model.name,
                provider=entry.provider_id,
                rank=rank,
                score=round(quality if req.optimize != "cost" else -(blended or 0), 6),
                reasons=reasons,
                capabilities=_capability_list(model),
                context=model.limit.context,
                max_output=model.limit.output,
                input_cost=cost.input if cost else None,
                output_cost=cost.output if cost else None,
                cache_read_cost=cost.cache_read if cost else None,
                cache_write_cost=cost.cache_write if cost else None,
                estimated_cost_usd=(
                    estimate_cost(model, req.expected_input_tokens or 0, req.expected_output_tokens or 0)
                    if req.expected_input_tokens or req.expected_output_tokens
                    else None
                ),
                release_date=model.release_date,
                status=model.status,
                available=entry.available,
                also_available_via=others,
            )
        )
    message = None
    if not recommendations:
        if not entries:
            message = "No candidate models: no provider has credentials. Set a provider's API key (see list_providers)."
        else:
            top = excluded.most_common(1)[0][0] if excluded else "the filters"
            message = f"Nothing fits; the constraint that removed most candidates was: {top}. Relax it and ask again."
    return RecommendResult(
        recommendations=recommendations, considered=len(entries), excluded=dict(excluded), message=message
    )
