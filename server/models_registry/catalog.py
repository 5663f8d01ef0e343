"""The models.dev catalog: its pydantic schema, the one parse path, and the typed `Catalog`.

This module owns the shape of models.dev's api.json and knows no I/O: bytes go in,
a `Catalog` comes out. Every source (bundled snapshot, cache file, network fetch,
user file) goes through `parse_catalog()` when its bytes are untrusted, or through
`Catalog.trusted()` when they were validated before (the cache and the snapshot
carry a sha256 of exactly what was validated, and a `CatalogIndex` that lets a
start read provider-level fields without parsing every model).

The schema is lenient where the catalog evolves: unknown fields are kept and
passed through (`extra="allow"`), optional fields may be missing, and one
malformed model or provider is skipped and counted instead of rejecting the
whole catalog.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = [
    "Catalog",
    "CatalogError",
    "CatalogIndex",
    "Cost",
    "Limit",
    "Model",
    "Provider",
    "SkippedEntry",
    "parse_catalog",
]

KNOWN_STATUSES = ("alpha", "beta", "deprecated")


class _Open(BaseModel):
    """Base for catalog objects: unknown fields are kept, so newer catalogs pass through intact."""

    model_config = ConfigDict(extra="allow", frozen=True)


class Prices(_Open):
    """Prices in USD per million tokens; a negative price is invalid data, not a discount."""

    input: float | None = Field(None, ge=0, description="Input (prompt) tokens, USD per 1M.")
    output: float | None = Field(None, ge=0, description="Output (completion) tokens, USD per 1M.")
    reasoning: float | None = Field(None, ge=0, description="Reasoning tokens, USD per 1M, where billed apart.")
    cache_read: float | None = Field(None, ge=0, description="Cached input tokens read, USD per 1M.")
    cache_write: float | None = Field(None, ge=0, description="Input tokens written to the cache, USD per 1M.")
    input_audio: float | None = Field(None, ge=0, description="Audio input tokens, USD per 1M.")
    output_audio: float | None = Field(None, ge=0, description="Audio output tokens, USD per 1M.")


class TierSpec(_Open):
    """When a price tier applies."""

    type: str = Field(description='What the tier is measured on; models.dev uses "context".')
    size: int = Field(description="The tier applies once the input exceeds this many tokens.")


class CostTier(Prices):
    """Prices that replace the base prices above a threshold."""

    tier: TierSpec = Field(description="The threshold at which these prices apply.")


class Cost(Prices):
    """A model's prices, with optional tiers for long inputs."""

    tiers: list[CostTier] | None = Field(None, description="Prices above input-size thresholds.")
    context_over_200k: Prices | None = Field(
        None, description="Legacy form of a tier: prices once the input exceeds 200k tokens."
    )


class Limit(_Open):
    """Token limits."""

    context: int = Field(description="Context window in tokens (input and output together).")
    input: int | None = Field(None, description="Largest input in tokens, where it is lower than the context.")
    output: int = Field(description="Largest output in tokens.")


class Modalities(_Open):
    """What a model reads and writes."""

    input: list[str] = Field(default_factory=list, description='Input kinds: "text", "image", "audio", "video", "pdf".')
    output: list[str] = Field(default_factory=list, description='Output kinds, e.g. ["text"].')


class ReasoningOption(_Open):
    """One way to steer a reasoning model."""

    type: str = Field(description='"effort", "toggle" or "budget_tokens".')
    values: list[Any] | None = Field(None, description="Allowed values, for effort-style options.")


class EndpointOverride(_Open):
    """A per-model change to how its provider is called."""

    npm: str | None = Field(None, description="AI SDK package to use for this model instead of the provider's.")
    api: str | None = Field(None, description="Base URL for this model instead of the provider's.")
    shape: str | None = Field(None, description="API shape, e.g. 'responses' or 'completions'.")
    body: dict[str, Any] | None = Field(None, description="Extra fields to send in the request body.")
    headers: dict[str, str] | None = Field(None, description="Extra request headers.")


