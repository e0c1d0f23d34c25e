/**
 * The dashboard in a browser: runs list (filters in the URL, rows shrink, compare), a run's
 * curves and γ figures (their SVG marks, the threshold line), the prune page driven by the
 * keyboard (removed channels at once, then the re-evaluated accuracy), figure downloads (SVG
 * with axis labels and legend, PNG at 2×, CSV rows, the zip), the depth/width figure (a line per
 * mode, points linked to runs), compare, theme and 404. Screenshots of every page at 1280 and
 * 390 px go to test-artifacts/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { unzipSync } from "fflate";
import { DOMParser } from "linkedom";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../support/csv";
import { BROKEN_RUN, ensureBuild, fixtureKey, launchBrowser, makeFixture, pngSize, ROOT, setStatus, startServer, type Fixture, type Server } from "./support";

const ARTIFACTS = path.join(ROOT, "test-artifacts");
const tmp = mkdtempSync(path.join(tmpdir(), "bnlab-e2e-"));

let fixture: Fixture;
let server: Server;
let browser: Browser;
let context: BrowserContext;

/** ResNet-8 at width 16: stem 16, stage 1 2×16, stage 2 2×32 + shortcut 32, stage 3 2×64 + shortcut 64. */
const CHANNELS = 336;
const BN_LAYERS = 9;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  fixture = await makeFixture(tmp);
  ensureBuild();
  server = await startServer(fixture);
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
}, 600_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const id = (key: string) => fixture.ids[key];
const bnRun = () => id(fixtureKey({ mode: "bn", depth: 8, seed: 0 }));

async function open(p: string): Promise<Page> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  (page as Page & { errors: string[] }).errors = errors;
  await page.goto(server.url + p);
  return page;
}

