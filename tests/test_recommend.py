"""recommend_model's ranking on the bundled snapshot, with the environment set explicitly.

README "How recommend_model ranks" is the spec. Covers credentials, long inputs and tier prices,
no key, deprecated and preview models, aliases and resellers collapsing to one pick, price caps
and unknown prices, relaxation, task hints, request errors, and Hypothesis properties: every pick
meets every hard constraint (the task's hinted ones too), checked against the raw catalog entry of
the picked offering; ranks are 1..n; one pick per model; the order is the documented one for each
`optimize`; picks fewer than `limit` are accounted for in `excluded`; the same request gives the
same answer; bad input is a ValueError.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import replace
from itertools import combinations
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from models_registry.recommend import (
    CAPABILITIES,
    KINDS,
    MODALITIES,
    OPTIMIZE_MODES,
    Recommendation,
    RecommendRequest,
    RecommendResult,
    build_candidates,
    estimate_cost,
    recommend,
)
from models_registry.recommend.identity import bedrock_region, canonical_id, is_free_tier, parse_offering
from models_registry.recommend.quality import Cell, QualityTable
from models_registry.recommend.task import Plan, plan_for
from models_registry.registry import Registry, split_model_ref
from models_registry.settings import Settings

PROVIDER_KEYS = {
    "OPENAI_API_KEY": "openai",
    "ANTHROPIC_API_KEY": "anthropic",
    "GROQ_API_KEY": "groq",
    "OPENROUTER_API_KEY": "openrouter",
    "MISTRAL_API_KEY": "mistral",
}
PREVIEW = ("alpha", "beta")
# The documented numbers (README "How recommend_model ranks", step 5), in rating points or price ratios.
NEAR_TIE = 5.0
PREFERENCE_BONUS = 10.0
PREVIEW_HANDICAP = 10.0
CAPABILITY_SPAN = 40.0
BALANCED_SPAN = 80.0
BALANCED_MARGINS = {"coding": 10.0, "agentic": 10.0, "creative": 20.0}  # 45 otherwise
COST_SPAN = 4.0
PRICE_TIE = 1.1
NEGLIGIBLE_PRICE = 0.10  # cost: prices per 1M tokens under this are one step (README)
CONTEXT_TIE = 1.1
NEWER_PRICE = 1.5
EPS = 1e-6
# What ordering leaves out after the filters (README: "What was left out, and why, is in excluded").
# "within 45 of the best score (1503): ..." or "60 below the best score (1503): after the models within 45"
BALANCED_REASON = r"(?:within (\d+) of|(\d+) below) the best score \((\d+)\)(?:: after the models within (\d+))?"
ORDER_CUTS = (
    "superseded", "a premium tier", "more than", "below the quality floor", "not named in the task", "reasons before",
)

# The registry reads credentials from this mapping at each call: tests set it through `ask`.
_ENV: dict[str, str] = {}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """One registry on the bundled snapshot for the module: its candidates are built once."""
    root = tmp_path_factory.mktemp("recommend")
    # Module fixtures are built before the autouse `isolated_env`: keep the user's own files out here too.
    with pytest.MonkeyPatch.context() as patch:
        for name in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
            patch.setenv(name, str(root / name.lower()))
        return Registry(Settings(offline=True, cache_dir=root / "cache", state_dir=root / "state"), env=_ENV)


def fresh_registry(tmp_path, env: Mapping[str, str]) -> Registry:
    """A registry of its own, for a test that must not share the module's."""
    settings = Settings(offline=True, cache_dir=tmp_path / "cache", state_dir=tmp_path / "state")
    return Registry(settings, env=env)


def ask(registry: Registry, env: Mapping[str, str], **fields: Any) -> RecommendResult:
    """Recommend with exactly `env` as the environment."""
    _ENV.clear()
    _ENV.update(env)
    return registry.recommend(RecommendRequest(**fields))


def keys_for(*providers: str) -> dict[str, str]:
    return {name: "test-key" for name, provider in PROVIDER_KEYS.items() if provider in providers}


# --- Reading the raw catalog, independently of the ranking ------------------------------------


def raw_model(registry: Registry, ref: str) -> dict[str, Any]:
    provider_id, model_id = split_model_ref(ref)
    return registry.catalog.entry(provider_id)["models"][model_id]


def raw_models(registry: Registry) -> Iterator[tuple[str, dict[str, Any]]]:
    """(ref, raw model) for every model of the catalog."""
    for provider_id, entry in registry.catalog.raw.items():
        for model_id, raw in (entry.get("models") or {}).items():
            yield f"{provider_id}/{model_id}", raw


def kind_of(registry: Registry, ref: str) -> str:
    """The offering's kind as the candidates decided it (tests/test_kinds.py checks that decision)."""
    table = registry.candidates()
    if _KINDS.get("table") is not table:
        _KINDS.clear()
        _KINDS.update({"table": table, **{c.ref: c.kind for c in table}})
    return _KINDS[ref]


_KINDS: dict[str, Any] = {}


def listed(raw: Mapping[str, Any]) -> bool:
    """Neither deprecated nor alpha/beta."""
    return raw.get("status") not in ("deprecated", *PREVIEW)


def listed_chat_models(registry: Registry) -> list[tuple[str, dict[str, Any]]]:
    """(ref, raw) of what a request without constraints sees after the kind, status and region steps."""
    plain, plan = RecommendRequest(available_only=False), plan_for(RecommendRequest())
    return [(ref, raw) for ref, raw in raw_models(registry) if not unmet(registry, ref, plain, plan)]


def callable_with(registry: Registry, provider_id: str, env: Mapping[str, str]) -> bool:
    """For the single-key providers these tests use: every variable its catalog entry lists is set."""
    names = registry.catalog.head(provider_id).get("env") or []
    return bool(names) and all(env.get(name) for name in names)


def known_price(ref: str, raw: Mapping[str, Any], side: str) -> float | None:
    """A price from the raw entry; $0 in and out without a free marker is unknown, not free."""
    cost = raw.get("cost") or {}
    value = cost.get(side)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    if cost.get("input") == 0 and cost.get("output") == 0 and not is_free_tier(*split_model_ref(ref), raw):
        return None
    return float(value)


