/**
 * The bad-input matrix for the HTTP API: every route's parameters, bad run ids (paths, `..`,
 * encoded slashes, NUL, megabyte ids), and bad checkpoints behind good ids (NaN weights, a symlink
 * leading out of the runs root). The parameter cases call the route handlers directly, as Next
 * calls them; the path and id cases go once more through the real built server, raw on the wire.
 * Every case must get a 4xx with a JSON {error} naming the parameter or the problem, no stack and
 * no server path; the server must still answer afterwards and the index must be as it was.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuild, startServer, type Server } from "../e2e/support";
import { caseCounter, checkpointBytes, initWeights, withValue, writeRun } from "./bad-input-support";

const counter = caseCounter("bad-input cases tried (API)");
const tmp = mkdtempSync(path.join(tmpdir(), "bnlab-badapi-"));
const runsDir = path.join(tmp, "runs");
mkdirSync(runsDir);
const dbFile = path.join(tmp, "t.db");
process.env.DATABASE_URL = `file:${dbFile}`;
process.env.BNLAB_RUNS_DIR = runsDir;
process.env.BNLAB_DATA_DIR = tmp;

// good: a clean run. nanOld: its ep-1 turned NaN after an older bnlab indexed it (the index says
// fine, the file is not). nanNew: a NaN ep-1 that this ingest flags. escape: ep-1 is a symlink to a
// file outside the runs root. broken: run.json is not JSON.
const good = writeRun(runsDir, 0);
const nanOld = writeRun(runsDir, 1);
const nanNew = writeRun(runsDir, 2);
const escape = writeRun(runsDir, 3);
const broken = path.join(runsDir, "synthetic-broken-run");
mkdirSync(broken);
writeFileSync(path.join(broken, "run.json"), "{ not json");
const nanBytes = checkpointBytes(withValue(initWeights(21), "conv.weight", 7, NaN));
writeFileSync(path.join(nanNew.dir, "ckpt", "ep-1.safetensors"), nanBytes);
const outside = path.join(tmp, "outside");
mkdirSync(outside);
writeFileSync(path.join(outside, "ep-1.safetensors"), checkpointBytes(initWeights(31)));
rmSync(path.join(escape.dir, "ckpt", "ep-1.safetensors"));
symlinkSync(path.join(outside, "ep-1.safetensors"), path.join(escape.dir, "ckpt", "ep-1.safetensors"));

const { openDb } = await import("../../lib/db/client");
const { ingest } = await import("../../lib/db/ingest");
const db = await openDb();
await ingest(db, runsDir);
{
  // What an index built before the NaN check holds: the file's facts, no error.
  const f = path.join(nanOld.dir, "ckpt", "ep-1.safetensors");
  writeFileSync(f, nanBytes);
  const st = statSync(f);
  await db.prisma.checkpoint.update({
    where: { runId_epoch: { runId: nanOld.id, epoch: 1 } },
    data: { hash: createHash("sha256").update(readFileSync(f)).digest("hex"), size: st.size, mtime: st.mtimeMs, error: null },
  });
}

/** The index's rows, without the analysis cache (which reads may fill). */
async function indexRows() {
  const p = db.prisma;
  return {
    runs: await p.run.findMany({ orderBy: { id: "asc" } }),
    checkpoints: await p.checkpoint.findMany({ orderBy: [{ runId: "asc" }, { epoch: "asc" }] }),
    metrics: await p.metricPoint.findMany({ orderBy: [{ runId: "asc" }, { line: "asc" }] }),
    gammas: await p.gammaSummary.findMany({ orderBy: { id: "asc" } }),
  };
}
const before = await indexRows();

afterAll(async () => {
  counter.done();
  await db.close();
  rmSync(tmp, { recursive: true, force: true });
});

