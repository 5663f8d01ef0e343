"""Hostile postMessage against the model picker, in headless Chromium (defect 10, issue 13).

Owns the picker's message-origin checks: embedded in an MCP Apps host, the picker heeds only the
window that embedded it (a sibling frame's injected picks never render); opened top-level, it heeds
no message at all (a window holding a window.open handle cannot inject picks). Reuses the real
server fixture and the Chromium / playwright-core prerequisites of tests/test_browser.py; the
driver script lives here, run by node from the repo root so that playwright-core resolves.
"""

import json
import os
import subprocess

import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from . import test_browser
from .test_browser import CHROMIUM, MISSING, ROOT

# The same real server, on 127.0.0.1, that tests/test_browser.py drives.
picker_server = test_browser.picker_server

# Importing test_browser already raised if MODELS_REGISTRY_CI is set and a prerequisite is missing.
pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"not installed: {', '.join(MISSING)} (.ci/run installs them)"
)

DEFECT = "10. picker postMessage from any origin"
SURFACE = "picker in headless Chromium"
INJECTED = "INJECTED"

# One driver, two scenarios. Pages that are not the picker are served by playwright's router under
# made-up origins (evil.test), so nothing leaves the machine. To know a hostile message was really
# delivered (and so really ignored, not merely late), the driver adds a spy listener to the picker
# after its own: listeners run in order within one dispatch, so once the spy has seen the message
# the picker's handler has finished with it.
DRIVER = r"""
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";

const [scenario, server, appFile] = process.argv.slice(2);
const hostile = { jsonrpc: "2.0", method: "ui/notifications/tool-result", params: { content: [], structuredContent: {
  recommendations: [{ model: "INJECTED/model", capabilities: ["tool_call"], reasons: ["INJECTED by a foreign window"] }] } } };
const html = (body) => ({ status: 200, contentType: "text/html", body });
// JSON in a <script>: escape "<" so the picker's own </script> cannot end the host's script.
const literal = (value) => JSON.stringify(value).replace(/</g, "\\u003c");

// A minimal MCP Apps host: renders the ui:// resource in a sandboxed srcdoc iframe, answers
// ui/initialize, and proxies tools/call to the server's API (it shares the server's origin).
const HOST = (appHtml) => `<!doctype html><body>
<iframe id="app" sandbox="allow-scripts" width="1100" height="700"></iframe>
<iframe id="evil" src="http://evil.test/frame.html"></iframe>
<script>
const app = document.getElementById("app");
const send = (msg) => app.contentWindow.postMessage({ jsonrpc: "2.0", ...msg }, "*");
window.addEventListener("message", async (event) => {
  if (event.source !== app.contentWindow) return;
  const msg = event.data;
  if (msg.method === "ui/initialize") {
    send({ id: msg.id, result: { protocolVersion: msg.params.protocolVersion, hostInfo: { name: "test host", version: "1" }, hostCapabilities: {}, hostContext: {} } });
  } else if (msg.method === "tools/call") {
    const response = await fetch("/api/tools/" + msg.params.name, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(msg.params.arguments) });
    const r = await response.json();
    send({ id: msg.id, result: { structuredContent: r.structured, content: [{ type: "text", text: r.text }], isError: r.is_error } });
  }
});
window.toolResult = (structuredContent) => send({ method: "ui/notifications/tool-result", params: { content: [], structuredContent } });
app.srcdoc = ${literal(appHtml)};
</script></body>`;

async function frameWhere(page, test) {
  for (let i = 0; i < 200 && !page.frames().some(test); i++) await page.waitForTimeout(50);
  return page.frames().find(test) ?? Promise.reject(new Error("frame never appeared"));
}
async function spyOn(frame) {
  await frame.evaluate(() => { window.__seen = []; addEventListener("message", (e) => window.__seen.push(JSON.stringify(e.data))); });
}
async function waitSeen(frame, text) {
  await frame.waitForFunction((t) => window.__seen.some((s) => s.includes(t)), text, { timeout: 10000 });
}
const picks = (frame) => frame.evaluate(() => document.querySelector("#picks").textContent);
const body = (frame) => frame.evaluate(() => document.body.innerText);

async function embedded(context, page) {
  const appHtml = readFileSync(appFile, "utf8");
  await context.route(server + "host.html", (route) => route.fulfill(html(HOST(appHtml))));
  await context.route("http://evil.test/frame.html", (route) => route.fulfill(html("<!doctype html><p>evil</p>")));
  await page.goto(server + "host.html");
  const app = await frameWhere(page, (f) => f.url() === "about:srcdoc");
  const evil = await frameWhere(page, (f) => f.url().startsWith("http://evil.test/"));
  await app.waitForSelector("#models tbody tr[data-model]");  // the host's tools/call answers got through
  await spyOn(app);
  // The sibling frame posts into the picker, as any frame on the host page can.
  await evil.evaluate((msg) => parent.frames[0].postMessage(msg, "*"), hostile);
  await waitSeen(app, "INJECTED");
  const afterHostile = await picks(app);
  // The embedding host's own notification still renders.
  await page.evaluate(() => window.toolResult({ recommendations: [{ model: "openai/host-pick", capabilities: ["tool_call"], reasons: ["from the host"] }] }));
  await app.waitForFunction(() => document.querySelector("#picks").textContent.includes("openai/host-pick"), null, { timeout: 10000 });
  return { afterHostile, final: await body(app) };
}

async function standalone(context, page) {
  await context.route("http://evil.test/opener.html", (route) => route.fulfill(html("<!doctype html><p>opener</p>")));
  await page.goto("http://evil.test/opener.html");
  const [picker] = await Promise.all([
    context.waitForEvent("page"),
    page.evaluate((url) => { window.victim = window.open(url); }, server),
  ]);
  await picker.waitForSelector("#models tbody tr[data-model]");
  const frame = picker.mainFrame();
  await spyOn(frame);
  // The opener still holds a handle to the picker's window and posts through it.
  await page.evaluate((msg) => window.victim.postMessage(msg, "*"), hostile);
  await waitSeen(frame, "INJECTED");
  const afterHostile = await picks(frame);
  // The page's own controls still work: a real recommendation from the server renders.
  await picker.click("#recommend button[type=submit]");
  await frame.waitForFunction(() => document.querySelectorAll("#picks li strong").length > 0, null, { timeout: 10000 });
  return { afterHostile, final: await body(frame) };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  context.on("weberror", (e) => errors.push(String(e.error())));
  const seen = await (scenario === "embedded" ? embedded : standalone)(context, page);
  console.log(JSON.stringify({ ...seen, errors }));
} finally {
  await browser.close();
}
"""


