/**
 * The built dashboard under load on loopback: 50 concurrent ablation re-evaluations (the prune
 * page's accuracy route, each with its own threshold so the cache cannot answer them) and 200
 * concurrent page and API requests. Everything must be answered with a 2xx, the evaluations must
 * pass through a queue no wider than the CPU cores, and the server's peak memory stays bounded.
 * Latencies are reported, not asserted (a shared 2-core machine).
 */
import { availableParallelism } from "node:os";
import autocannon from "autocannon";
import { describe, expect, it } from "vitest";
import { report } from "./report";
import { mb, peakRss, percentile, servedFixture } from "./server";

const ABLATIONS = 50;
const PAGE_REQUESTS = 200;
/** Generous: the server idles near 200–300 MB; a leak or 50 checkpoints held at once would show. */
const RSS_LIMIT = 1.5 * 2 ** 30;

const app = servedFixture("bnlab-load-");

interface Ablation {
  threshold: number;
  cached: boolean;
  removed: number;
  total: number;
  accuracy: number;
}

describe("load", () => {
  it(`answers ${ABLATIONS} concurrent ablation evaluations through a queue no wider than the cores`, async () => {
    const run = app.fixture.ids.bn;
    // A log grid of thresholds, all distinct: every request is a cache miss and a real evaluation.
    const thresholds = Array.from({ length: ABLATIONS }, (_, i) => Number((0.002 * Math.pow(250, i / (ABLATIONS - 1))).toPrecision(6)));
    expect(new Set(thresholds).size).toBe(ABLATIONS);
    const started = Date.now();
    const results = await Promise.all(
      thresholds.map(async (t) => {
        const t0 = performance.now();
        const res = await fetch(`${app.server.url}/api/runs/${run}/ablation?threshold=${t}`, { signal: AbortSignal.timeout(100_000) });
        const body = (await res.json()) as Ablation & { error?: string };
        return { t, status: res.status, ms: performance.now() - t0, peak: res.headers.get("x-bnlab-queue-peak"), limit: res.headers.get("x-bnlab-queue-limit"), body };
      }),
    );
    const wall = Date.now() - started;

    const failed = results.filter((r) => r.status !== 200);
    expect(failed.map((r) => `${r.t}: ${r.status} ${r.body.error ?? ""}`)).toEqual([]);
    // Each answer is its own evaluation, of its own threshold.
    for (const r of results) {
      expect(r.body.threshold).toBe(r.t);
      expect(r.body.cached).toBe(false);
      expect(r.body.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.body.accuracy).toBeLessThanOrEqual(1);
    }
    // Under load the answers are still right: a higher threshold never removes fewer channels.
    const byThreshold = [...results].sort((a, b) => a.t - b.t);
    for (let i = 1; i < byThreshold.length; i++) expect(byThreshold[i].body.removed).toBeGreaterThanOrEqual(byThreshold[i - 1].body.removed);
    expect(byThreshold.at(-1)!.body.removed).toBeGreaterThan(byThreshold[0].body.removed);

    // The queue: its limit is the core count and its high-water mark never exceeded it.
    const cores = availableParallelism();
    const peak = Math.max(...results.map((r) => Number(r.peak)));
    expect(results.every((r) => r.limit === String(cores))).toBe(true);
    expect(peak).toBeGreaterThanOrEqual(1);
    expect(peak).toBeLessThanOrEqual(cores);

    const ms = results.map((r) => r.ms);
    report("ablation requests (concurrent, distinct thresholds)", `${results.length} answered 200 in ${(wall / 1000).toFixed(1)} s`);
    report("ablation latency p50 / p95", `${percentile(ms, 50).toFixed(0)} ms / ${percentile(ms, 95).toFixed(0)} ms`);
    report("evaluation queue peak / limit (cores)", `${peak} / ${cores}`);
  }, 120_000);

  it(`answers ${PAGE_REQUESTS} concurrent page and API requests`, async () => {
    const { bn, all } = app.fixture.ids;
    const paths = ["/", `/?q=${bn.slice(0, 12)}&sort=depth`, `/runs/${bn}`, `/runs/${all}`, `/runs/${bn}/prune`, "/compare/depth-width", "/findings", "/api/runs", `/api/runs/${bn}`, `/api/runs/${bn}/metrics`];
    let next = 0;
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: app.server.url,
          connections: PAGE_REQUESTS,
          amount: PAGE_REQUESTS,
          timeout: 90,
          requests: [{ setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] }) }],
        },
        (err, res) => (err ? reject(err) : resolve(res)),
      );
      instance.on("response", (_client, status, _bytes, ms) => {
        latencies.push(ms);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      });
    });

    expect({ errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx }).toEqual({ errors: 0, timeouts: 0, non2xx: 0 });
    expect(result["2xx"]).toBe(PAGE_REQUESTS);
    expect([...statuses.keys()].every((s) => s >= 200 && s < 300)).toBe(true);
    expect(latencies.length).toBe(PAGE_REQUESTS);
    report("page requests (concurrent)", `${result["2xx"]} answered 2xx of ${PAGE_REQUESTS}, ${paths.length} distinct pages, in ${(result.duration).toFixed(1)} s`);
    report("page latency p50 / p95", `${percentile(latencies, 50).toFixed(0)} ms / ${percentile(latencies, 95).toFixed(0)} ms`);
  }, 120_000);

  it("keeps the server's peak resident memory bounded and its log clean", () => {
    const { bytes, processes } = peakRss(app.server.pid);
    report("server peak RSS (VmHWM)", `${mb(bytes)} (largest of ${processes} process${processes === 1 ? "" : "es"})`);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(RSS_LIMIT);
    expect(app.server.log()).not.toMatch(/internal error|database is locked|SQLITE_BUSY|unhandled/i);
  });
});
