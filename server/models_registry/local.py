"""Local runtimes: the models Ollama, LM Studio and the user's own OpenAI-compatible servers serve right now.

They need no key, so credential detection never sees them; they answer on this machine
(or wherever the user points), so asking them is the only way to know. Each runtime
found becomes a provider entry in models.dev's shape (`local: true`, price 0, kind and
capabilities from what the runtime reports), ready to lay over the catalog. A runtime
that does not answer within the timeout is simply absent: detection never fails a query.

This module knows no Registry and no MCP: settings go in, provider entries come out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
import orjson

__all__ = ["LocalServer", "LocalSettings", "detect_local"]

OLLAMA_DEFAULT = "http://127.0.0.1:11434"
LMSTUDIO_DEFAULT = "http://127.0.0.1:1234"
DEFAULT_CONTEXT = 4096  # what a runtime that does not say is assumed to give
MAX_MODELS = 2000  # per runtime: a listing past this is cut, not trusted to be one machine's models
MAX_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class LocalServer:
    """An OpenAI-compatible server the user runs (llama.cpp, vLLM...), from the config."""

    provider_id: str
    url: str  # base URL ending in /v1
    name: str = ""


@dataclass(frozen=True)
class LocalSettings:
    enabled: bool = True
    ollama: str = OLLAMA_DEFAULT
    lmstudio: str = LMSTUDIO_DEFAULT
    servers: tuple[LocalServer, ...] = ()
    timeout: float = 1.0  # a runtime on this machine answers in milliseconds or is not running

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: Any) -> LocalSettings:
        """OLLAMA_HOST, as Ollama's own CLI reads it ("host:port" or a URL), then the overrides."""
        values: dict[str, Any] = {}
        if host := env.get("OLLAMA_HOST", "").strip():
            values["ollama"] = host if "://" in host else f"http://{host}"
        return cls(**{**values, **{k: v for k, v in overrides.items() if v is not None}})


@dataclass
class _Found:
    """What the runtimes answered, filled in by concurrent tasks."""

    entries: dict[str, dict[str, Any]] = field(default_factory=dict)


