"""Ordering: one pick per model, at its best offering, ranked by `optimize`, each with its reasons.

1. **One pick per model** (candidates.py's canonical id). The offering shown is the one the
   user should call: callable first, then the provider of their default model, then the
   lab's own API, then a paid offering before a free tier (unless the task asked for free),
   the user's Bedrock region before `global.` before a bare id, a stable name before a
   preview, the newest snapshot, the cheapest. The rest go to `also_available_via`.
2. **Order**, on the task's quality column (quality.py):
   - `capability`: the highest score;
   - `balanced`: among models within `BALANCED_MARGIN` of the best score (about one tier:
     gpt-5 vs gpt-5-mini, gemini-2.5-pro vs -flash), the cheapest (blended USD per 1M
     tokens, 3 input : 1 output; an unknown price last); then the rest by score;
   - `cost`: the cheapest model whose score reaches the quality floor (the reference small
     model's score in that column; an estimate must clear it by its uncertainty), then the rest.
     Prices under `NEGLIGIBLE_PRICE` per 1M tokens are one step: there a measured score beats an
     estimate, then the score an estimate is sure to reach (value less its uncertainty) decides;
   - `context`: the largest context above the same floor; contexts within `CONTEXT_TIE` of the
     largest are one band (1,050,000 and 1,000,000 tokens hold the same documents), best score
     first, without premium tiers (as balanced: gpt-5.5-pro beside gpt-5.5).
   Near-ties (within `NEAR_TIE` points, or prices within `PRICE_TIE`) go to the
   better-measured, then to the user's default model and provider, then to the newer, then to
   the cheaper. A preview counts `PREVIEW_MARGIN` points below its score, so it wins only
   when measurably better, and says so. A preference the task stated (json, pdf, reasoning)
   adds `PREFERENCE_BONUS`; "fast" puts a model that answers without reasoning first among
   equals.

The same request, catalog and environment always give the same answer.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping
from typing import Any

from .candidates import Candidate, CandidateTable, number
from .filters import NO_KEY_FACTS, KeyFacts, relaxation, run, steps_for
from .identity import bedrock_regions_for
from .schema import Recommendation, RecommendRequest, RecommendResult
from .task import Plan, plan_for

__all__ = ["BALANCED_MARGIN", "estimate_cost", "recommend"]

NEAR_TIE = 5.0  # rating points
BALANCED_MARGIN = 45.0  # rating points below the best that balanced still counts as good enough
BALANCED_MARGINS = {"coding": 10.0, "agentic": 10.0, "creative": 20.0}  # where the output is the product
PRICE_SPREAD = (
    4.0  # balanced: a good-enough model at more than 4x the cheapest good-enough one is not balanced
)
PRICE_SPREAD_NEWER = 1.5  # a newer version of the same line at up to 1.5x the price supersedes an older one
CAPABILITY_SPAN = 40.0  # "best": picks more than this below the best are not what was asked for
BALANCED_SPAN = 80.0  # balanced: nor are picks two tiers below the best
COST_SPAN = (
    4.0  # "cheap": picks dearer than this times the cheapest good-enough pick are not what was asked for
)
PRICE_TIE = 1.1  # prices within 10% of each other are a tie
NEGLIGIBLE_PRICE = 0.10  # cost: below 10 cents per 1M tokens price no longer decides; what is sure to be good does
CONTEXT_TIE = 1.1  # context: bands of 10% below the largest context above the floor
PREVIEW_MARGIN = 10.0
PREFERENCE_BONUS = 10.0


def estimate_cost(cost: Mapping[str, Any] | None, input_tokens: int, output_tokens: int) -> float | None:
    """USD for one call. Above a context tier, the tier's prices apply to the whole call."""
    cost = cost or {}
    price_in, price_out = number(cost.get("input")), number(cost.get("output"))
    if price_in is None or price_out is None:
        return None
    tiers = [t for t in cost.get("tiers") or [] if isinstance((t.get("tier") or {}).get("size"), int)]
    for tier in sorted(tiers, key=lambda t: t["tier"]["size"]):
        if input_tokens > tier["tier"]["size"]:  # a tier without a price keeps the price below it
            price_in = _or(tier.get("input"), price_in)
            price_out = _or(tier.get("output"), price_out)
    over = cost.get("context_over_200k") or {}
    if not tiers and over and input_tokens > 200_000:
        price_in, price_out = _or(over.get("input"), price_in), _or(over.get("output"), price_out)
    return round((input_tokens * price_in + output_tokens * price_out) / 1e6, 6)


