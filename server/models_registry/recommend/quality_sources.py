"""Public leaderboards turned into the bundled quality table (maintainers: `snapshot update --quality-from`).

One scale: LM Arena's ratings (text with style control, vision, text-to-image; 95%
intervals), per category. Other sources are put on it by fitting them on the models
they share with the arena, never by mixing ranks or percentiles:

- Aider polyglot pass rates -> the arena's coding rating (a straight line fitted on the
  shared models; its residual is the uncertainty of what it predicts);
- each published benchmark in models.dev's catalog.json (one benchmark, version and
  harness at a time) -> the arena's coding rating, the same way, when it shares enough
  models with the arena to fit a line;
- a column a model lacks -> fitted from its general rating (or, for a model known only
  from coding results, general from coding), again on the models that have both.

Names are mapped with identity.py's normalisation plus `ARENA_ALIASES`, a small table for
names that normalising cannot reach. Pure functions over bytes; the CLI reads the files
or URLs. PyYAML (for Aider's file) is imported only here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from .identity import parse_offering
from .quality import COLUMNS, Cell, QualityTable, SourceInfo

__all__ = [
    "ARENA_ALIASES",
    "DEFAULT_URLS",
    "QualityInputs",
    "arena_canonical",
    "build_quality_table",
]

DEFAULT_URLS = {
    "lmarena-text": "https://raw.githubusercontent.com/lmarena/arena-catalog/main/data/leaderboard-text-style-control.json",
    "lmarena-vision": "https://raw.githubusercontent.com/lmarena/arena-catalog/main/data/leaderboard-vision.json",
    "lmarena-image": "https://raw.githubusercontent.com/lmarena/arena-catalog/main/data/leaderboard-image.json",
    "aider-polyglot": "https://raw.githubusercontent.com/Aider-AI/aider/main/aider/website/_data/polyglot_leaderboard.yml",
    "models-dev": "https://models.dev/catalog.json",
}
TITLES = {
    "lmarena-text": "LM Arena text leaderboard (style control), per category",
    "lmarena-vision": "LM Arena vision leaderboard",
    "lmarena-image": "LM Arena text-to-image leaderboard",
    "aider-polyglot": "Aider polyglot coding benchmark (pass rate, 2 tries)",
    "models-dev": "models.dev catalog.json: published benchmark results per model",
}
# Arena category -> our column. Vision and image leaderboards fill one column each from 'full'.
TEXT_CATEGORIES = {
    "full": "general",
    "coding": "coding",
    "math": "math",
    "creative_writing": "creative",
    "if": "instruction",
    "long_user": "long",
}
MIN_SHARED = 5  # models a source must share with the arena before it is fitted onto the arena's scale
Z95 = 1.96

# Names normalising cannot map: arena or Aider spelling -> canonical id of the model a catalog serves.
ARENA_ALIASES = {
    "mistral-large-3": "mistral-large",  # served as mistral-large-2512: Mistral dates its versions
    "mistral-medium-3": "mistral-medium",
    "mistral-medium-3-1": "mistral-medium",
    "chatgpt-4-o": "gpt-4-o",  # ChatGPT's GPT-4o; the API's gpt-4o is the closest served model
    "gemini-3-pro-image-2-k": "gemini-3-pro-image",
    "nano-banana": "gemini-2-5-flash-image",
    "nano-banana-pro": "gemini-3-pro-image",
    "gemini-2-5-flash-image": "gemini-2-5-flash-image",
    "flux-1-kontext-max": "flux-kontext-max",
    "flux-1-kontext-pro": "flux-kontext-pro",
    "flux-1-1-pro": "flux-pro-1-1",
    "stable-diffusion-v-35-large": "stable-diffusion-3-5-large",
    "deepseek-chat": "deepseek-v-3-2",  # Aider runs DeepSeek's API names
    "deepseek-reasoner": "deepseek-v-3-2-thinking",
}


def arena_canonical(name: str) -> str:
    """The canonical id of a leaderboard's model name ('gemini-3-pro-image-preview (nano-banana-pro)')."""
    name = re.sub(r"\s*\(.*?\)\s*", "", name)
    canonical = parse_offering("", name).canonical
    return ARENA_ALIASES.get(canonical, canonical)


@dataclass
class QualityInputs:
    """The raw bytes of each source, with the date and URL each was taken from."""

    data: dict[str, bytes]
    dates: dict[str, str]
    urls: dict[str, str] = field(default_factory=dict)


# --- Reading each source ------------------------------------------------------------------------


