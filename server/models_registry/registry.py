"""The anyio `Registry`: the catalog in hand, its freshness, credentials and queries.

Every surface (MCP tools, CLI, web page) talks to a `Registry` and nothing else.
It has a catalog the moment it is built (user file, cache or snapshot: no
network), and `Registry.open()` keeps it fresh from a background task, so no
caller ever waits on the network. A refresh swaps the catalog only after the
fetched one passed the schema and the plausibility gate; subscribers hear about
every attempt.

This module knows nothing about MCP.
"""

from __future__ import annotations

import logging
import os
from collections import ChainMap, Counter
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from pydantic import BaseModel, Field

from .catalog import Catalog, CatalogError, Model, parse_catalog
from .credentials import (
    CredentialRule,
    CredentialStatus,
    ReadableNames,
    check_credentials,
    is_configured,
    looks_like_credential,
    rule_for,
    set_variables,
    url_placeholders,
)
from .preferences import ROLE_PATTERN, DefaultsStore
from .recommend import (
    KINDS,
    CandidateTable,
    KeyFacts,
    QualityTable,
    RecommendRequest,
    RecommendResult,
    build_candidates,
    kind_of,
    recommend,
)
from .recommend.identity import parse_offering
from .settings import Settings

if TYPE_CHECKING:
    from anyio.abc import TaskGroup

    from .config import UserConfig
    from .shared_defaults import PostgresDefaults
from .local import LocalServer, LocalSettings, detect_local
from .sources import (
    CacheError,
    CatalogCache,
    CatalogSource,
    FetchError,
    FetchLimits,
    LoadedCatalog,
    NotModified,
    check_plausible,
    fetch_catalog,
    load_initial,
    load_quality_table,
    load_snapshot,
    os_error_text,
    redact_url,
)
from .verify import KeyCheck, KeyChecks, Verification, VerifyJob, VerifyLimits, plan_endpoint, verify_all

__all__ = [
    "CAPABILITIES",
    "CatalogChange",
    "DefaultInfo",
    "ModelEntry",
    "ProviderInfo",
    "RefreshOutcome",
    "RefreshResult",
    "Registry",
    "RegistryStatus",
    "Summary",
    "UnknownModelError",
    "check_role",
    "split_model_ref",
]

log = logging.getLogger(__name__)

CAPABILITIES = ("tool_call", "reasoning", "attachment", "structured_output", "temperature", "open_weights")
MIN_BACKGROUND_INTERVAL = 60.0  # seconds between background attempts, whatever the TTL
MAX_BACKOFF = 3600.0
# A stale catalog is refreshed this long after start, not at once: setting up the HTTPS client
# costs ~20 ms of CPU, which would land on the host's first requests.
STARTUP_GRACE = 2.0


class UnknownModelError(LookupError):
    """No such model; `matches` holds the closest 'provider/model' refs."""

    def __init__(self, model_ref: str, matches: list[str]):
        self.model_ref = model_ref
        self.matches = matches
        hint = f" Did you mean: {', '.join(matches)}?" if matches else ""
        super().__init__(f"Unknown model {model_ref!r}.{hint}")

    def __str__(self) -> str:
        return self.args[0]


def split_model_ref(model_ref: str) -> tuple[str, str]:
    """'provider/model' → (provider_id, model_id), split on the first '/' (model ids may hold '/')."""
    provider_id, sep, model_id = model_ref.strip().partition("/")
    if not sep or not provider_id or not model_id:
        raise ValueError(f"expected 'provider/model', got {model_ref!r}")
    return provider_id, model_id


class RefreshOutcome(StrEnum):
    UPDATED = "updated"  # a new catalog was fetched and swapped in
    NOT_MODIFIED = "not_modified"  # upstream answered 304
    FRESH = "fresh"  # nothing to do: within the TTL
    SKIPPED = "skipped"  # offline, or serving a user file
    FAILED = "failed"  # the fetch failed
    REJECTED = "rejected"  # fetched, but failed the schema or the gate


class PriceChange(BaseModel):
    model: str = Field(description="'provider/model'.")
    input_before: float | None
    input_after: float | None
    output_before: float | None
    output_after: float | None


class CatalogChange(BaseModel):
    """What a refresh changed."""

    added: list[str] = Field(default_factory=list, description="Models added, as 'provider/model'.")
    removed: list[str] = Field(default_factory=list, description="Models removed.")
    price_changes: list[PriceChange] = Field(default_factory=list, description="Models whose price changed.")

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.price_changes)


class RefreshResult(BaseModel):
    """The result of one refresh attempt."""

    outcome: RefreshOutcome
    changed: bool = Field(description="The catalog in hand is different afterwards.")
    change: CatalogChange = Field(default_factory=CatalogChange)
    error: str | None = Field(None, description="Why the fetch failed or was rejected, or why an update was not saved.")
    saved: bool = Field(
        True,
        description="False when the new catalog could not be written to the cache: it serves this process only.",
    )
    at: datetime


class _RefreshRecord(BaseModel):
    """last-refresh.json in the cache directory: the last fetch's result, for the processes after this one."""

    url: str = Field(description="The catalog URL fetched, credentials removed: a record for another URL is not shown.")
    result: RefreshResult = Field(description="Without its change lists (they may name thousands of models).")


class RegistryStatus(BaseModel):
    """Where the catalog in hand came from and how fresh it is."""

    source: CatalogSource = Field(description="snapshot | cache | network | file.")
    url: str | None = Field(description="Where the catalog was fetched from (credentials removed).")
    fetched_at: datetime | None = Field(description="When upstream last confirmed it (snapshot: its date).")
    age_seconds: float | None
    stale: bool = Field(description="Older than the TTL.")
    ttl_seconds: int
    offline: bool
    etag: str | None
    providers: int
    models: int
    skipped_models: int = Field(description="Models left out of the catalog in hand for failing the schema.")
    last_refresh: RefreshResult | None = Field(
        description="The last refresh attempt in this process, else the last fetch recorded in the cache directory "
        "by an earlier process (without its change lists)."
    )
    problems: list[str] = Field(description="Settings or files that could not be used.")
    cache_dir: str
    defaults_store: str = Field(
        "", description="Where set_default keeps defaults: 'file <path>' or the shared database (no credentials)."
    )

    def catalog_note(self) -> str:
        return catalog_note(self.source, self.age_seconds, self.stale)


