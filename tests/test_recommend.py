"""recommend_model's ranking on the bundled snapshot (5,276 models), with the environment set explicitly.

Covers the issue's acceptance scenarios (credentials, long inputs and tier prices, no key,
deprecated and preview models, aliases and resellers collapsing to one pick, price caps,
relaxation, task hints, request errors) and Hypothesis properties: every pick meets every
hard constraint, checked against the raw catalog entry of the picked model; ranks are 1..n;
one pick per model; the same request gives the same answer; bad input is a ValueError.

"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from models_registry.labs import base_id
from models_registry.recommend import (
    CAPABILITIES,
    MODALITIES,
    OPTIMIZE_MODES,
    QUALITY_MARGIN,
    Recommendation,
    RecommendRequest,
    RecommendResult,
    apply_hints,
)
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


def listed(raw: Mapping[str, Any]) -> bool:
    """What every request considers: neither deprecated nor preview."""
    return raw.get("status") not in ("deprecated", *PREVIEW)


def callable_with(registry: Registry, provider_id: str, env: Mapping[str, str]) -> bool:
    """For the single-key providers these tests use: every variable its catalog entry lists is set."""
    names = registry.catalog.head(provider_id).get("env") or []
    return bool(names) and all(env.get(name) for name in names)


def known_price(raw: Mapping[str, Any], kind: str) -> float | None:
    value = (raw.get("cost") or {}).get(kind)
    return float(value) if isinstance(value, int | float) else None


def unmet(raw: Mapping[str, Any], provider_id: str, req: RecommendRequest) -> list[str]:
    """The hard constraints of `req` that the raw catalog entry does not meet (availability aside)."""
    modalities = raw.get("modalities") or {}
    limit = raw.get("limit") or {}
    problems = [f"lacks {cap}" for cap in req.capabilities if raw.get(cap) is not True]
    problems += [f"no {m} input" for m in req.input_modalities if m not in (modalities.get("input") or [])]
    problems += [f"no {m} output" for m in req.output_modalities if m not in (modalities.get("output") or [])]
    if (limit.get("context") or 0) < req.min_context:
        problems.append(f"context {limit.get('context')} < {req.min_context}")
    if (limit.get("output") or 0) < req.min_output:
        problems.append(f"output {limit.get('output')} < {req.min_output}")
    if (
        req.expected_input_tokens
        and (limit.get("input") or limit.get("context") or 0) < req.expected_input_tokens
    ):
        problems.append(f"input limit {limit} < {req.expected_input_tokens}")
    for kind, cap in (("input", req.max_input_cost), ("output", req.max_output_cost)):
        price = known_price(raw, kind)
        if cap is not None and (price is None or price > cap):
            problems.append(f"{kind} price {price} over {cap}")
    if raw.get("status") == "deprecated":
        problems.append("deprecated")
    if raw.get("status") in PREVIEW and not req.include_preview:
        problems.append(f"preview ({raw.get('status')})")
    if req.providers and provider_id not in req.providers:
        problems.append("not in providers")
    return problems


def blended(pick: Recommendation) -> float:
    """USD per 1M tokens at 3 input : 1 output, from the pick's own fields; unknown sorts last."""
    if pick.input_cost is None or pick.output_cost is None:
        return math.inf
    return round((3 * pick.input_cost + pick.output_cost) / 4, 6)


def price_used(pick: Recommendation, expected: bool) -> float:
    if expected:
        return math.inf if pick.estimated_cost_usd is None else pick.estimated_cost_usd
    return blended(pick)


def prices_for_input(cost: Mapping[str, Any], input_tokens: int) -> tuple[float, float]:
    """(input, output) USD per 1M tokens for a call of `input_tokens`: the highest tier crossed, else over-200k."""
    crossed = [tier for tier in cost.get("tiers") or [] if input_tokens > tier["tier"]["size"]]
    if crossed:
        tier = max(crossed, key=lambda t: t["tier"]["size"])
        return tier["input"], tier["output"]
    if input_tokens > 200_000 and cost.get("context_over_200k"):
        return cost["context_over_200k"]["input"], cost["context_over_200k"]["output"]
    return cost["input"], cost["output"]


def base_of(ref: str) -> str:
    return base_id(split_model_ref(ref)[1])


def pick_of(result: RecommendResult, ref: str) -> Recommendation:
    return next(p for p in result.recommendations if p.model == ref)


