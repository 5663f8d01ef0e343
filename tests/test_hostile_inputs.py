"""Hostile catalogs, configs and clients (issue 13), each through the surface where a review found it.

A catalog is anyone's data: an entry passing as another provider, strings nested past what
can be written back, negative prices, credentials in its URL, names chosen to probe the
environment. A config can be nested past the TOML reader. A client can subscribe to fresh
URIs without end, send numbers of thousands of digits, or page past the end. An upstream can
ask for a retry in 30,000 years. Each test here failed before the fix it names; each records
a row in docs/reliability.md ("hostile").
"""

from __future__ import annotations

import json
import select
import subprocess
from pathlib import Path

import httpx2
import orjson
import pytest
from mcp.client import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from models_registry.cli import main
from models_registry.credentials import KNOWN_SETTINGS, ReadableNames
from models_registry.mcp_server import MAX_SUBSCRIPTIONS_PER_SESSION, LegacySubscriptions, build_server
from models_registry.recommend import RecommendRequest
from models_registry.registry import MAX_BACKOFF, Registry
from models_registry.settings import Settings
from models_registry.sources import CatalogCache, snapshot_dir

from .conftest import MINI_CATALOG, _serve_in_thread
from .test_http_security import minimal_env, open_session, rpc_payload, rss_mib
from .test_transports import SERVE, http_server

pytestmark = pytest.mark.anyio

SECTION = "hostile"


def row(reliability, defect: str, attack: str, surface: str, now: str) -> None:
    reliability.record(SECTION, {"defect": defect, "attack": attack, "surface": surface, "now": now})


def mini() -> dict:
    return orjson.loads(MINI_CATALOG.read_bytes())


def catalog_file(tmp_path: Path, raw: dict) -> Path:
    path = tmp_path / "hostile-api.json"
    path.write_bytes(orjson.dumps(raw))
    return path


def file_registry(tmp_path: Path, raw: dict, env: dict[str, str] | None = None) -> Registry:
    settings = Settings(catalog_file=catalog_file(tmp_path, raw), cache_dir=tmp_path / "cache", state_dir=tmp_path / "state")
    return Registry(settings, env=env if env is not None else {})


def run_json(capsys, *argv: str) -> tuple[int, dict]:
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


# --- 1. subscriptions --------------------------------------------------------------------------


def rpc(base: str, headers: dict, request_id: int, method: str, uri: str):
    body = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": {"uri": uri}}
    return rpc_payload(httpx2.post(f"{base}/mcp", json=body, headers=headers, timeout=60))


FRESH_URIS, URI_BYTES, GROWTH_LIMIT_MIB = 60, 900_000, 30


def test_unsubscribing_from_fresh_huge_uris_does_not_grow_the_server(tmp_path, reliability):
    # Before: each unsubscribe left its URI behind as a key (a defaultdict), ~2.7 MB per call.
    with http_server(tmp_path, "streamable-http", env=minimal_env(tmp_path)) as (base, proc):
        headers = open_session(base)
        rpc(base, headers, 1, "resources/unsubscribe", "models://warm-up/" + "w" * URI_BYTES)
        before = rss_mib(proc.pid)
        for number in range(FRESH_URIS):
            reply = rpc(base, headers, 10 + number, "resources/unsubscribe", f"models://{number}/" + "u" * URI_BYTES)
            assert "result" in reply, reply
        growth = rss_mib(proc.pid) - before
    assert growth < GROWTH_LIMIT_MIB, f"RSS grew {growth:.0f} MiB over {FRESH_URIS} unsubscribes"
    row(
        reliability, "01. unbounded subscriptions",
        f"{FRESH_URIS} resources/unsubscribe with fresh {URI_BYTES // 1000} KB URIs",
        "streamable HTTP server", f"RSS +{growth:.1f} MiB (limit {GROWTH_LIMIT_MIB}); nothing kept",
    )