def drive(scenario: str, server: str, app_file: str = "") -> dict:
    """Run the driver in node from the repo root; what it saw, or the test fails with its stderr."""
    run = subprocess.run(
        ["node", "--input-type=module", "-", scenario, server, app_file],
        check=False,
        input=DRIVER,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CHROMIUM": CHROMIUM},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


async def mcp_app_html(server: str) -> str:
    """The ui:// resource exactly as an MCP Apps host reads it from the running server."""
    async with (
        httpx2.AsyncClient() as http,
        Client(streamable_http_client(server + "mcp", http_client=http)) as client,
    ):
        page = await client.read_resource("ui://models-registry/picker")
    return page.contents[0].text


def record(reliability, seen: dict, attack: str, ignored: str) -> None:
    """A row for docs/reliability.md: what the picker showed right after the hostile message."""
    now = ignored if INJECTED not in seen["afterHostile"] else "injected picks rendered"
    reliability.record("hostile", {"defect": DEFECT, "attack": attack, "surface": SURFACE, "now": now})


@pytest.mark.anyio
async def test_embedded_picker_ignores_a_sibling_frame_and_heeds_its_host(
    picker_server, tmp_path, reliability
):
    app_file = tmp_path / "picker-app.html"
    app_file.write_text(await mcp_app_html(picker_server), encoding="utf-8")
    seen = drive("embedded", picker_server, str(app_file))
    record(
        reliability,
        seen,
        "sibling iframe on the host page posts a forged tool-result into the picker",
        "injected picks ignored; host's own tool-result still renders",
    )
    assert INJECTED not in seen["afterHostile"] and INJECTED not in seen["final"]
    assert "openai/host-pick" in seen["final"]  # the embedding host is still heard
    assert seen["errors"] == []


def test_standalone_picker_ignores_a_window_that_opened_it(picker_server, reliability):
    seen = drive("standalone", picker_server)
    record(
        reliability,
        seen,
        "window.open opener posts a forged tool-result into the top-level picker",
        "ignored: a top-level picker accepts no messages",
    )
    assert INJECTED not in seen["afterHostile"] and INJECTED not in seen["final"]
    assert seen["errors"] == []
