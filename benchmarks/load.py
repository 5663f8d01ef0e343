"""Load: many MCP clients at once against one real server over streamable HTTP, with a catalog swap midway.

    python -m benchmarks.load [--clients 50] [--seconds 60] [--write-report]

Starts `python -m models_registry serve --transport streamable-http` on 127.0.0.1 (network
allowed, temporary cache and state directories, three API keys set) whose MODELS_REGISTRY_URL
is a models.dev stand-in served from this process on loopback: the bundled snapshot with an
ETag. Once the server has fetched it (its first background refresh), N clients, each the SDK's
`Client` over `streamable_http_client` in its own task (legacy and 2026-07-28 sessions
alternating), loop over a mix of list_providers, list_models (with filters), recommend_model
(with a task), get_model and resource reads (models://status, models://providers/openai, a
models://models/... template) for the duration. Halfway through, the stand-in starts serving
a changed catalog (one provider dropped, one model repriced, a new ETag) and client 0 calls
refresh_catalog(force=true), so the catalog is swapped under load.

Measured: requests served and errors per operation (any exception, is_error result or wrong
answer counts; there must be none), p50/p99 latency per operation and overall as a client sees
it, and the server's RSS (VmRSS from /proc) before and after the load. Afterwards a fresh
client checks that the changed catalog is what the server serves. Prints a table; with
--write-report the figures go into docs/reliability.md between the `load` markers. Exits 1 on
any error or a swap that did not happen.

Clients and server share the machine's CPUs, so the latencies include the clients' own work
(the SDK validates every structured result against its output schema).
"""

from __future__ import annotations

import argparse
import math
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx2
import orjson
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from models_registry.sources import load_snapshot

from ._servers import Upstream, free_port, memory_mib, upstream
from ._timing import machine

SECTION = "load"
API_KEYS = {"OPENAI_API_KEY": "load-test", "ANTHROPIC_API_KEY": "load-test", "GEMINI_API_KEY": "load-test"}
REPRICED = ("openai", "gpt-5")  # the model whose input price the changed catalog raises
MODES = ("legacy", "auto")  # client n speaks MODES[n % 2]: the initialize handshake, or 2026-07-28


# --- the models.dev stand-in -------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogs:
    """The catalog served at start and the changed one served from the swap on."""

    before: bytes
    after: bytes
    dropped: str  # the provider the changed catalog leaves out
    price_before: float
    price_after: float


def make_catalogs() -> Catalogs:
    before = load_snapshot().catalog.to_json()
    raw = orjson.loads(before)
    # Drop a small provider no operation of the mix touches, so every request stays answerable.
    used = {"openai", "anthropic", "google", "openrouter"}
    dropped = min((p for p in raw if p not in used), key=lambda p: (len(raw[p].get("models") or {}), p))
    del raw[dropped]
    provider_id, model_id = REPRICED
    cost = raw[provider_id]["models"][model_id]["cost"]
    price_before = cost["input"]
    cost["input"] = price_after = round(price_before * 2 + 0.25, 4)
    return Catalogs(before, orjson.dumps(raw), dropped, price_before, price_after)


# --- the server under load ---------------------------------------------------------------------


def server_env(tmp: Path, url: str) -> dict[str, str]:
    """A clean environment: no proxy, no user config, no credential but the three keys."""
    env = {
        name: os.environ[name]
        for name in ("PATH", "LANG", "LC_ALL", "PYTHONPATH", "TMPDIR")
        if name in os.environ
    }
    return {
        **env,
        "HOME": str(tmp / "home"),
        "MODELS_REGISTRY_URL": url,
        "MODELS_REGISTRY_CACHE_DIR": str(tmp / "cache"),
        "MODELS_REGISTRY_STATE_DIR": str(tmp / "state"),
        "MODELS_REGISTRY_CONFIG": str(tmp / "no-config.toml"),
        **API_KEYS,
    }


