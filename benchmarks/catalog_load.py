"""Catalog ready from cache: the cache file on disk → a queryable Registry, vs orjson.loads of the same bytes.

    python -m benchmarks.catalog_load [--runs N]

Target (issue 2): at most 1.5x. The candidate reads api.json and its metadata,
checks the sha256, parses, and answers one lookup; the baseline reads the same
file and parses it with orjson, nothing else.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import orjson

from models_registry.registry import Registry
from models_registry.settings import Settings
from models_registry.sources import CatalogCache, load_snapshot

from ._timing import Figure, alternate


def measure(runs: int) -> Figure:
    with tempfile.TemporaryDirectory() as tmp:
        cache = CatalogCache(Path(tmp))
        snapshot = load_snapshot().catalog
        cache.store(snapshot, url="https://models.dev/api.json", etag='"bench"', last_modified=None)
        settings = Settings(cache_dir=Path(tmp), offline=True)

        def candidate() -> None:
            registry = Registry(settings, env={})
            assert registry.status().source == "cache"
            registry.get("openai/gpt-5")

        def baseline() -> None:
            orjson.loads(cache.catalog_path.read_bytes())

        a, b = alternate(candidate, baseline, runs)
    return Figure("catalog ready from cache (5k models)", a, b, target=1.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    figure = measure(args.runs)
    print("| figure | candidate min/median/max ms | baseline min/median/max ms | ratio | target |")
    print("|---|---|---|---|---|")
    print(figure.row())


if __name__ == "__main__":
    main()
