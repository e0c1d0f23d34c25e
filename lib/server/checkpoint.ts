/**
 * The server side of "analyse this checkpoint", first half: find the run and checkpoint in the
 * index (never from a client's path) and rebuild its architecture from the run's row. Reading the
 * weights and evaluating them is in ./compute, which loads tfjs and is imported only on a cache miss.
 */
import { existsSync } from "node:fs";
import { DEFAULT_ABLATION_EVAL_COUNT } from "../analysis/ablation";
import type { DatasetInfo } from "../data/types";
import { getDataset, isDatasetName } from "../data/registry";
import type { Db } from "../db/client";
import { cached, checkpointFile, getRun } from "../db/queries";
import { modelOfConfigJson } from "../run/config";
import { modelSpec, type ModelSpec } from "../models/arch";
import { architectureName, forwardSpec } from "../models/recognise";
import { ArchitectureSchema } from "../run/imported";
import { realPathInside, runsDir } from "../paths";
import { ApiError, notFound } from "./errors";

export type RunRow = NonNullable<Awaited<ReturnType<typeof getRun>>>;

export interface ResolvedCheckpoint {
  run: RunRow;
  epoch: number;
  hash: string;
  /** Server path: used to read the file, never sent to a client. */
  file: string;
  /** Null for an imported network bnlab cannot run (its BN layers are then discovered from the tensors). */
  spec: ModelSpec | null;
  dataset: DatasetInfo | null;
  /** Why a forward pass (evaluation, ablation, pruning) is unavailable; null when it is. */
  forwardUnavailable: string | null;
}

/** The indexed run, or a 404. */
export async function requireRun(db: Db, runId: string): Promise<RunRow> {
  const run = await getRun(db, runId);
  if (!run) throw notFound(`no run "${runId}"`);
  return run;
}

/** The run's architecture and dataset, from its row; a run whose run.json never parsed is a 422. */
export function runShape(run: RunRow): { spec: ModelSpec; dataset: DatasetInfo } {
  // An imported network bnlab cannot run here: say why, rather than call it broken.
  if (run.forwardUnavailable) throw new ApiError(422, `run "${run.id}" cannot be evaluated here: unavailable: ${run.forwardUnavailable}`);
  if (run.mode === "imported") return importedShape(run);
  if (!isDatasetName(run.dataset) || run.depth <= 0 || run.width <= 0) {
    throw new ApiError(422, `run "${run.id}" is broken: ${run.error ?? "its run.json could not be read"}`);
  }
  const dataset = getDataset(run.dataset);
  try {
    // The config holds family, BN placement and shortcut (a row from before them: ResNet defaults).
    const model = modelOfConfigJson(run.config) ?? { family: "resnet" as const, depth: run.depth, width: run.width };
    return { spec: modelSpec({ ...model, inChannels: dataset.channels, classes: dataset.classes }), dataset };
  } catch (e) {
    throw new ApiError(422, `run "${run.id}" has an invalid architecture: ${(e as Error).message}`);
  }
}

/**
 * A checkpoint of a run, resolved through the index: `epoch` absent means the last one.
 * 404 for an unknown run or epoch, 422 for a checkpoint that ingest recorded as broken (with the
 * recorded error), 403 when the indexed file lies outside the runs root.
 */
export async function resolveCheckpoint(db: Db, runId: string, epoch?: number): Promise<ResolvedCheckpoint> {
  const run = await requireRun(db, runId);
  const epochs = run.checkpoints.map((c) => c.epoch);
  if (epochs.length === 0) throw notFound(`run "${runId}" has no checkpoints`);
  const ck = epoch === undefined ? run.checkpoints[run.checkpoints.length - 1] : run.checkpoints.find((c) => c.epoch === epoch);
  if (!ck) throw notFound(`run "${runId}" has no checkpoint at epoch ${epoch} (epochs: ${epochs.join(", ")})`);
  if (ck.error) throw new ApiError(422, `checkpoint of run "${runId}" at epoch ${ck.epoch} is broken: ${ck.error}`);
  const { spec, dataset: info } = run.forwardUnavailable ? { spec: null, dataset: null } : runShape(run);
  const dataset = info && { ...info, ...importedPreprocessing(run) };
  let found: { path: string; hash: string } | null;
  try {
    found = await checkpointFile(db, runsDir(), runId, ck.epoch);
  } catch (e) {
    console.error(`[bnlab api] ${(e as Error).message} (runs root ${runsDir()})`);
    throw new ApiError(403, `the checkpoint of run "${runId}" at epoch ${ck.epoch} lies outside this server's runs root; re-ingest the runs`);
  }
  if (!found) throw notFound(`run "${runId}" has no checkpoint at epoch ${ck.epoch}`);
  // The index's path is inside the root by name; a symlinked run folder or file may still lead
  // elsewhere, so the real path is checked too (a missing file is left to the read: a 404 there).
  // The path kept is the indexed one: error messages name it, and redactPaths strips the root
  // from it (a runs root that is a link would leave its real prefix in a message).
  if (existsSync(found.path) && !(await realPathInside(runsDir(), found.path))) {
    console.error(`[bnlab api] checkpoint of ${runId} epoch ${ck.epoch} resolves outside the runs root through a symlink (runs root ${runsDir()})`);
    throw new ApiError(403, `the checkpoint of run "${runId}" at epoch ${ck.epoch} lies outside this server's runs root (a symlink); move the run into the runs root`);
  }
  return { run, epoch: ck.epoch, hash: found.hash, file: found.path, spec, dataset, forwardUnavailable: run.forwardUnavailable };
}

