"""Hostile clients of the streamable HTTP server (issue 13), against a real `models-registry serve` on 127.0.0.1.

A. Session flood: one local process, no token needed on loopback, opens more sessions than the
   cap allows. The server must keep admitting newcomers and keep serving the clients it has.
B. `Authorization: bearer <token>`: the scheme is case-insensitive (RFC 7235), the token is not.
C. `--auth-token " "` on a non-loopback bind: a blank token is no token, so the server refuses
   to start; surrounding whitespace is stripped from a real one.

Every request goes to 127.0.0.1, even when the server binds 0.0.0.0.
"""

from __future__ import annotations

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import anyio
import httpx2
import pytest
from mcp.client import Client

from models_registry.http_app import MAX_SESSIONS

from .test_http_security import (
    HEADERS,
    TOKEN,
    initialize_and_hang_up,
    initialize_request,
    minimal_env,
    openai_available_with,
    ping_status,
    port_of,
)
from .test_transports import SERVE, free_port, http_server

pytestmark = pytest.mark.anyio

SECTION = "hostile"
SURFACE = "streamable HTTP server"


def record(reliability, defect: str, attack: str, now: str) -> None:
    reliability.record(SECTION, {"defect": defect, "attack": attack, "surface": SURFACE, "now": now})


# --- A. session flood --------------------------------------------------------------------------

FLOOD = MAX_SESSIONS + 200  # past the cap, whatever headroom the server keeps below it
FLOOD_WORKERS = 32


def flood(port: int) -> tuple[list[tuple[int, str | None]], float]:
    """FLOOD sessions from one client, FLOOD_WORKERS at a time, in order of sending; and the seconds it took."""
    started = time.monotonic()
    with ThreadPoolExecutor(FLOOD_WORKERS) as pool:
        answers = list(pool.map(lambda _: initialize_and_hang_up(port), range(FLOOD)))
    return answers, time.monotonic() - started


async def test_a_session_flood_cannot_lock_other_clients_out(tmp_path, reliability):
    with http_server(tmp_path, "streamable-http", env=minimal_env(tmp_path)) as (base, proc):
        port = port_of(base)
        # A well-behaved client connected before the flood (the SDK client holds a GET stream open).
        async with Client(f"{base}/mcp", mode="legacy") as before:
            answers, seconds = await anyio.to_thread.run_sync(flood, port)
            # The client that was already connected keeps its session.
            kept = await before.call_tool("get_default", {})
        statuses = [status for status, _ in answers]
        refused = len(statuses) - statuses.count(200)
        assert refused == 0, f"{refused} of {FLOOD} flood sessions refused: {sorted(set(statuses))}"
        assert kept.structured_content["model"].startswith("openai/")
        # A newcomer after the flood gets in at once, and so does a plain HTTP initialize.
        async with Client(f"{base}/mcp", mode="legacy") as after:
            result = await after.call_tool("list_models", {"provider": "openai", "limit": 1})
        assert result.structured_content["total"] == 10
        assert httpx2.post(f"{base}/mcp", json=initialize_request(), headers=HEADERS).status_code == 200
        # Room was made by ending the flood's own idle sessions, longest idle first.
        first, last = answers[0][1], answers[-1][1]
        assert (ping_status(base, first), ping_status(base, last)) == (404, 200)
        assert proc.poll() is None
    record(
        reliability,
        "14. session flood",
        f"one local client opens {FLOOD} sessions (cap {MAX_SESSIONS}), {FLOOD_WORKERS} at a time, and vanishes",
        f"all {FLOOD} admitted in {seconds:.1f} s, none refused (was 503 past the cap for 5 min); "
        "the longest-idle sessions are ended to make room; a client connected before the flood "
        "and a newcomer after it both call tools",
    )


# --- B. bearer scheme case ---------------------------------------------------------------------

