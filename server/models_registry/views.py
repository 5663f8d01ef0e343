"""The result shapes the MCP tools and the CLI's `--json` share, and the one way each is dumped.

The MCP tools return these as structured content and the CLI prints them for `--json`, so a
script and an agent read the same fields. This module knows no surface: it imports the registry
and pydantic, never the MCP SDK (slow to import, and the CLI must not pay for it).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import BaseModel, Field

from .recommend import AbsentInteger, AbsentNumber, AbsentText, RecommendResult
from .registry import CAPABILITIES, DefaultInfo, ModelEntry, ProviderInfo, Registry
from .verify import Verification

__all__ = [
    "DefaultsResult",
    "ModelDetail",
    "ModelItem",
    "ModelsResult",
    "ProviderItem",
    "ProvidersResult",
    "VerifyResult",
    "model_detail",
    "model_item",
    "models_result",
    "providers_result",
    "structured",
    "verify_result",
]


class ProviderItem(ProviderInfo):
    default_roles: list[str] = Field(default_factory=list, description="Roles whose default model is at this provider.")


class ProvidersResult(BaseModel):
    summary: str = Field(description="'x providers available, y API keys configured'.")
    catalog: str = Field(description="Where the catalog came from and its age.")
    problems: list[str] = Field(description="Settings or files that could not be used.")
    providers: list[ProviderItem]


class ModelItem(BaseModel):
    model: str = Field(description="'provider/model'.")
    name: str
    kind: str = Field(description="What the model is for: chat, embedding, image-generation, speech-to-text, ...")
    available: bool
    capabilities: list[str]
    input_modalities: list[str]
    context: int
    max_output: int
    input_cost: AbsentNumber = Field(None, description="USD per 1M tokens; absent means unknown, not free.")
    output_cost: AbsentNumber = Field(None, description="USD per 1M tokens; absent means unknown, not free.")
    status: AbsentText = Field(None, description="alpha | beta | deprecated; absent for a stable model.")


class ModelsResult(BaseModel):
    total: int = Field(description="Models matching the filters.")
    offset: int
    next_offset: AbsentInteger = Field(None, description="Pass as offset to get the next page; absent at the end.")
    providers: dict[str, list[ModelItem]] = Field(description="This page's models, grouped by provider id.")


class ModelDetail(BaseModel):
    model: str
    provider_name: str
    kind: str = Field(description="What the model is for: chat, embedding, image-generation, speech-to-text, ...")
    available: bool
    credentials: Any = Field(description="The provider's credential status (variable names only).")
    api: str | None = Field(description="Base URL (the model's override, else the provider's).")
    npm: str | None
    details: dict[str, Any] = Field(description="The model in models.dev's shape: cost tiers, limits, modes, overrides.")
    in_key_listing: bool | None = Field(
        None, description="Whether the provider listed this model for the key set (None until the key is checked)."
    )


class DefaultsResult(BaseModel):
    defaults: list[DefaultInfo]


class VerifyResult(BaseModel):
    summary: str = Field(description="'x verified, y rejected, ...' in one line.")
    results: list[Verification] = Field(description="Per provider: the state, what the provider said, the models it listed.")


def verify_result(results: list[Verification]) -> VerifyResult:
    counts: dict[str, int] = {}
    for result in results:
        counts[result.state] = counts.get(result.state, 0) + 1
    order = ("verified", "rejected", "rate_limited", "unreachable", "not_checkable")
    summary = ", ".join(f"{counts[state]} {state.replace('_', ' ')}" for state in order if state in counts)
    return VerifyResult(summary=summary or "no provider has a key to check", results=results)


# Unknown prices, dates and paging ends are left out of these rather than sent as nulls: less
# for an agent to read and for a client to validate against the output schema.
_WITHOUT_NONE = (ModelsResult, RecommendResult)


def structured(result: BaseModel) -> dict[str, Any]:
    """`result` as the JSON object a tool returns as structured content and `--json` prints."""
    return result.model_dump(mode="json", exclude_none=isinstance(result, _WITHOUT_NONE))


def providers_result(registry: Registry, *, available_only: bool = True, query: str | None = None) -> ProvidersResult:
    """Providers (those with credentials first), each with the roles whose default it serves."""
    infos = registry.providers(available_only=available_only)
    if query:
        words = query.lower().split()
        infos = [p for p in infos if all(w in f"{p.id} {p.name}".lower() for w in words)]
    roles: dict[str, list[str]] = defaultdict(list)
    for role in registry.roles():
        if chosen := registry.chosen_default(role):
            roles[chosen[0].partition("/")[0]].append(role)
    items = [ProviderItem(**p.model_dump(), default_roles=roles.get(p.id, [])) for p in infos]
    status = registry.status()
    return ProvidersResult(
        summary=registry.summary().text, catalog=status.catalog_note(), problems=status.problems, providers=items
    )


def model_item(entry: ModelEntry) -> ModelItem:
    m = entry.model
    return ModelItem(
        model=entry.ref,
        name=m.name,
        kind=entry.kind,
        available=entry.available,
        capabilities=[c for c in CAPABILITIES if getattr(m, c)],
        input_modalities=m.modalities.input,
        context=m.limit.context,
        max_output=m.limit.output,
        input_cost=m.cost.input if m.cost else None,
        output_cost=m.cost.output if m.cost else None,
        status=m.status,
    )


def models_result(entries: list[ModelEntry], *, offset: int = 0, limit: int | None = 50) -> ModelsResult:
    """One page of `entries` grouped by provider; `limit=None` is every entry from `offset` on."""
    end = len(entries) if limit is None else offset + limit
    grouped: dict[str, list[ModelItem]] = {}
    for entry in entries[offset:end]:
        grouped.setdefault(entry.provider_id, []).append(model_item(entry))
    next_offset = end if end < len(entries) else None
    return ModelsResult(total=len(entries), offset=offset, next_offset=next_offset, providers=grouped)


def model_detail(registry: Registry, entry: ModelEntry) -> ModelDetail:
    """Everything about one model, with its provider's credential status (names only)."""
    provider = registry.catalog.provider(entry.provider_id)
    override = entry.model.provider
    return ModelDetail(
        model=entry.ref,
        provider_name=entry.provider_name,
        kind=entry.kind,
        available=entry.available,
        credentials=registry.credentials(entry.provider_id).model_dump(),
        api=(override.api if override and override.api else provider.api),
        npm=(override.npm if override and override.npm else provider.npm),
        details=entry.model.model_dump(mode="json", exclude_none=True),
        in_key_listing=entry.in_key_listing,
    )
