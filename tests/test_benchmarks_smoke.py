"""The benchmarks still run: `python -m benchmarks --quick` writes a results file with every figure.

Nothing here is timed; the figures themselves come from `python -m benchmarks` (see benchmarks/RESULTS.md).
"""

import os
import subprocess
import sys
from pathlib import Path

from .postgres import postgres_available

ROOT = Path(__file__).parents[1]
FIGURES = [
    "cold start, spawn → list_providers (legacy handshake)",
    "cold start, spawn → list_providers (2026-07-28)",
    "catalog ready from cache (5k models)",
    "round trip: recommend_model",
    "round trip: list_models",
    "streamable HTTP: list_providers at concurrency 10",
    "memory: server RSS after that load",
    "refresh when nothing changed: body bytes per refresh",
    "growth: catalog ready from cache, 10x per 1x of size",
    "growth: recommend over every model",
    "stalled upstream vs offline: cold start",
    "expert panel: first pick accepted",
    "held-out panel: first pick accepted",
    "quality table: big labs' chat models",
    "memory: HTTP server after 600 subscribe/unsubscribe calls",
    "verify: 20 providers at 200 ms each vs one",
    "list_providers at concurrency 10, stateless vs stateful (legacy handshake)",
    "list_providers at concurrency 10, stateless vs stateful (2026-07-28)",
]
# benchmarks.team leaves its store figures out only where PostgreSQL is not installed, and never in CI
# (read at import: the autouse isolated_env fixture clears MODELS_REGISTRY_*, so the subprocess cannot see it).
if postgres_available() or os.environ.get("MODELS_REGISTRY_CI"):
    FIGURES += [
        "get_default over HTTP: PostgreSQL store vs file store",
        "get_default at concurrency 10: PostgreSQL vs file",
        "set_default over HTTP: PostgreSQL vs file",
    ]


def test_quick_benchmarks_write_every_figure(tmp_path):
    output = tmp_path / "RESULTS.md"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    text = output.read_text()
    assert [name for name in FIGURES if name not in text] == []
    assert "Machine: " in text and "commit " in text
    assert "0 bytes met" in text  # a 304 refresh moved no body