def suggested_number(relaxation: str, name: str) -> float:
    """The value a relaxation such as 'min_context <= 10,000,000 (the largest left)' suggests for `name`."""
    found = re.search(rf"\b{name} [<>]= ([\d,.e+-]+)", relaxation)
    assert found, f"no value for {name} in {relaxation!r}"
    return float(found.group(1).replace(",", ""))


def assert_ranked_by(picks: list[Recommendation], optimize: str, expected: bool) -> None:
    """The documented order, recomputed from the returned fields; ties break on the model ref."""

    def key(p: Recommendation) -> tuple:
        price = price_used(p, expected)
        match optimize:
            case "cost":
                return (price, -p.score, p.model)
            case "capability":
                return (-p.score, price, p.model)
            case "context":
                return (-p.context, price, p.model)
        within = any(reason.startswith(f"within {QUALITY_MARGIN} of the best") for reason in p.reasons)
        return (not within, price, -p.score, p.model)

    keys = [key(p) for p in picks]
    assert keys == sorted(keys), [p.model for p in picks]
    if optimize == "balanced" and any(k[0] for k in keys):
        # A pick below the margin is shown, so every pick within it is too, the best among them.
        best = max(p.score for p in picks)
        assert [k[0] for k in keys] == [p.score < best - QUALITY_MARGIN for p in picks]


# --- 1. Credentials decide the provider; balanced order -----------------------------------------


def test_openai_key_with_image_and_tools_gives_openai_picks_cheapest_first_within_the_quality_margin(
    registry,
):
    env = keys_for("openai")
    request = {"input_modalities": ("image",), "capabilities": ("tool_call",)}
    everything = ask(registry, env, **request, limit=50)
    picks = everything.recommendations
    assert 5 < len(picks) < 50  # every fitting model is shown, so the best quality proxy is among them

    for pick in picks:
        assert pick.model.startswith("openai/") and pick.available
        raw = raw_model(registry, pick.model)
        assert raw["tool_call"] is True and "image" in raw["modalities"]["input"]

    best = max(p.score for p in picks)
    within = [p.score >= best - QUALITY_MARGIN for p in picks]
    assert within[0] and not all(within)  # both groups occur, so the order is a real test
    assert within == sorted(within, reverse=True)  # within the margin first
    for group in (True, False):
        prices = [blended(p) for p, w in zip(picks, within, strict=True) if w is group]
        assert prices == sorted(prices)  # cheaper first inside each group
    assert_ranked_by(picks, "balanced", expected=False)

    top5 = ask(registry, env, **request)
    assert [p.model for p in top5.recommendations] == [p.model for p in picks[:5]]


# --- 2. A long input: only models that hold it, priced at the long-context tier -------------------


def test_a_300k_token_input_gets_models_that_hold_it_priced_at_the_long_context_tier(registry):
    tokens_in, tokens_out = 300_000, 1_000
    tiered = [
        ref
        for ref, raw in raw_models(registry)
        if ref.startswith("openai/")
        and listed(raw)
        and ((raw.get("cost") or {}).get("tiers") or (raw.get("cost") or {}).get("context_over_200k"))
        and ((raw.get("limit") or {}).get("input") or raw["limit"]["context"]) >= tokens_in
    ]
    assert tiered, "the snapshot has OpenAI models priced differently above 200k"

    result = ask(
        registry,
        {},
        providers=("openai",),
        expected_input_tokens=tokens_in,
        expected_output_tokens=tokens_out,
        available_only=False,
        limit=50,
    )
    picks = result.recommendations
    assert picks and len(picks) < 50
    assert result.excluded["300,000 input tokens do not fit"] > 0
    shown = {p.model for p in picks} | {ref for p in picks for ref in p.also_available_via}
    assert set(tiered) <= shown

    long_priced = 0
    for pick in picks:
        raw = raw_model(registry, pick.model)
        assert raw["limit"]["context"] >= tokens_in and raw["limit"].get("input", tokens_in) >= tokens_in
        price_in, price_out = prices_for_input(raw["cost"], tokens_in)
        assert pick.estimated_cost_usd == pytest.approx((tokens_in * price_in + tokens_out * price_out) / 1e6)
        if price_in != raw["cost"]["input"]:
            long_priced += 1
            base_price = (tokens_in * raw["cost"]["input"] + tokens_out * raw["cost"]["output"]) / 1e6
            assert pick.estimated_cost_usd > base_price
            assert f"estimated ${pick.estimated_cost_usd:g} for the expected tokens" in pick.reasons
    assert long_priced >= 1


# --- 3. No key ------------------------------------------------------------------------------------


