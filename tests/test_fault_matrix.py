"""Every fault of the upstream catalog fetch, crossed with three starting states, end to end.

Each cell starts a real models.dev stand-in on loopback (conftest's `Upstream`, served
by a server this file can stop and start on a fixed port), prepares a starting state
(no cache, a good cache of tests/data/mini-api.json, or a cache whose api.json is
garbage), starts a fresh `Registry` over it as a restarted process would, breaks the
upstream, and then talks to the registry only through the SDK's in-memory MCP client:

(a) after the failed refresh, `list_providers` and `get_model` answer from the last good
    catalog (the cache's, or the bundled snapshot when there was no usable cache);
(b) `models://status` names the fault in `last_refresh` (or counts the skipped model);
(c) api.json is byte-for-byte unchanged, or a valid newer catalog;
(d) once the upstream is mended, the next forced refresh heals.

The DNS cell runs in a child process under `unshare -rnm`: a private network namespace
(only its own loopback) and a private /etc/hosts that the child edits to make the name
resolve or not, so the lookup fails without a packet leaving the machine. Each cell
records one row of docs/reliability.md's fault-matrix table.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest
import uvicorn
from mcp.client import Client
from starlette.applications import Starlette
from starlette.routing import Route

from models_registry.catalog import parse_catalog
from models_registry.mcp_server import build_server
from models_registry.registry import Registry
from models_registry.settings import Settings
from models_registry.sources import CatalogCache, FetchLimits, load_snapshot

from .conftest import MINI_CATALOG, Upstream, _TruncatingApp, json_from_child
from .test_refresh import shrunk

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).parents[1]
# Small bounds so the hang and trickle cells cost ~1.5 s each; the cap sits well above mini-api.json (32 KB).
LIMITS = FetchLimits(connect_timeout=1.0, total_timeout=1.5, max_bytes=200_000)
# A TTL no catalog outlives: the background refresh the MCP lifespan starts then sleeps instead of
# racing the cell's own forced refresh against the broken upstream.
TEN_YEARS = 10 * 365 * 86400
PROBE = "openai/gpt-5-mini"  # in the snapshot, in mini-api.json, kept by the 90% shrink, not the poisoned one
POISONED = "openai/gpt-5"
GOOD_MODELS = 39
DNS_HOST = "upstream.fault-matrix.test"
STATES = ("no cache", "good cache", "corrupt cache")


# --- the upstream of one cell -------------------------------------------------------------------


class Site:
    """conftest's Upstream on 127.0.0.1 at a fixed port: it can be stopped (refused) and started again."""

    def __init__(self, port: int = 0, host_name: str = "127.0.0.1") -> None:
        self.upstream = Upstream()
        self.port = port
        self.host_name = host_name  # what the URL says; the server always listens on 127.0.0.1
        self.hosts_file: Path | None = None  # the DNS cell's private /etc/hosts
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host_name}:{self.port}/api.json"

    def start(self) -> None:
        app = _TruncatingApp(self.upstream, Starlette(routes=[Route("/api.json", self.upstream.endpoint)]))
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="critical", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"the test upstream did not start on port {self.port}")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = self._server.force_exit = True
            self._thread.join(5)
            self._server = None


def poisoned() -> bytes:
    """mini-api.json with one model whose context limit is a string: that model is skipped, not all."""
    raw = json.loads(MINI_CATALOG.read_text())
    provider_id, model_id = POISONED.split("/")
    raw[provider_id]["models"][model_id]["limit"] = {"context": "huge"}
    return orjson.dumps(raw)


def oversized() -> bytes:
    """A valid catalog padded past the cap with whitespace: only the size limit can refuse it."""
    return MINI_CATALOG.read_bytes() + b" " * (2 * LIMITS.max_bytes)


def _hosts(resolves: bool) -> str:
    return "127.0.0.1 localhost\n" + (f"127.0.0.1 {DNS_HOST}\n" if resolves else "")


def _set_hosts(site: Site, resolves: bool) -> None:
    # Written in place: /etc/hosts is bind-mounted onto this very inode, and glibc rereads it at each lookup.
    site.hosts_file.write_text(_hosts(resolves))