def catalog_note(source: str, age_seconds: float | None, stale: bool) -> str:
    """'snapshot catalog, 146 days old (stale)': where the answers come from, in a few words."""
    if age_seconds is None:
        return f"{source} catalog"
    days = age_seconds / 86400
    age = f"{days:.0f} days" if days >= 2 else f"{age_seconds / 3600:.1f} hours"
    return f"{source} catalog, {age} old{' (stale)' if stale else ''}"


class ProviderInfo(BaseModel):
    """A provider and whether the user can call it."""

    id: str
    name: str
    available: bool = Field(description="Credentials are configured (or none are needed).")
    credentials: CredentialStatus
    api: str | None = Field(description="Base URL as written; ${VAR} placeholders are never filled in (values stay private).")
    api_placeholders: dict[str, bool] = Field(
        default_factory=dict, description="Each ${VAR} in the base URL and whether it is set: the URL is complete when all are."
    )
    npm: str | None
    doc: str | None
    source: str = Field("models.dev", description="models.dev, or config when the user's config file adds or changes it.")
    model_count: int
    capability_counts: dict[str, int] = Field(
        description="How many of its models have each capability, e.g. {'tool_call': 40, 'reasoning': 12}."
    )
    local: bool = Field(False, description="A runtime on this machine (Ollama, LM Studio, a configured server).")
    key_check: KeyCheck | None = Field(None, description="What the provider said about the key, when it was checked.")


class ModelEntry(BaseModel):
    """A model with its provider and availability."""

    ref: str = Field(description="'provider/model'.")
    provider_id: str
    provider_name: str
    available: bool
    kind: str = Field("chat", description="What the model is for: chat, embedding, image-generation, speech-to-text, ...")
    model: Model
    in_key_listing: bool | None = Field(
        None, description="Whether the provider listed it for the key set (None until the key is checked)."
    )


class DefaultInfo(BaseModel):
    """The model a role points at, where that came from, and whether it can be called now."""

    role: str
    model: str | None = Field(description="'provider/model', or None when nothing is set and nothing is available.")
    source: str = Field(description="environment (VARIABLE) | stored (set_default) | config (PATH) | fallback.")
    usable: bool = Field(description="The model exists and its provider has credentials.")
    reason: str | None = Field(None, description="Why it is not usable.")
    fallback: str | None = Field(None, description="What to use instead when it is not usable.")


def check_role(role: str) -> None:
    """ValueError unless `role` can name a default (the CLI checks its --role with this too)."""
    if not ROLE_PATTERN.fullmatch(role):  # match() would let "small\n" through: $ matches before a final newline
        raise ValueError(f"invalid role {role!r}: use lowercase letters, digits, '-' or '_' (e.g. 'default', 'small')")


class Summary(BaseModel):
    providers_available: int
    providers_total: int
    keys_configured: int = Field(description="Distinct credential variables set that make a provider available.")
    text: str


def _load_config(path: Path | None) -> UserConfig | None:
    """The user's config, or None when there is no file (then the config module is not even imported)."""
    if path is None or not path.exists():
        return None
    from .config import load_config

    return load_config(path)


@asynccontextmanager
async def _listening(senders: set[MemoryObjectSendStream[Any]], size: int) -> AsyncIterator[MemoryObjectReceiveStream[Any]]:
    """A stream that receives what is sent to `senders` while the block runs (at most `size` pending)."""
    send, receive = anyio.create_memory_object_stream[Any](size)
    senders.add(send)
    try:
        yield receive
    finally:
        senders.discard(send)
        send.close()
        receive.close()


def _offer(senders: set[MemoryObjectSendStream[Any]], item: Any) -> int:
    """Send `item` to every stream that has room, forgetting closed ones; how many were full."""
    full = 0
    for send in list(senders):
        try:
            send.send_nowait(item)
        except anyio.WouldBlock:
            full += 1
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            senders.discard(send)
    return full


def _moves(model_ref: str) -> bool:
    """An alias ('-latest', '~') or a preview: a model that may change or go away under a default."""
    identity = parse_offering(*split_model_ref(model_ref))
    return identity.alias or identity.preview


