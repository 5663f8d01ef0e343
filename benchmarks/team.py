"""Serving a team: defaults in PostgreSQL against the file store, and stateless HTTP against sessions.

    python -m benchmarks.team [--rounds N] [--seconds S]

Targets (issue 16): get_default over HTTP with the PostgreSQL store (MODELS_REGISTRY_STATE_URL)
takes at most 1.5x the file store's median latency, and a `--stateless` server answers
list_providers at concurrency 10 with at least 0.8x a stateful one's requests per second.

Every server is our own `serve --transport streamable-http` as a subprocess on 127.0.0.1, with
the same offline catalog and keys; only the variable or flag under test differs. The benchmark
starts a throwaway PostgreSQL (tests/postgres.py: Debian's server binaries, as the `postgres`
user when run as root) and stores one default on each server before timing, so get_default
answers from a stored value. Each figure runs one server for S seconds, then the other, for N
rounds, after a warm-up of each; latency figures are the median of one client's sequential
calls in each round, throughput figures count ten concurrent MCP clients' calls. Without
PostgreSQL installed the store figures are left out (except in CI: MODELS_REGISTRY_CI=1).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from tests.postgres import PostgresServer, postgres_available

from ._servers import free_port, http_server, registry_env
from ._timing import Figure, print_table

CONCURRENCY = 10
KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY")
STORED = "anthropic/claude-sonnet-4-5"  # the default each store holds while get_default is timed
# set_default alternates these for role "bench", so every timed write is a change
WRITES = ("openai/gpt-4o", "openai/gpt-4o-mini")
WARM_UP_SECONDS = 0.5
Mode = str  # "legacy" (initialize handshake, a session per client) or "auto" (2026-07-28 here: no session)


def postgres_wanted() -> bool:
    """The store figures run when PostgreSQL is installed, and always in CI, where a missing server is a failure."""
    return postgres_available() or bool(os.environ.get("MODELS_REGISTRY_CI"))


# --- servers ------------------------------------------------------------------------------------


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    """This process's environment without MODELS_REGISTRY_* (a STATE_URL, token or *_MODEL set here must not
    leak in), offline, with no local runtimes looked for, and its cache and state under `tmp`."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("MODELS_REGISTRY_")}
    return {**inherited, **registry_env(tmp, *KEYS), "MODELS_REGISTRY_LOCAL": "off", **extra}


@contextmanager
def _serve(env: dict[str, str], *flags: str) -> Iterator[str]:
    """Our server over streamable HTTP with extra `flags`; yields its /mcp URL once /readyz says ready."""
    port = free_port()
    args = ["-m", "models_registry", "serve", "--transport", "streamable-http", "--port", str(port), *flags]
    with http_server(args, env, port, ready="/readyz"):
        url = f"http://127.0.0.1:{port}/mcp"
        anyio.run(_settle, url)
        yield url


async def _settle(url: str) -> None:
    """One recommend_model call: a server builds recommend's rows (~0.1 s, more on a busy machine) in a
    thread 2 s after it starts, which would land inside whichever round was running then; built now, that
    later build finds them done."""
    async with _session(url, "auto") as client:
        await _call(client, "recommend_model", {"task": "chat"})


@asynccontextmanager
async def _session(url: str, mode: Mode) -> AsyncIterator[Client]:
    """One MCP client on its own HTTP connection pool."""
    async with (
        httpx2.AsyncClient(timeout=30) as http,
        Client(streamable_http_client(url, http_client=http), mode=mode) as client,
    ):
        yield client


async def _call(client: Client, tool: str, arguments: dict[str, Any]) -> Any:
    result = await client.call_tool(tool, arguments)
    if result.is_error:
        raise RuntimeError(f"{tool} failed: {result.content}")
    return result


# --- the two ways of timing -------------------------------------------------------------------------


async def _median_latency(
    url: str, tool: str, calls: list[dict[str, Any]], seconds: float, mode: Mode
) -> float:
    """The median seconds of one client's sequential calls for `seconds` (arguments cycling through `calls`)."""
    times: list[float] = []
    async with _session(url, mode) as client:
        until = time.monotonic() + seconds
        while time.monotonic() < until or len(times) < 5:
            start = time.perf_counter()
            await _call(client, tool, calls[len(times) % len(calls)])
            times.append(time.perf_counter() - start)
    return statistics.median(times)


async def _requests_per_second(
    url: str, tool: str, arguments: dict[str, Any], seconds: float, mode: Mode
) -> float:
    """Calls per second from CONCURRENCY clients, each with its own connection (and, legacy, its own session).

    As in http_throughput, each client's connect (and handshake) falls inside the window.
    """
    count = [0]

    async def loop(until: float) -> None:
        async with _session(url, mode) as client:
            while time.monotonic() < until:
                await _call(client, tool, arguments)
                count[0] += 1

    start = time.monotonic()
    async with anyio.create_task_group() as tg:
        for _ in range(CONCURRENCY):
            tg.start_soon(loop, start + seconds)
    return count[0] / (time.monotonic() - start)


