"""Tool round trips over stdio on the full catalog, vs a trivial tool on a bare MCPServer.

    python -m benchmarks.round_trip [--calls N]

Target (issues 4 and 7): at most 1.5x. Both servers are spawned once and kept open; the
calls alternate between them, so machine noise hits both alike. The candidate is
`models-registry serve` on the bundled snapshot (5,276 models; OPENAI_API_KEY,
ANTHROPIC_API_KEY and OPENROUTER_API_KEY set) answering recommend_model for a task in
words and list_models with filters; the baseline is `benchmarks/_bare_server.py`'s one
tool returning a fixed dict. An informative row ranks every model in the catalog
(available_only=false).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters

from ._servers import BARE_SERVER, registry_env
from ._timing import Figure, print_table

CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "recommend": ("recommend_model", {"task": "review pull requests with screenshots", "limit": 5}),
    "list_models": ("list_models", {"capabilities": ["tool_call"], "min_context": 128_000, "limit": 20}),
    "every model": ("recommend_model", {"task": "summarise long documents cheaply", "available_only": False}),
}
GAP = (
    "About 0.6 ms of what recommend_model adds is the SDK client checking the five structured picks "
    "against the tool's output schema with jsonschema (the baseline's schema is a bare object); the "
    "ranking itself is ~0.25 ms over rows built once per catalog."
)


async def _timed(client: Client, tool: str, arguments: dict[str, Any]) -> float:
    start = time.perf_counter()
    result = await client.call_tool(tool, arguments)
    elapsed = time.perf_counter() - start
    if result.is_error:
        raise RuntimeError(f"{tool} failed: {result.content}")
    return elapsed


async def _measure(calls: int) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="models-registry-bench-") as tmp:
        env = registry_env(Path(tmp), "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY")
        ours = StdioServerParameters(command=sys.executable, args=["-m", "models_registry", "serve"], env=env, cwd=tmp)
        bare = StdioServerParameters(command=sys.executable, args=[str(BARE_SERVER)], env=env, cwd=tmp)
        async with Client(ours) as candidate, Client(bare) as baseline:
            times: dict[str, tuple[list[float], list[float]]] = {}
            for name, (tool, arguments) in CALLS.items():
                # Each figure is its own A/B run against the trivial tool, the order flipping every round
                # (ABBA), so neither side always follows the other's heaviest call.
                a: list[float] = []
                b: list[float] = []
                for round_number in range(calls + 5):  # the first 5 rounds warm up caches and are dropped
                    pair = [(baseline, "list_providers", {}, b), (candidate, tool, arguments, a)]
                    for client, called, args, out in pair if round_number % 2 else reversed(pair):
                        seconds = await _timed(client, called, args)
                        if round_number >= 5:
                            out.append(seconds)
                times[name] = (a, b)
    return [
        Figure("round trip: recommend_model, available models (stdio)", *times["recommend"], 1.5, note=GAP),
        Figure("round trip: list_models, tool_call and >= 128k context (stdio)", *times["list_models"], 1.5,
               note="A page of 20 models: the SDK client's jsonschema check of 20 structured items (~0.13 ms each) "
               "is most of the gap; filtering ~450 callable models adds ~1 ms."),
        Figure("  recommend_model ranking all 5,276 models (available_only=false)", *times["every model"], None),
    ]


def measure(calls: int) -> list[Figure]:
    return anyio.run(_measure, calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    print_table(measure(args.calls))


if __name__ == "__main__":
    main()