def unmet(registry: Registry, ref: str, req: RecommendRequest, plan: Plan) -> list[str]:
    """The hard constraints of `req` and of its task's hints (`plan`) that the raw entry of `ref` misses."""
    raw = registry.catalog.entry(split_model_ref(ref)[0])["models"][split_model_ref(ref)[1]]
    provider_id, model_id = split_model_ref(ref)
    modalities = raw.get("modalities") or {}
    limit = raw.get("limit") or {}
    problems = [] if kind_of(registry, ref) == plan.kind else [f"not a {plan.kind} model"]
    problems += [f"lacks {cap}" for cap in plan.capabilities if raw.get(cap) is not True]
    inputs, outputs = modalities.get("input") or (), modalities.get("output") or ()
    problems += [f"no {m} input" for m in plan.input_modalities if m not in inputs]
    problems += [f"no {m} output" for m in plan.output_modalities if m not in outputs]
    if (limit.get("context") or 0) < plan.min_context:
        problems.append(f"context {limit.get('context')} < {plan.min_context}")
    if (limit.get("output") or 0) < req.min_output:
        problems.append(f"output {limit.get('output')} < {req.min_output}")
    max_input = limit.get("input") or limit.get("context") or 0
    if req.expected_input_tokens and max_input < req.expected_input_tokens:
        problems.append(f"input limit {limit} < {req.expected_input_tokens}")
    for side, cap in (("input", req.max_input_cost), ("output", req.max_output_cost)):
        price = known_price(ref, raw, side)
        if cap is not None and (price is None or price > cap):
            problems.append(f"{side} price {price} over {cap} or unknown")
    if raw.get("status") == "deprecated":
        problems.append("deprecated")
    if raw.get("status") in PREVIEW and not req.include_preview:
        problems.append(f"preview ({raw.get('status')})")
    if req.providers and provider_id not in req.providers:
        problems.append("not in providers")
    if provider_id == "amazon-bedrock" and bedrock_region(model_id) not in (None, "global"):
        problems.append("another region's Bedrock profile (no AWS_REGION is set)")
    return problems


def blended(pick: Recommendation) -> float | None:
    """USD per 1M tokens at 3 input : 1 output, from the pick's own fields (to the micro-dollar)."""
    if pick.input_cost is None or pick.output_cost is None:
        return None
    return round((3 * pick.input_cost + pick.output_cost) / 4, 6)


def price_of(pick: Recommendation, req: RecommendRequest, plan: Plan) -> float | None:
    """The price the order compares (README step 5), per 1M tokens: the call's estimate for the expected
    tokens, else the blended price; a rate-limited free tier is no price to plan on unless asked for."""
    if pick.free_tier:
        return 0.0 if plan.free else None
    tokens = (req.expected_input_tokens or 0) + (req.expected_output_tokens or 0)
    if tokens and pick.estimated_cost_usd is not None:
        return pick.estimated_cost_usd * 1e6 / tokens
    if req.expected_input_tokens is not None or req.expected_output_tokens is not None:
        return None if tokens else blended(pick)
    return blended(pick)


def value_of(registry: Registry, pick: Recommendation, plan: Plan) -> float:
    """The score the order compares: a stated preference adds 10 points, a preview counts 10 below."""
    inputs = (raw_model(registry, pick.model).get("modalities") or {}).get("input") or []
    met = [wanted for wanted in plan.prefer if wanted in pick.capabilities or wanted in inputs]
    return pick.score + PREFERENCE_BONUS * len(met) - (PREVIEW_HANDICAP if pick.status else 0.0)


def pick_of(result: RecommendResult, ref: str) -> Recommendation:
    return next(p for p in result.recommendations if p.model == ref)


def suggested_number(relaxation: str, name: str) -> float:
    """The value a relaxation such as 'min_context <= 10,000,000 (the largest left)' suggests for `name`."""
    found = re.search(rf"\b{name} [<>]= ([\d,.e+-]+)", relaxation)
    assert found, f"no value for {name} in {relaxation!r}"
    return float(found.group(1).replace(",", ""))


def floor_side(pick: Recommendation) -> bool | None:
    """True when the pick's reasons put it at or above the quality floor, False below, None when silent."""
    for reason in pick.reasons:
        if reason.startswith("at or above the quality floor"):
            return True
        if reason.startswith("below the quality floor"):
            return False
    return None


# --- The documented order, recomputed from the returned fields --------------------------------------


def assert_capability_order(values: list[float]) -> None:
    """The highest value first; near-ties (5 points) in any order; nothing more than 40 below the first."""
    assert all(v >= values[0] - CAPABILITY_SPAN - EPS for v in values), values
    for i, j in combinations(range(len(values)), 2):
        assert values[j] < values[i] + NEAR_TIE + EPS, (i, j, values)


def assert_cost_order(picks: list[Recommendation], prices: list[float | None], floor: float | None) -> None:
    """The cheapest good-enough first (10% is a tie, and every price under 10 cents per 1M one step); below
    the floor or over 4x the first's price: left out."""
    sides = [floor_side(p) for p in picks]
    if floor is not None:
        for pick, side in zip(picks, sides, strict=True):
            # An estimate must clear the floor by its uncertainty; an arena rating need only reach it.
            estimate = 0.0 if pick.score_basis == "measured" else pick.score_uncertainty
            assert side == (pick.score - estimate >= floor), pick
        assert sides == sorted(sides, reverse=True), sides  # at or above the floor first
        if sides and sides[0]:
            assert all(sides), "a model below the floor is listed though one above it is"
    good = [price for price, side in zip(prices, sides, strict=True) if side is not False]
    known = [price for price in good if price is not None]
    assert good[: len(known)] == known, "an unknown price is listed before a known one"
    steps = [max(price, NEGLIGIBLE_PRICE) for price in known]  # a negligible price does not decide
    for i, j in combinations(range(len(steps)), 2):
        assert steps[j] * PRICE_TIE >= steps[i] - EPS, (i, j, known)
    if known and prices[0] is not None and (floor is None or sides[0]):
        assert all(p is None or p <= COST_SPAN * prices[0] + EPS for p in prices), (prices[0], prices)


def assert_balanced_order(picks: list[Recommendation], prices: list[float | None], values: list[float],
                          category: str) -> None:
    """Among the picks within the margin of the best score, the cheapest first; none 80 below the best."""
    margin = BALANCED_MARGINS.get(category, 45.0)
    bests, within = set(), []
    for pick in picks:
        said = [re.match(BALANCED_REASON, r) for r in pick.reasons]
        (found,) = [m for m in said if m]
        assert float(found.group(1) or found.group(4)) == margin, found.group(0)
        bests.add(int(found.group(3)))
        within.append(found.group(1) is not None)
    (best,) = bests  # one best score for the whole answer
    assert all(v >= best - BALANCED_SPAN - 0.5 for v in values), (best, values)
    assert all(v >= best - margin - 0.5 for v, w in zip(values, within, strict=True) if w), (best, values)
    if any(within):
        assert within[0], "the first pick is not within the margin of the best score though another is"
        # 1 point covers the rounded best.
        known = [p for p, v, w in zip(prices, values, within, strict=True)
                 if w and p is not None and v >= best - margin + 1]
        if prices[0] is not None and known:
            assert prices[0] <= PRICE_TIE * min(known) + EPS, (prices[0], known)