def test_without_any_key_available_only_finds_nothing_and_says_how_to_set_a_key(tmp_path):
    registry = Registry(
        Settings(offline=True, cache_dir=tmp_path / "cache", state_dir=tmp_path / "state"), env={}
    )
    result = registry.recommend(RecommendRequest(capabilities=("tool_call",)))
    assert result.recommendations == []
    assert result.blocking_constraint == "no credentials set"
    assert "env block" in result.message and "OPENAI_API_KEY" in result.message
    assert "available_only=false" in result.message and "available_only=false" in result.relaxation
    assert result.excluded["no credentials set"] == result.considered == registry.catalog.model_count


def test_without_any_key_available_only_false_marks_every_pick_not_callable(registry):
    result = ask(registry, {}, capabilities=("tool_call",), available_only=False, limit=20)
    assert len(result.recommendations) == 20 and result.blocking_constraint is None
    for pick in result.recommendations:
        assert pick.available is False
        assert f"not callable now: {pick.provider} has no credentials set" in pick.reasons


# --- 4. Deprecated never; preview only on request -----------------------------------------------


def statuses(registry: Registry, result: RecommendResult) -> set[str | None]:
    """The raw statuses of every pick and of every provider listed beside one."""
    refs = [ref for p in result.recommendations for ref in (p.model, *p.also_available_via)]
    assert refs
    return {raw_model(registry, ref).get("status") for ref in refs}


def count_by_provider(registry: Registry, statuses: tuple[str, ...]) -> Counter[str]:
    return Counter(
        ref.partition("/")[0] for ref, raw in raw_models(registry) if raw.get("status") in statuses
    )


@pytest.mark.parametrize("optimize", OPTIMIZE_MODES)
def test_deprecated_models_are_never_recommended(registry, optimize):
    deprecated = count_by_provider(registry, ("deprecated",))
    most = deprecated.most_common(1)[0][0]  # the provider where it matters most
    for providers in ((most,), None):
        result = ask(
            registry,
            {},
            providers=providers,
            available_only=False,
            include_preview=True,
            optimize=optimize,
            limit=50,
        )
        assert result.excluded["deprecated"] == (deprecated[most] if providers else deprecated.total())
        assert "deprecated" not in statuses(registry, result)


def test_preview_models_only_with_include_preview(registry):
    previews = count_by_provider(registry, PREVIEW)
    provider = previews.most_common(1)[0][0]
    for optimize in OPTIMIZE_MODES:
        without = ask(registry, {}, providers=(provider,), available_only=False, optimize=optimize, limit=50)
        assert not statuses(registry, without) & set(PREVIEW)
        assert without.excluded["preview (alpha/beta)"] == previews[provider]
        with_preview = ask(
            registry,
            {},
            providers=(provider,),
            available_only=False,
            include_preview=True,
            optimize=optimize,
            limit=50,
        )
        assert statuses(registry, with_preview) & set(PREVIEW)
        assert "preview (alpha/beta)" not in with_preview.excluded


# --- 5 and 6. One pick per model --------------------------------------------------------------------


def test_an_alias_and_its_dated_snapshot_are_one_pick(registry):
    alias, dated = "anthropic/claude-sonnet-4-5", "anthropic/claude-sonnet-4-5-20250929"
    assert raw_model(registry, alias)["name"] and raw_model(registry, dated)["name"]  # both in the snapshot
    result = ask(registry, keys_for("anthropic"), limit=50)
    picked = [p.model for p in result.recommendations]
    assert len(picked) < 50 and len({alias, dated} & set(picked)) == 1
    chosen = alias if alias in picked else dated
    other = dated if chosen == alias else alias
    assert other in pick_of(result, chosen).also_available_via
    assert chosen == alias  # same date, same availability: the shorter id wins


def test_the_claude_sonnet_4_0_alias_and_its_dated_snapshot_are_one_pick(registry):
    alias, dated = "anthropic/claude-sonnet-4-0", "anthropic/claude-sonnet-4-20250514"
    a, d = raw_model(registry, alias), raw_model(registry, dated)
    assert (a["release_date"], a["cost"], a["limit"]) == (d["release_date"], d["cost"], d["limit"])
    picked = {p.model for p in ask(registry, keys_for("anthropic"), limit=50).recommendations}
    assert len({alias, dated} & picked) == 1