SCHEME_CASES = [
    ("lower-case scheme", f"bearer {TOKEN}", 200),
    ("upper-case scheme", f"BEARER {TOKEN}", 200),
    ("mixed-case scheme", f"bEaReR {TOKEN}", 200),
    ("canonical scheme", f"Bearer {TOKEN}", 200),
    ("lower-case scheme, wrong token", f"bearer {TOKEN[:-1]}X", 401),
    ("lower-case scheme, upper-cased token", f"bearer {TOKEN.upper()}", 401),
    ("upper-case scheme, no token", "BEARER", 401),
    ("scheme Bearerx", f"Bearerx {TOKEN}", 401),
]


async def test_b_bearer_scheme_is_case_insensitive_and_the_token_is_not(tmp_path, reliability):
    with http_server(
        tmp_path, "streamable-http", "--host", "0.0.0.0", "--auth-token", TOKEN, env=minimal_env(tmp_path)
    ) as (base, _):
        got = {}
        for label, authorization, _ in SCHEME_CASES:
            headers = {**HEADERS, "Authorization": authorization}
            got[label] = httpx2.post(f"{base}/mcp", json=initialize_request(), headers=headers).status_code
        assert got == {label: expected for label, _, expected in SCHEME_CASES}
        assert await openai_available_with(base, f"bearer {TOKEN}")
    record(
        reliability,
        "15. bearer scheme case-sensitive",
        "`Authorization: bearer <token>` / `BEARER <token>` on a 0.0.0.0 bind",
        "; ".join(f"{label}: {status}" for label, status in got.items())
        + "; an MCP client sending `bearer` calls tools",
    )


# --- C. blank --auth-token ---------------------------------------------------------------------


@pytest.mark.parametrize("blank", [" ", "   ", "\t"])
def test_c_blank_auth_token_flag_refuses_a_non_loopback_bind(tmp_path, blank, reliability):
    command = [
        *SERVE,
        "serve",
        "--transport",
        "streamable-http",
        "--host",
        "0.0.0.0",
        "--port",
        str(free_port()),
    ]
    try:
        proc = subprocess.run(
            [*command, "--auth-token", blank],
            env=minimal_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except subprocess.TimeoutExpired:  # subprocess.run killed it
        pytest.fail(f"--auth-token {blank!r}: the server started on 0.0.0.0 with a blank token")
    assert proc.returncode == 1, proc.stderr
    assert "binding 0.0.0.0 exposes the server" in proc.stderr and "--auth-token" in proc.stderr
    assert "Traceback" not in proc.stderr
    record(
        reliability,
        "16. blank --auth-token accepted",
        f"`serve --host 0.0.0.0 --auth-token {blank!r}`",
        f"refuses to start: exit {proc.returncode}, names --auth-token",
    )


def test_c_auth_token_flag_is_stripped(tmp_path, reliability):
    with http_server(
        tmp_path,
        "streamable-http",
        "--host",
        "0.0.0.0",
        "--auth-token",
        f"  {TOKEN}\t",
        env=minimal_env(tmp_path),
    ) as (base, _):
        statuses = [
            httpx2.post(
                f"{base}/mcp",
                json=initialize_request(),
                headers={**HEADERS, "Authorization": f"Bearer {value}"},
            ).status_code
            for value in (TOKEN, f"  {TOKEN}")
        ]
    assert statuses == [200, 401]
    record(
        reliability,
        "16. --auth-token not stripped",
        "`--auth-token '  <token>\\t'`, then `Bearer <token>`",
        f"`Bearer <token>`: {statuses[0]}; the padded token: {statuses[1]}",
    )


def test_c_a_blank_flag_leaves_the_environment_token_in_force(tmp_path):
    env = minimal_env(tmp_path, MODELS_REGISTRY_AUTH_TOKEN=TOKEN)
    with http_server(tmp_path, "streamable-http", "--host", "0.0.0.0", "--auth-token", " ", env=env) as (base, _):
        statuses = [
            httpx2.post(f"{base}/mcp", json=initialize_request(), headers={**HEADERS, **auth}).status_code
            for auth in ({"Authorization": f"Bearer {TOKEN}"}, {})
        ]
    assert statuses == [200, 401]
