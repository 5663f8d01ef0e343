"""Refresh when nothing changed: body bytes and time of a refresh against an upstream that answers 304.

    python -m benchmarks.refresh_unchanged [--runs N]

Target (issue 7): zero body bytes. The registry holds the catalog it fetched from a
loopback upstream (with its ETag); each forced refresh sends If-None-Match and gets a
304. The time is compared with a bare conditional GET of the same URL with httpx2
(the floor of asking at all), and with a full download of the 2.4 MB catalog.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import anyio
import httpx2

from models_registry.registry import RefreshOutcome, Registry
from models_registry.settings import Settings
from models_registry.sources import load_snapshot

from ._servers import upstream
from ._timing import Check, Figure, alternate, print_table


def measure(runs: int = 20) -> list[Figure | Check]:
    body = load_snapshot().catalog.to_json()
    with upstream(body) as server, tempfile.TemporaryDirectory() as tmp:
        registry = Registry(Settings(url=server.url, cache_dir=Path(tmp) / "cache", config_file=None), env={})
        first = anyio.run(lambda: registry.refresh(force=True))
        assert first.outcome == RefreshOutcome.UPDATED, first
        server.body_bytes = 0

        def refresh() -> None:
            result = anyio.run(lambda: registry.refresh(force=True))
            assert result.outcome == RefreshOutcome.NOT_MODIFIED, result

        def conditional_get() -> None:
            assert httpx2.get(server.url, headers={"If-None-Match": server.etag}).status_code == 304

        a, b = alternate([refresh, conditional_get], runs)
        body_bytes = server.body_bytes
        started = time.perf_counter()
        httpx2.get(server.url)
        full = time.perf_counter() - started
    return [
        Check(
            "refresh when nothing changed: body bytes per refresh",
            f"{body_bytes // (runs + 1)} bytes",
            f"a full download: {len(body):,} bytes in {full * 1e3:.1f} ms",
            "0 bytes",
            body_bytes == 0,
        ),
        Figure("refresh when nothing changed: time vs a bare conditional GET", a, b, target=None,
               note="The refresh also reads the cache metadata and rewrites fetched_at under the lock."),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print_table(measure(args.runs))


if __name__ == "__main__":
    main()
