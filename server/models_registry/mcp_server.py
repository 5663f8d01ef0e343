"""The MCP surface: eight tools, resources, two prompts, change notifications and log messages over one `Registry`.

This is the only module that knows MCP. Tools translate arguments into Registry
calls and results into structured output plus a short text an agent can read;
errors an agent can act on (unknown model, bad argument) are `ToolError`s that
name the fix. Notifications reach both protocol eras: 2026-07-28 clients through
the subscription bus, older clients through `resources/subscribe` (mcp 2.3 has
no public MCPServer API for it, so the handler sits on the low-level server, as
the SDK's migration guide shows). Log notifications (refresh outcomes, settings
problems, a start without keys) follow each era's rules: see `mcp_logging`. The
prompts' texts live in `prompts`. Read-only tools' answers are kept while the
registry's state is unchanged (`AnswerCache`). A stateless server (replicas behind a
load balancer) has no sessions, so it offers no subscriptions and no notifications.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

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
    NotificationParams,
    PromptReference,
    ResourceTemplateReference,
    SetLevelRequestParams,
    SubscribeRequestParams,
    TextContent,
    ToolAnnotations,
    UnsubscribeRequestParams,
)
from pydantic import BaseModel, Field

from . import __version__
from .arguments import (  # the CLI checks its options against the same types and bounds
    MAX_MODEL_REF_CHARS,
    MAX_OFFSET,
    MAX_PAGE,
    MAX_PICKS,
    MAX_PRICE,
    MAX_QUERY_CHARS,
    MAX_TASK_CHARS,
    MAX_TOKENS,
    Capability,
    Kind,
    Modality,
    Optimize,
    Role,
)
from .mcp_logging import LogSessions, log_to_request, refresh_message, startup_messages
from .prompts import complete_provider_list, pick_model_text, setup_keys_text
from .recommend import RecommendRequest, RecommendResult
from .registry import (
    DefaultInfo,
    ModelEntry,
    ProviderInfo,
    RefreshResult,
    Registry,
    UnknownModelError,
)
from .sources import os_error_text
from .verify import Verification
from .views import (
    DefaultsResult,
    ModelDetail,
    ModelsResult,
    ProvidersResult,
    VerifyResult,
    model_detail,
    models_result,
    providers_result,
    structured,
    verify_result,
)
from .web import PICKER_URI, picker_html

__all__ = ["build_server"]

log = logging.getLogger(__name__)

CATALOG_URI = "models://catalog"
STATUS_URI = "models://status"
DEFAULTS_URI = "models://defaults"

READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
NO_KEYS_HINT = (
    "No provider has credentials. Set a provider's API key (e.g. OPENAI_API_KEY) in the server's environment; "
    "a desktop MCP host passes only the `env` block of its server config, not your shell's variables."
)


# --- tool results ------------------------------------------------------------------------------
# The result models live in views.py, shared with the CLI's --json; see structured() there.


# MCP Apps hosts read this from tools/list and show the picker beside the tool's result;
# "ui/resourceUri" is the older spelling some hosts still look for.
PICKER_META = {"ui": {"resourceUri": PICKER_URI}, "ui/resourceUri": PICKER_URI}


def _reply(text: str, result: BaseModel) -> CallToolResult:
    # structured() is also what the CLI's --json prints: one place decides the shape.
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=structured(result))


def _model_counts(info: ProviderInfo) -> str:
    """'42 models (40 tool_call, 12 reasoning)': the counts an agent choosing a provider looks at first."""
    shown = [f"{info.capability_counts[cap]} {cap}" for cap in ("tool_call", "reasoning") if info.capability_counts[cap]]
    return f"{info.model_count} models" + (f" ({', '.join(shown)})" if shown else "")



def _get(registry: Registry, model_ref: str) -> ModelEntry:
    try:
        return registry.get(model_ref)
    except UnknownModelError as exc:
        raise ToolError(f"{exc} Call list_models(query=...) to search.") from None


# --- answers kept between calls ----------------------------------------------------------------

MAX_ANSWERS = 512


class AnswerCache:
    """Read-only tools' answers, kept while `Registry.answer_state()` is unchanged and for at most
    MODELS_REGISTRY_ANSWER_MAX_AGE seconds (1 by default: the catalog's age and key checks' expiry move
    with the clock, so an answer is a second behind them at most; 0 keeps none).

    An agent framework calls list_providers or get_default before nearly every sub-task, with the
    same arguments; building the answer costs more than the SDK's whole request path. A changed
    catalog, credential variable, stored default or key check makes a new state, and with it new
    answers. Errors are never kept.
    """

    def __init__(self, registry: Registry):
        self.registry = registry
        self.max_age = registry.settings.answer_max_age_seconds
        self._answers: dict[tuple[Any, ...], tuple[tuple[Any, ...], float, CallToolResult]] = {}
        self.hits = 0

    def kept(self, tool: Callable[..., Awaitable[CallToolResult]]) -> Callable[..., Awaitable[CallToolResult]]:
        """The tool with its answers kept, per arguments (the SDK reads the signature through `wraps`)."""

        if self.max_age <= 0:
            return tool

        @functools.wraps(tool)
        async def answer(**arguments: Any) -> CallToolResult:
            key = (tool.__name__, *((name, _frozen(value)) for name, value in sorted(arguments.items())))
            state, now = self.registry.answer_state(), anyio.current_time()
            kept = self._answers.get(key)
            if kept is not None and kept[0] == state and now - kept[1] < self.max_age:
                self.hits += 1
                return kept[2]
            result = await tool(**arguments)
            if len(self._answers) >= MAX_ANSWERS:
                self._answers.clear()  # agents use few distinct arguments; a flood of new ones just starts over
            self._answers[key] = (state, now, result)
            return result

        return answer


def _frozen(value: Any) -> Any:
    """An argument as part of a dict key (lists become tuples)."""
    return tuple(value) if isinstance(value, list) else value


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


def build_server(
    registry: Registry,
    legacy_subscribers: LegacySubscriptions | None = None,
    log_sessions: LogSessions | None = None,
    *,
    stateless: bool = False,
) -> MCPServer:
    """An MCPServer answering from `registry`, with its background refresh running while served.

    `legacy_subscribers` is the `resources/subscribe` book and `log_sessions` the book of sessions
    that receive log notifications; pass one to look inside it (tests). A `stateless` server (every
    HTTP request answered on its own, by any replica) has no session to notify: it declares no
    subscriptions, no list changes and no logging, so clients do not wait for what cannot come.
    """
    bus = InMemorySubscriptionBus()
    legacy_subscribers = LegacySubscriptions() if legacy_subscribers is None else legacy_subscribers
    log_sessions = LogSessions() if log_sessions is None else log_sessions
    answers = AnswerCache(registry)

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
                await log_sessions.broadcast(*refresh_message(event))  # handshake-era sessions; see mcp_logging
                if event.changed:
                    await publish(CATALOG_URI)
                await publish(STATUS_URI)

    async def notify_defaults() -> None:
        """set_default here, or (shared defaults) in another replica: models://defaults watchers are told."""
        async with registry.watch_defaults() as changes:
            async for _ in changes:
                await publish(DEFAULTS_URI)

    @asynccontextmanager
    async def lifespan(_server: MCPServer) -> AsyncIterator[dict]:
        async with registry.running(), anyio.create_task_group() as tg:
            if not stateless:
                tg.start_soon(notify_changes)
                tg.start_soon(notify_defaults)
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
        subscriptions=False if stateless else bus,
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
    @answers.kept
    async def list_providers(
        available_only: Annotated[bool, Field(description="Only providers with credentials set. Default true.")] = True,
        query: Annotated[str | None, Field(description="Filter by words in the id or name, e.g. 'google'.")] = None,
    ) -> Annotated[CallToolResult, ProvidersResult]:
        result = providers_result(registry, available_only=available_only, query=query)
        items = result.providers
        lines = [f"{result.summary} ({result.catalog})."]
        if registry.summary().providers_available == 0:
            lines.append(NO_KEYS_HINT)
        for p in items[:40]:
            creds = p.credentials
            state = "available via " + ", ".join(creds.satisfied_by) if p.available else "needs " + " + ".join(creds.missing)
            lines.append(f"- {p.id}: {_model_counts(p)}, {state if creds.needs_credential else 'no key needed'}")
        if len(items) > 40:
            lines.append(f"... and {len(items) - 40} more (see structured content).")
        lines += [f"Problem: {problem}" for problem in result.problems]
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
    @answers.kept
    async def list_models(
        provider: Annotated[str | None, Field(description="Only this provider id, e.g. 'openai'.")] = None,
        available_only: Annotated[bool, Field(description="Only providers with credentials set.")] = True,
        capabilities: Annotated[list[Capability], Field(description="All required, e.g. ['tool_call'].")] = [],  # noqa: B006
        input_modalities: Annotated[list[Modality], Field(description="All required, e.g. ['image'].")] = [],  # noqa: B006
        min_context: Annotated[int, Field(ge=0, le=MAX_TOKENS, description="Minimum context window in tokens, e.g. 128000.")] = 0,
        max_input_cost: Annotated[float | None, Field(ge=0, le=MAX_PRICE, description="Max input price, USD per 1M tokens.")] = None,
        query: Annotated[str | None, Field(max_length=MAX_QUERY_CHARS, description="Words in id, name or family, e.g. 'claude sonnet'.")] = None,
        include_deprecated: Annotated[bool, Field(description="Include deprecated models.")] = False,
        kind: Annotated[Kind | None, Field(description="Only this kind, e.g. 'embedding' or 'chat'.")] = None,
        limit: Annotated[int, Field(ge=1, le=MAX_PAGE, description="Page size.")] = 50,
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
        result = models_result(entries, offset=offset, limit=limit)
        page = [item for items in result.providers.values() for item in items]
        if not entries:
            hint = NO_KEYS_HINT if available_only and not registry.summary().providers_available else ""
            text = f"No models match. {hint}".strip() + " Try available_only=false or fewer filters."
            return _reply(text, result)
        if not page:
            text = f"{len(entries)} models match; offset {offset} is past the end. Call again with offset=0."
            return _reply(text, result)
        lines = [f"{len(entries)} models match; showing {offset + 1}-{offset + len(page)}."]
        for item in page:
            price = f"${item.input_cost:g}/${item.output_cost:g}" if item.input_cost is not None and item.output_cost is not None else "price unknown"
            lines.append(f"- {item.model}: ctx {item.context:,}, {price}, {' '.join(item.capabilities)}")
        if result.next_offset is not None:
            lines.append(f"More: call list_models again with offset={result.next_offset}.")
        return _reply("\n".join(lines), result)

    @server.tool(
        annotations=READ_ONLY,
        description=(
            "Everything about one model, given as 'provider/model' (split on the first '/', so "
            "'openrouter/anthropic/claude-haiku-4.5' works): prices with tiers, limits, capabilities, "
            "modalities, knowledge cutoff, experimental modes, per-model endpoint overrides, and whether its "
            "provider has credentials. An unknown model fails with the closest matches."
        ),
    )
    @answers.kept
    async def get_model(
        model: Annotated[str, Field(max_length=MAX_MODEL_REF_CHARS, description="'provider/model', e.g. 'openai/gpt-5'.")],
    ) -> Annotated[CallToolResult, ModelDetail]:
        entry = _get(registry, model)
        detail = model_detail(registry, entry)
        creds = registry.credentials(entry.provider_id)
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
    @answers.kept
    async def recommend_model(
        task: Annotated[str | None, Field(max_length=MAX_TASK_CHARS, description="What the model is for, e.g. 'summarise long PDFs cheaply'.")] = None,
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
        limit: Annotated[int, Field(ge=1, le=MAX_PICKS, description="How many picks.")] = 5,
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
            return _reply("\n".join([*lines, result.message or "Nothing fits."]), result)
        article = "an" if result.category[:1] in "aeiou" else "a"
        lines.append(f"{len(result.recommendations)} {result.kind} pick(s) for {article} {result.category} task ({result.catalog}):")
        for r in result.recommendations:
            via = f" Also via {', '.join(r.also_available_via[:3])}." if r.also_available_via else ""
            lines.append(f"{r.rank}. {r.model}: {'; '.join(r.reasons)}.{via}")
        lines.append(result.quality_note)
        return _reply("\n".join(lines), result)  # unknown prices and dates left out: see views.structured

    @server.tool(
        annotations=ToolAnnotations(read_only_hint=False, idempotent_hint=True, destructive_hint=False),
        description=(
            "Remember a model as the user's default for a role ('default', 'small' for cheap sub-tasks, or any "
            "name). The model must exist ('provider/model'); the reply warns when its provider has no "
            "credential. Persists across restarts."
        ),
    )
    async def set_default(
        model: Annotated[str, Field(max_length=MAX_MODEL_REF_CHARS, description="'provider/model', e.g. 'anthropic/claude-sonnet-4-5'.")],
        role: Role = "default",
    ) -> Annotated[CallToolResult, DefaultInfo]:
        _get(registry, model)
        try:
            info = await registry.set_default(model, role)  # subscribers hear of it through watch_defaults
        except ValueError as exc:
            raise ToolError(str(exc)) from None
        except OSError as exc:
            raise ToolError(f"could not save the default ({os_error_text(exc)}); nothing was changed") from None
        text = f"Default for role '{role}' is now {info.model}."
        if not info.usable:
            text += f" Warning: {info.reason}."
        return _reply(text, info)

    @server.tool(
        annotations=READ_ONLY,
        description=(
            "The model to use for a role ('default', 'small', ...): from MODELS_REGISTRY_<ROLE>_MODEL, else the "
            "stored preference, else a fallback among callable models. Says where it came from and whether it "
            "is usable now; when not, gives the reason and a fallback."
        ),
    )
    @answers.kept
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
        await ctx.report_progress(1, 2, "looking for local runtimes")
        local = await registry.detect_local()  # a runtime started or stopped since: this is the moment to see it
        await ctx.report_progress(2, 2, str(result.outcome))
        await log_to_request(ctx, *refresh_message(result))
        if result.outcome in ("failed", "rejected"):
            text = f"Refresh {result.outcome}: {result.error}. Still serving the last good catalog."
        elif result.changed:
            c = result.change
            text = f"Catalog updated: {len(c.added)} added, {len(c.removed)} removed, {len(c.price_changes)} price changes."
            if not result.saved:
                text += f" Not saved: {result.error}."
        else:
            text = f"No change ({result.outcome}{': ' + result.error if result.error else ''})."
        if local:
            found = ", ".join(f"{pid} ({len(entry['models'])} models)" for pid, entry in sorted(local.items()))
            text += f" Local runtimes: {found}."
        return _reply(text, result)

    @server.tool(
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=True),
        description=(
            "Check the API keys set in this server's environment against the providers: each provider's "
            "model-listing endpoint is called with its key. Per provider: verified (with the model ids the key "
            "can see), rejected (the provider's message), rate_limited, unreachable, or not_checkable (and why). "
            "Afterwards list_providers shows each check, get_model says whether the key lists the model, and "
            "recommend_model skips providers whose key was rejected. Keys go only to the provider's own host; "
            "key values are never shown. Takes a few seconds; call it when a call failed or before a long job."
        ),
    )
    async def verify_credentials(
        ctx: Context,
        providers: Annotated[
            list[Annotated[str, Field(max_length=100)]] | None,
            Field(max_length=200, description="Provider ids; default: every provider whose key is set."),
        ] = None,
    ) -> Annotated[CallToolResult, VerifyResult]:
        done = 0

        async def progress(result: Verification) -> None:
            nonlocal done
            done += 1
            await ctx.report_progress(done, None, f"{result.provider_id}: {result.state}")

        try:
            results = await registry.verify(providers, on_done=progress)
        except LookupError as exc:
            raise ToolError(str(exc).strip("\"'")) from None
        result = verify_result(results)
        lines = [f"Checked {len(results)} providers: {result.summary}."]
        lines += [f"- {r.provider_id}: {r.state}, {r.message}" for r in results]
        return _reply("\n".join(lines), result)

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
        if isinstance(ref, PromptReference):
            if ref.name != "setup_keys" or argument.name != "providers":
                return None
            values = complete_provider_list(registry, argument.value)
            return Completion(values=values[:100], total=len(values), has_more=len(values) > 100)
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

    # --- prompts (a host's slash-command menu) ------------------------------------------------

    @server.prompt(
        title="Pick a model",
        description=(
            "Pick a model for a task described in words: ranks the models you can call now and hands the "
            "agent the top picks with their reasons and prices."
        ),
    )
    async def pick_model(
        task: Annotated[
            str,
            Field(
                max_length=MAX_TASK_CHARS,
                description="What the model is for, e.g. 'cheap classifier for support tickets' or 'coding agent'.",
            ),
        ],
    ) -> str:
        return pick_model_text(registry, task)

    @server.prompt(
        title="Set up API keys",
        description=(
            "Which environment variables to set for the providers you name, and where: a desktop host's "
            "`env` block or your shell. Names only; never asks for a key's value."
        ),
    )
    async def setup_keys(
        providers: Annotated[
            str,
            Field(max_length=1000, description="Provider ids, comma- or space-separated, e.g. 'openai, anthropic'."),
        ],
    ) -> str:
        return setup_keys_text(registry, providers)

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

    # --- log notifications (2025-era sessions; see mcp_logging for 2026-07-28) --------------------

    def track(ctx: ServerRequestContext) -> int:
        """The session's key in `log_sessions`, tracked from now until its connection ends."""
        connection = ctx.session._connection  # stable per client; the session object is per request
        key = id(connection)
        if log_sessions.add(key, connection):
            connection.exit_stack.callback(log_sessions.drop, key)
        return key

    async def on_initialized(ctx: ServerRequestContext, _params: NotificationParams) -> None:
        key = track(ctx)
        for level, text in startup_messages(registry):  # once per session, at its start
            await log_sessions.send(key, level, text)

    async def on_set_level(ctx: ServerRequestContext, params: SetLevelRequestParams) -> EmptyResult:
        log_sessions.set_level(track(ctx), params.level)
        return EmptyResult()

    if stateless:
        return server
    lowlevel = server._lowlevel_server
    lowlevel.add_request_handler("resources/subscribe", SubscribeRequestParams, on_subscribe)
    lowlevel.add_request_handler("resources/unsubscribe", UnsubscribeRequestParams, on_unsubscribe)
    # Registered directly (MCPServer has no API for them): the handler's presence is what declares
    # the `logging` capability.
    lowlevel.add_request_handler("logging/setLevel", SetLevelRequestParams, on_set_level)
    lowlevel.add_notification_handler("notifications/initialized", NotificationParams, on_initialized)
    return server
