"""Checking keys against the providers: which listing endpoint to ask, with which header, and what came back.

"Configured" only says a variable with the right name is set. Verification asks the
provider: its model-listing endpoint, called with the key, answers with the models the
key can see (verified), refuses it (rejected), throttles (rate_limited), or cannot be
reached (unreachable). Providers whose calls need signed requests (Bedrock, Vertex) or
a shape we do not know are `not_checkable`, said rather than guessed.

A key goes only where it belongs. The base URL comes from a trusted source (the bundled
snapshot, or the user's own config), never from a fetched catalog alone: a fetched
catalog that moves a provider to another host is refused, and the result says why.
Requests go over https, or plain http only to a loopback address; redirects are not
followed. No key value appears in any result, message or log: the provider's own error
text is cut short and has the key (and anything shaped like one) removed.

This module knows no Registry and no MCP: jobs go in, `Verification`s come out.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import urlsplit

import anyio
import orjson
from pydantic import BaseModel, Field

from .addresses import is_loopback
from .credentials import url_placeholders

__all__ = [
    "DEFAULT_BASES",
    "Endpoint",
    "KeyCheck",
    "KeyChecks",
    "Verification",
    "VerifyJob",
    "VerifyLimits",
    "VerifyState",
    "plan_endpoint",
    "verify_all",
]

Shape = Literal["openai", "anthropic", "google"]

# Base URLs of the AI SDK packages whose catalog entries carry no `api`: the SDK's own default.
DEFAULT_BASES: dict[str, tuple[Shape, str]] = {
    "@ai-sdk/openai": ("openai", "https://api.openai.com/v1"),
    "@ai-sdk/anthropic": ("anthropic", "https://api.anthropic.com/v1"),
    "@ai-sdk/google": ("google", "https://generativelanguage.googleapis.com/v1beta"),
    "@ai-sdk/groq": ("openai", "https://api.groq.com/openai/v1"),
    "@ai-sdk/mistral": ("openai", "https://api.mistral.ai/v1"),
    "@ai-sdk/xai": ("openai", "https://api.x.ai/v1"),
    "@ai-sdk/togetherai": ("openai", "https://api.together.xyz/v1"),
    "@ai-sdk/cerebras": ("openai", "https://api.cerebras.ai/v1"),
    "@ai-sdk/deepinfra": ("openai", "https://api.deepinfra.com/v1/openai"),
    "@ai-sdk/perplexity": ("openai", "https://api.perplexity.ai"),
}
# Packages that speak one of the three shapes at the entry's own `api`.
SHAPE_OF_PACKAGE: dict[str, Shape] = {
    "@ai-sdk/openai-compatible": "openai",
    "@openrouter/ai-sdk-provider": "openai",
    **{package: shape for package, (shape, _) in DEFAULT_BASES.items()},
}
SIGNED = {"amazon-bedrock": "AWS signs each request (SigV4)", "google-vertex": "Vertex needs an OAuth token from a service account", "google-vertex-anthropic": "Vertex needs an OAuth token from a service account"}
ANTHROPIC_VERSION = "2023-06-01"


class VerifyState(StrEnum):
    VERIFIED = "verified"  # the provider listed the models this key can see
    REJECTED = "rejected"  # 401 or 403: the key is wrong, revoked, or not allowed to list
    RATE_LIMITED = "rate_limited"  # 429: ask again later; says nothing about the key
    UNREACHABLE = "unreachable"  # no usable answer: network, timeout, 5xx, redirect, garbage
    NOT_CHECKABLE = "not_checkable"  # no known endpoint, a signed protocol, or an untrusted base URL


class Verification(BaseModel):
    """What a provider said about the key set for it; never the key."""

    provider_id: str
    state: VerifyState
    checked_at: datetime
    message: str = Field(description="What happened, in one line; the provider's own words for a rejection.")
    endpoint: str | None = Field(None, description="Where the key was sent (scheme, host and path), or None.")
    models: list[str] = Field(default_factory=list, description="Model ids the key can see, when verified.")
    seconds: float | None = Field(None, description="How long the provider took to answer.")


@dataclass(frozen=True)
class Endpoint:
    """A listing request, built from a trusted base URL."""

    shape: Shape
    url: str

    def headers(self, key: str) -> dict[str, str]:
        match self.shape:
            case "anthropic":
                return {"x-api-key": key, "anthropic-version": ANTHROPIC_VERSION}
            case "google":
                return {"x-goog-api-key": key}  # a header, never the query string: URLs end up in logs
            case _:
                return {"Authorization": f"Bearer {key}"}


@dataclass(frozen=True)
class VerifyJob:
    """One provider to check: where to ask (or why not), and the key to ask with."""

    provider_id: str
    endpoint: Endpoint | None
    key: str | None
    reason: str = ""  # why there is no endpoint


@dataclass(frozen=True)
class VerifyLimits:
    timeout: float = 10.0  # per provider, connect to last byte
    concurrency: int = 32  # a user sets a few dozen keys at most: one wave, bounded all the same
    max_bytes: int = 32 * 1024 * 1024  # a 10,000-model listing is ~1 MB


def plan_endpoint(
    provider_id: str,
    trusted: Mapping[str, Any] | None,
    current_api: str | None,
    settings: Mapping[str, str],
) -> Endpoint | str:
    """The listing endpoint of a provider, or why there is none.

    `trusted` is the provider's entry head from the bundled snapshot or the user's config;
    `current_api` is the base URL in the catalog in hand (perhaps fetched). `settings` fills
    `${VAR}` placeholders (a resource name, an account id).
    """
    if provider_id in SIGNED:
        return f"not checked: {SIGNED[provider_id]}"
    if trusted is None:
        return "not checked: its base URL comes only from a fetched catalog; add the provider to your config to verify it"
    package = trusted.get("npm") or ""
    base = trusted.get("api") or DEFAULT_BASES.get(package, (None, None))[1]
    shape = SHAPE_OF_PACKAGE.get(package)
    if shape is None or not base:
        return f"not checked: no known model-listing endpoint for {package or 'this provider'}"
    if current_api and _host(current_api) != _host(base):
        return (
            f"not checked: the catalog in hand moves its base URL from {_host(base)} to {_host(current_api)}; "
            "the key is only sent to the host the bundled catalog or your config gives"
        )
    names = url_placeholders(base, frozenset())  # the ${VAR}s, found as list_providers finds them
    if missing := [name for name in names if not settings.get(name, "").strip()]:
        return f"not checked: its base URL needs {', '.join(missing)}"
    for name in names:
        base = base.replace(f"${{{name}}}", settings[name].strip())
    if problem := _transport_problem(base):
        return problem
    return Endpoint(shape, base.rstrip("/") + "/models")


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _transport_problem(url: str) -> str | None:
    """Keys travel over https, or plain http to this machine only."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return None
    return f"not checked: {parts.scheme or 'no'}:// to {parts.hostname or 'nowhere'}; keys go over https, or http to a loopback address"


