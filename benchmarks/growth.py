"""Growth: a catalog ten times the snapshot, generated from it deterministically.

    python -m benchmarks.growth [--runs N]

Target (issue 7): load time and recommend time grow no faster than linearly. The large
catalog repeats every provider ten times under new ids ("openai", "openai-x1", ...,
"openai-x9"), so it has 10x the providers and models with the same shapes. Each figure
is the ratio of ratios: (time on 10x / time on 1x) / 10; at most 1.0 is linear or better.
Ready = cache file → registry answering a lookup (the start path: index, one provider
parsed); parsed = the same with every provider parsed; recommend = one ranking over every
model (available_only=false), with the ranking rows already built and the answers the table
keeps per request shape forgotten before each run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from models_registry.catalog import Catalog
from models_registry.recommend import RecommendRequest
from models_registry.recommend.task import plan_for
from models_registry.registry import Registry
from models_registry.settings import Settings
from models_registry.sources import CatalogCache, load_snapshot

from ._timing import Figure, alternate, print_table

SCALE = 10
REQUEST = RecommendRequest(task="code review with screenshots", available_only=False)


def scaled(catalog: Catalog, times: int) -> Catalog:
    raw: dict = {}
    for copy in range(times):
        for provider_id, entry in catalog.raw.items():
            new_id = provider_id if copy == 0 else f"{provider_id}-x{copy}"
            raw[new_id] = {**entry, "id": new_id}
    return Catalog(raw)


def measure(runs: int = 5) -> list[Figure]:
    snapshot = load_snapshot().catalog
    with tempfile.TemporaryDirectory() as tmp:
        settings = {}
        for name, catalog in (("1x", snapshot), ("10x", scaled(snapshot, SCALE))):
            cache_dir = Path(tmp) / name
            CatalogCache(cache_dir).store(catalog, url="https://models.dev/api.json", etag=None, last_modified=None)
            settings[name] = Settings(cache_dir=cache_dir, offline=True, config_file=None)

        def ready(name: str):
            return lambda: Registry(settings[name], env={}).get("openai/gpt-5")

        def load(name: str):
            return lambda: len(Registry(settings[name], env={}).catalog.raw)

        registries = {name: Registry(settings[name], env={}) for name in settings}
        for registry in registries.values():
            registry.recommend(REQUEST)  # builds the ranking rows once

        def rank(name: str):
            def run() -> None:  # the ranking itself, not the answers kept from the last run
                registries[name].candidates().clear_caches()
                plan_for.cache_clear()
                registries[name].recommend(REQUEST)

            return run

        ready_small, ready_large, load_small, load_large, rank_small, rank_large = alternate(
            [ready("1x"), ready("10x"), load("1x"), load("10x"), rank("1x"), rank("10x")], runs
        )

    def per_unit(large: list[float]) -> list[float]:
        return [t / SCALE for t in large]

    note = "Each side is a time per 1x of catalog: the 10x time divided by 10, against the 1x time."
    parse_note = (
        "Parsing 10x allocates 10x the objects; the allocator and the collector's pass over the new objects "
        "after the parse (which runs with collection paused) cost more per object in a bigger heap. The start "
        "path never does this (it reads the index); a compact per-model representation would close it."
    )
    return [
        Figure("growth: catalog ready from cache, 10x per 1x of size", per_unit(ready_large), ready_small, 1.0, note=note),
        Figure("growth: every provider parsed, 10x per 1x", per_unit(load_large), load_small, 1.0, note=parse_note),
        Figure("growth: recommend over every model, 10x per 1x", per_unit(rank_large), rank_small, target=1.0, note=note),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    figures = measure(args.runs)
    print_table(figures)
    print(f"(1x ready median {statistics.median(figures[0].baseline) * 1e3:.1f} ms)")


if __name__ == "__main__":
    main()
