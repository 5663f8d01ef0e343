"""Refreshing from a real HTTP server on loopback: conditional GETs, the gate, and every fault keeping the last good catalog."""

import json

import orjson
import pytest

from models_registry.registry import RefreshOutcome, Registry
from models_registry.settings import Settings
from models_registry.sources import CatalogCache, FetchLimits

from .conftest import MINI_CATALOG

pytestmark = pytest.mark.anyio

FAST = FetchLimits(connect_timeout=1.0, total_timeout=1.5, max_bytes=1_000_000)


def registry_for(url: str, tmp_path, limits: FetchLimits = FAST) -> Registry:
    settings = Settings(url=url, cache_dir=tmp_path / "cache")
    return Registry(settings, env={}, limits=limits)


def shrunk(fraction: float) -> bytes:
    raw = json.loads(MINI_CATALOG.read_text())
    models = [(p, m) for p in raw for m in raw[p]["models"]]
    for provider_id, model_id in models[int(len(models) * fraction) :]:
        del raw[provider_id]["models"][model_id]
    return orjson.dumps(raw)


async def test_first_fetch_replaces_the_snapshot_and_writes_the_cache(upstream, tmp_path):
    registry = registry_for(upstream.url, tmp_path)
    assert registry.status().source == "snapshot"
    result = await registry.refresh()
    assert result.outcome == RefreshOutcome.UPDATED and result.changed
    status = registry.status()
    assert (status.source, status.models, status.etag, status.stale) == ("network", 39, '"v1"', False)
    assert CatalogCache(tmp_path / "cache").load().catalog.model_count == 39
    assert upstream.requests[0]["user-agent"].startswith("models-registry-mcp/")


async def test_second_start_uses_the_cache_and_sends_a_conditional_get(upstream, tmp_path):
    await registry_for(upstream.url, tmp_path).refresh()
    restarted = registry_for(upstream.url, tmp_path)
    assert restarted.status().source == "cache"
    fetched_at = restarted.status().fetched_at
    result = await restarted.refresh(force=True)
    assert result.outcome == RefreshOutcome.NOT_MODIFIED and not result.changed
    assert upstream.requests[-1]["if-none-match"] == '"v1"'
    assert restarted.status().fetched_at > fetched_at  # a 304 only bumps fetched_at
    assert registry_for(upstream.url, tmp_path).status().fetched_at > fetched_at


async def test_refresh_within_the_ttl_does_not_fetch(upstream, tmp_path):
    registry = registry_for(upstream.url, tmp_path)
    await registry.refresh()
    result = await registry.refresh()
    assert result.outcome == RefreshOutcome.FRESH
    assert len(upstream.requests) == 1


async def test_refresh_reports_added_removed_and_repriced_models(upstream, tmp_path):
    registry = registry_for(upstream.url, tmp_path)
    await registry.refresh()
    raw = json.loads(MINI_CATALOG.read_text())
    del raw["openai"]["models"]["gpt-4o"]
    raw["openai"]["models"]["gpt-9"] = {**raw["openai"]["models"]["gpt-5"], "id": "gpt-9"}
    raw["openai"]["models"]["gpt-5"]["cost"]["input"] = 0.5
    upstream.serve(orjson.dumps(raw), '"v2"')
    result = await registry.refresh(force=True)
    assert result.change.added == ["openai/gpt-9"]
    assert result.change.removed == ["openai/gpt-4o"]
    [price] = result.change.price_changes
    assert (price.model, price.input_before, price.input_after) == ("openai/gpt-5", 1.25, 0.5)


# Each fault must leave the last good catalog in hand and the cache untouched, and say why.
FAULTS = [
    ("http_500", "HTTP 500"),
    ("http_404", "HTTP 404"),
    ("http_429", "HTTP 429"),
    ("hang", "timed out"),
    ("trickle", "timed out"),
    ("truncated", "before the body was complete"),
    ("html", "not valid JSON"),
    ("wrong_shape", "expected a JSON object"),
    ("not_modified_always", "not conditional"),
    ("redirect_loop", "too many redirects"),
]


@pytest.mark.parametrize(("fault", "reason"), FAULTS)
async def test_fault_keeps_the_last_good_catalog_and_status_says_why(upstream, tmp_path, fault, reason):
    registry = registry_for(upstream.url, tmp_path)
    await registry.refresh()
    cache = CatalogCache(tmp_path / "cache")
    cache_before = cache.catalog_path.read_bytes()
    upstream.fault = fault
    # A 304 without a prior ETag needs a request that carried none: start from a fresh cache dir.
    if fault == "not_modified_always":
        registry = registry_for(upstream.url, tmp_path / "other")
    result = await registry.refresh(force=True)
    assert result.outcome in (RefreshOutcome.FAILED, RefreshOutcome.REJECTED)
    assert reason in result.error
    assert registry.status().last_refresh.error == result.error
    assert registry.catalog.model_count in (39, 5276)  # the fetched catalog, or the snapshot
    assert cache.catalog_path.read_bytes() == cache_before
    upstream.fault = None
    healed = await registry.refresh(force=True)
    assert healed.outcome in (RefreshOutcome.UPDATED, RefreshOutcome.NOT_MODIFIED)
    assert registry.status().last_refresh.error is None


