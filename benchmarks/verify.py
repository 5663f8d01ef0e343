"""Verifying keys: 20 providers at 200 ms each against the slowest single provider.

    python -m benchmarks.verify [--runs N]

Target (issue 15): checking 20 providers takes at most 1.5x the slowest single one, because
they are asked concurrently. A loopback server answers every model listing after 200 ms;
the user's config points 20 OpenAI-compatible providers at it, each with a key set. The
candidate is `Registry.verify()` over all 20; the baseline is the same call for one of them,
alternating runs in one process.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from models_registry.registry import Registry
from models_registry.settings import Settings

from ._timing import Figure, alternate, print_table

PROVIDERS = 20
LATENCY = 0.2
KEY = "sk-bench-0123456789abcdefghijkl"


async def _listing(_request: Request) -> JSONResponse:
    await anyio.sleep(LATENCY)
    return JSONResponse({"data": [{"id": f"model-{n}"} for n in range(50)]})


def _serve() -> tuple[uvicorn.Server, int]:
    app = Starlette(routes=[Route("/p{number}/v1/models", _listing)])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server, server.servers[0].sockets[0].getsockname()[1]


def _registry(tmp: Path, port: int) -> Registry:
    lines = []
    for number in range(PROVIDERS):
        lines += [
            f"[providers.bench{number}]",
            f'api = "http://127.0.0.1:{port}/p{number}/v1"',
            'npm = "@ai-sdk/openai-compatible"',
            f'env = ["BENCH{number}_API_KEY"]',
            "[providers.bench{number}.models.m]".replace("{number}", str(number)),
            'limit = { context = 8192, output = 1024 }',
        ]
    config = tmp / "config.toml"
    config.write_text("\n".join(lines) + "\n")
    settings = Settings(offline=True, config_file=config, cache_dir=tmp / "cache", state_dir=tmp / "state", local=False)
    return Registry(settings, env={f"BENCH{number}_API_KEY": KEY for number in range(PROVIDERS)})


def measure(runs: int = 5) -> list[Figure]:
    server, port = _serve()
    try:
        with tempfile.TemporaryDirectory(prefix="models-registry-bench-") as tmp:
            registry = _registry(Path(tmp), port)
            everyone = [f"bench{n}" for n in range(PROVIDERS)]

            def check(ids: list[str]) -> None:
                results = anyio.run(registry.verify, ids)
                if {r.state for r in results} != {"verified"}:
                    raise RuntimeError(f"verification failed: {[r.message for r in results]}")

            all_runs, one_runs = alternate([lambda: check(everyone), lambda: check(everyone[:1])], runs)
    finally:
        server.should_exit = True
    return [
        Figure(
            f"verify: {PROVIDERS} providers at {LATENCY * 1000:.0f} ms each vs one",
            all_runs,
            one_runs,
            target=1.5,
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    print_table(measure(parser.parse_args().runs))


if __name__ == "__main__":
    main()
