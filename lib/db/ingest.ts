/**
 * Ingest: bring the index up to date with the run directories. Idempotent (a second pass
 * changes nothing), incremental (unchanged files are not re-read: size + mtime, then a content
 * hash), and tolerant: a run with a bad file is recorded as broken with its error while the
 * others are indexed, and nothing already indexed is dropped for a file that went bad.
 */
import { createHash } from "node:crypto";
import { existsSync, type Stats } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { collectGammas, fractionBelow } from "../analysis/gamma";
import { MAX_CHECKPOINT_FILE_BYTES, readRegularFile } from "../checkpoint/read-file";
import { parseMetrics, readMetricsText, readRunFile, type MetricLine, type RunFile } from "../run/files";
import { checkFinite, toStateDict } from "../checkpoint/state-dict-io";
import { decodeSafetensors } from "../checkpoint/safetensors";
import { getDataset } from "../data/registry";
import { modelSpec, type ModelSpec } from "../models/arch";
import { modeName } from "../run/modes";
import type { Db } from "./client";
import type { Prisma as SqlitePrisma } from "./generated/sqlite/client";

/** A transaction's client (both generated clients have the same delegates). */
type Tx = SqlitePrisma.TransactionClient;

export interface IngestReport {
  runs: number;
  added: number;
  updated: number;
  unchanged: number;
  broken: { id: string; error: string }[];
}

export interface IngestOptions {
  /** Called after each run directory (for a progress bar). */
  onRun?: (done: number, total: number, id: string) => void;
  /** Only these run ids (e.g. the trainer ingesting its own run). */
  only?: string[];
}

const CKPT = /^ep-(\d+)\.safetensors$/;

export async function ingest(db: Db, runsDir: string, opts: IngestOptions = {}): Promise<IngestReport> {
  const report: IngestReport = { runs: 0, added: 0, updated: 0, unchanged: 0, broken: [] };
  if (!existsSync(runsDir)) return report;
  const entries = (await readdir(runsDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .filter((id) => !opts.only || opts.only.includes(id))
    .sort();
  for (const [i, id] of entries.entries()) {
    const dir = path.join(runsDir, id);
    if (!existsSync(path.join(dir, "run.json"))) continue;
    report.runs++;
    let outcome: { change: "added" | "updated" | "unchanged"; error?: string };
    try {
      outcome = await ingestRun(db, id, dir);
    } catch (e) {
      // One run's unexpected failure (a file vanishing mid-read) must not stop the others.
      outcome = { change: "unchanged", error: `cannot index: ${(e as Error).message}` };
    }
    report[outcome.change]++;
    if (outcome.error) report.broken.push({ id, error: outcome.error });
    opts.onRun?.(i + 1, entries.length, id);
  }
  return report;
}

type Outcome = { change: "added" | "updated" | "unchanged"; error?: string };

/** Tries before giving a run up for this pass (its files kept changing, or the database stayed busy). */
const ATTEMPTS = 5;

/**
 * One run, indexed atomically: its files are read first, then all its rows are written in one
 * transaction under a per-run lock, and only if the files are still as read. So a kill mid-ingest
 * leaves the run as it was, and a slower ingest never overwrites what a newer one wrote (trainer
 * and `bnlab ingest` at once). A busy database or a change under our feet means: read again.
 */
async function ingestRun(db: Db, id: string, dir: string): Promise<Outcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      const outcome = await ingestRunOnce(db, id, dir);
      if (outcome !== "stale") return outcome;
      // Files still changing after every try: the writer indexes its own run after it writes.
      if (attempt >= ATTEMPTS) return { change: "unchanged" };
    } catch (e) {
      if (!isTransient(e) || attempt >= ATTEMPTS) throw e;
    }
    await new Promise((r) => setTimeout(r, 20 * attempt));
  }
}

/** SQLITE_BUSY past the busy timeout (Prisma reports it as a socket timeout), a PostgreSQL write conflict, an expired transaction. */
function isTransient(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === "P1008" || code === "P2034" || code === "P2028" || /SQLITE_BUSY|database is locked|SocketTimeout/i.test(String((e as Error)?.message));
}