def assert_context_order(picks: list[Recommendation], values: list[float]) -> None:
    """Above the floor first; then bands of 10% below the largest context, each best score first (5 points a tie)."""
    sides = [floor_side(p) is not False for p in picks]
    assert sides == sorted(sides, reverse=True)
    above = [(p.context, v) for p, v, side in zip(picks, values, sides, strict=True) if side and p.context]
    if not above:
        return
    largest = max(context for context, _ in above)
    bands = [math.floor(math.log(largest / context, CONTEXT_TIE)) if context < largest else 0 for context, _ in above]
    assert bands == sorted(bands), (bands, above)
    for i, j in combinations(range(len(above)), 2):
        if bands[i] == bands[j]:
            assert above[j][1] < above[i][1] + NEAR_TIE + EPS, (i, j, above)


def assert_documented_order(registry: Registry, result: RecommendResult, req: RecommendRequest) -> None:
    """The order README step 5 documents for the request's `optimize` (explicit, or from the task)."""
    plan = plan_for(req)
    picks = result.recommendations
    if not picks or plan.names:  # a named family comes first whatever its rank: checked on its own
        return
    if all(p.score_basis == "guess" for p in picks):  # nothing measured: no cut on scores, a lab's newest first
        # Only a short list shows every survivor; a full one may hide measured models the cuts used.
        if len(picks) < req.limit:
            cuts = [label for label in result.excluded if label.startswith(ORDER_CUTS[1:])]
            assert not [label for label in cuts if label.startswith(("a premium tier", "more than"))], cuts
        return
    prices = [price_of(p, req, plan) for p in picks]
    values = [value_of(registry, p, plan) for p in picks]
    match plan.optimize:
        case "capability":
            assert_capability_order(values)
        case "cost":
            assert_cost_order(picks, prices, result.quality_floor)
        case "balanced":
            assert_balanced_order(picks, prices, values, plan.category)
        case "context":
            assert_context_order(picks, values)


def assert_nothing_superseded(registry: Registry, result: RecommendResult, req: RecommendRequest) -> None:
    """No pick has a newer version of its lab's line among the picks at up to 1.5x its price."""
    plan = plan_for(req)
    table = {c.ref: c for c in registry.candidates()}
    picks = [(p, table[p.model], price_of(p, req, plan)) for p in result.recommendations]
    for first, second in combinations(picks, 2):
        for (_, old, old_price), (_, new, new_price) in ((first, second), (second, first)):
            if old.lab != new.lab or old.line != new.line or not old.version or new.version <= old.version:
                continue
            if new_price is not None:  # an older version shown beside a newer one costs well over 1/1.5 of it
                assert old_price is not None and new_price > NEWER_PRICE * old_price, (old.ref, new.ref)


# --- 1. Credentials decide the provider; balanced order -----------------------------------------


def test_openai_key_with_image_and_tools_gives_openai_picks_cheapest_first_within_the_margin(registry):
    env = keys_for("openai")
    request = {"input_modalities": ("image",), "capabilities": ("tool_call",)}
    everything = ask(registry, env, **request, limit=50)
    picks = everything.recommendations
    assert 2 < len(picks) < 50
    for pick in picks:
        assert pick.model.startswith("openai/") and pick.available and pick.kind == "chat"
        raw = raw_model(registry, pick.model)
        assert raw["tool_call"] is True and "image" in raw["modalities"]["input"]
    assert everything.category == "vision"  # an image input ranks by the vision column
    assert picks[0].reasons[2].startswith("within 45 of the best score")
    assert all(re.match(BALANCED_REASON, p.reasons[2]) for p in picks)
    assert_documented_order(registry, everything, RecommendRequest(**request, limit=50))

    top = ask(registry, env, **request, limit=2)
    assert [p.model for p in top.recommendations] == [p.model for p in picks[:2]]


def test_every_pick_carries_a_score_on_the_arena_scale_with_its_basis_and_uncertainty(registry):
    result = ask(registry, keys_for("openai", "anthropic", "mistral"), limit=20)
    assert result.recommendations
    assert "LM Arena" in result.quality_note and "2025-12-17" in result.quality_note
    for pick in result.recommendations:
        assert 1000 < pick.score < 1800 and pick.score_uncertainty > 0
        assert pick.score_basis in ("measured", "fitted", "line", "variant", "guess")
        assert pick.reasons[0].startswith(f"general score {pick.score:.0f} ±{pick.score_uncertainty:.0f} "
                                          f"({pick.score_basis}: ")


# --- 2. A long input: only models that hold it, priced at the long-context tier -------------------


def test_a_300k_token_input_gets_models_that_hold_it_priced_at_the_long_context_tier(registry):
    tokens_in, tokens_out = 300_000, 1_000
    result = ask(registry, {}, providers=("openai",), expected_input_tokens=tokens_in,
                 expected_output_tokens=tokens_out, available_only=False, limit=50)
    picks = result.recommendations
    assert picks and result.excluded["300,000 input tokens do not fit"] > 0

    long_priced = 0
    for pick in picks:
        raw = raw_model(registry, pick.model)
        assert raw["limit"]["context"] >= tokens_in and raw["limit"].get("input", tokens_in) >= tokens_in
        tiers = [t for t in raw["cost"].get("tiers") or [] if tokens_in > t["tier"]["size"]]
        tier = max(tiers, key=lambda t: t["tier"]["size"]) if tiers else raw["cost"]
        estimate = (tokens_in * tier["input"] + tokens_out * tier["output"]) / 1e6
        assert pick.estimated_cost_usd == pytest.approx(estimate)
        assert f"estimated ${pick.estimated_cost_usd:g} for the expected tokens" in pick.reasons
        long_priced += tier is not raw["cost"]
    assert long_priced >= 1
    assert_documented_order(registry, result, RecommendRequest(
        providers=("openai",), expected_input_tokens=tokens_in, expected_output_tokens=tokens_out))


def test_a_price_tier_without_a_price_keeps_the_price_below_it():
    tier = {"tier": {"type": "context", "size": 200_000}, "input": None}
    cost = {"input": 1.0, "output": 2.0, "tiers": [tier]}
    assert estimate_cost(cost, 300_000, 1_000) == round((300_000 * 1.0 + 1_000 * 2.0) / 1e6, 6)
    over = {"input": 1.0, "output": 2.0, "context_over_200k": {"input": None, "output": 4.0}}
    assert estimate_cost(over, 300_000, 1_000) == round((300_000 * 1.0 + 1_000 * 4.0) / 1e6, 6)


# --- 3. No key ------------------------------------------------------------------------------------


def test_without_any_key_available_only_finds_nothing_and_says_how_to_set_a_key(tmp_path):
    registry = fresh_registry(tmp_path, {})
    result = registry.recommend(RecommendRequest(capabilities=("tool_call",)))
    assert result.recommendations == []
    assert result.blocking_constraint == "no credentials set"
    assert "env block" in result.message and "OPENAI_API_KEY" in result.message
    assert "available_only=false" in result.message and "available_only=false" in result.relaxation
    assert result.considered == registry.catalog.model_count
    assert list(result.excluded) == ["not a chat model", "no credentials set"]  # the kind comes first
    assert result.excluded["no credentials set"] == result.considered - result.excluded["not a chat model"]