/** An imported network's spec from the architecture its run.json recorded (torchvision's networks and open_lth's VGG have no depth and width in the row). */
function importedShape(run: RunRow): { spec: ModelSpec; dataset: DatasetInfo } {
  let parsed;
  try {
    parsed = ArchitectureSchema.safeParse((JSON.parse(run.config) as { architecture?: unknown }).architecture);
  } catch {
    parsed = null;
  }
  if (!parsed?.success || !isDatasetName(run.dataset)) throw new ApiError(422, `run "${run.id}" is broken: its run.json names no architecture or dataset bnlab runs`);
  const spec = forwardSpec(parsed.data);
  if (!spec) throw new ApiError(422, `run "${run.id}" cannot be evaluated here: unavailable: bnlab does not run ${architectureName(parsed.data)}`);
  return { spec, dataset: getDataset(run.dataset) };
}

/** An imported run's own normalisation (`bnlab import --mean/--std`), which evaluation must use. */
function importedPreprocessing(run: RunRow): { mean?: number[]; std?: number[] } {
  if (run.mode !== "imported") return {};
  try {
    const p = (JSON.parse(run.config) as { preprocessing?: { mean?: unknown; std?: unknown } | null }).preprocessing;
    const ok = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isFinite(x));
    return p && ok(p.mean) && ok(p.std) ? { mean: p.mean, std: p.std } : {};
  } catch {
    return {};
  }
}

/** The architecture and dataset a forward pass needs, or a 422 saying why it is unavailable ("unknown architecture"). */
export function forwardShape(ck: ResolvedCheckpoint): { spec: ModelSpec; dataset: DatasetInfo } {
  if (!ck.spec || !ck.dataset) {
    throw new ApiError(422, `run "${ck.run.id}" cannot be evaluated here: unavailable: ${ck.forwardUnavailable ?? "no architecture bnlab runs"}`);
  }
  return { spec: ck.spec, dataset: ck.dataset };
}

/** The epoch-0 checkpoint of the run when it exists and is readable (for the change since init). */
export async function initCheckpoint(db: Db, run: RunRow): Promise<ResolvedCheckpoint | null> {
  const ck = run.checkpoints.find((c) => c.epoch === 0);
  if (!ck || ck.error) return null;
  try {
    return await resolveCheckpoint(db, run.id, 0);
  } catch (e) {
    if (e instanceof ApiError) return null;
    throw e;
  }
}

/**
 * How many test images an evaluation uses: the `count` asked for; by default the first 1,000, or
 * the run's own `testSubset` when that is smaller (so an unablated evaluation reproduces the
 * accuracy the trainer reported). "all" is the whole test split.
 */
export function evalCount(run: RunRow, count: number | "all" | undefined): number | "all" {
  if (count !== undefined) return count;
  let subset: unknown;
  try {
    subset = (JSON.parse(run.config) as { data?: { testSubset?: unknown } }).data?.testSubset;
  } catch {
    subset = undefined;
  }
  return typeof subset === "number" && subset > 0 ? Math.min(subset, DEFAULT_ABLATION_EVAL_COUNT) : DEFAULT_ABLATION_EVAL_COUNT;
}

const inflight = new Map<string, Promise<{ value: unknown; hit: boolean }>>();

/**
 * `cached()` from lib/db, with concurrent identical requests sharing one computation (an
 * evaluation blocks the process; doing it twice at once would double the wait).
 */
export function cachedOnce<T>(db: Db, ck: { hash: string }, analysis: string, params: Record<string, unknown>, compute: () => Promise<T>): Promise<{ value: T; hit: boolean }> {
  const key = `${db.url}\0${ck.hash}\0${analysis}\0${JSON.stringify(params, Object.keys(params).sort())}`;
  let p = inflight.get(key);
  if (p) return p.then((r) => ({ value: r.value as T, hit: true }));
  p = cached(db, ck.hash, analysis, params, compute).finally(() => inflight.delete(key));
  inflight.set(key, p);
  return p as Promise<{ value: T; hit: boolean }>;
}
