/**
 * The dashboard end to end: tiny real runs trained and indexed into a throwaway SQLite, the app
 * built once (`next build`, skipped when `.next` is newer than every source), `next start` on a
 * free loopback port, and the system Chromium driven by playwright-core (never a browser download).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { buildIsFresh } from "../../cli/dashboard-build";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { chromium } from "playwright-core";
import { initBackend } from "../../lib/engine/backend";
import type { TrainableMode } from "../../lib/run/modes";
import { createReporter } from "../../trainer/progress";
import { train } from "../../trainer/train";
import { tinyConfig } from "../support/runs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface FixtureRun {
  mode: TrainableMode;
  depth: number;
  seed: number;
}

/**
 * Width 16 so the runs are on the paper's depth axis (ResNet-D at width 16): depth 8 and 14, three
 * modes; two seeds of bn and all at depth 8 (error bars). Two epochs each, checkpoints 0, 1, 2.
 */
export const FIXTURE_RUNS: FixtureRun[] = [
  { mode: "bn", depth: 8, seed: 0 },
  { mode: "all", depth: 8, seed: 0 },
  { mode: "output", depth: 8, seed: 0 },
  { mode: "bn", depth: 8, seed: 1 },
  { mode: "all", depth: 8, seed: 1 },
  { mode: "bn", depth: 14, seed: 0 },
  { mode: "all", depth: 14, seed: 0 },
  { mode: "output", depth: 14, seed: 0 },
];

export const BROKEN_RUN = "synthetic-broken-run";

export interface Fixture {
  root: string;
  runsDir: string;
  dbFile: string;
  ids: Record<string, string>;
}

export const fixtureKey = (r: FixtureRun) => `${r.mode}-d${r.depth}-s${r.seed}`;

/**
 * Trains `runs` (the fixture runs by default) into `<root>/runs`, adds a run whose run.json is not
 * JSON unless told not to, and indexes them into `<root>/t.db`. `ids` is keyed by `key(run)`.
 */
export async function makeFixture(root: string, runs: FixtureRun[] = FIXTURE_RUNS, opts: { broken?: boolean; key?: (r: FixtureRun) => string } = {}): Promise<Fixture> {
  await initBackend({ log: () => {} });
  const runsDir = path.join(root, "runs");
  mkdirSync(runsDir, { recursive: true });
  const ids: Record<string, string> = {};
  for (const r of runs) {
    const config = tinyConfig(r.mode, r.seed, 2);
    config.model = { depth: r.depth, width: 16 };
    const result = await train(config, { runsDir, saveEvery: 1, reporter: createReporter({ quiet: true }) });
    ids[(opts.key ?? fixtureKey)(r)] = path.basename(result.runDir);
  }
  if (opts.broken ?? true) {
    mkdirSync(path.join(runsDir, BROKEN_RUN), { recursive: true });
    writeFileSync(path.join(runsDir, BROKEN_RUN, "run.json"), "{ this is not json");
  }
  const dbFile = path.join(root, "t.db");
  const { openDb } = await import("../../lib/db/client");
  const { ingest } = await import("../../lib/db/ingest");
  const db = await openDb({ DATABASE_URL: `file:${dbFile}` });
  await ingest(db, runsDir);
  await db.close();
  return { root, runsDir, dbFile, ids };
}

/** `next build`, unless `.next` is fresh. */
export { buildIsFresh };

/**
 * `next build`, unless `.next` is fresh. Test files run in parallel workers, so a directory lock
 * keeps two builds from writing `.next` at once; the second waits and then finds it fresh.
 */
export function ensureBuild(): void {
  const lock = path.join(ROOT, ".next-build.lock");
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - started > 600_000) throw new Error(`${lock} held for 10 minutes; remove it if no build is running`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    if (buildIsFresh()) return;
    const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "next", "dist", "bin", "next"), "build"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
      maxBuffer: 64 << 20,
    });
    if (r.status !== 0) throw new Error(`next build failed (exit ${r.status}):\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Server {
  url: string;
  /** The `next start` process (its /proc/<pid>/status holds the peak memory). */
  pid: number;
  log: () => string;
  stop: () => Promise<void>;
}

/**
 * `next start` on a free loopback port with the fixture's database and folders; resolves when it
 * answers. `env` overrides (a PostgreSQL DATABASE_URL, say).
 */
export async function startServer(f: Fixture, env: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  let output = "";
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, "node_modules", "next", "dist", "bin", "next"), "start", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: `file:${f.dbFile}`, BNLAB_RUNS_DIR: f.runsDir, BNLAB_DATA_DIR: f.root, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (output += String(d)));
  child.stderr!.on("data", (d) => (output += String(d)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`next start did not answer within 60 s:\n${output}`);
    }
    try {
      const res = await fetch(`${url}/api/runs?pageSize=1`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    pid: child.pid!,
    log: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }),
  };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
}


/** Width and height of a PNG from its IHDR chunk. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  if (!sig.every((b, i) => bytes[i] === b)) throw new Error("not a PNG");
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

/** Rewrites a fixture run's run.json with another status and indexes it again (as the trainer's live ingest would). */
export async function setStatus(f: Fixture, runId: string, status: "running" | "complete"): Promise<void> {
  const file = path.join(f.runsDir, runId, "run.json");
  const run = JSON.parse(readFileSync(file, "utf8")) as { status: string; updatedAt: string };
  run.status = status;
  run.updatedAt = new Date().toISOString();
  writeFileSync(file, JSON.stringify(run, null, 2) + "\n");
  const { openDb } = await import("../../lib/db/client");
  const { ingest } = await import("../../lib/db/ingest");
  const db = await openDb({ DATABASE_URL: `file:${f.dbFile}` });
  try {
    await ingest(db, f.runsDir, { only: [runId] });
  } finally {
    await db.close();
  }
}
