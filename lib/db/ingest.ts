/**
 * Ingest: bring the index up to date with the run directories. Idempotent (a second pass
 * changes nothing), incremental (unchanged files are not re-read: size + mtime, then a content
 * hash), and tolerant: a run with a bad file is recorded as broken with its error while the
 * others are indexed, and nothing already indexed is dropped for a file that went bad.
 */
import { createHash } from "node:crypto";
import { existsSync, type Stats } from "node:fs";
import { lstat, readdir, readlink, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { collectDiscoveredGammas, collectGammas, fractionBelow } from "../analysis/gamma";
import { MAX_CHECKPOINT_FILE_BYTES, readRegularFile, readTextFile } from "../checkpoint/read-file";
import { checkRunJson, parseMetrics, readMetricsText, RunFile, runJsonValue, type MetricLine } from "../run/files";
import { checkFinite, toStateDict } from "../checkpoint/state-dict-io";
import { decodeSafetensors } from "../checkpoint/safetensors";
import { getDataset } from "../data/registry";
import { modelSpec, resnetSpec, type ModelSpec } from "../models/arch";
import { architectureName } from "../models/recognise";
import { BASE_WIDTH } from "../models/names";
import { realPathInside } from "../paths";
import { checkImportedRunJson, isImportedRunJson, type ImportedRunFile } from "../run/imported";
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

/** New runs written per transaction. */
const BATCH = 64;

export async function ingest(db: Db, runsDir: string, opts: IngestOptions = {}): Promise<IngestReport> {
  const report: IngestReport = { runs: 0, added: 0, updated: 0, unchanged: 0, broken: [] };
  if (!existsSync(runsDir)) return report;
  const entries = (await readdir(runsDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .filter((id) => !opts.only || opts.only.includes(id))
    .sort();
  const known = await indexedStamps(db, opts.only);
  let done = 0;
  const record = (id: string, outcome: Outcome) => {
    report[outcome.change]++;
    if (outcome.error) report.broken.push({ id, error: outcome.error });
    opts.onRun?.(++done, entries.length, id);
  };
  /** One run on its own path (read, compared, written in its own transaction). */
  const perRun = async (id: string, dir: string) => {
    let outcome: Outcome;
    try {
      outcome = await ingestRun(db, id, dir, runsDir);
    } catch (e) {
      // One run's unexpected failure (a file vanishing mid-read) must not stop the others.
      outcome = { change: "unchanged", error: `cannot index: ${(e as Error).message}` };
    }
    record(id, outcome);
  };
  const flush = async (batch: NewRun[]) => {
    if (batch.length === 0) return;
    let result: { written: NewRun[]; left: NewRun[] };
    try {
      result = await writeNewRuns(db, batch);
    } catch {
      // A conflict or a busy database: each run again on its own, with its retries.
      result = { written: [], left: batch };
    }
    for (const b of result.written) record(b.id, { change: "added" });
    for (const b of result.left) await perRun(b.id, b.dir);
  };
  // A chunk of runs is looked at concurrently (their files read while others' are hashed): on a
  // busy machine each file operation waits for a thread, and one run at a time would add the waits up.
  const seen = new Set<string>();
  for (let at = 0; at < entries.length; at += BATCH) {
    const looked = await mapLimit(entries.slice(at, at + BATCH), READS, async (id) => {
      const dir = path.join(runsDir, id);
      if (!existsSync(path.join(dir, "run.json"))) return { id, dir, kind: "none" as const };
      if (!known.has(id)) return { id, dir, kind: "new" as const, fresh: await readNewRun(id, dir, runsDir).catch(() => null) };
      return { id, dir, kind: "known" as const, fast: await unchangedOutcome(known.get(id), dir).catch(() => null) };
    });
    const batch: NewRun[] = [];
    for (const l of looked) {
      if (l.kind === "none") {
        done++;
        continue;
      }
      report.runs++;
      seen.add(l.id);
      if (l.kind === "new" && l.fresh) batch.push(l.fresh);
      else if (l.kind === "known" && l.fast) record(l.id, l.fast);
      else await perRun(l.id, l.dir);
    }
    await flush(batch);
  }
  await markMissing(db, runsDir, opts.only, seen);
  return report;
}

/** Runs in a chunk looked at concurrently. */
const READS = 8;

/** `f` over `items`, at most `limit` at once; results in the order of `items`. */
async function mapLimit<T, R>(items: readonly T[], limit: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Rows of this runs root whose directory is no longer a run (run.json deleted, or the folder gone)
 * say so — status "missing" with the path — instead of keeping their last status. Their other rows
 * stay, so restoring the file restores the run at the next ingest. `seen`: the runs this pass found.
 */
async function markMissing(db: Db, runsDir: string, only: string[] | undefined, seen: ReadonlySet<string>): Promise<void> {
  const rows = await db.prisma.run.findMany({ where: { status: { not: "missing" }, ...(only ? { id: { in: only } } : {}) }, select: { id: true, dir: true } });
  for (const row of rows) {
    // A run this pass found with its run.json is not missing.
    if (seen.has(row.id)) continue;
    const dir = path.join(runsDir, row.id);
    if (path.resolve(row.dir) !== path.resolve(dir)) continue;
    const runJson = path.join(dir, "run.json");
    if (existsSync(runJson)) continue;
    const error = `${runJson}: missing (${existsSync(dir) ? "the run directory no longer has its run.json" : "the run directory is gone"})`;
    // runJsonMtime -1: whatever file comes back is read again.
    await db.prisma.run.update({ where: { id: row.id }, data: { status: "missing", error, runJsonMtime: -1 } });
  }
}

type Outcome = { change: "added" | "updated" | "unchanged"; error?: string };

/** What the index knows of a run's files: enough to tell an unchanged run from its stats alone. */
interface IndexedStamp {
  status: string;
  error: string | null;
  runJsonMtime: number;
  metricsBytes: number;
  checkpoints: Map<number, { size: number; mtime: number }>;
}

/** Every indexed run's file facts, read in two queries (not one per run). */
async function indexedStamps(db: Db, only?: string[]): Promise<Map<string, IndexedStamp>> {
  const where = only ? { id: { in: only } } : {};
  const [runs, ckpts] = await Promise.all([
    db.prisma.run.findMany({ where, select: { id: true, status: true, error: true, runJsonMtime: true, metricsBytes: true } }),
    db.prisma.checkpoint.findMany({ where: only ? { runId: { in: only } } : {}, select: { runId: true, epoch: true, size: true, mtime: true } }),
  ]);
  const out = new Map<string, IndexedStamp>(runs.map((r) => [r.id, { ...r, checkpoints: new Map() }]));
  for (const c of ckpts) out.get(c.runId)?.checkpoints.set(c.epoch, { size: c.size, mtime: c.mtime });
  return out;
}

/**
 * The fast path of a second pass: a run whose run.json mtime, metrics size (whole lines only) and
 * checkpoints' sizes and mtimes are as indexed is unchanged — decided from stats, no file read,
 * no query. Null: look closer (ingestRun reads, compares and writes as before).
 */
async function unchangedOutcome(known: IndexedStamp | undefined, dir: string): Promise<Outcome | null> {
  if (!known || known.status === "missing") return null;
  const scan = await scanRun(dir);
  if (!scan.runStat || scan.ckptErrors.length > 0 || scan.runJsonMtime !== known.runJsonMtime) return null;
  // An unreadable metrics file (-1) is looked at again each time, as ingestRun does.
  if (scan.metricsSize < 0 || scan.metricsSize !== known.metricsBytes) return null;
  if (scan.ckpts.length !== known.checkpoints.size) return null;
  for (const c of scan.ckpts) {
    const k = known.checkpoints.get(c.epoch);
    if (!k || k.size !== c.st.size || k.mtime !== c.st.mtimeMs) return null;
  }
  return { change: "unchanged", error: known.status === "broken" ? (known.error ?? undefined) : undefined };
}

/** Tries before giving a run up for this pass (its files kept changing, or the database stayed busy). */
const ATTEMPTS = 5;

/**
 * One run, indexed atomically: its files are read first, then all its rows are written in one
 * transaction under a per-run lock, and only if the files are still as read. So a kill mid-ingest
 * leaves the run as it was, and a slower ingest never overwrites what a newer one wrote (trainer
 * and `bnlab ingest` at once). A busy database or a change under our feet means: read again.
 */
async function ingestRun(db: Db, id: string, dir: string, root: string): Promise<Outcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      const outcome = await ingestRunOnce(db, id, dir, root);
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
  runJsonMtime: number | null;
  /** metrics.jsonl's size (-1 when it cannot be stat'ed); ingest indexes whole lines, so equal to the indexed bytes only when it ends in a newline. */
  metricsSize: number;
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
  const metricsSize = metrics.st?.isFile() ? metrics.st.size : metrics.st ? -1 : 0;
  return { stamp, runStat: run.st, runStatError: run.error, runJsonMtime: run.st?.mtimeMs ?? null, metricsSize, ckpts, ckptErrors, listFailed };
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

async function ingestRunOnce(db: Db, id: string, dir: string, root: string): Promise<Outcome | "stale"> {
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
  if (existing && existing.status !== "missing" && existing.runJsonMtime === runStat.mtimeMs && !metricsReadError && existing.metricsBytes === wholeBytes && sameCkpts) {
    return { change: "unchanged", error: existing.status === "broken" ? (existing.error ?? undefined) : undefined };
  }

  const errors: string[] = [...ckptErrors];
  let run: RunFile | ImportedRunFile | null = null;
  try {
    // Parsed once, then checked as the kind of run.json it says it is.
    const json = runJsonValue(await readTextFile(runJson), runJson);
    run = isImportedRunJson(json) ? checkImportedRunJson(json, runJson) : checkRunJson(json, runJson, RunFile, "run.json");
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

  const { spec, row } = runRow(dir, run, metrics, runStat.mtimeMs, wholeBytes);
  // Checkpoints new or changed since indexed are read (hashed, validated, summarised) before the transaction.
  const changed: { epoch: number; file: string; size: number; mtime: number; read: CheckpointRead }[] = [];
  for (const c of ckptStats) {
    const known = existing?.checkpoints.find((k) => k.epoch === c.epoch);
    if (known && known.size === c.st.size && known.mtime === c.st.mtimeMs) {
      if (known.error) errors.push(known.error);
      continue;
    }
    const file = path.join(ckptDir, c.file);
    const read = await readCheckpoint(file, spec, root);
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

/** A run's architecture and its row in the index, from run.json and the metric lines (null: unreadable, keep the indexed accuracies). */
function runRow(dir: string, run: RunFile | ImportedRunFile, metrics: MetricLine[] | null, runJsonMtime: number, metricsBytes: number) {
  const { row, spec } = "kind" in run ? importedRow(run) : trainedRow(run, metrics);
  return { spec, row: { dir, ...row, runJsonMtime, metricsBytes } };
}

/** A run not yet in the index whose files all read cleanly: written with others in one transaction. */
interface NewRun {
  id: string;
  dir: string;
  stamp: string;
  row: ReturnType<typeof runRow>["row"];
  metrics: MetricLine[];
  ckpts: { epoch: number; file: string; size: number; mtime: number; read: CheckpointRead }[];
}

/**
 * Reads a new run once for the batched write; null when anything is off (an unreadable or
 * invalid file, a partial metrics line, a bad checkpoint) — such a run takes the per-run path,
 * which records its errors.
 */
async function readNewRun(id: string, dir: string, root: string): Promise<NewRun | null> {
  const scan = await scanRun(dir);
  if (!scan.runStat || scan.ckptErrors.length > 0 || scan.metricsSize < 0) return null;
  try {
    // Imported runs and symlinked checkpoints take the per-run path, which checks them.
    // (an imported run's run.json does not parse as a trained run's: it throws, and takes that path too)
    const runJson = path.join(dir, "run.json");
    const run = checkRunJson(runJsonValue(await readTextFile(runJson), runJson), runJson, RunFile, "run.json");
    const metricsFile = path.join(dir, "metrics.jsonl");
    const text = existsSync(metricsFile) ? await readMetricsText(metricsFile) : "";
    const wholeBytes = Buffer.byteLength(text.slice(0, text.lastIndexOf("\n") + 1));
    if (wholeBytes !== scan.metricsSize) return null;
    const metrics = parseMetrics(text, metricsFile);
    const { spec, row } = runRow(dir, run, metrics, scan.runStat.mtimeMs, wholeBytes);
    const ckpts: NewRun["ckpts"] = [];
    for (const c of scan.ckpts) {
      const file = path.join(dir, "ckpt", c.file);
      if ((await lstat(file)).isSymbolicLink()) return null;
      const read = await readCheckpoint(file, spec, root);
      if (read.error) return null;
      ckpts.push({ epoch: c.epoch, file, size: c.st.size, mtime: c.st.mtimeMs, read });
    }
    return { id, dir, stamp: scan.stamp, row, metrics, ckpts };
  } catch {
    return null;
  }
}

/**
 * Multi-row INSERTs of plain number and string columns, a few hundred rows a statement: the
 * metric lines and γ summaries of a batch are thousands of rows, which Prisma's createMany
 * plans row by row.
 */
async function insertRows<K extends string>(kind: Db["kind"], tx: Tx, table: string, cols: readonly K[], rows: Record<K, string | number | null>[]): Promise<void> {
  const per = Math.floor(900 / cols.length);
  for (let at = 0; at < rows.length; at += per) {
    const chunk = rows.slice(at, at + per);
    const params: (string | number | null)[] = [];
    const tuples = chunk.map((r) => `(${cols.map((c) => (params.push(r[c]), kind === "postgresql" ? `$${params.length}` : "?")).join(", ")})`);
    await tx.$executeRawUnsafe(`INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES ${tuples.join(", ")}`, ...params);
  }
}

/**
 * Writes new runs in one transaction: a handful of statements for the whole batch instead of a
 * dozen per run. Under each run's lock, as the per-run path; a run indexed meanwhile (the trainer
 * indexing its own) or whose files changed since read is left out and returned, for the per-run path.
 */
async function writeNewRuns(db: Db, batch: NewRun[]): Promise<{ written: NewRun[]; left: NewRun[] }> {
  return db.prisma.$transaction(
    async (tx) => {
      if (db.kind === "postgresql") {
        for (const b of [...batch].sort((x, y) => (x.id < y.id ? -1 : 1))) await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, `bnlab-ingest:${b.id}`);
      } else await tx.$executeRawUnsafe(`UPDATE "Run" SET "id" = "id" WHERE 0`);
      const present = new Set((await tx.run.findMany({ where: { id: { in: batch.map((b) => b.id) } }, select: { id: true } })).map((r) => r.id));
      const written: NewRun[] = [];
      const left: NewRun[] = [];
      const scans = await mapLimit(batch, READS, (b) => scanRun(b.dir));
      batch.forEach((b, i) => (!present.has(b.id) && scans[i].stamp === b.stamp ? written : left).push(b));
      if (written.length === 0) return { written, left };
      await tx.run.createMany({ data: written.map((b) => ({ id: b.id, ...b.row })) });
      const metrics = written.flatMap((b) => b.metrics.map((m, line) => ({ runId: b.id, line, epoch: m.epoch, step: m.step, split: m.split, loss: m.loss, accuracy: m.accuracy, lr: m.lr, seconds: m.seconds })));
      await insertRows(db.kind, tx, "MetricPoint", ["runId", "line", "epoch", "step", "split", "loss", "accuracy", "lr", "seconds"], metrics);
      const ckpts = written.flatMap((b) => b.ckpts.map((c) => ({ runId: b.id, epoch: c.epoch, path: c.file, size: c.size, mtime: c.mtime, hash: c.read.hash, error: null })));
      if (ckpts.length > 0) {
        const ids = new Map((await tx.checkpoint.createManyAndReturn({ data: ckpts, select: { id: true, runId: true, epoch: true } })).map((c) => [`${c.runId}\0${c.epoch}`, c.id]));
        const summaries = written.flatMap((b) => b.ckpts.flatMap((c) => c.read.summaries.map((s) => ({ checkpointId: ids.get(`${b.id}\0${c.epoch}`)!, ...s }))));
        await insertRows(db.kind, tx, "GammaSummary", ["checkpointId", "layer", "channels", "meanAbsGamma", "fractionBelow001", "fractionBelow01"], summaries);
      }
      return { written, left };
    },
    { maxWait: 30_000, timeout: 120_000 },
  );
}

type CheckpointRead = {
  hash: string;
  error: string | null;
  summaries: { layer: string; channels: number; meanAbsGamma: number; fractionBelow001: number; fractionBelow01: number }[];
};

/** A checkpoint that is a symlink leading out of the runs root: refused before a byte of it is read. */
async function linkOutsideRoot(file: string, root: string): Promise<string | null> {
  const st = await lstat(file);
  if (!st.isSymbolicLink()) return null;
  if (await realPathInside(root, file)) return null;
  const target = await realpath(file).catch(async () => readlink(file));
  return `${file}: a symlink to ${target}, outside the runs root ${root}; refused (copy the file into the run instead)`;
}

/**
 * Hashes and validates one checkpoint and computes its per-layer γ summary (error set when it is
 * bad). `spec` null: not a bnlab ResNet; the BN layers are discovered from the tensors.
 */
async function readCheckpoint(file: string, spec: ModelSpec | null, root: string): Promise<CheckpointRead> {
  let hash = "";
  let error: string | null = null;
  let summaries: CheckpointRead["summaries"] = [];
  try {
    const outside = await linkOutsideRoot(file, root);
    if (outside) throw new Error(outside);
    // A directory or FIFO under a checkpoint's name is this checkpoint's error, not the ingest's.
    const bytes = await readRegularFile(file, MAX_CHECKPOINT_FILE_BYTES);
    hash = createHash("sha256").update(bytes).digest("hex");
    const sd = toStateDict(decodeSafetensors(bytes, file).tensors, file, spec ?? undefined);
    // Flagged here so the run shows it; the analysis endpoints refuse such weights too.
    checkFinite(sd, file);
    const gammas = spec ? collectGammas(sd, spec) : collectDiscoveredGammas(sd);
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

/** The row of a run bnlab trained, and its architecture. */
function trainedRow(run: RunFile, metrics: MetricLine[] | null) {
  const info = getDataset(run.config.data.dataset);
  const spec = modelSpec({ ...run.config.model, inChannels: info.channels, classes: info.classes });
  const tests = (metrics ?? []).filter((m) => m.split === "test");
  const final = tests.length ? tests.reduce((a, b) => (b.epoch >= a.epoch ? b : a)) : null;
  const best = tests.filter((m) => m.epoch > 0).reduce<number | null>((a, m) => (a === null || m.accuracy > a ? m.accuracy : a), null);
  const row = {
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
    sourcePath: null,
    sourceFormat: null,
    architecture: null,
    forwardUnavailable: null,
  };
  return { row, spec };
}

/**
 * The row of an imported run: mode "imported", its source and architecture; family, depth and
 * width for the networks that are bnlab's own families (open_lth's cifar_resnet and cifar_vgg), so
 * they are named, searched and filtered as bnlab's runs are. The γ summaries of architectures
 * other than the ResNet come from their discovered BN layers.
 */
function importedRow(run: ImportedRunFile) {
  const a = run.architecture;
  const resnet = a.family === "cifar_resnet" ? a : null;
  const spec = resnet ? resnetSpec({ depth: resnet.depth, width: resnet.width, inChannels: resnet.inChannels, classes: resnet.classes }) : null;
  // open_lth's VGGs have fixed widths: the index keeps bnlab's VGG rows at the base width.
  const own = resnet ? { family: "resnet", depth: resnet.depth, width: resnet.width } : a.family === "cifar_vgg" ? { family: "vgg", depth: a.depth, width: BASE_WIDTH } : null;
  const row = {
    status: run.status as string,
    error: null as string | null,
    dataset: run.dataset ?? "",
    family: own?.family ?? "",
    depth: own?.depth ?? 0,
    width: own?.width ?? 0,
    bnPlacement: "before-relu",
    shortcut: "projection",
    mode: "imported",
    seed: 0,
    bnInit: "",
    epochs: run.epochsDone,
    epochsDone: run.epochsDone,
    paramsTotal: run.parameters.total,
    paramsTrainable: 0,
    backend: "",
    codeVersion: run.codeVersion,
    config: JSON.stringify({ name: run.name, source: run.source, architecture: run.architecture, dataset: run.dataset, preprocessing: run.preprocessing, hparams: run.hparams }),
    createdAt: new Date(run.createdAt),
    updatedAt: new Date(run.updatedAt),
    finalTestAccuracy: run.test?.accuracy ?? null,
    bestTestAccuracy: run.test?.accuracy ?? null,
    sourcePath: run.source.path,
    sourceFormat: run.source.format,
    architecture: architectureName(a),
    forwardUnavailable: run.forwardUnavailable,
  };
  return { row, spec };
}
