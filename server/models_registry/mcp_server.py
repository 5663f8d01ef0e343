"""The MCP surface: seven tools, resources and change notifications over one `Registry`.

This is the only module that knows MCP. Tools translate arguments into Registry
calls and results into structured output plus a short text an agent can read;
errors an agent can act on (unknown model, bad argument) are `ToolError`s that
name the fix. Notifications reach both protocol eras: 2026-07-28 clients through
the subscription bus, older clients through `resources/subscribe` (mcp 2.3 has
no public MCPServer API for it, so the handler sits on the low-level server, as
the SDK's migration guide shows).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

import anyio
import orjson
from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp.server.subscriptions import InMemorySubscriptionBus, ResourceUpdated
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INVALID_PARAMS,
    CallToolResult,
    Completion,
    CompletionArgument,
    CompletionContext,
    EmptyResult,
    ResourceTemplateReference,
    SubscribeRequestParams,
    TextContent,
    ToolAnnotations,
    UnsubscribeRequestParams,
)
from pydantic import BaseModel, Field

from . import __version__
from .recommend import AbsentInteger, AbsentNumber, AbsentText, Optimize, RecommendRequest, RecommendResult
from .recommend.kinds import Kind
from .registry import (
    CAPABILITIES,
    DefaultInfo,
    ModelEntry,
    ProviderInfo,
    RefreshResult,
    Registry,
    UnknownModelError,
)
from .sources import os_error_text
from .web import PICKER_URI, picker_html

__all__ = ["build_server"]

log = logging.getLogger(__name__)

CATALOG_URI = "models://catalog"
STATUS_URI = "models://status"
DEFAULTS_URI = "models://defaults"
# Upper bounds on numeric arguments: far above any real value, and small enough that no
# arithmetic on them overflows or formats into a page of digits.
MAX_TOKENS = 10**9
MAX_PRICE = 10**6  # USD per 1M tokens
MAX_OFFSET = 10**6

READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
Capability = Literal["tool_call", "reasoning", "attachment", "structured_output", "temperature", "open_weights"]
Modality = Literal["text", "image", "audio", "video", "pdf"]
Role = Annotated[str, Field(max_length=32, description="'default', 'small', or another lowercase name.")]
NO_KEYS_HINT = (
    "No provider has credentials. Set a provider's API key (e.g. OPENAI_API_KEY) in the server's environment; "
    "a desktop MCP host passes only the `env` block of its server config, not your shell's variables."
)


# --- tool results ------------------------------------------------------------------------------


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


class DefaultsResult(BaseModel):
    defaults: list[DefaultInfo]


# MCP Apps hosts read this from tools/list and show the picker beside the tool's result;
# "ui/resourceUri" is the older spelling some hosts still look for.
PICKER_META = {"ui": {"resourceUri": PICKER_URI}, "ui/resourceUri": PICKER_URI}


def _reply(text: str, result: BaseModel, *, exclude_none: bool = False) -> CallToolResult:
    structured = result.model_dump(mode="json", exclude_none=exclude_none)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=structured)


def _model_counts(info: ProviderInfo) -> str:
    """'42 models (40 tool_call, 12 reasoning)': the counts an agent choosing a provider looks at first."""
    shown = [f"{info.capability_counts[cap]} {cap}" for cap in ("tool_call", "reasoning") if info.capability_counts[cap]]
    return f"{info.model_count} models" + (f" ({', '.join(shown)})" if shown else "")


def _model_item(entry: ModelEntry) -> ModelItem:
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


def _get(registry: Registry, model_ref: str) -> ModelEntry:
    try:
        return registry.get(model_ref)
    except UnknownModelError as exc:
        raise ToolError(f"{exc} Call list_models(query=...) to search.") from None


# --- legacy subscriptions -----------------------------------------------------------------------

MAX_SUBSCRIPTIONS_PER_SESSION = 16
MAX_SUBSCRIPTION_URI_CHARS = 2048


class LegacySubscriptions:
    """Who watches which URI through `resources/subscribe`, bounded so no client can grow it without end.

    A session holds at most MAX_SUBSCRIPTIONS_PER_SESSION URIs. URIs this server does not serve
    are accepted (the conformance suite expects that) but count against the cap. A URI nobody
    watches any more is forgotten, and a session's entries go when the session ends.
    """

    def __init__(self) -> None:
        self._watchers: dict[str, dict[int, Any]] = {}  # uri -> {connection key: session}
        self._uris: dict[int, set[str]] = {}  # connection key -> the URIs it watches

    def add(self, key: int, session: Any, uri: str) -> bool:
        """Watch `uri` for the session; True when this is the session's first subscription."""
        if len(uri) > MAX_SUBSCRIPTION_URI_CHARS:
            raise MCPError(INVALID_PARAMS, f"the URI is longer than {MAX_SUBSCRIPTION_URI_CHARS} characters")
        first = key not in self._uris
        uris = self._uris.setdefault(key, set())
        if uri not in uris and len(uris) >= MAX_SUBSCRIPTIONS_PER_SESSION:
            raise MCPError(
                INVALID_PARAMS,
                f"a session may watch at most {MAX_SUBSCRIPTIONS_PER_SESSION} resources; unsubscribe from one first",
            )
        uris.add(uri)
        self._watchers.setdefault(uri, {})[key] = session
        return first

    def remove(self, key: int, uri: str) -> None:
        watchers = self._watchers.get(uri)
        if watchers is not None:
            watchers.pop(key, None)
            if not watchers:
                del self._watchers[uri]
        uris = self._uris.get(key)
        if uris is not None:
            uris.discard(uri)

    def drop(self, key: int) -> None:
        """Forget everything the session watched (it has ended)."""
        for uri in self._uris.pop(key, set()):
            self.remove(key, uri)

    def watchers(self, uri: str) -> list[tuple[int, Any]]:
        return list(self._watchers.get(uri, {}).items())

    def __len__(self) -> int:
        """URIs watched by anyone."""
        return len(self._watchers)