def test_without_any_key_available_only_false_marks_every_pick_not_callable(registry):
    result = ask(registry, {}, capabilities=("tool_call",), available_only=False, limit=20)
    assert len(result.recommendations) >= 5 and result.blocking_constraint is None
    for pick in result.recommendations:
        assert pick.available is False
        assert f"not callable now: {pick.provider} has no credentials set" in pick.reasons


# --- 4. Deprecated never; preview only on request -----------------------------------------------


def statuses(registry: Registry, result: RecommendResult) -> set[str | None]:
    """The raw statuses of every pick and of every offering listed beside one."""
    refs = [ref for p in result.recommendations for ref in (p.model, *p.also_available_via)]
    assert refs
    return {raw_model(registry, ref).get("status") for ref in refs}


def chat_models_by_provider(registry: Registry, statuses: tuple[str, ...]) -> Counter[str]:
    """Chat models with one of `statuses`, per provider: what the status steps, after the kind, see."""
    return Counter(
        ref.partition("/")[0] for ref, raw in raw_models(registry)
        if raw.get("status") in statuses and kind_of(registry, ref) == "chat"
    )


@pytest.mark.parametrize("optimize", OPTIMIZE_MODES)
def test_deprecated_models_are_never_recommended(registry, optimize):
    deprecated = chat_models_by_provider(registry, ("deprecated",))
    most = deprecated.most_common(1)[0][0]  # the provider where it matters most
    for providers in ((most,), None):
        result = ask(registry, {}, providers=providers, available_only=False, include_preview=True,
                     optimize=optimize, limit=50)
        assert result.excluded["deprecated"] == (deprecated[most] if providers else deprecated.total())
        assert "deprecated" not in statuses(registry, result)


@pytest.mark.parametrize("optimize", OPTIMIZE_MODES)
def test_alpha_and_beta_models_only_with_include_preview(registry, optimize):
    previews = chat_models_by_provider(registry, PREVIEW)
    provider = previews.most_common(1)[0][0]
    without = ask(registry, {}, providers=(provider,), available_only=False, optimize=optimize, limit=50)
    assert not statuses(registry, without) & set(PREVIEW)
    assert without.excluded["preview (alpha/beta)"] == previews[provider]
    with_preview = ask(registry, {}, providers=(provider,), available_only=False, include_preview=True,
                       optimize=optimize, limit=50)
    assert statuses(registry, with_preview) & set(PREVIEW)
    assert "preview (alpha/beta)" not in with_preview.excluded


def test_a_preview_says_it_ranks_ten_points_lower(registry):
    result = ask(registry, {}, providers=("google",), available_only=False, optimize="capability", limit=50)
    previews = [p for p in result.recommendations if p.status]
    assert previews, "the snapshot's Google models include a '-preview' id"
    for pick in previews:
        said = "a preview (not a stable release): ranked as if 10 points lower"
        assert any(r.startswith(said) for r in pick.reasons), pick.model


# --- 5 and 6. One pick per model --------------------------------------------------------------------


def test_an_alias_and_its_dated_snapshot_are_one_pick_at_the_undated_id(registry):
    alias, dated = "anthropic/claude-haiku-4-5", "anthropic/claude-haiku-4-5-20251001"
    assert raw_model(registry, alias)["name"] and raw_model(registry, dated)["name"]  # both in the snapshot
    result = ask(registry, keys_for("anthropic"), optimize="cost", limit=50)
    picked = [p.model for p in result.recommendations]
    assert alias in picked and dated not in picked
    assert pick_of(result, alias).also_available_via == [dated]


def gpt_oss_servers(registry: Registry) -> dict[str, list[str]]:
    """The smallest providers serving gpt-oss-120b (and Groq), so every model they have fits in one answer."""
    servers: dict[str, list[str]] = {}
    sizes: dict[str, int] = {}
    for provider_id, entry in registry.catalog.raw.items():
        models = entry.get("models") or {}
        refs = [f"{provider_id}/{m}" for m, raw in models.items()
                if canonical_id(provider_id, m) == "gpt-oss-120b" and listed(raw)]
        if refs:
            servers[provider_id], sizes[provider_id] = refs, len(models)
    assert len(servers) > 20 and "groq" in servers
    chosen = ["groq", *sorted((p for p in servers if p != "groq"), key=lambda p: (sizes[p], p))[:8]]
    return {provider: servers[provider] for provider in chosen}


def test_a_model_served_by_many_providers_appears_once_with_the_others_listed(registry):
    servers = gpt_oss_servers(registry)
    expected = {ref for refs in servers.values() for ref in refs}
    result = ask(registry, {}, providers=tuple(servers), available_only=False, optimize="cost", limit=50)
    (pick,) = [p for p in result.recommendations if p.canonical == "gpt-oss-120b"]
    assert {pick.model, *pick.also_available_via} == expected
    assert len(pick.also_available_via) == len(expected) - 1
    known = [(3 * i + o) / 4 for r in expected  # nobody is callable: the cheapest offering
             if (i := known_price(r, raw_model(registry, r), "input")) is not None
             and (o := known_price(r, raw_model(registry, r), "output")) is not None]
    assert blended(pick) == pytest.approx(min(known))


def test_the_offering_shown_is_one_the_user_can_call(tmp_path):
    registry = fresh_registry(tmp_path, keys_for("groq"))
    servers = gpt_oss_servers(registry)
    request = RecommendRequest(providers=tuple(servers), available_only=False, optimize="cost", limit=50)
    result = registry.recommend(request)
    (pick,) = [p for p in result.recommendations if p.canonical == "gpt-oss-120b"]
    assert pick.model == "groq/openai/gpt-oss-120b" and pick.available
    assert not any(r.startswith("groq/") for r in pick.also_available_via)


def test_a_key_set_after_an_answer_changes_the_offering_shown(registry):
    servers = gpt_oss_servers(registry)
    request = {"providers": tuple(servers), "available_only": False, "optimize": "cost", "limit": 50}
    ask(registry, {}, **request)
    result = ask(registry, keys_for("groq"), **request)
    (pick,) = [p for p in result.recommendations if p.canonical == "gpt-oss-120b"]
    assert pick.model == "groq/openai/gpt-oss-120b" and pick.available


def test_a_paid_offering_is_shown_before_its_rate_limited_free_tier(registry):
    result = ask(registry, keys_for("openrouter"), providers=("openrouter",), limit=50, optimize="cost")
    with_free = [p for p in result.recommendations if any(r.endswith(":free") for r in p.also_available_via)]
    assert with_free, "the snapshot's OpenRouter serves models both paid and ':free'"
    assert not any(p.free_tier for p in with_free)