class ExperimentalMode(_Open):
    """An optional mode (e.g. 'fast') with its own prices or endpoint changes."""

    cost: Prices | None = Field(None, description="Prices in this mode.")
    provider: EndpointOverride | None = Field(None, description="How the call changes in this mode.")


class Experimental(_Open):
    """Experimental features of a model."""

    modes: dict[str, ExperimentalMode] | None = Field(None, description="Named modes, e.g. 'fast'.")


class Model(_Open):
    """One model as one provider serves it."""

    id: str = Field(description="The model's id at its provider; may contain '/'.")
    name: str = Field(description="Display name.")
    family: str | None = Field(None, description="Model family, e.g. 'gpt' or 'claude-sonnet'.")
    attachment: bool = Field(False, description="Accepts file attachments (images, PDFs...).")
    reasoning: bool = Field(False, description="Is a reasoning (thinking) model.")
    reasoning_options: list[ReasoningOption] | None = Field(None, description="How reasoning can be steered.")
    tool_call: bool = Field(False, description="Supports tool (function) calling.")
    structured_output: bool | None = Field(None, description="Supports structured (JSON schema) output.")
    temperature: bool | None = Field(None, description="Accepts a temperature setting.")
    interleaved: bool | dict[str, Any] | None = Field(None, description="Interleaved reasoning support.")
    knowledge: str | None = Field(None, description="Knowledge cutoff, 'YYYY-MM' or 'YYYY-MM-DD'.")
    release_date: str | None = Field(None, description="First release date.")
    last_updated: str | None = Field(None, description="Date of the last update.")
    modalities: Modalities = Field(default_factory=Modalities, description="Input and output kinds.")
    open_weights: bool = Field(False, description="Weights are openly published.")
    limit: Limit = Field(description="Token limits.")
    cost: Cost | None = Field(None, description="Prices; missing means unknown, not free.")
    status: str | None = Field(None, description="'alpha', 'beta' or 'deprecated'; missing means stable.")
    experimental: Experimental | None = Field(None, description="Experimental modes.")
    provider: EndpointOverride | None = Field(None, description="Per-model endpoint override.")


class Provider(_Open):
    """A provider: how to reach it, which credentials it reads, and its models."""

    model_config = ConfigDict(defer_build=True)  # built on the first typed lookup, not at import

    id: str = Field(description="Provider id, e.g. 'openai'.")
    name: str = Field(description="Display name.")
    env: list[str] = Field(default_factory=list, description="Environment variables the provider reads.")
    npm: str | None = Field(None, description="AI SDK package that speaks its API.")
    api: str | None = Field(None, description="Base URL; may hold ${VAR} placeholders.")
    doc: str | None = Field(None, description="Documentation URL.")
    models: dict[str, Model] = Field(default_factory=dict, description="Models by id.")


class _ProviderHead(_Open):
    """A provider without its models: validated on its own so one bad model never sinks its provider."""

    model_config = ConfigDict(defer_build=True)  # only untrusted catalogs are validated

    id: str
    name: str
    env: list[str] = Field(default_factory=list)
    npm: str | None = None
    api: str | None = None
    doc: str | None = None
    models: dict[str, Any] = Field(default_factory=dict)


class SkippedEntry(BaseModel):
    """A provider or model left out of a catalog because it did not match the schema."""

    model_config = ConfigDict(defer_build=True)

    ref: str = Field(description="'provider' or 'provider/model'.")
    reason: str = Field(description="The first validation error, in one line.")


