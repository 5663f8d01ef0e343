"""recommend_model's request and result: what a caller may ask, and every field an agent gets back.

The result models' field descriptions become the MCP tool's output schema and the CLI's
`--json`; unknown values are left out rather than sent as null (see mcp_server), so the
schema need not admit null.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, Field, WithJsonSchema

from .kinds import KINDS

__all__ = [
    "CAPABILITIES",
    "MODALITIES",
    "OPTIMIZE_MODES",
    "AbsentInteger",
    "AbsentNumber",
    "AbsentText",
    "AppliedHint",
    "Optimize",
    "RecommendRequest",
    "RecommendResult",
    "Recommendation",
]

Optimize = Literal["balanced", "cost", "capability", "context"]
OPTIMIZE_MODES = ("balanced", "cost", "capability", "context")
CAPABILITIES = ("tool_call", "reasoning", "attachment", "structured_output", "temperature", "open_weights")
MODALITIES = ("text", "image", "audio", "video", "pdf")


@dataclass(frozen=True)
class RecommendRequest:
    """What the caller needs; `validate()` says what is wrong in words a caller can act on."""

    task: str | None = None
    kind: str | None = None  # None: from the task's words, else chat
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

    def __post_init__(self) -> None:
        for name in ("capabilities", "input_modalities", "output_modalities", "providers"):
            if isinstance(
                value := getattr(self, name), list
            ):  # a request is a cache key: lists become tuples
                object.__setattr__(self, name, tuple(value))

    def validate(self) -> None:
        def allowed(values: Iterable[str], choices: tuple[str, ...], what: str) -> None:
            if bad := [v for v in values if v not in choices]:
                raise ValueError(f"unknown {what} {bad[0]!r}; allowed: {', '.join(choices)}")

        allowed(self.capabilities, CAPABILITIES, "capability")
        allowed([*self.input_modalities, *self.output_modalities], MODALITIES, "modality")
        allowed([self.optimize], OPTIMIZE_MODES, "optimize mode")
        allowed([self.kind] if self.kind is not None else [], KINDS, "kind")
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


AbsentNumber = Annotated[float | None, WithJsonSchema({"type": "number"})]
AbsentInteger = Annotated[int | None, WithJsonSchema({"type": "integer"})]
AbsentText = Annotated[str | None, WithJsonSchema({"type": "string"})]


class AppliedHint(BaseModel):
    hint: str = Field(description="The words recognised in the task.")
    effect: str = Field(
        description="What they became, e.g. 'kind = embedding' or 'min_context = 300,000 (...)'."
    )


class Recommendation(BaseModel):
    model: str = Field(description="'provider/model': pass it to get_model or set_default.")
    name: str
    provider: str
    kind: str = Field(
        description="What the model is for: chat, embedding, image-generation, speech-to-text, ..."
    )
    canonical: str = Field(
        description="The model behind this offering; the same for every provider that serves it."
    )
    rank: int
    score: float = Field(
        description="Quality in the task's column on LM Arena's rating scale (higher is better; see score_basis)."
    )
    score_uncertainty: float = Field(description="95% half-width of the score, in rating points.")
    score_basis: str = Field(
        description="measured (an arena rating) | fitted (another benchmark put on that scale) | line (a newer "
        "version of a measured line) | variant (of a scored model) | guess (nothing measured)."
    )
    reasons: list[str] = Field(
        description="Why it is here and in this place; each names the signal that decided."
    )
    capabilities: list[str]
    context: int
    max_output: int
    input_cost: AbsentNumber = Field(None, description="USD per 1M input tokens; absent when unknown.")
    output_cost: AbsentNumber = Field(None, description="USD per 1M output tokens; absent when unknown.")
    cache_read_cost: AbsentNumber = Field(None, description="USD per 1M cached input tokens read.")
    cache_write_cost: AbsentNumber = Field(None, description="USD per 1M input tokens written to the cache.")
    estimated_cost_usd: AbsentNumber = Field(
        None,
        description="For expected_input_tokens/expected_output_tokens, with tier prices when the input crosses a tier.",
    )
    release_date: AbsentText = None
    status: AbsentText = Field(
        None, description="alpha | beta | preview when not a stable release; absent when stable."
    )
    free_tier: bool = Field(False, description="A free, rate-limited offering (':free' and the like).")
    available: bool = Field(description="Its provider has credentials set.")
    also_available_via: list[str] = Field(
        default_factory=list, description="The same model at other providers."
    )


class RecommendResult(BaseModel):
    recommendations: list[Recommendation]
    kind: str = Field(
        "chat", description="The kind of model looked for (from the task's words or the kind argument)."
    )
    category: str = Field("general", description="The task category whose quality column ranked the picks.")
    quality_floor: AbsentNumber = Field(
        None,
        description="cost and context orders: picks at or above this score come first (the reference small model's).",
    )
    considered: int = Field(
        description="Offerings (a model at a provider) in the catalog before the filters."
    )
    excluded: dict[str, int] = Field(
        description="What each step left out, in order: the filters count offerings; the steps after one pick "
        "per model (superseded, not named, the optimize cuts) count models."
    )
    applied_hints: list[AppliedHint] = Field(
        default_factory=list, description="What the task's words were taken to mean."
    )
    catalog: str = Field("", description="Where the catalog came from and its age.")
    catalog_source: str = Field("", description="snapshot | cache | network | file.")
    catalog_age_seconds: AbsentNumber = None
    quality_note: str = Field("", description="Where the scores come from, and their dates.")
    message: AbsentText = Field(
        None, description="When nothing fits: what removed the last candidates and what to relax."
    )
    blocking_constraint: AbsentText = Field(
        None, description="The constraint that removed the last candidates."
    )
    relaxation: AbsentText = Field(None, description="The closest change that would give an answer.")
