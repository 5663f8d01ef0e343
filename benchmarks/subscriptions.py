"""Memory under subscription churn: 10,000 resources/subscribe and unsubscribe calls with fresh URIs.

    python -m benchmarks.subscriptions [--calls N]

Target (issue 13): the HTTP server's resident memory stays within 10 MB of where it would be
anyway. One legacy session over streamable HTTP repeats three calls, each on URIs never seen
before (1,000 characters long): subscribe to one, unsubscribe from it, and unsubscribe from
another it never subscribed to (before the fix, each of those left its URI behind for good).
The baseline is a second server given the same number of pings: any session's first few
thousand requests take the server up ~29 MB and then it stays flat, so growth from the start
alone would mostly measure that.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import httpx2

from ._servers import free_port, memory_mib, ours_http, registry_env
from ._timing import Check, print_table

TARGET_MIB = 10.0
URI_CHARS = 1_000
LEGACY = "2025-11-25"
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def _session(http: httpx2.Client, url: str) -> dict[str, str]:
    hello = {
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}},
    }
    response = http.post(url, json=hello, headers=HEADERS)
    response.raise_for_status()
    headers = {**HEADERS, "Mcp-Session-Id": response.headers["mcp-session-id"], "MCP-Protocol-Version": LEGACY}
    http.post(url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers).raise_for_status()
    return headers


def _churn(http: httpx2.Client, url: str, headers: dict[str, str], calls: int) -> None:
    for number in range(0, calls, 3):
        fresh = f"models://churn/{number}/".ljust(URI_CHARS, "x")
        never = f"models://never/{number}/".ljust(URI_CHARS, "y")
        for method, uri in (("subscribe", fresh), ("unsubscribe", fresh), ("unsubscribe", never)):
            _call(http, url, headers, {"jsonrpc": "2.0", "id": number, "method": f"resources/{method}", "params": {"uri": uri}})


def _pings(http: httpx2.Client, url: str, headers: dict[str, str], calls: int) -> None:
    for number in range(calls):
        _call(http, url, headers, {"jsonrpc": "2.0", "id": number, "method": "ping"})


def _call(http: httpx2.Client, url: str, headers: dict[str, str], body: dict) -> None:
    response = http.post(url, json=body, headers=headers)
    if response.status_code != 200 or b'"error"' in response.content:
        raise RuntimeError(f"{body['method']} failed: {response.status_code} {response.text[:200]}")


def _growth(load, calls: int) -> tuple[float, float]:
    """(RSS at the session's start, growth after `calls` calls of `load`) of a fresh server, in MiB."""
    with tempfile.TemporaryDirectory(prefix="models-registry-bench-") as tmp:
        env = {**os.environ, **registry_env(Path(tmp), "OPENAI_API_KEY")}
        port = free_port()
        url = f"http://127.0.0.1:{port}/mcp"
        with ours_http(env, port) as server, httpx2.Client(timeout=30) as http:
            headers = _session(http, url)
            before, _ = memory_mib(server.pid)
            load(http, url, headers, calls)
            after, _ = memory_mib(server.pid)
    return before, after - before


def measure(calls: int = 10_000) -> list[Check]:
    start, churn = _growth(_churn, calls)
    ping_start, pings = _growth(_pings, calls)
    return [
        Check(
            f"memory: HTTP server after {calls:,} subscribe/unsubscribe calls with fresh URIs",
            f"{churn:+.1f} MB from {start:.1f} MB",
            f"{pings:+.1f} MB from {ping_start:.1f} MB after {calls:,} pings",
            f"<= {TARGET_MIB:g} MB more than pings",
            churn - pings <= TARGET_MIB,
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    print_table(measure(parser.parse_args().calls))


if __name__ == "__main__":
    main()