def test_a_session_watches_a_bounded_number_of_uris_unknown_ones_included(tmp_path, reliability):
    with http_server(tmp_path, "streamable-http", env=minimal_env(tmp_path)) as (base, _proc):
        headers = open_session(base)
        uris = ["models://catalog", "models://status", "test://not-served-here"]
        uris += [f"models://providers/p{n}" for n in range(MAX_SUBSCRIPTIONS_PER_SESSION - len(uris))]
        for number, uri in enumerate(uris):
            assert "result" in rpc(base, headers, number, "resources/subscribe", uri)  # unknown URIs too
        assert "result" in rpc(base, headers, 50, "resources/subscribe", uris[0])  # again: no new entry
        over = rpc(base, headers, 51, "resources/subscribe", "models://one-too-many")
        assert over["error"]["code"] == -32602 and "at most" in over["error"]["message"]
        assert "result" in rpc(base, headers, 52, "resources/unsubscribe", uris[-1])
        assert "result" in rpc(base, headers, 53, "resources/subscribe", "models://one-too-many")
        huge = rpc(base, headers, 54, "resources/unsubscribe", "x" * 10)  # unknown: fine, nothing stored
        assert "result" in huge
        too_long = rpc(base, headers, 55, "resources/subscribe", "models://" + "l" * 5000)
        assert too_long["error"]["code"] == -32602
        other = open_session(base)  # the cap is per session
        assert "result" in rpc(base, other, 60, "resources/subscribe", "models://one-too-many")
    row(
        reliability, "01. unbounded subscriptions",
        f"resources/subscribe to {MAX_SUBSCRIPTIONS_PER_SESSION + 1} URIs in one session, and a 5,000-character URI",
        "streamable HTTP server",
        f"the {MAX_SUBSCRIPTIONS_PER_SESSION + 1}th and the long URI get invalid params; unknown URIs accepted, counted",
    )


async def test_a_sessions_subscriptions_go_when_it_ends(tmp_path, reliability):
    book = LegacySubscriptions()
    registry = file_registry(tmp_path, mini())
    async with Client(build_server(registry, book), mode="legacy") as client:
        for uri in ("models://catalog", "models://status", "test://unknown"):
            with pytest.warns(UserWarning):  # the SDK marks resources/subscribe as deprecated
                await client.subscribe_resource(uri)
        assert len(book) == 3
        for uri in ("test://unknown", "test://never-subscribed"):
            with pytest.warns(UserWarning):
                await client.unsubscribe_resource(uri)
        assert len(book) == 2  # the URI nobody watches is forgotten, and unsubscribe adds nothing
    assert len(book) == 0
    row(
        reliability, "01. unbounded subscriptions", "a client subscribes, then its session ends",
        "MCP SDK client, legacy session", "its entries are removed at session end",
    )


# --- 2. an entry passing as another provider -----------------------------------------------------


def spoofed_catalog() -> dict:
    raw = mini()
    model = {**raw["openai"]["models"]["gpt-5"], "id": "gpt-5-SPOOF", "name": "GPT-5 SPOOF"}
    raw["spoof"] = {"id": "openai", "name": "Spoof", "env": [], "models": {"gpt-5-SPOOF": model}}
    raw["lmstudio"]["models"]["mislabelled"] = {**raw["openai"]["models"]["gpt-5"], "id": "gpt-5"}
    return raw


def test_a_provider_entry_cannot_list_its_models_under_another_provider(tmp_path, capsys, monkeypatch, reliability):
    monkeypatch.setenv("MODELS_REGISTRY_CATALOG", str(catalog_file(tmp_path, spoofed_catalog())))
    code, listed = run_json(capsys, "models", "--all")
    assert code == 0
    refs = {item["model"] for items in listed["providers"].values() for item in items}
    assert "openai/gpt-5" in refs
    assert not [ref for ref in refs if "SPOOF" in ref or ref.startswith("spoof/")]
    assert "lmstudio/mislabelled" not in refs
    code, status = run_json(capsys, "status")
    assert status["skipped_models"] == 2
    registry = Registry(Settings.from_env(), env={})
    reasons = {entry.ref: entry.reason for entry in registry.catalog.skipped}
    assert reasons["spoof"] == "id: 'openai' differs from its key 'spoof'"
    assert reasons["lmstudio/mislabelled"] == "id: 'gpt-5' differs from its key 'mislabelled'"
    row(
        reliability, "02. catalog key vs inner id", 'provider keyed "spoof" with "id": "openai"; a model keyed apart from its id',
        "CLI `models --all`, `status`", "entry rejected and counted as skipped, with the reason; the key is the identity",
    )


# --- 5. nesting orjson cannot write back -------------------------------------------------------


def nested(depth: int):
    value: object = "bottom"
    for _ in range(depth):
        value = [value]
    return value