def _defaults_store(settings: Settings) -> DefaultsStore | PostgresDefaults:
    """The file in the state directory, or the shared database when MODELS_REGISTRY_STATE_URL is set."""
    if settings.state_url:
        from .shared_defaults import PostgresDefaults

        return PostgresDefaults(settings.state_url)
    return DefaultsStore(settings.state_dir)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class Registry:
    """The catalog in hand plus the environment's credentials; see the module docstring."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        env: Mapping[str, str] | None = None,
        limits: FetchLimits | None = None,
    ):
        settings = settings or Settings.from_env()
        self.config = _load_config(settings.config_file)  # None when there is no config file
        self.settings = settings.with_config(self.config.file.registry) if self.config else settings
        for problem in self.settings.problems:
            log.warning("%s", problem)
        for problem in self.config.problems if self.config else []:
            log.info("%s", problem)  # shown by status, list_providers and `config check`
        self._env = env
        self._env_file: tuple[float, dict[str, str]] | None = None  # (mtime, values) of the config's env_file
        self._env_file_problem: str | None = None
        self._overlay: tuple[Catalog, Catalog, list[str]] | None = None  # (catalog in hand, with config, problems)
        self._limits = limits or FetchLimits()
        self._cache = CatalogCache(self.settings.cache_dir)
        self._loaded: LoadedCatalog = load_initial(self.settings.catalog_file, self._cache)
        self._last_refresh: RefreshResult | None = None
        self._recorded_refresh: RefreshResult | None | bool = False  # False: last-refresh.json not read yet
        self._defaults_checked: tuple[Catalog, list[str]] | None = None  # the config's [defaults] that name no model
        self._failures = 0
        self._retry_after: float | None = None
        self._refresh_lock: anyio.Lock | None = None
        self._subscribers: set[MemoryObjectSendStream[RefreshResult]] = set()
        self._defaults = _defaults_store(self.settings)
        self._defaults_watchers: set[MemoryObjectSendStream[None]] = set()
        self.refresh_outcomes: Counter[str] = Counter()  # refresh attempts in this process, by outcome
        self._running = 0
        self._loop_lock: anyio.Lock | None = None  # one background refresh loop across running() blocks
        self._candidates: tuple[Catalog, CandidateTable] | None = None  # recommend's rows, per catalog
        self._quality: QualityTable | None = None
        self._kind_cache: tuple[Catalog | None, dict[str, dict[str, str]]] = (None, {})
        self._rule_cache: tuple[Catalog, dict[str, CredentialRule]] | None = None
        self._readable = ReadableNames(self.config.named_variables if self.config else frozenset())
        self._env_seen: tuple[dict[str, str], dict[str, str]] = ({}, {})  # (environment, its readable part)
        self._key_checks = KeyChecks(self.settings.verify_ttl_seconds)
        self._snapshot_heads: dict[str, dict[str, Any]] | None = None  # where keys may go (verify.py)
        self._local: dict[str, dict[str, Any]] = {}  # provider entries of the local runtimes found last
        self._local_overlay: tuple[Catalog, dict[str, dict[str, Any]], Catalog] | None = None
        self._available: tuple[Catalog, frozenset[str], frozenset[str]] | None = None
        self._defaults_lock: anyio.Lock | None = None  # one listener on the shared defaults across running() blocks

    @classmethod
    @asynccontextmanager
    async def open(cls, settings: Settings | None = None, *, background_refresh: bool = True, **kwargs: Any):
        """A registry whose catalog is refreshed in the background while the block runs."""
        registry = cls(settings, **kwargs)
        async with registry.running(background_refresh=background_refresh):
            yield registry

    @asynccontextmanager
    async def running(self, *, background_refresh: bool = True) -> AsyncIterator[Registry]:
        """Keep this registry fresh from a background task while the block runs.

        Nested or concurrent blocks (one per SSE or in-memory client) share one refresh loop:
        each block queues for it, one runs it, and when that block ends the next takes over.
        """
        self._running += 1
        try:
            async with anyio.create_task_group() as tg:
                if self.shares_defaults:
                    await self._join_defaults_listener(tg)
                if background_refresh and self.settings.network_allowed:
                    tg.start_soon(self._refresh_while_first)
                tg.start_soon(self._warm_up)
                try:
                    yield self
                finally:
                    tg.cancel_scope.cancel()
        finally:
            self._running -= 1

    # --- state ---------------------------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        """The catalog in hand with the user's config applied (re-applied after every refresh), and the
        local runtimes found last laid over it."""
        configured = self._configured_catalog()
        if not self._local:
            return configured
        cached = self._local_overlay
        if cached is None or cached[0] is not configured or cached[1] is not self._local:  # replaced on change
            cached = self._local_overlay = (configured, self._local, configured.overlay(self._local))
        return cached[2]

    def _configured_catalog(self) -> Catalog:
        loaded = self._loaded.catalog
        if self.config is None:
            return loaded
        if self._overlay is None or self._overlay[0] is not loaded:
            from .config import apply_config

            overlaid, problems = apply_config(loaded, self.config)
            for problem in problems:
                log.info("%s", problem)  # shown by status, list_providers and `config check`
            self._overlay = (loaded, overlaid, problems)
        return self._overlay[1]

    @property
    def env(self) -> Mapping[str, str]:
        """The environment credentials are read from, at each call; the config's env_file fills in below it."""
        env = os.environ if self._env is None else self._env
        file_values = self._env_file_values()
        return ChainMap(env, file_values) if file_values else env

    def _env_file_values(self) -> dict[str, str]:
        """The config's dotenv file, re-read when it changes. Its values stay in this process, like every secret."""
        path = self.config.env_file_path() if self.config else None
        if path is None:
            return {}
        try:
            mtime = path.stat().st_mtime
        except OSError as exc:
            self._env_file_problem = f"env_file {path} cannot be read ({os_error_text(exc)}); its keys are not counted"
            return {}
        if self._env_file is None or self._env_file[0] != mtime:
            from dotenv import dotenv_values

            try:
                values = {k: v for k, v in dotenv_values(path).items() if v is not None}
                self._env_file_problem = None
            except (OSError, UnicodeDecodeError, ValueError) as exc:  # never the content: it holds secrets
                values = {}
                self._env_file_problem = f"env_file {path} cannot be read ({type(exc).__name__}); its keys are not counted"
            self._env_file = (mtime, values)
        return self._env_file[1]

    def config_problems(self) -> list[str]:
        """What in the config file could not be used: its own errors, then overrides that did not apply."""
        if self.config is None:
            return []
        self.catalog  # noqa: B018 - applying the config is what finds the second kind
        self._env_file_values()  # and reading the env_file finds the third
        env_file = [self._env_file_problem] if self._env_file_problem else []
        overlay = self._overlay[2] if self._overlay else []
        return [*self.config.problems, *overlay, *self._default_problems(), *env_file]

    def _default_problems(self) -> list[str]:
        """The config's [defaults] naming a model the catalog lacks, with the closest matches; found once per catalog."""
        catalog = self.catalog
        if self._defaults_checked is None or self._defaults_checked[0] is not catalog:
            problems = []
            for role, model_ref in self.config.file.defaults.items() if self.config else ():
                provider_id = model_ref.partition("/")[0]
                if provider_id in self._loaded.catalog and provider_id not in catalog:
                    continue  # the config disables it: get_default says so, and offers a fallback
                try:
                    self.get(model_ref)
                except UnknownModelError as exc:
                    problems.append(f"{self.config.where(('defaults', role))}: {exc}")
            self._defaults_checked = (catalog, problems)
        return self._defaults_checked[1]

    def _rules(self) -> dict[str, CredentialRule]:
        """Each provider's credential rule (the config's, else the catalog's), built once per catalog."""
        catalog = self.catalog
        if self._rule_cache is None or self._rule_cache[0] is not catalog:
            configured = self.config.credential_rules if self.config else {}
            rules = {
                pid: configured.get(pid) or rule_for(pid, catalog.head(pid).get("env") or [])
                for pid in catalog.provider_ids
            }
            self._rule_cache = (catalog, rules)
        return self._rule_cache[1]

    def _env_now(self) -> dict[str, str]:
        """One copy of the credential variables for a whole query (os.environ encodes every key it looks
        up), holding only the names a catalog may ask about: naming HOME must not reveal that it is set.
        Shared between calls while the environment is unchanged: do not mutate."""
        env = self.env
        # os.environ decodes every key it hands out (~0.1 ms a query for 50 variables); its raw store is
        # copied and compared in C, and the decoded, filtered copy is rebuilt only when that changed.
        store = getattr(env, "_data", None)
        seen = dict(store) if isinstance(store, dict) else dict(env)
        if seen != self._env_seen[0]:
            self._env_seen = (seen, self._readable.filter(env))
        return self._env_seen[1]

    def answer_state(self) -> tuple[Any, ...]:
        """What every query's answer depends on besides its arguments and the clock: while this compares
        equal, so do the answers (the catalog, the credential variables, the stored defaults, key checks,
        and the problems status reports). Compared by identity first, so it costs a few microseconds."""
        return (
            self.catalog,
            self._env_now(),
            self._defaults.version(),
            self._defaults.problem,
            self._key_checks.version,
            self._env_file_problem,
        )

    def _age_seconds(self) -> float | None:
        fetched_at = self._loaded.fetched_at
        return None if fetched_at is None else max(0.0, (datetime.now(UTC) - fetched_at).total_seconds())

    @property
    def stale(self) -> bool:
        age = self._age_seconds()
        return age is None or age > self.settings.ttl_seconds

    def status(self) -> RegistryStatus:
        loaded = self._loaded
        self._defaults.load()  # a corrupt defaults file is found (and reported) now, not at the next role lookup
        return RegistryStatus(
            source=loaded.source,
            url=redact_url(loaded.url) if loaded.url else None,
            fetched_at=loaded.fetched_at,
            age_seconds=self._age_seconds(),
            stale=self.stale,
            ttl_seconds=self.settings.ttl_seconds,
            offline=self.settings.offline,
            etag=loaded.etag,
            providers=len(self.catalog),
            models=self.catalog.model_count,
            skipped_models=len(loaded.catalog.skipped) if loaded.skipped_models is None else loaded.skipped_models,
            last_refresh=self._last_refresh or self._recorded(),
            problems=[
                *self.settings.problems,
                *self.config_problems(),
                *loaded.problems,
                *filter(None, [self._defaults.problem]),
            ],
            cache_dir=str(self.settings.cache_dir),
            defaults_store=self._defaults.describe(),
        )

    # --- queries -------------------------------------------------------------------------------

    def credentials(self, provider_id: str) -> CredentialStatus:
        """A provider's credential status, from its catalog entry's head: its models are not needed."""
        return check_credentials(self._rules()[provider_id], self._env_now())

    def _provider_info(self, provider_id: str, creds: CredentialStatus) -> ProviderInfo:
        head = self.catalog.head(provider_id)
        models = (self.catalog.entry(provider_id).get("models") or {}).values()
        return ProviderInfo(
            id=provider_id,
            name=head.get("name", provider_id),
            available=creds.configured,
            credentials=creds,
            api=head.get("api"),
            api_placeholders=url_placeholders(head.get("api"), set_variables(self._env_now())),
            npm=head.get("npm"),
            doc=head.get("doc"),
            source="config" if head.get("source") == "config" else "models.dev",
            model_count=self.catalog.model_count_of(provider_id),
            capability_counts={cap: sum(model.get(cap) is True for model in models) for cap in CAPABILITIES},
            local=head.get("local") is True,
            key_check=self.key_check(provider_id),
        )

    def providers(self, *, available_only: bool = False) -> list[ProviderInfo]:
        """Providers, available ones first, then by id."""
        available = self.available_providers()
        ids = [pid for pid in self.catalog.provider_ids if pid in available or not available_only]
        ids.sort(key=lambda pid: (pid not in available, pid))
        rules, env = self._rules(), self._env_now()
        # Only the providers shown get a full credential report and have their models parsed.
        return [self._provider_info(pid, check_credentials(rules[pid], env)) for pid in ids]

    def provider(self, provider_id: str) -> ProviderInfo:
        """One provider; LookupError with close matches when unknown."""
        self._check_provider(provider_id)
        return self._provider_info(provider_id, self.credentials(provider_id))

    def _check_provider(self, provider_id: str) -> None:
        """LookupError with close matches when the catalog has no such provider (nothing is built)."""
        if provider_id not in self.catalog:
            import difflib  # only on a miss

            matches = difflib.get_close_matches(provider_id, self.catalog.provider_ids, n=5)
            hint = f" Did you mean: {', '.join(matches)}?" if matches else ""
            raise LookupError(f"Unknown provider {provider_id!r}.{hint}")

    def models(
        self,
        *,
        provider: str | None = None,
        available_only: bool = False,
        capabilities: Iterable[str] = (),
        input_modalities: Iterable[str] = (),
        min_context: int = 0,
        max_input_cost: float | None = None,
        query: str | None = None,
        include_deprecated: bool = False,
        kind: str | None = None,
    ) -> list[ModelEntry]:
        """Models matching every filter, by provider then model id.

        A price cap excludes models without a known price: unknown is not free.
        """
        capabilities = list(capabilities)
        if unknown := [c for c in capabilities if c not in CAPABILITIES]:
            raise ValueError(f"unknown capability {unknown[0]!r}; allowed: {', '.join(CAPABILITIES)}")
        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; allowed: {', '.join(KINDS)}")
        modalities = list(input_modalities)
        words = (query or "").lower().split()
        if provider:
            self._check_provider(provider)
        provider_ids = [provider] if provider else self.catalog.provider_ids
        callable_now = self.available_providers()
        entries: list[ModelEntry] = []
        for provider_id in provider_ids:
            available = provider_id in callable_now
            if available_only and not available:
                continue  # before building typed objects: most providers are skipped here
            prov = self.catalog.provider(provider_id)
            kinds = self._kinds(provider_id)
            for model_id, model in prov.models.items():  # keys, not inner ids: the key is the identity
                if not include_deprecated and model.status == "deprecated":
                    continue
                if any(not getattr(model, c) for c in capabilities):
                    continue
                if any(m not in model.modalities.input for m in modalities):
                    continue
                if model.limit.context < min_context:
                    continue
                if max_input_cost is not None and (
                    model.cost is None or model.cost.input is None or model.cost.input > max_input_cost
                ):
                    continue
                ref = f"{provider_id}/{model_id}"
                if words and not all(w in f"{ref} {model.name} {model.family or ''}".lower() for w in words):
                    continue
                model_kind = kinds[model_id]
                if kind is not None and model_kind != kind:
                    continue
                entries.append(ModelEntry(
                    ref=ref, provider_id=provider_id, provider_name=prov.name, available=available, kind=model_kind, model=model
                ))
        return sorted(entries, key=lambda e: (e.provider_id, e.ref))

    def _kinds(self, provider_id: str) -> dict[str, str]:
        """What each model of a provider is for (recommend's kinds), kept per catalog."""
        catalog = self.catalog
        if self._kind_cache[0] is not catalog:
            self._kind_cache = (catalog, {})
        kinds = self._kind_cache[1]
        if provider_id not in kinds:
            models = self.catalog.entry(provider_id).get("models") or {}
            kinds[provider_id] = {model_id: kind_of(model_id, raw) for model_id, raw in models.items()}
        return kinds[provider_id]

    def get(self, model_ref: str) -> ModelEntry:
        """Exactly one model by 'provider/model'; UnknownModelError with close matches on a miss."""
        provider_id, _, model_id = model_ref.strip().partition("/")
        raw = self.catalog.entry(provider_id) if provider_id in self.catalog else None
        if raw is not None and model_id in (raw.get("models") or {}):
            prov = self.catalog.provider(provider_id)
            ref = f"{provider_id}/{model_id}"
            return ModelEntry(
                ref=ref,
                provider_id=provider_id,
                provider_name=prov.name,
                available=self.credentials(provider_id).configured,
                kind=self._kinds(provider_id)[model_id],
                model=prov.models[model_id],
                in_key_listing=self._in_key_listing(provider_id, model_id),
            )
        raise UnknownModelError(model_ref, self.close_matches(model_ref))

    def close_matches(self, model_ref: str, n: int = 5) -> list[str]:
        """The refs nearest to what the user typed: the same model id elsewhere first, then by spelling."""
        wanted = model_ref.strip()
        refs = list(self.catalog.model_refs())
        bare = wanted.partition("/")[2] if "/" in wanted and wanted.partition("/")[0] in self.catalog else wanted
        same_id = [ref for ref in refs if (m := ref.partition("/")[2]) == bare or m.endswith(f"/{bare}")]
        import difflib  # only on a miss

        spelled = difflib.get_close_matches(wanted, refs, n=n, cutoff=0.6)
        return list(dict.fromkeys([*same_id, *spelled]))[:n]

    def summary(self) -> Summary:
        """'x providers available, y API keys configured'."""
        available_ids = self.available_providers()
        rules, env = self._rules(), self._env_now()
        keys = {name for pid in available_ids for name in check_credentials(rules[pid], env).satisfied_by}
        available, total = len(available_ids), len(self.catalog)
        text = f"{_plural(available, 'provider')} available, {_plural(len(keys), 'API key')} configured"
        return Summary(providers_available=available, providers_total=total, keys_configured=len(keys), text=text)

    def available_providers(self) -> frozenset[str]:
        """Ids of the providers whose credentials are set (or need none), read from the environment now."""
        set_names = frozenset(set_variables(self._env_now()))
        cached = self._available
        if cached is not None and cached[0] is self.catalog and cached[1] == set_names:
            return cached[2]  # the same variables are set as last time: the same providers
        rules = self._rules()
        available = frozenset(provider_id for provider_id, rule in rules.items() if is_configured(rule, set_names))
        self._available = (self.catalog, set_names, available)
        return available

    def candidates(self) -> CandidateTable:
        """recommend's flattened rows for the catalog in hand, built once per catalog."""
        catalog = self.catalog
        if self._candidates is None or self._candidates[0] is not catalog:
            if self._quality is None:
                self._quality = load_quality_table()
            self._candidates = (catalog, build_candidates(catalog.raw, self._quality))
        return self._candidates[1]

    def recommend(self, request: RecommendRequest) -> RecommendResult:
        """Ranked, explained picks; ValueError for a bad request, LookupError for an unknown provider."""
        request.validate()
        for provider_id in request.providers or ():
            self._check_provider(provider_id)
        chosen = self.chosen_default("default")
        result = recommend(
            self.candidates(),
            request,
            available=self.available_providers(),
            default_model=chosen[0] if chosen else None,
            aws_region=self.env.get("AWS_REGION") or self.env.get("AWS_DEFAULT_REGION"),
            keys=self._key_facts(),
        )
        source, age = str(self._loaded.source), self._age_seconds()
        result.catalog, result.catalog_source, result.catalog_age_seconds = catalog_note(source, age, self.stale), source, age
        return result

    # --- keys checked against the providers (verify.py) --------------------------------------

    async def verify(
        self, providers: Sequence[str] | None = None, *, on_done: Callable[[Verification], Any] | None = None
    ) -> list[Verification]:
        """Ask each provider (default: every available one that needs a key) whether its key works.

        Concurrent, bounded, never raises for a provider's answer; LookupError for an unknown id.
        Results are kept in memory for `verify_ttl_seconds`, tied to the key they checked.
        """
        ids = list(dict.fromkeys(providers or ())) or sorted(
            pid for pid in self.available_providers() if self.credentials(pid).needs_credential
        )
        for provider_id in ids:
            self._check_provider(provider_id)
        jobs = [self._verify_job(provider_id) for provider_id in ids]
        results = await verify_all(jobs, VerifyLimits(), on_done)
        for job in jobs:
            self._key_checks.record(results[job.provider_id], job.key)
        return [results[provider_id] for provider_id in ids]

    def key_check(self, provider_id: str) -> KeyCheck | None:
        """The provider's last key check, if it is for the key set now and not expired."""
        if provider_id not in self._key_checks.providers():
            return None  # the common case, before anyone verifies: no key is read
        return self._key_checks.summary(provider_id, self._key_of(provider_id)[0])

    def _key_of(self, provider_id: str) -> tuple[str | None, dict[str, str]]:
        """(the provider's key, the other variables of its credential group and its settings).

        The key is the one variable of the satisfied group that looks like a credential; a group of
        two secrets (or none) has no single key to check.
        """
        creds = self.credentials(provider_id)
        env = self._env_now()
        names = [name for name in creds.satisfied_by if looks_like_credential(name)]
        if len(names) != 1:
            return None, {}
        settings = {name: env.get(name, "") for name in (*creds.satisfied_by, *creds.settings) if name != names[0]}
        return env.get(names[0]) or None, settings

    def _verify_job(self, provider_id: str) -> VerifyJob:
        creds = self.credentials(provider_id)
        if not creds.needs_credential:
            return VerifyJob(provider_id, None, None, "not checked: it needs no key")
        if not creds.configured:
            return VerifyJob(provider_id, None, None, f"not checked: no key set (set {' and '.join(creds.missing)})")
        key, settings = self._key_of(provider_id)
        if key is None:
            return VerifyJob(provider_id, None, None, f"not checked: {' + '.join(creds.satisfied_by)} is not a single key")
        current = self.catalog.head(provider_id).get("api")
        planned = plan_endpoint(provider_id, self._trusted_head(provider_id), current, settings)
        return VerifyJob(provider_id, None, key, planned) if isinstance(planned, str) else VerifyJob(provider_id, planned, key)

    def _trusted_head(self, provider_id: str) -> dict[str, Any] | None:
        """Where the provider lives, from sources that cannot be fetched: the user's config, else the bundled snapshot."""
        if self._snapshot_heads is None:
            bundled = load_snapshot().catalog
            self._snapshot_heads = {pid: bundled.head(pid) for pid in bundled.provider_ids}
        bundled_head = self._snapshot_heads.get(provider_id)
        section = self.config.file.providers.get(provider_id) if self.config else None
        if section is not None and (section.api or section.npm):
            return {"npm": section.npm or (bundled_head or {}).get("npm"), "api": section.api or (bundled_head or {}).get("api")}
        return bundled_head

    def _key_facts(self) -> KeyFacts:
        """Rejections and listings that hold for the keys set now, for recommend."""
        held = self._key_checks.providers()
        if not held:
            return KeyFacts()
        results = [r for pid in held if (r := self._key_checks.current(pid, self._key_of(pid)[0])) is not None]
        return KeyFacts(
            rejected=frozenset(r.provider_id for r in results if r.state == "rejected"),
            listings=tuple(sorted((r.provider_id, frozenset(r.models)) for r in results if r.state == "verified")),
        )

    def _in_key_listing(self, provider_id: str, model_id: str) -> bool | None:
        if provider_id not in self._key_checks.providers():
            return None
        result = self._key_checks.current(provider_id, self._key_of(provider_id)[0])
        return model_id in result.models if result is not None and result.state == "verified" else None

    # --- local runtimes (local.py) --------------------------------------------------------------

    async def detect_local(self) -> dict[str, dict[str, Any]]:
        """Ask Ollama, LM Studio and the configured local servers what they serve; lay it over the catalog."""
        if not self.settings.local:
            return {}
        configured = self._configured_catalog()
        settings = self._local_settings()
        # The catalog's (or the config's) entry of the same id fills in what a runtime does not say.
        ids = ("ollama", "lmstudio", *(server.provider_id for server in settings.servers))
        known = {pid: configured.entry(pid) for pid in ids if pid in configured}
        found = await detect_local(settings, known)
        if found != self._local:
            self._local = found  # a new object: the overlay in `catalog` is rebuilt once
        return found

    def _local_settings(self) -> LocalSettings:
        section = self.config.file.local if self.config else None
        if section is None:
            return LocalSettings.from_env(self.env)
        servers = tuple(LocalServer(pid, server.url, server.name or pid) for pid, server in section.servers.items())
        return LocalSettings.from_env(self.env, ollama=section.ollama, lmstudio=section.lmstudio, servers=servers)

    # --- defaults ------------------------------------------------------------------------------

    async def set_default(self, model_ref: str, role: str = "default") -> DefaultInfo:
        """Remember `model_ref` for `role`; UnknownModelError with close matches when it does not exist,
        OSError when the store cannot take it (nothing changed then)."""
        check_role(role)
        entry = self.get(model_ref)
        await self._defaults.save(role, entry.ref)
        if not self.shares_defaults:  # the shared store's listener tells of every change, this one included
            self._defaults_changed()
        return self.get_default(role)

    @property
    def shares_defaults(self) -> bool:
        """True when defaults live in a database shared with other processes (MODELS_REGISTRY_STATE_URL)."""
        return bool(self.settings.state_url)

    @property
    def defaults_store_errors(self) -> int:
        """Failed reads, connects and writes of the defaults store since start."""
        return self._defaults.errors

    async def load_shared_defaults(self) -> None:
        """Read the shared defaults once, for a one-shot command (a server follows them in `running`)."""
        if self.shares_defaults and not self._defaults.following:
            await self._defaults.load_once()

    async def _join_defaults_listener(self, tg: TaskGroup) -> None:
        """One block runs the listener; the others queue for it and take over when that block ends (an SSE
        server runs one block per connection). The first waits for its first read, so it starts with the
        stored defaults."""
        if self._defaults_lock is None:
            self._defaults_lock = anyio.Lock()
        if self._defaults_lock.locked():
            tg.start_soon(self._follow_shared_defaults)
        else:
            await tg.start(self._follow_shared_defaults)

    async def _follow_shared_defaults(self, *, task_status: Any = anyio.TASK_STATUS_IGNORED) -> None:
        assert self._defaults_lock is not None
        async with self._defaults_lock:
            await self._defaults.run(self._defaults_changed, task_status=task_status)

    def watch_defaults(self) -> AbstractAsyncContextManager[MemoryObjectReceiveStream[None]]:
        """An item whenever the defaults may have changed (here or, when shared, in another process);
        one pending item says it all, so the stream holds one."""
        return _listening(self._defaults_watchers, 1)

    def _defaults_changed(self) -> None:
        _offer(self._defaults_watchers, None)  # a watcher with an item pending has been told already

    def readiness(self) -> list[str]:
        """Why this registry should not take traffic yet; empty when ready (for /readyz)."""
        reasons = [] if len(self.catalog) else ["no catalog loaded"]
        if problem := self._defaults.check():
            reasons.append(problem)
        return reasons

    def chosen_default(self, role: str = "default") -> tuple[str, str] | None:
        """(model_ref, source) the user chose for a role, without computing a fallback.

        Precedence: MODELS_REGISTRY_<ROLE>_MODEL, then the stored preference (set_default, the
        latest explicit choice), then the config file's [defaults].
        """
        check_role(role)
        variable = f"MODELS_REGISTRY_{role.upper().replace('-', '_')}_MODEL"
        if chosen := self.env.get(variable, "").strip():
            return chosen, f"environment ({variable})"
        if stored := self._defaults.load().get(role):
            return stored, "stored (set_default)"
        if self.config and (configured := self.config.file.defaults.get(role)):
            return configured, f"config ({self.config.path})"
        return None

    def get_default(self, role: str = "default") -> DefaultInfo:
        """The model for a role: what the user chose (see `chosen_default`), else a fallback."""
        if chosen := self.chosen_default(role):
            return self._default_info(role, *chosen)
        fallback = self._fallback(role)
        return DefaultInfo(
            role=role,
            model=fallback,
            source="fallback",
            usable=fallback is not None,
            reason=None if fallback else "no provider has credentials; set an API key to get a default",
        )

    def roles(self) -> list[str]:
        configured = self.config.file.defaults if self.config else {}
        return sorted({"default", "small", *self._defaults.load(), *configured})

    def defaults(self) -> list[DefaultInfo]:
        return [self.get_default(role) for role in self.roles()]

    def _default_info(self, role: str, model_ref: str, source: str) -> DefaultInfo:
        try:
            entry = self.get(model_ref)
        except UnknownModelError as exc:
            provider_id = model_ref.partition("/")[0]
            if self.config and provider_id in self._loaded.catalog and provider_id not in self.catalog:
                reason = f"{provider_id} is disabled in the config ({self.config.path})"
            else:
                reason = f"not in the catalog ({exc})"
            return DefaultInfo(
                role=role, model=model_ref, source=source, usable=False, reason=reason, fallback=self._fallback(role)
            )
        if not entry.available:
            creds = self.credentials(entry.provider_id)
            return DefaultInfo(
                role=role, model=entry.ref, source=source, usable=False,
                reason=f"{entry.provider_id} is not configured: set {' + '.join(creds.missing)}",
                fallback=self._fallback(role),
            )
        return DefaultInfo(role=role, model=entry.ref, source=source, usable=True)

    def _fallback(self, role: str) -> str | None:
        """A chat model with tool calling: 'small' the cheapest above the quality floor, any other role the best
        value. A default is used call after call, so it names a stable model: not an alias that moves
        ('-latest', '~') nor a preview that may be withdrawn; the first of the top three that is neither, when
        there is such."""
        request = RecommendRequest(
            kind="chat", capabilities=("tool_call",), optimize="cost" if role == "small" else "balanced", limit=3
        )
        picks = [pick.model for pick in self.recommend(request).recommendations]
        stable = [ref for ref in picks if not _moves(ref)]
        return (stable or picks or [None])[0]

    # --- refresh -------------------------------------------------------------------------------

    def subscribe(self) -> AbstractAsyncContextManager[MemoryObjectReceiveStream[RefreshResult]]:
        """Receive every refresh attempt's result while the block runs; a slow reader misses some."""
        return _listening(self._subscribers, 16)

    def _publish(self, result: RefreshResult) -> None:
        self._last_refresh = result
        if _offer(self._subscribers, result):
            log.debug("a subscriber is behind; dropped one refresh event")

    def _result(
        self,
        outcome: RefreshOutcome,
        change: CatalogChange | None = None,
        error: str | None = None,
        *,
        saved: bool = True,
    ) -> RefreshResult:
        change = change or CatalogChange()
        result = RefreshResult(
            outcome=outcome, changed=change.changed, change=change, error=error, saved=saved, at=datetime.now(UTC)
        )
        self.refresh_outcomes[str(outcome)] += 1
        if outcome in (RefreshOutcome.FAILED, RefreshOutcome.REJECTED):
            self._failures += 1
            log.warning("catalog refresh %s: %s; keeping the %s catalog", outcome, error, self._loaded.source)
        elif outcome is not RefreshOutcome.FRESH:
            self._failures = 0
            self._retry_after = None
        self._publish(result)
        return result

    async def refresh(self, *, force: bool = False) -> RefreshResult:
        """Fetch the catalog if it is stale (or always, with force) and swap it in if it passes the gate.

        Never raises for network or data faults: the result says what happened, and
        the last good catalog stays in hand.
        """
        if self._refresh_lock is None:
            self._refresh_lock = anyio.Lock()
        async with self._refresh_lock:
            if not self.settings.network_allowed:
                reason = "offline (MODELS_REGISTRY_OFFLINE)" if self.settings.offline else "serving a catalog file"
                return self._result(RefreshOutcome.SKIPPED, error=reason)
            if not force:
                await self._adopt_newer_cache()
                if not self.stale:
                    return self._result(RefreshOutcome.FRESH)
            result = await self._fetch_and_swap()
            # Only fetches are recorded: "fresh" and "skipped" say nothing about upstream.
            await anyio.to_thread.run_sync(self._record, result)
            return result

    def _record(self, result: RefreshResult) -> None:
        """Keep a fetch's result in the cache directory for later processes; a failed write keeps the old record."""
        stripped = result.model_copy(update={"change": CatalogChange()})
        record = _RefreshRecord(url=redact_url(self.settings.url), result=stripped)
        try:
            self._cache.record_refresh(record.model_dump_json(indent=2).encode())
        except OSError as exc:  # the cache directory's own faults are reported by the catalog write
            log.debug("could not record the refresh: %s", os_error_text(exc))

    def _recorded(self) -> RefreshResult | None:
        """The last fetch an earlier process recorded for this URL; None when there is none or it is unusable."""
        if self._recorded_refresh is False:
            self._recorded_refresh = None
            if data := self._cache.read_refresh():
                try:
                    record = _RefreshRecord.model_validate_json(data)
                except ValueError:  # pydantic's ValidationError is one: a damaged record is no record
                    log.debug("ignoring an unreadable %s", self._cache.refresh_path)
                else:
                    if record.url == redact_url(self.settings.url):
                        self._recorded_refresh = record.result
        return self._recorded_refresh or None

    async def _adopt_newer_cache(self) -> None:
        """Another process sharing the cache may have refreshed it: take its catalog, no network needed."""
        try:
            meta = await anyio.to_thread.run_sync(self._cache.read_meta)
        except CacheError:
            return
        held = self._loaded.fetched_at
        if held is not None and meta.fetched_at <= held:
            return
        try:
            loaded = await anyio.to_thread.run_sync(self._cache.load)
        except CacheError:
            return
        change = _diff(self._loaded.catalog, loaded.catalog)  # raw against raw: the config is no change
        self._loaded = loaded
        if change.changed:
            self._result(RefreshOutcome.UPDATED, change)

    def _conditional_headers(self) -> tuple[str | None, str | None]:
        loaded = self._loaded
        same_url = loaded.url == redact_url(self.settings.url)
        if loaded.source in (CatalogSource.CACHE, CatalogSource.NETWORK) and same_url:
            return loaded.etag, loaded.last_modified
        return None, None

    async def _fetch_and_swap(self) -> RefreshResult:
        url = self.settings.url
        etag, last_modified = self._conditional_headers()
        try:
            fetched = await fetch_catalog(url, etag=etag, last_modified=last_modified, limits=self._limits)
        except FetchError as exc:
            self._retry_after = exc.retry_after
            return self._result(RefreshOutcome.FAILED, error=str(exc))

        if isinstance(fetched, NotModified):
            try:
                self._loaded.fetched_at = await anyio.to_thread.run_sync(self._cache.touch)
            except (CacheError, OSError) as exc:
                log.warning("could not record the 304 in the cache: %s", exc)
            return self._result(RefreshOutcome.NOT_MODIFIED)

        try:
            new = await anyio.to_thread.run_sync(parse_catalog, fetched.body)
            same_url = self._loaded.url == redact_url(url)
            check_plausible(new, self._loaded.catalog if same_url else None)
        except CatalogError as exc:
            return self._result(RefreshOutcome.REJECTED, error=str(exc))

        change = _diff(self._loaded.catalog, new)
        problems: list[str] = []
        try:
            meta = await anyio.to_thread.run_sync(
                lambda: self._cache.store(new, url=url, etag=fetched.etag, last_modified=fetched.last_modified)
            )
            fetched_at = meta.fetched_at
        except OSError as exc:  # filelock.Timeout is an OSError too; so is a lock file that is a symlink
            problems.append(f"could not write the cache in {self._cache.directory} ({os_error_text(exc)})")
            fetched_at = datetime.now(UTC)
            log.warning("catalog refresh updated this process only: %s", problems[-1])
        self._loaded = LoadedCatalog(
            new,
            CatalogSource.NETWORK,
            fetched_at=fetched_at,
            url=redact_url(url),
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            problems=problems,
        )
        if problems:
            error = f"the new catalog is in use for this process only: {problems[0]}"
            return self._result(RefreshOutcome.UPDATED, change, error, saved=False)
        return self._result(RefreshOutcome.UPDATED, change)

    def _next_attempt_in(self) -> float:
        """Seconds until the background task should try again."""
        if self._failures:
            backoff = min(MAX_BACKOFF, MIN_BACKGROUND_INTERVAL * 2 ** (self._failures - 1))
            return max(backoff, min(self._retry_after or 0.0, MAX_BACKOFF))  # a server's wish, within reason
        age = self._age_seconds()
        if age is None or (self._last_refresh is None and age > self.settings.ttl_seconds):
            return STARTUP_GRACE  # stale at start: refresh soon, in the background, after the first requests
        return max(MIN_BACKGROUND_INTERVAL, self.settings.ttl_seconds - age)

    async def _warm_up(self) -> None:
        """Once the host's first requests are answered, build recommend's rows (~0.1 s) off the event loop."""
        await anyio.sleep(STARTUP_GRACE)
        await anyio.to_thread.run_sync(self.candidates)

    async def _refresh_while_first(self) -> None:
        if self._loop_lock is None:
            self._loop_lock = anyio.Lock()
        async with self._loop_lock:  # released when this block's task group is cancelled
            await self._refresh_forever()

    async def _refresh_forever(self) -> None:
        while True:
            await anyio.sleep(self._next_attempt_in())
            try:
                await self.refresh()
            except Exception:  # a bug here must not kill the server; the catalog in hand stays
                log.exception("background refresh crashed")
                self._failures += 1


