/**
 * Ingest: bring the index up to date with the run directories. Idempotent (a second pass
 * changes nothing), incremental (unchanged files are not re-read: size + mtime, then a content
 * hash), and tolerant: a run with a bad file is recorded as broken with its error while the
 * others are indexed, and nothing already indexed is dropped for a file that went bad.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { collectGammas, fractionBelow } from "../analysis/gamma";
import { parseMetrics, parseRunFile, type MetricLine, type RunFile } from "../checkpoint/run-files";
import { toStateDict } from "../checkpoint/state-dict-io";
import { decodeSafetensors } from "../checkpoint/safetensors";
import { getDataset } from "../data/registry";
import { resnetSpec, type ResNetSpec } from "../models/arch";
import { modeName } from "../models/groups";
import type { Db } from "./client";

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
    const outcome = await ingestRun(db, id, dir);
    report[outcome.change]++;
    if (outcome.error) report.broken.push({ id, error: outcome.error });
    opts.onRun?.(i + 1, entries.length, id);
  }
  return report;
}

async function ingestRun(db: Db, id: string, dir: string): Promise<{ change: "added" | "updated" | "unchanged"; error?: string }> {
  const p = db.prisma;
  const existing = await p.run.findUnique({ where: { id }, include: { checkpoints: true } });
  const runJson = path.join(dir, "run.json");
  const runStat = await stat(runJson);
  const metricsFile = path.join(dir, "metrics.jsonl");
  const metricsText = existsSync(metricsFile) ? await readFile(metricsFile, "utf8") : "";
  // Only whole lines count: a line being appended right now is read next time.
  const wholeBytes = Buffer.byteLength(metricsText.slice(0, metricsText.lastIndexOf("\n") + 1));
  const ckptDir = path.join(dir, "ckpt");
  const ckptFiles = existsSync(ckptDir) ? (await readdir(ckptDir)).filter((f) => CKPT.test(f)) : [];
  const ckptStats = await Promise.all(ckptFiles.map(async (f) => ({ file: f, epoch: Number(CKPT.exec(f)![1]), st: await stat(path.join(ckptDir, f)) })));

  const sameCkpts =
    existing &&
    existing.checkpoints.length === ckptStats.length &&
    ckptStats.every((c) => existing.checkpoints.some((k) => k.epoch === c.epoch && k.size === c.st.size && k.mtime === c.st.mtimeMs));
  if (existing && existing.runJsonMtime === runStat.mtimeMs && existing.metricsBytes === wholeBytes && sameCkpts) {
    return { change: "unchanged", error: existing.status === "broken" ? (existing.error ?? undefined) : undefined };
  }

  const errors: string[] = [];
  let run: RunFile | null = null;
  try {
    run = parseRunFile(await readFile(runJson, "utf8"), runJson);
  } catch (e) {
    errors.push((e as Error).message);
  }
  let metrics: MetricLine[] | null = null;
  try {
    metrics = parseMetrics(metricsText, metricsFile);
  } catch (e) {
    errors.push((e as Error).message);
  }

  if (!run) {
    // Keep what was indexed; only mark the run broken.
    const error = errors.join("; ");
    if (existing) await p.run.update({ where: { id }, data: { status: "broken", error, runJsonMtime: runStat.mtimeMs } });
    else await p.run.create({ data: brokenRow(id, dir, error, runStat.mtimeMs) });
    return { change: existing ? "updated" : "added", error };
  }

  const info = getDataset(run.config.data.dataset);
  const spec = resnetSpec({ depth: run.config.model.depth, width: run.config.model.width, inChannels: info.channels, classes: info.classes });
  const tests = (metrics ?? []).filter((m) => m.split === "test");
  const final = tests.length ? tests.reduce((a, b) => (b.epoch >= a.epoch ? b : a)) : null;
  const best = tests.filter((m) => m.epoch > 0).reduce<number | null>((a, m) => (a === null || m.accuracy > a ? m.accuracy : a), null);
  const row = {
    dir,
    status: run.status as string,
    error: null as string | null,
    dataset: run.config.data.dataset,
    depth: run.config.model.depth,
    width: run.config.model.width,
    mode: modeName(run.config.training.trainable),
    trainable: run.config.training.trainable.join(","),
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
  await p.$transaction(async (tx) => {
    await tx.run.upsert({ where: { id }, create: { id, ...row }, update: row });
    // Metric lines are replaced wholesale (a resume may have truncated the file), unless the
    // file is unreadable now: then the lines indexed before stay.
    if (metrics === null) return;
    await tx.metricPoint.deleteMany({ where: { runId: id } });
    if (metrics.length > 0) {
      await tx.metricPoint.createMany({
        data: metrics.map((m, line) => ({ runId: id, line, epoch: m.epoch, step: m.step, split: m.split, loss: m.loss, accuracy: m.accuracy, lr: m.lr, seconds: m.seconds })),
      });
    }
  });

  for (const c of ckptStats) {
    const known = existing?.checkpoints.find((k) => k.epoch === c.epoch);
    if (known && known.size === c.st.size && known.mtime === c.st.mtimeMs) {
      if (known.error) errors.push(known.error);
      continue;
    }
    const file = path.join(ckptDir, c.file);
    const error = await ingestCheckpoint(db, id, c.epoch, file, c.st.size, c.st.mtimeMs, spec);
    if (error) errors.push(error);
  }
  // Checkpoints whose files are gone (e.g. a run dir cleaned by hand) leave the index too.
  const present = new Set(ckptStats.map((c) => c.epoch));
  await p.checkpoint.deleteMany({ where: { runId: id, epoch: { notIn: [...present] } } });

  if (errors.length > 0) await p.run.update({ where: { id }, data: { status: "broken", error: errors.join("; ") } });
  return { change: existing ? "updated" : "added", error: errors.length ? errors.join("; ") : undefined };
}

/** Hashes and validates one checkpoint and stores its per-layer γ summary; returns an error or null. */
async function ingestCheckpoint(db: Db, runId: string, epoch: number, file: string, size: number, mtime: number, spec: ResNetSpec): Promise<string | null> {
  const bytes = await readFile(file);
  const hash = createHash("sha256").update(bytes).digest("hex");
  let error: string | null = null;
  let summaries: { layer: string; channels: number; meanAbsGamma: number; fractionBelow001: number; fractionBelow01: number }[] = [];
  try {
    const sd = toStateDict(decodeSafetensors(bytes, file).tensors, file, spec);
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
  await db.prisma.$transaction(async (tx) => {
    const ck = await tx.checkpoint.upsert({
      where: { runId_epoch: { runId, epoch } },
      create: { runId, epoch, path: file, size, mtime, hash, error },
      update: { path: file, size, mtime, hash, error },
    });
    await tx.gammaSummary.deleteMany({ where: { checkpointId: ck.id } });
    if (summaries.length) await tx.gammaSummary.createMany({ data: summaries.map((s) => ({ checkpointId: ck.id, ...s })) });
  });
  return error;
}

function brokenRow(id: string, dir: string, error: string, mtime: number) {
  const epoch = new Date(0);
  return {
    id, dir, status: "broken", error, dataset: "", depth: 0, width: 0, mode: "", trainable: "", seed: 0, bnInit: "", epochs: 0, epochsDone: 0,
    paramsTotal: 0, paramsTrainable: 0, backend: "", codeVersion: "", config: "{}", createdAt: epoch, updatedAt: epoch, runJsonMtime: mtime,
  };
}