async def test_429_records_retry_after_for_the_background_task(upstream, tmp_path):
    registry = registry_for(upstream.url, tmp_path)
    upstream.fault = "http_429"
    await registry.refresh(force=True)
    assert registry._next_attempt_in() >= 120


async def test_connection_refused_is_reported(refused_url, tmp_path):
    registry = registry_for(refused_url, tmp_path)
    result = await registry.refresh()
    assert result.error == "connection refused"
    assert registry.status().source == "snapshot"


async def test_body_over_the_cap_is_rejected(upstream, tmp_path):
    registry = registry_for(upstream.url, tmp_path, FetchLimits(total_timeout=5, max_bytes=10_000))
    result = await registry.refresh()
    assert "cap" in result.error and registry.status().source == "snapshot"


async def test_catalog_that_shrank_by_90_percent_is_rejected(upstream, tmp_path):
    registry = registry_for(upstream.url, tmp_path)
    await registry.refresh()
    upstream.serve(shrunk(0.1), '"v2"')
    result = await registry.refresh(force=True)
    assert result.outcome == RefreshOutcome.REJECTED and "shrank from 39" in result.error
    assert registry.catalog.model_count == 39


async def test_one_poisoned_model_is_skipped_and_the_rest_accepted(upstream, tmp_path):
    raw = json.loads(MINI_CATALOG.read_text())
    raw["openai"]["models"]["gpt-5"]["limit"] = {"context": "huge"}
    upstream.serve(orjson.dumps(raw), '"v2"')
    registry = registry_for(upstream.url, tmp_path)
    result = await registry.refresh()
    assert result.outcome == RefreshOutcome.UPDATED
    status = registry.status()
    assert (status.models, status.skipped_models) == (38, 1)
    with pytest.raises(LookupError):
        registry.get("openai/gpt-5")


async def test_offline_never_touches_the_network(upstream, tmp_path):
    registry = Registry(Settings(url=upstream.url, offline=True, cache_dir=tmp_path / "c"), env={})
    result = await registry.refresh(force=True)
    assert result.outcome == RefreshOutcome.SKIPPED and upstream.requests == []


async def test_a_catalog_file_is_served_and_never_refreshed(upstream, tmp_path):
    settings = Settings(url=upstream.url, catalog_file=MINI_CATALOG, cache_dir=tmp_path / "c")
    registry = Registry(settings, env={})
    assert (registry.status().source, registry.catalog.model_count) == ("file", 39)
    assert (await registry.refresh(force=True)).outcome == RefreshOutcome.SKIPPED
    assert upstream.requests == []


async def test_a_broken_catalog_file_falls_back_and_says_so(tmp_path):
    broken = tmp_path / "api.json"
    broken.write_text("{not json")
    registry = Registry(Settings(catalog_file=broken, cache_dir=tmp_path / "c"), env={})
    status = registry.status()
    assert status.source == "snapshot"
    assert "MODELS_REGISTRY_CATALOG" in status.problems[0] and "not valid JSON" in status.problems[0]


async def test_subscribers_hear_every_refresh(upstream, tmp_path):
    registry = registry_for(upstream.url, tmp_path)
    async with registry.subscribe() as events:
        await registry.refresh()
        upstream.fault = "http_500"
        await registry.refresh(force=True)
        first, second = events.receive_nowait(), events.receive_nowait()
    assert (first.outcome, first.changed) == (RefreshOutcome.UPDATED, True)
    assert second.outcome == RefreshOutcome.FAILED


async def test_open_refreshes_a_stale_catalog_in_the_background(upstream, tmp_path):
    import anyio

    settings = Settings(url=upstream.url, cache_dir=tmp_path / "cache")
    async with Registry.open(settings, env={}) as registry:
        assert registry.status().source == "snapshot"  # in hand at once, no network wait
        async with registry.subscribe() as events:
            with anyio.fail_after(10):
                result = await events.receive()
        assert result.outcome == RefreshOutcome.UPDATED
        assert registry.status().source == "network"


async def test_a_second_process_refresh_is_adopted_without_fetching(upstream, tmp_path):
    first = registry_for(upstream.url, tmp_path)
    second = registry_for(upstream.url, tmp_path)
    await first.refresh()
    result = await second.refresh()
    assert result.outcome == RefreshOutcome.FRESH
    assert second.status().source == "cache" and len(upstream.requests) == 1


async def test_the_refresh_loop_outlives_the_block_that_started_it(upstream, tmp_path):
    import anyio

    upstream.fault = "hang"  # the first block's loop is stuck in a fetch when that block ends
    registry = Registry(Settings(url=upstream.url, cache_dir=tmp_path / "cache"), env={})
    entered, done = anyio.Event(), anyio.Event()

    async def second_block() -> None:
        async with registry.running():
            entered.set()
            await done.wait()

    async with anyio.create_task_group() as tg:
        async with registry.running():
            tg.start_soon(second_block)
            await entered.wait()
            with anyio.fail_after(10):
                while not upstream.requests:
                    await anyio.sleep(0.01)
        upstream.fault = None
        async with registry.subscribe() as events:
            with anyio.fail_after(10):
                result = await events.receive()
        done.set()
    assert result.outcome == RefreshOutcome.UPDATED and len(upstream.requests) == 2
