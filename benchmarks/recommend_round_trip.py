"""recommend_model round trip over stdio on the full catalog, vs a trivial tool on a bare MCPServer.

    python -m benchmarks.recommend_round_trip [--calls N]

Target (issue 4): at most 1.5x. Both servers are spawned once and kept open; the
calls alternate between them, so machine noise hits both alike. The candidate is
`models-registry serve` on the bundled snapshot (5,276 models, OPENAI_API_KEY,
ANTHROPIC_API_KEY and OPENROUTER_API_KEY set) answering recommend_model for a task
in words; the baseline is `benchmarks/_bare_server.py`'s one tool returning a fixed
dict. A second, informative row ranks every model in the catalog
(available_only=false).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters

from ._timing import Figure

BARE_SERVER = Path(__file__).with_name("_bare_server.py")
TASK = {"task": "review pull requests with screenshots", "limit": 5}
EVERY_MODEL = {"task": "summarise long documents cheaply", "available_only": False, "limit": 5}


def _env(tmp: Path) -> dict[str, str]:
    return {
        "MODELS_REGISTRY_OFFLINE": "1",
        "MODELS_REGISTRY_CACHE_DIR": str(tmp / "cache"),
        "MODELS_REGISTRY_STATE_DIR": str(tmp / "state"),
        "OPENAI_API_KEY": "bench",
        "ANTHROPIC_API_KEY": "bench",
        "OPENROUTER_API_KEY": "bench",
    }


async def _timed(client: Client, tool: str, arguments: dict[str, Any]) -> float:
    start = time.perf_counter()
    result = await client.call_tool(tool, arguments)
    elapsed = time.perf_counter() - start
    if result.is_error:
        raise RuntimeError(f"{tool} failed: {result.content}")
    return elapsed


async def _measure(calls: int) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="models-registry-bench-") as tmp:
        env = _env(Path(tmp))
        ours = StdioServerParameters(command=sys.executable, args=["-m", "models_registry", "serve"], env=env, cwd=tmp)
        bare = StdioServerParameters(command=sys.executable, args=[str(BARE_SERVER)], env=env, cwd=tmp)
        async with Client(ours) as candidate, Client(bare) as baseline:
            for _ in range(5):  # warm-up: first calls build recommend's rows and the SDK's caches
                await _timed(candidate, "recommend_model", TASK)
                await _timed(candidate, "recommend_model", EVERY_MODEL)
                await _timed(baseline, "list_providers", {})
            a: list[float] = []
            everything: list[float] = []
            b: list[float] = []
            for _ in range(calls):
                b.append(await _timed(baseline, "list_providers", {}))
                a.append(await _timed(candidate, "recommend_model", TASK))
                everything.append(await _timed(candidate, "recommend_model", EVERY_MODEL))
    return [
        Figure("recommend_model round trip, available models (stdio)", a, b, target=1.5),
        Figure("  the same, ranking all 5,276 models (available_only=false)", everything, b, target=None),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    figures = anyio.run(_measure, args.calls)
    print("| figure | candidate min/median/max ms | baseline min/median/max ms | ratio | target |")
    print("|---|---|---|---|---|")
    for figure in figures:
        print(figure.row())
    print(f"(median of {args.calls} calls each; stdev of the baseline {statistics.stdev(figures[0].baseline) * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()
