"""Catalog ready from cache: the cache file on disk → a queryable Registry, vs orjson.loads of the same bytes.

    python -m benchmarks.catalog_load [--runs N]

Target (issue 2): at most 1.5x. The candidate reads api.json, its metadata and its
index, checks the sha256 and answers one lookup (parsing one provider); the baseline
reads the same file and parses it with orjson, nothing else. A second figure makes
the candidate parse every provider too, as a query over all models does.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import orjson

from models_registry.registry import Registry
from models_registry.settings import Settings
from models_registry.sources import CatalogCache, load_snapshot

from ._timing import Figure, alternate, print_table


def measure(runs: int) -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        cache = CatalogCache(Path(tmp))
        snapshot = load_snapshot().catalog
        cache.store(snapshot, url="https://models.dev/api.json", etag='"bench"', last_modified=None)
        settings = Settings(cache_dir=Path(tmp), offline=True)

        def candidate() -> None:
            registry = Registry(settings, env={})
            assert registry.status().source == "cache"
            registry.get("openai/gpt-5")

        def candidate_all() -> None:
            registry = Registry(settings, env={})
            assert len(registry.catalog.raw) == len(snapshot)

        def baseline() -> None:
            orjson.loads(cache.catalog_path.read_bytes())

        a, a_all, b = alternate([candidate, candidate_all, baseline], runs)
    return [
        Figure("catalog ready from cache (5k models)", a, b, target=1.5),
        Figure("catalog from cache, every model parsed", a_all, b, target=1.5),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    figures = measure(args.runs)
    print_table(figures)


if __name__ == "__main__":
    main()
