"""Cold start over stdio: spawn → first list_providers result, vs a bare MCPServer with one trivial tool.

    python -m benchmarks.cold_start [--runs N] [--quick]

Target: at most 1.10x. Each run spawns a fresh process with the SDK's stdio
client, as a desktop host does, calls `list_providers` once and exits. The time
runs from just before the spawn to the tool result (the shutdown after it is not
counted). The candidate is `python -m models_registry serve` (offline, on the
bundled catalog, temporary cache and state directories, two API keys set); the
baseline is `benchmarks/_bare_server.py`, an MCPServer whose one tool returns a
fixed dict, so the ratio is what the registry adds on top of Python + the SDK.
`serve` collects no garbage until it is built, which also speeds up the SDK import;
a second, informative row compares against the bare server started the same way.
Both eras are measured: legacy (the initialize handshake most desktop hosts
speak) and modern (2026-07-28, no handshake).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import anyio
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp.types import CallToolResult

from ._servers import BARE_SERVER, registry_env
from ._timing import Figure, alternate, print_table

Mode = Literal["legacy", "auto"]
ERAS: dict[Mode, str] = {"legacy": "legacy handshake", "auto": "2026-07-28"}


def _cold_start(params: StdioServerParameters, mode: Mode, out: list[float]) -> Callable[[], None]:
    """One run: spawn, connect, call list_providers once; appends spawn → result seconds to `out`."""

    async def run() -> None:
        start = time.perf_counter()
        async with Client(params, mode=mode) as client:  # the spawn happens on entering
            result = await client.call_tool("list_providers", {})
            elapsed = time.perf_counter() - start
        _check(params, result)
        out.append(elapsed)

    return lambda: anyio.run(run)


def _check(params: StdioServerParameters, result: CallToolResult) -> None:
    text = " ".join(getattr(c, "text", "") for c in result.content)
    if result.is_error or "available" not in text:
        raise RuntimeError(f"{params.args}: list_providers failed: {text!r}")


def measure(runs: int, mode: Mode = "legacy", against: str | None = None) -> list[Figure]:
    """Side by side, `runs` cold starts of each server (after one warm-up each, which is dropped).

    Two figures: against the bare MCPServer (the target), and against the same bare server
    started with the GC setting `serve` uses, which isolates what the registry itself adds.
    With `against` (a git ref), a third: against this project's own server at that ref, checked
    out in a temporary worktree and run from the same environment (target: no more than 5% slower).
    """
    if against:
        with _worktree(against) as tree:
            return _measure(runs, mode, tree, against)
    return _measure(runs, mode, None, None)


@contextmanager
def _worktree(ref: str) -> Iterator[Path]:
    """A detached checkout of `ref` in a temporary directory, removed afterwards."""
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="models-registry-ref-") as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), ref], cwd=root, check=True, capture_output=True)
        try:
            yield tree
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=root, capture_output=True, check=False)


def _measure(runs: int, mode: Mode, tree: Path | None, ref: str | None) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="models-registry-bench-") as tmp:
        # The same env for both servers (merged by the SDK over HOME, PATH, ...); the bare one ignores it.
        env = registry_env(Path(tmp), "OPENAI_API_KEY", "ANTHROPIC_API_KEY")
        ours = StdioServerParameters(
            command=sys.executable, args=["-m", "models_registry", "serve"], env=env, cwd=tmp
        )
        bare = StdioServerParameters(command=sys.executable, args=[str(BARE_SERVER)], env=env, cwd=tmp)
        tuned = StdioServerParameters(
            command=sys.executable, args=[str(BARE_SERVER), "--gc-tuned"], env=env, cwd=tmp
        )
        servers = [ours, bare, tuned]
        if tree is not None:  # the same command, importing the package from the worktree first
            servers.append(StdioServerParameters(
                command=sys.executable, args=["-m", "models_registry", "serve"],
                env={**env, "PYTHONPATH": str(tree / "server")}, cwd=tmp,
            ))
        times: list[list[float]] = [[] for _ in servers]
        alternate([_cold_start(params, mode, out) for params, out in zip(servers, times)], runs)
    # alternate() times whole runs (shutdown included); keep the spawn → result times, minus the warm-ups.
    a, b, c, *previous = (spawn_to_result[1:] for spawn_to_result in times)
    figures = [
        Figure(f"cold start, spawn → list_providers ({ERAS[mode]})", a, b, target=1.10),
        Figure(f"  like for like: baseline with serve's GC setting ({ERAS[mode]})", a, c, target=None),
    ]
    if previous:
        figures.append(Figure(f"  against this server at {ref} ({ERAS[mode]})", a, previous[0], target=1.05))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="2 runs, for a CI smoke test")
    parser.add_argument(
        "--mode", choices=["legacy", "auto", "both"], default="both", help="protocol era (auto = 2026-07-28)"
    )
    parser.add_argument("--against", metavar="REF", help="also time this server at a git ref, e.g. a release")
    args = parser.parse_args()
    runs = 2 if args.quick else args.runs
    modes: list[Mode] = ["legacy", "auto"] if args.mode == "both" else [args.mode]
    figures = [figure for mode in modes for figure in measure(runs, mode, args.against)]
    print_table(figures)


if __name__ == "__main__":
    main()
