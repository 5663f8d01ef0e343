"""The official MCP conformance suite against the real server over streamable HTTP.

`@modelcontextprotocol/conformance` and Node 22 (the `node` npm package, which ships the
binary; the suite needs Node 22 and CI's system Node is 20) are pinned in package.json /
package-lock.json and installed by `npm ci` (CI's `.ci/run` does it). One server process
serves the module; each applicable scenario is its own test:

    node_modules/.bin/node node_modules/.bin/conformance server --url <url>/mcp --scenario <name> -o <dir>

The suite exits non-zero when a check fails and writes each check to `<dir>/*/checks.json`.

Scenarios left out: they call the suite's own fixture tools, resources or prompts
(`test_simple_text`, `test://static-text`, `test_simple_prompt`, ...), which a server
implements only to be tested; this server has its own.

    tools-call-simple-text, tools-call-image, tools-call-audio, tools-call-embedded-resource,
    tools-call-mixed-content, tools-call-with-logging, tools-call-error, tools-call-with-progress,
    tools-call-sampling, tools-call-elicitation, elicitation-sep1034-defaults,
    elicitation-sep1330-enums, json-schema-2020-12    -> fixture tools (test_* tools)
    server-sse-polling                                 -> fixture tool test_reconnection
    resources-read-text, resources-read-binary,
    resources-templates-read                           -> fixture resources under test://
    prompts-get-simple, prompts-get-with-args,
    prompts-get-embedded-resource, prompts-get-with-image -> fixture prompts (test_* prompts)

(`tools-call-error` passes here only because an unknown tool is an `isError` result too;
this server's own tool errors are tested in tests/test_mcp_tools.py.) `completion-complete`
asks about a fixture prompt too, but checks only the answer's shape, which applies: an
unknown prompt gets an empty list.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from .conftest import MINI_CATALOG
from .test_transports import http_server

ROOT = Path(__file__).parent.parent
BIN = ROOT / "node_modules" / ".bin"
NODE = BIN / ("node.cmd" if os.name == "nt" else "node")  # Node 22 from npm, not the system's
SUITE = ROOT / "node_modules" / "@modelcontextprotocol" / "conformance" / "dist" / "index.js"
TIMEOUT = 120
CANARY = "sk-conformance-canary"

APPLICABLE = [
    "server-initialize",
    "ping",
    "logging-set-level",
    "completion-complete",
    "tools-list",
    "resources-list",
    "resources-subscribe",  # an unknown URI: accepted, counted against the session's cap
    "resources-unsubscribe",
    "prompts-list",
    "server-sse-multiple-streams",
    "dns-rebinding-protection",
]
FIXTURE_ONLY = {
    "tools-call-simple-text", "tools-call-image", "tools-call-audio", "tools-call-embedded-resource",
    "tools-call-mixed-content", "tools-call-with-logging", "tools-call-error", "tools-call-with-progress",
    "tools-call-sampling", "tools-call-elicitation", "elicitation-sep1034-defaults", "elicitation-sep1330-enums",
    "json-schema-2020-12", "server-sse-polling", "resources-read-text", "resources-read-binary",
    "resources-templates-read", "prompts-get-simple", "prompts-get-with-args", "prompts-get-embedded-resource",
    "prompts-get-with-image",
}  # fmt: skip

if not SUITE.exists() or not NODE.exists():
    if os.environ.get("MODELS_REGISTRY_CI"):  # .ci/run installed it: missing means a broken install, not a skip
        raise RuntimeError(f"MCP conformance suite or Node 22 missing in CI: {SUITE}, {NODE}")
    pytest.skip("MCP conformance suite not installed: run `npm ci` in the repo root", allow_module_level=True)


def run_suite(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run the suite's CLI on Node 22; a hang kills its whole process group and fails the test."""
    posix = os.name == "posix"
    proc = subprocess.Popen(
        [str(NODE), str(SUITE), *args], cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=posix,
    )  # fmt: skip
    try:
        output, _ = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        if posix:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
        output, _ = proc.communicate()
        pytest.fail(f"conformance suite timed out after {TIMEOUT}s: {args}\n{output[-4000:]}")
    return subprocess.CompletedProcess(proc.args, proc.returncode, output, "")


@pytest.fixture(scope="module")
def server_url(tmp_path_factory) -> str:
    """One real server for the module, with an environment of its own (not the developer's keys)."""
    tmp = tmp_path_factory.mktemp("conformance-server")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp),
        "MODELS_REGISTRY_CATALOG": str(MINI_CATALOG),
        "MODELS_REGISTRY_CACHE_DIR": str(tmp / "cache"),
        "MODELS_REGISTRY_STATE_DIR": str(tmp / "state"),
        "MODELS_REGISTRY_OFFLINE": "1",
        "MODELS_REGISTRY_LOCAL": "off",
        "OPENAI_API_KEY": CANARY,
    }
    with http_server(tmp, "streamable-http", env=env) as (base, _proc):
        yield f"{base}/mcp"


@pytest.mark.parametrize("scenario", APPLICABLE)
def test_scenario(scenario, server_url, tmp_path):
    proc = run_suite("server", "--url", server_url, "--scenario", scenario, "-o", str(tmp_path))
    checks = [c for path in tmp_path.glob("*/checks.json") for c in json.loads(path.read_text())]
    failed = [c for c in checks if c["status"] == "FAILURE"]
    assert proc.returncode == 0 and checks and not failed, f"{failed}\n{proc.stdout[-4000:]}"
    assert CANARY not in json.dumps(checks)


def test_every_server_scenario_is_run_or_listed_as_left_out():
    """A new suite version's scenarios must be sorted into APPLICABLE or FIXTURE_ONLY (and the docs)."""
    proc = run_suite("list", "--server")
    listed = {line.split()[1] for line in proc.stdout.splitlines() if line.strip().startswith("- ")}
    assert proc.returncode == 0 and listed
    assert listed == set(APPLICABLE) | FIXTURE_ONLY, listed ^ (set(APPLICABLE) | FIXTURE_ONLY)