def _prices(raw_model: dict[str, Any]) -> tuple[Any, Any]:
    cost = raw_model.get("cost") or {}
    return cost.get("input"), cost.get("output")


def _diff(old: Catalog, new: Catalog) -> CatalogChange:
    """Models added, removed and repriced, compared on the raw catalogs (no typed objects needed)."""
    added: list[str] = []
    removed: list[str] = []
    repriced: list[PriceChange] = []
    for provider_id in old.raw.keys() | new.raw.keys():
        old_models = (old.raw.get(provider_id) or {}).get("models") or {}
        new_models = (new.raw.get(provider_id) or {}).get("models") or {}
        added += [f"{provider_id}/{m}" for m in new_models.keys() - old_models.keys()]
        removed += [f"{provider_id}/{m}" for m in old_models.keys() - new_models.keys()]
        for model_id in old_models.keys() & new_models.keys():
            before, after = _prices(old_models[model_id]), _prices(new_models[model_id])
            if before != after:
                repriced.append(
                    PriceChange(
                        model=f"{provider_id}/{model_id}",
                        input_before=before[0],
                        input_after=after[0],
                        output_before=before[1],
                        output_after=after[1],
                    )
                )
    return CatalogChange(added=sorted(added), removed=sorted(removed), price_changes=sorted(repriced, key=lambda p: p.model))
