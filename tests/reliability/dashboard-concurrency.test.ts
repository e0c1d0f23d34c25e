/**
 * The dashboard reading while `bnlab ingest` writes the same SQLite file: pages and API requests
 * in a loop against the built app while separate ingest processes re-index runs whose run.json
 * and metrics.jsonl keep changing. No request may fail with a 5xx or mention a locked database,
 * the server's log neither, every ingest pass must succeed, and its writes must show.
 */
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { report } from "./report";
import { bnlab, percentile, servedFixture } from "./server";

const PASSES = 3;
const READERS = 4;
const LOCKED = /database is locked|SQLITE_BUSY|SQLITE_LOCKED/i;

const app = servedFixture("bnlab-dbconc-");

/** A change ingest must index: the run's status and updatedAt, and one more metrics line. */
function touchRun(id: string, status: "running" | "complete"): void {
  const dir = path.join(app.fixture.runsDir, id);
  const file = path.join(dir, "run.json");
  const run = JSON.parse(readFileSync(file, "utf8")) as { status: string; updatedAt: string };
  run.status = status;
  run.updatedAt = new Date().toISOString();
  writeFileSync(file, JSON.stringify(run, null, 2) + "\n");
  const lines = readFileSync(path.join(dir, "metrics.jsonl"), "utf8").trim().split("\n");
  appendFileSync(path.join(dir, "metrics.jsonl"), lines[lines.length - 1] + "\n");
}

describe("dashboard while ingest writes", () => {
  it("answers every read without a 5xx or a locked database while `bnlab ingest` re-indexes", async () => {
    const ids = Object.values(app.fixture.ids);
    // Pages and API answers that read the tables ingest writes (runs, checkpoints, metrics); the
    // cheap API reads come often so that many reads overlap each ingest pass.
    const paths = ["/api/runs", "/", `/api/runs/${ids[0]}`, `/api/runs/${ids[1]}/metrics`, `/runs/${ids[0]}`, "/api/runs?status=running", "/api/depth-width", `/runs/${ids[1]}`, "/compare/depth-width"];
    const metricLines = async (id: string) => ((await (await fetch(`${app.server.url}/api/runs/${id}/metrics`)).json()) as { points: unknown[] }).points.length;
    const linesBefore = await metricLines(ids[0]);

    let writing = true;
    const bad: string[] = [];
    const latencies: number[] = [];
    let served = 0;
    const reader = async (offset: number) => {
      for (let i = offset; writing; i++) {
        const p = paths[i % paths.length];
        const t0 = performance.now();
        const res = await fetch(app.server.url + p, { signal: AbortSignal.timeout(60_000) });
        const body = await res.text();
        latencies.push(performance.now() - t0);
        served++;
        if (res.status >= 500 || LOCKED.test(body)) bad.push(`${p}: ${res.status} ${body.slice(0, 200)}`);
      }
    };
    const readers = Array.from({ length: READERS }, (_, i) => reader(i * 2));

    const passes: string[] = [];
    try {
      for (let pass = 0; pass < PASSES; pass++) {
        const status = pass % 2 === 0 ? "running" : "complete";
        for (const id of ids) touchRun(id, status);
        const ingest = bnlab(["ingest", app.fixture.runsDir], { DATABASE_URL: `file:${app.fixture.dbFile}`, BNLAB_DATA_DIR: app.fixture.root });
        const code = await ingest.exited;
        passes.push(ingest.output().trim().split("\n").at(-1) ?? "");
        expect(code, ingest.output()).toBe(0);
        expect(ingest.output()).not.toMatch(LOCKED);
        expect(ingest.output()).toMatch(new RegExp(`${ids.length} updated`));
      }
    } finally {
      writing = false;
      await Promise.all(readers);
    }

    expect(bad).toEqual([]);
    expect(app.server.log()).not.toMatch(LOCKED);
    expect(app.server.log()).not.toMatch(/internal error/i);
    // The writes landed and the dashboard reads them: the last pass's status, one more metrics line per pass.
    const run = (await (await fetch(`${app.server.url}/api/runs/${ids[0]}`)).json()) as { status: string };
    expect(run.status).toBe(PASSES % 2 === 1 ? "running" : "complete");
    expect(await metricLines(ids[0])).toBe(linesBefore + PASSES);
    expect(served).toBeGreaterThan(PASSES);

    report("reads served while ingest wrote", `${served} (${READERS} concurrent readers, ${PASSES} ingest passes, 0 failed)`);
    report("read latency during ingest p50 / p95", `${percentile(latencies, 50).toFixed(0)} ms / ${percentile(latencies, 95).toFixed(0)} ms`);
    report("ingest passes", passes.map((p) => p.replace(/^.*: /, "")).join(" | "));
  }, 120_000);
});
