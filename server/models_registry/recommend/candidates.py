"""recommend's rows: every offering of the catalog flattened once, with its model's identity, kind and scores.

Built once per catalog (the registry does it off the event loop after start). Per model
(canonical id), not per offering: one lab (a vote of its offerings, the lab's own API
counting thrice) and one `Score` per quality column. Per offering: its kind (kinds.py, the
same answer list_models gives), availability, prices, region, free tier, preview status.

Prices: a $0 input and output price without a free marker is unknown, not free (resellers
write 0 for "not published"); a negative price is invalid data and also unknown.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from .identity import FIRST_PARTY, Identity, lab_of, parse_offering, tokens_of
from .kinds import kind_of
from .quality import QualityTable, Score, score_models
from .schema import CAPABILITIES

__all__ = ["Candidate", "CandidateTable", "build_candidates", "coverage", "number"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """One model at one provider."""

    ref: str
    provider_id: str
    model_id: str
    name: str
    canonical: str
    lab: str
    kind: str
    line: str  # the model's line: 'claude-opus', 'gpt-mini' (identity.py)
    words: frozenset[str]  # the tokens of its id, for names the task mentions
    version: tuple[float, ...]
    first_party: bool  # the provider is the lab's own API
    capabilities: frozenset[str]
    inputs: frozenset[str]
    outputs: frozenset[str]
    context: int
    max_input: int
    max_output: int
    cost: Mapping[str, Any] | None
    input_cost: float | None
    output_cost: float | None
    blended: float | None  # USD per 1M tokens at 3 input : 1 output; None when unknown
    status: str | None  # the catalog's: alpha | beta | deprecated
    preview: bool  # alpha/beta, or a preview/experimental name
    free_tier: bool
    alias: bool
    snapshot: str
    region: str | None  # a Bedrock inference profile's region
    release_date: str | None
    released: int  # release date as an ordinal, 0 when unknown
    scores: Mapping[str, Score]

    def price(self, kind: str) -> float | None:
        if kind == "input":
            return self.input_cost
        if kind == "output":
            return self.output_cost
        if self.input_cost is None and self.output_cost is None:
            return None  # the whole price is unknown
        return number((self.cost or {}).get(kind))



def _capabilities(raw: Mapping[str, Any]) -> frozenset[str]:
    """The catalog's capability flags, and "local" for a model a runtime on this machine serves (local.py)."""
    flags = frozenset(cap for cap in CAPABILITIES if _flag(raw.get(cap)))
    return flags | {"local"} if raw.get("local") is True else flags


class CandidateTable(list[Candidate]):
    """Candidates in catalog order, with each provider's rows contiguous: `spans[provider_id]` is
    its (start, end), so a provider filter takes slices instead of testing 5k rows."""

    def __init__(
        self,
        rows: Iterable[Candidate] = (),
        spans: dict[str, tuple[int, int]] | None = None,
        quality: QualityTable | None = None,
    ):
        super().__init__(rows)
        if spans is None:
            spans = {}
            for number_, c in enumerate(self):
                start, _ = spans.get(c.provider_id, (number_, number_))
                spans[c.provider_id] = (start, number_ + 1)
            if sum(end - start for start, end in spans.values()) != len(self):
                raise ValueError("a provider's candidates must be contiguous")
        self.spans = spans
        self.quality = quality or QualityTable()

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
        return CandidateTable(rows, spans, self.quality)

    def cached(self, key: tuple) -> Any:
        """What `cache` kept under `key`, or None."""
        return getattr(self, "_cache", {}).get(key)

    def cache(self, key: tuple, value: Any) -> Any:
        """Keep `value` for this table (a few dozen entries: one per environment and kind asked)."""
        if not hasattr(self, "_cache"):
            self._cache: dict[tuple, Any] = {}
        if len(self._cache) >= 64:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = value
        return value

    def clear_caches(self) -> None:
        """Forget what `cache` kept (benchmarks measure the work, not the cache)."""
        getattr(self, "_cache", {}).clear()
        getattr(self, "_of_kind", {}).clear()

    def of_kind(self, kind: str) -> CandidateTable:
        """The rows of one kind (built once per table and kind: most requests ask for chat)."""
        if not hasattr(self, "_of_kind"):
            self._of_kind: dict[str, CandidateTable] = {}
        if kind not in self._of_kind:
            self._of_kind[kind] = CandidateTable([c for c in self if c.kind == kind], quality=self.quality)
        return self._of_kind[kind]


MAX_NUMBER = 1e12  # no price per 1M tokens, nor any limit, comes near: a bigger value is invalid data


def number(value: Any) -> float | None:
    """A price or limit as a float; None for anything that is not a finite number in 0..`MAX_NUMBER`.

    Numeric strings count, as the catalog's validation accepts them ("128000").
    """
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value) if 0 <= value <= MAX_NUMBER else None