def test_free_in_the_task_puts_free_tiers_first(registry):
    result = ask(registry, keys_for("openrouter"), task="a free model for chat", providers=("openrouter",))
    first = result.recommendations[0]
    assert first.free_tier and first.model.endswith(":free")
    assert "free tier: rate-limited" in first.reasons


def test_an_older_version_is_left_out_when_a_newer_one_costs_about_the_same(registry):
    result = ask(registry, keys_for("anthropic"), limit=50)
    picked = {p.model for p in result.recommendations}
    assert "anthropic/claude-opus-4-8" in picked
    assert not picked & {f"anthropic/claude-opus-4-{minor}" for minor in (5, 6, 7)}
    assert result.excluded["superseded by a newer version of its line at about the price"] >= 3
    assert len(result.recommendations) < 50  # fewer than the limit: the rest were left out, and said so


def test_a_resellers_spelling_never_supersedes_the_labs_own_model(registry):
    request = {"providers": ("openai", "venice"), "capabilities": ("tool_call",), "available_only": False}
    result = ask(registry, {}, **request, limit=50)
    picked = {ref for p in result.recommendations for ref in (p.model, *p.also_available_via)}
    assert "openai/gpt-5.4" in picked


# --- 7. Prices: caps, and $0 that is not free --------------------------------------------------------


def test_an_input_price_cap_excludes_models_with_unknown_prices(registry):
    cap = 0.5
    result = ask(registry, {}, max_input_cost=cap, available_only=False, optimize="capability", limit=50)
    assert result.recommendations
    for pick in result.recommendations:
        assert pick.input_cost is not None and pick.input_cost <= cap
        assert known_price(pick.model, raw_model(registry, pick.model), "input") == pick.input_cost

    # The price step comes after the kind, status and region steps: it sees the listed chat models.
    seen = listed_chat_models(registry)
    over = [ref for ref, raw in seen if (p := known_price(ref, raw, "input")) is None or p > cap]
    assert result.excluded["input price over 0.5 or unknown"] == len(over)


def test_an_output_price_cap_keeps_only_known_prices_at_or_under_it(registry):
    result = ask(registry, keys_for("openai", "anthropic"), max_output_cost=4.0, optimize="cost", limit=50)
    assert result.recommendations and "output price over 4 or unknown" in result.excluded
    assert all(p.output_cost is not None and p.output_cost <= 4.0 for p in result.recommendations)
    assert_documented_order(registry, result, RecommendRequest(max_output_cost=4.0, optimize="cost"))


def test_a_measured_model_at_the_floor_reaches_it(registry):
    """gpt-4o-mini's arena rating is the floor: an arena rating need not clear it by its uncertainty."""
    result = ask(registry, keys_for("openai"), providers=("openai",), optimize="cost", max_input_cost=0.15,
                 limit=50)
    floor = result.quality_floor
    reference = pick_of(result, "openai/gpt-4o-mini")  # the reference small model: its score is the floor
    assert reference.score == floor and reference.score_basis == "measured"
    assert floor_side(reference) is True


def unpriced_zeros(registry: Registry, provider_id: str) -> list[str]:
    return [ref for ref, raw in raw_models(registry) if ref.startswith(f"{provider_id}/") and listed(raw)
            and (raw.get("cost") or {}).get("input") == 0 and (raw.get("cost") or {}).get("output") == 0]


def test_a_zero_price_without_a_free_marker_is_unknown_not_free(registry):
    zeros = unpriced_zeros(registry, "github-models")
    assert len(zeros) > 20 and not any(is_free_tier(*split_model_ref(r), raw_model(registry, r)) for r in zeros)
    result = ask(registry, {}, providers=("github-models",), available_only=False, optimize="cost", limit=50)
    assert result.recommendations
    for pick in result.recommendations:
        assert pick.input_cost is None and pick.output_cost is None and "price unknown" in pick.reasons
    capped = ask(registry, {}, providers=("github-models",), available_only=False, max_input_cost=0.0)
    assert capped.recommendations == [] and capped.blocking_constraint == "input price over 0 or unknown"


def test_a_zero_price_with_a_free_marker_is_free(registry):
    result = ask(registry, {}, providers=("openrouter",), available_only=False, max_input_cost=0.0, limit=50)
    assert result.recommendations
    for pick in result.recommendations:
        assert pick.free_tier and pick.input_cost == 0.0 and pick.model.endswith(":free")


# --- 8. Relaxation ------------------------------------------------------------------------------


def test_an_impossible_min_context_names_the_step_and_suggests_a_value_that_answers(registry):
    largest = max(raw["limit"]["context"] for _, raw in listed_chat_models(registry))
    assert largest > 1_000_000
    for min_context in (50_000_000_000, largest + 1):
        result = ask(registry, {}, min_context=min_context, available_only=False)
        assert result.recommendations == []
        assert result.blocking_constraint == f"context below {min_context:,}"
        assert result.excluded[f"context below {min_context:,}"] > 0
        assert result.blocking_constraint in result.message and result.relaxation in result.message
        suggested = suggested_number(result.relaxation, "min_context")
        assert suggested == largest

        again = ask(registry, {}, min_context=int(suggested), available_only=False)
        assert again.recommendations and again.blocking_constraint is None
        assert all(p.context >= suggested for p in again.recommendations)


def test_an_impossible_price_cap_suggests_the_cheapest_price_left(registry):
    result = ask(registry, keys_for("anthropic"), max_input_cost=0.01)
    assert result.recommendations == []
    assert result.blocking_constraint == "input price over 0.01 or unknown"
    suggested = suggested_number(result.relaxation, "max_input_cost")
    again = ask(registry, keys_for("anthropic"), max_input_cost=suggested)
    assert again.recommendations and {p.input_cost for p in again.recommendations} == {suggested}


def test_a_price_relaxation_gives_an_answer_when_the_price_has_float_noise(registry):
    request = {"providers": ("helicone",), "input_modalities": ("video",), "min_output": 81_920}
    request["available_only"] = False
    result = ask(registry, {}, **request, max_output_cost=0.0)
    assert result.recommendations == []
    assert raw_model(registry, "helicone/qwen3-235b-a22b-thinking")["cost"]["output"] > 2.9
    suggested = suggested_number(result.relaxation, "max_output_cost")
    assert ask(registry, {}, **request, max_output_cost=suggested).recommendations


def test_a_relaxation_of_a_hinted_min_context_gives_an_answer(registry):
    request = {"task": "summarise a long document", "providers": ("groq",), "available_only": False}
    result = ask(registry, {}, **request)
    assert result.recommendations == [] and result.blocking_constraint == "context below 200,000"
    suggested = suggested_number(result.relaxation, "min_context")
    assert ask(registry, {}, **request, min_context=int(suggested)).recommendations


