"""The models.dev schema and the one parse path: lenient, typed, and honest about what it skipped."""

import gzip
import json

import orjson
import pytest

from models_registry.catalog import Catalog, CatalogError, CatalogIndex, parse_catalog
from models_registry.sources import load_snapshot, snapshot_dir

from .conftest import DATA, MINI_CATALOG


def mini() -> dict:
    return json.loads(MINI_CATALOG.read_text())


def test_parse_catalog_types_every_documented_field():
    catalog = parse_catalog(MINI_CATALOG.read_bytes())
    gpt5 = catalog.provider("openai").models["gpt-5"]
    assert gpt5.tool_call and gpt5.reasoning and gpt5.attachment
    assert gpt5.limit.context == 400_000 and gpt5.limit.input == 272_000
    assert gpt5.cost.input == 1.25 and gpt5.cost.cache_read == 0.125
    assert gpt5.reasoning_options[0].type == "effort"
    assert "image" in gpt5.modalities.input
    assert catalog.skipped == []


def test_unknown_fields_are_kept_and_passed_through():
    raw = mini()
    raw["openai"]["new_provider_field"] = {"x": 1}
    raw["openai"]["models"]["gpt-5"]["speed_tier"] = "fast"
    catalog = parse_catalog(orjson.dumps(raw))
    assert catalog.provider("openai").models["gpt-5"].model_extra == {"speed_tier": "fast"}
    assert orjson.loads(catalog.to_json())["openai"]["new_provider_field"] == {"x": 1}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("limit", {"context": "lots"}),  # wrong type inside a required object
        ("limit", None),  # a required object missing its value
        ("tool_call", "maybe"),  # a flag that is not a boolean
    ],
)
def test_one_malformed_model_is_skipped_and_counted(field, value):
    raw = mini()
    raw["openai"]["models"]["gpt-5"][field] = value
    catalog = parse_catalog(orjson.dumps(raw))
    assert "gpt-5" not in catalog.raw["openai"]["models"]
    assert "gpt-5-mini" in catalog.raw["openai"]["models"]
    assert [s.ref for s in catalog.skipped] == ["openai/gpt-5"]
    assert field in catalog.skipped[0].reason


@pytest.mark.parametrize(
    "cost",
    [
        {"input": "cheap", "output": 1},  # a price that is not a number
        {"input": -5, "output": 1},  # negative: would rank as the cheapest model there is
        {"input": 1, "output": 2, "tiers": [{"input": -1, "output": 2, "tier": {"type": "context", "size": 1}}]},
    ],
)
def test_a_model_with_a_bad_price_is_kept_with_its_price_unknown_and_counted(cost):
    raw = mini()
    raw["openai"]["models"]["gpt-5"]["cost"] = cost
    catalog = parse_catalog(orjson.dumps(raw))
    assert "cost" not in catalog.raw["openai"]["models"]["gpt-5"]
    assert catalog.provider("openai").models["gpt-5"].cost is None
    assert [s.ref for s in catalog.skipped] == ["openai/gpt-5"]
    assert catalog.skipped[0].reason.startswith("cost.") and "price is left unknown" in catalog.skipped[0].reason


def test_a_malformed_provider_is_skipped_without_its_neighbours():
    raw = mini()
    raw["google"]["env"] = "GEMINI_API_KEY"  # a string where a list belongs
    catalog = parse_catalog(orjson.dumps(raw))
    assert "google" not in catalog and "openai" in catalog
    assert catalog.skipped[0].ref == "google"


def test_optional_fields_may_be_missing():
    raw = {"p": {"id": "p", "name": "P", "models": {"m": {"id": "m", "name": "M", "limit": {"context": 8, "output": 4}}}}}
    model = parse_catalog(raw).provider("p").models["m"]
    assert model.cost is None and model.status is None and model.tool_call is False


