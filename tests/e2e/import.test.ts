/**
 * Imported networks in the browser, on inputs PyTorch built and trained (import_fixtures.py):
 * `bnlab import resnet18.pth` and the run page shows its γ figures with PyTorch's per-layer counts
 * (and says why it cannot be re-evaluated); the prune page of the imported open_lth-style run
 * re-evaluates it, its unpruned accuracy equal to PyTorch's eval accuracy on the same images; the
 * Import page uploads a checkpoint and lands on its run, and refuses a malicious pickle and a file
 * over the size cap with a message naming the file, nothing stored.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasTorch, runPython } from "../support/torch";
import { ensureBuild, launchBrowser, ROOT, startServer, type Fixture, type Server } from "./support";

const ARTIFACTS = path.join(ROOT, "test-artifacts");
const BIN = path.join(ROOT, "bin", "bnlab.mjs");
const SCRIPT = path.join(ROOT, "tests", "integration", "import_fixtures.py");
/** The Import page's cap in this test: below resnet18.pth (about 45 MiB), above the ResNet-8 files. */
const CAP_BYTES = 20 * 2 ** 20;

type Stats = [string, number, number][];
interface Expected {
  stats: Record<string, Stats>;
  test_accuracy_ep2: number;
  test_accuracy_ep2_first1000: number;
}

const total = (s: Stats) => s.reduce((a, l) => a + l[1], 0);
const below = (s: Stats) => s.reduce((a, l) => a + l[2], 0);

