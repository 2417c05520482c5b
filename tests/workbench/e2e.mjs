// framelens serve in a real browser (headless Chromium, the system package, driven by playwright-core):
// open the printed URL, filter the table, code 20 paragraphs with the keyboard alone, SIGKILL the server
// and restart it (all 20 codes still there), a second coder codes 10 of them in another browser context,
// corpus markup renders as text (no dialog ever opens), a request without the token gets 403, a sheet is
// imported from the page and a training round runs from the page. Screenshots of the main pages go to
// $SCREENSHOTS (docs/images by default), so README's images are what this test saw.
//
// Usage: node e2e.mjs RUN_DIR   (run.sh makes the run; FRAMELENS_BIN, FRAMELENS_CHROMIUM override paths)
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { readFileSync } from "node:fs";
import path from "node:path";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const runDir = process.argv[2];
const bin = process.env.FRAMELENS_BIN || path.join(root, "target/release/framelens");
const browserPath = process.env.FRAMELENS_CHROMIUM || "/usr/bin/chromium";
const shots = process.env.SCREENSHOTS || path.join(root, "docs/images");
const gold = path.join(root, "corpora/sample/gold.csv");

function startServer() {
  const child = spawn(bin, ["serve", runDir, "--port", "0"], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once("line", (url) => resolve({ child, url: url.trim(), base: url.trim().split("/?token=")[0] }));
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

async function step(name, f) {
  const t = Date.now();
  await f();
  console.log(`ok  ${name} (${Date.now() - t} ms)`);
}

/** Presses a key that submits a form, waiting for the page it leads to. */
async function press(page, key) {
  await Promise.all([page.waitForEvent("load"), page.keyboard.press(key)]);
}

const browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox"] });
let server = await startServer();
const dialogs = [];
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss(); });
const external = [];
page.on("request", (r) => { if (!r.url().startsWith(server.base)) external.push(r.url()); });

