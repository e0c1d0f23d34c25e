/**
 * The API's answers for the test fixture, byte for byte: every read route (JSON and CSV, figure
 * CSVs included) is called as Next calls it and its body compared with a file under __golden__/.
 * A restructuring that changes no behaviour leaves every file as it is.
 *
 * `UPDATE_GOLDEN=1 npx vitest run tests/integration/api/golden.test.ts` rewrites the files from
 * the code as it is; review the diff before committing it.
 *
 * Determinism: the fixture is trained and evaluated on tfjs's pure-JS `cpu` backend (forced
 * here), so weights, checkpoint hashes, losses and accuracies do not depend on which native or
 * wasm engine a machine has. Only what is genuinely environment-dependent is normalised, and
 * named in the body: wall-clock timestamps (run created/updated, indexed) and the `seconds` a
 * training epoch took.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeRuns } from "../../support/runs";

const tmp = mkdtempSync(path.join(tmpdir(), "bnlab-golden-"));
process.env.DATABASE_URL = `file:${path.join(tmp, "golden.db")}`;
process.env.BNLAB_DATA_DIR = path.join(tmp, "data");
process.env.BNLAB_BACKEND = "cpu";
const fixture = await makeRuns(["bn", "all"]);
process.env.BNLAB_RUNS_DIR = fixture.runsDir;

const { openDb } = await import("../../../lib/db/client");
const { ingest } = await import("../../../lib/db/ingest");
const routes = {
  runs: await import("../../../app/api/runs/route"),
  run: await import("../../../app/api/runs/[id]/route"),
  metrics: await import("../../../app/api/runs/[id]/metrics/route"),
  gamma: await import("../../../app/api/runs/[id]/gamma/route"),
  ablation: await import("../../../app/api/runs/[id]/ablation/route"),
  pruning: await import("../../../app/api/runs/[id]/pruning-curve/route"),
  mask: await import("../../../app/api/runs/[id]/mask/route"),
  runFigure: await import("../../../app/api/runs/[id]/figures/[figure]/route"),
  depthWidth: await import("../../../app/api/depth-width/route"),
  depthWidthFigure: await import("../../../app/api/depth-width/figure/route"),
  compareFigure: await import("../../../app/api/compare/figures/[figure]/route"),
};

const db = await openDb();
const report = await ingest(db, fixture.runsDir);
afterAll(() => db.close());

const GOLDEN = path.join(import.meta.dirname, "__golden__");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

/** The dynamic segments of the routes called here. */
type Params = { id: string; figure: string };
type Handler = (request: Request, ctx: { params: Promise<Params> }) => Promise<Response>;

const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g;

/** Takes out what differs between two runs of the same code: wall-clock times and epoch durations. */
function normalise(text: string): string {
  let out = text.replace(ISO_TIME, "<time>").replace(/"seconds":[0-9.e+-]+/g, '"seconds":"<seconds>"');
  // The metrics CSV: `seconds` is the last column.
  const lines = out.split("\r\n");
  if (lines[0]?.split(",").at(-1) === "seconds") {
    out = lines.map((l, i) => (i === 0 || l === "" ? l : l.replace(/,[^,]*$/, ",<seconds>"))).join("\r\n");
  }
  return out;
}

/** Calls the handler and checks (or, with UPDATE_GOLDEN=1, writes) `__golden__/<name>`. */
async function golden(name: string, handler: Handler, url: string, params: Partial<Params> = {}): Promise<string> {
  const res = await handler(new Request(`http://x${url}`), { params: Promise.resolve({ id: "", figure: "", ...params }) });
  const body = await res.text();
  expect(res.status, `${url}: ${body}`).toBe(200);
  expect(body).not.toContain(fixture.runsDir);
  expect(body).not.toContain(tmp);
  const text = normalise(body);
  const file = path.join(GOLDEN, name);
  if (UPDATE) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, text);
  } else {
    expect(existsSync(file), `${file} is missing: run with UPDATE_GOLDEN=1 to create it`).toBe(true);
    // Compared as strings (not parsed): key order, number formatting and CRLFs all count.
    expect(text, `${url} differs from __golden__/${name}`).toBe(readFileSync(file, "utf8"));
  }
  return body;
}

const list = JSON.parse(await golden("runs-by-mode.json", routes.runs.GET, "/api/runs?sort=mode&order=asc")).runs as { id: string; mode: string }[];
const bnId = list.find((r) => r.mode === "bn")!.id;
const allId = list.find((r) => r.mode === "all")!.id;