def _arena(data: bytes, categories: Mapping[str, str]) -> tuple[dict[str, dict[str, Cell]], int]:
    """Per canonical id and column, the best rating among the arena names that map to it."""
    doc = orjson.loads(data)
    out: dict[str, dict[str, Cell]] = {}
    names: set[str] = set()
    for category, column in categories.items():
        for name, entry in (doc.get(category) or {}).items():
            rating, low, high = entry.get("rating"), entry.get("rating_q025"), entry.get("rating_q975")
            if not all(isinstance(v, int | float) for v in (rating, low, high)):
                continue
            names.add(name)
            cell = Cell(round(rating, 1), round((high - low) / 2, 1), ("lmarena",))
            current = out.setdefault(arena_canonical(name), {}).get(column)
            if current is None or cell.value > current.value:  # a newer snapshot of a model is its better one
                out[arena_canonical(name)][column] = cell
    return out, len(names)


def _aider(data: bytes) -> tuple[dict[str, float], int]:
    """Per canonical id, the best polyglot pass rate (percent of 225 exercises, two tries)."""
    try:
        import yaml  # only the maintainers' rebuild reads YAML
    except ImportError:
        raise ValueError(
            "reading Aider's leaderboard needs PyYAML: pip install 'models-registry-mcp[maintainer]'"
        ) from None

    rows = yaml.safe_load(data) or []
    out: dict[str, float] = {}
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("pass_rate_2"), int | float):
            continue
        command = str(row.get("command") or "")
        found = re.search(r"--model\s+(\S+)", command)
        canonical = arena_canonical(found.group(1) if found else str(row.get("model", "")))
        out[canonical] = max(out.get(canonical, 0.0), float(row["pass_rate_2"]))
    return out, len(rows)


def _models_dev(data: bytes) -> tuple[dict[str, str], dict[str, dict[str, float]]]:
    """models.dev catalog.json: lab per canonical id, and per benchmark (name, version, harness) the scores."""
    doc: Any = orjson.loads(data)
    models = doc.get("models") if isinstance(doc, dict) else None
    if not isinstance(models, dict) or not models:
        raise ValueError("expected models.dev's catalog.json with a 'models' object")
    labs: dict[str, str] = {}
    benchmarks: dict[str, dict[str, float]] = {}
    for key, model in models.items():
        lab, _, model_id = str(key).partition("/")
        if not model_id or not isinstance(model, dict):
            continue
        canonical = parse_offering(lab, model_id).canonical
        labs.setdefault(canonical, lab)
        for b in model.get("benchmarks") or []:
            if not (
                isinstance(b, dict)
                and isinstance(b.get("score"), int | float)
                and isinstance(b.get("name"), str)
            ):
                continue
            name = re.sub(r"[^a-z0-9.]+", " ", b["name"].lower()).strip()
            source = " / ".join(
                str(part) for part in (name, b.get("version") or "", b.get("harness") or "") if part
            )
            scores = benchmarks.setdefault(source, {})
            scores[canonical] = max(scores.get(canonical, -math.inf), float(b["score"]))
    return labs, benchmarks


# --- Putting sources on one scale ---------------------------------------------------------------


@dataclass(frozen=True)
class Fit:
    """rating = intercept + slope * x, fitted on `shared` models; `residual` is the spread around the line."""

    intercept: float
    slope: float
    residual: float
    shared: int

    def predict(self, x: float) -> tuple[float, float]:
        return self.intercept + self.slope * x, Z95 * self.residual

    def describe(self) -> dict[str, float]:
        return {
            "intercept": round(self.intercept, 2),
            "slope": round(self.slope, 4),
            "residual": round(self.residual, 1),
            "shared": self.shared,
        }


def fit_line(points: Iterable[tuple[float, float]]) -> Fit | None:
    """Least squares through (x, rating) points; None when there are too few or the line does not rise."""
    pairs = list(points)
    n = len(pairs)
    if n < MIN_SHARED:
        return None
    mean_x = sum(x for x, _ in pairs) / n
    mean_y = sum(y for _, y in pairs) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in pairs)
    if sxx == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in pairs) / sxx
    if slope <= 0:
        return None  # a benchmark that does not rise with the arena's rating says nothing about it
    intercept = mean_y - slope * mean_x
    residual = math.sqrt(sum((y - intercept - slope * x) ** 2 for x, y in pairs) / (n - 2))
    return Fit(intercept, slope, residual, n)


def _combine(cells: list[Cell]) -> Cell:
    """Inverse-variance mean of estimates of one quantity; the sources of all."""
    weights = [1 / max(c.uncertainty, 1.0) ** 2 for c in cells]
    value = sum(w * c.value for w, c in zip(weights, cells, strict=True)) / sum(weights)
    uncertainty = 1 / math.sqrt(sum(weights))
    sources = tuple(dict.fromkeys(s for c in cells for s in c.sources))
    return Cell(round(value, 1), round(uncertainty, 1), sources)


def _fitted(
    values: Mapping[str, float], ratings: Mapping[str, Cell], source: str
) -> tuple[dict[str, Cell], Fit | None]:
    fit = fit_line((values[k], ratings[k].value) for k in values if k in ratings)
    if fit is None:
        return {}, None
    out = {}
    for canonical, x in values.items():
        value, uncertainty = fit.predict(x)
        out[canonical] = Cell(round(value, 1), round(uncertainty, 1), (source,))
    return out, fit


def build_quality_table(inputs: QualityInputs, *, built: str) -> QualityTable:
    """The table from the sources in `inputs` (each optional but the arena's text leaderboard)."""
    data, sources = inputs.data, []

    def info(source_id: str, models: int, mapped: int, fit: Fit | None = None, **extra: Any) -> None:
        sources.append(
            SourceInfo(
                id=source_id,
                title=TITLES.get(source_id.split(":")[0], source_id),
                url=inputs.urls.get(source_id.split(":")[0], DEFAULT_URLS.get(source_id.split(":")[0], "")),
                date=inputs.dates.get(source_id.split(":")[0], ""),
                models=models,
                mapped=mapped,
                fit=fit.describe() if fit else None,
                **extra,
            )
        )

    measured, count = _arena(data["lmarena-text"], TEXT_CATEGORIES)
    info("lmarena-text", count, len(measured))
    for source_id, column in (("lmarena-vision", "vision"), ("lmarena-image", "image")):
        if source_id in data:
            cells, count = _arena(data[source_id], {"full": column})
            for canonical, row in cells.items():
                measured.setdefault(canonical, {}).update(row)
            info(source_id, count, len(cells))
    arena_coding = {k: row["coding"] for k, row in measured.items() if "coding" in row}

    coding_estimates: dict[str, list[Cell]] = {}
    if "aider-polyglot" in data:
        rates, count = _aider(data["aider-polyglot"])
        cells, fit = _fitted(rates, arena_coding, "aider-polyglot")
        for canonical, cell in cells.items():
            coding_estimates.setdefault(canonical, []).append(cell)
        info("aider-polyglot", count, len(rates), fit)
    labs: dict[str, str] = {}
    if "models-dev" in data:
        labs, benchmarks = _models_dev(data["models-dev"])
        used = 0
        for benchmark, values in sorted(benchmarks.items()):
            cells, fit = _fitted(values, arena_coding, f"models-dev:{benchmark}")
            if fit is not None:
                used += 1
                info(f"models-dev:{benchmark}", len(values), len(values), fit)
            for canonical, cell in cells.items():
                coding_estimates.setdefault(canonical, []).append(cell)
        info("models-dev", sum(len(v) for v in benchmarks.values()), len(labs), benchmarks_fitted=used)

    for canonical, cells in coding_estimates.items():
        row = measured.setdefault(canonical, {})
        if "coding" not in row:  # the arena's own coding rating is the measurement; fits fill gaps
            row["coding"] = _combine(cells)
    _fill_columns(measured)
    return QualityTable(built=built, sources=tuple(sources), labs=labs, models=measured)


def _fill_columns(rows: dict[str, dict[str, Cell]]) -> None:
    """A column a model lacks, fitted from its general rating (general itself from coding or vision when that is all)."""

    def fit_between(source: str, target: str) -> Fit | None:
        return fit_line(
            (row[source].value, row[target].value)
            for row in rows.values()
            if source in row and target in row and "lmarena" in row[target].sources
        )

    for source in (
        "coding",
        "vision",
    ):  # a model known only from coding results, or only from the vision board
        fit = fit_between(source, "general")
        for row in rows.values():
            if "general" not in row and source in row and fit:
                value, spread = fit.predict(row[source].value)
                row["general"] = Cell(
                    round(value, 1),
                    round(math.hypot(spread, row[source].uncertainty), 1),
                    (*row[source].sources, f"fit:{source}->general"),
                )
    for column in COLUMNS:
        if column in ("general", "image"):
            continue
        fit = fit_between("general", column)
        if fit is None:
            continue
        for row in rows.values():
            if column not in row and "general" in row and "image" not in row:
                value, spread = fit.predict(row["general"].value)
                row[column] = Cell(
                    round(value, 1),
                    round(math.hypot(spread, row["general"].uncertainty), 1),
                    (*row["general"].sources, f"fit:general->{column}"),
                )