def _or(value: Any, fallback: float) -> float:
    found = number(value)
    return fallback if found is None else found


class _Ranking:
    """One request's view of the candidates: prices, scores and the order's keys."""

    def __init__(
        self,
        plan: Plan,
        table: CandidateTable,
        available: frozenset[str],
        default_model: str | None,
        aws_region: str | None,
    ):
        self.plan, self.available, self.default_model = plan, available, default_model
        self.default_provider = default_model.partition("/")[0] if default_model else None
        self.regions = bedrock_regions_for(aws_region)
        self.expected = plan.expected_input_tokens is not None or plan.expected_output_tokens is not None
        scored_column = plan.kind == "chat" or plan.column == "image"
        self.floor = table.quality.floor(plan.column) if scored_column else None
        self._values: dict[int, float] = {}  # per candidate (by id) for this request: computed once
        self._prices: dict[int, float | None] = {}
        self.best: float | None = None  # the best value among the picks, set by `order`
        self.current: list[Candidate] = []  # the picks no newer version supersedes, set by `order`
        self.guesswork = False  # every pick's score a guess, set by `order`
        self._newest_major: dict[str, float] = {}
        self._by_lab: dict[str, list[tuple[float, float]]] | None = None  # for `not_worth_it`
        self.largest_context = 0  # for `context_band`, set by `_sorted`

    # --- offerings -------------------------------------------------------------------------------

    def call_price(self, c: Candidate) -> float | None:
        """What the order compares: the call's estimate with expected tokens, else the blended price."""
        if c.free_tier and not self.plan.free:
            return None  # a rate-limited free tier is not a price to plan on
        if c.free_tier:
            return 0.0
        if self.expected:
            return estimate_cost(
                c.cost if c.blended is not None else None,
                self.plan.expected_input_tokens or 0,
                self.plan.expected_output_tokens or 0,
            )
        return c.blended

    def per_million(self, c: Candidate) -> float | None:
        """The price as USD per 1M tokens of this request's mix (balanced compares on this scale)."""
        key = id(c)
        if key in self._prices:
            return self._prices[key]
        price = self.call_price(c)
        if price is not None and self.expected:
            tokens = (self.plan.expected_input_tokens or 0) + (self.plan.expected_output_tokens or 0)
            price = price * 1e6 / tokens if tokens else c.blended
        self._prices[key] = price
        return price

    def where(self, c: Candidate) -> tuple:
        """Which offering of a model to show: lower is better."""
        price = self.call_price(c)
        region = self.regions.index(c.region or "") if (c.region or "") in self.regions else len(self.regions)
        return (
            c.provider_id not in self.available,
            c.provider_id != self.default_provider,
            not c.first_party,
            c.free_tier != self.plan.free,
            region,
            c.alias,  # a concrete id over '-latest', which may move under you
            c.preview,
            c.snapshot != "",  # the provider's undated id (it follows fixes) over a dated snapshot
            -int(c.snapshot or 0),  # then the newest snapshot
            price is None,
            price or 0.0,
            len(c.model_id),
            c.ref,
        )

    # --- order -----------------------------------------------------------------------------------

    def value(self, c: Candidate) -> float:
        """The score the order compares: with the task's preferences, and a preview's handicap."""
        value = self._values.get(id(c))
        if value is None:
            value = c.scores[self.plan.column].value
            if self.plan.prefer:
                value += PREFERENCE_BONUS * len(self.preferences_met(c))
            if c.preview:
                value -= PREVIEW_MARGIN
            self._values[id(c)] = value
        return value

    @property
    def margin(self) -> float:
        return BALANCED_MARGINS.get(self.plan.category, BALANCED_MARGIN)

    def superseded(self, picks: list[Candidate]) -> dict[int, list[Candidate]]:
        """For each pick (by id) the newer versions of its line among the picks at up to `PRICE_SPREAD_NEWER` x its price."""
        lines: dict[tuple[str, str], list[Candidate]] = {}
        for c in picks:
            if c.version:
                lines.setdefault((c.lab, c.line), []).append(c)
        successors: dict[int, list[Candidate]] = {}
        for members in lines.values():
            for c in members if len(members) > 1 else ():
                price = self.per_million(c)
                newer = [
                    o
                    for o in members
                    if o.version > c.version
                    and (p := self.per_million(o)) is not None
                    and (price is None or p <= PRICE_SPREAD_NEWER * price)
                ]
                if newer:
                    successors[id(c)] = newer
        return successors

    def below_floor(self, c: Candidate) -> bool:
        """Not at the floor; a score that is not an arena rating must clear it by its uncertainty."""
        s = c.scores[self.plan.column]
        margin = 0.0 if s.basis == "measured" else s.uncertainty
        return self.floor is not None and s.value - margin < self.floor

    def price_step(self, c: Candidate, negligible: float = 0.0) -> tuple[bool, float]:
        """The price as the order sees it: unknown last, within `PRICE_TIE` of each other equal, and every
        price per 1M tokens under `negligible` one step."""
        price = self.call_price(c) if not self.expected else self.per_million(c)
        if price is None:
            return (True, 0.0)
        return (False, math.floor(math.log(max(price, negligible, 1e-6), PRICE_TIE)))

    def assured(self, c: Candidate) -> float:
        """The value a model is sure to reach: an estimate counts its uncertainty against it."""
        s = c.scores[self.plan.column]
        return self.value(c) - (0.0 if s.basis == "measured" else s.uncertainty)

    def context_band(self, c: Candidate) -> int:
        """How many `CONTEXT_TIE` steps below the largest context above the floor (0: within one)."""
        if c.context <= 0 or c.context >= self.largest_context:
            return 0
        return math.floor(math.log(self.largest_context / c.context, CONTEXT_TIE))

    def primary(self, c: Candidate) -> tuple:
        # What the task names by name first; with nothing measured, a lab's older generation last.
        named = (-self.named(c), self.older_generation(c))
        match self.plan.optimize:
            case "cost":
                return (*named, self.below_floor(c), *self.price_step(c, NEGLIGIBLE_PRICE), self.fast_last(c),
                        c.scores[self.plan.column].rank, -self.assured(c))
            case "context":
                return (*named, self.below_floor(c), c.context <= 0, self.context_band(c), -self.value(c))
            case "balanced":
                # Bands of `margin` below the best, each cheapest first.
                below = self.best - self.value(c) if self.best is not None else 0.0
                band = max(0, math.ceil(below / self.margin) - 1)  # 0 up to and including the margin
                return (*named, band, *self.price_step(c), self.fast_last(c), -self.value(c))
        return (*named, -self.value(c))

    def older_generation(self, c: Candidate) -> bool:
        """With only guesses to go on (most non-chat kinds), a model whose lab offers a higher major version
        among the picks is its older generation (text-embedding-ada-002 beside text-embedding-3-small)."""
        if not self.guesswork or not c.version:
            return False
        newest = self._newest_major.get(c.lab)
        return newest is not None and c.version[0] < newest

    def older_for_less(self, c: Candidate) -> bool:
        """An older generation whose lab's newer one is among the picks at up to `PRICE_SPREAD_NEWER` x its price."""
        if not self.older_generation(c):
            return False
        price = self.per_million(c)
        return any(
            o.lab == c.lab
            and o.version
            and o.version[0] > c.version[0]
            and (p := self.per_million(o)) is not None
            and (price is None or p <= PRICE_SPREAD_NEWER * price)
            for o in self.current
        )

    def fast_last(self, c: Candidate) -> bool:
        """With "fast" in the task, a model that thinks before answering comes after one that does not."""
        return self.plan.fast and "reasoning" in c.capabilities

    def tie(self, c: Candidate) -> tuple:
        price = self.call_price(c)
        return (
            c.scores[self.plan.column].rank,
            c.ref != self.default_model,
            c.provider_id != self.default_provider,
            c.preview,
            -c.released,
            tuple(-v for v in c.version),
            price is None,
            price or 0.0,
            c.ref,
        )

    def order(
        self, picks: list[Candidate], successors: Mapping[int, list[Candidate]]
    ) -> tuple[list[Candidate], dict[str, int]]:
        """The picks in order, and how many were left out (asked against, outside the intent, superseded)."""
        dropped: dict[str, int] = {}
        current = picks
        for reason, keep in self._asked():
            current = self._cut(current, keep, reason, dropped)
        self._survey(current)
        for reason, keep in self._intent():  # cut before sorting: fewer to sort
            current = self._cut(current, keep, reason, dropped)
        # Only a successor still among the picks supersedes: one the task or the intent left out does not.
        left = {id(c) for c in current}
        current = self._cut(
            current,
            lambda c: (
                not any(id(o) in left for o in successors.get(id(c), ())) and not self.older_for_less(c)
            ),
            "superseded by a newer version of its line at about the price",
            dropped,
        )
        return self._sorted(current), dropped

    @staticmethod
    def _cut(
        current: list[Candidate], keep: Callable[[Candidate], bool], reason: str, dropped: dict[str, int]
    ) -> list[Candidate]:
        """`current` without what `keep` refuses, counted under `reason`; never cut to nothing."""
        kept = [c for c in current if keep(c)]
        if not kept or len(kept) == len(current):
            return current
        dropped[reason] = len(current) - len(kept)
        return kept

    def _asked(self) -> list[tuple[str, Callable[[Candidate], bool]]]:
        """What the task asked for by name, as cuts applied when some picks have it."""
        cuts: list[tuple[str, Callable[[Candidate], bool]]] = []
        if self.plan.names:
            cuts.append(
                (f"not named in the task ({', '.join(self.plan.names)})", lambda c: self.named(c) > 0)
            )
        if self.plan.no_reasoning:
            cuts.append(
                (
                    "reasons before answering (the task said without reasoning)",
                    lambda c: "reasoning" not in c.capabilities,
                )
            )
        return cuts

    def _survey(self, current: list[Candidate]) -> None:
        """The picks' values and the best of them; whether every score is a guess, and each lab's newest major version."""
        self.current = current
        self.best = max(map(self.value, current), default=None)  # value() keeps each in self._values
        self.guesswork = all(c.scores[self.plan.column].basis == "guess" for c in current)
        self._newest_major: dict[str, float] = {}
        for c in current if self.guesswork else ():
            if c.version:
                self._newest_major[c.lab] = max(self._newest_major.get(c.lab, 0.0), c.version[0])

    def _intent(self) -> list[tuple[str, Callable[[Candidate], bool]]]:
        """What `optimize` asked for, as cuts: picks that miss it are left out rather than listed last.

        None when every score is a guess (most non-chat kinds): guesses are too rough to cut on.
        """
        if self.guesswork:
            return []
        best = self.best if self.best is not None else -math.inf
        premium = f"a premium tier: over {PRICE_SPREAD:g}x the price of its lab's model within {BALANCED_MARGIN:g} points"
        match self.plan.optimize:
            case "capability":
                return [
                    (
                        f"more than {CAPABILITY_SPAN:g} below the best score (asked for the best)",
                        lambda c: self.value(c) >= best - CAPABILITY_SPAN,
                    )
                ]
            case "balanced":
                values = self._values
                return [
                    (
                        f"more than {BALANCED_SPAN:g} below the best score",
                        lambda c: values[id(c)] >= best - BALANCED_SPAN,
                    ),
                    (premium, lambda c: not self.not_worth_it(c)),
                ]
            case "context":  # asked for room, not for the best: a premium tier is not what was asked
                return [(premium, lambda c: not self.not_worth_it(c))]
            case "cost":
                cheapest = min(
                    (
                        p
                        for c in self.current
                        if not self.below_floor(c) and (p := self.per_million(c)) is not None
                    ),
                    default=None,
                )
                cap = COST_SPAN * max(cheapest, 1e-6) if cheapest is not None else math.inf
                return [
                    (
                        "below the quality floor (asked for the cheapest good-enough model)",
                        lambda c: not self.below_floor(c),
                    ),
                    (
                        f"more than {COST_SPAN:g}x the cheapest good-enough pick's price (asked for cheap)",
                        lambda c: (p := self.per_million(c)) is None or p <= cap,
                    ),
                ]
        return []

    def not_worth_it(self, c: Candidate) -> bool:
        """A premium tier: a model of the same lab costs under 1/`PRICE_SPREAD` of it and scores within
        `BALANCED_MARGIN` of it (gpt-5.5-pro against gpt-5.5)."""
        price = self.per_million(c)
        if price is None:
            return False
        if self._by_lab is None:  # per lab: prices ascending, with the best value at or below each
            self._by_lab = {}
            values = self._values
            for o in self.current:
                if (p := self.per_million(o)) is not None:
                    self._by_lab.setdefault(o.lab, []).append((p, values[id(o)]))
            for lab, rows in self._by_lab.items():
                rows.sort()
                best = -math.inf
                self._by_lab[lab] = [(p, best := max(best, v)) for p, v in rows]
        rows = self._by_lab.get(c.lab, [])
        cheaper = bisect.bisect_left(rows, (price / PRICE_SPREAD, -math.inf))  # rows priced under 1/4 of it
        return cheaper > 0 and self.value(c) - rows[cheaper - 1][1] < BALANCED_MARGIN

    def _sorted(self, picks: list[Candidate]) -> list[Candidate]:
        self.largest_context = max((c.context for c in picks if not self.below_floor(c)), default=0)
        keys = {id(c): (self.primary(c), self.tie(c)) for c in picks}  # each computed once

        def tie(c: Candidate) -> tuple:
            return keys[id(c)][1]

        out: list[Candidate] = []
        cluster: list[Candidate] = []
        for c in sorted(
            picks, key=lambda c: keys[id(c)]
        ):  # near-ties: the same key but for a few points of score
            if cluster and (
                keys[id(c)][0][:-1] != keys[id(cluster[0])][0][:-1]
                or self.value(cluster[0]) - self.value(c) >= NEAR_TIE
            ):
                out += sorted(cluster, key=tie)
                cluster = []
            cluster.append(c)
        return out + sorted(cluster, key=tie)

    def preferences_met(self, c: Candidate) -> list[str]:
        return [wanted for wanted in self.plan.prefer if wanted in c.capabilities or wanted in c.inputs]

    def named(self, c: Candidate) -> int:
        """How many of the names the task mentions ('claude', 'english', 'deep research') its id carries."""
        return sum(name in c.words for name in self.plan.names)

    # --- reasons ---------------------------------------------------------------------------------

    def reasons(self, c: Candidate, best_stable: float | None) -> list[str]:
        s = c.scores[self.plan.column]
        out = [f"{self.plan.column} score {s.value:.0f} ±{s.uncertainty:.0f} ({s.basis}: {s.why})"]
        price = self.call_price(c)
        if c.free_tier:
            out.append(
                "free tier: rate-limited"
                + ("" if self.plan.free else "; ranked as if its price were unknown")
            )
        elif price is None:
            out.append("price unknown")
        elif self.expected:
            out.append(f"estimated ${price:g} for the expected tokens")
        else:
            out.append(f"blended price ${price:g} per 1M tokens (3 input : 1 output)")
        match self.plan.optimize:
            case "balanced":
                below = (self.best or 0.0) - self.value(c)
                if below <= self.margin:
                    out.append(
                        f"within {self.margin:g} of the best score ({self.best:.0f}): the cheapest of those ranks first"
                    )
                else:
                    out.append(
                        f"{below:.0f} below the best score ({self.best:.0f}): after the models within {self.margin:g}"
                    )
            case "capability":
                out.append(f"ranked by the highest {self.plan.column} score")
            case "cost" | "context":
                if self.floor is not None:
                    side = "below" if self.below_floor(c) else "at or above"
                    out.append(
                        f"{side} the quality floor {self.floor:.0f} (the reference small model's score)"
                    )
                if self.plan.optimize == "context":
                    out.append(f"context {c.context:,} tokens")
        for wanted in self.preferences_met(c):
            out.append(f"has {wanted}, which the task prefers")
        if named := [name for name in self.plan.names if name in c.words]:
            out.append(f"its id names {', '.join(named)}, as the task does")
        if c.preview:
            note = "a preview (not a stable release): ranked as if "
            note += f"{PREVIEW_MARGIN:g} points lower"
            if best_stable is not None and self.plan.optimize in ("capability", "balanced"):
                note += f"; picked over the best stable model (value {best_stable:.0f}) as measurably better"
            out.append(note)
        if c.provider_id not in self.available:
            out.append(f"not callable now: {c.provider_id} has no credentials set")
        return out