async def test_a_catalog_nested_too_deep_to_write_back_loses_only_those_entries(upstream, tmp_path, reliability):
    raw = mini()
    raw["openai"]["models"]["gpt-5"]["extra"] = nested(300)
    raw["groq"]["deep"] = nested(600)
    upstream.serve(json.dumps(raw).encode(), "\"deep\"")  # orjson itself cannot write it
    settings = Settings(url=upstream.url, cache_dir=tmp_path / "cache", state_dir=tmp_path / "state")
    registry = Registry(settings, env={})
    result = await registry.refresh(force=True)
    assert (result.outcome, result.saved) == ("updated", True)
    assert {s.ref for s in registry.catalog.skipped} == {"openai/gpt-5", "groq"}
    json.loads(registry.catalog.to_json())  # models://catalog and `show --json` write it back
    assert CatalogCache(tmp_path / "cache").load().catalog.model_count == registry.catalog.model_count
    async with Client(build_server(registry)) as client:
        catalog = await client.read_resource("models://catalog")
    assert "gpt-5-mini" in json.loads(catalog.contents[0].text)["openai"]["models"]
    row(
        reliability, "05. nesting orjson reads but cannot write",
        "a model nested 300 levels and a provider 600 levels, from a loopback upstream",
        "refresh, cache, models://catalog", "those two entries skipped and counted; the rest stored and served",
    )


# --- 6. Retry-After -------------------------------------------------------------------------------


@pytest.fixture
def throttling_upstream():
    """An upstream that answers 429 with whatever Retry-After the test sets."""
    state = {"retry_after": "120"}

    async def endpoint(_request: Request) -> Response:
        return Response("slow down", status_code=429, headers={"Retry-After": state["retry_after"]})

    server, thread, port = _serve_in_thread(Starlette(routes=[Route("/api.json", endpoint)]))
    state["url"] = f"http://127.0.0.1:{port}/api.json"
    yield state
    server.should_exit = server.force_exit = True
    thread.join(5)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("999999999999", MAX_BACKOFF),
        ("9" * 5000, 60.0),  # inf when read: ignored
        ("Fri, 31 Dec 9999 23:59:59 GMT", MAX_BACKOFF),
        ("soon", 60.0),
        ("-5", 60.0),
        ("120", 120.0),
    ],
)
async def test_retry_after_is_capped_at_the_backoff_maximum(throttling_upstream, tmp_path, header, expected, reliability):
    throttling_upstream["retry_after"] = header
    settings = Settings(url=throttling_upstream["url"], cache_dir=tmp_path / "cache", state_dir=tmp_path / "state")
    registry = Registry(settings, env={})
    result = await registry.refresh(force=True)
    assert result.outcome == "failed" and "429" in (result.error or "")
    assert registry._next_attempt_in() == expected  # 60 s is the first backoff step
    shown = header if len(header) < 40 else f"{len(header)} nines"
    row(
        reliability, "06. Retry-After not capped", f"HTTP 429 with Retry-After: {shown}",
        "background refresh against a loopback upstream", f"next attempt in {expected:g} s",
    )


# --- 7. a config nested past the TOML reader ----------------------------------------------------


def stdio_lines(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [*SERVE, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )


def send(proc: subprocess.Popen, line: str) -> None:
    proc.stdin.write(line.encode() + b"\n")
    proc.stdin.flush()


def receive(proc: subprocess.Popen, timeout: float = 20) -> dict | None:
    """The next reply (a message with an id); notifications (log messages) are passed over."""
    while True:
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        if not ready:
            return None
        message = json.loads(proc.stdout.readline())
        if "id" in message:
            return message


INITIALIZE = json.dumps({
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "hostile", "version": "1"}},
})