# --- asking ------------------------------------------------------------------------------------


async def verify_all(
    jobs: Sequence[VerifyJob],
    limits: VerifyLimits = VerifyLimits(),
    on_done: Callable[[Verification], Awaitable[None] | None] | None = None,
) -> dict[str, Verification]:
    """Check every job concurrently (at most `limits.concurrency` at once); results by provider id."""
    import httpx2

    results: dict[str, Verification] = {}
    limiter = anyio.CapacityLimiter(max(1, limits.concurrency))
    timeout = httpx2.Timeout(limits.timeout)

    async def one(job: VerifyJob, client: httpx2.AsyncClient) -> None:
        async with limiter:
            result = await _verify(job, client, limits)
        results[job.provider_id] = result
        if on_done is not None and (waiting := on_done(result)) is not None:
            await waiting

    async with (
        httpx2.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=True) as client,
        anyio.create_task_group() as tg,
    ):
        for job in jobs:
            tg.start_soon(one, job, client)
    return results


async def _verify(job: VerifyJob, client: Any, limits: VerifyLimits) -> Verification:
    def result(state: VerifyState, message: str, **fields: Any) -> Verification:
        return Verification(provider_id=job.provider_id, state=state, checked_at=datetime.now(UTC), message=message, **fields)

    if job.endpoint is None or not job.key:
        return result(VerifyState.NOT_CHECKABLE, job.reason or "not checked: no key set")
    endpoint, shown = job.endpoint, _shown(job.endpoint.url)
    started = time.monotonic()
    try:
        with anyio.fail_after(limits.timeout):
            status, body = await _get(client, endpoint, job.key, limits.max_bytes)
    except TimeoutError:
        return result(VerifyState.UNREACHABLE, f"no answer within {limits.timeout:g} s", endpoint=shown)
    except _TooBig:
        return result(VerifyState.UNREACHABLE, f"the listing is over {limits.max_bytes} bytes", endpoint=shown)
    except Exception as exc:  # noqa: BLE001 - httpx2's errors and anything below them: never let one provider sink the rest
        return result(VerifyState.UNREACHABLE, _network_text(exc), endpoint=shown)
    seconds = round(time.monotonic() - started, 3)
    if status in (401, 403):
        words = _provider_words(body, job.key)
        return result(VerifyState.REJECTED, f"HTTP {status}" + (f": {words}" if words else ""), endpoint=shown, seconds=seconds)
    if status == 429:
        return result(VerifyState.RATE_LIMITED, "HTTP 429: rate limited; try again later", endpoint=shown, seconds=seconds)
    if 300 <= status < 400:
        return result(VerifyState.UNREACHABLE, f"HTTP {status}: redirected; a key is not sent on to another URL", endpoint=shown)
    if status != 200:
        return result(VerifyState.UNREACHABLE, f"HTTP {status}", endpoint=shown, seconds=seconds)
    models = _listed_models(endpoint.shape, body)
    if models is None:
        return result(VerifyState.UNREACHABLE, "answered 200 with something that is not a model listing", endpoint=shown)
    return result(VerifyState.VERIFIED, f"the key sees {len(models)} models", endpoint=shown, models=models, seconds=seconds)