describe.skipIf(!hasTorch)("imported networks in the dashboard", { timeout: 180_000 }, () => {
  let root = "";
  let src = "";
  let marker = "";
  let expected: Expected;
  let fixture: Fixture;
  let server: Server;
  let browser: Browser;
  let context: BrowserContext;
  const ids: Record<string, string> = {};

  function bnlabImport(...args: string[]): string {
    const r = spawnSync(process.execPath, [BIN, "import", ...args], {
      encoding: "utf8",
      timeout: 600_000,
      env: { ...process.env, BNLAB_DATA_DIR: root, BNLAB_RUNS_DIR: "", DATABASE_URL: `file:${fixture.dbFile}` },
    });
    if (r.status !== 0) throw new Error(`bnlab import ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    const m = /^(?:added|updated|unchanged) (\S+):/m.exec(r.stdout);
    if (!m) throw new Error(`bnlab import printed no run id:\n${r.stdout}`);
    return m[1];
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    root = mkdtempSync(path.join(tmpdir(), "bnlab-e2e-import-"));
    src = path.join(root, "src");
    mkdirSync(src);
    marker = path.join(root, "pwned");
    runPython(SCRIPT, [src, marker], 1_500_000);
    expected = JSON.parse(readFileSync(path.join(src, "expected.json"), "utf8")) as Expected;
    fixture = { root, runsDir: path.join(root, "runs"), dbFile: path.join(root, "t.db"), ids };
    // An ImageNet-shaped network (3 channels, 1000 classes) named with a dataset it does not fit.
    ids.r18 = bnlabImport(path.join(src, "resnet18.pth"), "--name", "r18", "--dataset", "fashion-mnist");
    ids.openLth = bnlabImport(path.join(src, "train_0123abcd"));
    ensureBuild();
    server = await startServer(fixture, { BNLAB_IMPORT_MAX_BYTES: String(CAP_BYTES) });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  }, 1_800_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** `commit`: the prune page streams its pruning curve last, so "load" waits for every evaluation of it. */
  async function open(p: string): Promise<Page & { errors: string[] }> {
    const page = (await context.newPage()) as Page & { errors: string[] };
    page.errors = [];
    page.on("pageerror", (e) => page.errors.push(e.message));
    await page.goto(server.url + p, { waitUntil: "commit", timeout: 120_000 });
    return page;
  }

  /** [layer, channels, |γ| < 0.01] per row of the γ heatmap, as the page drew it. */
  async function heatmapStats(page: Page): Promise<Stats> {
    const rows = page.locator('[data-figure-name="gamma-heatmap"] svg g.row');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    return rows.evaluateAll((els) => els.map((e) => [e.getAttribute("data-layer") ?? "", Number(e.getAttribute("data-channels")), Number(e.getAttribute("data-below"))] as [string, number, number]));
  }

  /** The Import page once its form is live (before that a click would submit the bare form). */
  async function openImport(): Promise<Page & { errors: string[] }> {
    const page = await open("/import");
    await page.locator('[data-testid="import-form"][data-ready="true"]').waitFor({ timeout: 60_000 });
    return page;
  }

  async function runTotal(): Promise<number> {
    return ((await (await fetch(`${server.url}/api/runs?pageSize=1`)).json()) as { total: number }).total;
  }

  it("shows the imported torchvision resnet18's γ figures with PyTorch's counts, and why it cannot be re-evaluated", async () => {
    const want = expected.stats["resnet18.pth"];
    expect(want).toHaveLength(20);
    expect(total(want)).toBe(4800);
    const page = await open(`/runs/${ids.r18}`);
    expect(await page.locator('[data-testid="imported-architecture"]').textContent()).toBe("resnet18");
    expect(await page.locator('[data-testid="imported-source"]').textContent()).toContain("resnet18.pth");
    expect(await page.locator('[data-testid="forward-unavailable"]').textContent()).toMatch(/Pruning re-evaluation is not available for this network: the network takes 3 channels and has 1000 classes; fashion-mnist has 1 and 10\. The γ figures below/);
    // Default threshold 0.01: every layer's channels and |γ| < 0.01 as PyTorch counted them.
    expect(await heatmapStats(page)).toEqual(want);
    expect(await page.locator('[data-figure-name="gamma-heatmap"] svg rect.cell').count()).toBe(4800);
    const bars = page.locator('[data-figure-name="gamma-histogram-log"] svg g.series.bars');
    expect(Number(await bars.first().getAttribute("data-total"))).toBe(4800);
    expect(await page.locator('[data-testid="fraction-below"]').textContent()).toContain(`(${below(want).toLocaleString("en-US")} of 4,800)`);
    expect(await page.locator('[data-testid="layer-table"] tbody tr[data-layer]').count()).toBe(20);
    await page.screenshot({ path: path.join(ARTIFACTS, "import-resnet18-1280.png"), fullPage: true });

    // Its prune page counts the channels a threshold removes, and says plainly why no accuracy follows.
    await page.locator('[data-testid="prune-link"]').click();
    await page.waitForURL(/\/prune/);
    const removed = page.locator('[data-testid="removed-count"]');
    await expect.poll(() => removed.getAttribute("data-total")).toBe("4800");
    expect(Number(await removed.getAttribute("data-removed"))).toBe(below(want));
    expect(await page.locator('[data-testid="ablation-unavailable"]').textContent()).toContain("the network takes 3 channels and has 1000 classes; fashion-mnist has 1 and 10");
    expect(await page.locator('[data-testid="curve-unavailable"]').count()).toBe(1);
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it("re-evaluates the imported open_lth-style run on its prune page: unpruned accuracy equal to PyTorch's", async () => {
    const want = expected.stats.open_lth;
    // A threshold below every |γ|: nothing removed, so this is the network as PyTorch evaluated it.
    const page = await open(`/runs/${ids.openLth}/prune?t=1e-7`);
    const removed = page.locator('[data-testid="removed-count"]');
    const accuracy = page.locator('[data-testid="ablation-accuracy"]');
    await expect.poll(() => removed.getAttribute("data-total"), { timeout: 60_000 }).toBe(String(total(want)));
    expect(await page.locator('[data-testid="forward-unavailable"]').count()).toBe(0);
    expect(await removed.getAttribute("data-removed")).toBe("0");
    await expect.poll(() => accuracy.getAttribute("data-current"), { timeout: 120_000 }).toBe("true");
    expect(Number(await accuracy.getAttribute("data-threshold"))).toBe(1e-7);
    const unpruned = Number(await accuracy.getAttribute("data-accuracy"));
    // The prune page evaluates the first 1000 test images; PyTorch's eval mode on the same 1000.
    expect(Math.abs(100 * unpruned - 100 * expected.test_accuracy_ep2_first1000)).toBeLessThanOrEqual(0.1);
    expect(await accuracy.textContent()).toContain("1,000 test images");

    // Moving the threshold removes channels and re-evaluates the pruned network.
    await page.fill('[data-testid="threshold-input"]', "0.3");
    await expect.poll(() => accuracy.getAttribute("data-threshold"), { timeout: 120_000 }).toBe("0.3");
    await expect.poll(() => accuracy.getAttribute("data-current"), { timeout: 120_000 }).toBe("true");
    expect(Number(await removed.getAttribute("data-removed"))).toBeGreaterThan(0);
    const pruned = Number(await accuracy.getAttribute("data-accuracy"));
    expect(pruned).toBeGreaterThanOrEqual(0);
    expect(pruned).toBeLessThanOrEqual(1);
    expect(await accuracy.textContent()).toMatch(/Test accuracy pruned at t = 0\.3: .*unpruned/);
    await page.screenshot({ path: path.join(ARTIFACTS, "import-open-lth-prune-1280.png"), fullPage: true });
    expect(page.errors).toEqual([]);
    await page.close();

    // Its run page: PyTorch's γ counts, and the whole-test-split accuracy measured at import.
    const run = await open(`/runs/${ids.openLth}`);
    expect(await heatmapStats(run)).toEqual(want);
    const shown = Number((await run.locator('[data-testid="final-accuracy"] dd').textContent())!.replace("%", ""));
    expect(Math.abs(shown - 100 * expected.test_accuracy_ep2)).toBeLessThanOrEqual(0.1 + 0.05);
    await run.close();
  });

  it("imports an uploaded checkpoint from the Import page and lands on its run", async () => {
    const before = await runTotal();
    const page = await openImport();
    // The proxy still guards every other path: headers on the page, 405 for a body elsewhere.
    const res = await fetch(`${server.url}/import`);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect((await fetch(`${server.url}/api/runs`, { method: "POST", body: "x" })).status).toBe(405);

    await page.locator('[data-testid="import-file"]').setInputFiles(path.join(src, "nested.pth"));
    await page.locator('[data-testid="import-submit"]').click();
    await page.waitForURL(/\/runs\/import-nested-/, { timeout: 120_000 });
    expect(await page.locator('[data-testid="imported-architecture"]').textContent()).toBe("cifar_resnet_8_16");
    expect(await heatmapStats(page)).toEqual(expected.stats["nested.pth"]);
    expect(await runTotal()).toBe(before + 1);
    await page.screenshot({ path: path.join(ARTIFACTS, "import-uploaded-1280.png"), fullPage: true });
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it("refuses a malicious pickle and a file over the cap with a message naming the file; nothing stored", async () => {
    const before = await runTotal();
    const page = await openImport();
    await page.locator('[data-testid="import-file"]').setInputFiles(path.join(src, "malicious.pth"));
    await page.locator('[data-testid="import-submit"]').click();
    const error = page.locator('[data-testid="import-error"]');
    await expect.poll(() => error.count(), { timeout: 60_000 }).toBe(1);
    expect(await error.textContent()).toMatch(/^Not imported: malicious\.pth: refused: the pickle names the global "posix\.system"/);
    expect(existsSync(marker)).toBe(false);
    expect(await runTotal()).toBe(before);

    await page.locator('[data-testid="import-file"]').setInputFiles(path.join(src, "resnet18.pth"));
    await page.locator('[data-testid="import-submit"]').click();
    await expect.poll(() => error.textContent()).toMatch(/^Not imported: resnet18\.pth is 44\.7 MiB, over the import limit of 20\.0 MiB/);
    // (The server's own cap, declared or streamed, is held in tests/integration/api/import-upload.test.ts:
    // here the server answers 413 before the 45 MiB body is sent, and the client's write fails.)
    expect(await runTotal()).toBe(before);
    await page.screenshot({ path: path.join(ARTIFACTS, "import-refused-1280.png"), fullPage: true });
    expect(page.errors).toEqual([]);
    await page.close();
  });
});