/** A run's files as found: run.json's and the checkpoints' stats, and a stamp of all of them. */
interface RunScan {
  /** run.json, metrics.jsonl and the checkpoints by size and mtime (or error code): equal stamps, same files. */
  stamp: string;
  runStat: Stats | null;
  runStatError: unknown;
  ckpts: { file: string; epoch: number; st: Stats }[];
  /** Checkpoints that could not be stat'ed (a dangling link), and ckpt/ itself when it could not be listed. */
  ckptErrors: string[];
  listFailed: boolean;
}

const errorCode = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** Lists and stats a run's files once: what ingest compares with the index, and the stamp it re-checks before writing. */
async function scanRun(dir: string): Promise<RunScan> {
  const statOf = async (f: string): Promise<{ st: Stats | null; error: unknown }> => {
    try {
      return { st: await stat(f), error: null };
    } catch (e) {
      return { st: null, error: e };
    }
  };
  const stampOf = (name: string, r: { st: Stats | null; error: unknown }) => (r.st ? `${name}:${r.st.size}:${r.st.mtimeMs}` : `${name}:${(r.error as NodeJS.ErrnoException).code ?? "error"}`);
  const ckptDir = path.join(dir, "ckpt");
  const ckptErrors: string[] = [];
  let files: string[] = [];
  let listFailed = false;
  if (existsSync(ckptDir)) {
    try {
      files = (await readdir(ckptDir)).filter((f) => CKPT.test(f)).sort();
    } catch (e) {
      listFailed = true;
      ckptErrors.push(`${ckptDir}: cannot list (${errorCode(e)})`);
    }
  }
  const [run, metrics, ...stats] = await Promise.all([path.join(dir, "run.json"), path.join(dir, "metrics.jsonl"), ...files.map((f) => path.join(ckptDir, f))].map(statOf));
  const ckpts: RunScan["ckpts"] = [];
  files.forEach((f, i) => {
    const st = stats[i].st;
    // A dangling symlink under a checkpoint's name counts as a file that is gone.
    if (st) ckpts.push({ file: f, epoch: Number(CKPT.exec(f)![1]), st });
    else ckptErrors.push(`${path.join(ckptDir, f)}: cannot read (${errorCode(stats[i].error)})`);
  });
  const stamp = [stampOf("run.json", run), stampOf("metrics.jsonl", metrics), ...files.map((f, i) => stampOf(f, stats[i]))].join("|");
  return { stamp, runStat: run.st, runStatError: run.error, ckpts, ckptErrors, listFailed };
}

/**
 * Runs `write` in a transaction that first takes this run's lock (PostgreSQL: an advisory lock
 * per run id; SQLite: the write lock, taken by a write as the first statement so no read snapshot
 * has to be upgraded, which SQLite refuses with SQLITE_BUSY without waiting), then checks that the
 * files are still those of `stamp`. Returns false, writing nothing, when they changed.
 */
async function inRunTransaction(db: Db, id: string, dir: string, stamp: string, write: (tx: Tx) => Promise<void>): Promise<boolean> {
  return db.prisma.$transaction(
    async (tx) => {
      if (db.kind === "postgresql") await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, `bnlab-ingest:${id}`);
      else await tx.$executeRawUnsafe(`UPDATE "Run" SET "id" = "id" WHERE 0`);
      if ((await scanRun(dir)).stamp !== stamp) return false;
      await write(tx);
      return true;
    },
    { maxWait: 30_000, timeout: 60_000 },
  );
}