# --- the faults -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """How to break and mend the upstream, and what the refresh must say (per state where it differs)."""

    name: str
    outcome: str
    error: str | None  # a substring of last_refresh.error; None: no error at all
    upstream_fault: str | None = None  # one of conftest's Upstream.FAULTS
    body: Callable[[], bytes] | None = None  # or a different body served from the same URL
    inject: Callable[[Site], None] | None = None  # or a custom way to break it
    mend: Callable[[Site], None] | None = None
    per_state: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    in_child: bool = False

    def expected(self, state: str) -> tuple[str, str | None]:
        return self.per_state.get(state, (self.outcome, self.error))

    def break_upstream(self, site: Site) -> None:
        if self.inject:
            self.inject(site)
        elif self.body:
            site.upstream.serve(self.body(), '"broken"')
        else:
            site.upstream.fault = self.upstream_fault

    def mend_upstream(self, site: Site) -> None:
        if self.mend:
            self.mend(site)
        else:
            site.upstream.serve(MINI_CATALOG.read_bytes(), '"v1"')  # also clears upstream.fault


FAULTS = [
    Fault("connection refused", "failed", "connection refused", inject=Site.stop, mend=Site.start),
    Fault(
        "DNS failure",
        "failed",
        "DNS lookup failed",
        inject=lambda s: _set_hosts(s, False),
        mend=lambda s: _set_hosts(s, True),
        in_child=True,
    ),
    Fault("hang past the timeout", "failed", "timed out", upstream_fault="hang"),
    Fault("slow trickle", "failed", "timed out", upstream_fault="trickle"),
    Fault("HTTP 500", "failed", "HTTP 500", upstream_fault="http_500"),
    Fault("HTTP 404", "failed", "HTTP 404", upstream_fault="http_404"),
    Fault("HTTP 429 + Retry-After", "failed", "HTTP 429", upstream_fault="http_429"),
    # A 304 is only wrong when we sent no validator; a registry holding the cache's ETag asked for one.
    Fault(
        "304 without a prior ETag",
        "failed",
        "not conditional",
        upstream_fault="not_modified_always",
        per_state={"good cache": ("not_modified", None)},
    ),
    Fault("truncated body", "failed", "before the body was complete", upstream_fault="truncated"),
    Fault("HTML body", "rejected", "not valid JSON", upstream_fault="html"),
    Fault("wrong JSON shape", "rejected", "expected a JSON object", upstream_fault="wrong_shape"),
    Fault("one poisoned model", "updated", None, body=poisoned),
    Fault("body over the size cap", "failed", f"over the {LIMITS.max_bytes}-byte cap", body=oversized),
    # The gate compares against the catalog in hand only when it came from the same URL. The snapshot
    # says https://models.dev/api.json, so against a loopback URL it is no reference: the shrunk
    # catalog is accepted in the no-cache and corrupt-cache states (recorded as it happens).
    Fault(
        "90% shrink",
        "updated",
        None,
        body=lambda: shrunk(0.1),
        per_state={"good cache": ("rejected", f"shrank from {GOOD_MODELS} to 3 models")},
    ),
    Fault("redirect loop", "failed", "too many redirects", upstream_fault="redirect_loop"),
]


# --- one cell ---------------------------------------------------------------------------------------


def _short(error: str) -> str:
    """The head of an error, for a table cell: 'not valid JSON (unexpected ...)' -> 'not valid JSON'."""
    head = error.split(" (")[0].split(";")[0]
    return head if len(head) <= 60 else head[:59] + "…"


async def _read_status(client: Client) -> dict[str, Any]:
    return json.loads((await client.read_resource("models://status")).contents[0].text)


async def _refresh(client: Client) -> tuple[dict[str, Any], str]:
    result = await client.call_tool("refresh_catalog", {"force": True})
    assert not result.is_error, result.content
    return result.structured_content, result.content[0].text


async def _prepare(site: Site, state: str, settings: Settings) -> None:
    if state == "no cache":
        return
    first = await Registry(settings, env={}, limits=LIMITS).refresh(force=True)
    assert first.outcome == "updated", first
    if state == "corrupt cache":
        (settings.cache_dir / "api.json").write_bytes(b"\x00garbage{{{" * 100)