def start_stdio(env: dict[str, str]) -> subprocess.Popen:
    proc = stdio_lines(env)
    send(proc, INITIALIZE)
    reply = receive(proc)
    assert reply is not None and reply["id"] == 1 and "result" in reply, proc.stderr.read1().decode()
    send(proc, json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()
    proc.stderr.close()


@pytest.mark.parametrize("value", ["[" * 600 + "]" * 600, "{a=" * 600 + "1" + "}" * 600])
def test_a_config_nested_too_deeply_is_reported_and_ignored(tmp_path, value, reliability):
    config = tmp_path / "config.toml"
    config.write_text(f'x = {value}\n[defaults]\ndefault = "openai/gpt-5"\n')
    env = {**minimal_env(tmp_path), "MODELS_REGISTRY_CONFIG": str(config)}
    proc = start_stdio(env)  # before: RecursionError, exit 1, initialize never answered
    try:
        send(proc, json.dumps({"jsonrpc": "2.0", "id": 2, "method": "resources/read", "params": {"uri": "models://status"}}))
        status = json.loads(receive(proc)["result"]["contents"][0]["text"])
    finally:
        stop(proc)
    assert any("nested too deeply" in problem and str(config) in problem for problem in status["problems"])
    row(
        reliability, "07. deeply nested TOML config", f"config with {'an array' if value[0] == '[' else 'an inline table'} nested 600 levels",
        "stdio server start", "initialize answered; models://status names the broken config, which is ignored",
    )


# --- 8. credentials in the catalog URL's query --------------------------------------------------


def test_query_values_in_the_catalog_url_are_never_shown_or_stored(upstream, tmp_path, capsys, monkeypatch, reliability):
    canary = "sk-query-canary-5f1e"
    monkeypatch.setenv("MODELS_REGISTRY_URL", f"{upstream.url}?token={canary}&v=2")
    code, refreshed = run_json(capsys, "refresh")
    assert code == 0 and refreshed["result"]["outcome"] == "updated"
    code, status = run_json(capsys, "status")
    assert main(["status"]) == 0
    human = capsys.readouterr().out
    meta = (tmp_path / "cache" / "api.meta.json").read_text()
    registry = Registry(Settings.from_env(), env={})
    shown = {"refresh --json": json.dumps(refreshed), "status --json": json.dumps(status), "status": human, "api.meta.json": meta}
    shown["models://status"] = registry.status().model_dump_json()
    assert upstream.requests and all(canary not in text for text in shown.values()), [k for k, t in shown.items() if canary in t]
    assert "token=REDACTED&v=REDACTED" in status["url"] and "token=REDACTED" in meta
    row(
        reliability, "08. credentials in the catalog URL query", "MODELS_REGISTRY_URL=...?token=<canary>",
        "CLI `refresh`/`status` (text and --json), api.meta.json, status", "values shown as REDACTED, names kept",
    )


# --- 9 and 13. numbers out of range ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "argument", "value"),
    [
        ("recommend_model", "expected_output_tokens", 10**400),
        ("recommend_model", "min_context", 10**400),
        ("recommend_model", "min_output", 10**20),
        ("recommend_model", "max_output_cost", 10**400),
        ("list_models", "min_context", 10**400),
        ("list_models", "offset", 10**20),
    ],
)
async def test_integer_arguments_have_upper_bounds(tmp_path, tool, argument, value, reliability):
    async with Client(build_server(file_registry(tmp_path, mini()))) as client:
        schema = {t.name: t.input_schema for t in (await client.list_tools()).tools}[tool]
        result = await client.call_tool(tool, {argument: value, **({"task": "x"} if tool == "recommend_model" else {})})
    bound = schema["properties"][argument]
    assert "maximum" in bound or any("maximum" in option for option in bound.get("anyOf", []))
    text = result.content[0].text
    assert result.is_error and argument in text and "Overflow" not in text
    row(
        reliability, "09. integer arguments without bounds", f"{tool}({argument}=10**{len(str(value)) - 1})",
        "MCP SDK client", "the schema has a maximum; the call gets a validation error naming the argument",
    )


async def test_a_page_past_the_end_says_so(tmp_path):
    async with Client(build_server(file_registry(tmp_path, mini()))) as client:
        result = await client.call_tool("list_models", {"available_only": False, "offset": 1000})
    assert result.content[0].text.endswith(" models match; offset 1000 is past the end. Call again with offset=0.")


def test_a_request_with_a_number_of_thousands_of_digits_gets_an_answer(tmp_path, reliability):
    proc = start_stdio(minimal_env(tmp_path))
    try:
        huge = "1" + "0" * 5000  # past the SDK's JSON reader, which drops the line without a word
        arguments = '{"min_context":' + huge + "}"
        send(proc, '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list_models","arguments":' + arguments + "}}")
        reply = receive(proc)
        send(proc, '{"jsonrpc":"2.0","id":8,"method":"ping"}')
        after = receive(proc)
        send(proc, '{"jsonrpc":"2.0","id":9,"method":')  # not JSON at all: a null id, as JSON-RPC says
        broken = receive(proc)
    finally:
        stop(proc)
    assert reply is not None, "no reply: the client would wait for its timeout"
    assert reply["id"] == 7 and reply["error"]["code"] == -32700 and "number out of range" in reply["error"]["message"]
    assert after == {"jsonrpc": "2.0", "id": 8, "result": {}}
    assert broken["id"] is None and broken["error"]["code"] == -32700
    row(
        reliability, "13. out-of-range integer gets no reply", "min_context of 5,001 digits over stdio",
        "stdio server", "JSON-RPC parse error -32700 with the request's id; the session goes on",
    )


# --- 11. negative prices ----------------------------------------------------------------------------