@contextmanager
def serve_registry(tmp: Path, url: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`models-registry serve --transport streamable-http` on a free loopback port; yields (MCP URL, process)."""
    port = free_port()
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "models_registry",
                "serve",
                "--transport",
                "streamable-http",
                "--port",
                str(port),
            ],
            env=server_env(tmp, url),
            cwd=tmp,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start:\n{log_path.read_text()[-2000:]}") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp", proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    utime, stime = stat.rsplit(")", 1)[1].split()[11:13]  # fields 14 and 15, after the command name
    return (int(utime) + int(stime)) / os.sysconf("SC_CLK_TCK")


# --- the clients -------------------------------------------------------------------------------


@asynccontextmanager
async def connect(url: str, mode: str) -> AsyncIterator[Client]:
    """The SDK client over streamable HTTP, with its own connection pool (as separate agents would have)."""
    async with (
        httpx2.AsyncClient(timeout=httpx2.Timeout(60, read=300)) as http,
        Client(streamable_http_client(url, http_client=http), mode=mode) as client,
    ):
        yield client


class WrongAnswer(Exception):
    """A call that succeeded but answered something it should not have."""


def expect(condition: object, message: str) -> None:
    if not condition:
        raise WrongAnswer(message)


async def call(client: Client, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    text = " ".join(getattr(c, "text", "") for c in result.content)
    expect(not result.is_error, f"{tool}({args}) is_error: {text[:200]}")
    expect(result.structured_content is not None, f"{tool}({args}) has no structured content")
    return result.structured_content


async def read(client: Client, uri: str) -> dict[str, Any]:
    result = await client.read_resource(uri)
    return orjson.loads(result.contents[0].text)


async def _list_providers(client: Client, args: dict[str, Any]) -> None:
    out = await call(client, "list_providers", args)
    expect(out["providers"] and "available" in out["summary"], f"list_providers({args}): {out['summary']}")


async def _list_models(client: Client, args: dict[str, Any]) -> None:
    out = await call(client, "list_models", args)
    expect(out["total"] > 0 and out["providers"], f"list_models({args}) matched nothing")


async def _recommend(client: Client, args: dict[str, Any]) -> None:
    out = await call(client, "recommend_model", args)
    expect(out["recommendations"], f"recommend_model({args}) picked nothing: {out.get('message')}")


async def _get_model(client: Client, model: str) -> None:
    out = await call(client, "get_model", {"model": model})
    expect(out["model"] == model, f"get_model({model!r}) answered {out['model']!r}")


async def _read_status(client: Client, _: None) -> None:
    out = await read(client, "models://status")
    expect(
        out["source"] == "network" and out["models"] > 0,
        f"models://status: {out['source']}, {out['models']} models",
    )


async def _read_provider(client: Client, provider_id: str) -> None:
    out = await read(client, f"models://providers/{provider_id}")
    expect(
        out["id"] == provider_id and out["models"], f"models://providers/{provider_id} answered {out['id']!r}"
    )


async def _read_model(client: Client, ref: str) -> None:
    out = await read(client, f"models://models/{ref}")
    expect(out["ref"] == ref, f"models://models/{ref} answered {out['ref']!r}")


@dataclass(frozen=True)
class Operation:
    name: str
    variants: tuple[Any, ...]  # the arguments, taken in turn
    run: Callable[[Client, Any], Awaitable[None]]  # raises on an error or a wrong answer


MIX = (
    Operation("list_providers", ({}, {"available_only": False, "query": "open"}), _list_providers),
    Operation(
        "list_models",
        (
            {"capabilities": ["tool_call"], "min_context": 128000, "limit": 20},
            {"provider": "anthropic", "query": "claude"},
            {"input_modalities": ["image"], "max_input_cost": 5, "limit": 10},
        ),
        _list_models,
    ),
    Operation(
        "recommend_model",
        (
            {"task": "summarise long PDFs cheaply"},
            {"task": "coding agent with tool calls", "limit": 3},
            {"task": "describe screenshots", "optimize": "cost"},
        ),
        _recommend,
    ),
    Operation(
        "get_model",
        (
            "openai/gpt-5",
            "anthropic/claude-haiku-4-5",
            "google/gemini-2.5-flash",
            "openrouter/anthropic/claude-haiku-4.5",
        ),
        _get_model,
    ),
    Operation("read models://status", (None,), _read_status),
    Operation("read models://providers/openai", ("openai",), _read_provider),
    Operation(
        "read models://models/{provider_id}/{+model_id}",
        ("anthropic/claude-sonnet-4-5", "openrouter/anthropic/claude-haiku-4.5", "openai/gpt-5-mini"),
        _read_model,
    ),
)
SWAP_OPERATION = "refresh_catalog(force=true), the swap"


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)  # the first few error messages

    def ok(self, name: str, seconds: float) -> None:
        self.latencies[name].append(seconds)

    def error(self, name: str, exc: BaseException) -> None:
        self.errors[name] += 1
        if len(self.samples) < 10:
            self.samples.append(f"{name}: {type(exc).__name__}: {exc}"[:300])


@dataclass
class Swap:
    """Client 0 calls refresh_catalog(force=true) once `requested` is set."""

    requested: anyio.Event = field(default_factory=anyio.Event)
    requested_at: float | None = None  # seconds into the load
    result: dict[str, Any] | None = None


async def _swap(client: Client, swap: Swap, stats: Stats) -> None:
    start = time.perf_counter()
    try:
        swap.result = out = await call(client, "refresh_catalog", {"force": True})
        expect(
            out["outcome"] == "updated" and out["changed"],
            f"refresh_catalog: {out['outcome']}, {out.get('error')}",
        )
    except Exception as exc:  # noqa: BLE001 - whatever went wrong is an error to count
        stats.error(SWAP_OPERATION, exc)
    else:
        stats.ok(SWAP_OPERATION, time.perf_counter() - start)


async def _client(n: int, url: str, deadline: float, stats: Stats, swap: Swap) -> None:
    """One agent: connect, then loop over the mix until the deadline; client 0 also triggers the swap."""
    try:
        async with connect(url, MODES[n % len(MODES)]) as client:
            i = n  # clients start at different points of the mix
            while time.monotonic() < deadline:
                if (
                    n == 0
                    and swap.requested.is_set()
                    and swap.result is None
                    and not stats.errors[SWAP_OPERATION]
                ):
                    await _swap(client, swap, stats)
                    continue
                op = MIX[i % len(MIX)]
                args = op.variants[(i // len(MIX)) % len(op.variants)]
                i += 1
                start = time.perf_counter()
                try:
                    await op.run(client, args)
                except Exception as exc:  # noqa: BLE001 - any failure counts, and the agent carries on
                    stats.error(op.name, exc)
                else:
                    stats.ok(op.name, time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - the session itself failed: connecting, or closing
        stats.error("connect / disconnect", exc)


# --- one run -----------------------------------------------------------------------------------


@dataclass
class LoadResult:
    clients: int
    seconds: float
    elapsed: float
    stats: Stats
    swap: Swap
    catalogs: Catalogs
    visible_after: dict[str, Any]  # what a fresh client saw once the load was over
    rss_before: float
    rss_after: float
    rss_peak: float
    loadavg_before: float  # the machine's 1-minute load average when the run started
    server_cpu: float  # CPU seconds the server used during the load
    clients_cpu: float  # CPU seconds this process (the clients) used during the load
    upstream_fetches: list[str]  # the ETag of every full catalog the stand-in sent

    @property
    def requests(self) -> int:
        return sum(len(xs) for xs in self.stats.latencies.values())

    @property
    def errors(self) -> int:
        return sum(self.stats.errors.values())

    @property
    def swapped(self) -> bool:
        """The swap ran, and afterwards the server serves the changed catalog."""
        seen = self.visible_after
        return bool(
            self.swap.result
            and self.swap.result["outcome"] == "updated"
            and seen.get("etag") == AFTER_ETAG
            and seen.get("price") == self.catalogs.price_after
            and seen.get("dropped_gone")
        )

    @property
    def ok(self) -> bool:
        return self.errors == 0 and self.swapped


BEFORE_ETAG, AFTER_ETAG = '"catalog-before"', '"catalog-after"'


async def _wait_for_first_fetch(url: str, timeout: float = 120) -> None:
    """Wait until the server swapped the snapshot for the stand-in's catalog (its first background refresh)."""
    async with connect(url, "legacy") as client:
        with anyio.fail_after(timeout):
            while (status := await read(client, "models://status"))["etag"] != BEFORE_ETAG:
                await anyio.sleep(0.1)
    expect(status["source"] == "network", f"the server serves its {status['source']} catalog")


async def _look_after(url: str, catalogs: Catalogs) -> dict[str, Any]:
    """What a fresh client sees after the load: the repriced model, the dropped provider, the ETag."""
    from mcp.shared.exceptions import MCPError

    async with connect(url, "legacy") as client:
        model = await call(client, "get_model", {"model": "/".join(REPRICED)})
        status = await read(client, "models://status")
        try:
            await client.read_resource(f"models://providers/{catalogs.dropped}")
            dropped_gone = False
        except MCPError:
            dropped_gone = True
    return {"price": model["details"]["cost"]["input"], "etag": status["etag"], "dropped_gone": dropped_gone}


async def _load(
    url: str, stand_in: Upstream, catalogs: Catalogs, clients: int, seconds: float
) -> tuple[Stats, Swap, float]:
    stats, swap = Stats(), Swap()
    start = time.monotonic()
    async with anyio.create_task_group() as tg:
        for n in range(clients):
            tg.start_soon(_client, n, url, start + seconds, stats, swap)
        await anyio.sleep(seconds / 2)
        stand_in.serve(catalogs.after, AFTER_ETAG)
        swap.requested_at = time.monotonic() - start
        swap.requested.set()
    return stats, swap, time.monotonic() - start


def run_load(
    clients: int = 50, seconds: float = 60.0, *, progress: Callable[[str], None] = lambda _: None
) -> LoadResult:
    """Start the stand-in and the server, run the load with its swap, look at the result; see the module docstring."""
    catalogs = make_catalogs()
    loadavg = os.getloadavg()[0]
    with (
        tempfile.TemporaryDirectory(prefix="models-registry-load-") as tmp,
        upstream(catalogs.before, BEFORE_ETAG) as stand_in,
        serve_registry(Path(tmp), stand_in.url) as (url, proc),
    ):
        progress(f"server pid {proc.pid} at {url}; waiting for its first fetch of {stand_in.url}")
        anyio.run(_wait_for_first_fetch, url)
        rss_before = memory_mib(proc.pid)[0]
        progress(f"{clients} clients for {seconds:g} s; the catalog swaps at {seconds / 2:g} s")
        cpu = cpu_seconds(proc.pid), time.process_time()
        stats, swap, elapsed = anyio.run(_load, url, stand_in, catalogs, clients, seconds)
        server_cpu, clients_cpu = cpu_seconds(proc.pid) - cpu[0], time.process_time() - cpu[1]
        rss_after, rss_peak = memory_mib(proc.pid)
        visible = anyio.run(_look_after, url, catalogs)
    return LoadResult(
        clients,
        seconds,
        elapsed,
        stats,
        swap,
        catalogs,
        visible,
        rss_before,
        rss_after,
        rss_peak,
        loadavg,
        server_cpu,
        clients_cpu,
        list(stand_in.fetches),
    )


# --- the figures -------------------------------------------------------------------------------


def percentile(xs: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(xs)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def rows(result: LoadResult) -> list[dict[str, Any]]:
    """One row per operation, then all of them together."""
    stats = result.stats
    names = [op.name for op in MIX] + [SWAP_OPERATION]
    names += [name for name in stats.errors if name not in names]  # "connect / disconnect", if any

    def row(name: str, xs: list[float], errors: int) -> dict[str, Any]:
        return {
            "operation": name,
            "requests": len(xs),
            "errors": errors,
            "p50 ms": f"{percentile(xs, 50) * 1e3:.1f}" if xs else "-",
            "p99 ms": f"{percentile(xs, 99) * 1e3:.1f}" if xs else "-",
        }

    out = [row(name, stats.latencies.get(name, []), stats.errors.get(name, 0)) for name in names]
    everything = [x for xs in stats.latencies.values() for x in xs]
    out.append(row("all", everything, result.errors))
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary(result: LoadResult) -> str:
    swap = result.swap.result or {}
    change = swap.get("change") or {}
    swapped = (
        f"swapped at {result.swap.requested_at:.1f} s by refresh_catalog(force=true): "
        f"{_plural(len(change.get('removed', [])), 'model')} removed (provider {result.catalogs.dropped} dropped), "
        f"{len(change.get('price_changes', []))} repriced; afterwards {'/'.join(REPRICED)} costs "
        f"{result.visible_after.get('price')} (was {result.catalogs.price_before})"
        if result.swapped
        else f"NOT swapped: refresh {swap.get('outcome')}, afterwards {result.visible_after}"
    )
    return (
        f"{result.clients} clients × {result.seconds:g} s over streamable HTTP (legacy and 2026-07-28 sessions "
        f"alternating): {result.requests} requests ({result.requests / result.elapsed:.0f}/s), "
        f"{result.errors} errors; catalog {swapped}; server RSS {result.rss_before:.0f} MiB before, "
        f"{result.rss_after:.0f} MiB after (peak {result.rss_peak:.0f} MiB); in {result.elapsed:.0f} s the server "
        f"used {result.server_cpu:.1f} CPU-s and the clients {result.clients_cpu:.1f} CPU-s"
    )


def print_table(result: LoadResult) -> None:
    table = rows(result)
    columns = list(table[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in table:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")
    print(summary(result))
    print(f"machine: {machine()}; 1-minute load average {result.loadavg_before:.2f} before the run")
    for sample in result.stats.samples:
        print(f"error: {sample}")


def write_report(result: LoadResult, command: str, doc: Path | None = None) -> None:
    """The rows into docs/reliability.md between the load markers, with the run described in a line above them.

    Everything goes between the markers, so a second run replaces the first.
    """
    from tests.reliability_report import DOC, ReliabilityReport

    doc = doc or DOC
    report = ReliabilityReport()
    for row in rows(result):
        report.record(SECTION, row)
    report.write(doc)
    line = (
        f"Written by `{command}` on {datetime.now(UTC):%Y-%m-%d}, {machine()}, a machine shared with other "
        f"people's jobs (1-minute load average {result.loadavg_before:.2f} at the start); the clients run in one "
        f"process beside the server, so both share the CPUs. {summary(result)}."
    )
    marker = f"<!-- {SECTION}:start -->\n"
    text = doc.read_text()
    doc.write_text(text.replace(marker, f"{marker}{line}\n\n", 1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent MCP clients (default 50)")
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of the load (default 60)")
    parser.add_argument(
        "--write-report",
        action="store_true",
        help="write the figures into docs/reliability.md (section 'load')",
    )
    args = parser.parse_args(argv)
    result = run_load(args.clients, args.seconds, progress=lambda text: print(text, file=sys.stderr))
    print_table(result)
    if args.write_report:
        command = shlex.join(["python", "-m", "benchmarks.load", *(sys.argv[1:] if argv is None else argv)])
        write_report(result, command)
        print("wrote the load section of docs/reliability.md")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
