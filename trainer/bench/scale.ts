/**
 * `npm run bench:scale -- --runs N [--db postgres] [--keep]`: a lab's worth of runs end to end.
 * Writes a synthetic run tree (trainer/bench/scale-tree.ts) in a temp folder, ingests it (timed,
 * then a second, unchanged pass), serves the built dashboard with `next start` (building first
 * when `.next` is stale) and measures every page and API route: the first request (cold) and
 * p50/p95 over 20 more (warm), the HTML size, and the server's peak RSS (VmHWM). On PostgreSQL
 * every run is also queued (a queue of N pending jobs): the runs page shows its queue section, and
 * the queue's summary (what the page and `bnlab queue` read) is timed as a row of its own.
 * Prints a table and a last machine-readable line.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildIsFresh, NEXT_BIN, ROOT } from "../../cli/dashboard-build";
import { openDb } from "../../lib/db/client";
import { ingest } from "../../lib/db/ingest";
import { enqueueRuns, openQueue, queueSummary, type RunJob } from "../../lib/queue/queue";
import { RunConfig } from "../../lib/run/config";
import { QUEUE_SHOWN } from "../../lib/server/queue-view";
import { startPostgres } from "../../tests/support/postgres";
import { writeScaleTree } from "./scale-tree";

const REQUESTS = 20;

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Peak resident memory (VmHWM, MB) of the largest process in the tree of `pid`. */
function peakRssMb(pid: number): number {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    const dir = `/proc/${tree[i]}/task`;
    if (!existsSync(dir)) continue;
    for (const task of readdirSync(dir)) {
      for (const c of readFileSync(`${dir}/${task}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) tree.push(Number(c));
    }
  }
  let kb = 0;
  for (const p of tree) {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
    if (m) kb = Math.max(kb, Number(m[1]));
  }
  return kb / 1024;
}

async function startNext(env: Record<string, string>): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  let output = "";
  const child = spawn(process.execPath, [NEXT_BIN, "start", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: ROOT,
    env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (output += String(d)));
  child.stderr!.on("data", (d) => (output += String(d)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) throw new Error(`next start did not answer within 120 s:\n${output}`);
    try {
      if ((await fetch(`${url}/api/runs?pageSize=1`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5000).unref();
    });
  return { url, child, stop };
}

/** Queues a job for every run of the tree and times the queue's summary (p50/p95 over REQUESTS calls; cold: the first). */
async function queueRow(url: string, runsDir: string, ids: string[]): Promise<Row> {
  const queue = await openQueue(url);
  try {
    const jobs: RunJob[] = ids.map((runId) => ({ runId, config: RunConfig.parse(JSON.parse(readFileSync(path.join(runsDir, runId, "run.json"), "utf8")).config), runsDir }));
    for (let at = 0; at < jobs.length; at += 500) await enqueueRuns(queue, jobs.slice(at, at + 500));
    const times: number[] = [];
    let shown = 0;
    for (let i = 0; i <= REQUESTS; i++) {
      const t = performance.now();
      shown = (await queueSummary(queue, { limit: QUEUE_SHOWN })).entries.length;
      times.push(performance.now() - t);
    }
    const warm = times.slice(1);
    return { route: `queue summary (${jobs.length} jobs, ${shown} shown)`, status: 0, coldMs: times[0], p50: percentile(warm, 50), p95: percentile(warm, 95), kb: 0 };
  } finally {
    await queue.close();
  }
}

interface Row {
  route: string;
  status: number;
  coldMs: number;
  p50: number;
  p95: number;
  kb: number;
}

async function timed(url: string): Promise<{ ms: number; status: number; bytes: number }> {
  const t = performance.now();
  const res = await fetch(url);
  const body = await res.arrayBuffer();
  return { ms: performance.now() - t, status: res.status, bytes: body.byteLength };
}

async function measure(base: string, route: string): Promise<Row> {
  const cold = await timed(base + route);
  const warm: number[] = [];
  for (let i = 0; i < REQUESTS; i++) warm.push((await timed(base + route)).ms);
  return { route, status: cold.status, coldMs: cold.ms, p50: percentile(warm, 50), p95: percentile(warm, 95), kb: cold.bytes / 1024 };
}

export async function benchScale(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { runs: { type: "string", default: "1000" }, db: { type: "string", default: "sqlite" }, keep: { type: "boolean" }, "no-build": { type: "boolean" } } });
  const n = Number(values.runs);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--runs must be a positive whole number, got ${values.runs}`);
  if (values.db !== "sqlite" && values.db !== "postgres") throw new Error(`--db must be sqlite or postgres, got ${values.db}`);
  const tmp = mkdtempSync(path.join(tmpdir(), "bnlab-scale-"));
  const runsDir = path.join(tmp, "runs");
  const pg = values.db === "postgres" ? await startPostgres() : null;
  const env = { DATABASE_URL: pg ? pg.url : `file:${path.join(tmp, "scale.db")}`, BNLAB_RUNS_DIR: runsDir, BNLAB_DATA_DIR: tmp };
  let server: Awaited<ReturnType<typeof startNext>> | null = null;
  try {
    let t = performance.now();
    const ids = writeScaleTree(runsDir, n);
    console.error(`wrote ${n} runs in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const db = await openDb(env);
    // CPU seconds too: on a shared machine the wall clock measures the neighbours as well.
    const cpu = () => (process.cpuUsage().user + process.cpuUsage().system) / 1e6;
    t = performance.now();
    let c = cpu();
    const first = await ingest(db, runsDir);
    const ingestS = (performance.now() - t) / 1000;
    const ingestCpu = cpu() - c;
    t = performance.now();
    c = cpu();
    const second = await ingest(db, runsDir);
    const skipS = (performance.now() - t) / 1000;
    const skipCpu = cpu() - c;
    await db.close();
    const queued = pg ? await queueRow(pg.url, runsDir, ids) : null;
    console.error(`ingest: ${first.added} added in ${ingestS.toFixed(1)} s (${ingestCpu.toFixed(1)} s CPU); unchanged pass: ${second.unchanged} in ${skipS.toFixed(1)} s (${skipCpu.toFixed(1)} s CPU)`);

    // --no-build: serve the .next there is (a change outside the app since the build, say).
    if (!values["no-build"] && !buildIsFresh()) {
      console.error("building the dashboard (next build)…");
      const r = spawnSync(process.execPath, [NEXT_BIN, "build"], { cwd: ROOT, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
      if (r.status !== 0) throw new Error(`next build failed (exit ${r.status})`);
    }
    server = await startNext(env);
    const bn = ids.find((id) => id.includes("-bn-")) ?? ids[0];
    const routes = [
      "/findings",
      "/",
      "/?page=3",
      "/?q=resnet-20&sort=final&order=desc",
      "/?status=complete&mode=bn&sort=best",
      "/?q=w8&dataset=cifar10&page=2",
      "/compare/depth-width",
      "/api/depth-width",
      "/api/runs",
      "/api/runs?status=complete&sort=finalTestAccuracy&order=desc&page=5",
      `/runs/${bn}`,
      `/api/runs/${bn}`,
      `/compare?runs=${ids[0]}&runs=${ids[1]}`,
    ];
    const rows: Row[] = queued ? [queued] : [];
    for (const r of routes) {
      rows.push(await measure(server.url, r));
      console.error(`  ${r}: ${rows.at(-1)!.coldMs.toFixed(0)} ms cold`);
    }
    const rss = peakRssMb(server.child.pid!);
    const w = Math.max(...rows.map((r) => r.route.length), 5);
    console.log(`bench:scale — ${n} runs, ${values.db}, ${REQUESTS} warm requests per route`);
    console.log(`${"route".padEnd(w)}  status  cold ms   p50 ms   p95 ms   size KB`);
    for (const r of rows) {
      console.log(`${r.route.padEnd(w)}  ${String(r.status).padStart(6)}  ${r.coldMs.toFixed(0).padStart(7)}  ${r.p50.toFixed(0).padStart(7)}  ${r.p95.toFixed(0).padStart(7)}  ${r.kb.toFixed(0).padStart(8)}`);
    }
    console.log(
      `ingest: ${(first.added / ingestS).toFixed(0)} new runs/s (${(first.added / ingestCpu).toFixed(0)} per CPU second), unchanged ${(second.unchanged / skipS).toFixed(0)} runs/s (${(second.unchanged / skipCpu).toFixed(0)} per CPU second); server peak RSS ${rss.toFixed(0)} MB; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`,
    );
    const runsPages = rows.filter((r) => r.route.startsWith("/?") || r.route === "/");
    const runsPage = Math.max(...runsPages.map((r) => r.p95));
    const runsPageKb = Math.max(...runsPages.map((r) => r.kb));
    const findings = rows.find((r) => r.route === "/findings")!;
    const dw = rows.find((r) => r.route === "/compare/depth-width")!;
    console.log(
      `scale runs=${n} db=${values.db} ingest_per_s=${(first.added / ingestS).toFixed(0)} skip_per_s=${(second.unchanged / skipS).toFixed(0)} runs_page_ms=${runsPage.toFixed(0)} runs_page_kb=${runsPageKb.toFixed(0)} findings_cold_ms=${findings.coldMs.toFixed(0)} depth_width_ms=${dw.p95.toFixed(0)} rss_mb=${rss.toFixed(0)}`,
    );
  } finally {
    await server?.stop();
    pg?.stop();
    if (!values.keep) rmSync(tmp, { recursive: true, force: true });
    else console.error(`kept ${tmp}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  benchScale(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