def test_when_no_callable_provider_has_the_kind_the_answer_names_the_credentials_step(registry):
    result = ask(registry, keys_for("anthropic"), kind="embedding")
    assert result.recommendations == [] and result.blocking_constraint == "no credentials set"
    assert "embedding" in result.message and "set an API key for one of" in result.relaxation


# --- 9. The kind of model, and task hints --------------------------------------------------------


def effects(result: RecommendResult) -> list[str]:
    return [hint.effect for hint in result.applied_hints]


def test_only_chat_models_are_recommended_unless_the_kind_asks_for_others(registry):
    result = ask(registry, {}, available_only=False, limit=50)
    assert next(iter(result.excluded)) == "not a chat model" and result.excluded["not a chat model"] > 100
    assert result.kind == "chat" and {p.kind for p in result.recommendations} == {"chat"}


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"kind": "embedding"}, "embedding"),  # the argument
        ({"task": "embeddings for semantic search"}, "embedding"),  # the words
        ({"task": "transcribe meetings"}, "speech-to-text"),
        ({"task": "read articles aloud"}, "text-to-speech"),
        ({"task": "generate a logo"}, "image-generation"),
    ],
)
def test_a_kind_gives_only_models_of_that_kind(registry, fields, kind):
    result = ask(registry, {}, available_only=False, limit=20, **fields)
    assert result.kind == kind and result.recommendations
    assert {p.kind for p in result.recommendations} == {kind}
    assert f"not {'an' if kind[0] in 'aeiou' else 'a'} {kind} model" in result.excluded


def test_generate_images_asks_for_image_generation_not_image_input(registry):
    result = ask(registry, {}, task="generate images for a blog post", available_only=False, limit=10)
    assert "kind = image-generation" in effects(result) and "no image input" not in result.excluded
    assert result.recommendations
    for pick in result.recommendations:
        assert "image" in raw_model(registry, pick.model)["modalities"]["output"]


def tiny_catalog(prices: Mapping[str, float]) -> dict[str, Any]:
    """An OpenAI-only catalog of chat models with these blended prices (input = output)."""
    def model(model_id: str, price: float) -> dict[str, Any]:
        return {
            "id": model_id, "name": model_id, "tool_call": True, "release_date": "2025-06-01",
            "modalities": {"input": ["text"], "output": ["text"]},
            "limit": {"context": 128_000, "output": 16_000},
            "cost": {"input": price, "output": price},
        }
    return {"openai": {"id": "openai", "env": ["OPENAI_API_KEY"],
                       "models": {m: model(m, price) for m, price in prices.items()}}}


def test_a_model_exactly_at_the_margin_is_ranked_as_within_it():
    ratings = {"gpt-5": 1450.0, "gpt-4-1": 1430.0, "o-3": 1405.0}  # o3 exactly 45 below the best
    quality = QualityTable(models={m: {"general": Cell(r, 5.0, ("lmarena",))} for m, r in ratings.items()})
    table = build_candidates(tiny_catalog({"gpt-5": 10.0, "gpt-4.1": 1.0, "o3": 0.5}), quality)
    result = recommend(table, RecommendRequest(), available=frozenset({"openai"}))
    assert result.recommendations[0].model == "openai/o3"  # within the margin, and the cheapest


def test_summarise_pdfs_cheaply_prefers_pdf_input_without_requiring_it(registry):
    env = keys_for("openai", "anthropic", "mistral")
    result = ask(registry, env, task="summarise PDFs cheaply", limit=10)
    assert "prefer pdf (ranks higher, excludes nothing)" in effects(result)
    assert "optimize = cost" in effects(result)
    assert "no pdf input" not in result.excluded and result.quality_floor is not None
    for pick in result.recommendations:
        has_pdf = "pdf" in raw_model(registry, pick.model)["modalities"]["input"]
        assert ("has pdf, which the task prefers" in pick.reasons) == has_pdf
    assert_documented_order(registry, result, RecommendRequest(task="summarise PDFs cheaply"))


def test_summarise_long_pdfs_asks_for_a_long_context(registry):
    result = ask(registry, keys_for("openai", "anthropic"), task="summarise long PDFs cheaply", limit=10)
    assert "min_context = 200,000 (a long input)" in effects(result)
    assert result.recommendations and all(p.context >= 200_000 for p in result.recommendations)


def test_an_explicit_optimize_is_not_overridden_by_cheap(registry):
    request = RecommendRequest(task="summarise long PDFs cheaply", optimize="capability", limit=10)
    result = ask(registry, keys_for("openai", "anthropic"), **vars(request))
    assert "optimize capability was given" in effects(result) and "optimize = cost" not in effects(result)
    assert result.quality_floor is None
    assert_documented_order(registry, result, request)


def test_a_named_family_comes_first(registry):
    result = ask(registry, keys_for("openai", "anthropic"), task="use claude for chat")
    named = ["claude" in p.model for p in result.recommendations]
    assert named[0] and named == sorted(named, reverse=True)
    assert "its id names claude, as the task does" in result.recommendations[0].reasons