def _cache_verdict(cache_dir: Path, before: bytes | None, fetched_before) -> str:
    path = cache_dir / "api.json"
    after = path.read_bytes() if path.exists() else None
    leftovers = list(cache_dir.glob("*.tmp")) if cache_dir.exists() else []
    assert not leftovers, f"temp files left behind: {leftovers}"
    if after is None:
        assert before is None, "the cache file disappeared"
        return "absent"
    if after == before:
        return "unchanged"
    loaded = CatalogCache(cache_dir).load()  # raises CacheError unless it is a valid catalog
    assert loaded.catalog.model_count > 0
    assert fetched_before is None or loaded.fetched_at > fetched_before
    return "valid newer"


async def run_cell(site: Site, fault: Fault, state: str, workdir: Path) -> dict[str, str]:
    """Prepare `state`, break the upstream with `fault`, check (a)-(d) through MCP; returns the table row."""
    settings = Settings(
        url=site.url,
        ttl_seconds=TEN_YEARS,
        cache_dir=workdir / "cache",
        state_dir=workdir / "state",
        config_file=None,
    )
    await _prepare(site, state, settings)

    registry = Registry(settings, env={}, limits=LIMITS)  # a restarted process over that state
    before = registry.status()
    assert before.source == ("cache" if state == "good cache" else "snapshot")
    if state == "corrupt cache":
        assert any("corrupt" in p for p in before.problems), before.problems
    held_ids = set(registry.catalog.provider_ids)
    cache_dir = settings.cache_dir
    cache_before = (cache_dir / "api.json").read_bytes() if (cache_dir / "api.json").exists() else None
    meta_before = CatalogCache(cache_dir).read_meta().fetched_at if state != "no cache" else None

    want_outcome, want_error = fault.expected(state)
    fault.break_upstream(site)
    async with Client(build_server(registry), mode="legacy") as client:
        result, text = await _refresh(client)

        # (b) the tool and models://status both name what happened.
        assert result["outcome"] == want_outcome, result
        if want_error is None:
            assert result["error"] is None, result
        else:
            assert want_error in result["error"] and result["error"] in text, (result, text)
        status = await _read_status(client)
        assert status["last_refresh"]["outcome"] == want_outcome
        assert status["last_refresh"]["error"] == result["error"]
        if state == "corrupt cache" and want_outcome != "updated":
            assert any("corrupt" in p for p in status["problems"]), status["problems"]  # still said
        if fault.upstream_fault == "http_429":
            assert registry._next_attempt_in() >= 120  # Retry-After: 120 holds the background task back

        # (a) the tools answer from the last good catalog, or from the new one when it was accepted.
        if want_outcome == "updated":
            new = parse_catalog(site.upstream.body)
            want_ids, want_models, want_source = set(new.provider_ids), new.model_count, "network"
        else:
            want_ids, want_models, want_source = held_ids, before.models, before.source
        providers = (await client.call_tool("list_providers", {"available_only": False})).structured_content
        assert {p["id"] for p in providers["providers"]} == want_ids
        assert (status["source"], status["models"]) == (want_source, want_models)
        probe = await client.call_tool("get_model", {"model": PROBE})
        assert not probe.is_error and probe.structured_content["model"] == PROBE, probe.content
        if fault.name == "one poisoned model":
            assert status["skipped_models"] == 1
            gone = await client.call_tool("get_model", {"model": POISONED})
            assert gone.is_error and "Unknown model" in gone.content[0].text

        # (c) a failed or rejected fetch never writes the cache; an accepted one writes a valid catalog.
        verdict = _cache_verdict(cache_dir, cache_before, meta_before)
        if want_outcome in ("failed", "rejected", "not_modified"):
            assert verdict in ("unchanged", "absent"), verdict
        else:
            assert verdict == "valid newer", verdict

        # (d) mend the upstream: the next forced refresh heals.
        fault.mend_upstream(site)
        healed, _ = await _refresh(client)
        assert healed["outcome"] in ("updated", "not_modified") and healed["error"] is None, healed
        after = await _read_status(client)
        assert after["last_refresh"]["error"] is None and after["models"] == GOOD_MODELS
        assert CatalogCache(cache_dir).load().catalog.model_count == GOOD_MODELS

    if result["error"]:
        says = _short(result["error"])
    elif status["skipped_models"]:
        says = f"skipped_models: {status['skipped_models']}"
    else:
        says = f"no error ({status['source']}, {status['models']} models)"
    return {
        "fault": fault.name,
        "state": state,
        "outcome": result["outcome"],
        "status names": says,
        "cache": verdict,
        "heals": f"yes ({healed['outcome']})",
    }