try {
  await step("the printed URL opens the overview", async () => {
    await page.goto(server.url);
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page.screenshot({ path: path.join(shots, "workbench-overview.png") });
  });

  await step("a request without the token is refused", async () => {
    const fresh = await browser.newContext();
    const r = await fresh.request.get(server.base + "/paragraphs");
    assert.equal(r.status(), 403);
    await fresh.close();
  });

  await step("filter the table", async () => {
    await page.getByRole("link", { name: "Paragraphs" }).click();
    await page.locator('select[name="outlet"]').selectOption("meridian-wire");
    await page.locator('input[name="q"]').fill("compound");
    await Promise.all([page.waitForEvent("load"), page.getByRole("button", { name: "Filter" }).click()]);
    const count = await page.locator("#count").innerText();
    const rows = await page.locator("table.paragraphs tbody tr").count();
    assert.match(count, /^\d+ paragraphs match/);
    assert.ok(rows > 0 && rows === Math.min(50, parseInt(count)), `${rows} rows for "${count}"`);
    for (const cell of await page.locator("table.paragraphs tbody tr td:first-child").allInnerTexts()) {
      assert.equal(cell, "meridian-wire");
    }
    await page.screenshot({ path: path.join(shots, "workbench-paragraphs.png") });
  });

  await step("corpus markup renders as text", async () => {
    await page.goto(server.base + "/paragraphs?q=onerror");
    await Promise.all([page.waitForEvent("load"), page.locator("table.paragraphs tbody a").first().click()]);
    const current = await page.locator(".article p.current").innerText();
    assert.ok(current.includes("<script>alert(1)</script>"), current);
    assert.ok(current.includes("<img src=x onerror=alert(2)>"), current);
    assert.equal(await page.locator(".article img").count(), 0);
    await page.screenshot({ path: path.join(shots, "workbench-paragraph.png") });
  });

  const coded = [];
  await step("code 20 paragraphs with the keyboard alone", async () => {
    await page.goto(server.base + "/code");
    // `autofocus` may land after the load event: keys typed before it go nowhere, and the codes below would
    // then belong to a coder named "na" or "" (the restart step once read 0 of 20 for "ana" that way).
    await page.waitForFunction(() => document.activeElement?.getAttribute("name") === "coder");
    await page.keyboard.type("ana");
    await press(page, "Enter");
    assert.equal(await page.locator("#coder").innerText(), "ana", "the name typed is the coder's");
    for (let i = 0; i < 20; i++) {
      const row = await page.locator("#paragraph").getAttribute("data-row");
      assert.ok(!coded.includes(row), "the queue moves on");
      coded.push(row);
      if (i === 0) await page.screenshot({ path: path.join(shots, "workbench-code.png") });
      await press(page, String(1 + (i % 7)));
      if (i === 3) {
        await press(page, "u"); // undo the frame just coded: the same paragraph comes back
        assert.equal(await page.locator("#paragraph").getAttribute("data-row"), row);
        await press(page, String(1 + (i % 7)));
      }
      await press(page, "scn"[i % 3]);
    }
    assert.equal(await page.locator("#done").innerText(), "20");
  });

  await step("SIGKILL and restart: all 20 codes are still there", async () => {
    server.child.kill("SIGKILL");
    await new Promise((r) => server.child.once("exit", r));
    server = await startServer();
    await page.goto(server.url);
    await page.goto(server.base + "/code?coder=ana&order=random&target=20");
    assert.equal(await page.locator("#done").innerText(), "20");
  });

  await step("a second coder codes 10 of them", async () => {
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p2 = await other.newPage();
    p2.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss(); });
    await p2.goto(server.url);
    await p2.goto(server.base + "/code?coder=ben&order=random&target=10");
    for (let i = 0; i < 10; i++) {
      assert.equal(await p2.locator("#paragraph").getAttribute("data-row"), coded[i], "same queue as ana");
      await press(p2, String(1 + ((i + (i % 2)) % 7)));
      await press(p2, "scn"[i % 3]);
    }
    assert.equal(await p2.locator("#done").innerText(), "10");
    await other.close();
  });

  await step("agreement between the coders", async () => {
    await page.goto(server.base + "/agreement?a=ana&b=ben&task=frames");
    const n = await page.locator('#detail ~ table.summary td[data-metric="n"]').innerText();
    assert.equal(n, "10");
    assert.equal(await page.locator("ul.disagreements li").count(), 5);
    await page.screenshot({ path: path.join(shots, "workbench-agreement.png"), fullPage: false });
  });

  await step("import a coded sheet from the page, train and relabel", async () => {
    await page.goto(server.base + "/code");
    await page.locator("#import-coder").fill("gold");
    await page.locator("#import-file").setInputFiles({ name: "gold.csv", mimeType: "text/csv", buffer: readFileSync(gold) });
    await page.locator("#import-result").filter({ hasText: "imported" }).waitFor();
    await page.goto(server.base + "/train");
    await page.locator('select[name="coder"]').selectOption("gold");
    await Promise.all([page.waitForEvent("load"), page.getByRole("button", { name: "Train and relabel" }).click()]);
    await page.locator('#status[data-state="done"], #status[data-state="failed"]').waitFor({ timeout: 600_000 });
    const state = await page.locator("#status").getAttribute("data-state");
    assert.equal(state, "done", await page.locator("#log").innerText());
    await page.screenshot({ path: path.join(shots, "workbench-train.png") });
    await page.goto(server.base + "/agreement");
    assert.ok((await page.content()).includes("model (before relabelling)"));
  });

  assert.deepEqual(dialogs, [], "no script from the corpus ever ran");
  assert.deepEqual(external, [], "the pages requested nothing outside the workbench");
  console.log("workbench e2e: all steps passed");
} finally {
  server.child.kill("SIGKILL");
  await browser.close();
}
