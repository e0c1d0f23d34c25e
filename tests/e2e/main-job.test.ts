/**
 * The main job as a person runs it: `bnlab start` (what `npm start` runs) on an empty data
 * folder trains a sweep, indexes it and serves the dashboard; every page then shows data,
 * findings included; a second start finds everything done and serves at once. The sweep is a
 * small one given through BNLAB_DEMO_SWEEP so CI stays fast; the real demo is the same code.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
async function start(): Promise<Started> {
  const port = await freePort();
  const began = Date.now();
  let out = "";
  const child = spawn(process.execPath, [path.join(ROOT, "bin", "bnlab.mjs"), "start", "--port", String(port)], {
    cwd: ROOT,
    env: { ...process.env, BNLAB_DATA_DIR: root, BNLAB_DEMO_SWEEP: sweep, DATABASE_URL: "", BNLAB_RUNS_DIR: "", NEXT_TELEMETRY_DISABLED: "1" },
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
      if ((await fetch(`${url}/api/runs?pageSize=1`)).ok) break;
    } catch {
      // not serving yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { url, child, output: () => out, seconds: (Date.now() - began) / 1000 };
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

  beforeAll(async () => {
    ensureBuild();
    first = await start();
    browser = await launchBrowser();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    if (first) await stop(first);
  });

  it("trained the sweep, indexed it and printed where it serves", () => {
    const log = first.output();
    expect(log).toMatch(/sweep small-demo: 8 runs — 0 done, 0 partial, 8 pending/);
    expect(log).toMatch(/sweep small-demo: all 8 runs complete/);
    expect(log).toMatch(new RegExp(`dashboard: ${first.url.replace(/[.]/g, "\\.")}/`));
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
      expect(second.output()).toMatch(/sweep small-demo: 8 runs — 8 done, 0 partial, 0 pending/);
      expect(second.output()).not.toMatch(/^training /m);
      expect(second.seconds).toBeLessThan(30);
    } finally {
      await stop(second);
    }
  });
});