async function ingestRunOnce(db: Db, id: string, dir: string): Promise<Outcome | "stale"> {
  const p = db.prisma;
  // Taken before anything is read: a file that changes while being read makes the stamp stale.
  const scan = await scanRun(dir);
  const { stamp, ckptErrors, listFailed, ckpts: ckptStats } = scan;
  // No run.json any more (removed since listed): the error the caller records for this run.
  if (!scan.runStat) throw scan.runStatError;
  const runStat = scan.runStat;
  const existing = await p.run.findUnique({ where: { id }, include: { checkpoints: true } });
  const runJson = path.join(dir, "run.json");
  const metricsFile = path.join(dir, "metrics.jsonl");
  // An unreadable metrics file (a directory, a FIFO, bad UTF-8) is an error of this run, not of the ingest.
  let metricsText = "";
  let metricsReadError: string | null = null;
  if (existsSync(metricsFile)) {
    try {
      metricsText = await readMetricsText(metricsFile);
    } catch (e) {
      metricsReadError = (e as Error).message;
    }
  }
  // Only whole lines count: a line being appended right now is read next time. -1: unreadable.
  const wholeBytes = metricsReadError ? -1 : Buffer.byteLength(metricsText.slice(0, metricsText.lastIndexOf("\n") + 1));
  const ckptDir = path.join(dir, "ckpt");

  const sameCkpts =
    existing &&
    existing.checkpoints.length === ckptStats.length &&
    ckptStats.every((c) => existing.checkpoints.some((k) => k.epoch === c.epoch && k.size === c.st.size && k.mtime === c.st.mtimeMs));
  // An unreadable metrics file is looked at again each time: -1 says nothing about what it is now.
  if (existing && existing.runJsonMtime === runStat.mtimeMs && !metricsReadError && existing.metricsBytes === wholeBytes && sameCkpts) {
    return { change: "unchanged", error: existing.status === "broken" ? (existing.error ?? undefined) : undefined };
  }

  const errors: string[] = [...ckptErrors];
  let run: RunFile | null = null;
  try {
    run = await readRunFile(runJson);
  } catch (e) {
    errors.push((e as Error).message);
  }
  let metrics: MetricLine[] | null = null;
  try {
    if (metricsReadError) throw new Error(metricsReadError);
    metrics = parseMetrics(metricsText, metricsFile);
  } catch (e) {
    errors.push((e as Error).message);
  }

  if (!run) {
    // Keep what was indexed; only mark the run broken.
    const error = errors.join("; ");
    const fresh = await inRunTransaction(db, id, dir, stamp, async (tx) => {
      const row = brokenRow(id, dir, error, runStat.mtimeMs);
      await tx.run.upsert({ where: { id }, create: row, update: { status: "broken", error, runJsonMtime: runStat.mtimeMs } });
    });
    return fresh ? { change: existing ? "updated" : "added", error } : "stale";
  }

  const info = getDataset(run.config.data.dataset);
  const spec = modelSpec({ ...run.config.model, inChannels: info.channels, classes: info.classes });
  const tests = (metrics ?? []).filter((m) => m.split === "test");
  const final = tests.length ? tests.reduce((a, b) => (b.epoch >= a.epoch ? b : a)) : null;
  const best = tests.filter((m) => m.epoch > 0).reduce<number | null>((a, m) => (a === null || m.accuracy > a ? m.accuracy : a), null);
  const row = {
    dir,
    status: run.status as string,
    error: null as string | null,
    dataset: run.config.data.dataset,
    family: run.config.model.family,
    depth: run.config.model.depth,
    width: run.config.model.width,
    bnPlacement: run.config.model.bnPlacement,
    shortcut: run.config.model.shortcut,
    mode: modeName(run.config.training.trainable, run.config.training.randomK),
    seed: run.config.training.seed,
    bnInit: run.config.model.bnInit,
    epochs: run.config.training.epochs,
    epochsDone: run.epochsDone,
    paramsTotal: run.parameters.total,
    paramsTrainable: run.parameters.trainable,
    backend: run.backend,
    codeVersion: run.codeVersion,
    config: JSON.stringify(run.config),
    createdAt: new Date(run.createdAt),
    updatedAt: new Date(run.updatedAt),
    ...(metrics === null ? {} : { finalTestAccuracy: final && final.epoch > 0 ? final.accuracy : null, bestTestAccuracy: best }),
    runJsonMtime: runStat.mtimeMs,
    metricsBytes: wholeBytes,
  };
  // Checkpoints new or changed since indexed are read (hashed, validated, summarised) before the transaction.
  const changed: { epoch: number; file: string; size: number; mtime: number; read: CheckpointRead }[] = [];
  for (const c of ckptStats) {
    const known = existing?.checkpoints.find((k) => k.epoch === c.epoch);
    if (known && known.size === c.st.size && known.mtime === c.st.mtimeMs) {
      if (known.error) errors.push(known.error);
      continue;
    }
    const file = path.join(ckptDir, c.file);
    const read = await readCheckpoint(file, spec);
    changed.push({ epoch: c.epoch, file, size: c.st.size, mtime: c.st.mtimeMs, read });
    if (read.error) errors.push(read.error);
  }
  // Checkpoints whose files are gone (e.g. a run dir cleaned by hand) leave the index too.
  const present = new Set(ckptStats.map((c) => c.epoch));
  // An error no file fact records (ckpt/ unlistable, a dangling link) must be looked at again next time.
  const recheck = ckptErrors.length > 0 ? { runJsonMtime: -1 } : {};
  const broken = errors.length > 0 ? { status: "broken", error: errors.join("; "), ...recheck } : {};

  const fresh = await inRunTransaction(db, id, dir, stamp, async (tx) => {
    await tx.run.upsert({ where: { id }, create: { id, ...row, ...broken }, update: { ...row, ...broken } });
    // Metric lines are replaced wholesale (a resume may have truncated the file), unless the
    // file is unreadable now: then the lines indexed before stay.
    if (metrics !== null) {
      await tx.metricPoint.deleteMany({ where: { runId: id } });
      if (metrics.length > 0) {
        await tx.metricPoint.createMany({
          data: metrics.map((m, line) => ({ runId: id, line, epoch: m.epoch, step: m.step, split: m.split, loss: m.loss, accuracy: m.accuracy, lr: m.lr, seconds: m.seconds })),
        });
      }
    }
    for (const c of changed) await writeCheckpoint(tx, id, c.epoch, c.file, c.size, c.mtime, c.read);
    // Not when ckpt/ could not be listed: that says nothing about which files are gone.
    if (!listFailed) await tx.checkpoint.deleteMany({ where: { runId: id, epoch: { notIn: [...present] } } });
  });
  if (!fresh) return "stale";
  return { change: existing ? "updated" : "added", error: errors.length ? errors.join("; ") : undefined };
}