def test_a_model_served_by_many_providers_appears_once_with_the_others_listed(registry):
    servers: dict[str, list[str]] = {}
    sizes: dict[str, int] = {}
    for provider_id, entry in registry.catalog.raw.items():
        models = entry.get("models") or {}
        refs = [
            f"{provider_id}/{m}" for m, raw in models.items() if base_id(m) == "gpt-oss-120b" and listed(raw)
        ]
        if refs:
            servers[provider_id], sizes[provider_id] = refs, len(models)
    assert len(servers) > 20 and "groq" in servers
    # The smallest providers serving it, so every model they have fits in one answer.
    chosen = ["groq", *sorted((p for p in servers if p != "groq"), key=lambda p: (sizes[p], p))[:8]]
    expected = {ref for provider in chosen for ref in servers[provider]}

    for env in ({}, keys_for("groq")):
        result = ask(registry, env, providers=tuple(chosen), available_only=False, limit=50)
        assert len(result.recommendations) < 50
        picks = [p for p in result.recommendations if base_of(p.model) == "gpt-oss-120b"]
        assert len(picks) == 1
        assert {picks[0].model, *picks[0].also_available_via} == expected
        assert len(picks[0].also_available_via) == len(expected) - 1
        if env:  # the provider the user can call is the one shown
            assert picks[0].model == "groq/openai/gpt-oss-120b" and picks[0].available


# --- 7. Price caps --------------------------------------------------------------------------------


def test_an_input_price_cap_excludes_models_with_unknown_prices(registry):
    cap = 0.5
    result = ask(registry, {}, max_input_cost=cap, available_only=False, optimize="capability", limit=50)
    assert len(result.recommendations) == 50
    for pick in result.recommendations:
        assert pick.input_cost is not None and pick.input_cost <= cap
        assert known_price(raw_model(registry, pick.model), "input") == pick.input_cost

    # The price step comes after the deprecated and preview steps: it sees the listed models.
    prices = [known_price(raw, "input") for _, raw in raw_models(registry) if listed(raw)]
    assert None in prices, "the snapshot has listed models without an input price"
    assert result.excluded["input price over 0.5 or unknown"] == sum(p is None or p > cap for p in prices)


def test_an_output_price_cap_keeps_only_known_prices_at_or_under_it(registry):
    result = ask(registry, keys_for("openai", "anthropic"), max_output_cost=4.0, optimize="cost", limit=50)
    assert result.recommendations and "output price over 4 or unknown" in result.excluded
    assert all(p.output_cost is not None and p.output_cost <= 4.0 for p in result.recommendations)
    assert_ranked_by(result.recommendations, "cost", expected=False)


# --- 8. Relaxation ------------------------------------------------------------------------------


def test_an_impossible_min_context_names_the_step_and_suggests_a_value_that_answers(registry):
    largest = max(raw["limit"]["context"] for _, raw in raw_models(registry) if listed(raw))
    assert largest > 50_000_000  # the snapshot lists a 99,999,999-token context, so 50M is not impossible
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
    request = {
        "providers": ("helicone",),
        "input_modalities": ("video",),
        "min_output": 81_920,
        "available_only": False,
    }
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


# --- 9. Task hints -------------------------------------------------------------------------------


def effects(result: RecommendResult) -> list[str]:
    return [hint.effect for hint in result.applied_hints]


def test_summarise_pdfs_cheaply_asks_for_pdf_input_and_optimizes_cost(registry):
    result = ask(registry, keys_for("openai", "anthropic"), task="summarise long PDFs cheaply", limit=10)
    assert "input_modalities += pdf" in effects(result) and "optimize = cost" in effects(result)
    assert result.recommendations
    for pick in result.recommendations:
        assert "pdf" in raw_model(registry, pick.model)["modalities"]["input"]
    assert_ranked_by(result.recommendations, "cost", expected=False)


def test_summarise_long_pdfs_asks_for_a_long_context(registry):
    result = ask(registry, keys_for("openai", "anthropic"), task="summarise long PDFs cheaply", limit=10)
    assert "min_context = 200,000" in effects(result)
    assert all(p.context >= 200_000 for p in result.recommendations)


def test_an_explicit_optimize_is_not_overridden_by_cheap(registry):
    result = ask(
        registry,
        keys_for("openai", "anthropic"),
        task="summarise long PDFs cheaply",
        optimize="capability",
        limit=10,
    )
    assert "optimize capability was given" in effects(result) and "optimize = cost" not in effects(result)
    assert_ranked_by(result.recommendations, "capability", expected=False)


def test_generate_images_asks_for_image_output_not_image_input(registry):
    result = ask(registry, {}, task="generate images for a blog post", available_only=False, limit=10)
    assert effects(result) == ["output_modalities += image"]
    hinted, _ = apply_hints(RecommendRequest(task="generate images for a blog post"))
    assert (hinted.output_modalities, hinted.input_modalities) == (("image",), ())
    assert result.recommendations
    assert all(
        "image" in raw_model(registry, p.model)["modalities"]["output"] for p in result.recommendations
    )


