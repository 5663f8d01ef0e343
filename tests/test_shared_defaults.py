"""Defaults shared through a real PostgreSQL (MODELS_REGISTRY_STATE_URL): registries in one process first,
then server processes behind a client that alternates between them (tests/postgres.py starts the database)."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
from collections import Counter
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import anyio
import asyncpg
import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import ResourceUpdatedNotification
from prometheus_client.parser import text_string_to_metric_families

from models_registry.registry import Registry
from models_registry.settings import Settings
from models_registry.shared_defaults import TABLE

from .conftest import MINI_CATALOG
from .test_transports import SERVE, http_server, server_env

pytestmark = pytest.mark.anyio

MODELS = ["openai/gpt-5", "openai/gpt-5-mini", "anthropic/claude-haiku-4-5"]
KEYS = {"OPENAI_API_KEY": "sk-shared-canary", "ANTHROPIC_API_KEY": "sk-ant-shared-canary"}


def registry_on(tmp_path: Path, url: str, name: str = "a") -> Registry:
    settings = Settings(
        catalog_file=MINI_CATALOG, cache_dir=tmp_path / name / "cache", state_dir=tmp_path / name / "state",
        offline=True, config_file=None, local=False, state_url=url,
    )
    return Registry(settings, env=KEYS)


async def table_of(url: str) -> dict[str, str]:
    """The defaults table as the database holds it, read on a connection of its own."""
    conn = await asyncpg.connect(url)
    try:
        return dict(await conn.fetch(f"SELECT role, model FROM {TABLE}"))
    finally:
        await conn.close()


async def eventually(check, seconds: float = 1.0) -> float:
    """Seconds until check() is true; fails after `seconds` (the issue's bound for replicas to agree)."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > seconds:
            raise AssertionError(f"not true within {seconds} s")
        await anyio.sleep(0.01)
    return time.monotonic() - start


# --- registries in one process ---------------------------------------------------------------------


async def test_a_default_set_in_one_registry_reaches_another_within_a_second(tmp_path, postgres, reliability):
    a, b = registry_on(tmp_path, postgres.url, "a"), registry_on(tmp_path, postgres.url, "b")
    async with a.running(background_refresh=False), b.running(background_refresh=False):
        async with b.watch_defaults() as changes:
            info = await a.set_default("openai/gpt-5-mini", "small")
            assert (info.model, info.source) == ("openai/gpt-5-mini", "stored (set_default)")
            took = await eventually(lambda: b.get_default("small").model == "openai/gpt-5-mini")
            with anyio.fail_after(1):
                await changes.receive()  # b's subscribers are told
        assert b.get_default("small").source == "stored (set_default)"
        assert "connected" in b.status().defaults_store and postgres.password not in b.status().defaults_store
    reliability.record("shared-defaults", {
        "scenario": "set on one registry, read on another (one process)", "processes": 1, "writes": 1, "lost": 0,
        "outcome": f"seen {took * 1000:.1f} ms after set_default returned (LISTEN/NOTIFY)",
    })


async def test_the_table_is_created_on_first_use_and_a_new_registry_reads_it(tmp_path, postgres):
    async with registry_on(tmp_path, postgres.url).running(background_refresh=False) as a:
        await a.set_default("anthropic/claude-haiku-4-5")
    assert await table_of(postgres.url) == {"default": "anthropic/claude-haiku-4-5"}
    async with registry_on(tmp_path, postgres.url, "fresh").running(background_refresh=False) as again:
        assert again.get_default().model == "anthropic/claude-haiku-4-5"


async def test_precedence_and_validation_are_the_file_stores(tmp_path, postgres):
    registry = registry_on(tmp_path, postgres.url)
    registry._env = {**KEYS, "MODELS_REGISTRY_SMALL_MODEL": "openai/gpt-5"}
    async with registry.running(background_refresh=False):
        await registry.set_default("openai/gpt-5-mini", "small")
        assert (registry.get_default("small").model, registry.get_default("small").source) == (
            "openai/gpt-5", "environment (MODELS_REGISTRY_SMALL_MODEL)",
        )
        with pytest.raises(LookupError, match="gpt-5-mini"):  # an unknown model, with the close matches
            await registry.set_default("openai/gpt-5-minny", "small")
        with pytest.raises(ValueError, match="role"):
            await registry.set_default("openai/gpt-5", "Not A Role!")


async def test_rows_written_by_hand_that_are_not_defaults_are_ignored(tmp_path, postgres):
    async with registry_on(tmp_path, postgres.url).running(background_refresh=False) as registry:
        await registry.set_default("openai/gpt-5")
        conn = await asyncpg.connect(postgres.url)
        try:
            await conn.execute(f"INSERT INTO {TABLE} (role, model) VALUES ('BAD ROLE', 'x/y'), ('small', 'no-slash')")
            await conn.execute("SELECT pg_notify('models_registry_defaults', 'by hand')")
        finally:
            await conn.close()
        await anyio.sleep(0.3)
        assert registry._defaults.load() == {"default": "openai/gpt-5"}
        assert registry.get_default("small").source == "fallback"


async def test_eight_writers_at_once_on_two_registries_lose_nothing(tmp_path, postgres, reliability):
    a, b = registry_on(tmp_path, postgres.url, "a"), registry_on(tmp_path, postgres.url, "b")
    async with a.running(background_refresh=False), b.running(background_refresh=False):

        async def writer(n: int) -> None:
            registry = (a, b)[n % 2]
            for i in range(50):
                await registry.set_default(MODELS[i % 3], f"w{n}-r{i}")
                await registry.set_default(MODELS[(n + i) % 3], "contested")

        async with anyio.create_task_group() as tg:
            for n in range(8):
                tg.start_soon(writer, n)
        stored = await table_of(postgres.url)
        expected = {f"w{n}-r{i}": MODELS[i % 3] for n in range(8) for i in range(50)}
        assert stored == {**expected, "contested": stored["contested"]}
        for registry in (a, b):  # each one's memory: the table, within a second of the last write
            await eventually(lambda r=registry: r._defaults.load() == stored)
    reliability.record("shared-defaults", {
        "scenario": "8 writers x 50 roles, in-process, two registries", "processes": 1, "writes": 800,
        "lost": 0, "outcome": "every role in the table and in both registries' memory within 1 s",
    })


async def test_a_database_outage_keeps_reads_answering_and_fails_writes_cleanly(tmp_path, postgres, reliability):
    registry = registry_on(tmp_path, postgres.url)
    async with registry.running(background_refresh=False):
        await registry.set_default("openai/gpt-5-mini", "small")
        await anyio.to_thread.run_sync(postgres.stop)
        await eventually(lambda: registry._defaults.problem is not None, seconds=20)
        # Reads: the last known defaults, and status says why.
        assert registry.get_default("small").model == "openai/gpt-5-mini"
        problem = next(p for p in registry.status().problems if "shared defaults" in p)
        assert "answering with the 1 defaults known then" in problem
        assert registry.readiness()
        # Writes: a clear error, quickly, and nothing changed.
        start = time.monotonic()
        with pytest.raises(OSError, match="did not take the change: connection refused"):
            await registry.set_default("openai/gpt-5", "small")
        assert time.monotonic() - start < 5
        assert registry.get_default("small").model == "openai/gpt-5-mini"
        # Meanwhile another process changes a default; after recovery this one reads it.
        await anyio.to_thread.run_sync(postgres.start)
        conn = await asyncpg.connect(postgres.url)
        try:
            await conn.execute(f"UPDATE {TABLE} SET model = 'anthropic/claude-haiku-4-5' WHERE role = 'small'")
        finally:
            await conn.close()
        took = await eventually(lambda: registry._defaults.problem is None, seconds=10)  # from the restart's end
        assert registry.get_default("small").model == "anthropic/claude-haiku-4-5"
        assert registry.readiness() == []
        await registry.set_default("openai/gpt-5", "small")
        assert registry.get_default("small").model == "openai/gpt-5"
        assert registry.defaults_store_errors >= 2
    reliability.record("shared-defaults", {
        "scenario": "database stopped mid-run, then started", "processes": 1, "writes": 3, "lost": 0,
        "outcome": (
            f"reads: last known + status problem; writes: error; current again {took:.1f} s after another "
            "client's write"
        ),
    })


async def test_a_wrong_password_is_a_clear_problem_and_never_echoed(tmp_path, postgres, reliability, caplog):
    wrong = "wrong-" + postgres.password[::-1]
    registry = registry_on(tmp_path, postgres.url_with_password(wrong))
    async with registry.running(background_refresh=False):
        status = registry.status()
        problem = next(p for p in status.problems if "shared defaults" in p)
        assert "refused the credentials (wrong password)" in problem
        assert registry.get_default().source == "fallback"  # the server still answers
        with pytest.raises(OSError, match="refused the credentials") as raised:
            await registry.set_default("openai/gpt-5")
    seen = [problem, str(raised.value), status.model_dump_json(), caplog.text, *registry.readiness()]
    assert not [text for text in seen if wrong in text or postgres.password in text]
    reliability.record("shared-defaults", {
        "scenario": "wrong password", "processes": 1, "writes": 1, "lost": 0,
        "outcome": "status problem and write error say 'refused the credentials'; password in no output",
    })


def test_one_shot_cli_commands_read_and_write_the_shared_defaults(tmp_path, postgres):
    env = {**server_env(tmp_path), **KEYS, "MODELS_REGISTRY_STATE_URL": postgres.url, "MODELS_REGISTRY_LOCAL": "off"}
    cli = [sys.executable, "-m", "models_registry"]
    done = subprocess.run([*cli, "default", "set", "openai/gpt-5-mini", "--role", "small"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr, done.stderr  # a fresh database: nothing to warn about
    status = subprocess.run([*cli, "status", "--json"], env=env, capture_output=True, text=True, timeout=60)
    assert '"problems": []' in status.stdout and "(read at " in status.stdout, status.stdout
    shown = subprocess.run([*cli, "default", "get", "--role", "small", "--json"], env={**env, "MODELS_REGISTRY_STATE_DIR": str(tmp_path / "elsewhere")},
                           capture_output=True, text=True, timeout=60)
    assert '"model": "openai/gpt-5-mini"' in shown.stdout and '"source": "stored (set_default)"' in shown.stdout
    assert not (tmp_path / "state" / "defaults.json").exists()  # the database, not the file
    postgres.stop()
    failed = subprocess.run([*cli, "default", "set", "openai/gpt-5", "--role", "small"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert failed.returncode == 1 and "could not save the default" in failed.stderr
    assert postgres.password not in failed.stderr + failed.stdout


# --- server processes --------------------------------------------------------------------------------


class Alternating(httpx2.AsyncBaseTransport):
    """Sends each HTTP request to the next server in turn, as a round-robin load balancer would."""

    def __init__(self, bases: list[str]):
        self.ports = itertools.cycle([httpx2.URL(base).port for base in bases])
        self.inner = httpx2.AsyncHTTPTransport()
        self.sent: Counter[int] = Counter()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        port = next(self.ports)
        request.url = request.url.copy_with(port=port)
        request.headers["host"] = f"127.0.0.1:{port}"
        self.sent[port] += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@asynccontextmanager
async def client_of(bases: list[str], mode: str = "auto", **options):
    """An MCP client whose requests alternate between the servers at `bases`; yields (client, transport)."""
    transport = Alternating(bases)
    async with httpx2.AsyncClient(transport=transport, timeout=30) as http:
        async with Client(streamable_http_client(f"{bases[0]}/mcp", http_client=http), mode=mode, **options) as client:
            yield client, transport


@asynccontextmanager
async def replicas(tmp_path: Path, url: str, *flags: str, count: int = 2):
    """`count` server processes on one database, each with a state directory of its own; yields their base URLs."""
    async with AsyncExitStack() as stack:
        bases = []
        for n in range(count):
            env = {**server_env(tmp_path / f"replica{n}"), **KEYS, "MODELS_REGISTRY_STATE_URL": url,
                   "MODELS_REGISTRY_LOCAL": "off"}
            base, proc = stack.enter_context(http_server(tmp_path, "streamable-http", *flags, env=env))
            bases.append(base)
        yield bases


def text_of(result) -> str:
    return result.content[0].text


@pytest.mark.parametrize("mode", ["auto", "legacy"])  # 2026-07-28 requests, and 2025 handshake sessions
async def test_stateless_replicas_answer_a_client_that_alternates_between_them(tmp_path, postgres, reliability, mode):
    async with replicas(tmp_path, postgres.url, "--stateless") as bases, client_of(bases, mode) as (client, transport):
        set_result = await client.call_tool("set_default", {"model": "openai/gpt-5-mini", "role": "small"})
        assert not set_result.is_error, text_of(set_result)
        # The other replica hears of the write by NOTIFY, a few milliseconds after the commit: within a
        # second both answer it, and from then on every read, on either, does.
        deadline = time.monotonic() + 1
        while (await client.call_tool("get_default", {"role": "small"})).structured_content["model"] != "openai/gpt-5-mini":
            assert time.monotonic() < deadline, "a replica did not see the write within a second"
        for _ in range(4):
            got = await client.call_tool("get_default", {"role": "small"})
            assert got.structured_content["model"] == "openai/gpt-5-mini", text_of(got)
        assert len(transport.sent) == 2 and min(transport.sent.values()) >= 3  # both answered, in turn
    reliability.record("shared-defaults", {
        "scenario": f"stateless replicas, client ({mode}) alternating per request", "processes": 2, "writes": 1,
        "lost": 0,
        "outcome": "every request answered; get_default on either replica shows the write",
    })


async def test_stateful_replicas_cannot_serve_an_alternating_client(tmp_path, postgres):
    """Why --stateless exists: a handshake-era session lives in one process; the other answers 404 for it."""
    async with replicas(tmp_path, postgres.url) as bases:
        with pytest.raises(Exception):  # noqa: B017 - the SDK surfaces the 404 as its own error types
            with anyio.fail_after(20):
                async with client_of(bases, "legacy") as (client, _):
                    await client.call_tool("get_default", {})
                    await client.call_tool("get_default", {})


async def test_eight_clients_fifty_writes_each_across_two_replicas_lose_none(tmp_path, postgres, reliability):
    async with replicas(tmp_path, postgres.url, "--stateless") as bases:

        async def writer(n: int) -> None:
            async with client_of(bases[n % 2:] + bases[: n % 2]) as (client, _):
                async with anyio.create_task_group() as tg:
                    for i in range(50):
                        tg.start_soon(write, client, MODELS[i % 3], f"c{n}-r{i}")

        async def write(client, model: str, role: str) -> None:
            result = await client.call_tool("set_default", {"model": model, "role": role})
            assert not result.is_error, text_of(result)

        start = time.monotonic()
        async with anyio.create_task_group() as tg:
            for n in range(8):
                tg.start_soon(writer, n)
        took = time.monotonic() - start
        stored = await table_of(postgres.url)
        expected = {f"c{n}-r{i}": MODELS[i % 3] for n in range(8) for i in range(50)}
        assert stored == expected
        for base in bases:  # each replica's memory too, through its defaults resource
            async with client_of([base]) as (client, _):
                got = await client.call_tool("get_default", {"role": "c7-r49"})
                assert got.structured_content["model"] == MODELS[49 % 3]
    reliability.record("shared-defaults", {
        "scenario": "8 clients x 50 concurrent set_default, alternating over 2 stateless replicas",
        "processes": 2, "writes": 400, "lost": 0, "outcome": f"all 400 rows stored in {took:.1f} s",
    })


async def test_subscribers_on_one_replica_hear_of_a_default_set_on_another(tmp_path, postgres):
    async with replicas(tmp_path, postgres.url) as bases:
        told = anyio.Event()

        async def on_message(message) -> None:
            if isinstance(message, ResourceUpdatedNotification) and str(message.params.uri) == "models://defaults":
                told.set()

        async with client_of([bases[1]], "legacy", message_handler=on_message) as (watcher, _):
            with pytest.warns(UserWarning):  # the SDK marks resources/subscribe as deprecated
                await watcher.subscribe_resource("models://defaults")
            async with client_of([bases[0]]) as (writer, _):
                result = await writer.call_tool("set_default", {"model": "openai/gpt-5"})
                assert not result.is_error
            with anyio.fail_after(2):
                await told.wait()


async def test_replicas_keep_answering_through_a_database_outage(tmp_path, postgres, reliability):
    async with replicas(tmp_path, postgres.url, "--stateless") as bases, client_of(bases) as (client, _):
        assert not (await client.call_tool("set_default", {"model": "openai/gpt-5-mini", "role": "small"})).is_error
        await anyio.to_thread.run_sync(postgres.stop)
        await anyio.sleep(0.5)
        for _ in range(2):  # both replicas: the last known default, and status names the problem
            got = await client.call_tool("get_default", {"role": "small"})
            assert got.structured_content["model"] == "openai/gpt-5-mini"
            status = (await client.read_resource("models://status")).contents[0].text
            assert "shared defaults database" in status and "answering with the 1 defaults known then" in status
        failed = await client.call_tool("set_default", {"model": "openai/gpt-5", "role": "small"})
        assert failed.is_error and "could not save the default" in text_of(failed)
        assert "connection refused" in text_of(failed) and "nothing was changed" in text_of(failed)
        await anyio.to_thread.run_sync(postgres.start)
        deadline = time.monotonic() + 15
        while (await client.call_tool("set_default", {"model": "openai/gpt-5", "role": "small"})).is_error:
            assert time.monotonic() < deadline, "writes did not recover"
            await anyio.sleep(0.2)
        # The other replica reconnects within its backoff (2 s at most) and reads the table again.
        deadline = time.monotonic() + 3
        while {(await client.call_tool("get_default", {"role": "small"})).structured_content["model"]
               for _ in range(2)} != {"openai/gpt-5"}:
            assert time.monotonic() < deadline, "a replica did not catch up after the outage"
            await anyio.sleep(0.1)
    reliability.record("shared-defaults", {
        "scenario": "database stopped under 2 stateless replicas, then started", "processes": 2, "writes": 2,
        "lost": 0, "outcome": "reads answered from memory; writes a tool error; both replicas current after",
    })


async def test_a_wrong_password_leaves_the_server_answering_and_unechoed(tmp_path, postgres, reliability):
    wrong = "wrong-" + postgres.password[::-1]
    env = {**server_env(tmp_path), **KEYS, "MODELS_REGISTRY_STATE_URL": postgres.url_with_password(wrong),
           "MODELS_REGISTRY_LOCAL": "off"}
    with http_server(tmp_path, "streamable-http", "--stateless", env=env, command=[*SERVE, "-v"]) as (base, proc):
        async with client_of([base]) as (client, _):
            outputs = [await client.call_tool("get_default", {}), await client.call_tool("list_providers", {}),
                       await client.call_tool("set_default", {"model": "openai/gpt-5"})]
            status = await client.read_resource("models://status")
        assert not outputs[0].is_error and outputs[2].is_error
        assert "refused the credentials" in text_of(outputs[2])
        proc.terminate()
        stderr = proc.communicate(timeout=10)[1].decode()
    seen = [text_of(o) for o in outputs] + [str(o.structured_content) for o in outputs]
    seen += [status.contents[0].text, stderr]
    assert "refused the credentials" in status.contents[0].text
    assert not [text for text in seen if wrong in text or postgres.password in text]
    reliability.record("shared-defaults", {
        "scenario": "server started with a wrong password", "processes": 1, "writes": 1, "lost": 0,
        "outcome": "answers with fallbacks; status and the write's error say why; password in no output or log",
    })


async def test_readyz_and_metrics_follow_the_database(tmp_path, postgres, reliability):
    async with replicas(tmp_path, postgres.url, "--stateless", count=1) as (base,):
        async with httpx2.AsyncClient(base_url=base, timeout=10) as http:

            async def ready() -> tuple[int, str]:
                response = await http.get("/readyz")
                return response.status_code, response.text

            async def store_errors() -> float:
                families = text_string_to_metric_families((await http.get("/metrics")).text)
                return next(s.value for f in families for s in f.samples
                            if s.name == "models_registry_defaults_store_errors_total")

            assert (await ready())[0] == 200 and await store_errors() == 0
            await anyio.to_thread.run_sync(postgres.stop)
            status, body = await ready()
            assert status == 503 and "shared defaults database" in body and postgres.password not in body
            async with client_of([base]) as (client, _):
                assert (await client.call_tool("set_default", {"model": "openai/gpt-5"})).is_error
            assert await store_errors() >= 1
            await anyio.to_thread.run_sync(postgres.start)
            deadline = time.monotonic() + 10
            while (await ready())[0] != 200:
                assert time.monotonic() < deadline, "/readyz did not recover"
                await anyio.sleep(0.1)
    reliability.record("shared-defaults", {
        "scenario": "/readyz and /metrics while the database is stopped", "processes": 1, "writes": 1, "lost": 0,
        "outcome": "/readyz 503 naming the database, 200 again after; defaults_store_errors_total counts",
    })


async def test_a_password_the_url_cannot_hold_is_refused_and_never_shown(tmp_path, postgres, reliability):
    """A password with '/', '?' or '#' ends a URL's userinfo early: refused as written; percent-encoded, or
    in PGPASSWORD, it works."""
    hard = "Ab3/kQ9?z#T@" + postgres.password[:8]
    conn = await asyncpg.connect(postgres.url)
    try:
        await conn.execute(f"ALTER ROLE registry PASSWORD '{hard}'")
    finally:
        await conn.close()
    raw = postgres.url_with_password("PLACEHOLDER").replace("PLACEHOLDER", hard)
    registry = registry_on(tmp_path, raw, "raw")
    async with registry.running(background_refresh=False):
        status = registry.status()
        with pytest.raises(OSError, match="cannot be read") as raised:
            await registry.set_default("openai/gpt-5")
        seen = [status.model_dump_json(), str(raised.value), *registry.readiness()]
    assert "percent-encode the password" in status.model_dump_json()
    assert not [text for text in seen if "kQ9" in text]
    async with registry_on(tmp_path, postgres.url_with_password(hard), "encoded").running(background_refresh=False) as ok:
        await ok.set_default("openai/gpt-5")
        assert ok.status().problems == []
    reliability.record("shared-defaults", {
        "scenario": "password with / ? # @ written raw in the URL", "processes": 1, "writes": 1, "lost": 0,
        "outcome": "refused before any connection, status says to percent-encode; encoded it works; never shown",
    })


async def test_a_replica_whose_first_connection_ends_keeps_following(tmp_path, postgres):
    """An SSE server runs one running() block per connection: when the first ends, another takes the listener over."""
    registry, other = registry_on(tmp_path, postgres.url, "a"), registry_on(tmp_path, postgres.url, "b")
    second_open, first_closed, done = anyio.Event(), anyio.Event(), anyio.Event()

    async def first_connection() -> None:
        async with registry.running(background_refresh=False):
            await second_open.wait()
        first_closed.set()

    async def second_connection() -> None:
        await anyio.sleep(0.1)  # the first holds the listener
        async with registry.running(background_refresh=False):
            second_open.set()
            await done.wait()

    async with other.running(background_refresh=False), anyio.create_task_group() as tg:
        tg.start_soon(first_connection)
        tg.start_soon(second_connection)
        await first_closed.wait()
        await other.set_default("anthropic/claude-haiku-4-5", "small")  # not what the fallback would give
        await eventually(lambda: registry.get_default("small").source == "stored (set_default)", seconds=3)
        assert registry.get_default("small").model == "anthropic/claude-haiku-4-5"
        done.set()


async def test_readiness_probes_do_not_knock_on_the_database(tmp_path, postgres):
    async def connections() -> int:
        conn = await asyncpg.connect(postgres.url)
        try:
            return await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE usename = 'registry'") - 1
        finally:
            await conn.close()

    async with registry_on(tmp_path, postgres.url).running(background_refresh=False) as registry:
        before = await connections()
        for _ in range(50):
            assert registry.readiness() == []
        assert await connections() == before  # the listener's connection only


def test_a_multi_host_url_is_shown_without_credentials(tmp_path):
    registry = registry_on(tmp_path, "postgresql://registry:sekrit-pw@10.0.0.1:5432,10.0.0.2:5432/registry")
    assert registry.status().defaults_store.startswith("postgresql://10.0.0.1:5432,10.0.0.2:5432/registry")
    assert "sekrit" not in registry.status().model_dump_json()