def recommend(
    table: CandidateTable,
    req: RecommendRequest,
    *,
    available: frozenset[str],
    default_model: str | None = None,
    aws_region: str | None = None,
    keys: KeyFacts = NO_KEY_FACTS,
) -> RecommendResult:
    """Rank the candidates for `req` (validated); deterministic for the same inputs.

    `keys` is what checking the keys found: a provider that rejected its key counts as not callable.
    """
    plan = plan_for(req)
    steps = steps_for(plan, available, aws_region, keys)
    if keys.rejected:
        available = available - keys.rejected
    kept, excluded, blocking = run(steps, table)
    result = RecommendResult(
        recommendations=[],
        kind=plan.kind,
        category=plan.category,
        considered=len(table),
        excluded=excluded,
        applied_hints=list(plan.hints),
        quality_note=_quality_note(table),
    )
    if not kept:
        return _nothing_fits(result, plan, steps, table, blocking)
    ranking = _Ranking(plan, table, available, default_model, aws_region)
    result.quality_floor = ranking.floor if plan.optimize in ("cost", "context") else None
    groups, shown, successors = _one_per_model(kept, ranking, table)
    ordered, dropped = ranking.order(shown, successors)
    ordered = ordered[: plan.limit]
    result.excluded.update(dropped)
    stable = [ranking.value(c) for c in ordered if not c.preview]
    for rank, c in enumerate(ordered, start=1):
        others = [o.ref for o in groups[c.canonical] if o is not c]
        best_stable = max(stable) if c.preview and stable and rank == 1 else None
        reasons = ranking.reasons(c, best_stable)
        if c.ref == default_model:
            reasons.append("your default model (it wins near-ties)")
        elif c.provider_id == ranking.default_provider:
            reasons.append("at your default model's provider (it wins near-ties)")
        price = ranking.call_price(c)
        result.recommendations.append(
            _recommendation(
                c,
                rank,
                reasons,
                others,
                price if ranking.expected else None,
                c.provider_id in available,
                plan.column,
            )
        )
    return result