async def detect_local(settings: LocalSettings, catalog_entry: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """Provider entries (models.dev's shape) for every runtime that answered, by provider id.

    `catalog_entry` maps a provider id to the catalog's entry of the same name (models.dev lists
    `lmstudio`): its metadata fills in what the runtime does not say.
    """
    if not settings.enabled:
        return {}
    import httpx2

    found = _Found()
    catalog_entry = catalog_entry or {}
    # No proxy: a runtime on this machine is reached directly, whatever HTTP(S)_PROXY says.
    async with (
        httpx2.AsyncClient(timeout=settings.timeout, follow_redirects=False, trust_env=False) as client,
        anyio.create_task_group() as tg,
    ):
        tg.start_soon(_ollama, client, settings, found)
        tg.start_soon(_lmstudio, client, settings, found)
        for server in settings.servers:
            tg.start_soon(_openai_compatible, client, settings, server, found)
    return {provider_id: _fill_from_catalog(entry, catalog_entry.get(provider_id)) for provider_id, entry in found.entries.items()}


async def _json(client: Any, method: str, url: str, timeout: float, body: Any = None) -> Any:
    """The JSON a runtime answered, or None for anything else (down, slow, an error, garbage, too big)."""
    try:
        with anyio.fail_after(timeout):
            response = await client.request(method, url, json=body)
        if response.status_code != 200 or len(response.content) > MAX_BYTES:
            return None
        return orjson.loads(response.content)
    except Exception:  # noqa: BLE001 - not running, refused, timed out, not JSON: absent either way
        return None


# --- Ollama ------------------------------------------------------------------------------------


async def _ollama(client: Any, settings: LocalSettings, found: _Found) -> None:
    base = settings.ollama.rstrip("/")
    tags = await _json(client, "GET", f"{base}/api/tags", settings.timeout)
    listed = tags.get("models") if isinstance(tags, dict) else None
    if not isinstance(listed, list):
        return
    names = [m.get("name") or m.get("model") for m in listed[:MAX_MODELS] if isinstance(m, dict)]
    names = [n for n in names if isinstance(n, str) and n]
    shows: dict[str, Any] = {}

    async def show(name: str) -> None:
        shows[name] = await _json(client, "POST", f"{base}/api/show", settings.timeout, {"model": name})

    async with anyio.create_task_group() as tg:
        for name in names[:64]:  # details for the first 64; the rest are listed with what /api/tags says
            tg.start_soon(show, name)
    details = {m.get("name") or m.get("model"): m.get("details") or {} for m in listed if isinstance(m, dict)}
    models = {name: _ollama_model(name, details.get(name) or {}, shows.get(name)) for name in names}
    found.entries["ollama"] = _provider("ollama", "Ollama (local)", f"{base}/v1", "https://ollama.com", models)


def _ollama_model(name: str, details: Mapping[str, Any], show: Any) -> dict[str, Any]:
    show = show if isinstance(show, dict) else {}
    capabilities = {c for c in show.get("capabilities") or () if isinstance(c, str)}
    info = show.get("model_info") if isinstance(show.get("model_info"), dict) else {}
    context = next((v for k, v in info.items() if k.endswith(".context_length") and isinstance(v, int) and v > 0), None)
    family = details.get("family") if isinstance(details.get("family"), str) else None
    if "embedding" in capabilities:
        family = "embedding"
    return _model(
        name,
        family=family,
        tools="tools" in capabilities,
        vision="vision" in capabilities,
        reasoning="thinking" in capabilities,
        context=context,
    )


# --- LM Studio and OpenAI-compatible servers --------------------------------------------------------


async def _lmstudio(client: Any, settings: LocalSettings, found: _Found) -> None:
    base = settings.lmstudio.rstrip("/")
    rich = await _json(client, "GET", f"{base}/api/v0/models", settings.timeout)  # types and context lengths
    listed = rich.get("data") if isinstance(rich, dict) else None
    if not isinstance(listed, list):
        plain = await _json(client, "GET", f"{base}/v1/models", settings.timeout)
        listed = plain.get("data") if isinstance(plain, dict) else None
    if not isinstance(listed, list):
        return
    models = {}
    for item in listed[:MAX_MODELS]:
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
            kind = item.get("type")
            context = item.get("max_context_length")
            models[item["id"]] = _model(
                item["id"],
                family="embedding" if kind == "embeddings" else None,
                vision=kind == "vlm",
                context=context if isinstance(context, int) and context > 0 else None,
            )
    found.entries["lmstudio"] = _provider("lmstudio", "LM Studio (local)", f"{base}/v1", "https://lmstudio.ai", models)


async def _openai_compatible(client: Any, settings: LocalSettings, server: LocalServer, found: _Found) -> None:
    base = server.url.rstrip("/")
    listing = await _json(client, "GET", f"{base}/models", settings.timeout)
    listed = listing.get("data") if isinstance(listing, dict) else None
    if not isinstance(listed, list):
        return
    models = {
        item["id"]: _model(item["id"], context=_int(item.get("max_model_len")))  # vLLM says max_model_len
        for item in listed[:MAX_MODELS]
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]
    }
    found.entries[server.provider_id] = _provider(server.provider_id, server.name or server.provider_id, base, None, models)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


# --- the entries ----------------------------------------------------------------------------------


def _provider(provider_id: str, name: str, api: str, doc: str | None, models: dict[str, dict[str, Any]]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": provider_id,
        "name": name,
        "env": [],  # a local runtime needs no key: that it answered is what makes it available
        "npm": "@ai-sdk/openai-compatible",
        "api": api,
        "local": True,
        "models": models,
    }
    if doc:
        entry["doc"] = doc
    return entry


def _model(
    model_id: str,
    *,
    family: str | None = None,
    tools: bool | None = None,
    vision: bool = False,
    reasoning: bool = False,
    context: int | None = None,
) -> dict[str, Any]:
    """A model entry with what the runtime said; what it did not say stays out (None), for the catalog to fill."""
    model: dict[str, Any] = {
        "id": model_id,
        "name": model_id,
        "attachment": vision,
        "reasoning": reasoning,
        "open_weights": True,
        "modalities": {"input": ["text", "image"] if vision else ["text"], "output": ["text"]},
        "cost": {"input": 0, "output": 0},
        "local": True,
    }
    if tools is not None:
        model["tool_call"] = tools
    if context is not None:
        model["limit"] = {"context": context, "output": context}
    if family:
        model["family"] = family
    return model


def _complete(model: dict[str, Any]) -> dict[str, Any]:
    """Required fields the runtime and the catalog both left out."""
    if "limit" not in model:
        model["limit"] = {"context": DEFAULT_CONTEXT, "output": DEFAULT_CONTEXT}
    return model


def _fill_from_catalog(entry: dict[str, Any], known: Mapping[str, Any] | None) -> dict[str, Any]:
    """The runtime decides which models exist and what it reports; the catalog fills in the rest."""
    catalog_models = (known or {}).get("models") or {}
    models = {}
    for model_id, model in entry["models"].items():
        base = catalog_models.get(model_id)
        models[model_id] = _complete({**base, **model} if isinstance(base, dict) else model)
    head = {key: value for key, value in (known or {}).items() if key not in ("models", "env", "api")}
    return {**head, **entry, "models": models}