# --- 10. Errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"capabilities": ("telepathy",)}, "unknown capability 'telepathy'; allowed: tool_call, reasoning"),
        ({"input_modalities": ("smell",)}, "unknown modality 'smell'; allowed: text, image"),
        ({"output_modalities": ("hologram",)}, "unknown modality 'hologram'"),
        ({"optimize": "speed"}, "unknown optimize mode 'speed'; allowed: balanced, cost, capability"),
        ({"kind": "toaster"}, "unknown kind 'toaster'; allowed: chat, embedding"),
        ({"min_context": -1}, "min_context must be a number >= 0, got -1"),
        ({"min_output": -10}, "min_output must be a number >= 0, got -10"),
        ({"expected_input_tokens": -5}, "expected_input_tokens must be a number >= 0"),
        ({"limit": 0}, "limit must be between 1 and 50, got 0"),
        ({"limit": 51}, "limit must be between 1 and 50, got 51"),
        ({"max_input_cost": math.nan}, "max_input_cost must be a number >= 0, got nan"),
        ({"max_output_cost": math.inf}, "max_output_cost must be a number >= 0, got inf"),
        ({"max_output_cost": -0.5}, "max_output_cost must be a number >= 0, got -0.5"),
    ],
)
def test_a_bad_request_is_a_value_error_that_says_what_is_wrong(registry, fields, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ask(registry, keys_for("openai"), **fields)


def test_an_unknown_provider_is_a_lookup_error_naming_close_matches(registry):
    with pytest.raises(LookupError, match=re.escape("Unknown provider 'opnai'. Did you mean: openai")):
        ask(registry, keys_for("openai"), providers=("openai", "opnai"))
    with pytest.raises(LookupError, match="anthropic"):
        ask(registry, {}, providers=("antropic",), available_only=False)


# --- 11. Properties over random requests -----------------------------------------------------------

PROPERTY_SETTINGS = hypothesis_settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
TASKS = (  # no family names: those reorder on purpose and are tested on their own
    None,
    "refactor code with tools",
    "cheap json extraction",
    "summarise long documents",
    "best reasoning model",
    "transcribe audio quickly",
    "describe screenshots",
    "generate images",
    "embeddings for semantic search",
    "a small sub-agent",
    "write short stories",
    "summarise pdfs for the largest context",
)
prices = st.one_of(
    st.none(), st.sampled_from([0.0, 0.1, 0.15, 0.5, 1.25, 3.0, 15.0]), st.floats(0, 30, allow_nan=False)
)
requests = st.builds(
    RecommendRequest,
    task=st.sampled_from(TASKS),
    kind=st.one_of(st.none(), st.none(), st.sampled_from(KINDS)),
    capabilities=st.lists(st.sampled_from(CAPABILITIES), max_size=2, unique=True).map(tuple),
    input_modalities=st.lists(st.sampled_from(MODALITIES), max_size=2, unique=True).map(tuple),
    output_modalities=st.lists(st.sampled_from(MODALITIES), max_size=1, unique=True).map(tuple),
    min_context=st.one_of(st.just(0), st.integers(0, 2_000_000)),
    min_output=st.one_of(st.just(0), st.integers(0, 150_000)),
    max_input_cost=prices,
    max_output_cost=prices,
    expected_input_tokens=st.one_of(st.none(), st.integers(0, 1_200_000)),
    expected_output_tokens=st.one_of(st.none(), st.integers(0, 100_000)),
    optimize=st.sampled_from(OPTIMIZE_MODES),
    providers=st.one_of(
        st.none(),
        st.lists(
            st.sampled_from(["openai", "anthropic", "groq", "openrouter", "mistral", "google", "amazon-bedrock"]),
            min_size=1,
            max_size=3,
            unique=True,
        ).map(tuple),
    ),
    available_only=st.sampled_from([False, False, True]),  # with random keys, True often leaves nothing
    include_preview=st.booleans(),
    limit=st.integers(1, 50),
)
# Requests that ask for more of one count than many models have, so a count relaxation is often suggested.
oversized = st.builds(
    lambda r, field, value: replace(
        r,
        task=None,
        available_only=False,
        **{"min_context": 0, "min_output": 0, "expected_input_tokens": None, field: value},
    ),
    requests,
    st.sampled_from(["min_context", "min_output", "expected_input_tokens"]),
    st.integers(100_000, 120_000_000),
)
# Requests most of which have an answer, so the order has picks to check.
answerable = st.builds(
    RecommendRequest,
    task=st.sampled_from(TASKS),
    capabilities=st.lists(st.sampled_from(["tool_call", "reasoning", "structured_output"]), max_size=1).map(tuple),
    input_modalities=st.lists(st.sampled_from(["text", "image"]), max_size=1).map(tuple),
    min_context=st.sampled_from([0, 0, 100_000, 400_000]),
    max_input_cost=st.one_of(st.none(), st.none(), st.sampled_from([0.5, 3.0])),
    expected_input_tokens=st.one_of(st.none(), st.none(), st.integers(0, 500_000)),
    expected_output_tokens=st.one_of(st.none(), st.integers(0, 20_000)),
    optimize=st.sampled_from(OPTIMIZE_MODES),
    providers=st.one_of(
        st.none(),
        st.lists(
            st.sampled_from(["openai", "anthropic", "google", "openrouter", "groq", "mistral", "deepseek", "xai",
                             "amazon-bedrock", "azure", "togetherai", "fireworks-ai", "venice"]),
            min_size=2,
            max_size=5,
            unique=True,
        ).map(tuple),
    ),
    available_only=st.just(False),
    include_preview=st.booleans(),
    limit=st.integers(2, 50),
)
environments = st.sets(st.sampled_from(sorted(PROVIDER_KEYS))).map(lambda names: dict.fromkeys(names, "key"))


def same_model(pick: Recommendation, ref: str) -> bool:
    """`ref` is the pick's model: the same canonical id, or a '-latest' alias resolved to it."""
    provider_id, model_id = split_model_ref(ref)
    alias = parse_offering(provider_id, model_id).alias
    return alias or canonical_id(provider_id, model_id) == pick.canonical


@PROPERTY_SETTINGS
@given(request=st.one_of(requests, answerable), env=environments)
def test_every_pick_meets_every_hard_constraint(registry, request, env):
    result = ask(registry, env, **vars(request))
    plan = plan_for(request)  # the task's words add requirements: they are hard constraints too
    picks = result.recommendations
    assert len(picks) <= request.limit
    assert [p.rank for p in picks] == list(range(1, len(picks) + 1))
    assert result.considered == registry.catalog.model_count
    assert result.kind == plan.kind and result.applied_hints == list(plan.hints)

    for pick in picks:
        assert pick.kind == plan.kind
        for ref in (pick.model, *pick.also_available_via):
            provider_id = split_model_ref(ref)[0]
            assert unmet(registry, ref, request, plan) == [], ref
            if request.available_only:
                assert callable_with(registry, provider_id, env), ref
            assert same_model(pick, ref), (pick.model, ref)
        assert pick.available == callable_with(registry, pick.provider, env)
        # Whether a callable offering is shown first is tested on its own: a cache keeps the offering an
        # earlier environment chose (see test_a_key_set_after_an_answer_changes_the_offering_shown).

    refs = [ref for p in picks for ref in (p.model, *p.also_available_via)]
    assert len(refs) == len(set(refs))
    assert len({p.canonical for p in picks}) == len(picks)  # one pick per model
    assert len({canonical_id(*split_model_ref(p.model)) for p in picks}) == len(picks)

    if picks:
        assert result.blocking_constraint is None and sum(result.excluded.values()) < result.considered
    else:
        assert result.blocking_constraint in result.excluded and result.message
        assert sum(result.excluded.values()) == result.considered


@hypothesis_settings(PROPERTY_SETTINGS, max_examples=200)
@given(request=st.one_of(requests, answerable, answerable), env=environments)
def test_picks_are_in_the_documented_order(registry, request, env):
    result = ask(registry, env, **vars(request))
    assert_documented_order(registry, result, request)
    assert_nothing_superseded(registry, result, request)
    assert (result.quality_floor is not None) == (
        bool(result.recommendations) and plan_for(request).optimize in ("cost", "context")
        and plan_for(request).kind in ("chat", "image-generation")
    )
    for pick in result.recommendations:
        if pick.status:  # a preview is handicapped, and says so
            assert any(r.startswith("a preview (not a stable release)") for r in pick.reasons), pick.model


@PROPERTY_SETTINGS
@given(request=st.one_of(requests, answerable), env=environments)
def test_fewer_picks_than_the_limit_are_accounted_for_in_excluded(registry, request, env):
    result = ask(registry, env, **vars(request))
    filtered = sum(n for label, n in result.excluded.items() if not label.startswith(ORDER_CUTS))
    cut = sum(n for label, n in result.excluded.items() if label.startswith(ORDER_CUTS))
    survivors = result.considered - filtered  # offerings that passed every hard filter
    shown = sum(1 + len(p.also_available_via) for p in result.recommendations)
    assert shown <= survivors
    if len(result.recommendations) < request.limit:
        assert (shown < survivors) == (cut > 0), (shown, survivors, result.excluded)


@PROPERTY_SETTINGS
@given(request=requests, env=environments)
def test_the_same_request_gives_the_same_answer(registry, request, env):
    first = ask(registry, env, **vars(request)).model_dump(exclude={"catalog_age_seconds"})  # the clock moves
    second = ask(registry, dict(env), **vars(request)).model_dump(exclude={"catalog_age_seconds"})
    assert first == second


@PROPERTY_SETTINGS
@given(request=oversized, env=environments)
def test_a_suggested_count_relaxation_gives_an_answer(registry, request, env):
    result = ask(registry, env, **vars(request))
    if result.recommendations or not result.relaxation:
        return
    found = re.match(r"(min_context|min_output|expected_input_tokens) <= ([\d,]+)", result.relaxation)
    if found:
        relaxed = replace(request, **{found.group(1): int(found.group(2).replace(",", ""))})
        assert ask(registry, env, **vars(relaxed)).recommendations, result.relaxation


# --- 12. Properties over invalid requests -----------------------------------------------------------

VALID_FIELDS = {"capabilities": ("tool_call",), "input_modalities": ("text",), "optimize": "cost"}
invalid_fields = st.one_of(
    st.text(max_size=20).filter(lambda s: s not in CAPABILITIES).map(lambda s: {"capabilities": ("tool_call", s)}),
    st.text(max_size=20).filter(lambda s: s not in MODALITIES).map(lambda s: {"input_modalities": (s,)}),
    st.text(max_size=20).filter(lambda s: s not in MODALITIES).map(lambda s: {"output_modalities": (s,)}),
    st.text(max_size=20).filter(lambda s: s not in OPTIMIZE_MODES).map(lambda s: {"optimize": s}),
    st.text(max_size=20).filter(lambda s: s not in KINDS).map(lambda s: {"kind": s}),
    st.tuples(
        st.sampled_from(["min_context", "min_output", "expected_input_tokens", "expected_output_tokens"]),
        st.integers(max_value=-1),
    ).map(lambda pair: {pair[0]: pair[1]}),
    st.tuples(
        st.sampled_from(["max_input_cost", "max_output_cost"]),
        st.one_of(st.floats(max_value=-1e-9), st.just(math.nan), st.just(math.inf), st.just(-math.inf)),
    ).map(lambda pair: {pair[0]: pair[1]}),
    st.one_of(st.integers(max_value=0), st.integers(min_value=51)).map(lambda n: {"limit": n}),
)


@PROPERTY_SETTINGS
@given(fields=invalid_fields, env=environments)
def test_invalid_requests_are_value_errors_and_nothing_else(registry, fields, env):
    with pytest.raises(ValueError) as error:
        ask(registry, env, **{**VALID_FIELDS, **fields})
    (name,) = fields
    says = {
        "capabilities": "unknown capability",
        "input_modalities": "unknown modality",
        "output_modalities": "unknown modality",
        "optimize": "unknown optimize mode",
        "kind": "unknown kind",
    }.get(name, f"{name} must be")
    assert says in str(error.value)


# --- Hostile and odd catalog data (from a review of the first version) -----------------------------


def one_provider_registry(tmp_path, models: dict[str, dict[str, Any]], provider: str = "p") -> Registry:
    """A registry on a one-provider catalog file whose key is always set."""
    base = {"attachment": False, "reasoning": False, "tool_call": True, "release_date": "2026-01-01",
            "last_updated": "2026-01-01", "open_weights": False, "limit": {"context": 128_000, "output": 8_000},
            "modalities": {"input": ["text"], "output": ["text"]}}
    entries = {mid: {"id": mid, "name": mid, **base, **fields} for mid, fields in models.items()}
    path = tmp_path / "api.json"
    path.write_text(json.dumps({provider: {"id": provider, "name": provider, "env": ["P_KEY"], "models": entries}}))
    settings = Settings(offline=True, catalog_file=path, cache_dir=tmp_path / "cache", state_dir=tmp_path / "state")
    return Registry(settings, env={"P_KEY": "k"})


def test_an_absurd_price_is_unknown_not_a_crash(tmp_path):
    registry = one_provider_registry(tmp_path, {
        "gpt-4o-mini": {"cost": {"input": 1e308, "output": 1e308}},
        "gpt-4.1-mini": {"cost": {"input": 0.4, "output": 1.6}},
    })
    for optimize in OPTIMIZE_MODES:
        picks = registry.recommend(RecommendRequest(optimize=optimize)).recommendations
        assert picks and all(p.input_cost is None or p.input_cost < 1e6 for p in picks)


def test_numbers_and_flags_written_as_strings_count_as_the_catalog_validation_reads_them(tmp_path):
    registry = one_provider_registry(tmp_path, {"m": {"tool_call": "true", "limit": {"context": "128000", "output": "8000"},
                                             "cost": {"input": "0.5", "output": "1.5"}}})
    (pick,) = registry.recommend(RecommendRequest(capabilities=("tool_call",), min_context=100_000)).recommendations
    assert (pick.context, pick.input_cost, "tool_call" in pick.capabilities) == (128_000, 0.5, True)


def test_a_model_without_modalities_is_a_chat_model(tmp_path):
    registry = one_provider_registry(tmp_path, {"m": {"modalities": {}}})
    assert [p.model for p in registry.recommend(RecommendRequest()).recommendations] == ["p/m"]


def test_ids_without_latin_letters_stay_apart(tmp_path):
    registry = one_provider_registry(tmp_path, {"通义千问": {}, "+": {}, "５": {}})
    picks = registry.recommend(RecommendRequest(available_only=False, limit=10)).recommendations
    assert len(picks) == 3 and all(p.also_available_via == [] for p in picks)


def test_a_successor_left_out_as_too_dear_supersedes_nothing(tmp_path):
    registry = one_provider_registry(tmp_path, {
        "gpt-4o-mini": {"cost": {"input": 1.0, "output": 1.0}},
        "claude-sonnet-4": {"cost": {"input": 3.5, "output": 3.5}},
        "claude-sonnet-4-5": {"cost": {"input": 5.0, "output": 5.0}},  # newer, but over 4x the cheapest
    })
    result = registry.recommend(RecommendRequest(task="cheap chat"))
    assert "p/claude-sonnet-4-5" not in [p.model for p in result.recommendations]
    assert "p/claude-sonnet-4" in [p.model for p in result.recommendations]  # its successor is gone: it stays
