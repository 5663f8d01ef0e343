"""The quality table and each model's scores (models_registry.recommend.quality, .quality_sources).

README "How recommend_model ranks", step 4, is the spec: one scale (LM Arena's rating), measured
ratings, other benchmarks fitted onto it by a rising straight line on >= 5 shared models, a newer
version of a measured line estimated from it (never below it), variants, and guesses below the
column's floor. The bundled snapshot/quality.json must be rebuilt exactly from copies of its public
sources, kept gzipped in tests/data/quality-sources/ (the tests read nothing outside the repository).
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from models_registry.cli import main
from models_registry.recommend import RecommendRequest, recommend
from models_registry.recommend.candidates import COVERAGE_LABS, Candidate, build_candidates, coverage
from models_registry.recommend.identity import canonical_id, parse_offering
from models_registry.recommend.quality import COLUMNS, LINE_STEP, Cell, QualityTable, score_models
from models_registry.recommend.quality_sources import MIN_SHARED, arena_canonical, fit_line
from models_registry.registry import Registry
from models_registry.settings import Settings
from models_registry.sources import QUALITY_FILE, load_quality_table, load_snapshot, snapshot_dir

from .conftest import DATA, bundled_model

QUALITY_SOURCES = DATA / "quality-sources"
ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """One registry on the bundled snapshot and quality table; its candidates are built once."""
    root = tmp_path_factory.mktemp("quality")
    return Registry(Settings(offline=True, cache_dir=root / "cache", state_dir=root / "state"), env={})


@pytest.fixture(scope="module")
def rows(registry: Registry) -> dict[str, Candidate]:
    """One candidate row per canonical model of the bundled catalog."""
    out: dict[str, Candidate] = {}
    for c in registry.candidates():
        out.setdefault(c.canonical, c)
    return out


def measured(value: float, uncertainty: float = 5.0, column: str = "general") -> dict[str, Cell]:
    return {column: Cell(value, uncertainty, ("lmarena",))}


def scores_for(table: QualityTable, lab: str, *model_ids: str) -> dict[str, dict]:
    """score_models over hand-picked ids, all of one lab, keyed by canonical id."""
    identities = {parse_offering("", m).canonical: parse_offering("", m) for m in model_ids}
    return score_models(identities, dict.fromkeys(identities, lab), table)


# --- the bundled table ---------------------------------------------------------------------------


def test_the_bundled_table_loads_and_records_every_source_with_its_url_and_date():
    table = load_quality_table()
    assert len(table.models) > 300 and table.built
    ids = {s.id for s in table.sources}
    assert {"lmarena-text", "lmarena-vision", "lmarena-image", "aider-polyglot", "models-dev"} <= ids
    for source in table.sources:
        assert source.url.startswith("https://") and re.fullmatch(r"\d{4}-\d{2}-\d{2}", source.date), source
        assert 0 < source.mapped <= source.models or source.id == "models-dev"
    assert table.dates() == "lmarena-text 2025-12-17, lmarena-vision 2025-12-17, lmarena-image 2025-12-17, " \
        "aider-polyglot 2026-05-22, models-dev 2026-07-02"


def test_every_recorded_fit_rises_and_shares_at_least_five_models():
    fits = [s.fit for s in load_quality_table().sources if s.fit]
    assert len(fits) >= 2
    for fit in fits:
        assert fit["slope"] > 0 and fit["shared"] >= MIN_SHARED and fit["residual"] >= 0


def test_every_cell_is_on_the_arena_scale_with_a_positive_uncertainty_and_a_source():
    for model, row in load_quality_table().models.items():
        assert set(row) <= set(COLUMNS), model
        for column, cell in row.items():
            assert 400 < cell.value < 1800 and cell.uncertainty > 0 and cell.sources, (model, column, cell)


def test_rebuilding_the_table_from_copies_of_the_sources_reproduces_the_bundled_one(tmp_path):
    sources, out = tmp_path / "sources", tmp_path / "out"
    sources.mkdir()
    for packed in QUALITY_SOURCES.glob("*.gz"):
        (sources / packed.name.removesuffix(".gz")).write_bytes(gzip.decompress(packed.read_bytes()))
    assert len(list(sources.iterdir())) == 5
    catalog = ROOT / "snapshot" / "api.json"
    argv = ["snapshot", "update", "--from", str(catalog), "--quality-from", str(sources), "--dir", str(out),
            "--date", "2026-11-30", "--json"]
    assert main(argv) == 0

    rebuilt = json.loads((out / QUALITY_FILE).read_bytes())
    bundled = json.loads((snapshot_dir() / QUALITY_FILE).read_bytes())
    assert rebuilt["sources"] == bundled["sources"]
    assert rebuilt["models"] == bundled["models"]
    del rebuilt["built"], bundled["built"]  # the day it was built
    assert rebuilt == bundled


# --- putting a source on the arena's scale --------------------------------------------------------


def test_a_fit_is_the_least_squares_line_through_the_shared_models():
    fit = fit_line([(x, 1000 + 2 * x) for x in (10, 20, 30, 40, 50)])
    assert fit is not None and fit.shared == 5
    assert (fit.intercept, fit.slope, fit.residual) == pytest.approx((1000, 2, 0), abs=1e-9)
    assert fit.predict(60) == pytest.approx((1120, 0))


def test_a_fit_reports_its_spread_as_the_uncertainty_of_what_it_predicts():
    fit = fit_line([(10, 1020), (20, 1040), (30, 1066), (40, 1075), (50, 1102), (60, 1118)])
    assert fit is not None and fit.residual > 0
    value, spread = fit.predict(35)
    assert spread == pytest.approx(1.96 * fit.residual) and 1060 < value < 1075


@pytest.mark.parametrize(
    "points",
    [
        [(10, 1100), (20, 1200), (30, 1300), (40, 1400)],  # 4 shared models: fewer than 5
        [(10, 1400), (20, 1300), (30, 1200), (40, 1100), (50, 1000)],  # falls with the rating
        [(10, 1200), (20, 1200), (30, 1200), (40, 1200), (50, 1200)],  # flat: says nothing
        [(30, 1100), (30, 1200), (30, 1300), (30, 1400), (30, 1500)],  # one x for all: no line
        [],  # nothing shared
    ],
)
def test_no_fit_without_five_shared_models_on_a_rising_line(points):
    assert fit_line(points) is None


# --- arena names to catalog ids --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arena_name", "provider_id", "model_id"),
    [
        ("claude-opus-4-5-20251101-thinking-32k", "anthropic", "claude-opus-4-5"),  # date, mode, budget
        ("gpt-5.1-high", "openai", "gpt-5.1"),  # reasoning effort is a setting
        ("gemini-3-pro", "google", "gemini-3-pro-preview"),  # the API still calls it a preview
        ("gemini-3-pro-image-preview-2k (nano-banana-pro)", "openrouter", "google/gemini-3-pro-image-preview"),
        ("mistral-large-3", "mistral", "mistral-large-2512"),  # Mistral dates its versions
        ("qwen3-235b-a22b-instruct-2507", "alibaba", "qwen3-235b-a22b"),  # instruct, active size, date
        ("qwen3-vl-235b-a22b-instruct", "alibaba", "qwen3-vl-plus"),  # Alibaba's API name
        ("chatgpt-4o-latest-20250326", "openai", "gpt-4o"),  # ChatGPT's 4o is the API's 4o
        ("gpt-5-chat", "openai", "gpt-5-chat-latest"),  # an alias in the API
        ("o3-2025-04-16", "openai", "o3"),  # a dated snapshot
        ("claude-3-7-sonnet-20250219-thinking-32k", "anthropic", "claude-3-7-sonnet-20250219"),  # old word order
        ("llama-4-maverick-17b-128e-instruct", "openrouter", "meta-llama/llama-4-maverick"),  # sizes vary by host
        ("amazon-nova-pro-v1.0", "openrouter", "amazon/nova-pro-v1"),  # a lab prefix and a version suffix
        ("flux-1.1-pro", "vercel", "bfl/flux-pro-1.1"),  # word order
        ("stable-diffusion-v35-large", "digitalocean", "stable-diffusion-3.5-large"),  # 'v35' is 3.5
        ("imagen-4.0-ultra-generate-preview-06-06", "poe", "google/imagen-4-ultra"),  # '-generate' is Vertex's word
    ],
)
def test_arena_names_map_to_the_canonical_id_the_catalog_uses(arena_name, provider_id, model_id):
    bundled_model(provider_id, model_id)
    assert arena_canonical(arena_name) == canonical_id(provider_id, model_id)


def test_every_measured_arena_model_the_catalog_serves_keeps_its_rating(rows):
    table = load_quality_table()
    for model, row in table.models.items():
        if model in rows and "general" in row and row["general"].sources == ("lmarena",):
            assert rows[model].scores["general"].value >= row["general"].value, model


# --- the line rule, on a hand-built table ---------------------------------------------------------


def test_a_newer_version_of_a_measured_line_scores_its_predecessor_plus_a_step():
    scores = scores_for(QualityTable(models={"claude-opus-4-5": measured(1400)}), "anthropic",
                        "claude-opus-4-5", "claude-opus-4-8")
    newer = scores["claude-opus-4-8"]["general"]
    assert (newer.value, newer.basis) == (1400 + LINE_STEP, "line")
    assert newer.uncertainty > 5.0 and newer.why.startswith("estimated from claude-opus-4-5")


def test_each_version_between_is_a_step_of_15_points_up_to_3():
    scores = scores_for(QualityTable(models={"claude-opus-4-5": measured(1400)}), "anthropic",
                        *(f"claude-opus-4-{minor}" for minor in range(5, 10)))
    values = [scores[f"claude-opus-4-{minor}"]["general"].value for minor in range(5, 10)]
    assert values == [1400, 1415, 1430, 1445, 1445]  # 4.9 is four steps after 4.5: capped at 3


def test_a_measured_model_is_never_below_its_measured_predecessor():
    table = QualityTable(models={"claude-opus-4-5": measured(1400), "claude-opus-4-6": measured(1390)})
    newer = scores_for(table, "anthropic", "claude-opus-4-5", "claude-opus-4-6")["claude-opus-4-6"]["general"]
    assert newer.value == 1400 and newer.basis == "measured"
    assert "estimated from claude-opus-4-5" in newer.why


def test_a_measured_model_the_catalog_no_longer_lists_still_anchors_its_line():
    table = QualityTable(models={"gpt-4-5": measured(1440)})  # gpt-4.5: in the arena, not in the catalog
    gpt_5 = scores_for(table, "openai", "gpt-5")["gpt-5"]["general"]
    assert (gpt_5.value, gpt_5.basis) == (1455, "line") and "gpt-4-5" in gpt_5.why


@pytest.mark.parametrize(
    ("model_id", "value"),
    [
        ("deepseek-v4-pro", 1400 + 15 + 10),  # a version step, then the pro tier
        ("deepseek-v4-flash", 1400 + 15 - 40),  # a version step, then the flash tier
    ],
)
def test_a_tier_word_away_from_a_measured_line_applies_the_tier_distance(model_id, value):
    table = QualityTable(models={"deepseek-v-3-2": measured(1400)})
    scores = scores_for(table, "deepseek", "deepseek-v3.2", model_id)
    score = scores[canonical_id("", model_id)]["general"]
    assert (score.value, score.basis) == (value, "line")


@pytest.mark.parametrize(
    ("model_id", "value"),
    [
        ("gpt-5.5-pro", 1450 + 15),  # -pro
        ("gpt-5.5-max", 1450 + 10),  # -max
    ],
)
def test_a_variant_scores_the_model_it_varies_adjusted(model_id, value):
    scores = scores_for(QualityTable(models={"gpt-5-5": measured(1450)}), "openai", "gpt-5.5", model_id)
    score = scores[canonical_id("", model_id)]["general"]
    assert (score.value, score.basis) == (value, "variant") and "variant of gpt-5-5" in score.why


def test_a_coding_models_newer_version_never_scores_below_its_measured_predecessor():
    scores = scores_for(QualityTable(models={"qwen-2-5-coder-32b": measured(1400)}), "alibaba",
                        "qwen2.5-coder-32b", "qwen3-coder-32b")
    assert scores["qwen-3-coder-32b"]["general"].value >= 1400


def test_a_line_estimate_never_scores_below_an_older_guess_of_its_line():
    table = QualityTable(models={"gpt-4-o-mini": measured(1317.3), "glm-4": measured(1275)})
    scores = scores_for(table, "zhipuai", "glm-4", "glm-4-flash", "glm-4.5-flash")
    assert scores["glm-4-5-flash"]["general"].value >= scores["glm-4-flash"]["general"].value


# --- guesses -------------------------------------------------------------------------------------


def test_without_a_table_every_score_is_a_guess_below_the_default_floor_by_tier():
    scores = scores_for(QualityTable(), "acme", "acme-mini", "acme", "acme-large")
    for row in scores.values():
        assert {s.basis for s in row.values()} == {"guess"} and all(s.value < 1300 for s in row.values())
    light, mid, strong = (scores[m]["general"].value for m in ("acme-mini", "acme", "acme-large"))
    assert light < mid < strong


def test_every_guess_in_the_bundled_catalog_is_below_its_columns_floor(rows, registry):
    table = registry.candidates().quality
    guesses = [(model, column, c.scores[column]) for model, c in rows.items() for column in COLUMNS
               if c.scores[column].basis == "guess"]
    assert len(guesses) > 100
    for model, column, score in guesses:
        assert score.value < table.floor(column), (model, column, score)
        assert score.uncertainty >= 100


# --- the line rule on the bundled snapshot ---------------------------------------------------------


@pytest.mark.parametrize(
    ("newer", "older"),
    [
        ("claude-opus-4-8", "claude-opus-4-5"),  # newer than the arena's data
        ("gpt-5-5", "gpt-5-1"),  # several versions on
        ("gemini-3-1-pro", "gemini-3-pro"),  # one version on
    ],
)
def test_a_newer_version_in_the_bundled_snapshot_never_scores_below_its_measured_predecessor(
    rows, newer, older
):
    new, old = rows[newer].scores["general"], rows[older].scores["general"]
    assert old.basis == "measured"
    assert new.value >= old.value and new.uncertainty > old.uncertainty
    assert f"estimated from {older}" in new.why


def test_no_model_in_the_bundled_snapshot_scores_below_an_older_version_of_its_line(rows):
    lines: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
    for c in rows.values():
        if c.version:
            lines[(c.lab, c.line)].append(c)
    below = [
        (column, older.canonical, newer.canonical)
        for members in lines.values() for older in members for newer in members
        if newer.version > older.version
        for column in COLUMNS if newer.scores[column].value < older.scores[column].value
    ]
    assert below == []


# --- bad tables ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",  # empty
        b"not json",  # not JSON
        b"null",  # JSON, not an object
        b"[]",  # a list
        b"{}",  # no models
        b'{"models": 3}',  # models not an object
        b'{"models": {"gpt-5": []}}',  # a row not an object
        b'{"models": {"gpt-5": {"general": [1400]}}}',  # a cell too short
        b'{"models": {"gpt-5": {"general": ["high", 5, []]}}}',  # a rating that is not a number
        b'{"models": {"gpt-5": {"general": [1400, 5, 3]}}}',  # sources not a list
        b'{"models": {}, "sources": [{"id": "x"}]}',  # a source without its fields
        b'{"models": {}, "sources": [1]}',  # a source not an object
        b'{"models": {}, "labs": []}',  # labs not an object
    ],
)
def test_a_quality_file_that_is_not_a_table_is_a_value_error(data):
    with pytest.raises(ValueError, match="not a quality table"):
        QualityTable.from_json(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["models", "sources", "labs", "built", "general", "id", "x"]), inner, max_size=3),
    max_leaves=12,
)


@hypothesis_settings(max_examples=200, deadline=None, database=None)
@given(doc=json_values)
def test_any_json_document_is_a_table_or_a_value_error(doc):
    try:
        table = QualityTable.from_json(json.dumps(doc).encode())
    except ValueError:
        return
    assert isinstance(table.models, dict)


def test_a_table_survives_a_round_trip():
    table = load_quality_table()
    assert QualityTable.from_json(table.to_json()) == table


@pytest.mark.parametrize(
    "content",
    [
        None,  # no quality.json at all
        b"{\"models\": ",  # cut short
        b"\x89PNG not a table",  # something else entirely
    ],
)
def test_an_unusable_quality_file_falls_back_to_an_empty_table(tmp_path, caplog, content):
    if content is not None:
        (tmp_path / QUALITY_FILE).write_bytes(content)
    with caplog.at_level(logging.WARNING):
        table = load_quality_table(tmp_path)
    assert table == QualityTable()
    assert "ranking without measured quality" in caplog.text


def test_with_an_empty_table_every_score_is_a_guess_and_recommend_still_answers():
    candidates = build_candidates(load_snapshot().catalog.raw, QualityTable())
    assert {s.basis for c in candidates for s in c.scores.values()} == {"guess"}
    for optimize in ("balanced", "cost", "capability", "context"):
        request = RecommendRequest(optimize=optimize)
        result = recommend(candidates, request, available=frozenset({"openai", "anthropic"}))
        assert result.recommendations and {p.score_basis for p in result.recommendations} == {"guess"}


# --- coverage --------------------------------------------------------------------------------------


def covered_models(rows_in_order: list[Candidate]) -> dict[str, Candidate]:
    """By the coverage docstring: first-party chat models of the labs, released before 2025-12, not
    deprecated, not '-latest' aliases; the first row of each model."""
    out: dict[str, Candidate] = {}
    for c in rows_in_order:
        if (c.provider_id in COVERAGE_LABS and c.kind == "chat" and c.first_party and not c.alias
                and c.status != "deprecated" and c.release_date and str(c.release_date) < "2025-12"):
            out.setdefault(c.canonical, c)
    return out


def test_coverage_counts_the_first_party_models_whose_general_score_is_measured_or_fitted(registry):
    candidates = registry.candidates()
    measured_count, total, missing = coverage(candidates)
    models = covered_models(candidates)
    assert total == len(models) > 50 and measured_count + len(missing) == total
    assert missing == sorted(missing)
    by_ref = {c.ref: c for c in models.values()}
    assert {by_ref[ref].scores["general"].basis for ref in missing} <= {"line", "variant", "guess"}
    assert sum(c.scores["general"].basis in ("measured", "fitted") for c in models.values()) == measured_count
    assert measured_count / total > 0.6  # the bundled table covers most of what the labs served in 2025


def test_with_an_empty_table_coverage_is_nothing_measured():
    candidates = build_candidates(load_snapshot().catalog.raw, QualityTable())
    measured_count, total, missing = coverage(candidates)
    assert measured_count == 0 and len(missing) == total > 50