def _flag(value: Any) -> bool:
    """A capability flag as the catalog's validation reads it: true, 1, or a string that says so."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1", "on")
    return value is True or (isinstance(value, int) and value == 1)


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def build_candidates(providers: Mapping[str, Mapping[str, Any]], quality: QualityTable) -> CandidateTable:
    """Every model of every provider, as a `Candidate` (built once per catalog)."""
    offerings: list[tuple[str, str, Mapping[str, Any], Identity]] = []
    for provider_id, entry in providers.items():
        for model_id, raw in (entry.get("models") or {}).items():
            offerings.append((provider_id, model_id, raw, parse_offering(provider_id, model_id, raw)))
    labs = {(p, m): lab_of(i, quality.labs, p) for p, m, _, i in offerings}
    offerings = _resolve_aliases(offerings, labs)

    lab_votes: dict[str, Counter[str]] = defaultdict(Counter)
    identities: dict[str, Identity] = {}
    for provider_id, model_id, _, identity in offerings:
        own = FIRST_PARTY.get(provider_id) == labs[(provider_id, model_id)]
        lab_votes[identity.canonical][labs[(provider_id, model_id)]] += 3 if own else 1
        identities.setdefault(identity.canonical, identity)
    lab_by = {canonical: votes.most_common(1)[0][0] for canonical, votes in lab_votes.items()}
    scores = score_models(identities, lab_by, quality)
    rows = [
        _candidate(p, m, raw, i, lab_by[i.canonical], kind_of(m, raw), scores[i.canonical])
        for p, m, raw, i in offerings
    ]
    return CandidateTable(rows, quality=quality)


def _resolve_aliases(
    offerings: list[tuple[str, str, Mapping[str, Any], Identity]], labs: Mapping[tuple[str, str], str]
) -> list[tuple[str, str, Mapping[str, Any], Identity]]:
    """`claude-opus-latest`, `gemini-flash-latest`: the newest versioned model of the same lab and line that
    the same provider lists (the alias points into its own listing), else that the catalog lists."""
    newest: dict[tuple[str, ...], Identity] = {}
    dated = {identity.canonical for _, _, _, identity in offerings if not identity.alias}
    for provider_id, model_id, _, identity in offerings:
        if identity.version:
            lab = labs[(provider_id, model_id)]
            for key in ((lab, identity.line, provider_id), (lab, identity.line)):
                if key not in newest or identity.version > newest[key].version:
                    newest[key] = identity
    out = []
    for provider_id, model_id, raw, identity in offerings:
        if (
            identity.alias and not identity.version and identity.canonical not in dated
        ):  # mistral-large-2512 is dated
            lab = labs[(provider_id, model_id)]
            target = newest.get((lab, identity.line, provider_id)) or newest.get((lab, identity.line))
            if target is not None:
                identity = replace(identity, canonical=target.canonical, version=target.version)
        out.append((provider_id, model_id, raw, identity))
    return out


def _candidate(
    provider_id: str,
    model_id: str,
    raw: Mapping[str, Any],
    identity: Identity,
    lab: str,
    kind: str,
    scores: Mapping[str, Score],
) -> Candidate:
    limit = raw.get("limit") or {}
    modalities = raw.get("modalities") or {}
    cost = raw.get("cost") or {}
    price_in, price_out = number(cost.get("input")), number(cost.get("output"))
    if price_in == 0 and price_out == 0 and not identity.free_tier:
        price_in = price_out = None  # "$0" from a paid provider without a free marker: not published
    released = _date(raw.get("release_date"))
    status = raw.get("status") if isinstance(raw.get("status"), str) else None
    return Candidate(
        ref=f"{provider_id}/{model_id}",
        provider_id=provider_id,
        model_id=model_id,
        name=str(raw.get("name") or model_id),
        canonical=identity.canonical,
        lab=lab,
        kind=kind,
        line=identity.line,
        words=frozenset(tokens_of(model_id)),
        version=identity.version,
        first_party=FIRST_PARTY.get(provider_id) == lab,
        capabilities=_capabilities(raw),
        inputs=frozenset(modalities.get("input") or ()),
        outputs=frozenset(modalities.get("output") or ()),
        context=int(number(limit.get("context")) or 0),
        max_input=int(number(limit.get("input")) or number(limit.get("context")) or 0),
        max_output=int(number(limit.get("output")) or 0),
        cost=raw.get("cost"),
        input_cost=price_in,
        output_cost=price_out,
        blended=None if price_in is None or price_out is None else round((3 * price_in + price_out) / 4, 6),
        status=status,
        preview=status in ("alpha", "beta") or identity.preview,
        free_tier=identity.free_tier,
        alias=identity.alias,
        snapshot=identity.snapshot,
        region=identity.region,
        release_date=raw.get("release_date"),
        released=released.toordinal() if released else 0,
        scores=scores,
    )


# The labs whose own APIs the quality table's coverage is reported for, by provider id.
COVERAGE_LABS = ("openai", "anthropic", "google", "xai", "mistral", "deepseek", "llama", "alibaba")


def coverage(table: CandidateTable, *, before: str = "2025-12") -> tuple[int, int, list[str]]:
    """(measured, total, unmeasured): first-party chat models of `COVERAGE_LABS` released before `before`
    (not deprecated, not '-latest' aliases) whose general score is measured or fitted, not estimated."""
    models: dict[str, Candidate] = {}
    for c in table:
        if (
            c.provider_id in COVERAGE_LABS
            and c.kind == "chat"
            and c.first_party
            and not c.alias
            and c.status != "deprecated"
            and c.release_date
            and str(c.release_date) < before
        ):
            models.setdefault(c.canonical, c)
    missing = sorted(
        c.ref for c in models.values() if c.scores["general"].basis not in ("measured", "fitted")
    )
    return len(models) - len(missing), len(models), missing
