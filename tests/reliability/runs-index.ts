/**
 * Shared by the crash and concurrency tests: the trainer and `bnlab ingest` as real child
 * processes, and a check that the database indexes exactly what the run directories hold.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Db } from "../../lib/db/client";
import { parseMetrics, parseRunFile } from "../../lib/run/files";

export const BIN = fileURLToPath(new URL("../../bin/bnlab.mjs", import.meta.url));

/** A tiny BN-only run: depth 8, width 4, synthetic data; `epochs` and `trainSubset` set its length. */
export function trainArgs(runsDir: string, opts: { epochs: number; trainSubset?: number; width?: number }): string[] {
  return ["train", "--dataset", "synthetic", "--train-subset", String(opts.trainSubset ?? 192), "--test-subset", "64", "--arch", "resnet-8",
    "--width", String(opts.width ?? 4), "--trainable", "bn", "--epochs", String(opts.epochs), "--batch-size", "32", "--save-every", "1",
    "--runs-dir", runsDir];
}

/**
 * The environment of a child: this database, and a private data folder (never the checkout's
 * data/bnlab.db). One OpenMP thread: on a small shared machine the native engine's spinning
 * threads slow ~10× when other processes want the cores (these tests always run several).
 */
export function childEnv(databaseUrl: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, BNLAB_DATA_DIR: mkdtempSync(path.join(tmpdir(), "bnlab-data-")), OMP_NUM_THREADS: "1" };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;
  return env;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Spawns `bnlab ARGS…`; `exited` resolves with its output once it is gone. */
export function bnlab(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const exited = new Promise<Exit>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, exited };
}

/** What a user must never see from a command that was not killed: lock errors, index warnings, stack traces. */
export const TROUBLE = /database is locked|SQLITE_BUSY|busy|could not index|timed out|error|warning/i;

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** Run directories (those with a run.json) under each runs folder, by id. */
export function runDirs(runsDirs: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const root of runsDirs) {
    for (const e of readdirSync(root, { withFileTypes: true })) {
      if (e.isDirectory() && !e.name.startsWith(".") && existsSync(path.join(root, e.name, "run.json"))) out.set(e.name, path.join(root, e.name));
    }
  }
  return out;
}

/**
 * Every way the index differs from the run directories under `runsDirs`: runs, status, epochs, checkpoints (by
 * size and content hash, each with its γ summary) and metric points line by line. Empty when equal.
 */
export async function indexMismatches(db: Db, runsDirs: string[], only?: (id: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  const dirs = new Map([...runDirs(runsDirs)].filter(([id]) => !only || only(id)));
  const indexed = await db.prisma.run.findMany({ include: { checkpoints: { include: { gammaSummaries: true } } } });
  // Only rows of these runs folders: a database may index others too.
  const rows = new Map(indexed.filter((r) => runsDirs.includes(path.dirname(r.dir)) && (!only || only(r.id))).map((r) => [r.id, r]));
  if (rows.size !== dirs.size) out.push(`${rows.size} runs indexed, ${dirs.size} on disk`);
  for (const [id, dir] of dirs) {
    const row = rows.get(id);
    if (!row) {
      out.push(`${id}: not indexed`);
      continue;
    }
    const run = parseRunFile(readFileSync(path.join(dir, "run.json"), "utf8"), "run.json");
    const want = { status: run.status, epochsDone: run.epochsDone, epochs: run.config.training.epochs, error: null };
    const got = { status: row.status, epochsDone: row.epochsDone, epochs: row.epochs, error: row.error };
    if (JSON.stringify(got) !== JSON.stringify(want)) out.push(`${id}: indexed ${JSON.stringify(got)}, on disk ${JSON.stringify(want)}`);

    const ckptDir = path.join(dir, "ckpt");
    const files = readdirSync(ckptDir).filter((f) => /^ep-\d+\.safetensors$/.test(f));
    const onDisk = files.map((f) => ({ epoch: Number(/\d+/.exec(f)![0]), size: statSync(path.join(ckptDir, f)).size, hash: sha256(path.join(ckptDir, f)) }));
    const inDb = row.checkpoints.map((c) => ({ epoch: c.epoch, size: c.size, hash: c.hash }));
    const key = (a: { epoch: number }, b: { epoch: number }) => a.epoch - b.epoch;
    if (JSON.stringify(inDb.sort(key)) !== JSON.stringify(onDisk.sort(key))) {
      out.push(`${id}: checkpoints indexed ${inDb.map((c) => c.epoch)}, on disk ${onDisk.map((c) => c.epoch)} (or their contents differ)`);
    }
    for (const c of row.checkpoints) if (c.error || c.gammaSummaries.length === 0) out.push(`${id}: checkpoint ${c.epoch} has no γ summary (${c.error})`);

    const metricsFile = path.join(dir, "metrics.jsonl");
    const lines = parseMetrics(readFileSync(metricsFile, "utf8"), metricsFile).map(({ epoch, step, split, loss, accuracy, lr, seconds }) => ({ epoch, step, split, loss, accuracy, lr, seconds }));
    const points = (await db.prisma.metricPoint.findMany({ where: { runId: id }, orderBy: { line: "asc" } })).map(({ epoch, step, split, loss, accuracy, lr, seconds }) => ({ epoch, step, split, loss, accuracy, lr, seconds }));
    if (JSON.stringify(points) !== JSON.stringify(lines)) out.push(`${id}: ${points.length} metric points indexed, ${lines.length} lines on disk (or they differ)`);
  }
  return out;
}