# --- the server ---------------------------------------------------------------------------------


def build_server(registry: Registry, legacy_subscribers: LegacySubscriptions | None = None) -> MCPServer:
    """An MCPServer answering from `registry`, with its background refresh running while served.

    `legacy_subscribers` is the `resources/subscribe` book; pass one to look inside it (tests).
    """
    bus = InMemorySubscriptionBus()
    legacy_subscribers = LegacySubscriptions() if legacy_subscribers is None else legacy_subscribers

    async def publish(uri: str) -> None:
        await bus.publish(ResourceUpdated(uri=uri))
        for key, session in legacy_subscribers.watchers(uri):
            try:
                await session.send_resource_updated(uri)
            except Exception:  # a vanished client
                legacy_subscribers.remove(key, uri)

    async def notify_changes() -> None:
        async with registry.subscribe() as events:
            async for event in events:
                if event.changed:
                    await publish(CATALOG_URI)
                await publish(STATUS_URI)

    @asynccontextmanager
    async def lifespan(_server: MCPServer) -> AsyncIterator[dict]:
        async with registry.running(), anyio.create_task_group() as tg:
            tg.start_soon(notify_changes)
            yield {}
            tg.cancel_scope.cancel()

    status = registry.status()
    server = MCPServer(
        "models-registry",
        version=__version__,
        instructions=(
            "Tells you which LLM providers and models you can call right now (from the models.dev catalog, "
            f"{status.providers} providers and {status.models} models, and the API keys in this server's "
            "environment). Start with list_providers; use recommend_model to pick a model for a task."
        ),
        lifespan=lifespan,
        subscriptions=bus,
    )

    # --- tools --------------------------------------------------------------------------------

    @server.tool(
        annotations=READ_ONLY,
        description=(
            "Use first: which LLM providers can be called right now, judged from the API keys set in this "
            "server's environment. Returns a summary ('x providers available, y API keys configured') and per "
            "provider: whether it is available, the credential variable NAMES that satisfied it or are missing, "
            "base URL, AI SDK package, docs URL, model count, and roles whose default points at it. "
            "Key values are never shown."
        ),
    )
    async def list_providers(
        available_only: Annotated[bool, Field(description="Only providers with credentials set. Default true.")] = True,
        query: Annotated[str | None, Field(description="Filter by words in the id or name, e.g. 'google'.")] = None,
    ) -> Annotated[CallToolResult, ProvidersResult]:
        infos = registry.providers(available_only=available_only)
        if query:
            words = query.lower().split()
            infos = [p for p in infos if all(w in f"{p.id} {p.name}".lower() for w in words)]
        roles: dict[str, list[str]] = defaultdict(list)
        for role in registry.roles():
            if chosen := registry.chosen_default(role):
                roles[chosen[0].partition("/")[0]].append(role)
        items = [ProviderItem(**p.model_dump(), default_roles=roles.get(p.id, [])) for p in infos]
        st = registry.status()
        summary = registry.summary()
        result = ProvidersResult(summary=summary.text, catalog=st.catalog_note(), problems=st.problems, providers=items)
        lines = [f"{summary.text} ({st.catalog_note()})."]
        if summary.providers_available == 0:
            lines.append(NO_KEYS_HINT)
        for p in items[:40]:
            creds = p.credentials
            state = "available via " + ", ".join(creds.satisfied_by) if p.available else "needs " + " + ".join(creds.missing)
            lines.append(f"- {p.id}: {_model_counts(p)}, {state if creds.needs_credential else 'no key needed'}")
        if len(items) > 40:
            lines.append(f"... and {len(items) - 40} more (see structured content).")
        lines += [f"Problem: {problem}" for problem in st.problems]
        return _reply("\n".join(lines), result)

    @server.tool(
        annotations=READ_ONLY,
        meta=PICKER_META,
        description=(
            "Search models by provider, capability, input modality, context size, price or words in the name. "
            "By default only models of providers you have credentials for. Returns models grouped by provider "
            "with capability flags, prices (USD per 1M tokens), limits and status, plus total and next_offset "
            "for paging. Use get_model for everything about one model."
        ),
    )
    async def list_models(
        provider: Annotated[str | None, Field(description="Only this provider id, e.g. 'openai'.")] = None,
        available_only: Annotated[bool, Field(description="Only providers with credentials set.")] = True,
        capabilities: Annotated[list[Capability], Field(description="All required, e.g. ['tool_call'].")] = [],  # noqa: B006
        input_modalities: Annotated[list[Modality], Field(description="All required, e.g. ['image'].")] = [],  # noqa: B006
        min_context: Annotated[int, Field(ge=0, le=MAX_TOKENS, description="Minimum context window in tokens, e.g. 128000.")] = 0,
        max_input_cost: Annotated[float | None, Field(ge=0, le=MAX_PRICE, description="Max input price, USD per 1M tokens.")] = None,
        query: Annotated[str | None, Field(max_length=200, description="Words in id, name or family, e.g. 'claude sonnet'.")] = None,
        include_deprecated: Annotated[bool, Field(description="Include deprecated models.")] = False,
        kind: Annotated[Kind | None, Field(description="Only this kind, e.g. 'embedding' or 'chat'.")] = None,
        limit: Annotated[int, Field(ge=1, le=500, description="Page size.")] = 50,
        offset: Annotated[int, Field(ge=0, le=MAX_OFFSET, description="Models to skip (from next_offset).")] = 0,
    ) -> Annotated[CallToolResult, ModelsResult]:
        try:
            entries = registry.models(
                provider=provider,
                available_only=available_only,
                capabilities=capabilities,
                input_modalities=input_modalities,
                min_context=min_context,
                max_input_cost=max_input_cost,
                query=query,
                include_deprecated=include_deprecated,
                kind=kind,
            )
        except (ValueError, LookupError) as exc:
            raise ToolError(str(exc).strip("\"'")) from None
        page = entries[offset : offset + limit]
        grouped: dict[str, list[ModelItem]] = {}
        for entry in page:
            grouped.setdefault(entry.provider_id, []).append(_model_item(entry))
        next_offset = offset + limit if offset + limit < len(entries) else None
        result = ModelsResult(total=len(entries), offset=offset, next_offset=next_offset, providers=grouped)
        if not entries:
            hint = NO_KEYS_HINT if available_only and not registry.summary().providers_available else ""
            text = f"No models match. {hint}".strip() + " Try available_only=false or fewer filters."
            return _reply(text, result, exclude_none=True)
        if not page:
            text = f"{len(entries)} models match; offset {offset} is past the end. Call again with offset=0."
            return _reply(text, result, exclude_none=True)
        lines = [f"{len(entries)} models match; showing {offset + 1}-{offset + len(page)}."]
        for item in (i for items in grouped.values() for i in items):
            price = f"${item.input_cost:g}/${item.output_cost:g}" if item.input_cost is not None and item.output_cost is not None else "price unknown"
            lines.append(f"- {item.model}: ctx {item.context:,}, {price}, {' '.join(item.capabilities)}")
        if next_offset is not None:
            lines.append(f"More: call list_models again with offset={next_offset}.")
        return _reply("\n".join(lines), result, exclude_none=True)  # see recommend_model

    @server.tool(
        annotations=READ_ONLY,
        description=(
            "Everything about one model, given as 'provider/model' (split on the first '/', so "
            "'openrouter/anthropic/claude-haiku-4.5' works): prices with tiers, limits, capabilities, "
            "modalities, knowledge cutoff, experimental modes, per-model endpoint overrides, and whether its "
            "provider has credentials. An unknown model fails with the closest matches."
        ),
    )
    async def get_model(
        model: Annotated[str, Field(max_length=300, description="'provider/model', e.g. 'openai/gpt-5'.")],
    ) -> Annotated[CallToolResult, ModelDetail]:
        entry = _get(registry, model)
        provider = registry.catalog.provider(entry.provider_id)
        creds = registry.credentials(entry.provider_id)
        override = entry.model.provider
        detail = ModelDetail(
            model=entry.ref,
            provider_name=entry.provider_name,
            kind=entry.kind,
            available=entry.available,
            credentials=creds.model_dump(),
            api=(override.api if override and override.api else provider.api),
            npm=(override.npm if override and override.npm else provider.npm),
            details=entry.model.model_dump(mode="json", exclude_none=True),
        )
        m = entry.model
        cost = f"${m.cost.input:g} in / ${m.cost.output:g} out per 1M" if m.cost and m.cost.input is not None and m.cost.output is not None else "price unknown"
        state = "callable now" if entry.available else f"not callable: set {' + '.join(creds.missing)}"
        text = f"{entry.ref} ({m.name}, {entry.kind}): context {m.limit.context:,}, output {m.limit.output:,}, {cost}; {state}."
        return _reply(text, detail)

    @server.tool(
        annotations=READ_ONLY,
        meta=PICKER_META,
        description=(
            "Pick a model for a task, offline and only among models you can call. Give the task in words "
            "('cheap classifier for support tickets', 'coding agent', 'text embeddings for retrieval', "
            "'transcribe meetings') and/or explicit needs (kind, capabilities, modalities, context, price caps). "
            "Returns one pick per model at the offering to call, ranked, each with a score on LM Arena's rating "
            "scale for the task's category (measured, fitted, or estimated from a measured older version: see "
            "score_basis), reasons, prices, an estimated cost and the other providers serving it; plus what the "
            "task's words were taken to mean and what was excluded. The first pick is the one to use."
        ),
    )
    async def recommend_model(
        task: Annotated[str | None, Field(max_length=2000, description="What the model is for, e.g. 'summarise long PDFs cheaply'.")] = None,
        kind: Annotated[Kind | None, Field(description="The kind of model; default: from the task's words, else chat.")] = None,
        capabilities: Annotated[list[Capability], Field(description="Required, e.g. ['tool_call'].")] = [],  # noqa: B006
        input_modalities: Annotated[list[Modality], Field(description="Required inputs, e.g. ['image'].")] = [],  # noqa: B006
        output_modalities: Annotated[list[Modality], Field(description="Required outputs.")] = [],  # noqa: B006
        min_context: Annotated[int, Field(ge=0, le=MAX_TOKENS, description="Minimum context in tokens.")] = 0,
        min_output: Annotated[int, Field(ge=0, le=MAX_TOKENS, description="Minimum output limit in tokens.")] = 0,
        max_input_cost: Annotated[float | None, Field(ge=0, le=MAX_PRICE, description="USD per 1M input tokens.")] = None,
        max_output_cost: Annotated[float | None, Field(ge=0, le=MAX_PRICE, description="USD per 1M output tokens.")] = None,
        expected_input_tokens: Annotated[int | None, Field(ge=0, le=MAX_TOKENS, description="For the cost estimate.")] = None,
        expected_output_tokens: Annotated[int | None, Field(ge=0, le=MAX_TOKENS, description="For the cost estimate.")] = None,
        optimize: Annotated[Optimize, Field(description="balanced | cost | capability | context.")] = "balanced",
        providers: Annotated[list[str] | None, Field(description="Only these provider ids.")] = None,
        available_only: Annotated[bool, Field(description="Only providers with credentials.")] = True,
        include_preview: Annotated[bool, Field(description="Allow alpha/beta models.")] = False,
        limit: Annotated[int, Field(ge=1, le=50, description="How many picks.")] = 5,
    ) -> Annotated[CallToolResult, RecommendResult]:
        request = RecommendRequest(
            task=task,
            kind=kind,
            capabilities=tuple(capabilities),
            input_modalities=tuple(input_modalities),
            output_modalities=tuple(output_modalities),
            min_context=min_context,
            min_output=min_output,
            max_input_cost=max_input_cost,
            max_output_cost=max_output_cost,
            expected_input_tokens=expected_input_tokens,
            expected_output_tokens=expected_output_tokens,
            optimize=optimize,
            providers=tuple(providers) if providers is not None else None,
            available_only=available_only,
            include_preview=include_preview,
            limit=limit,
        )
        try:
            result = registry.recommend(request)
        except (ValueError, LookupError) as exc:
            raise ToolError(str(exc).strip("\"'")) from None
        lines = [f"Task hint {h.hint!r}: {h.effect}." for h in result.applied_hints]
        if not result.recommendations:
            return _reply("\n".join([*lines, result.message or "Nothing fits."]), result, exclude_none=True)
        article = "an" if result.category[:1] in "aeiou" else "a"
        lines.append(f"{len(result.recommendations)} {result.kind} pick(s) for {article} {result.category} task ({result.catalog}):")
        for r in result.recommendations:
            via = f" Also via {', '.join(r.also_available_via[:3])}." if r.also_available_via else ""
            lines.append(f"{r.rank}. {r.model}: {'; '.join(r.reasons)}.{via}")
        lines.append(result.quality_note)
        # Unknown prices and dates are left out rather than sent as nulls: less for the agent to read
        # and for the client to validate against the output schema.
        return _reply("\n".join(lines), result, exclude_none=True)

    @server.tool(
        annotations=ToolAnnotations(read_only_hint=False, idempotent_hint=True, destructive_hint=False),
        description=(
            "Remember a model as the user's default for a role ('default', 'small' for cheap sub-tasks, or any "
            "name). The model must exist ('provider/model'); the reply warns when its provider has no "
            "credential. Persists across restarts."
        ),
    )
    async def set_default(
        model: Annotated[str, Field(max_length=300, description="'provider/model', e.g. 'anthropic/claude-sonnet-4-5'.")],
        role: Role = "default",
    ) -> Annotated[CallToolResult, DefaultInfo]:
        _get(registry, model)
        try:
            info = await anyio.to_thread.run_sync(lambda: registry.set_default(model, role))
        except ValueError as exc:
            raise ToolError(str(exc)) from None
        except OSError as exc:
            raise ToolError(f"could not save the default ({os_error_text(exc)}); nothing was changed") from None
        text = f"Default for role '{role}' is now {info.model}."
        if not info.usable:
            text += f" Warning: {info.reason}."
        await publish(DEFAULTS_URI)
        return _reply(text, info)

    @server.tool(
        annotations=READ_ONLY,
        description=(
            "The model to use for a role ('default', 'small', ...): from MODELS_REGISTRY_<ROLE>_MODEL, else the "
            "stored preference, else a fallback among callable models. Says where it came from and whether it "
            "is usable now; when not, gives the reason and a fallback."
        ),
    )
    async def get_default(
        role: Role = "default",
    ) -> Annotated[CallToolResult, DefaultInfo]:
        try:
            info = registry.get_default(role)
        except ValueError as exc:
            raise ToolError(str(exc)) from None
        if info.model is None:
            return _reply(f"No default for '{role}': {info.reason}. {NO_KEYS_HINT}", info)
        text = f"{role}: {info.model} (from {info.source}){'' if info.usable else f'; not usable: {info.reason}'}"
        if info.fallback:
            text += f"; use {info.fallback} instead"
        return _reply(text + ".", info)

    @server.tool(
        annotations=ToolAnnotations(read_only_hint=False, idempotent_hint=True, open_world_hint=True),
        description=(
            "Fetch the latest models.dev catalog now (a conditional GET; cheap when nothing changed) and say "
            "what changed: models added and removed, price changes. The last good catalog is kept if the fetch "
            "fails. Normally unnecessary: the server refreshes in the background."
        ),
    )
    async def refresh_catalog(
        ctx: Context,
        force: Annotated[bool, Field(description="Fetch even if the catalog is within its TTL.")] = False,
    ) -> Annotated[CallToolResult, RefreshResult]:
        await ctx.report_progress(0, 2, "fetching the catalog")
        result = await registry.refresh(force=force)
        await ctx.report_progress(2, 2, str(result.outcome))
        if result.outcome in ("failed", "rejected"):
            text = f"Refresh {result.outcome}: {result.error}. Still serving the last good catalog."
        elif result.changed:
            c = result.change
            text = f"Catalog updated: {len(c.added)} added, {len(c.removed)} removed, {len(c.price_changes)} price changes."
            if not result.saved:
                text += f" Not saved: {result.error}."
        else:
            text = f"No change ({result.outcome}{': ' + result.error if result.error else ''})."
        return _reply(text, result)

    # --- resources ----------------------------------------------------------------------------

    @server.resource(CATALOG_URI, mime_type="application/json", description="The whole catalog in models.dev's api.json shape.")
    def catalog_resource() -> str:
        return registry.catalog.to_json().decode()

    @server.resource(STATUS_URI, mime_type="application/json", description="Catalog source, age, last refresh and problems.")
    def status_resource() -> str:
        return orjson.dumps({**registry.status().model_dump(mode="json"), "summary": registry.summary().text}).decode()

    @server.resource(
        PICKER_URI,
        name="model-picker",
        mime_type="text/html;profile=mcp-app",
        description="The model picker as an MCP App: providers, models with badges, recommend, defaults.",
    )
    def picker_resource() -> str:
        return picker_html("mcp-app")

    @server.resource(DEFAULTS_URI, mime_type="application/json", description="The model for each role.")
    def defaults_resource() -> str:
        return DefaultsResult(defaults=registry.defaults()).model_dump_json()

    @server.resource("models://providers/{provider_id}", mime_type="application/json")
    def provider_resource(provider_id: str) -> str:
        """One provider: credentials (names only), base URL and its model ids."""
        try:
            info = registry.provider(provider_id)
        except LookupError as exc:
            raise ResourceNotFoundError(str(exc).strip("\"'")) from None
        models = list(registry.catalog.entry(provider_id).get("models") or {})
        return orjson.dumps({**info.model_dump(mode="json"), "models": models}).decode()

    @server.resource("models://models/{provider_id}/{+model_id}", mime_type="application/json")
    def model_resource(provider_id: str, model_id: str) -> str:
        """One model in models.dev's shape, with its provider's availability."""
        try:
            entry = registry.get(f"{provider_id}/{model_id}")
        except UnknownModelError as exc:
            raise ResourceNotFoundError(str(exc)) from None
        return entry.model_dump_json(exclude_none=True)

    @server.completion()
    async def complete(ref: Any, argument: CompletionArgument, context: CompletionContext | None) -> Completion | None:
        if not isinstance(ref, ResourceTemplateReference):
            return None
        prefix = argument.value
        if argument.name == "provider_id":
            values = [p.id for p in registry.providers() if p.id.startswith(prefix)]  # available first
        elif argument.name == "model_id":
            provider_id = (context.arguments or {}).get("provider_id") if context else None
            known = provider_id in registry.catalog
            models = (registry.catalog.entry(provider_id) if known else {}).get("models") or {}
            values = sorted(m for m in models if m.startswith(prefix))
        else:
            return None
        return Completion(values=values[:100], total=len(values), has_more=len(values) > 100)

    # --- legacy subscriptions (2025-era clients) ----------------------------------------------

    async def on_subscribe(ctx: ServerRequestContext, params: SubscribeRequestParams) -> EmptyResult:
        connection = ctx.session._connection  # stable per client; the session object is per request
        key = id(connection)
        if legacy_subscribers.add(key, ctx.session, str(params.uri)):
            connection.exit_stack.callback(legacy_subscribers.drop, key)  # the session's entries go with it
        return EmptyResult()

    async def on_unsubscribe(ctx: ServerRequestContext, params: UnsubscribeRequestParams) -> EmptyResult:
        legacy_subscribers.remove(id(ctx.session._connection), str(params.uri))
        return EmptyResult()

    lowlevel = server._lowlevel_server
    lowlevel.add_request_handler("resources/subscribe", SubscribeRequestParams, on_subscribe)
    lowlevel.add_request_handler("resources/unsubscribe", UnsubscribeRequestParams, on_unsubscribe)
    return server
