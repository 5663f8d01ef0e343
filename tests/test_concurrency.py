"""Several server processes sharing one cache and one state directory, refreshing and setting defaults at once.

Four real `models-registry serve` processes over stdio (the SDK's client each, two per
protocol era) share MODELS_REGISTRY_CACHE_DIR and MODELS_REGISTRY_STATE_DIR and fetch from
the loopback `upstream`, which keeps alternating between two valid catalogs with different
ETags. Each process refreshes with force=true over and over while, on the same session, it
sets defaults on roles of its own and on one role they all share. Meanwhile a reader thread in
this process loads the cache and defaults.json as fast as it can.

What this proves: a reader never sees a torn or half-written file (every read parses, and is
one of the two catalogs); no set_default is lost (every distinct role ends up recorded with
its model, and the set of roles only ever grows); the shared role holds one of the values
written; the cache ends as one of the two served catalogs; nothing is left behind (temporary
files, server tracebacks); and a fresh Registry on those directories starts cleanly.
tests/test_config.py covers many processes setting defaults with no refresh going on.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import orjson
import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from models_registry.catalog import parse_catalog
from models_registry.registry import Registry
from models_registry.settings import Settings
from models_registry.sources import CacheError, CatalogCache

from .conftest import MINI_CATALOG

pytestmark = pytest.mark.anyio

PROCESSES = 4
REFRESHES = 12  # per process, force=true each
ROLES = 25  # distinct roles per process
SHARED_EVERY = 5  # a write to the shared role after every 5th distinct role: 5 per process
SHARED_ROLE = "shared"
# Models present in both catalogs; process i writes SHARED_MODELS[i] to the shared role.
MODELS = ["openai/gpt-5", "openai/gpt-5-mini", "anthropic/claude-haiku-4-5"]
SHARED_MODELS = ["openai/gpt-5", "openai/gpt-5-mini", "openai/gpt-5-nano", "openai/gpt-4o"]
ETAG_A, ETAG_B = '"catalog-a"', '"catalog-b"'


def two_catalogs() -> tuple[bytes, bytes]:
    """The mini catalog, and a changed one: a model added and a price raised (both pass the gate)."""
    a = MINI_CATALOG.read_bytes()
    raw = json.loads(a)
    raw["openai"]["models"]["gpt-9"] = {**raw["openai"]["models"]["gpt-5"], "id": "gpt-9", "name": "GPT-9"}
    raw["openai"]["models"]["gpt-5"]["cost"]["input"] = 9.5
    return a, orjson.dumps(raw)


def stored_form(body: bytes) -> bytes:
    """The bytes the cache holds for a served catalog: what passed validation, as compact JSON."""
    return parse_catalog(body).to_json_with_index()[0]


@dataclass
class Reader:
    """Loads the cache and defaults.json in a loop; every read must be whole and one of the expected values."""

    cache_dir: Path
    state_dir: Path
    expected: dict[bytes, str]  # stored catalog bytes → name
    stop: threading.Event = field(default_factory=threading.Event)
    reads: int = 0
    torn: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    catalogs_seen: Counter = field(default_factory=Counter)
    roles_seen: set[str] = field(default_factory=set)

    def run(self) -> None:
        cache = CatalogCache(self.cache_dir)
        defaults = self.state_dir / "defaults.json"
        while not self.stop.is_set():
            self._read_cache(cache)
            self._read_defaults(defaults)
            time.sleep(0.001)  # leave the GIL to the event loop driving the clients

    def _read_cache(self, cache: CatalogCache) -> None:
        try:
            loaded = cache.load()
        except CacheError as exc:
            if str(exc) != "no cache yet" or self.catalogs_seen:  # once written, the cache never vanishes
                self.torn.append(f"cache: {exc}")
            return
        name = self.expected.get(loaded.catalog.to_json())
        if name is None:
            self.torn.append(f"cache: a catalog of {loaded.catalog.model_count} models that was never served")
        else:
            self.catalogs_seen[name] += 1
        self.reads += 1

    def _read_defaults(self, path: Path) -> None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            if self.roles_seen:
                self.torn.append("defaults.json vanished")
            return
        try:
            roles = orjson.loads(data)["roles"]
            assert isinstance(roles, dict) and all(isinstance(v, str) for v in roles.values())
        except (orjson.JSONDecodeError, KeyError, TypeError, AssertionError) as exc:
            self.torn.append(f"defaults.json: {type(exc).__name__} on {data[:80]!r}")
            return
        if missing := self.roles_seen - roles.keys():  # roles are only ever added
            self.lost.append(f"roles disappeared between two reads: {sorted(missing)}")
        self.roles_seen |= roles.keys()
        self.reads += 1


@dataclass
class Worker:
    """One server process: refresh results and set_default replies."""

    index: int
    outcomes: Counter = field(default_factory=Counter)
    set_calls: int = 0
    problems: list[str] = field(default_factory=list)

    async def run(self, env: dict[str, str], log: Path) -> None:
        params = StdioServerParameters(
            command=sys.executable, args=["-m", "models_registry", "serve"], env=env
        )
        mode = "legacy" if self.index % 2 == 0 else "auto"
        with log.open("w") as errlog:
            async with (
                Client(stdio_client(params, errlog=errlog), mode=mode) as client,
                anyio.create_task_group() as tg,  # both loops on one session, their requests interleaved
            ):
                tg.start_soon(self._refresh, client)
                tg.start_soon(self._set_defaults, client)

    async def _refresh(self, client: Client) -> None:
        for _ in range(REFRESHES):
            result = await client.call_tool("refresh_catalog", {"force": True})
            out = result.structured_content or {}
            self.outcomes[out.get("outcome", "error")] += 1
            if result.is_error or out.get("outcome") not in ("updated", "not_modified"):
                self.problems.append(f"refresh: {out.get('outcome')} {out.get('error') or result.content}")

    async def _set_defaults(self, client: Client) -> None:
        for n in range(ROLES):
            await self._set(client, MODELS[n % len(MODELS)], f"p{self.index}-r{n}", exact=True)
            if n % SHARED_EVERY == 0:
                await self._set(client, SHARED_MODELS[self.index], SHARED_ROLE, exact=False)

    async def _set(self, client: Client, model: str, role: str, *, exact: bool) -> None:
        result = await client.call_tool("set_default", {"model": model, "role": role})
        self.set_calls += 1
        got = (result.structured_content or {}).get("model")
        # The reply re-reads the file: on the shared role another process may have written since.
        if result.is_error or (got != model if exact else got not in SHARED_MODELS):
            self.problems.append(f"set_default({model}, {role}) answered {got!r}: {result.content}")


def temp_files(*directories: Path) -> list[str]:
    return [p.name for d in directories for p in d.iterdir() if p.name.endswith(".tmp")]


async def test_processes_sharing_a_cache_and_state_dir_never_tear_a_file_or_lose_an_update(
    upstream, tmp_path, reliability
):
    cache_dir, state_dir = tmp_path / "shared-cache", tmp_path / "shared-state"
    body_a, body_b = two_catalogs()
    served = {stored_form(body_a): "a", stored_form(body_b): "b"}
    upstream.serve(body_a, ETAG_A)
    env = {
        **os.environ,
        "MODELS_REGISTRY_URL": upstream.url,
        "MODELS_REGISTRY_CACHE_DIR": str(cache_dir),
        "MODELS_REGISTRY_STATE_DIR": str(state_dir),
        "OPENAI_API_KEY": "sk-concurrency",
    }
    reader = Reader(cache_dir, state_dir, served)
    workers = [Worker(i) for i in range(PROCESSES)]

    async def alternate_upstream(cancel: anyio.CancelScope) -> None:
        # serve() is not atomic against the upstream's thread, so a response may rarely pair one body
        # with the other ETag; every body is still one of the two valid catalogs, which is what counts here.
        with cancel:
            for n in itertools.count():
                upstream.serve(*((body_b, ETAG_B) if n % 2 else (body_a, ETAG_A)))
                await anyio.sleep(0.01)

    flipper = anyio.CancelScope()
    with anyio.fail_after(240):  # a safety net: a hang fails instead of blocking the suite
        async with anyio.create_task_group() as outer:
            outer.start_soon(alternate_upstream, flipper)
            outer.start_soon(anyio.to_thread.run_sync, reader.run)
            try:
                async with anyio.create_task_group() as tg:
                    for worker in workers:
                        tg.start_soon(worker.run, env, tmp_path / f"server-{worker.index}.log")
            finally:
                reader.stop.set()
                flipper.cancel()

    outcomes = sum((w.outcomes for w in workers), Counter())
    problems = [p for w in workers for p in w.problems]
    logs = {i: (tmp_path / f"server-{i}.log").read_text() for i in range(PROCESSES)}
    roles = orjson.loads((state_dir / "defaults.json").read_bytes())["roles"]
    wanted = {f"p{i}-r{n}": MODELS[n % len(MODELS)] for i in range(PROCESSES) for n in range(ROLES)}
    lost = sorted(role for role, model in wanted.items() if roles.get(role) != model)
    fresh = Registry(
        Settings(url=upstream.url, cache_dir=cache_dir, state_dir=state_dir, config_file=None, offline=True),
        env={},
    )
    reliability.record(
        "concurrency",
        {
            "processes": PROCESSES,
            "refreshes": sum(outcomes.values()),
            "updated / not modified": f"{outcomes['updated']} / {outcomes['not_modified']}",
            "set_default calls": sum(w.set_calls for w in workers),
            "reads checked": reader.reads,
            "torn reads": len(reader.torn),
            "lost updates": len(lost) + len(reader.lost),
        },
    )

    assert problems == []
    assert reader.torn == [] and reader.lost == []
    assert lost == [] and roles[SHARED_ROLE] in SHARED_MODELS
    assert set(roles) == {*wanted, SHARED_ROLE}
    # The refreshes really raced: catalogs were swapped both ways and the reader saw the cache change.
    assert outcomes["updated"] >= 2 and set(reader.catalogs_seen) == {"a", "b"}
    assert CatalogCache(cache_dir).load().catalog.to_json() in served
    assert temp_files(cache_dir, state_dir) == []
    assert all("Traceback" not in log and "ERROR" not in log for log in logs.values()), logs
    status = fresh.status()
    assert (status.source, status.problems) == ("cache", [])
    assert fresh.get_default(SHARED_ROLE).source == "stored (set_default)"
    assert set(fresh.roles()) >= {*wanted, SHARED_ROLE}
