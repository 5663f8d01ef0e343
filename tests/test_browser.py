"""The model picker in a real headless browser (Chromium via playwright-core), against a real server.

The page loads offline, shows the summary and badges, filters to tool-calling models, and sets
the small-model default; an MCP client then reads that default back from the same server.
`.ci/run` installs Chromium (Debian) and playwright-core (npm); without them the test is skipped.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from .conftest import MINI_CATALOG, free_port

ROOT = Path(__file__).parents[1]
SCRIPT = ROOT / "tests" / "browser" / "picker.mjs"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

MISSING = [
    what
    for what, present in (
        (f"Chromium ({CHROMIUM})", Path(CHROMIUM).exists()),
        ("playwright-core (npm ci)", (ROOT / "node_modules" / "playwright-core").exists()),
        ("node", shutil.which("node") is not None),
    )
    if not present
]
if MISSING and os.environ.get("MODELS_REGISTRY_CI"):  # .ci/run installed them: missing means a broken install
    raise RuntimeError(f"browser test prerequisites missing in CI: {', '.join(MISSING)}")
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"not installed: {', '.join(MISSING)} (.ci/run installs them)")


@pytest.fixture
def picker_server(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "MODELS_REGISTRY_CATALOG": str(MINI_CATALOG),
        "MODELS_REGISTRY_STATE_DIR": str(tmp_path / "state"),
        "OPENAI_API_KEY": "sk-browser-test",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "models_registry", "ui", "--port", str(port)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(300):
        try:
            if httpx2.get(url, timeout=1).status_code == 200:
                break
        except httpx2.TransportError:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read()) from None
        time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(10)
    process.stderr.close()


@pytest.mark.anyio
async def test_the_picker_filters_and_sets_a_default_that_mcp_then_reads(picker_server, tmp_path):
    shot = tmp_path / "picker.png"
    run = subprocess.run(
        ["node", str(SCRIPT), picker_server, str(shot)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["summary"] == "1 provider available, 1 API key configured"
    assert seen["badge"] in {"tools", "reasoning", "vision", "json", "open"}
    assert seen["rows"] and all("tools" in row["badges"] for row in seen["rows"])
    assert all(row["model"].startswith("openai/") for row in seen["rows"])  # available only, by default
    assert seen["message"].startswith(f"Saved: small = {seen['small']}")
    assert seen["failures"] == []  # nothing blocked, nothing fetched from elsewhere
    assert shot.stat().st_size > 10_000
    if os.environ.get("MODELS_REGISTRY_SCREENSHOT"):  # maintainers: refresh the README's picture
        shutil.copy(shot, os.environ["MODELS_REGISTRY_SCREENSHOT"])

    async with httpx2.AsyncClient() as http, Client(streamable_http_client(picker_server + "mcp", http_client=http)) as client:
        got = await client.call_tool("get_default", {"role": "small"})
    assert (got.structured_content["model"], got.structured_content["source"]) == (seen["small"], "stored (set_default)")
