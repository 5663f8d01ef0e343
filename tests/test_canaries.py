"""Secret canaries: no credential value ever leaves the process, on any surface.

A distinct canary value goes into every credential variable of every provider in the catalog
(`CREDENTIAL_VARIABLES`: each name in the bundled snapshot's `env` lists plus the KNOWN_RULES
groups and settings), into a config file's env_file (variables absent from the process
environment, one of them read by a custom provider whose `api` holds `${VAR}` placeholders),
into a key pasted in the wrong place in the config, a malformed dotenv line and an invalid TOML
file. Then every surface runs, with representative and erroneous arguments, as real
processes: the MCP server over stdio and over streamable HTTP (with `-v`: every listed tool,
every resource and template, completion, unknown ids, wrong types, a refresh from a loopback
upstream and one against an upstream fault), raw HTTP requests (malformed ones too, and the
picker page and its API when the server has them), and every CLI command with and without
--json and -v, failing invocations included. Every stdout and stderr, every MCP result and
log message, every HTTP body and header, and every file left in the cache, state, config and
home directories (and the snapshots written) is scanned: no canary may appear.

The scan only means something if the surfaces really ran, so each test also checks that its
surface said what it should: variable NAMES appear, every provider counts as available
because its canary is set, the env_file's variables satisfy their providers, and `${VAR}`
placeholders in base URLs stay placeholders (with a names-only report of which are set).

The HTTP bearer token (MODELS_REGISTRY_AUTH_TOKEN) is a canary of its own, with its own tests,
and so is a password in the catalog URL (`user:password@` in MODELS_REGISTRY_URL), which
`redact_url` promises to keep out of status and logs.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx2
import orjson
import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import ResourceTemplateReference
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import models_registry
from models_registry.cli import build_parser
from models_registry.sources import snapshot_dir

from .conftest import (
    CREDENTIAL_VARIABLES,
    NOWHERE_PROXY,
    TOOLS,
    Upstream,
    _serve_in_thread,
    _TruncatingApp,
    free_port,
)

MARK = "sekrit-canary-"  # every canary starts with it; nothing else in the catalog or the paths does
SECTION = "canaries"
PYTHON = sys.executable
# Read from the env_file only (removed from the process environment): single-key providers, one
# half of a joint group (azure also needs AZURE_RESOURCE_NAME, set in the process), and the key of
# the config's custom provider.
ENV_FILE_ONLY = ("ANTHROPIC_API_KEY", "MISTRAL_API_KEY", "AZURE_API_KEY", "CANARYCORP_API_KEY")
CUSTOM_API = "https://${CANARYCORP_REGION}.canarycorp.test/v1?key=${CANARYCORP_API_KEY}&org=${OPENAI_API_KEY}"


def canary(number: int, label: str) -> str:
    return f"{MARK}{number:03d}-{label}"


# CANARYCORP_REGION: no provider reads it, yet its value must not be filled into the URL either
# (a URL may carry anything, a password included): placeholders are shown as written.
REGION = canary(904, "url-variable")


# --- the scan ------------------------------------------------------------------------------------


Text = tuple[str, str]  # (where it came from, what it said)


def leaks(texts: Iterable[Text], canaries: dict[str, str], *, partial: bool = True) -> list[tuple[str, str]]:
    """(where, label) for every canary found; with `partial`, a marker without a whole value counts too."""
    found = []
    quick = {MARK if value.startswith(MARK) else value for value in canaries.values()}  # a fast first pass
    for where, text in texts:
        if not any(needle in text for needle in quick):
            continue
        labels = [label for label, value in canaries.items() if value in text]
        if not labels and partial and MARK in text:  # a truncated or transformed canary: still a leak
            at = text.index(MARK)
            labels = [f"partial canary {text[max(0, at - 40) : at + 60]!r}"]
        found += [(where[:160], label) for label in labels]
    return found


def assert_no_canary(texts: list[Text], canaries: dict[str, str], *, partial: bool = True) -> None:
    found = leaks(texts, canaries, partial=partial)
    labels = sorted({label for _, label in found})
    assert not found, (
        f"{len(labels)} canary value(s) leaked, {len(found)} times; variables: {', '.join(labels[:12])}"
        + (" ..." if len(labels) > 12 else "")
        + "\nwhere:\n"
        + "\n".join(f"{where}: {label}" for where, label in found[:25])
    )


def row(
    name: str, surface: Surface, world: World, canaries: dict[str, str] | None = None, partial: bool = True
) -> dict[str, Any]:
    canaries = world.canaries if canaries is None else canaries
    return {
        "surface": name,
        "texts scanned": len(surface.texts),
        "canaries set": len(canaries),
        "canaries found": len({label for _, label in leaks(surface.texts, canaries, partial=partial)}),
    }


def joined(texts: Iterable[Text]) -> str:
    return "\n".join(text for _, text in texts)


# --- the world: environment, config, env_file, upstream -------------------------------------------


@dataclass
class World:
    root: Path
    env: dict[str, str]
    canaries: dict[str, str]  # label (mostly a variable name) -> value, every canary set anywhere
    env_file_canaries: dict[str, str]
    config_inputs: set[Path]  # files the test wrote with canaries in them on purpose: not scanned
    scanned_dirs: list[Path]
    upstream: Upstream
    token: str
    refs: dict[str, str]  # model refs picked from the snapshot


@dataclass
class Surface:
    texts: list[Text] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def add(self, where: str, text: str | bytes) -> None:
        self.texts.append((where, text.decode("utf-8", "replace") if isinstance(text, bytes) else text))


def _snapshot_refs(raw: dict[str, Any]) -> dict[str, str]:
    """A model of each provider whose base URL holds a credential placeholder, and a few others."""
    first = {pid: next(iter(raw[pid]["models"])) for pid in raw if raw[pid].get("models")}
    refs = {
        pid: f"{pid}/{first[pid]}"
        for pid in ("cloudflare-workers-ai", "snowflake-cortex", "databricks", "neon")
    }
    refs |= {pid: f"{pid}/{first[pid]}" for pid in ("azure", "amazon-bedrock", "google-vertex", "mistral")}
    refs["anthropic"] = "anthropic/claude-haiku-4-5"
    refs["openrouter"] = f"openrouter/{next(m for m in raw['openrouter']['models'] if '/' in m)}"
    assert "gpt-4o" in raw["openai"]["models"] and "claude-haiku-4-5" in raw["anthropic"]["models"]
    return refs


def _write_config(directory: Path, canaries: dict[str, str], env_file: dict[str, str], echo_api: str) -> None:
    directory.mkdir(parents=True)
    (directory / "config.toml").write_text(
        f"""\