/** Full-page screenshots at 1280 and 390 px. */
async function screenshots(page: Page, name: string, settle: (p: Page) => Promise<void> = async () => {}): Promise<void> {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(300);
    await settle(page);
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function download(page: Page, selector: string): Promise<Buffer> {
  const [dl] = await Promise.all([page.waitForEvent("download"), page.locator(selector).first().click()]);
  const file = await dl.path();
  return readFileSync(file);
}

const rows = (page: Page) => page.locator('[data-testid="runs-table"] tbody tr');

describe("dashboard", { timeout: 120_000 }, () => {
  it("lists the runs and filters them through the URL", async () => {
    const page = await open("/");
    await expect.poll(() => rows(page).count()).toBe(9);
    const broken = page.locator(`tr[data-run-id="${BROKEN_RUN}"]`);
    await expect.poll(() => broken.getAttribute("data-status")).toBe("broken");
    expect(await broken.locator('[data-testid="run-error"]').textContent()).toMatch(/run\.json/);
    expect(await page.locator('[data-testid="queue"]').count()).toBe(0); // SQLite: no run queue, no section
    await screenshots(page, "runs");

    await page.selectOption("#filter-mode", "bn");
    await page.waitForURL(/mode=bn/);
    await expect.poll(() => rows(page).count()).toBe(3);
    await page.fill("#filter-q", "resnet14");
    await page.waitForURL(/q=resnet14/);
    await expect.poll(() => rows(page).count()).toBe(1);
    expect(await page.locator('[data-testid="run-count"]').textContent()).toContain("1 of 9");
    // The network's display name finds it too.
    await page.fill("#filter-q", "ResNet-14");
    await expect.poll(() => rows(page).count()).toBe(1);

    // Sort by seed (a header link), then a bookmark with filters opens as it was.
    await page.goto(`${server.url}/?mode=all&depth=8&sort=seed&order=desc`);
    await expect.poll(() => rows(page).count()).toBe(2);
    expect(await rows(page).first().getAttribute("data-run-id")).toBe(id("all-d8-s1"));
    expect(await page.locator("#filter-mode").inputValue()).toBe("all");
    await page.click('a[data-sort="seed"]');
    await page.waitForURL(/order=asc/);
    await expect.poll(() => rows(page).first().getAttribute("data-run-id")).toBe(id("all-d8-s0"));
    // A bad value in a bookmark is reported and ignored, not an error page.
    await page.goto(`${server.url}/?seed=abc&mode=output`);
    await expect.poll(() => rows(page).count()).toBe(2);
    expect(await page.locator('[data-testid="url-problems"]').textContent()).toContain("seed");
    // So is a mode no run can have: every run is listed, with the warning.
    await page.goto(`${server.url}/?mode=zzz`);
    await expect.poll(() => rows(page).count()).toBe(9);
    expect(await page.locator('[data-testid="url-problems"]').textContent()).toMatch(/mode: must be a trainable mode.*"zzz"/);

    // Select two runs and compare them; one ticked run is not yet a comparison.
    await page.goto(`${server.url}/?depth=8&seed=0`);
    await expect.poll(() => rows(page).count()).toBe(3);
    const compare = page.locator('[data-testid="compare-selected"]');
    await page.check(`input[value="${bnRun()}"]`);
    await expect.poll(() => page.locator('[data-testid="selection-hint"]').textContent()).toMatch(/^1 run ticked/);
    expect(await compare.isDisabled()).toBe(true);
    expect(await compare.textContent()).toBe("Compare selected");
    await page.check(`input[value="${id("all-d8-s0")}"]`);
    await expect.poll(() => compare.textContent()).toBe("Compare 2 runs");
    expect(await compare.isDisabled()).toBe(false);
    // The ticks are kept in the address: a reload (or a bookmark) keeps them, and so does a sort link.
    const ticked = [bnRun(), id("all-d8-s0")].sort();
    await expect.poll(() => new URL(page.url()).searchParams.get("sel")?.split(",").sort()).toEqual(ticked);
    await page.reload();
    await expect.poll(() => compare.textContent()).toBe("Compare 2 runs");
    expect(await page.locator(`input[value="${bnRun()}"]`).isChecked()).toBe(true);
    expect(await page.locator(`input[value="${id("all-d8-s0")}"]`).isChecked()).toBe(true);
    await page.click('a[data-sort="seed"]');
    await page.waitForURL(/sort=seed/);
    await expect.poll(() => new URL(page.url()).searchParams.get("sel")?.split(",").sort()).toEqual(ticked);
    await page.click('[data-testid="compare-selected"]');
    await page.waitForURL(/\/compare\?runs=/);
    const chosen = new URL(page.url()).searchParams.get("runs")!.split(",");
    expect(chosen.sort()).toEqual([bnRun(), id("all-d8-s0")].sort());
    const curves = page.locator('[data-figure-name="compare-training-curves"] svg[data-figure="training-curves"]');
    await expect.poll(() => curves.count()).toBeGreaterThan(0);
    expect(await curves.first().locator('.legend-item[data-run]').count()).toBe(2);
    await expect.poll(() => page.locator('[data-figure-name="compare-gamma-histogram"] svg rect.bar').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-figure-name="compare-gamma-histogram"] svg path.series.overlay').count()).toBe(1);
    await screenshots(page, "compare");
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
    await page.close();
  });

  it("prefetches a run's page on hover, not every link on load", async () => {
    const page = await context.newPage();
    const prefetches: string[] = [];
    page.on("request", (r) => {
      const h = r.headers();
      if (h["next-router-prefetch"] || h["next-router-segment-prefetch"]) prefetches.push(r.url());
    });
    await page.goto(server.url + "/");
    await expect.poll(() => rows(page).count()).toBe(9);
    await page.waitForTimeout(2000);
    expect(prefetches).toEqual([]);
    await page.hover(`a[href="/runs/${bnRun()}"]`);
    await expect.poll(() => prefetches.length).toBeGreaterThan(0);
    expect(prefetches.every((u) => new URL(u).pathname === `/runs/${bnRun()}`)).toBe(true);
    await page.close();
  });

  it("shows a run's curves and γ figures, with a threshold that moves", async () => {
    const page = await open(`/runs/${bnRun()}`);
    const curves = page.locator('[data-figure-name="training-curves"] svg[data-figure="training-curves"]');
    await expect.poll(() => curves.locator("path.series.line").count()).toBe(4); // train and test, loss and accuracy
    expect(await curves.locator(".axis-label").allTextContents()).toEqual(expect.arrayContaining(["epoch", "accuracy (%)"]));

    const log = page.locator('[data-figure-name="gamma-histogram-log"] svg[data-figure="gamma-histogram"]');
    await expect.poll(() => log.locator("rect.bar").count()).toBeGreaterThan(5);
    expect(await log.locator("line.threshold").count()).toBe(1);
    expect(await log.locator("line.threshold").getAttribute("data-threshold")).toBe("0.01");
    expect(await log.locator("path.ghost").count()).toBe(1); // epoch 0
    expect(await log.locator('path.series.overlay').getAttribute("data-series")).toBe(id("all-d8-s0")); // the sibling
    const linear = page.locator('[data-figure-name="gamma-histogram-linear"] svg');
    // ±t, where on the axis (γ of a BN-only run rarely goes negative).
    const lines = await linear.locator("line.threshold").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-value"))));
    expect(lines.length).toBeGreaterThan(0);
    for (const v of lines) expect(Math.abs(v)).toBe(0.01);
    const heat = page.locator('[data-figure-name="gamma-heatmap"] svg');
    expect(await heat.locator("rect.cell").count()).toBe(CHANNELS);
    expect(await heat.locator("g.row").count()).toBe(BN_LAYERS);
    expect(await page.locator('[data-testid="layer-table"] tbody tr').count()).toBe(BN_LAYERS + 1);

    const before = Number(await page.locator('[data-testid="fraction-below"]').getAttribute("data-fraction"));
    await page.fill('[data-testid="threshold-input"]', "0.5");
    await expect.poll(() => log.locator("line.threshold").getAttribute("data-threshold")).toBe("0.5");
    const after = Number(await page.locator('[data-testid="fraction-below"]').getAttribute("data-fraction"));
    expect(after).toBeGreaterThan(before);
    await page.waitForURL(/t=0\.5/);
    // An invalid threshold is refused in words, marked invalid, and the figures keep t = 0.5.
    await page.fill('[data-testid="threshold-input"]', "-5");
    await expect.poll(() => page.locator('[data-testid="threshold-input"]').getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator('[data-testid="threshold-error"]').textContent()).toMatch(/greater than 0.*still show t = 0\.5/);
    expect(await log.locator("line.threshold").getAttribute("data-threshold")).toBe("0.5");
    await page.locator('[data-testid="threshold-input"]').blur();
    await expect.poll(() => page.locator('[data-testid="threshold-input"]').inputValue()).toBe("0.5");
    expect(await page.locator('[data-testid="threshold-input"]').getAttribute("aria-invalid")).toBeNull();

    // Another checkpoint: the server reads its γ; the threshold stays, and so do both γ axes.
    const binEdges = async () => ({
      log: await log.locator('g.series.bars[data-role="primary"] rect').evaluateAll((els) => els.map((e) => [e.getAttribute("data-lo"), e.getAttribute("data-hi")])),
      linear: await linear.locator('g.series.bars[data-role="primary"] rect').evaluateAll((els) => els.map((e) => [e.getAttribute("data-lo"), e.getAttribute("data-hi")])),
    });
    const edgesLast = await binEdges();
    expect(edgesLast.linear.length).toBeGreaterThan(5);
    await page.selectOption('[data-testid="epoch-select"]', "1");
    await page.waitForURL(/epoch=1/);
    await expect.poll(() => page.locator('[data-figure-name="gamma-heatmap"] svg .subtitle').textContent()).toContain("epoch 1");
    expect(await binEdges()).toEqual(edgesLast);
    // The sibling follows the chosen epoch, and says so.
    await expect.poll(() => log.locator(`.legend-item[data-series="${id("all-d8-s0")}"] text`).textContent()).toContain("epoch 1");
    // Every download link says which figure and which format.
    expect(await page.locator('[data-download="svg"][data-figure-name="gamma-histogram-log"]').getAttribute("aria-label")).toMatch(/^Download .+ as SVG$/);
    expect(await page.locator('[data-testid="threshold-input"]').inputValue()).toBe("0.5");
    await page.goto(`${server.url}/runs/${bnRun()}`);
    await expect.poll(() => log.locator("rect.bar").count()).toBeGreaterThan(5);
    // At a phone's width the per-layer table says it scrolls sideways, and the heatmap's layer
    // names are drawn at 11 px or more (the figure is not scaled down to fit).
    await page.setViewportSize({ width: 390, height: 900 });
    const hint = page.locator('[data-testid="layer-table-scroll-hint"]');
    await expect.poll(() => hint.isVisible()).toBe(true);
    expect(await hint.textContent()).toMatch(/sideways/);
    const labelPx = () =>
      heat.locator("text.row-label").evaluateAll((els) =>
        els.map((e) => {
          const svg = (e as SVGElement).ownerSVGElement!;
          return Number(e.getAttribute("font-size")) * (svg.getBoundingClientRect().width / Number(svg.getAttribute("width")));
        }),
      );
    await expect.poll(async () => Math.min(...(await labelPx()))).toBeGreaterThanOrEqual(11);
    expect((await labelPx()).length).toBeGreaterThan(0);
    await page.setViewportSize({ width: 1280, height: 900 });
    await expect.poll(() => hint.count()).toBe(0);
    await screenshots(page, "run");
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
    await page.close();
  });

  it("prunes by keyboard: removed channels at once, then the accuracy", async () => {
    const page = await open(`/runs/${bnRun()}/prune`);
    // The page answers before its curve is measured, and the server keeps answering while it is:
    // the curve's evaluations take turns with other requests.
    const curveState = page.locator('[data-testid="pruning-curve-state"]');
    expect(await curveState.getAttribute("data-complete")).toBe("false");
    expect(await curveState.getAttribute("data-planned")).toBe("16");
    const started = Date.now();
    expect((await fetch(`${server.url}/api/runs?pageSize=1`)).ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    const removed = page.locator('[data-testid="removed-count"]');
    const accuracy = page.locator('[data-testid="ablation-accuracy"]');
    await expect.poll(() => accuracy.getAttribute("data-current"), { timeout: 30_000 }).toBe("true");
    const removedBefore = Number(await removed.getAttribute("data-removed"));
    const textBefore = await accuracy.textContent();
    const bars = page.locator('[data-figure-name="removed-per-layer"] svg rect.bar');
    const barSum = async () => (await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-removed"))))).reduce((a, b) => a + b, 0);
    expect(await barSum()).toBe(removedBefore);

    const slider = page.getByLabel(/Threshold t on \|γ\|/);
    expect(await slider.getAttribute("type")).toBe("range");
    // One decade is 20 steps: t 0.01 → 0.1. Under load a press can land while the page
    // re-renders, so press (at most 30 times) until the field reads 0.1, each press checked.
    const tField = page.locator('[data-testid="threshold-input"]');
    let presses = 0;
    while (Number(await tField.inputValue()) < 0.1 - 1e-9 && presses < 30) {
      const before = Number(await tField.inputValue());
      await slider.focus();
      await page.keyboard.press("ArrowRight");
      presses++;
      await expect.poll(async () => Number(await tField.inputValue()) > before, { timeout: 2_000 }).toBe(true).catch(() => {});
    }
    expect(presses).toBeGreaterThanOrEqual(20);
    expect(Number(await tField.inputValue())).toBeCloseTo(0.1, 5);
    const removedAfter = Number(await removed.getAttribute("data-removed"));
    expect(removedAfter).toBeGreaterThan(removedBefore);
    expect(await barSum()).toBe(removedAfter);
    // Then the accuracy of the network pruned at the new threshold (and only that one).
    await expect.poll(() => accuracy.getAttribute("data-threshold"), { timeout: 30_000 }).toBe("0.1");
    await expect.poll(() => accuracy.getAttribute("data-current")).toBe("true");
    expect(await accuracy.textContent()).not.toBe(textBefore);
    expect(await accuracy.textContent()).toMatch(/t = 0\.1: \d+\.\d%/);
    await page.waitForURL(/t=0\.1/);

    // A slow answer for an older threshold never replaces the newer one.
    await page.route(/\/ablation\?.*threshold=0\.2(&|$)/, async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue().catch(() => {});
    });
    await page.fill('[data-testid="threshold-input"]', "0.2");
    await page.waitForTimeout(400); // past the debounce: the 0.2 request is in flight
    await page.fill('[data-testid="threshold-input"]', "0.3");
    await expect.poll(() => accuracy.getAttribute("data-threshold"), { timeout: 30_000 }).toBe("0.3");
    await page.waitForTimeout(1800);
    expect(await accuracy.getAttribute("data-threshold")).toBe("0.3");
    await page.unroute(/\/ablation\?.*threshold=0\.2(&|$)/);
    // While the new accuracy is computed the old one is marked busy (and dimmed).
    await page.fill('[data-testid="threshold-input"]', "0.1");
    await expect.poll(() => accuracy.getAttribute("aria-busy"), { interval: 20 }).toBe("true");
    await expect.poll(() => accuracy.getAttribute("data-threshold"), { timeout: 30_000 }).toBe("0.1");
    await expect.poll(() => accuracy.getAttribute("aria-busy")).toBeNull();

    // The % box takes decimals, refuses 150 in words, and applies nothing then.
    const percent = page.locator('[data-testid="percent-input"]');
    expect(await percent.getAttribute("step")).toBe("any");
    await percent.fill("150");
    await expect.poll(() => percent.getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator('[data-testid="percent-error"]').textContent()).toMatch(/between 0 and 100/);
    expect(Number(await removed.getAttribute("data-removed"))).toBe(removedAfter);
    expect(await percent.evaluate((e) => (e as HTMLInputElement).validity.valid)).toBe(false);
    await percent.fill("3.2");
    expect(await percent.evaluate((e) => (e as HTMLInputElement).validity.stepMismatch)).toBe(false);
    await percent.blur();
    await page.fill('[data-testid="threshold-input"]', "0.1");
    await expect.poll(() => accuracy.getAttribute("data-threshold"), { timeout: 30_000 }).toBe("0.1");

    // The pruning curve with a marker at the current fraction, filled in without a reload.
    const curve = page.locator('[data-figure-name="pruning-curve"] svg[data-figure="pruning-curve"]');
    // 16 fractions × (1 + 10 random masks) evaluations: give it time on a loaded machine.
    await expect.poll(() => curveState.getAttribute("data-complete"), { timeout: 240_000 }).toBe("true");
    expect(await page.locator('[data-testid="curve-progress"]').count()).toBe(0);
    await expect.poll(() => curve.locator("path.series.line").count()).toBe(2);
    // Dense where accuracy falls fastest: five measured fractions strictly between 0 and 10 %.
    const fractions = await curve.locator('circle.point[data-series="random"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-fraction"))));
    expect(fractions).toHaveLength(16);
    expect(fractions.filter((f) => f > 0 && f < 0.1)).toHaveLength(5);
    expect(Number(await curve.locator("line.current").getAttribute("data-fraction"))).toBeCloseTo(removedAfter / CHANNELS, 6);
    // γ-ordered against random at the current threshold, and a band that says what it is.
    expect(await curve.locator("circle.marker").evaluateAll((els) => els.map((e) => e.getAttribute("data-series")).sort())).toEqual(["gamma", "random"]);
    expect(await curve.locator("text.marker-label").textContent()).toMatch(/smallest \|γ\| first .*random/);
    expect(await curve.locator('.legend-item[data-series="random"] text').textContent()).toMatch(/mean ± 1 sd over 10 random masks/);

    // The pruned checkpoint and its mask remove exactly the channels shown.
    const mask = JSON.parse((await download(page, '[data-testid="download-mask"]')).toString("utf8"));
    expect(mask.threshold).toBe(0.1);
    expect(mask.removed).toBe(removedAfter);
    expect(mask.layers).toHaveLength(BN_LAYERS);
    const st = await download(page, '[data-testid="download-pruned"]');
    const headerLen = Number(st.readBigUInt64LE(0));
    const header = JSON.parse(st.subarray(8, 8 + headerLen).toString("utf8"));
    expect(header.__metadata__.prune_removed).toBe(`${removedAfter}/${CHANNELS}`);
    expect(header["bn.weight"].shape).toEqual([16]);

    await screenshots(page, "prune", async (p) => {
      await expect.poll(() => p.locator('[data-figure-name="pruning-curve"] svg').count()).toBeGreaterThan(0);
    });
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
    await page.close();
  }, 300_000);

  it("downloads figures as SVG, PNG at 2× and CSV, and all of them as a zip", async () => {
    const page = await open(`/runs/${bnRun()}`);
    const fig = '[data-figure-name="gamma-histogram-log"]';
    await expect.poll(() => page.locator(`${fig} svg rect.bar`).count()).toBeGreaterThan(0);

    const svgText = (await download(page, `${fig} a[data-download="svg"]`)).toString("utf8");
    expect(svgText.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const doc = new DOMParser().parseFromString(svgText, "image/svg+xml") as unknown as Document;
    const svg = doc.querySelector("svg")!;
    expect(svg.getAttribute("xmlns")).toBe("http://www.w3.org/2000/svg");
    const labels = Array.from(doc.querySelectorAll(".axis-label")).map((e) => e.textContent);
    expect(labels).toEqual(expect.arrayContaining([expect.stringMatching(/^\|γ\|/), "channels (count)"]));
    expect(doc.querySelectorAll("g.legend .legend-item").length).toBe(3); // this run, the sibling, epoch 0
    expect(doc.querySelector("line.threshold")?.getAttribute("data-threshold")).toBe("0.01");
    const width = Number(svg.getAttribute("width"));
    const height = Number(svg.getAttribute("height"));
    expect(width).toBeGreaterThan(100);

    const png = await download(page, `${fig} a[data-download="png"]`);
    expect(pngSize(png)).toEqual({ width: 2 * width, height: 2 * height });

    const csv = parseCsv((await download(page, '[data-figure-name="training-curves"] a[data-download="csv"]')).toString("utf8"));
    expect(csv[0]).toEqual(["run", "mode", "split", "epoch", "loss_nats", "accuracy_fraction"]);
    expect(csv).toHaveLength(1 + 5); // epoch-0 test, then train and test at epochs 1 and 2
    const bars = parseCsv((await download(page, '[data-figure-name="layer-fraction"] a[data-download="csv"]')).toString("utf8"));
    expect(bars[0]).toEqual(["series", "threshold", "layer", "shortcut", "count_below", "channels", "fraction_below"]);
    expect(bars).toHaveLength(1 + 2 * BN_LAYERS); // this run and the sibling

    const zip = unzipSync(new Uint8Array(await download(page, '[data-testid="download-zip"]')));
    const names = Object.keys(zip);
    for (const f of ["training-curves", "gamma-heatmap", "gamma-histogram-log", "gamma-histogram-linear", "layer-fraction", "removed-per-layer", "pruning-curve"]) {
      for (const ext of ["svg", "png", "csv"]) expect(names.some((n) => n.endsWith(`/${f}.${ext}`)), `${f}.${ext} in ${names.join(", ")}`).toBe(true);
    }
    expect(names.some((n) => n.endsWith("/README.txt"))).toBe(true);
    await page.close();
  });

  it("draws depth against width with a line per trainable mode, points linked to runs", async () => {
    const page = await open("/compare/depth-width");
    const resnet = page.locator('[data-figure-name="depth-width-resnet"] svg[data-figure="depth-width"]');
    await expect.poll(() => resnet.locator("path.series.line").count()).toBe(3);
    const modes = await resnet.locator("path.series.line").evaluateAll((els) => els.map((e) => e.getAttribute("data-series")).sort());
    expect(modes).toEqual(["all", "bn", "output"]);
    expect(await resnet.locator('circle.point[data-n="2"]').count()).toBe(2); // bn and all: two seeds at depth 8
    expect(await resnet.locator("a.point-link").count()).toBe(6);
    expect(await resnet.locator(`a.point-link[href="/compare?runs=${id("bn-d8-s0")},${id("bn-d8-s1")}"]`).count()).toBe(1);
    // One row per network and mode, named; the width chart says in words that there is no width series.
    const networks = await page.locator('[data-testid="depth-width-table"] tbody tr').evaluateAll((els) => els.map((e) => e.getAttribute("data-network")));
    expect(networks.length).toBe(6);
    expect(new Set(networks)).toEqual(new Set(["ResNet-8", "ResNet-14"]));
    const wide = page.locator('[data-figure-name="depth-width-wide"] svg[data-figure="depth-width"]');
    await expect.poll(() => wide.locator("text.empty").textContent()).toMatch(/no width series/);
    expect(await resnet.locator("text.network-label").allTextContents()).toEqual(expect.arrayContaining(["ResNet-8", "ResNet-14"]));
    await screenshots(page, "depth-width");

    await page.click('a[href*="x=params-trainable"]');
    await page.waitForURL(/x=params-trainable/);
    await expect.poll(() => resnet.locator(".axis-label").first().textContent()).toContain("trainable parameters");
    expect(await resnet.locator("path.series.line").count()).toBe(3);
    // A point with one run opens that run.
    await page.goto(`${server.url}/compare/depth-width`);
    await resnet.locator(`a.point-link[href="/runs/${id("output-d14-s0")}"]`).click();
    await page.waitForURL(new RegExp(`/runs/${id("output-d14-s0")}$`));
    await page.close();
  });

  it("updates running runs without a reload", async () => {
    const run = id("bn-d14-s0");
    await setStatus(fixture, run, "running");
    const page = await open("/");
    const row = page.locator(`tr[data-run-id="${run}"]`);
    await expect.poll(() => row.getAttribute("data-status")).toBe("running");
    expect(await page.locator('[data-testid="auto-refresh"]').count()).toBe(1);
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    await setStatus(fixture, run, "complete");
    await expect.poll(() => row.getAttribute("data-status"), { timeout: 15_000 }).toBe("complete");
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42); // same document: refreshed, not reloaded
    await expect.poll(() => page.locator('[data-testid="auto-refresh"]').count()).toBe(0);
    await page.close();
  });

  it("switches theme, remembers it, and has a 404 page", async () => {
    const page = await open(`/runs/${bnRun()}`);
    const chart = page.locator('[data-figure-name="gamma-heatmap"] svg');
    await expect.poll(() => chart.getAttribute("data-theme")).toBe("light");
    await page.click('[data-testid="theme-toggle"]');
    await expect.poll(() => page.locator("html").getAttribute("data-theme")).toBe("dark");
    await expect.poll(() => chart.getAttribute("data-theme")).toBe("dark");
    await page.reload();
    await expect.poll(() => page.locator("html").getAttribute("data-theme")).toBe("dark");
    await expect.poll(() => chart.getAttribute("data-theme")).toBe("dark");
    await screenshots(page, "run-dark");
    await page.goto(`${server.url}/runs/${bnRun()}/prune`);
    await screenshots(page, "prune-dark", async (p) => {
      await expect.poll(() => p.locator('[data-figure-name="pruning-curve"] svg').count()).toBeGreaterThan(0);
    });
    await page.goto(`${server.url}/compare/depth-width`);
    await screenshots(page, "depth-width-dark", async (p) => {
      await expect.poll(() => p.locator('[data-figure-name="depth-width-resnet"] svg').count()).toBeGreaterThan(0);
    });
    await page.goto(`${server.url}/findings`);
    await screenshots(page, "findings-dark", async (p) => {
      await expect.poll(() => p.locator('[data-testid="findings"]').count()).toBeGreaterThan(0);
    });
    await page.goto(`${server.url}/`);
    await screenshots(page, "runs-dark");
    await page.click('[data-testid="theme-toggle"]');
    await expect.poll(() => page.locator("html").getAttribute("data-theme")).toBe("light");
    await page.goto(`${server.url}/findings`);
    await screenshots(page, "findings", async (p) => {
      await expect.poll(() => p.locator('[data-testid="findings"]').count()).toBeGreaterThan(0);
    });

    await page.goto(`${server.url}/runs/no-such-run`);
    expect(await page.locator('[data-testid="not-found"]').count()).toBe(1);
    // The status too, not only the page: no loading boundary may start a 200 before the lookup.
    for (const p of ["/runs/no-such-run", "/runs/no-such-run/prune", "/runs/bad%2F..id"]) expect((await fetch(server.url + p)).status, p).toBe(404);
    expect((await fetch(`${server.url}/runs/${bnRun()}`)).status).toBe(200);
    await page.goto(`${server.url}/runs/${BROKEN_RUN}`);
    expect(await page.locator('[data-testid="run-error"]').textContent()).toMatch(/run\.json/);
    expect(await page.locator('[data-testid="gamma-missing"]').count()).toBe(1);
    await page.goto(`${server.url}/compare`);
    expect(await page.locator('[data-testid="compare-empty"]').count()).toBe(1);
    await page.close();
  });
});