def test_image_generation_asks_for_image_output_not_image_input(registry):
    hinted, _ = apply_hints(RecommendRequest(task="image generation for product mockups"))
    assert (hinted.output_modalities, hinted.input_modalities) == (("image",), ())


# --- 10. Errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"capabilities": ("telepathy",)}, "unknown capability 'telepathy'; allowed: tool_call, reasoning"),
        ({"input_modalities": ("smell",)}, "unknown modality 'smell'; allowed: text, image"),
        ({"output_modalities": ("hologram",)}, "unknown modality 'hologram'"),
        (
            {"optimize": "speed"},
            "unknown optimize mode 'speed'; allowed: balanced, cost, capability, context",
        ),
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
TASKS = (
    None,
    "refactor code with tools",
    "cheap json extraction",
    "summarise long documents",
    "best reasoning model",
    "transcribe audio quickly",
    "describe screenshots",
    "generate images",
)
prices = st.one_of(
    st.none(), st.sampled_from([0.0, 0.1, 0.15, 0.5, 1.25, 3.0, 15.0]), st.floats(0, 30, allow_nan=False)
)
requests = st.builds(
    RecommendRequest,
    task=st.sampled_from(TASKS),
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
            st.sampled_from(["openai", "anthropic", "groq", "openrouter", "mistral", "google"]),
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
environments = st.sets(st.sampled_from(sorted(PROVIDER_KEYS))).map(
    lambda names: {n: "test-key" for n in names}
)


@PROPERTY_SETTINGS
@given(request=requests, env=environments)
def test_every_pick_meets_every_hard_constraint(registry, request, env):
    result = ask(registry, env, **vars(request))
    picks = result.recommendations
    assert len(picks) <= request.limit
    assert [p.rank for p in picks] == list(range(1, len(picks) + 1))
    assert result.considered == registry.catalog.model_count

    effective, _ = apply_hints(request)  # the task's words only add requirements (and may set optimize)
    for pick in picks:
        for ref in (pick.model, *pick.also_available_via):
            provider_id = split_model_ref(ref)[0]
            assert unmet(raw_model(registry, ref), provider_id, effective) == [], ref
            if request.available_only:
                assert callable_with(registry, provider_id, env), ref
            assert base_of(ref) == base_of(pick.model)
        assert pick.available == callable_with(registry, pick.provider, env)
        if not pick.available:  # an available provider for the same model would have been shown instead
            assert not any(
                callable_with(registry, split_model_ref(r)[0], env) for r in pick.also_available_via
            )

    refs = [ref for p in picks for ref in (p.model, *p.also_available_via)]
    assert len(refs) == len(set(refs))
    assert len({base_of(p.model) for p in picks}) == len(picks)
    expected = request.expected_input_tokens is not None or request.expected_output_tokens is not None
    assert_ranked_by(picks, effective.optimize, expected)

    if picks:
        assert result.blocking_constraint is None and sum(result.excluded.values()) < result.considered
    else:
        assert result.blocking_constraint in result.excluded and result.message
        assert sum(result.excluded.values()) == result.considered


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
    st.text(max_size=20)
    .filter(lambda s: s not in CAPABILITIES)
    .map(lambda s: {"capabilities": ("tool_call", s)}),
    st.text(max_size=20).filter(lambda s: s not in MODALITIES).map(lambda s: {"input_modalities": (s,)}),
    st.text(max_size=20).filter(lambda s: s not in MODALITIES).map(lambda s: {"output_modalities": (s,)}),
    st.text(max_size=20).filter(lambda s: s not in OPTIMIZE_MODES).map(lambda s: {"optimize": s}),
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
    }.get(name, f"{name} must be")
    assert says in str(error.value)


def test_a_price_tier_without_a_price_keeps_the_price_below_it():
    from models_registry.recommend import estimate_cost

    cost = {"input": 1.0, "output": 2.0, "tiers": [{"tier": {"type": "context", "size": 200_000}, "input": None}]}
    assert estimate_cost(cost, 300_000, 1_000) == round((300_000 * 1.0 + 1_000 * 2.0) / 1e6, 6)
    over = {"input": 1.0, "output": 2.0, "context_over_200k": {"input": None, "output": 4.0}}
    assert estimate_cost(over, 300_000, 1_000) == round((300_000 * 1.0 + 1_000 * 4.0) / 1e6, 6)