env_file = "keys.env"

[registry]
ttl = 3600
colour = "blue"                     # an unknown key: reported with its line, the rest applies

[providers.canarycorp]
name = "Canary Corp"
api = "{CUSTOM_API}"
env = ["CANARYCORP_API_KEY"]
api_key = "{canaries["config: misplaced api_key"]}"   # a key pasted in the wrong place

[providers.canarycorp.models."cc-1"]
inherit = "openai/gpt-4o"
cost = {{ input = 0, output = 0 }}

[providers.canarycorp.models."cc-broken"]
inherit = "nope/nothing"

[providers.azure]
api = "https://${{AZURE_RESOURCE_NAME}}.openai.azure.com/openai/v1"

[providers.canaryecho]                # verify_credentials sends its key here; the answer repeats it
name = "Canary Echo"
npm = "@ai-sdk/openai-compatible"
api = "{echo_api}"
env = ["CANARYECHO_API_KEY"]

[providers.canaryecho.models."e-1"]
inherit = "openai/gpt-4o"

[defaults]
default = "anthropic/claude-haiku-4-5"
small = "canarycorp/cc-1"
"""
    )
    (directory / "keys.env").write_text(
        "# keys for models-registry only\n"
        f"ANTHROPIC_API_KEY={env_file['ANTHROPIC_API_KEY']}\n"
        f'export MISTRAL_API_KEY="{env_file["MISTRAL_API_KEY"]}"\n'
        f"AZURE_API_KEY='{env_file['AZURE_API_KEY']}'\n"
        f"CANARYCORP_API_KEY={env_file['CANARYCORP_API_KEY']}\n"
        f"this line is no statement {canaries['env_file: malformed line']}\n"
    )
    (directory / "broken.toml").write_text(
        f"[providers.openai]\napi_key {canaries['config: invalid TOML']}\n"
    )


async def _echo_key(request: Request) -> JSONResponse:
    """A provider that rejects the key and quotes it back, as OpenAI's 'Incorrect API key provided: ...' does."""
    given = request.headers.get("authorization", "")
    return JSONResponse({"error": {"message": f"Incorrect API key provided: {given}"}}, status_code=401)