# --- the DNS cell's child process ---------------------------------------------------------------------


def dns_child_main(state: str, workdir: str, hosts_file: str) -> None:
    """Run inside `unshare -rnm` with /etc/hosts bind-mounted from `hosts_file`; prints the row as JSON."""
    import anyio

    fault = next(f for f in FAULTS if f.in_child)
    site = Site(host_name=DNS_HOST)
    site.hosts_file = Path(hosts_file)
    site.start()
    try:
        row = anyio.run(run_cell, site, fault, state, Path(workdir))
    finally:
        site.stop()
    print(json.dumps(row))


_NAMESPACE_SCRIPT = 'ip link set lo up && mount --bind "$1" /etc/hosts && shift && exec "$@"'


def _namespaces_unavailable(tmp_path: Path) -> str | None:
    """Why the DNS cell cannot run here, or None."""
    if not shutil.which("unshare") or not shutil.which("ip"):
        return "needs unshare(1) and ip(8)"
    probe = tmp_path / "hosts-probe"
    probe.write_text(_hosts(True))
    proc = subprocess.run(
        ["unshare", "-rnm", "sh", "-c", _NAMESPACE_SCRIPT, "sh", str(probe), "true"],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return None if proc.returncode == 0 else f"`unshare -rnm` with a bind mount failed: {proc.stderr.strip()}"


def run_dns_cell_in_child(state: str, tmp_path: Path) -> dict[str, str]:
    if reason := _namespaces_unavailable(tmp_path):
        pytest.skip(f"DNS failure cell: {reason}")
    hosts = tmp_path / "hosts"
    hosts.write_text(_hosts(True))
    code = "import sys; from tests.test_fault_matrix import dns_child_main; dns_child_main(*sys.argv[1:])"
    command = ["unshare", "-rnm", "sh", "-c", _NAMESPACE_SCRIPT, "sh", str(hosts)]
    return json_from_child([*command, sys.executable, "-c", code, state, str(tmp_path / "cell"), str(hosts)], ROOT)


# --- the matrix -------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
async def test_fault_cell_keeps_serving_names_the_fault_and_heals(
    fault, state, tmp_path, refused_url, reliability
):
    if fault.in_child:
        row = run_dns_cell_in_child(state, tmp_path)
    else:
        # The refused cell reuses refused_url's free port: served while the state is prepared, then stopped.
        site = Site(port=urlsplit(refused_url).port if fault.name == "connection refused" else 0)
        site.start()
        try:
            row = await run_cell(site, fault, state, tmp_path / "cell")
        finally:
            site.stop()
    assert row["heals"].startswith("yes")
    reliability.record("fault-matrix", row)


def test_the_matrix_covers_every_named_upstream_fault():
    """A fault added to conftest's Upstream must get a row here too."""
    covered = {f.upstream_fault for f in FAULTS if f.upstream_fault}
    assert covered == set(Upstream.FAULTS)


def test_the_snapshot_holds_the_probe_model():
    """The (a) checks in the no-cache states ask the snapshot for PROBE."""
    assert "gpt-5-mini" in load_snapshot().catalog.entry("openai")["models"]


async def test_a_restart_still_counts_the_model_the_fetch_skipped(tmp_path):
    site = Site()
    site.start()
    try:
        site.upstream.serve(poisoned(), '"poisoned"')
        settings = Settings(
            url=site.url, cache_dir=tmp_path / "cache", state_dir=tmp_path / "state", config_file=None
        )
        assert (await Registry(settings, env={}, limits=LIMITS).refresh(force=True)).outcome == "updated"
    finally:
        site.stop()
    assert CatalogCache(settings.cache_dir).read_meta().skipped_models == 1
    restarted = Registry(settings, env={}, limits=LIMITS)
    async with Client(build_server(restarted), mode="legacy") as client:
        status = json.loads((await client.read_resource("models://status")).contents[0].text)
    assert (status["source"], status["models"]) == ("cache", GOOD_MODELS - 1)
    assert status["skipped_models"] == 1