class _TooBig(Exception):
    pass


async def _get(client: Any, endpoint: Endpoint, key: str, max_bytes: int) -> tuple[int, bytes]:
    params = {"pageSize": "1000"} if endpoint.shape == "google" else {"limit": "1000"} if endpoint.shape == "anthropic" else None
    async with client.stream("GET", endpoint.url, headers=endpoint.headers(key), params=params) as response:
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise _TooBig
            chunks.append(chunk)
        return response.status_code, b"".join(chunks)


def _listed_models(shape: Shape, body: bytes) -> list[str] | None:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    items = doc.get("models" if shape == "google" else "data") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        return None
    field = "name" if shape == "google" else "id"
    ids = [item.get(field) for item in items if isinstance(item, dict)]
    ids = [i.removeprefix("models/") for i in ids if isinstance(i, str) and i]
    return sorted(dict.fromkeys(ids))


_KEYLIKE = re.compile(r"(sk|pk|rk|key|api|gsk|xai|AIza)[-_A-Za-z0-9]{12,}|[A-Za-z0-9_\-]{32,}")


def _provider_words(body: bytes, key: str) -> str:
    """The provider's error message, without the key or anything shaped like one, on one short line."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ""
    error = doc.get("error") if isinstance(doc, dict) else None
    message = error.get("message") if isinstance(error, dict) else error if isinstance(error, str) else None
    if not isinstance(message, str) and isinstance(doc, dict):
        message = doc.get("message")
    if not isinstance(message, str):
        return ""
    message = message.replace(key, "[key]") if key else message
    message = _KEYLIKE.sub("[redacted]", message)
    message = re.sub(r"[\x00-\x1f\x7f-\x9f]+", " ", message).strip()
    return message[:200]


def _network_text(exc: BaseException) -> str:
    name = type(exc).__name__
    if "Connect" in name:
        return "could not connect"
    if "Timeout" in name:
        return "timed out"
    if "RemoteProtocol" in name:
        return "the connection closed before the answer was complete"
    return f"network error ({name})"


def _shown(url: str) -> str:
    """Where the key went, safe to show: no query, no credentials."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"


# --- what a process remembers -------------------------------------------------------------------


class KeyCheck(BaseModel):
    """A provider's last key check, as list_providers and get_model show it."""

    state: VerifyState
    checked_at: datetime
    message: str
    models_seen: int = Field(description="How many models the key can see (0 unless verified).")


class KeyChecks:
    """Verification results held in memory, each tied to the key it checked and trusted for `ttl` seconds.

    Nothing about a key is written anywhere: a result keeps an HMAC of the key under a salt
    drawn for this process, so a changed key (or a new process) makes it stale, not wrong.
    """

    def __init__(self, ttl_seconds: float):
        self.ttl = ttl_seconds
        self._salt = os.urandom(16)
        self._held: dict[str, tuple[Verification, str, float]] = {}  # provider -> (result, key HMAC, expiry)
        self.version = 0  # bumps with every result recorded: answers that show checks depend on it

    def _mark(self, key: str | None) -> str:
        return hmac.new(self._salt, (key or "").encode(), hashlib.sha256).hexdigest()

    def record(self, result: Verification, key: str | None) -> None:
        self._held[result.provider_id] = (result, self._mark(key), time.monotonic() + self.ttl)
        self.version += 1

    def current(self, provider_id: str, key: str | None) -> Verification | None:
        """The provider's result if it is for this key and not expired."""
        held = self._held.get(provider_id)
        if held is None or held[2] < time.monotonic() or not hmac.compare_digest(held[1], self._mark(key)):
            return None
        return held[0]

    def summary(self, provider_id: str, key: str | None) -> KeyCheck | None:
        result = self.current(provider_id, key)
        if result is None:
            return None
        return KeyCheck(state=result.state, checked_at=result.checked_at, message=result.message, models_seen=len(result.models))

    def providers(self) -> list[str]:
        return list(self._held)
