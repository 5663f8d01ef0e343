"""Network stalls: an upstream that never answers must not slow a start or a tool call.

    python -m benchmarks.stalls [--runs N]

Target (issue 7): about 1.0x (at most 1.05x). The candidate server's catalog URL points at
a loopback socket that accepts connections and never answers, with a stale catalog, so
its background refresh starts at once and hangs; the baseline is the same server with
MODELS_REGISTRY_OFFLINE=1. Measured: spawn → first list_providers result, then ten
recommend_model calls on the same connection.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters

from ._servers import SilentServer, registry_env
from ._timing import Figure, alternate, print_table

CALLS = 10


def _run(params: StdioServerParameters, starts: list[float], calls: list[float]):
    async def run() -> None:
        began = time.perf_counter()
        async with Client(params) as client:
            result = await client.call_tool("list_providers", {})
            starts.append(time.perf_counter() - began)
            if result.is_error:
                raise RuntimeError(f"list_providers failed: {result.content}")
            for _ in range(CALLS):
                began = time.perf_counter()
                await client.call_tool("recommend_model", {"task": "code review"})
                calls.append(time.perf_counter() - began)

    return lambda: anyio.run(run)


def measure(runs: int = 8) -> list[Figure]:
    silent = SilentServer()
    try:
        with tempfile.TemporaryDirectory(prefix="models-registry-bench-") as tmp:
            offline = registry_env(Path(tmp), "OPENAI_API_KEY")
            # Online against the silent URL (an empty variable is unset); the snapshot is stale, so a refresh starts.
            stalled = {**offline, "MODELS_REGISTRY_OFFLINE": "", "MODELS_REGISTRY_URL": silent.url}
            args = ["-m", "models_registry", "serve"]
            times: tuple[list[float], ...] = ([], [], [], [])
            alternate(
                [
                    _run(StdioServerParameters(command=sys.executable, args=args, env=stalled, cwd=tmp), times[0], times[1]),
                    _run(StdioServerParameters(command=sys.executable, args=args, env=offline, cwd=tmp), times[2], times[3]),
                ],
                runs,
            )
    finally:
        silent.close()
    stalled_start, stalled_calls, offline_start, offline_calls = (t[1:] if len(t) <= runs + 1 else t[CALLS:] for t in times)
    return [
        Figure("stalled upstream vs offline: cold start", stalled_start, offline_start, target=1.05),
        Figure("stalled upstream vs offline: recommend_model calls", stalled_calls, offline_calls, target=1.05),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args()
    print_table(measure(args.runs))


if __name__ == "__main__":
    main()