class CatalogError(ValueError):
    """The bytes are not a usable models.dev catalog."""


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in err["loc"]) or "value"
    return f"{where}: {err['msg']}"


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Parsing a catalog builds a few hundred thousand dicts and lists that cannot form cycles;
    the cyclic collector would rescan them over and over (measured: a 10x catalog parsed 3.6x
    slower per model with it on). Collection resumes as soon as the parse is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class CatalogIndex(NamedTuple):
    """Where each provider sits in a catalog's JSON bytes, with its fields minus the models.

    Written beside the cache and the snapshot so a start can answer provider-level
    questions (names, credentials, model counts) without parsing ~5k models: a
    provider's models are parsed from its byte span the first time they are asked for.
    """

    sha256: str  # of the JSON bytes the spans point into
    heads: dict[str, dict[str, Any]]  # provider entry without "models"
    model_counts: dict[str, int]
    spans: dict[str, tuple[int, int]]

    def to_json(self) -> bytes:
        return orjson.dumps(self._asdict())

    @classmethod
    def from_json(cls, data: bytes) -> CatalogIndex | None:
        """The index, or None when the bytes are not one (a damaged index only costs a full parse)."""
        try:
            doc = orjson.loads(data)
            spans = {key: (int(start), int(end)) for key, (start, end) in doc["spans"].items()}
            index = cls(str(doc["sha256"]), dict(doc["heads"]), dict(doc["model_counts"]), spans)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
            return None
        if not (index.heads.keys() == index.model_counts.keys() == spans.keys()):
            return None
        if not all(isinstance(head, dict) for head in index.heads.values()):
            return None
        return index


