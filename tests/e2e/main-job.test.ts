/**
 * The main job as a person runs it: `bnlab start` (what `npm start` runs) on an empty data
 * folder serves the dashboard at once and trains a sweep behind it, with a progress panel; every
 * page then shows data, findings included; a second start finds everything done and serves at
 * once; Ctrl-C while training stops the training (saved, resumable) and the server. The sweep is
 * a small one given through BNLAB_DEMO_SWEEP so CI stays fast; the real demo is the same code.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSweepProgress } from "../../lib/run/sweep-progress";
import { ensureBuild, freePort, launchBrowser, ROOT } from "./support";

const root = mkdtempSync(path.join(tmpdir(), "bnlab-main-"));
const sweep = path.join(root, "small-demo.json");
writeFileSync(sweep, JSON.stringify({
  name: "small-demo",
  base: { data: { dataset: "synthetic", trainSubset: 128, testSubset: 64 }, training: { epochs: 2, batchSize: 32 } },
  grid: { arch: ["resnet-8", "resnet-14"], trainable: ["all", "bn", "output", "none"] },
}));

interface Started {
  url: string;
  child: ChildProcess;
  output: () => string;
  seconds: number;
}

/** Runs `bnlab start` and resolves once the dashboard answers. */
async function start(sweepFile = sweep): Promise<Started> {
  const port = await freePort();
  const began = Date.now();
  let out = "";
  const child = spawn(process.execPath, [path.join(ROOT, "bin", "bnlab.mjs"), "start", "--port", String(port)], {
    cwd: ROOT,
    env: { ...process.env, BNLAB_DATA_DIR: root, BNLAB_DEMO_SWEEP: sweepFile, DATABASE_URL: "", BNLAB_RUNS_DIR: "", NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (out += String(d)));
  child.stderr!.on("data", (d) => (out += String(d)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 240_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bnlab start exited (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`bnlab start did not serve within 240 s:\n${out}`);
    }
    try {
      if ((await fetch(`${url}/`)).ok) break;
    } catch {
      // not serving yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { url, child, output: () => out, seconds: (Date.now() - began) / 1000 };
}

async function until(what: string, ok: () => boolean, s: Started, ms = 480_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s:\n${s.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function stop(s: Started): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.once("exit", r));
  s.child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (s.child.exitCode === null) s.child.kill("SIGKILL");
}

describe("the main job", () => {
  let first: Started;
  let browser: Browser;

  let panelSeen = false;

  beforeAll(async () => {
    ensureBuild();
    first = await start();
    // While the sweep trains, pages carry the progress panel.
    if (readSweepProgress(root)?.state === "running") {
      const html = await (await fetch(`${first.url}/`)).text();
      if (readSweepProgress(root)?.state === "running") {
        expect(html).toContain('data-testid="sweep-panel"');
        panelSeen = true;
      }
    }
    await until("the sweep completes", () => /the sweep trained 8 runs/.test(first.output()), first);
    browser = await launchBrowser();
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    if (first) await stop(first);
  });

  it("served first, then trained the sweep behind the dashboard and indexed it", () => {
    const log = first.output();
    expect(first.seconds, "first page within 60 s").toBeLessThan(60);
    expect(log.indexOf(`dashboard: ${first.url}/`)).toBeGreaterThan(-1);
    expect(log.indexOf(`dashboard: ${first.url}/`)).toBeLessThan(log.indexOf("sweep small-demo: 8 runs — 0 done, 0 partial, 8 pending"));
    expect(log).toMatch(/sweep small-demo: all 8 runs complete/);
    const progress = readSweepProgress(root)!;
    expect(progress).toMatchObject({ sweep: "small-demo", state: "complete", total: 8, done: 8 });
    console.log(`[main-job] first page after ${first.seconds.toFixed(1)} s; panel seen while training: ${panelSeen}`);
  });

  it("serves every page with data", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await page.goto(`${first.url}/`);
      const runLinks = page.locator('a[href^="/runs/"]');
      await expect.poll(async () => new Set(await runLinks.evaluateAll((as) => as.map((a) => a.getAttribute("href")!.split("/")[2]))).size).toBe(8);
      const href = (await page.locator('a[href*="-bn-"][href^="/runs/"]').first().getAttribute("href"))!;

      await page.goto(`${first.url}${href}`);
      // "attached": a flat curve is a zero-height path, which Playwright calls hidden.
      await page.locator("svg path").first().waitFor({ state: "attached" });
      expect(await page.locator("svg").count()).toBeGreaterThan(3);

      await page.goto(`${first.url}${href}/prune`);
      await page.locator('input[type="range"]').first().waitFor();

      await page.goto(`${first.url}/compare/depth-width`);
      await page.locator("svg .series").first().waitFor({ state: "attached" });
      expect(await page.locator("svg .series").count()).toBeGreaterThanOrEqual(3);

      await page.goto(`${first.url}/findings`);
      const items = page.locator("[data-finding]");
      await items.first().waitFor();
      expect(await items.count()).toBe(9);
      const verdicts = await items.evaluateAll((els) => els.map((e) => e.getAttribute("data-verdict")));
      // One seed per network has no spread: every claim needs runs and names the sweep that makes them.
      expect(verdicts).toEqual(Array(9).fill("needs runs"));
      const needs = await page.locator("[data-needs] code").allTextContents();
      expect(needs.length).toBe(9);
      expect(needs.every((t) => /^npx bnlab sweep trainer\/sweeps\/claim-\d-[a-z0-9-]+\.json$/.test(t))).toBe(true);
      expect(await page.locator("[data-budget]").first().textContent()).toMatch(/training images, \d+ epochs/);
      await page.screenshot({ path: path.join(ROOT, "test-artifacts", "findings-1280.png"), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it("finds everything done on a second start and serves within seconds", async () => {
    await stop(first);
    const second = await start();
    try {
      // The server answers first; the sweep's summary follows once the trainer has looked at the runs.
      await expect.poll(() => second.output(), { timeout: 60_000 }).toMatch(/sweep small-demo: 8 runs — 8 done, 0 partial, 0 pending/);
      expect(second.output()).not.toMatch(/^training /m);
      // Under 10 s on an idle 2-core machine; the bound leaves room for a loaded one.
      console.log(`[main-job] second start served after ${second.seconds.toFixed(1)} s`);
      expect(second.seconds).toBeLessThan(30);
      // The trainer writes its final progress just after the summary: the panel goes once it has.
      await expect.poll(async () => (await (await fetch(`${second.url}/`)).text()).includes('data-testid="sweep-panel"'), { timeout: 30_000, message: "no panel once the sweep is complete" }).toBe(false);
    } finally {
      await stop(second);
    }
  }, 180_000);

  it("stops training cleanly and the server on Ctrl-C, and a later start resumes", async () => {
    const longer = path.join(root, "longer.json");
    writeFileSync(longer, JSON.stringify({
      name: "longer",
      base: { data: { dataset: "synthetic", trainSubset: 512, testSubset: 64 }, training: { epochs: 30, batchSize: 16 } },
      grid: { arch: ["resnet-14"], trainable: ["bn"] },
    }));
    const s = await start(longer);
    await until("a step of the longer run", () => (readSweepProgress(root)?.current?.step ?? 0) > 0, s, 240_000);
    const exited = new Promise<number | null>((r) => s.child.once("exit", (code) => r(code)));
    s.child.kill("SIGINT");
    const code = await Promise.race([exited, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 60_000))]);
    expect(code, s.output()).toBe(130);
    expect(s.output()).toMatch(/interrupted at epoch \d+, step \d+|interrupted after epoch \d+/);
    const id = readSweepProgress(root)!;
    expect(id.state).toBe("interrupted");
    const runId = /\[sweep 1\/1\] (\S+)/.exec(s.output())![1];
    expect(JSON.parse(readFileSync(path.join(root, "runs", runId, "run.json"), "utf8")).status).toBe("interrupted");
    await expect(fetch(s.url)).rejects.toThrow();
  }, 600_000);
});
