/**
 * The HTTP API, called as Next calls it — the exported GET handlers with a Request and a params
 * promise — over two tiny real runs (BN-only and all parameters) indexed in a throwaway SQLite.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseCsv } from "../../support/csv";
import { makeRuns } from "../../support/runs";
import { getRoute as get, type RouteHandler as Handler } from "../../support/routes";

const tmp = mkdtempSync(path.join(tmpdir(), "bnlab-api-"));
process.env.DATABASE_URL = `file:${path.join(tmp, "api.db")}`;
process.env.BNLAB_DATA_DIR = path.join(tmp, "data");
const fixture = await makeRuns(["bn", "all"]);
process.env.BNLAB_RUNS_DIR = fixture.runsDir;

const { openDb } = await import("../../../lib/db/client");
const { ingest } = await import("../../../lib/db/ingest");
const runsRoute = await import("../../../app/api/runs/route");
const runRoute = await import("../../../app/api/runs/[id]/route");
const metricsRoute = await import("../../../app/api/runs/[id]/metrics/route");
const gammaRoute = await import("../../../app/api/runs/[id]/gamma/route");
const ablationRoute = await import("../../../app/api/runs/[id]/ablation/route");
const pruningRoute = await import("../../../app/api/runs/[id]/pruning-curve/route");
const depthWidthRoute = await import("../../../app/api/depth-width/route");

const db = await openDb();
const report = await ingest(db, fixture.runsDir);
afterAll(() => db.close());


// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function json(handler: Handler, url: string, id = "", status = 200): Promise<any> {
  const res = await get(handler, url, id);
  const body = await res.text();
  expect(res.status, body).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return JSON.parse(body);
}


async function csv(handler: Handler, url: string, id = ""): Promise<string[][]> {
  const res = await get(handler, url, id);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
  expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="[A-Za-z0-9._+-]+\.csv"$/);
  const rows = parseCsv(text, { requireFinalCrlf: true });
  expect(new Set(rows.map((r) => r.length)).size).toBe(1);
  return rows;
}

async function error(handler: Handler, url: string, id: string, status: number, message: RegExp): Promise<void> {
  const body = await json(handler, url, id, status);
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error).toMatch(message);
  expect(body.error).not.toContain(fixture.runsDir);
  expect(body.error).not.toMatch(/\n\s+at /);
}

const list = (await json(runsRoute.GET, "/api/runs?sort=mode&order=asc")).runs;
const bnId: string = list.find((r: { mode: string }) => r.mode === "bn").id;
const allId: string = list.find((r: { mode: string }) => r.mode === "all").id;

describe("GET /api/runs", () => {
  it("lists, filters, sorts and paginates the indexed runs", async () => {
    expect(report.broken).toEqual([]);
    const all = await json(runsRoute.GET, "/api/runs");
    expect(all).toMatchObject({ total: 2, page: 1, pageSize: 50 });
    expect(all.runs[0]).toMatchObject({ dataset: "synthetic", depth: 8, width: 4, status: "complete", epochsDone: 2 });
    expect(all.runs[0]).not.toHaveProperty("dir");
    expect(JSON.stringify(all)).not.toContain(fixture.runsDir);
    expect(list.map((r: { mode: string }) => r.mode)).toEqual(["all", "bn"]);
    const desc = await json(runsRoute.GET, "/api/runs?sort=mode&order=desc");
    expect(desc.runs.map((r: { mode: string }) => r.mode)).toEqual(["bn", "all"]);
    expect((await json(runsRoute.GET, "/api/runs?mode=bn")).runs.map((r: { id: string }) => r.id)).toEqual([bnId]);
    expect((await json(runsRoute.GET, "/api/runs?q=-all-")).runs.map((r: { id: string }) => r.id)).toEqual([allId]);
    expect((await json(runsRoute.GET, "/api/runs?dataset=synthetic&depth=8&width=4&seed=0&status=complete")).total).toBe(2);
    expect((await json(runsRoute.GET, "/api/runs?dataset=mnist")).total).toBe(0);
    expect((await json(runsRoute.GET, "/api/runs?status=broken")).total).toBe(0);
    expect((await json(runsRoute.GET, "/api/runs?mode=")).total).toBe(2); // an empty value is "any"
    const page2 = await json(runsRoute.GET, "/api/runs?sort=mode&order=asc&pageSize=1&page=2");
    expect(page2).toMatchObject({ total: 2, page: 2, pageSize: 1 });
    expect(page2.runs.map((r: { id: string }) => r.id)).toEqual([bnId]);
    expect((await json(runsRoute.GET, "/api/runs?page=9")).runs).toEqual([]);
  });

  it("exports CSV with a header row", async () => {
    const rows = await csv(runsRoute.GET, "/api/runs?format=csv&sort=mode&order=asc");
    expect(rows.length).toBe(3);
    expect(rows[0].slice(0, 5)).toEqual(["id", "dataset", "depth", "width", "mode"]);
    expect(rows.slice(1).map((r) => r[0])).toEqual([allId, bnId]);
    expect((await csv(runsRoute.GET, "/api/runs?format=csv&mode=bn")).length).toBe(2);
  });

  it("answers bad parameters with 400 naming the parameter", async () => {
    await error(runsRoute.GET, "/api/runs?sort=evil", "", 400, /^sort: must be one of id, dataset.*\(got "evil"\)/);
    await error(runsRoute.GET, "/api/runs?page=-1", "", 400, /^page: must be ≥ 1/);
    await error(runsRoute.GET, "/api/runs?page=1.5", "", 400, /^page: must be an integer/);
    await error(runsRoute.GET, "/api/runs?pageSize=501", "", 400, /^pageSize: must be ≤ 500/);
    await error(runsRoute.GET, "/api/runs?depth=abc", "", 400, /^depth: must be an integer/);
    await error(runsRoute.GET, "/api/runs?order=up", "", 400, /^order: must be one of asc, desc/);
    await error(runsRoute.GET, "/api/runs?dataset=imagenet", "", 400, /^dataset: must be one of/);
    await error(runsRoute.GET, "/api/runs?status=done", "", 400, /^status: must be one of/);
    await error(runsRoute.GET, "/api/runs?format=xml", "", 400, /^format: must be one of json, csv/);
    await error(runsRoute.GET, "/api/runs?sortt=id", "", 400, /unknown parameter "sortt"/);
    await error(runsRoute.GET, "/api/runs?page=1&page=2", "", 400, /"page" given more than once/);
  });
});

describe("GET /api/runs/[id] and /metrics", () => {
  it("returns the run with its parsed config and checkpoints, never a server path", async () => {
    const run = await json(runRoute.GET, `/api/runs/${bnId}`, bnId);
    expect(run).toMatchObject({ id: bnId, mode: "bn", trainable: ["bn"], status: "complete" });
    expect(run.config).toMatchObject({ data: { dataset: "synthetic", testSubset: 64 }, model: { depth: 8, width: 4 }, training: { trainable: ["bn"] } });
    expect(run.checkpoints.map((c: { epoch: number }) => c.epoch)).toEqual([0, 1, 2]);
    for (const c of run.checkpoints) expect(Object.keys(c).sort()).toEqual(["epoch", "error", "hash", "size"]);
    expect(JSON.stringify(run)).not.toContain(fixture.runsDir);
  });

  it("answers 404 for unknown and path-like ids without touching files", async () => {
    await error(runRoute.GET, "/api/runs/nope", "nope", 404, /no run "nope"/);
    for (const id of ["..%2F..%2Fetc", "../../etc", "..", "%2Fetc%2Fpasswd", "a/b", "%E0%A4%A"]) {
      await error(runRoute.GET, `/api/runs/${id}`, id, 404, /^no such run$/);
      await error(gammaRoute.GET, `/api/runs/${id}/gamma`, id, 404, /^no such run$/);
      await error(ablationRoute.GET, `/api/runs/${id}/ablation`, id, 404, /^no such run$/);
    }
    await error(metricsRoute.GET, "/api/runs/nope/metrics", "nope", 404, /no run "nope"/);
  });

  it("returns the metric points, as JSON and CSV", async () => {
    const { points } = await json(metricsRoute.GET, `/api/runs/${bnId}/metrics`, bnId);
    expect(points.length).toBeGreaterThan(3);
    expect(Object.keys(points[0]).sort()).toEqual(["accuracy", "epoch", "loss", "lr", "seconds", "split", "step"]);
    const test = (await json(metricsRoute.GET, `/api/runs/${bnId}/metrics?split=test`, bnId)).points;
    expect(test.map((p: { epoch: number }) => p.epoch)).toEqual([0, 1, 2]);
    const rows = await csv(metricsRoute.GET, `/api/runs/${bnId}/metrics?format=csv`, bnId);
    expect(rows[0]).toEqual(["epoch", "step", "split", "loss", "accuracy", "lr", "seconds"]);
    expect(rows.length).toBe(points.length + 1);
    await error(metricsRoute.GET, `/api/runs/${bnId}/metrics?split=dev`, bnId, 400, /^split: /);
  });
});

describe("GET /api/runs/[id]/gamma", () => {
  it("analyses the last checkpoint by default, compared to init, and caches it", async () => {
    const g = await json(gammaRoute.GET, `/api/runs/${bnId}/gamma?t=0.01`, bnId);
    expect(g).toMatchObject({ runId: bnId, epoch: 2, cached: false, threshold: 0.01, includeShortcut: true });
    expect(g.report.layers.length).toBe(9); // stem + 3 blocks × 2 + 2 projection-shortcut BNs
    const channels = g.report.network.channels;
    expect(g.fractionBelow).toMatchObject({ threshold: 0.01, total: channels });
    expect(g.fractionBelow.layers.length).toBe(9);
    expect(g.histograms.gamma.total).toBe(channels);
    expect(g.histograms.gamma.counts.length).toBe(30);
    expect(g.histograms.absGamma.total).toBe(channels);
    expect(g.layers.map((l: { name: string }) => l.name)).toEqual(g.report.layers.map((l: { name: string }) => l.name));
    for (const l of g.layers) {
      expect(l.absGammaSorted.length).toBe(l.channels);
      expect([...l.absGammaSorted].sort((a: number, b: number) => a - b)).toEqual(l.absGammaSorted);
    }
    expect(g.init).toMatchObject({ epoch: 0, network: { channels } });
    expect(g.init.network.meanAbsDelta).toBeGreaterThan(0); // BN-only training moved γ
    const again = await json(gammaRoute.GET, `/api/runs/${bnId}/gamma?t=0.01&epoch=2`, bnId);
    expect(again.cached).toBe(true);
    expect({ ...again, cached: false }).toEqual(g);
  });

  it("serves an earlier epoch, the per-layer table as CSV, and rejects bad input", async () => {
    const g0 = await json(gammaRoute.GET, `/api/runs/${bnId}/gamma?epoch=0&bins=10&includeShortcut=false`, bnId);
    expect(g0).toMatchObject({ epoch: 0, init: null, includeShortcut: false });
    expect(g0.report.layers.length).toBe(7);
    expect(g0.histograms.gamma.counts.length).toBe(10);
    const rows = await csv(gammaRoute.GET, `/api/runs/${bnId}/gamma?format=csv&t=0.1`, bnId);
    expect(rows.length).toBe(10);
    expect(rows[0]).toContain("fraction_below_0.1");
    expect(rows[1][0]).toBe("bn");
    await error(gammaRoute.GET, `/api/runs/${bnId}/gamma?t=abc`, bnId, 400, /^t: must be a number/);
    await error(gammaRoute.GET, `/api/runs/${bnId}/gamma?t=-1`, bnId, 400, /^t: must be ≥ 0/);
    await error(gammaRoute.GET, `/api/runs/${bnId}/gamma?epoch=x`, bnId, 400, /^epoch: must be an integer/);
    await error(gammaRoute.GET, `/api/runs/${bnId}/gamma?epoch=7`, bnId, 404, /no checkpoint at epoch 7 \(epochs: 0, 1, 2\)/);
  });
});

describe("GET /api/runs/[id]/ablation", () => {
  it("at threshold 0 removes nothing and reproduces the unablated accuracy", async () => {
    const a = await json(ablationRoute.GET, `/api/runs/${bnId}/ablation?threshold=0`, bnId);
    expect(a).toMatchObject({ runId: bnId, epoch: 2, cached: false, threshold: 0, mode: "zero", includeShortcut: true, removed: 0, fractionRemoved: 0 });
    expect(a.count).toBe(64); // the run's own testSubset, smaller than the default 1,000
    expect(a.accuracy).toBe(a.baseline.accuracy);
    expect(a.correct).toBe(a.baseline.correct);
    expect(a.loss).toBeCloseTo(a.baseline.loss, 6);
    // …and the accuracy the trainer reported for this epoch on the same images.
    const test = (await json(metricsRoute.GET, `/api/runs/${bnId}/metrics?split=test`, bnId)).points;
    expect(a.accuracy).toBe(test.find((p: { epoch: number }) => p.epoch === 2).accuracy);
    expect(a.interval[0]).toBeLessThanOrEqual(a.accuracy);
    expect(a.interval[1]).toBeGreaterThanOrEqual(a.accuracy);
    expect(a.layers.every((l: { removed: number }) => l.removed === 0)).toBe(true);
  });

  it("is served from the cache the second time", async () => {
    const url = `/api/runs/${bnId}/ablation?threshold=0.3&mode=gamma-only&count=32`;
    const first = await json(ablationRoute.GET, url, bnId);
    expect(first).toMatchObject({ cached: false, mode: "gamma-only", count: 32 });
    expect(first.removed).toBeGreaterThan(0); // γ ~ U[0, 1] at init: some are below 0.3
    expect(first.removed).toBe(first.layers.reduce((s: number, l: { removed: number }) => s + l.removed, 0));
    const second = await json(ablationRoute.GET, url, bnId);
    expect(second.cached).toBe(true);
    expect({ ...second, cached: false }).toEqual(first);
  });

  it("removes everything at a large threshold, exports per-layer CSV, rejects bad input", async () => {
    const all = await json(ablationRoute.GET, `/api/runs/${allId}/ablation?threshold=100&count=all&includeShortcut=false`, allId);
    expect(all.removed).toBe(all.total);
    expect(all.excluded).toEqual(["blocks.1.shortcut.1", "blocks.2.shortcut.1"]);
    expect(all.count).toBe(512); // the whole synthetic test split
    const rows = await csv(ablationRoute.GET, `/api/runs/${bnId}/ablation?threshold=0.3&format=csv`, bnId);
    expect(rows[0]).toEqual(["layer", "shortcut", "channels", "removed", "fraction_removed"]);
    expect(rows.length).toBe(10);
    await error(ablationRoute.GET, `/api/runs/${bnId}/ablation?threshold=abc`, bnId, 400, /^threshold: must be a number \(got "abc"\)/);
    await error(ablationRoute.GET, `/api/runs/${bnId}/ablation?mode=x`, bnId, 400, /^mode: must be one of zero, gamma-only/);
    await error(ablationRoute.GET, `/api/runs/${bnId}/ablation?count=0`, bnId, 400, /^count: /);
    await error(ablationRoute.GET, `/api/runs/${bnId}/ablation?count=some`, bnId, 400, /^count: /);
    await error(ablationRoute.GET, `/api/runs/${bnId}/ablation?includeShortcut=maybe`, bnId, 400, /^includeShortcut: must be true or false/);
    await error(ablationRoute.GET, `/api/runs/${bnId}/ablation?path=/etc/passwd`, bnId, 400, /unknown parameter "path"/);
    await error(ablationRoute.GET, "/api/runs/nope/ablation", "nope", 404, /no run "nope"/);
  });
});

describe("GET /api/runs/[id]/pruning-curve", () => {
  it("returns γ-ordered and random accuracies per fraction, as JSON and CSV", async () => {
    const url = `/api/runs/${bnId}/pruning-curve?fractions=1,0,0.5&seeds=2&count=32`;
    const c = await json(pruningRoute.GET, url, bnId);
    expect(c).toMatchObject({ runId: bnId, epoch: 2, cached: false, count: 32, seeds: [0, 1], mode: "zero" });
    expect(c.points.map((p: { fraction: number }) => p.fraction)).toEqual([0, 0.5, 1]);
    const base = await json(ablationRoute.GET, `/api/runs/${bnId}/ablation?threshold=0&count=32`, bnId);
    expect(c.points[0].gamma.accuracy).toBe(base.baseline.accuracy);
    expect(c.points[0].random.accuracies).toEqual([base.baseline.accuracy, base.baseline.accuracy]);
    expect(c.points[2].removed).toBe(c.points[2].total);
    expect((await json(pruningRoute.GET, url, bnId)).cached).toBe(true);
    const rows = await csv(pruningRoute.GET, `${url}&format=csv`, bnId);
    expect(rows[0]).toEqual(expect.arrayContaining(["fraction", "gamma_accuracy", "random_mean", "random_sd", "random_seed_0", "random_seed_1"]));
    expect(rows.length).toBe(4);
    await error(pruningRoute.GET, `/api/runs/${bnId}/pruning-curve?fractions=0,2`, bnId, 400, /^fractions: each fraction must be a number in \[0, 1\], "2" is not/);
    await error(pruningRoute.GET, `/api/runs/${bnId}/pruning-curve?seeds=0`, bnId, 400, /^seeds: must be ≥ 1/);
    await error(pruningRoute.GET, `/api/runs/${bnId}/pruning-curve?seeds=11`, bnId, 400, /^seeds: must be ≤ 10/);
  });
});

describe("GET /api/depth-width", () => {
  it("aggregates the complete runs, as JSON and CSV", async () => {
    const d = await json(depthWidthRoute.GET, "/api/depth-width?dataset=synthetic");
    expect(d).toMatchObject({ dataset: "synthetic", metric: "final" });
    expect(d.rows.map((r: { mode: string; family: string; n: number }) => [r.mode, r.family, r.n])).toEqual([
      ["all", "wide", 1],
      ["bn", "wide", 1],
    ]);
    const bnRow = d.rows.find((r: { mode: string }) => r.mode === "bn");
    expect(bnRow.accuracy).toEqual(bnRow.final);
    expect(bnRow.ids).toEqual([bnId]);
    const best = await json(depthWidthRoute.GET, "/api/depth-width?metric=best");
    expect(best.rows.find((r: { mode: string }) => r.mode === "bn").accuracy).toEqual(bnRow.best);
    expect((await json(depthWidthRoute.GET, "/api/depth-width?dataset=mnist")).rows).toEqual([]);
    const rows = await csv(depthWidthRoute.GET, "/api/depth-width?format=csv");
    expect(rows[0].slice(0, 7)).toEqual(["dataset", "family", "network", "depth", "width", "mode", "n"]);
    expect(rows.length).toBe(3);
    await error(depthWidthRoute.GET, "/api/depth-width?metric=median", "", 400, /^metric: must be one of final, best/);
  });
});

describe("broken and misplaced checkpoints", () => {
  it("answers 422 with the recorded error for a checkpoint ingest found broken", async () => {
    const file = path.join(fixture.runsDir, bnId, "ckpt", "ep-1.safetensors");
    writeFileSync(file, readFileSync(file).subarray(0, 200));
    await ingest(db, fixture.runsDir);
    const run = await json(runRoute.GET, `/api/runs/${bnId}`, bnId);
    expect(run.status).toBe("broken");
    expect(run.checkpoints[1].error.startsWith(`${bnId}/ckpt/ep-1.safetensors: not a valid safetensors file`)).toBe(true);
    await error(gammaRoute.GET, `/api/runs/${bnId}/gamma?epoch=1`, bnId, 422, /epoch 1 is broken: .*ep-1\.safetensors: not a valid safetensors file/);
    await error(ablationRoute.GET, `/api/runs/${bnId}/ablation?epoch=1`, bnId, 422, /epoch 1 is broken/);
    // The other checkpoints of the run still answer, and the broken run leaves the depth-width table.
    expect((await json(gammaRoute.GET, `/api/runs/${bnId}/gamma?epoch=2`, bnId)).cached).toBe(true);
    const d = await json(depthWidthRoute.GET, "/api/depth-width");
    expect(d.rows.map((r: { mode: string }) => r.mode)).toEqual(["all"]);
    expect((await json(runsRoute.GET, "/api/runs?status=broken")).runs.map((r: { id: string }) => r.id)).toEqual([bnId]);
  });

  it("refuses a checkpoint changed since ingest (409) and one indexed outside the runs root (403)", async () => {
    const file = path.join(fixture.runsDir, allId, "ckpt", "ep-1.safetensors");
    const bytes = readFileSync(file);
    const changed = Buffer.from(bytes);
    changed[changed.length - 1] ^= 1;
    writeFileSync(file, changed);
    await error(ablationRoute.GET, `/api/runs/${allId}/ablation?epoch=1`, allId, 409, /changed since it was indexed/);
    writeFileSync(file, bytes);
    await db.prisma.checkpoint.update({ where: { runId_epoch: { runId: allId, epoch: 1 } }, data: { path: "/etc/passwd" } });
    await error(gammaRoute.GET, `/api/runs/${allId}/gamma?epoch=1`, allId, 403, /outside this server's runs root/);
  });
});