type CheckpointRead = {
  hash: string;
  error: string | null;
  summaries: { layer: string; channels: number; meanAbsGamma: number; fractionBelow001: number; fractionBelow01: number }[];
};

/** Hashes and validates one checkpoint and computes its per-layer γ summary (error set when it is bad). */
async function readCheckpoint(file: string, spec: ModelSpec): Promise<CheckpointRead> {
  let hash = "";
  let error: string | null = null;
  let summaries: CheckpointRead["summaries"] = [];
  try {
    // A directory or FIFO under a checkpoint's name is this checkpoint's error, not the ingest's.
    const bytes = await readRegularFile(file, MAX_CHECKPOINT_FILE_BYTES);
    hash = createHash("sha256").update(bytes).digest("hex");
    const sd = toStateDict(decodeSafetensors(bytes, file).tensors, file, spec);
    // Flagged here so the run shows it; the analysis endpoints refuse such weights too.
    checkFinite(sd, file);
    const gammas = collectGammas(sd, spec);
    const [f001, f01] = [fractionBelow(gammas, 0.01), fractionBelow(gammas, 0.1)];
    summaries = gammas.layers.map((l, i) => ({
      layer: l.name,
      channels: l.channels,
      meanAbsGamma: l.absGamma.reduce((a, b) => a + b, 0) / l.channels,
      fractionBelow001: f001.layers[i].fraction,
      fractionBelow01: f01.layers[i].fraction,
    }));
  } catch (e) {
    error = (e as Error).message;
  }
  return { hash, error, summaries };
}

/** Stores one checkpoint's row and γ summary, inside the run's transaction. */
async function writeCheckpoint(tx: Tx, runId: string, epoch: number, file: string, size: number, mtime: number, { hash, error, summaries }: CheckpointRead): Promise<void> {
  const ck = await tx.checkpoint.upsert({
    where: { runId_epoch: { runId, epoch } },
    create: { runId, epoch, path: file, size, mtime, hash, error },
    update: { path: file, size, mtime, hash, error },
  });
  // A checkpoint that went bad keeps the γ summary indexed from its good version.
  if (error) return;
  await tx.gammaSummary.deleteMany({ where: { checkpointId: ck.id } });
  if (summaries.length) await tx.gammaSummary.createMany({ data: summaries.map((s) => ({ checkpointId: ck.id, ...s })) });
}

function brokenRow(id: string, dir: string, error: string, mtime: number) {
  const epoch = new Date(0);
  return {
    id, dir, status: "broken", error, dataset: "", depth: 0, width: 0, mode: "", seed: 0, bnInit: "", epochs: 0, epochsDone: 0,
    paramsTotal: 0, paramsTrainable: 0, backend: "", codeVersion: "", config: "{}", createdAt: epoch, updatedAt: epoch, runJsonMtime: mtime,
  };
}