class Catalog:
    """A validated models.dev catalog: raw provider entries, parsed and typed on first use.

    Two kinds of laziness keep a start cheap. A catalog loaded with its `CatalogIndex`
    parses a provider's JSON only when that provider is asked for (`entry`), and answers
    `head` and `model_count_of` from the index alone; typed pydantic `Provider` objects
    are built only for the providers that are queried. Without an index, the JSON is
    parsed at once. `overlay` derives a catalog with some providers replaced, added or
    removed (the user's config) that stays just as lazy for the rest.
    """

    __slots__ = ("_data", "_entries", "_ids", "_index", "_json", "_typed", "skipped")

    def __init__(self, raw: dict[str, dict[str, Any]], skipped: list[SkippedEntry] | None = None):
        self._ids: dict[str, None] = dict.fromkeys(raw)  # provider ids, in catalog order
        self._entries: dict[str, dict[str, Any]] = raw  # parsed so far (all of them without an index)
        self._index: CatalogIndex | None = None  # heads and spans of the providers not parsed yet
        self._data: bytes | None = None  # the bytes the index's spans point into
        self._json: bytes | None = None  # this catalog's JSON, when it is exactly what was loaded
        self._typed: dict[str, Provider] = {}
        self.skipped: list[SkippedEntry] = skipped or []

    @classmethod
    def trusted(cls, data: bytes, index: CatalogIndex | None = None) -> Catalog:
        """A catalog from bytes this project validated before (cache, snapshot): parse, don't revalidate.

        Pass the index written with these bytes (the caller checks that its sha256 is the
        data's) to parse providers one by one, on demand.
        """
        if index is not None:
            catalog = cls({})
            catalog._ids = dict.fromkeys(index.spans)
            catalog._index, catalog._data = index, data
        else:
            with _gc_paused():
                raw = orjson.loads(data)
            if not isinstance(raw, dict):
                raise CatalogError("expected a JSON object of providers")
            catalog = cls(raw)
        catalog._json = data
        return catalog

    def overlay(self, changes: dict[str, dict[str, Any] | None]) -> Catalog:
        """A new catalog with these providers replaced or added (an entry) or removed (None)."""
        if not changes:
            return self
        catalog = Catalog({}, self.skipped)
        catalog._ids = dict(self._ids)
        for provider_id, entry in changes.items():
            if entry is None:
                catalog._ids.pop(provider_id, None)
            else:
                catalog._ids.setdefault(provider_id, None)
        catalog._entries = {pid: e for pid, e in self._entries.items() if pid in catalog._ids}
        catalog._entries.update((pid, e) for pid, e in changes.items() if e is not None)
        catalog._index, catalog._data = self._index, self._data
        return catalog

    def entry(self, provider_id: str) -> dict[str, Any]:
        """One provider's entry in models.dev's shape; KeyError when absent. Do not mutate."""
        # The index is read before the entries: `raw` (perhaps on a worker thread) drops the index
        # only once the entries are complete, so one of the two always answers.
        index = self._index
        found = self._entries.get(provider_id)
        if found is not None:
            return found
        if provider_id not in self._ids or index is None or self._data is None:
            raise KeyError(provider_id)
        start, end = index.spans[provider_id]
        try:
            found = orjson.loads(memoryview(self._data)[start:end])
        except orjson.JSONDecodeError:
            found = None
        if not isinstance(found, dict):  # an index that does not fit the data: parse it all
            with _gc_paused():
                parsed = orjson.loads(self._data)
            for pid in self._ids:
                self._entries.setdefault(pid, parsed[pid])
            self._index = None
            return self._entries[provider_id]
        self._entries[provider_id] = found
        return found

    def _parsed_or_index(self, provider_id: str) -> tuple[dict[str, Any] | None, CatalogIndex | None]:
        """(its parsed entry, None), or (None, the index) while it is unparsed; KeyError when absent."""
        index = self._index  # before the entries, as in `entry`
        entry = self._entries.get(provider_id)
        if entry is not None:
            return entry, None
        if index is not None and provider_id in self._ids:
            return None, index
        raise KeyError(provider_id)

    def head(self, provider_id: str) -> dict[str, Any]:
        """A provider's fields without "models"; KeyError when absent."""
        entry, index = self._parsed_or_index(provider_id)
        if index is not None:
            return index.heads[provider_id]
        return {key: value for key, value in entry.items() if key != "models"}

    def model_count_of(self, provider_id: str) -> int:
        entry, index = self._parsed_or_index(provider_id)
        if index is not None:
            return index.model_counts[provider_id]
        return len(entry.get("models") or {})

    @property
    def raw(self) -> dict[str, dict[str, Any]]:
        """The whole catalog in models.dev's shape, unknown fields included. Do not mutate."""
        if self._index is not None or len(self._entries) != len(self._ids):
            with _gc_paused():
                self._entries = {provider_id: self.entry(provider_id) for provider_id in self._ids}
            self._index = None
        return self._entries

    def to_json(self) -> bytes:
        """The catalog as JSON: the bytes it was loaded from, else compact JSON."""
        return self._json if self._json is not None else orjson.dumps(self.raw)

    def to_json_with_index(self) -> tuple[bytes, CatalogIndex]:
        """Compact JSON (the same bytes as `orjson.dumps(raw)`) and the index of where each provider sits."""
        parts: list[bytes] = [b"{"]
        position = 1
        spans: dict[str, tuple[int, int]] = {}
        for number, (provider_id, entry) in enumerate(self.raw.items()):
            key = (b"," if number else b"") + orjson.dumps(provider_id) + b":"
            body = orjson.dumps(entry)
            start = position + len(key)
            position = start + len(body)
            spans[provider_id] = (start, position)
            parts += (key, body)
        parts.append(b"}")
        data = b"".join(parts)
        heads = {provider_id: self.head(provider_id) for provider_id in spans}
        counts = {provider_id: self.model_count_of(provider_id) for provider_id in spans}
        return data, CatalogIndex(hashlib.sha256(data).hexdigest(), heads, counts, spans)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, provider_id: object) -> bool:
        return provider_id in self._ids

    @property
    def provider_ids(self) -> list[str]:
        return list(self._ids)

    @property
    def model_count(self) -> int:
        return sum(self.model_count_of(provider_id) for provider_id in self._ids)

    def provider(self, provider_id: str) -> Provider:
        """The typed provider; KeyError when the catalog has no such provider."""
        typed = self._typed.get(provider_id)
        if typed is None:
            typed = self._typed[provider_id] = Provider.model_validate(self.entry(provider_id))
        return typed

    def providers(self) -> Iterator[Provider]:
        for provider_id in self.provider_ids:
            yield self.provider(provider_id)

    def model_refs(self) -> Iterator[str]:
        """Every model as 'provider/model'."""
        for provider_id in self.provider_ids:
            for model_id in self.entry(provider_id).get("models") or {}:
                yield f"{provider_id}/{model_id}"