def test_a_negative_price_is_unknown_not_the_cheapest(tmp_path, reliability):
    raw = mini()
    raw["openai"]["models"]["gpt-4.1"]["cost"] = {"input": -100, "output": -100}
    registry = file_registry(tmp_path, raw, env={"OPENAI_API_KEY": "sk-test"})
    result = registry.recommend(RecommendRequest(task="cheapest chat model", optimize="cost", providers=["openai"]))
    assert result.recommendations and result.recommendations[0].model != "openai/gpt-4.1"
    assert registry.get("openai/gpt-4.1").model.cost is None
    assert registry.status().skipped_models == 1
    row(
        reliability, "11. negative prices", "a model priced -100 USD per 1M tokens",
        "recommend_model(optimize=cost)", "price unknown (not ranked cheapest); counted in skipped_models",
    )


# --- 12. a refresh that could not be saved -------------------------------------------------------------


def test_a_refresh_that_cannot_write_the_cache_says_so_and_fails(upstream, tmp_path, capsys, monkeypatch, reliability):
    monkeypatch.setenv("MODELS_REGISTRY_URL", upstream.url)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "api.lock").symlink_to(tmp_path / "elsewhere")  # the lock is refused: the cache cannot be written
    assert main(["refresh"]) == 1
    out, err = capsys.readouterr()
    assert "refresh: updated" in out
    assert "in use for this process only" in err and "next start will not see it" in err
    assert not (cache / "api.json").exists()
    code, refreshed = run_json(capsys, "refresh")
    assert code == 1 and refreshed["result"]["saved"] is False
    row(
        reliability, "12. refresh reports success when not saved", "the cache's lock file is a symlink",
        "CLI `refresh`", "exit 1: the new catalog is in use for this process only and could not be saved",
    )


# --- the environment as an oracle ---------------------------------------------------------------------


def probing_catalog() -> dict:
    raw = mini()
    model = raw["openai"]["models"]["gpt-5-nano"]
    for name in ("HOME", "PATH", "MODELS_REGISTRY_AUTH_TOKEN"):
        raw[f"probe-{name.lower()}"] = {"id": f"probe-{name.lower()}", "name": name, "env": [name], "models": {"m": {**model, "id": "m"}}}
    raw["probe-url"] = {
        "id": "probe-url", "name": "url", "env": [], "api": "https://x.example/${MODELS_REGISTRY_AUTH_TOKEN}/${HOME}",
        "models": {},
    }
    return raw


def test_a_catalog_cannot_learn_whether_any_variable_is_set(tmp_path, reliability):
    env = {"HOME": "/root", "PATH": "/usr/bin", "MODELS_REGISTRY_AUTH_TOKEN": "tok-canary", "OPENAI_API_KEY": "sk-test"}
    registry = file_registry(tmp_path, probing_catalog(), env=env)
    available = {p.id for p in registry.providers(available_only=True)}
    assert not [pid for pid in available if pid.startswith("probe-") and pid != "probe-url"] and "openai" in available
    assert registry.summary().text.endswith("1 API key configured")
    [url] = [p for p in registry.providers(available_only=False) if p.id == "probe-url"]
    assert url.api_placeholders == {"MODELS_REGISTRY_AUTH_TOKEN": False, "HOME": False}
    row(
        reliability, "17. the environment as an oracle", "providers whose env names HOME, PATH, MODELS_REGISTRY_AUTH_TOKEN",
        "list_providers, summary, api_placeholders", "those names read as unset: only credential-like or known names count",
    )


def test_every_variable_the_bundled_catalog_names_can_count():
    raw = orjson.loads((snapshot_dir() / "api.json").read_bytes())
    readable = ReadableNames()
    names = {name for entry in raw.values() for name in entry.get("env") or []}
    assert names and not [name for name in sorted(names) if not readable(name)]
    assert KNOWN_SETTINGS <= {*names, "GOOGLE_VERTEX_ENDPOINT"}  # no stale entries


def test_a_variable_the_users_config_names_counts_whatever_it_looks_like(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[providers.lab]\nname = "Lab"\napi = "http://${LAB_HOST}/v1"\nenv = ["LAB_ACCOUNT"]\n')
    settings = Settings(catalog_file=MINI_CATALOG, config_file=config, state_dir=tmp_path / "state", offline=True)
    registry = Registry(settings, env={"LAB_ACCOUNT": "me", "LAB_HOST": "lab:8000"})
    [lab] = [p for p in registry.providers(available_only=True) if p.id == "lab"]
    assert lab.api_placeholders == {"LAB_HOST": True}


def test_the_bundled_snapshot_passes_the_stricter_parse():
    from models_registry.catalog import parse_catalog

    assert parse_catalog((snapshot_dir() / "api.json").read_bytes()).skipped == []
