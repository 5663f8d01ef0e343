// Drives the model picker in headless Chromium: node tests/browser/picker.mjs URL SCREENSHOT
// Prints one JSON line with what it saw; tests/test_browser.py checks it and the server state.
import { chromium } from "playwright-core";

const [url, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  // Root in CI needs --no-sandbox; the rest keeps Chromium off the (closed) network.
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const failures = [];
  page.on("requestfailed", (request) => failures.push(request.url()));
  page.on("pageerror", (error) => failures.push(String(error)));
  await page.goto(url);
  await page.waitForFunction(() => document.querySelector("#summary").textContent.includes("available"));
  await page.waitForSelector("#models tbody tr[data-model]");
  const summary = await page.textContent("#summary");
  const badge = await page.textContent("#models tbody .badge");
  const before = await page.locator("#models tbody tr[data-model]").count();

  await page.check("input[name=cap][value=tool_call]");
  await page.waitForFunction((n) => document.querySelectorAll("#models tbody tr[data-model]").length !== n, before);
  const rows = await page.locator("#models tbody tr[data-model]").evaluateAll((trs) =>
    trs.map((tr) => ({ model: tr.dataset.model, badges: [...tr.querySelectorAll(".badge")].map((b) => b.textContent) })));

  const small = rows.find((r) => r.model.startsWith("openai/")).model;
  await page.selectOption("#default-role", "small");
  await page.fill("#default-model", small);
  await page.click("#set-default");
  await page.waitForFunction((m) => document.querySelector("#defaults [data-role=small] .current")?.textContent === m, small);
  const message = await page.textContent("#message");
  await page.screenshot({ path: screenshot, fullPage: false });
  console.log(JSON.stringify({ summary, badge, before, rows, small, message, failures }));
} finally {
  await browser.close();
}