type Params = Record<string, string>;
type Handler = (request: Request, ctx: { params: Promise<Params> }) => Promise<Response>;
const routes: Record<string, Handler> = {
  runs: (await import("../../app/api/runs/route")).GET as Handler,
  run: (await import("../../app/api/runs/[id]/route")).GET as Handler,
  metrics: (await import("../../app/api/runs/[id]/metrics/route")).GET as Handler,
  gamma: (await import("../../app/api/runs/[id]/gamma/route")).GET as Handler,
  ablation: (await import("../../app/api/runs/[id]/ablation/route")).GET as Handler,
  pruning: (await import("../../app/api/runs/[id]/pruning-curve/route")).GET as Handler,
  mask: (await import("../../app/api/runs/[id]/mask/route")).GET as Handler,
  pruned: (await import("../../app/api/runs/[id]/pruned/route")).GET as Handler,
  figures: (await import("../../app/api/runs/[id]/figures/route")).GET as Handler,
  figure: (await import("../../app/api/runs/[id]/figures/[figure]/route")).GET as Handler,
  compare: (await import("../../app/api/compare/figures/[figure]/route")).GET as Handler,
  depthWidth: (await import("../../app/api/depth-width/route")).GET as Handler,
  depthWidthFigure: (await import("../../app/api/depth-width/figure/route")).GET as Handler,
};
const PATHS: Record<string, (id: string, figure: string) => string> = {
  runs: () => "/api/runs",
  run: (id) => `/api/runs/${id}`,
  metrics: (id) => `/api/runs/${id}/metrics`,
  gamma: (id) => `/api/runs/${id}/gamma`,
  ablation: (id) => `/api/runs/${id}/ablation`,
  pruning: (id) => `/api/runs/${id}/pruning-curve`,
  mask: (id) => `/api/runs/${id}/mask`,
  pruned: (id) => `/api/runs/${id}/pruned`,
  figures: (id) => `/api/runs/${id}/figures`,
  figure: (id, f) => `/api/runs/${id}/figures/${f}`,
  compare: (_id, f) => `/api/compare/figures/${f}`,
  depthWidth: () => "/api/depth-width",
  depthWidthFigure: () => "/api/depth-width/figure",
};
const ID_ROUTES = ["run", "metrics", "gamma", "ablation", "pruning", "mask", "pruned", "figures", "figure"];

/** One case: a route, its [id]/[figure] params and query, and what the answer must be. */
interface ApiCase {
  route: string;
  id?: string;
  figure?: string;
  query?: string;
  status: number;
  error: RegExp;
}

async function call(c: ApiCase): Promise<Response> {
  const url = `http://127.0.0.1${PATHS[c.route](c.id ?? "", c.figure ?? "training-curves")}${c.query ? `?${c.query}` : ""}`;
  return routes[c.route](new Request(url), { params: Promise.resolve({ id: c.id ?? "", figure: c.figure ?? "training-curves" }) });
}

/** The answer is the status, JSON, an error saying `error`, and no stack or server path. */
async function expectJsonError(res: Response, c: { status: number; error: RegExp }, what: string): Promise<void> {
  counter.add();
  const text = await res.text();
  expect(res.status, `${what}: ${text.slice(0, 300)}`).toBe(c.status);
  expect(res.headers.get("content-type"), what).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error?: unknown };
  expect(typeof body.error, what).toBe("string");
  expect(body.error as string, what).toMatch(c.error);
  expect(text, `${what}: no stack trace`).not.toMatch(/\n\s+at |at [\w.]+ \(/);
  expect(text, `${what}: no server path`).not.toContain(tmp);
  expect(text.length, `${what}: short`).toBeLessThan(2000);
}

const BAD_IDS: [string, string][] = [
  ["../../etc", "a relative path"],
  ["..", "the parent"],
  ["..%2F..%2Fetc%2Fpasswd", "an encoded path"],
  ["%2e%2e", "an encoded .."],
  ["%2E%2E%5C..%5Cwindows", "encoded backslashes"],
  ["run%00.json", "a NUL byte"],
  ["%E0%A4%A", "broken percent-encoding"],
  ["r%C3%BCn", "a non-ASCII id"],
  [".hidden", "a dot file"],
  [" spaced ", "spaces"],
  ["x".repeat(300), "a 300-character id"],
  ["x".repeat(100_000), "a 100,000-character id"],
  ["", "an empty id"],
];