def parse_catalog(data: bytes | dict[str, Any]) -> Catalog:
    """Validate an untrusted api.json and return a `Catalog` of what passed.

    One malformed model or provider is skipped and recorded in `Catalog.skipped` (so is an
    entry whose inner "id" differs from its key, or one nested too deep to write back); a model
    whose only fault is its prices is kept, price unknown, and recorded too. Only input that is
    not a catalog at all raises `CatalogError`.
    """
    if isinstance(data, bytes | bytearray | memoryview):
        try:
            with _gc_paused():
                data = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise CatalogError(f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise CatalogError(f"expected a JSON object of providers, got {type(data).__name__}")

    clean: dict[str, dict[str, Any]] = {}
    skipped: list[SkippedEntry] = []
    for provider_id, raw_provider in data.items():
        try:
            _ProviderHead.model_validate(raw_provider)
        except ValidationError as exc:
            skipped.append(SkippedEntry(ref=str(provider_id), reason=_first_error(exc)))
            continue
        if raw_provider["id"] != provider_id:
            skipped.append(SkippedEntry(ref=provider_id, reason=_id_mismatch(raw_provider["id"], provider_id)))
            continue
        good_models: dict[str, Any] = {}
        for model_id, raw_model in raw_provider.get("models", {}).items():
            kept, problem = _checked_model(model_id, raw_model)
            if problem:
                skipped.append(SkippedEntry(ref=f"{provider_id}/{model_id}", reason=problem))
            if kept is not None:
                good_models[model_id] = kept
        clean[provider_id] = {**raw_provider, "models": good_models}
    _drop_unwritable(clean, skipped)
    return Catalog(clean, skipped)


def _id_mismatch(inner: str, key: str) -> str:
    # The key is the identity everywhere (refs, lookups, defaults). An entry whose own "id" names
    # something else is rejected rather than repaired: it is either a mistake, and then neither
    # name can be trusted, or an entry passing as another provider's (models.dev never has one).
    return f"id: {inner!r} differs from its key {key!r}"


def _checked_model(model_id: str, raw_model: Any) -> tuple[dict[str, Any] | None, str | None]:
    """(the model to keep or None, what was wrong with it or None).

    A model whose only fault is its prices (a negative or non-numeric price) is kept with its
    price unknown: it can still be called, and unknown is already a state every ranking handles.
    """
    try:
        Model.model_validate(raw_model)
    except ValidationError as exc:
        reason = _first_error(exc)
        if not all(err["loc"][:1] == ("cost",) for err in exc.errors(include_url=False, include_input=False)):
            return None, reason
        unpriced = {key: value for key, value in raw_model.items() if key != "cost"}
        return unpriced, f"{reason} (its price is left unknown)"
    if raw_model["id"] != model_id:
        return None, _id_mismatch(raw_model["id"], model_id)
    return raw_model, None


MAX_DEPTH = 64  # models.dev nests 9 levels; orjson reads 1024 but writes no more than 254


def _drop_unwritable(clean: dict[str, dict[str, Any]], skipped: list[SkippedEntry]) -> None:
    """Leave out what is nested too deep to be written back (to the cache, `--json`, models://catalog).

    Cheap when nothing is: one orjson write of the whole catalog, in C. Only when that fails are
    the entries walked, and those nested deeper than MAX_DEPTH dropped.
    """
    try:
        orjson.dumps(clean)
        return
    except TypeError:
        pass
    for provider_id in list(clean):
        entry = clean[provider_id]
        if _depth({key: value for key, value in entry.items() if key != "models"}) > MAX_DEPTH:
            skipped.append(SkippedEntry(ref=provider_id, reason=f"nested more than {MAX_DEPTH} levels deep"))
            del clean[provider_id]
            continue
        for model_id, model in list(entry["models"].items()):
            if _depth(model) > MAX_DEPTH:
                skipped.append(SkippedEntry(ref=f"{provider_id}/{model_id}", reason=f"nested more than {MAX_DEPTH} levels deep"))
                del entry["models"][model_id]


def _depth(value: Any) -> int:
    """How many objects and arrays deep `value` goes, walked without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest
