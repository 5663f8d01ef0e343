"""models.dev's lab-level metadata (catalog.json): which lab makes a model, and its published benchmarks.

api.json says who *serves* a model; catalog.json says who *makes* it and, for about a
hundred models, which benchmark results the lab or a leaderboard published. The
ranking uses both: the lab's own API is preferred over resellers, and benchmark
results sharpen the quality proxy where they exist. Only what the ranking uses is
kept, in `snapshot/benchmarks.json`, regenerated with the snapshot. No I/O here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = ["Benchmark", "LabData", "base_id", "extract_lab_data"]

_DATED = re.compile(r"-(20\d{6}|20\d{2}-\d{2}-\d{2}|\d{2}-20\d{2}|\d{4}|latest)$")
_ZERO_MINOR = re.compile(r"(-\d+)-0$")  # 'claude-sonnet-4-0' is 'claude-sonnet-4'



def base_id(model_id: str) -> str:
    """The model behind aliases, dated snapshots and reseller prefixes.

    'claude-sonnet-4-5-20250929', 'claude-sonnet-4.5' and 'anthropic/claude-sonnet-4-5' all
    give 'claude-sonnet-4-5'.
    """
    return _ZERO_MINOR.sub(r"\1", _DATED.sub("", model_id.rsplit("/", 1)[-1].lower().replace(".", "-")))


@dataclass(frozen=True, slots=True)
class Benchmark:
    name: str
    score: float
    metric: str


@dataclass(frozen=True)
class LabData:
    """Lab of each model (by base id) and benchmark results (by base id)."""

    labs: dict[str, str]
    benchmarks: dict[str, tuple[Benchmark, ...]]
    source: str = ""
    date: str = ""

    @classmethod
    def empty(cls) -> LabData:
        return cls({}, {})

    @classmethod
    def from_json(cls, data: bytes) -> LabData:
        """The bundled benchmarks.json; ValueError when it is not one."""
        try:
            doc = orjson.loads(data)
            labs = {str(k): str(v) for k, v in doc["labs"].items()}
            benchmarks = {
                str(k): tuple(Benchmark(str(b["name"]), float(b["score"]), str(b.get("metric", ""))) for b in results)
                for k, results in doc["benchmarks"].items()
            }
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"not a benchmarks file ({type(exc).__name__})") from None
        return cls(labs, benchmarks, str(doc.get("source", "")), str(doc.get("date", "")))

    def to_json(self) -> bytes:
        doc = {
            "source": self.source,
            "date": self.date,
            "labs": dict(sorted(self.labs.items())),
            "benchmarks": {
                key: [{"name": b.name, "score": b.score, "metric": b.metric} for b in results]
                for key, results in sorted(self.benchmarks.items())
            },
        }
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"

    def percentiles(self) -> dict[str, tuple[float, str]]:
        """Per base id: the mean share of listed models it beats on its benchmarks (0..1), and a summary.

        Benchmarks differ in scale and in who reports them, so each is turned into a rank
        among the models that report it; a benchmark only one model reports says nothing.
        """
        by_name: dict[str, list[float]] = {}
        for results in self.benchmarks.values():
            for b in results:
                by_name.setdefault(_same_benchmark(b.name), []).append(b.score)
        out: dict[str, tuple[float, str]] = {}
        for key, results in self.benchmarks.items():
            shares, shown = [], []
            for b in results:
                scores = by_name[_same_benchmark(b.name)]
                if len(scores) < 3:
                    continue
                shares.append(sum(s < b.score for s in scores) / (len(scores) - 1))
                shown.append(f"{b.name} {b.score:g}")
            if shares:
                out[key] = (sum(shares) / len(shares), ", ".join(shown[:3]))
        return out


def _same_benchmark(name: str) -> str:
    """'SWE-Bench Pro' and 'SWE Bench Pro' are one benchmark."""
    return re.sub(r"[^a-z0-9.]", "", name.lower())


def extract_lab_data(catalog_json: bytes, *, source: str, date: str) -> LabData:
    """What the ranking uses from models.dev's catalog.json: labs and benchmark results."""
    doc: Any = orjson.loads(catalog_json)
    models = doc.get("models") if isinstance(doc, dict) else None
    if not isinstance(models, dict) or not models:
        raise ValueError("expected catalog.json with a 'models' object")
    labs: dict[str, str] = {}
    benchmarks: dict[str, tuple[Benchmark, ...]] = {}
    for key, model in models.items():
        lab, _, model_id = str(key).partition("/")
        if not model_id or not isinstance(model, dict):
            continue
        labs.setdefault(base_id(model_id), lab)
        results = []
        for b in model.get("benchmarks") or []:
            if isinstance(b, dict) and isinstance(b.get("score"), int | float) and isinstance(b.get("name"), str):
                results.append(Benchmark(b["name"].strip(), float(b["score"]), str(b.get("metric", ""))))
        if results:
            benchmarks.setdefault(base_id(model_id), tuple(results))
    return LabData(labs, benchmarks, source, date)