describe("the API's answers for the fixture are unchanged", () => {
  it("ingests the fixture cleanly", () => {
    expect(report.broken).toEqual([]);
    expect(list.length).toBe(2);
  });

  it("runs list", async () => {
    await golden("runs.json", routes.runs.GET, "/api/runs");
    await golden("runs-desc.json", routes.runs.GET, "/api/runs?sort=mode&order=desc");
    await golden("runs-bn.json", routes.runs.GET, "/api/runs?mode=bn");
    await golden("runs-search.json", routes.runs.GET, "/api/runs?q=-all-");
    await golden("runs-page2.json", routes.runs.GET, "/api/runs?sort=mode&order=asc&pageSize=1&page=2");
    await golden("runs-filtered.json", routes.runs.GET, "/api/runs?dataset=synthetic&depth=8&width=4&seed=0&status=complete");
    await golden("runs.csv", routes.runs.GET, "/api/runs?format=csv&sort=mode&order=asc");
  });

  it("run and metrics", async () => {
    await golden("run-bn.json", routes.run.GET, `/api/runs/${bnId}`, { id: bnId });
    await golden("run-all.json", routes.run.GET, `/api/runs/${allId}`, { id: allId });
    await golden("metrics-bn.json", routes.metrics.GET, `/api/runs/${bnId}/metrics`, { id: bnId });
    await golden("metrics-bn-test.json", routes.metrics.GET, `/api/runs/${bnId}/metrics?split=test`, { id: bnId });
    await golden("metrics-bn.csv", routes.metrics.GET, `/api/runs/${bnId}/metrics?format=csv`, { id: bnId });
  });

  it("gamma", async () => {
    await golden("gamma-bn.json", routes.gamma.GET, `/api/runs/${bnId}/gamma?t=0.01`, { id: bnId });
    await golden("gamma-bn-ep0.json", routes.gamma.GET, `/api/runs/${bnId}/gamma?epoch=0&bins=10&includeShortcut=false`, { id: bnId });
    await golden("gamma-all.csv", routes.gamma.GET, `/api/runs/${allId}/gamma?format=csv&t=0.1`, { id: allId });
  });

  it("ablation, pruning curve and mask", async () => {
    await golden("ablation-bn-t0.json", routes.ablation.GET, `/api/runs/${bnId}/ablation?threshold=0`, { id: bnId });
    await golden("ablation-bn-gamma-only.json", routes.ablation.GET, `/api/runs/${bnId}/ablation?threshold=0.3&mode=gamma-only&count=32`, { id: bnId });
    await golden("ablation-all-t100.json", routes.ablation.GET, `/api/runs/${allId}/ablation?threshold=100&count=all&includeShortcut=false`, { id: allId });
    await golden("ablation-bn.csv", routes.ablation.GET, `/api/runs/${bnId}/ablation?threshold=0.3&format=csv`, { id: bnId });
    await golden("pruning-bn.json", routes.pruning.GET, `/api/runs/${bnId}/pruning-curve?fractions=1,0,0.5&seeds=2&count=32`, { id: bnId });
    await golden("pruning-bn.csv", routes.pruning.GET, `/api/runs/${bnId}/pruning-curve?fractions=1,0,0.5&seeds=2&count=32&format=csv`, { id: bnId });
    await golden("mask-bn.json", routes.mask.GET, `/api/runs/${bnId}/mask?threshold=0.3`, { id: bnId });
  });

  it("run figures as CSV", async () => {
    for (const figure of ["training-curves", "gamma-heatmap", "gamma-histogram-log", "gamma-histogram-linear", "layer-fraction", "removed-per-layer", "pruning-curve"]) {
      await golden(`figure-bn-${figure}.csv`, routes.runFigure.GET, `/api/runs/${bnId}/figures/${figure}?format=csv&t=0.3`, { id: bnId, figure });
    }
    await golden("figure-all-layer-fraction-sibling-none.csv", routes.runFigure.GET, `/api/runs/${allId}/figures/layer-fraction?format=csv&sibling=none`, { id: allId, figure: "layer-fraction" });
  });

  it("depth-width and compare", async () => {
    await golden("depth-width.json", routes.depthWidth.GET, "/api/depth-width?dataset=synthetic");
    await golden("depth-width-best.json", routes.depthWidth.GET, "/api/depth-width?metric=best");
    await golden("depth-width.csv", routes.depthWidth.GET, "/api/depth-width?format=csv");
    await golden("depth-width-figure.csv", routes.depthWidthFigure.GET, "/api/depth-width/figure?format=csv&x=params-trainable");
    for (const figure of ["training-curves", "gamma-histogram", "layer-fraction"]) {
      await golden(`compare-${figure}.csv`, routes.compareFigure.GET, `/api/compare/figures/${figure}?runs=${bnId},${allId}&format=csv&t=0.1`, { figure });
    }
  });
});