def _one_per_model(
    kept: list[Candidate], ranking: _Ranking, table: CandidateTable
) -> tuple[dict[str, list[Candidate]], list[Candidate], dict[int, list[Candidate]]]:
    """Offerings by model, the offering shown for each, and the newer versions that may supersede each (by id).

    The same survivors, environment and prices give the same, so the table keeps them.
    """
    plan = ranking.plan
    key = (
        "one per model",
        id(kept),
        ranking.available,
        ranking.default_provider,
        ranking.regions,
        plan.free,
        plan.expected_input_tokens,
        plan.expected_output_tokens,
    )
    if (cached := table.cached(key)) is not None and cached[0] is kept:  # the survivors the filters cached
        return cached[1], cached[2], cached[3]
    groups: dict[str, list[Candidate]] = {}
    for c in kept:
        groups.setdefault(c.canonical, []).append(c)
    for group in groups.values():
        group.sort(key=ranking.where)  # the offering to show first, the rest in order
    shown = [group[0] for group in groups.values()]
    successors = ranking.superseded(shown)
    table.cache(key, (kept, groups, shown, successors))
    return groups, shown, successors


def _quality_note(table: CandidateTable) -> str:
    if (note := table.cached(("quality note",))) is not None:
        return note
    dates = table.quality.dates()
    note = (
        "Scores are on LM Arena's rating scale per task category: measured arena ratings, other benchmarks "
        "fitted onto that scale, newer versions of a measured line estimated from it, or guesses; see score_basis"
        + (f" (sources: {dates})." if dates else ".")
    )
    return table.cache(("quality note",), note)