@pytest.mark.parametrize(
    "data",
    [
        b"",  # empty body
        b"<html>Maintenance</html>",  # an HTML error page
        b'{"openai": {"id": "openai"',  # truncated JSON
        b"[1, 2, 3]",  # JSON of the wrong shape
    ],
)
def test_input_that_is_no_catalog_raises_catalog_error(data):
    with pytest.raises(CatalogError):
        parse_catalog(data)


def test_tiered_and_legacy_long_context_prices_parse():
    catalog = load_snapshot().catalog
    tiered = catalog.provider("routing-run").models["route/mimo-v2.5-pro"].cost
    assert tiered.tiers[0].tier.size == 256_000 and tiered.tiers[0].input == 2
    assert tiered.context_over_200k.input == 2


def test_older_catalog_without_reasoning_options_loads():
    catalog = parse_catalog(gzip.decompress((DATA / "api-2026-05-21.json.gz").read_bytes()))
    assert catalog.model_count > 4000
    assert len(catalog.skipped) == 0
    assert all(m.reasoning_options is None for m in catalog.provider("openai").models.values())


def test_bundled_snapshot_matches_its_metadata():
    meta = json.loads((snapshot_dir() / "metadata.json").read_text())
    loaded = load_snapshot()
    assert (len(loaded.catalog), loaded.catalog.model_count) == (meta["providers"], meta["models"])
    assert loaded.source == "snapshot" and loaded.fetched_at.date().isoformat() == meta["date"]


def test_trusted_catalog_builds_typed_providers_only_when_asked():
    catalog = Catalog.trusted(MINI_CATALOG.read_bytes())
    assert catalog._typed == {}
    assert catalog.provider("anthropic").models["claude-haiku-4-5"].name
    assert list(catalog._typed) == ["anthropic"]


def test_the_index_locates_every_provider_in_the_unchanged_json():
    catalog = parse_catalog(MINI_CATALOG.read_bytes())
    data, index = catalog.to_json_with_index()
    assert data == orjson.dumps(catalog.raw)
    for provider_id, (start, end) in index.spans.items():
        assert orjson.loads(data[start:end]) == catalog.raw[provider_id]
        assert "models" not in index.heads[provider_id]
        assert index.model_counts[provider_id] == len(catalog.raw[provider_id]["models"])
    assert CatalogIndex.from_json(index.to_json()) == index


def test_an_indexed_catalog_parses_a_provider_only_when_its_models_are_asked_for():
    data, index = parse_catalog(MINI_CATALOG.read_bytes()).to_json_with_index()
    catalog = Catalog.trusted(data, index)
    assert (len(catalog), catalog.model_count, "openai" in catalog) == (10, 39, True)
    assert catalog.head("openai")["name"] == "OpenAI" and catalog.model_count_of("openai") > 0
    assert catalog._entries == {}  # answered from the index alone
    assert "gpt-5" in catalog.entry("openai")["models"]
    assert list(catalog._entries) == ["openai"]
    assert catalog.raw == orjson.loads(data) and list(catalog.raw) == list(orjson.loads(data))
    assert catalog.to_json() == data


def test_an_index_that_does_not_fit_its_data_costs_only_a_full_parse():
    data, index = parse_catalog(MINI_CATALOG.read_bytes()).to_json_with_index()
    shifted = index._replace(spans={pid: (start + 3, end + 3) for pid, (start, end) in index.spans.items()})
    catalog = Catalog.trusted(data, shifted)
    assert catalog.entry("anthropic") == orjson.loads(data)["anthropic"]
    assert catalog.raw == orjson.loads(data)


@pytest.mark.parametrize(
    "damage",
    [b"", b"garbage", b"[]", b'{"sha256": "x"}', b'{"sha256": "x", "heads": {"a": {}}, "model_counts": {}, "spans": {}}'],
)
def test_a_damaged_index_is_no_index(damage):
    assert CatalogIndex.from_json(damage) is None