const long = "9".repeat(100_000);
const CASES: ApiCase[] = [
  // ids, on every [id] route
  ...ID_ROUTES.flatMap((route) => BAD_IDS.map(([id]): ApiCase => ({ route, id, status: 404, error: /no such run/ }))),
  ...ID_ROUTES.map((route): ApiCase => ({ route, id: "synthetic-resnet8-w4-bn-0000000000-s9", status: 404, error: /no run "synthetic-resnet8-w4-bn-0000000000-s9"/ })),
  // /api/runs
  { route: "runs", query: "bogus=1", status: 400, error: /unknown parameter "bogus"/ },
  { route: "runs", query: "page=1&page=2", status: 400, error: /parameter "page" given more than once/ },
  { route: "runs", query: "depth=abc", status: 400, error: /depth: must be an integer \(got "abc"\)/ },
  { route: "runs", query: "depth=1e3", status: 400, error: /depth: must be an integer/ },
  { route: "runs", query: "pageSize=0", status: 400, error: /pageSize: must be ≥ 1/ },
  { route: "runs", query: "pageSize=501", status: 400, error: /pageSize: must be ≤ 500/ },
  { route: "runs", query: "page=-1", status: 400, error: /page: must be ≥ 1/ },
  { route: "runs", query: `page=${long}`, status: 400, error: /page: must be an integer \(got "9{57}\.\.\."\)/ },
  { route: "runs", query: "seed=99999999999999999999", status: 400, error: /seed: must be an integer/ },
  { route: "runs", query: `q=${"a".repeat(201)}`, status: 400, error: /q: must be at most 200 characters/ },
  { route: "runs", query: "sort=id;drop", status: 400, error: /sort: must be one of/ },
  { route: "runs", query: "order=sideways", status: 400, error: /order: must be one of asc, desc/ },
  { route: "runs", query: "format=xml", status: 400, error: /format: must be one of json, csv/ },
  { route: "runs", query: "dataset=imagenet", status: 400, error: /dataset: must be one of/ },
  { route: "runs", query: "status=exploded", status: 400, error: /status: must be one of/ },
  { route: "runs", query: "mode=../x", status: 400, error: /mode: must be a mode name/ },
  { route: "runs", query: "%ZZ=1", status: 400, error: /unknown parameter/ },
  // one run and its metrics
  { route: "run", id: good.id, query: "x=1", status: 400, error: /unknown parameter "x"/ },
  { route: "metrics", id: good.id, query: "split=dev", status: 400, error: /split: must be one of train, test, val/ },
  // γ
  { route: "gamma", id: good.id, query: "epoch=-1", status: 400, error: /epoch: must be ≥ 0/ },
  { route: "gamma", id: good.id, query: "epoch=1.5", status: 400, error: /epoch: must be an integer/ },
  { route: "gamma", id: good.id, query: "epoch=99", status: 404, error: /no checkpoint at epoch 99 \(epochs: 0, 1\)/ },
  { route: "gamma", id: good.id, query: "t=NaN", status: 400, error: /t: must be a number/ },
  { route: "gamma", id: good.id, query: "t=Infinity", status: 400, error: /t: must be a number/ },
  { route: "gamma", id: good.id, query: "t=1e999", status: 400, error: /t: must be a finite number \(got "1e999"\)/ },
  { route: "figure", id: good.id, query: "t=1e999", status: 400, error: /t: must be a finite number/ },
  { route: "pruned", id: good.id, query: "threshold=-1e999", status: 400, error: /threshold: must be a finite number/ },
  { route: "gamma", id: good.id, query: "t=-1", status: 400, error: /t: must be ≥ 0/ },
  { route: "gamma", id: good.id, query: "bins=0", status: 400, error: /bins: must be ≥ 1/ },
  { route: "gamma", id: good.id, query: "bins=100000", status: 400, error: /bins: must be ≤ 200/ },
  { route: "gamma", id: good.id, query: "includeShortcut=maybe", status: 400, error: /includeShortcut: must be true or false/ },
  // ablation and pruning
  { route: "ablation", id: good.id, query: "threshold=-0.1", status: 400, error: /threshold: must be ≥ 0/ },
  { route: "ablation", id: good.id, query: "mode=prune", status: 400, error: /mode: must be one of zero, gamma-only/ },
  { route: "ablation", id: good.id, query: "count=0", status: 400, error: /count/ },
  { route: "ablation", id: good.id, query: "count=everything", status: 400, error: /count/ },
  { route: "pruning", id: good.id, query: "fractions=0.5,2", status: 400, error: /fractions: each fraction must be a number in \[0, 1\], "2" is not/ },
  { route: "pruning", id: good.id, query: `fractions=${Array.from({ length: 42 }, (_, i) => i / 100).join(",")}`, status: 400, error: /fractions: at most 41 fractions/ },
  { route: "pruning", id: good.id, query: "seeds=11", status: 400, error: /seeds: must be ≤ 10/ },
  { route: "mask", id: good.id, query: "threshold=abc", status: 400, error: /threshold: must be a number/ },
  { route: "pruned", id: good.id, query: "includeShortcut=2", status: 400, error: /includeShortcut: must be true or false/ },
  // figures
  { route: "figure", id: good.id, figure: "pie-chart", status: 400, error: /figure: must be one of/ },
  { route: "figure", id: good.id, figure: "../../etc", status: 400, error: /figure: must be one of/ },
  { route: "figure", id: good.id, query: "format=gif", status: 400, error: /format: must be one of/ },
  { route: "figure", id: good.id, query: "theme=pink", status: 400, error: /theme: must be light or dark/ },
  { route: "figure", id: good.id, query: "t=0", status: 400, error: /t: must be > 0/ },
  { route: "figure", id: good.id, query: "sibling=../../etc", status: 400, error: /sibling/ },
  { route: "figures", id: good.id, query: "format=svg", status: 400, error: /unknown parameter "format"/ },
  { route: "compare", figure: "gamma-histogram", status: 400, error: /runs/ },
  { route: "compare", figure: "gamma-histogram", query: "runs=../../etc", status: 400, error: /runs: must be a run id/ },
  { route: "compare", figure: "gamma-histogram", query: `runs=${Array.from({ length: 13 }, (_, i) => `r${i}`).join(",")}`, status: 400, error: /runs: at most 12 runs/ },
  { route: "compare", figure: "gamma-histogram", query: "runs=nope-s0", status: 404, error: /no run "nope-s0"/ },
  { route: "compare", figure: "bogus", query: `runs=${good.id}`, status: 400, error: /figure: must be one of/ },
  { route: "depthWidth", query: "metric=worst", status: 400, error: /metric: must be one of final, best/ },
  { route: "depthWidth", query: "dataset=imagenet", status: 400, error: /dataset: must be one of/ },
  { route: "depthWidthFigure", query: "x=depth", status: 400, error: /x: must be one of size, params-total, params-trainable/ },
  { route: "depthWidthFigure", query: "family=narrow", status: 400, error: /family: must be resnet or wide/ },
  // bad checkpoints behind good ids
  { route: "gamma", id: nanOld.id, query: "epoch=1", status: 422, error: /at epoch 1 is broken: .*ep-1\.safetensors: unusable weights: conv\.weight has 1 non-finite value \(first at index 7: NaN\)/ },
  { route: "mask", id: nanOld.id, query: "epoch=1", status: 422, error: /unusable weights: conv\.weight/ },
  { route: "pruned", id: nanOld.id, query: "epoch=1", status: 422, error: /unusable weights: conv\.weight/ },
  { route: "ablation", id: nanOld.id, query: "epoch=1", status: 422, error: /unusable weights: conv\.weight/ },
  { route: "gamma", id: nanNew.id, query: "epoch=1", status: 422, error: /checkpoint of run ".*" at epoch 1 is broken: .*unusable weights: conv\.weight has 1 non-finite value/ },
  { route: "pruning", id: nanNew.id, query: "epoch=1", status: 422, error: /is broken: .*unusable weights/ },
  // Ingest already refuses the link (the checkpoint is indexed as broken, naming link and target).
  { route: "gamma", id: escape.id, query: "epoch=1", status: 422, error: /a symlink to .*outside the runs root.*refused/ },
  { route: "pruned", id: escape.id, query: "epoch=1", status: 422, error: /a symlink to .*outside the runs root.*refused/ },
  { route: "gamma", id: "synthetic-broken-run", status: 404, error: /has no checkpoints/ },
  { route: "ablation", id: "synthetic-broken-run", status: 404, error: /has no checkpoints/ },
];