def _recommendation(
    c: Candidate,
    rank: int,
    reasons: list[str],
    others: list[str],
    estimated: float | None,
    available: bool,
    column: str,
) -> Recommendation:
    s = c.scores[column]
    status = c.status if c.status in ("alpha", "beta") else ("preview" if c.preview else None)
    return Recommendation(
        model=c.ref,
        name=c.name,
        provider=c.provider_id,
        kind=c.kind,
        canonical=c.canonical,
        rank=rank,
        score=s.value,
        score_uncertainty=s.uncertainty,
        score_basis=s.basis,
        reasons=reasons,
        capabilities=sorted(c.capabilities),
        context=c.context,
        max_output=c.max_output,
        input_cost=c.price("input"),
        output_cost=c.price("output"),
        cache_read_cost=c.price("cache_read"),
        cache_write_cost=c.price("cache_write"),
        estimated_cost_usd=estimated,
        release_date=c.release_date,
        status=status,
        free_tier=c.free_tier,
        available=available,
        also_available_via=others,
    )


def _nothing_fits(
    result: RecommendResult, plan: Plan, steps: list, table: CandidateTable, blocking: int | None
) -> RecommendResult:
    constraint = steps[blocking].label if blocking is not None else None
    relax = relaxation(steps, table, blocking) if blocking is not None else None
    if constraint == "no credentials set":
        message = (
            f"No provider you can call has a {plan.kind} model that fits: no API key is set for them. An MCP host "
            "passes only the env block of its config: add a provider's key there (e.g. OPENAI_API_KEY), or ask "
            "with available_only=false to see picks marked unavailable."
        )
    elif constraint is None:
        message = "The catalog has no models to consider."
    else:
        message = f"Nothing fits: '{constraint}' removed the last candidates."
    if relax and constraint is not None:
        message += f" Closest change that gives an answer: {relax}."
    result.message, result.blocking_constraint, result.relaxation = message, constraint, relax
    return result