def _side_by_side(
    rounds: int,
    seconds: float,
    candidate: Callable[[float], Awaitable[float]],
    baseline: Callable[[float], Awaitable[float]],
) -> tuple[list[float], list[float]]:
    """A warm-up of each, then `rounds` rounds of baseline then candidate; each side's samples."""
    anyio.run(baseline, min(seconds, WARM_UP_SECONDS))
    anyio.run(candidate, min(seconds, WARM_UP_SECONDS))
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        b.append(anyio.run(baseline, seconds))
        a.append(anyio.run(candidate, seconds))
    return a, b


# --- the figures ----------------------------------------------------------------------------------


async def _store_default(url: str) -> None:
    """set_default once, then check get_default answers from the store."""
    async with _session(url, "auto") as client:
        await _call(client, "set_default", {"model": STORED})
        info = (await _call(client, "get_default", {})).structured_content
    if info.get("model") != STORED or not str(info.get("source", "")).startswith("stored"):
        raise RuntimeError(f"get_default does not answer from the store: {info}")


def _store_figures(rounds: int, seconds: float) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="models-registry-bench-") as tmp, PostgresServer() as pg:
        shared = _env(Path(tmp) / "pg", MODELS_REGISTRY_STATE_URL=pg.url)
        local = _env(Path(tmp) / "file")
        with _serve(shared) as pg_url, _serve(local) as file_url:
            for url in (pg_url, file_url):
                anyio.run(_store_default, url)

            def latency(
                url: str, tool: str, calls: list[dict[str, Any]]
            ) -> Callable[[float], Awaitable[float]]:
                return lambda s: _median_latency(url, tool, calls, s, "auto")

            def throughput(url: str) -> Callable[[float], Awaitable[float]]:
                return lambda s: _requests_per_second(url, "get_default", {}, s, "auto")

            get = _side_by_side(rounds, seconds, latency(pg_url, "get_default", [{}]),
                                latency(file_url, "get_default", [{}]))  # fmt: skip
            get_many = _side_by_side(rounds, seconds, throughput(pg_url), throughput(file_url))
            writes = [{"model": model, "role": "bench"} for model in WRITES]
            put = _side_by_side(rounds, seconds, latency(pg_url, "set_default", writes),
                                latency(file_url, "set_default", writes))  # fmt: skip
    return [
        Figure(
            "get_default over HTTP: PostgreSQL store vs file store",
            *get,
            target=1.5,
            note=(
                "Median of one client's sequential calls (2026-07-28 requests). The PostgreSQL store answers reads "
                "from memory, kept current by LISTEN/NOTIFY, so a read never waits on the database; and both "
                "servers keep get_default's answer for up to 1 s (AnswerCache), so this times the HTTP and MCP "
                "path around a kept answer plus the store's version check (a stat of defaults.json for the file, "
                "a counter for PostgreSQL)."
            ),
        ),
        Figure(
            f"  get_default at concurrency {CONCURRENCY}: PostgreSQL vs file",
            *get_many,
            target=None,
            higher_is_better=True,
            unit="req/s",
        ),
        Figure(
            "set_default over HTTP: PostgreSQL vs file",
            *put,
            target=None,
            note=(
                "Median of sequential writes alternating two models for one role: PostgreSQL runs an upsert and a "
                "pg_notify in one transaction on a pooled connection (then the listener reads the table again), "
                "the file store takes a file lock and replaces defaults.json atomically in a worker thread."
            ),
        ),
    ]


LEGACY_NOTE = (
    "Ten clients with the 2025 initialize handshake (Client(mode='legacy')), each on its own connection, where "
    "the two servers differ: the stateful one gives each client a session (an Mcp-Session-Id and its message "
    "streams), the stateless one gives none and answers each POST with a transport of its own. Each client's "
    "handshake falls inside the window, as in http_throughput."
)
MODERN_NOTE = (
    "The SDK client's default (2026-07-28, after a server/discover probe): its requests carry no session on "
    "either server, so this checks that --stateless costs the default clients nothing."
)


def _stateless_figures(rounds: int, seconds: float) -> list[Figure]:
    figures = []
    with (
        tempfile.TemporaryDirectory(prefix="models-registry-bench-") as tmp,
        _serve(_env(Path(tmp) / "stateless"), "--stateless") as stateless,
        _serve(_env(Path(tmp) / "stateful")) as stateful,
    ):
        for mode, label, note in (
            ("legacy", "legacy handshake", LEGACY_NOTE),
            ("auto", "2026-07-28", MODERN_NOTE),
        ):

            def throughput(url: str, mode: Mode = mode) -> Callable[[float], Awaitable[float]]:
                return lambda s: _requests_per_second(url, "list_providers", {}, s, mode)

            samples = _side_by_side(rounds, seconds, throughput(stateless), throughput(stateful))
            figures.append(
                Figure(
                    f"list_providers at concurrency {CONCURRENCY}, stateless vs stateful ({label})",
                    *samples,
                    target=0.8,
                    higher_is_better=True,
                    unit="req/s",
                    note=note,
                )
            )
    return figures


def measure(rounds: int = 3, seconds: float = 5.0) -> list[Figure]:
    figures: list[Figure] = []
    if postgres_wanted():
        figures += _store_figures(rounds, seconds)
    else:
        print(
            "PostgreSQL is not installed (apt-get install postgresql): the store figures are left out",
            file=sys.stderr,
        )
    return figures + _stateless_figures(rounds, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    print_table(measure(args.rounds, args.seconds))


if __name__ == "__main__":
    main()