describe("API routes on bad input (handlers called directly)", () => {
  it(`answers ${CASES.length} bad requests with a 4xx JSON error naming the parameter or problem`, { timeout: 120_000 }, async () => {
    for (const c of CASES) {
      const what = `${c.route} id=${(c.id ?? "").slice(0, 40)} ${c.figure ?? ""} ?${(c.query ?? "").slice(0, 80)}`;
      await expectJsonError(await call(c), c, what);
    }
    // Nothing of the index was changed by any of them.
    expect(await indexRows()).toEqual(before);
  });
});

/** A GET with the path sent exactly as written (fetch would normalise `..` away). */
function rawGet(base: string, rawPath: string): Promise<{ status: number; type: string; body: string; headers: Record<string, string | string[] | undefined> }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path: rawPath, method: "GET", headers: { host: u.host } }, (res) => {
      let body = "";
      res.on("data", (d) => (body += String(d)));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), body, headers: res.headers }));
    });
    req.on("error", reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`no answer to ${rawPath.slice(0, 80)}`)));
    req.end();
  });
}

describe("the real server on bad paths and ids", () => {
  let server: Server;
  beforeAll(async () => {
    ensureBuild();
    server = await startServer({ root: tmp, runsDir, dbFile, ids: {} });
  }, 600_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("answers every bad path with a 4xx, JSON when it reaches the API, and keeps answering", { timeout: 120_000 }, async () => {
    const apiPaths: [string, number, RegExp][] = [
      // Literal `..` segments are resolved by the URL parser before routing (see rawPaths below).
      ...BAD_IDS.filter(([id]) => id !== "" && id.length < 1000 && !id.includes(" ") && !id.includes("/") && !/^(\.\.|%2e%2e|%E0%A4%A)$/i.test(id)).flatMap(([id]): [string, number, RegExp][] => [
        [`/api/runs/${id}`, 404, /no such run/],
        [`/api/runs/${id}/gamma?epoch=1`, 404, /no such run/],
      ]),
      [`/api/runs/${"x".repeat(5000)}/metrics`, 404, /no such run/],
      // Used to be a bare 500 from Next's router; the proxy now refuses it.
      ["/api/runs/%E0%A4%A", 400, /malformed percent-encoding in the path/],
      ["/api/runs/%E0%A4%A/gamma?epoch=1", 400, /malformed percent-encoding/],
      ["/api/runs/%", 400, /malformed percent-encoding/],
      [`/api/runs/${nanOld.id}/gamma?epoch=1`, 422, /unusable weights: conv\.weight/],
      [`/api/runs/${escape.id}/gamma?epoch=1`, 422, /outside the runs root/],
      [`/api/runs/${good.id}/gamma?epoch=1&epoch=2`, 400, /given more than once/],
      [`/api/runs?pageSize=${"9".repeat(5000)}`, 400, /pageSize: must be an integer/],
      [`/api/compare/figures/gamma-histogram?runs=..%2F..%2Fetc`, 400, /runs: must be a run id/],
    ];
    for (const [p, status, error] of apiPaths) {
      const r = await rawGet(server.url, p);
      counter.add();
      const what = `GET ${p.slice(0, 100)} → ${r.status} ${r.body.slice(0, 200)}`;
      expect(r.status, what).toBe(status);
      expect(r.type, what).toMatch(/^application\/json/);
      expect((JSON.parse(r.body) as { error: string }).error, what).toMatch(error);
      expect(r.body, what).not.toContain(tmp);
      expect(r.body, what).not.toMatch(/\n\s+at /);
    }
    // Paths the HTTP layer or the router may answer before any route runs: 4xx, never a 5xx or a file.
    const rawPaths = [
      "/api/runs/../../etc",
      "/api/runs/../gamma",
      "/api/runs/../../../../etc/passwd",
      "/api/runs/..%2f..%2f..%2f..%2fetc%2fpasswd/gamma",
      "/api/runs/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "/api/runs/%2e%2e",
      "/api/runs/%2e%2e/gamma",
      "/api/runs/a%00b",
      "/..%5c..%5cetc%5cpasswd",
      `/api/runs/${"y".repeat(20_000)}`,
    ];
    for (const p of rawPaths) {
      let r = await rawGet(server.url, p);
      counter.add();
      // Next answers a path with `..` segments (also encoded) by redirecting to the normalised
      // path on the same server; that path must then be a 4xx.
      if (r.status === 307 || r.status === 308) {
        const location = new URL(String(r.headers.location ?? ""), server.url);
        expect(location.origin, `${p} redirects to this server`).toBe(new URL(server.url).origin);
        r = await rawGet(server.url, location.pathname + location.search);
      }
      const what = `GET ${p.slice(0, 80)} → ${r.status} ${r.body.slice(0, 200)}`;
      expect(r.status >= 400 && r.status < 500, what).toBe(true);
      expect(r.body, what).not.toMatch(/root:x?:0:0/);
      expect(r.body, what).not.toContain(tmp);
      if (r.type.startsWith("application/json")) expect(typeof (JSON.parse(r.body) as { error: unknown }).error, what).toBe("string");
    }
    // Still serving, and nothing of the index changed.
    const alive = await rawGet(server.url, "/api/runs?pageSize=10");
    expect(alive.status).toBe(200);
    expect((JSON.parse(alive.body) as { total: number }).total).toBe(5);
    expect(await indexRows()).toEqual(before);
  });
});