def _upstream_body() -> bytes:
    """The bundled catalog with one price changed: a refresh that updates, and says what changed."""
    raw = json.loads((snapshot_dir() / "api.json").read_bytes())
    raw["openai"]["models"]["gpt-4o"]["cost"]["input"] = 4.75
    return orjson.dumps(raw)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("canaries")
    home, config_dir, cache = root / "home", root / "config", root / "cache"
    home.mkdir()
    process = {
        name: canary(n, name) for n, name in enumerate(CREDENTIAL_VARIABLES) if name not in ENV_FILE_ONLY
    }
    process["CANARYECHO_API_KEY"] = canary(950, "CANARYECHO_API_KEY")  # sent to the echo, which repeats it
    env_file = {name: canary(500 + n, name) for n, name in enumerate(ENV_FILE_ONLY)}
    # Scanned by the bearer-token tests below, and without MARK, so that the other scans ignore it.
    token = "bearer-token-canary-900-MODELS_REGISTRY_AUTH_TOKEN"
    extras = {
        "config: misplaced api_key": canary(901, "config-api-key"),
        "config: invalid TOML": canary(902, "broken-toml"),
        "env_file: malformed line": canary(903, "malformed-dotenv"),
    }
    canaries = {**process, **env_file, **extras}
    assert len({*canaries.values(), token}) == len(canaries) + 1
    state = Upstream()
    state.serve(_upstream_body(), '"snap-1"')
    routes = [Route("/api.json", state.endpoint), Route("/echo/v1/models", _echo_key)]
    server, thread, port = _serve_in_thread(_TruncatingApp(state, Starlette(routes=routes)))
    state.url = f"http://127.0.0.1:{port}/api.json"
    _write_config(config_dir, canaries, env_file, f"http://127.0.0.1:{port}/echo/v1")

    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": str(home),
        **{
            xdg: str(home / xdg.lower())
            for xdg in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME")
        },
        "MODELS_REGISTRY_URL": state.url,  # never models.dev: every fetch stays on loopback
        "MODELS_REGISTRY_CONFIG": str(config_dir / "config.toml"),
        "MODELS_REGISTRY_CACHE_DIR": str(cache),  # the state dir stays the platform default, under HOME
        "MODELS_REGISTRY_AUTH_TOKEN": token,
        "CANARYCORP_REGION": REGION,
        "HTTPS_PROXY": NOWHERE_PROXY,  # a key check bound for a real provider fails on loopback instead
        **process,
    }
    if os.environ.get("PYTHONPATH"):  # a worktree run: the subprocesses must import the same code
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    where = subprocess.run(
        [PYTHON, "-c", "import models_registry; print(models_registry.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    assert Path(where) == Path(models_registry.__file__), "the subprocesses must run the code under test"

    (root / "captures").mkdir()
    yield World(
        root=root,
        env=env,
        canaries=canaries,
        env_file_canaries=env_file,
        config_inputs={config_dir / name for name in ("config.toml", "keys.env", "broken.toml")},
        scanned_dirs=[cache, home, config_dir, root / "snapshots"],
        upstream=state,
        token=token,
        refs=_snapshot_refs(json.loads((snapshot_dir() / "api.json").read_bytes())),
    )
    server.should_exit = server.force_exit = True
    thread.join(5)


# --- exercising one MCP client ---------------------------------------------------------------------


def _dump(value: Any) -> str:
    return value.model_dump_json() if hasattr(value, "model_dump_json") else str(value)


async def exercise(client: Client, world: World, surface: Surface, label: str, *, fault: str) -> None:
    """Every tool (as listed), every resource and template, completion, and the error paths."""
    refs = world.refs

    async def call(name: str, args: Any, progress: bool = False) -> Any:
        surface.facts.setdefault("called", set()).add(name)

        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            surface.add(f"{label} progress {name}", f"{done}/{total} {message}")

        try:
            result = await client.call_tool(name, args, progress_callback=on_progress if progress else None)
        except Exception as exc:  # noqa: BLE001 - the SDK raises for some bad requests: output too
            surface.add(f"{label} call {name} {args}", f"{type(exc).__name__}: {exc}")
            return None
        surface.add(f"{label} call {name} {args}", result.model_dump_json())
        return result

    async def read(uri: str) -> Any:
        try:
            result = await client.read_resource(uri)
        except Exception as exc:  # noqa: BLE001 - MCPError for an unknown id; the message is output too
            surface.add(f"{label} read {uri}", f"{type(exc).__name__}: {exc}")
            return None
        surface.add(f"{label} read {uri}", result.model_dump_json())
        return result

    tools = (await client.list_tools()).tools
    surface.add(f"{label} tools/list", json.dumps([t.model_dump(mode="json") for t in tools]))
    surface.facts["tools"] = {t.name for t in tools}

    everything = await call("list_providers", {"available_only": False})
    surface.facts["providers"] = everything.structured_content["providers"]
    surface.facts["summary"] = everything.structured_content["summary"]
    for args in (
        {},
        {"query": "google"},
        {"query": "canary corp"},
        {"available_only": "maybe"},
        {"query": ["x"]},
    ):
        await call("list_providers", args)

    for args in (
        {},
        {"provider": "canarycorp"},
        {"provider": "neon", "available_only": False},
        {"available_only": False, "query": "claude", "limit": 500},
        {"capabilities": ["tool_call"], "input_modalities": ["image"], "min_context": 200000, "offset": 10},
        {"provider": "nope"},
        {"provider": "opena"},
        {"capabilities": ["telepathy"]},
        {"limit": 0},
        {"min_context": -1},
        {"max_input_cost": "cheap"},
    ):
        await call("list_models", args)

    for ref in [*refs.values(), "canarycorp/cc-1", "openai/gpt-4o"]:
        await call("get_model", {"model": ref})
    for args in (
        {"model": "nope/x"},
        {"model": "gpt-5"},
        {"model": "canarycorp/cc-broken"},
        {"model": 42},
        {},
    ):
        await call("get_model", args)

    for args in (
        {"task": "cheap coding agent with tools"},
        {
            "task": "summarise long PDFs",
            "providers": ["anthropic", "canarycorp", "azure"],
            "available_only": False,
        },
        {"optimize": "cost", "expected_input_tokens": 100000, "expected_output_tokens": 2000, "limit": 50},
        {"min_context": 10**9},
        {"providers": ["nope"]},
        {"optimize": "fastest"},
        {"limit": 51},
        {"capabilities": "tool_call"},
    ):
        await call("recommend_model", args)

    for args in (
        {"model": "canarycorp/cc-1", "role": "small"},
        {"model": refs["anthropic"]},
        {"model": refs["neon"], "role": "gateway"},
        {"model": "nope/x"},
        {"model": "openai/gpt-4o", "role": "Bad Role!"},
        {"model": None},
    ):
        await call("set_default", args)
    for args in (
        {},
        {"role": "small"},
        {"role": "gateway"},
        {"role": "unset"},
        {"role": "x" * 40},
        {"role": 3},
    ):
        await call("get_default", args)

    refreshes = [
        await call("refresh_catalog", {}, progress=True),
        await call("refresh_catalog", {"force": True}, progress=True),
    ]
    world.upstream.fault = fault
    try:
        refreshes.append(await call("refresh_catalog", {"force": True}, progress=True))
    finally:
        world.upstream.fault = None
    await call("refresh_catalog", {"force": "yes"})
    # Keys go out here: to the echo on loopback (which quotes the key back), and nowhere for providers
    # whose URL would need a key filled in (canarycorp) or whose calls are signed (bedrock).
    checks = await call("verify_credentials", {"providers": ["canaryecho", "canarycorp", "amazon-bedrock"]}, progress=True)
    await call("verify_credentials", {"providers": ["nope"]})
    surface.facts["key checks"] = {r["provider_id"]: r["state"] for r in checks.structured_content["results"]} if checks else {}
    surface.facts["refresh outcomes"] = [r.structured_content["outcome"] for r in refreshes if r is not None]
    await call("no_such_tool", {})

    resources = (await client.list_resources()).resources
    surface.add(f"{label} resources/list", json.dumps([r.model_dump(mode="json") for r in resources]))
    surface.facts["resources"] = {str(r.uri) for r in resources}
    for resource in resources:
        await read(str(resource.uri))
    templates = (await client.list_resource_templates()).resource_templates
    surface.add(
        f"{label} resources/templates/list", json.dumps([t.model_dump(mode="json") for t in templates])
    )
    surface.facts["templates"] = {t.uri_template for t in templates}
    provider_ids = [p["id"] for p in surface.facts["providers"]]
    for provider_id in [*provider_ids, "nope", "canary corp"]:  # every provider, then unknown ids
        await read(f"models://providers/{provider_id}")
    for ref in [*refs.values(), "canarycorp/cc-1", "nope/x", "openai/nope", "canarycorp/cc-broken"]:
        await read(f"models://models/{ref}")
    await read("models://nope")

    completions = {}
    for template, argument, value, context in (
        ("models://providers/{provider_id}", "provider_id", "a", None),
        ("models://providers/{provider_id}", "provider_id", "", None),
        ("models://models/{provider_id}/{+model_id}", "provider_id", "canary", None),
        ("models://models/{provider_id}/{+model_id}", "model_id", "claude", {"provider_id": "anthropic"}),
        ("models://models/{provider_id}/{+model_id}", "model_id", "", {"provider_id": "nope"}),
        ("models://models/{provider_id}/{+model_id}", "colour", "b", None),
    ):
        ref = ResourceTemplateReference(type="ref/resource", uri=template)
        try:
            result = await client.complete(ref, {"name": argument, "value": value}, context_arguments=context)
            completions[(argument, value)] = result.completion.values
            surface.add(f"{label} complete {argument}={value!r}", result.model_dump_json())
        except Exception as exc:  # noqa: BLE001 - an error reply is output too
            surface.add(f"{label} complete {argument}={value!r}", f"{type(exc).__name__}: {exc}")
    surface.facts["completions"] = completions


def assert_mcp_surface_ran(surface: Surface, world: World) -> None:
    facts = surface.facts
    assert facts["tools"] == TOOLS and facts["called"] >= facts["tools"]
    providers = {p["id"]: p for p in facts["providers"]}
    # Every provider counts as available, because the canaries set its variables.
    assert len(providers) > 140 and all(p["available"] for p in providers.values())
    assert facts["summary"].startswith(f"{len(providers)} providers available")
    assert providers["openai"]["credentials"]["satisfied_by"] == ["OPENAI_API_KEY"]
    # The env_file's variables satisfy their providers (they are not in the process environment).
    assert providers["anthropic"]["credentials"]["satisfied_by"] == ["ANTHROPIC_API_KEY"]
    assert providers["azure"]["credentials"]["satisfied_by"] == ["AZURE_RESOURCE_NAME", "AZURE_API_KEY"]
    assert providers["canarycorp"]["credentials"]["satisfied_by"] == ["CANARYCORP_API_KEY"]
    # Placeholders are never filled in; the report names them and says whether each is set.
    assert providers["canarycorp"]["api"] == CUSTOM_API
    assert providers["canarycorp"]["api_placeholders"] == {
        "CANARYCORP_REGION": True,
        "CANARYCORP_API_KEY": True,
        "OPENAI_API_KEY": True,
    }
    assert providers["azure"]["api"] == "https://${AZURE_RESOURCE_NAME}.openai.azure.com/openai/v1"
    assert providers["neon"]["api"] == "${NEON_AI_GATEWAY_BASE_URL}/ai-gateway/mlflow/v1"
    assert facts["resources"] >= {"models://catalog", "models://status", "models://defaults"}
    assert facts["templates"] == {
        "models://providers/{provider_id}",
        "models://models/{provider_id}/{+model_id}",
    }
    assert "anthropic" in facts["completions"][("provider_id", "a")]
    assert "canarycorp" in facts["completions"][("provider_id", "canary")]
    assert "claude-haiku-4-5" in facts["completions"][("model_id", "claude")]
    # 200 then 304 (or a fresh catalog when the background refresh got there first), then the fault.
    # The echo rejected its key (and quoted it: the scan below proves the quote never got out).
    assert facts["key checks"] == {"canaryecho": "rejected", "canarycorp": "not_checkable", "amazon-bedrock": "not_checkable"}
    outcomes = facts["refresh outcomes"]
    assert (
        outcomes[0] in ("updated", "fresh")
        and outcomes[1] in ("updated", "not_modified")
        and outcomes[2] in ("failed", "rejected")
    )
    text = joined(surface.texts)
    assert "OPENAI_API_KEY" in text and "GOOGLE_APPLICATION_CREDENTIALS" in text and 'is_error":true' in text


# --- the MCP server over stdio ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stdio_surface(world: World) -> Surface:
    surface = Surface()
    errlog = world.root / "captures" / "stdio.stderr"
    logs: list[str] = []

    async def on_log(params: Any) -> None:
        logs.append(_dump(params))

    async def run() -> None:
        params = StdioServerParameters(
            command=PYTHON, args=["-m", "models_registry", "-v", "serve"], env=world.env
        )
        with errlog.open("w") as err:
            transport = stdio_client(params, errlog=err)
            async with Client(
                transport, mode="legacy", logging_callback=on_log, read_timeout_seconds=120
            ) as client:
                surface.add("stdio initialize", json.dumps({"instructions": client.instructions}))
                await exercise(client, world, surface, "stdio", fault="http_500")

    anyio.run(run)
    surface.texts += [("stdio MCP log notification", log) for log in logs]
    surface.add("stdio server stderr (-v)", errlog.read_text())
    return surface


def test_the_canary_set_covers_every_credential_variable_of_the_catalog(world):
    assert len(CREDENTIAL_VARIABLES) > 100
    assert set(CREDENTIAL_VARIABLES) <= set(world.canaries)
    assert {"OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY", "GOOGLE_APPLICATION_CREDENTIALS", "AWS_REGION"} <= set(
        world.canaries
    )
    # The env_file's variables are really absent from the process environment.
    assert not set(ENV_FILE_ONLY) & set(world.env)


def test_stdio_tools_resources_templates_and_debug_log_hold_no_canary(stdio_surface, world, reliability):
    assert_no_canary(stdio_surface.texts, world.canaries)
    # ...and the scan saw a surface that really ran: every tool, resource and template answered.
    assert_mcp_surface_ran(stdio_surface, world)
    assert "DEBUG" in stdio_surface.texts[-1][1]  # -v was on: the debug log is part of the scan
    reliability.record(
        SECTION, row("stdio: tools, resources, templates, completion, -v log", stdio_surface, world)
    )


# --- the MCP server over streamable HTTP ----------------------------------------------------------------


class _Tee(httpx2.AsyncByteStream):
    def __init__(self, stream: Any, sink: bytearray):
        self.stream, self.sink = stream, sink

    async def __aiter__(self):
        async for chunk in self.stream:
            self.sink += chunk
            yield chunk

    async def aclose(self) -> None:
        await self.stream.aclose()


class TeeTransport(httpx2.AsyncBaseTransport):
    """Keeps the raw bytes of every response the SDK client reads: status line, headers and body."""

    def __init__(self) -> None:
        self.inner = httpx2.AsyncHTTPTransport()
        self.responses: list[tuple[str, bytearray]] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        head = f"{response.status_code}\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        body = bytearray()
        self.responses.append((f"{request.method} {request.url.path} -> {head}", body))  # read as it streams
        return httpx2.Response(
            response.status_code,
            headers=response.headers,
            stream=_Tee(response.stream, body),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


def _wait_for_port(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60  # a safety net only
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the HTTP server did not start") from None
            time.sleep(0.05)


async def raw_requests(base: str, world: World, raw: Surface) -> None:
    """Hand-made requests, good and malformed; every response's status, headers and body is kept."""
    auth = {"Authorization": f"Bearer {world.token}"}
    mcp = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json", **auth}
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "1"},
        },
    }
    statuses: list[int] = []
    async with httpx2.AsyncClient(base_url=base, trust_env=False, timeout=30) as http:

        async def send(label: str, method: str, path: str = "/mcp", **kwargs: Any) -> httpx2.Response:
            response = await http.request(method, path, **kwargs)
            statuses.append(response.status_code)
            headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
            raw.add(f"raw {label} -> {response.status_code}", f"{headers}\n\n{response.text}")
            return response

        def rpc(n: int, method: str, params: Any) -> dict:
            return {"jsonrpc": "2.0", "id": n, "method": method, "params": params}

        session = (await send("initialize", "POST", json=init, headers=mcp)).headers["mcp-session-id"]
        live = {**mcp, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25"}
        await send(
            "initialized",
            "POST",
            json={"jsonrpc": "2.0", "method": "notifications/initialized"},
            headers=live,
        )
        calls = [
            ("tools/call", {"name": "list_providers", "arguments": {"available_only": False}}),
            ("tools/call", {"name": "get_model", "arguments": {"model": world.refs["neon"]}}),
            ("tools/call", {"name": "get_model", "arguments": {"model": 7}}),
            ("tools/call", {"name": "get_model", "arguments": "openai/gpt-4o"}),
            ("tools/call", {"name": "no_such_tool", "arguments": {}}),
            ("resources/read", {"uri": "models://providers/databricks"}),
            ("resources/read", {"uri": "models://providers/nope"}),
            ("resources/read", {"uri": "models://status"}),
            (
                "completion/complete",
                {
                    "ref": {"type": "ref/resource", "uri": "models://providers/{provider_id}"},
                    "argument": {"name": "provider_id", "value": "sn"},
                },
            ),
            ("no/such/method", {}),
            ("tools/call", None),
        ]
        for n, (method, params) in enumerate(calls, start=2):
            await send(f"{method} {str(params)[:80]}", "POST", json=rpc(n, method, params), headers=live)
        await send("truncated JSON", "POST", content=b'{"jsonrpc": "2.0", "id": 9, "method": ', headers=live)
        await send("JSON array of numbers", "POST", content=b"[1, 2, 3]", headers=live)
        await send("not UTF-8", "POST", content=b"\xff\xfe\x00{", headers=live)
        await send("text/plain", "POST", content=b"hello", headers={**live, "Content-Type": "text/plain"})
        await send(
            "no Accept",
            "POST",
            json=rpc(30, "ping", {}),
            headers={k: v for k, v in live.items() if k != "Accept"},
        )
        await send(
            "unknown session",
            "POST",
            json=rpc(31, "ping", {}),
            headers={**live, "mcp-session-id": "not-a-session"},
        )
        await send("GET without session", "GET", headers={**auth, "Accept": "text/event-stream"})
        await send("DELETE unknown session", "DELETE", headers={**auth, "mcp-session-id": "not-a-session"})
        await send(
            "no token", "POST", json=init, headers={k: v for k, v in mcp.items() if k != "Authorization"}
        )
        await send("wrong token", "POST", json=init, headers={**mcp, "Authorization": "Bearer wrong"})
        await send("foreign Host", "POST", json=init, headers={**mcp, "Host": "evil.example"})
        await send("foreign Origin", "POST", json=init, headers={**mcp, "Origin": "http://evil.example"})
        await send("2 MiB body", "POST", content=b"x" * (2 * 1024 * 1024), headers=mcp)
        await send("unknown path", "GET", "/nope", headers=auth)
        await send("DELETE session", "DELETE", headers=live)

        # The picker page and its API, when this server has them: a public page, a guarded API.
        web = {**auth, "Content-Type": "application/json", "Origin": base}
        raw.facts["picker"] = (await send("picker page", "GET", "/")).status_code
        tools = "/api/tools"
        all_providers = {"available_only": False}
        api = await send(
            "api list_providers", "POST", f"{tools}/list_providers", json=all_providers, headers=web
        )
        raw.facts["api"] = api.text
        await send(
            "api get_model neon",
            "POST",
            f"{tools}/get_model",
            json={"model": world.refs["neon"]},
            headers=web,
        )
        await send("api get_model bad type", "POST", f"{tools}/get_model", json={"model": 5}, headers=web)
        await send(
            "api get_model unknown", "POST", f"{tools}/get_model", json={"model": "nope/x"}, headers=web
        )
        await send("api unknown tool", "POST", f"{tools}/nope", json={}, headers=web)
        await send("api not JSON", "POST", f"{tools}/list_models", content=b"{nope", headers=web)
        await send("api JSON array", "POST", f"{tools}/list_models", content=b"[1]", headers=web)
        await send(
            "api text/plain",
            "POST",
            f"{tools}/list_models",
            content=b"{}",
            headers={**web, "Content-Type": "text/plain"},
        )
        evil = {**web, "Origin": "http://evil.example"}
        await send("api cross-origin", "POST", f"{tools}/list_providers", json={}, headers=evil)
        no_token = {k: v for k, v in web.items() if k != "Authorization"}
        await send("api no token", "POST", f"{tools}/list_providers", json={}, headers=no_token)
    raw.facts["statuses"] = statuses


@pytest.fixture(scope="module")
def http_surfaces(world: World, stdio_surface: Surface) -> tuple[Surface, Surface]:
    """(responses the SDK client read, raw requests) from one `serve --transport streamable-http -v`."""
    sdk, raw = Surface(), Surface()
    port = free_port()
    out, err = world.root / "captures" / "http.stdout", world.root / "captures" / "http.stderr"
    args = [
        PYTHON,
        "-m",
        "models_registry",
        "-v",
        "serve",
        "--transport",
        "streamable-http",
        "--port",
        str(port),
    ]
    with out.open("w") as stdout, err.open("w") as stderr:
        proc = subprocess.Popen(args, env=world.env, stdout=stdout, stderr=stderr)
    try:
        _wait_for_port(port, proc)
        url = f"http://127.0.0.1:{port}/mcp"
        tee = TeeTransport()

        async def run() -> None:
            headers = {"Authorization": f"Bearer {world.token}"}
            timeout = httpx2.Timeout(60, read=300)
            async with httpx2.AsyncClient(
                transport=tee, headers=headers, timeout=timeout, trust_env=False
            ) as http:
                async with Client(
                    streamable_http_client(url, http_client=http), read_timeout_seconds=120
                ) as client:
                    await exercise(client, world, sdk, "http", fault="html")
                async with Client(streamable_http_client(url, http_client=http), mode="legacy") as client:
                    result = await client.call_tool("get_model", {"model": world.refs["snowflake-cortex"]})
                    sdk.add("http legacy get_model", result.model_dump_json())
                    result = await client.call_tool("get_model", {"model": "nope/x"})
                    sdk.add("http legacy get_model nope/x", result.model_dump_json())
            await raw_requests(f"http://127.0.0.1:{port}", world, raw)

        anyio.run(run)
        sdk.texts += [
            (f"http response {head[:60]}", f"{head}\n\n{body.decode('utf-8', 'replace')}")
            for head, body in tee.responses
        ]
        sdk.facts["raw responses"] = len(tee.responses)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    sdk.add("http server stdout", out.read_text())
    sdk.add("http server stderr (-v)", err.read_text())
    return sdk, raw


def test_streamable_http_responses_and_debug_log_hold_no_canary(http_surfaces, world, reliability):
    sdk, _ = http_surfaces
    assert_no_canary(sdk.texts, world.canaries)
    assert_mcp_surface_ran(sdk, world)
    assert sdk.facts["raw responses"] > 100  # the bytes on the wire were kept, not only the parsed results
    wire = joined(t for t in sdk.texts if t[0].startswith("http response"))
    assert "OPENAI_API_KEY" in wire and "content-type: text/event-stream" in wire
    assert "serving MCP (streamable-http)" in sdk.texts[-1][1] and "DEBUG" in sdk.texts[-1][1]
    reliability.record(SECTION, row("streamable HTTP: SDK client responses (wire bytes), -v log", sdk, world))


def test_raw_http_responses_and_headers_hold_no_canary(http_surfaces, world, reliability):
    _, raw = http_surfaces
    assert_no_canary(raw.texts, world.canaries)
    statuses = set(raw.facts["statuses"])
    assert {200, 202, 400, 401, 403, 404, 413, 421} <= statuses, statuses
    assert "OPENAI_API_KEY" in joined(raw.texts) and "NEON_AI_GATEWAY_TOKEN" in joined(raw.texts)
    if raw.facts["picker"] == 200:  # this version serves the picker: its API answered too
        assert "OPENAI_API_KEY" in raw.facts["api"]
    reliability.record(SECTION, row("HTTP raw: good, malformed, refused requests", raw, world))


# --- every CLI command ----------------------------------------------------------------------------------


@dataclass
class CliRun:
    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str


def run_cli(world: World, *args: str, **env: str) -> CliRun:
    proc = subprocess.run(
        [PYTHON, "-m", "models_registry", *args],
        env={**world.env, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return CliRun(args, proc.returncode, proc.stdout, proc.stderr)


def run_ui(world: World, *args: str) -> CliRun:
    """`ui` serves until stopped: fetch the page and call its API, then stop it. Exit 0 = it served both."""
    port = args[args.index("--port") + 1]
    out, err = world.root / "captures" / "ui.stdout", world.root / "captures" / "ui.stderr"
    with out.open("w") as stdout, err.open("w") as stderr:
        proc = subprocess.Popen(
            [PYTHON, "-m", "models_registry", *args], env=world.env, stdout=stdout, stderr=stderr
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_port(int(port), proc)
        with httpx2.Client(base_url=base, trust_env=False, timeout=30) as http:
            page = http.get("/")
            headers = {"Origin": base, "Authorization": f"Bearer {world.token}"}
            api = http.post("/api/tools/list_providers", json={}, headers=headers)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    code = 0 if (page.status_code, api.status_code) == (200, 200) else 1
    served = f"{page.text}\n{api.headers}\n{api.text}"
    return CliRun(args, code, out.read_text() + served, err.read_text())


def _serving_log(where: str) -> bool:
    """The stderr of a process serving HTTP: where it prints its address (see the bearer-token tests)."""
    return where.startswith("http server stderr") or (
        where.startswith("cli -v ui ") and where.endswith("stderr")
    )


def _commands() -> set[tuple[str, ...]]:
    """Every command path `--help` offers: ('status',), ('default', 'get'), ..."""
    paths: set[tuple[str, ...]] = set()

    def walk(parser: Any, prefix: tuple[str, ...]) -> None:
        subs = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
        if not subs:
            paths.add(prefix)
        for action in subs:
            for name, child in action.choices.items():
                walk(child, (*prefix, name))

    walk(build_parser(), ())
    return paths


@pytest.fixture(scope="module")
def cli_surface(world: World, http_surfaces: Any) -> Surface:
    surface = Surface()
    refs, snapshots = world.refs, world.root / "snapshots"
    garbage = world.root / "captures" / "garbage.json"
    garbage.write_text('{"openai": {"models": "many"}}')
    # (expected exit code, args, extra env); read-only commands, run a few at a time.
    read_only: list[tuple[int, tuple[str, ...], dict[str, str]]] = [
        (0, ("--help",), {}),
        (0, ("--version",), {}),
        (2, ("frobnicate",), {}),
        (0, ("status",), {}),
        (0, ("status", "--json"), {}),
        (0, ("-v", "status"), {}),
        (0, ("providers",), {}),
        (0, ("providers", "--all", "--json"), {}),
        (0, ("-v", "providers", "--all"), {}),
        (0, ("models", "-p", "anthropic"), {}),
        (0, ("models", "--all", "-q", "claude", "--limit", "0", "--json"), {}),
        (0, ("-v", "models", "-p", "canarycorp", "--json"), {}),
        (1, ("models", "-p", "nope"), {}),
        (2, ("models", "-c", "telepathy"), {}),
        (2, ("models", "--min-context", "lots"), {}),
        (0, ("show", refs["neon"]), {}),
        (0, ("show", refs["cloudflare-workers-ai"], "--json"), {}),
        (0, ("-v", "show", "canarycorp/cc-1", "--json"), {}),
        (0, ("show", refs["openrouter"]), {}),
        (1, ("-v", "show", "nope/x"), {}),
        (1, ("show", "gpt-5", "--json"), {}),
        (0, ("recommend", "cheap coding agent"), {}),
        (0, ("recommend", "-p", "canarycorp", "-p", "anthropic", "--json"), {}),
        (0, ("-v", "recommend", "long pdf", "--all", "-n", "3", "--json"), {}),
        (1, ("recommend", "-p", "nope"), {}),
        (1, ("recommend", "--min-context", "999999999"), {}),
        (2, ("recommend", "-n", "many"), {}),
        (0, ("default", "get"), {}),
        (0, ("default", "get", "--role", "small", "--json"), {}),
        (2, ("-v", "default", "get", "--role", "Bad Role"), {}),  # a usage error: exit 2
        (0, ("config", "path"), {}),
        (0, ("config", "path", "--json"), {}),
        (1, ("config", "check"), {}),
        (1, ("-v", "config", "check", "--json"), {}),
        (
            1,
            ("-v", "config", "check"),
            {"MODELS_REGISTRY_CONFIG": str(next(p for p in world.config_inputs if p.name == "broken.toml"))},
        ),
        (
            1,
            (
                "snapshot",
                "update",
                "--from",
                str(world.root / "missing.json"),
                "--dir",
                str(snapshots / "missing"),
            ),
            {},
        ),
        (1, ("-v", "snapshot", "update", "--from", str(garbage), "--dir", str(snapshots / "garbage")), {}),
        (2, ("default",), {}),
    ]
    # Commands that write (defaults, the cache, a snapshot) or need an upstream fault: one at a time.
    stateful: list[tuple[int, tuple[str, ...], dict[str, str]]] = [
        (0, ("default", "set", "canarycorp/cc-1", "--role", "small"), {}),
        (0, ("-v", "default", "set", refs["anthropic"], "--json"), {}),
        (1, ("default", "set", "nope/x"), {}),
        (2, ("default", "set", refs["neon"], "--role", "Bad Role"), {}),
        (1, ("-v", "verify", "canaryecho", "canarycorp", "--json"), {}),  # the echo rejects: exit 1
        (1, ("verify", "canaryecho"), {}),
        (0, ("-v", "providers", "--verify", "--all"), {}),  # every key with a known host: via the dead proxy
        (0, ("-v", "refresh", "--json"), {}),
        (0, ("refresh",), {}),
        (0, ("refresh", "--if-stale"), {}),
        (
            0,
            (
                "-v",
                "snapshot",
                "update",
                "--from",
                world.upstream.url,
                "--dir",
                str(snapshots / "fetched"),
                "--json",
            ),
            {},
        ),
        (
            0,
            (
                "snapshot",
                "update",
                "--from",
                str(snapshot_dir() / "api.json"),
                "--date",
                "2026-01-02",
                "--dir",
                str(snapshots / "copied"),
            ),
            {},
        ),
    ]
    if ("ui",) in _commands():  # the picker command, when this version has it: a server, like serve
        stateful.append((0, ("-v", "ui", "--port", str(free_port())), {}))
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        runs = list(pool.map(lambda item: (item[0], run_cli(world, *item[1], **item[2])), read_only))
    runs += [
        (code, (run_ui if "ui" in args else run_cli)(world, *args, **env)) for code, args, env in stateful
    ]
    world.upstream.fault = "http_500"
    try:
        runs.append((1, run_cli(world, "-v", "refresh")))
        runs.append((1, run_cli(world, "refresh", "--json")))
    finally:
        world.upstream.fault = None
    for _, run in runs:
        surface.add(f"cli {' '.join(run.args)} (exit {run.code}) stdout", run.stdout)
        surface.add(f"cli {' '.join(run.args)} (exit {run.code}) stderr", run.stderr)
    surface.facts["runs"] = runs
    return surface


def test_every_cli_command_holds_no_canary_in_stdout_or_stderr(cli_surface, world, reliability):
    assert_no_canary(cli_surface.texts, world.canaries)
    runs: list[tuple[int, CliRun]] = cli_surface.facts["runs"]
    wrong = [
        f"{' '.join(r.args)}: exit {r.code}, expected {code}; {r.stderr[-300:]}"
        for code, r in runs
        if r.code != code
    ]
    assert not wrong, "\n".join(wrong)
    ran = [tuple(a for a in r.args if not a.startswith("-")) for _, r in runs]
    missing = {
        path for path in _commands() if path != ("serve",) and not any(a[: len(path)] == path for a in ran)
    }
    assert not missing, f"CLI commands never run: {missing}"  # serve is the two MCP surfaces above
    by_args = {r.args: r for _, r in runs}
    providers = json.loads(by_args[("providers", "--all", "--json")].stdout)
    assert all(p["available"] for p in providers["providers"]) and len(providers["providers"]) > 140
    assert "set: OPENAI_API_KEY" in by_args[("providers",)].stdout
    assert "set: ANTHROPIC_API_KEY" in by_args[("providers",)].stdout  # from the env_file
    assert "INFO models_registry" in by_args[("-v", "status")].stderr  # -v: the debug log is scanned too
    assert (
        "problem:" in by_args[("config", "check")].stdout
        and "api_key: unknown key" in by_args[("config", "check")].stdout
    )
    assert json.loads(by_args[("-v", "refresh", "--json")].stdout)["result"]["outcome"] in (
        "updated",
        "not_modified",
    )
    reliability.record(SECTION, row("CLI: every command, --json, -v, failing ones", cli_surface, world))


# --- files on disk, and the env_file's values -------------------------------------------------------------


@pytest.fixture(scope="module")
def disk_surface(world: World, cli_surface: Surface) -> Surface:
    """Every file the surfaces left in the cache, HOME/XDG (state), config and snapshot dirs."""
    surface = Surface()
    files = sorted(
        path
        for directory in world.scanned_dirs
        if directory.exists()
        for path in directory.rglob("*")
        if path.is_file() and path not in world.config_inputs
    )
    for path in files:
        surface.add(str(path.relative_to(world.root)), path.read_bytes())
    return surface


def test_files_left_on_disk_hold_no_canary(disk_surface, world, reliability):
    assert_no_canary(disk_surface.texts, world.canaries)
    names = {where for where, _ in disk_surface.texts}
    # The scan saw the files every surface writes: the cache, the remembered defaults, the snapshots.
    assert {"cache/api.json", "cache/api.meta.json"} <= names
    assert "home/xdg_state_home/models-registry/defaults.json" in names
    assert {"snapshots/fetched/metadata.json", "snapshots/copied/api.json"} <= names
    defaults = json.loads((world.root / "home/xdg_state_home/models-registry/defaults.json").read_text())
    assert defaults["roles"]["small"] == "canarycorp/cc-1"
    reliability.record(
        SECTION, row("files on disk: cache, state, config dir, HOME/XDG, snapshots", disk_surface, world)
    )


def test_env_file_values_never_leave_the_process(
    stdio_surface, http_surfaces, cli_surface, world, reliability
):
    everything = Surface(
        texts=[*stdio_surface.texts, *http_surfaces[0].texts, *http_surfaces[1].texts, *cli_surface.texts]
    )
    # Whole values only: the other canaries (marker matches) are the tests above.
    assert_no_canary(everything.texts, world.env_file_canaries, partial=False)
    # The env_file was read: its variables satisfy their providers on every surface that reports them.
    for surface in (stdio_surface, http_surfaces[0]):
        providers = {p["id"]: p for p in surface.facts["providers"]}
        for provider_id in ("anthropic", "mistral", "azure", "canarycorp"):
            assert providers[provider_id]["available"], provider_id
    reliability.record(
        SECTION,
        row(
            "env_file values, on every surface above",
            everything,
            world,
            world.env_file_canaries,
            partial=False,
        ),
    )


# --- the HTTP bearer token --------------------------------------------------------------------------


def _token_texts(surfaces: Iterable[Surface]) -> tuple[list[Text], list[Text]]:
    """(everything but the serving processes' stderr, that stderr)."""
    texts = [text for surface in surfaces for text in surface.texts]
    return [t for t in texts if not _serving_log(t[0])], [t for t in texts if _serving_log(t[0])]


def test_the_bearer_token_never_appears_in_a_response_output_or_file(
    stdio_surface, http_surfaces, cli_surface, disk_surface, world, reliability
):
    scanned, _ = _token_texts([stdio_surface, *http_surfaces, cli_surface, disk_surface])
    token = {"MODELS_REGISTRY_AUTH_TOKEN": world.token}
    assert_no_canary(scanned, token, partial=False)
    assert 401 in http_surfaces[1].facts["statuses"]  # the token really guarded the HTTP server
    reliability.record(
        SECTION,
        row(
            "bearer token: every response, output and file (not the serving log)",
            Surface(scanned),
            world,
            token,
        ),
    )


def test_serving_over_http_never_prints_the_bearer_token(http_surfaces, cli_surface, world):
    _, logs = _token_texts([*http_surfaces, cli_surface])
    assert any("serving MCP (streamable-http)" in text for _, text in logs)  # the serving logs were scanned
    assert_no_canary(logs, {"MODELS_REGISTRY_AUTH_TOKEN": world.token}, partial=False)


# --- a password in the catalog URL ---------------------------------------------------------------


URL_PASSWORD = canary(950, "url-password")


def _url_with_password(upstream: Upstream) -> str:
    return upstream.url.replace("http://", f"http://mirror-user:{URL_PASSWORD}@")


def _url_env(tmp_path: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "PYTHONPATH") or k.startswith("XDG_")}
    return {
        **env,
        "MODELS_REGISTRY_URL": url,
        "MODELS_REGISTRY_CACHE_DIR": str(tmp_path / "cache"),
        "OPENAI_API_KEY": "k",
    }


def test_a_password_in_the_catalog_url_stays_out_of_status_and_the_cache(upstream, tmp_path):
    upstream.serve(_upstream_body(), '"snap-1"')  # the bundled catalog, so the fetch is kept
    env = _url_env(tmp_path, _url_with_password(upstream))
    runs = [
        subprocess.run(
            [PYTHON, "-m", "models_registry", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        for args in (["refresh", "--json"], ["refresh"], ["status", "--json"], ["status"])
    ]
    assert [run.returncode for run in runs] == [0, 0, 0, 0], runs[0].stderr
    assert json.loads(runs[0].stdout)["result"]["outcome"] == "updated"
    assert json.loads(runs[2].stdout)["url"] == upstream.url  # user:password removed
    meta = (tmp_path / "cache" / "api.meta.json").read_text()
    assert json.loads(meta)["url"] == upstream.url
    texts = [(" ".join(run.args[3:]), run.stdout + run.stderr) for run in runs] + [("api.meta.json", meta)]
    assert_no_canary(texts, {"MODELS_REGISTRY_URL password": URL_PASSWORD})


def test_debug_log_of_a_refresh_never_shows_the_url_password(upstream, tmp_path):
    env = _url_env(tmp_path, _url_with_password(upstream))
    proc = subprocess.run(
        [PYTHON, "-m", "models_registry", "-v", "refresh"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "HTTP Request: GET" in proc.stderr or "refresh" in proc.stdout  # the fetch ran and was logged
    assert_no_canary(
        [("-v refresh stderr", proc.stderr), ("stdout", proc.stdout)],
        {"MODELS_REGISTRY_URL password": URL_PASSWORD},
    )


def test_snapshot_update_from_a_url_with_a_password_never_writes_it(upstream, tmp_path):
    env = _url_env(tmp_path, upstream.url)
    target = tmp_path / "snapshot"
    proc = subprocess.run(
        [
            PYTHON,
            "-m",
            "models_registry",
            "snapshot",
            "update",
            "--from",
            _url_with_password(upstream),
            "--dir",
            str(target),
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    texts = [
        ("stdout", proc.stdout),
        ("stderr", proc.stderr),
        ("metadata.json", (target / "metadata.json").read_text()),
    ]
    assert_no_canary(texts, {"snapshot --from password": URL_PASSWORD})
