/**
 * Server side: what the run, prune and compare pages draw, read from the index and the analysis
 * cache — the same cache entries the API routes fill (`/api/runs/[id]/gamma` and
 * `/pruning-curve` with their default parameters), so a figure downloaded from an export route,
 * the page and the JSON API agree number for number. tfjs is imported only on a cache miss.
 */
import { cachedOnce, evalCount, initCheckpoint, resolveCheckpoint, type ResolvedCheckpoint, type RunRow } from "./checkpoint";
import type { GammaBody } from "./compute";
import { ApiError, redactPaths } from "./errors";
import { ANALYSES } from "./tables";
import { DEFAULT_PRUNE_FRACTIONS, DEFAULT_RANDOM_SEEDS } from "../analysis/pruning";
import type { PruningCurveLike } from "../charts";
import { getDataset, isDatasetName } from "../data/registry";
import type { Db } from "../db/client";
import type { TrainableMode } from "../run/modes";
import { cachedValue, cachedValues, getRun, getRuns, listRuns, runMetrics } from "../db/queries";
import type { GammaSnapshot } from "../analysis/snapshot";
import type { CompareRun, RunFigureData, RunInfo } from "../charts/run-figures";

/** The γ analysis parameters of `/api/runs/[id]/gamma` by default (the cache is shared with it). */
const GAMMA_DEFAULTS = { t: 0.01, includeShortcut: true, bins: 30 } as const;

/** `/api/runs/[id]/pruning-curve` by default; `ablation` is the API's `mode` parameter (how a channel is removed). */
const PRUNING_DEFAULTS: { fractions: number[]; seeds: number; ablation: "zero"; includeShortcut: boolean } = { fractions: [...DEFAULT_PRUNE_FRACTIONS], seeds: DEFAULT_RANDOM_SEEDS.length, ablation: "zero", includeShortcut: true };

export function runInfo(run: Pick<RunRow, "id" | "mode" | "dataset" | "depth" | "width" | "seed">): RunInfo {
  return {
    id: run.id,
    mode: run.mode,
    dataset: run.dataset,
    depth: run.depth,
    width: run.width,
    seed: run.seed,
    classes: isDatasetName(run.dataset) ? getDataset(run.dataset).classes : 0,
  };
}

/** The γ analysis of a checkpoint (cached, as the gamma route caches it). */
export async function gammaBodyOf(db: Db, ck: ResolvedCheckpoint): Promise<GammaBody> {
  const init = ck.epoch === 0 ? null : await initCheckpoint(db, ck.run);
  const { t, includeShortcut, bins } = GAMMA_DEFAULTS;
  const { value } = await cachedOnce(db, ck, ANALYSES.gamma, { t, includeShortcut, bins, init: init?.hash ?? null }, async () => {
    const { gammaBody, loadCheckpoint } = await import("./compute");
    return gammaBody(await loadCheckpoint(ck), ck.spec, init ? await loadCheckpoint(init) : null, { threshold: t, includeShortcut, bins });
  });
  return value;
}

function snapshot(ck: ResolvedCheckpoint, body: GammaBody): GammaSnapshot {
  return { runId: ck.run.id, mode: ck.run.mode, epoch: ck.epoch, layers: body.layers, histogram: body.histograms.gamma };
}

export async function gammaSnapshot(db: Db, runId: string, epoch?: number): Promise<GammaSnapshot> {
  const ck = await resolveCheckpoint(db, runId, epoch);
  return snapshot(ck, await gammaBodyOf(db, ck));
}

/** The message of an error a page shows in place of a figure (an ApiError's text; anything else is logged). */
export function explain(e: unknown, where: string): string {
  if (e instanceof ApiError) return redactPaths(e.message);
  console.error(`[bnlab dashboard] ${where}:`, e);
  return "internal error (see the server log)";
}

/** Runs of another trainable mode with the same dataset, depth, width and seed, that have a checkpoint. */
export async function siblingsOf(db: Db, run: Pick<RunRow, "id" | "dataset" | "depth" | "width" | "seed" | "mode">): Promise<{ id: string; mode: string; seed: number; status: string }[]> {
  // Any other run of the same network and dataset can be overlaid (another mode, or another seed
  // of the same mode); the same seed first, so the default compares modes on the same random features.
  const { rows } = await listRuns(db, { dataset: run.dataset, depth: run.depth, width: run.width, sort: "mode", order: "asc", pageSize: 100 });
  return rows
    .filter((r) => r.id !== run.id && r.status !== "broken")
    .sort((a, b) => Number(a.seed !== run.seed) - Number(b.seed !== run.seed) || Number(a.mode === run.mode) - Number(b.mode === run.mode))
    .map((r) => ({ id: r.id, mode: r.mode, seed: r.seed, status: r.status }));
}

/** The sibling drawn by default: BN-only against everything trained, else the first other mode. */
export function preferredSibling(mode: string, siblings: { id: string; mode: string }[]): string | null {
  const want: TrainableMode[] = mode === "bn" ? ["all", "bn+output"] : ["bn", "bn+output"];
  for (const m of want) {
    const s = siblings.find((x) => x.mode === m);
    if (s) return s.id;
  }
  return siblings.find((x) => x.mode !== mode)?.id ?? null;
}

export interface RunPageData extends RunFigureData {
  row: RunRow;
  siblings: { id: string; mode: string; seed: number; status: string }[];
}

/**
 * The run page's data: the run and its metrics, γ of the chosen checkpoint (default the last), of
 * epoch 0 and of a sibling run (default `preferredSibling`; `"none"` for none). Null for an unknown run.
 */
export async function loadRunFigureData(db: Db, id: string, opts: { epoch?: number; sibling?: string | null } = {}): Promise<RunPageData | null> {
  const row = await getRun(db, id);
  if (!row) return null;
  const metrics = (await runMetrics(db, id)).map(({ epoch, split, loss, accuracy }) => ({ epoch, split, loss, accuracy }));
  let gamma: GammaSnapshot | null = null;
  let gammaError: string | null = null;
  try {
    gamma = await gammaSnapshot(db, id, opts.epoch);
  } catch (e) {
    gammaError = explain(e, `γ of ${id}`);
  }
  let init: GammaSnapshot | null = null;
  if (gamma && gamma.epoch !== 0 && row.checkpoints.some((c) => c.epoch === 0 && !c.error)) {
    init = await gammaSnapshot(db, id, 0).catch(() => null);
  }
  const siblings = await siblingsOf(db, row);
  const siblingId = opts.sibling === "none" ? null : opts.sibling && siblings.some((s) => s.id === opts.sibling) ? opts.sibling : preferredSibling(row.mode, siblings);
  // The sibling follows the chosen epoch where it has that checkpoint (else its last; the legend says which).
  let sibling: GammaSnapshot | null = null;
  if (gamma && siblingId) {
    const sibRow = await getRun(db, siblingId);
    const same = sibRow?.checkpoints.some((c) => c.epoch === gamma!.epoch && !c.error) ?? false;
    sibling = await gammaSnapshot(db, siblingId, same ? gamma.epoch : undefined).catch(() => null);
  }
  // The log axis of |γ| over the run's first, chosen and last checkpoints, so it stays put across epochs.
  const last = gamma && row.checkpoints.some((c) => !c.error && c.epoch > gamma!.epoch) ? await gammaSnapshot(db, id).catch(() => null) : null;
  const gammaAxis = absRange([gamma, init, last]);
  const gammaLinearAxis = signedRange([gamma, init, last]);
  return { run: runInfo(row), metrics, gamma, gammaError, init, sibling, gammaAxis, gammaLinearAxis, row, siblings };
}

/** [smallest |γ| > 0, largest |γ|] over the snapshots; null without a positive one. */
function absRange(snapshots: (GammaSnapshot | null)[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const g of snapshots) {
    for (const l of g?.layers ?? []) {
      const positive = l.absGammaSorted.find((v) => v > 0);
      if (positive !== undefined) lo = Math.min(lo, positive);
      if (l.absGammaSorted.length) hi = Math.max(hi, l.absGammaSorted[l.absGammaSorted.length - 1]);
    }
  }
  return Number.isFinite(lo) && hi > 0 ? [lo, hi] : null;
}

/** [lowest, highest] edge of the snapshots' γ histograms (the linear axis); null without one. */
function signedRange(snapshots: (GammaSnapshot | null)[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const g of snapshots) {
    const edges = g?.histogram.edges;
    if (!edges?.length || !g!.histogram.total) continue;
    lo = Math.min(lo, edges[0]);
    hi = Math.max(hi, edges[edges.length - 1]);
  }
  return Number.isFinite(lo) && Number.isFinite(hi) && hi > lo ? [lo, hi] : null;
}

/** The pruning curve's cache parameters for a checkpoint of `run`, spelled as the API route spells them. */
function pruningParams(run: RunRow) {
  const { fractions, seeds, ablation, includeShortcut } = PRUNING_DEFAULTS;
  return { fractions, seeds, mode: ablation, includeShortcut, count: evalCount(run, undefined) };
}

/** A pruning curve as far as it is measured: `curve` null before its first point. */
export interface PruningCurveProgress {
  epoch: number;
  /** Fractions measured so far, out of `planned`. */
  measured: number;
  planned: number;
  complete: boolean;
  curve: PruningCurveLike | null;
}

const PROGRESS = Symbol.for("bnlab.pruningProgress");

/**
 * Curves being measured in this process, by checkpoint and parameters: what a page shows while
 * the rest is evaluated. On globalThis, as the evaluation queue is (one map per process, not per route).
 */
function inProgress(): Map<string, { curve: PruningCurveLike; planned: number }> {
  const g = globalThis as typeof globalThis & { [PROGRESS]?: Map<string, { curve: PruningCurveLike; planned: number }> };
  return (g[PROGRESS] ??= new Map());
}

function progressKey(db: Db, ck: ResolvedCheckpoint, params: ReturnType<typeof pruningParams>): string {
  return `${db.url}\0${ck.hash}\0${JSON.stringify(params)}`;
}

/**
 * The pruning curve of a checkpoint (default the last) as far as it is known, never waiting for
 * an evaluation: complete when cached; otherwise the points measured so far, its computation
 * started in the background (once: a second caller joins it). A failed computation is logged and
 * tried again by the next caller.
 */
export async function pruningCurveProgress(db: Db, id: string, epoch?: number): Promise<PruningCurveProgress> {
  const ck = await resolveCheckpoint(db, id, epoch);
  const params = pruningParams(ck.run);
  const planned = params.fractions.length;
  const value = await cachedValue<PruningCurveLike>(db, ck.hash, ANALYSES.pruning, params);
  if (value) return { epoch: ck.epoch, measured: value.points.length, planned: value.points.length, complete: true, curve: value };
  const partial = inProgress().get(progressKey(db, ck, params));
  // After this response is on its way; the evaluations then take turns with other requests.
  if (!partial) setImmediate(() => void loadPruningCurve(db, id, ck.epoch).catch((e) => explain(e, `pruning curve of ${id}`)));
  return { epoch: ck.epoch, measured: partial?.curve.points.length ?? 0, planned: partial?.planned ?? planned, complete: false, curve: partial?.curve ?? null };
}

/** The complete pruning curve if it is cached; otherwise null, and its computation started (see `pruningCurveProgress`). */
export async function pruningCurveOrStart(db: Db, id: string): Promise<(PruningCurveLike & { epoch: number }) | null> {
  const p = await pruningCurveProgress(db, id);
  return p.complete && p.curve ? { ...p.curve, epoch: p.epoch } : null;
}

/**
 * `pruningCurveOrStart` of many runs with two queries for all of them (the runs and their
 * checkpoints, then the cache entries of their last checkpoints): a cached curve is read as is;
 * a run without one takes `pruningCurveOrStart`'s own path (resolved with its checks, started in
 * the background, or its error thrown). Each id's outcome: the curve, null (pending) or the error.
 */
export async function pruningCurvesOrStart(db: Db, ids: readonly string[]): Promise<Map<string, (PruningCurveLike & { epoch: number }) | null | { error: unknown }>> {
  const rows = new Map((await getRuns(db, ids)).map((r) => [r.id, r]));
  const last = ids.map((id) => {
    const ck = rows.get(id)?.checkpoints.at(-1);
    return ck && !ck.error ? { run: rows.get(id)!, ck } : null;
  });
  const found = await cachedValues<PruningCurveLike>(
    db,
    last.flatMap((l) => (l ? [{ ckptHash: l.ck.hash, analysis: ANALYSES.pruning, params: pruningParams(l.run) }] : [])),
  );
  let at = 0;
  // The runs without a cached curve are resolved (and started) together: one after another, a
  // cold findings page waited for dozens of round trips per run.
  const outcomes = await Promise.all(
    ids.map(async (id, i) => {
      const l = last[i];
      const value = l ? found[at++] : null;
      if (l && value) return [id, { ...value, epoch: l.ck.epoch }] as const;
      return [id, await pruningCurveOrStart(db, id).catch((error: unknown) => ({ error }))] as const;
    }),
  );
  return new Map<string, (PruningCurveLike & { epoch: number }) | null | { error: unknown }>(outcomes);
}

/** The pruning curve at the API's default fractions, seeds and image count (cached); the points measured so far are kept for `pruningCurveProgress`. */
export async function loadPruningCurve(db: Db, id: string, epoch?: number): Promise<PruningCurveLike & { epoch: number }> {
  const ck = await resolveCheckpoint(db, id, epoch);
  const params = pruningParams(ck.run);
  const { fractions, seeds, mode: ablation, includeShortcut, count } = params;
  const key = progressKey(db, ck, params);
  // The cache key spells the parameters as the API route does, so both find the same entry.
  try {
    const { value } = await cachedOnce(db, ck, ANALYSES.pruning, { fractions, seeds, mode: ablation, includeShortcut, count }, async () => {
      const { evaluationInputs, pruningBody } = await import("./compute");
      const { stateDict, setup } = await evaluationInputs(ck, count)();
      return pruningBody(stateDict, setup, { fractions, seeds, mode: ablation, includeShortcut }, (curve, planned) => inProgress().set(key, { curve, planned }));
    });
    return { ...value, epoch: ck.epoch };
  } finally {
    // Stored (or failed): the cache answers from now on.
    inProgress().delete(key);
  }
}

/** How many random draws the pruning curve's random line averages. */
export const PRUNING_RANDOM_DRAWS = PRUNING_DEFAULTS.seeds;

/** The compared runs: metrics and the last checkpoint's γ of each; unknown ids are reported, not fatal. */
export async function loadCompareRuns(db: Db, ids: string[]): Promise<{ runs: (CompareRun & { row: RunRow; gammaError: string | null })[]; missing: string[] }> {
  const runs: (CompareRun & { row: RunRow; gammaError: string | null })[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const row = await getRun(db, id);
    if (!row) {
      missing.push(id);
      continue;
    }
    const metrics = (await runMetrics(db, id)).map(({ epoch, split, loss, accuracy }) => ({ epoch, split, loss, accuracy }));
    let gamma: GammaSnapshot | null = null;
    let gammaError: string | null = null;
    try {
      gamma = await gammaSnapshot(db, id);
    } catch (e) {
      gammaError = explain(e, `γ of ${id}`);
    }
    runs.push({ run: runInfo(row), metrics, gamma, row, gammaError });
  }
  return { runs, missing };
}

/** The ablation at t as `/api/runs/[id]/ablation` gives it by default (zero mode, shortcut BNs included; cached). */
export async function loadAblationAccuracy(db: Db, id: string, threshold: number, epoch?: number): Promise<{ accuracy: number; interval: [number, number]; fractionRemoved: number }> {
  const ck = await resolveCheckpoint(db, id, epoch);
  const count = evalCount(ck.run, undefined);
  const ablation = "zero";
  const includeShortcut = true;
  const { value } = await cachedOnce(db, ck, ANALYSES.ablation, { threshold, mode: ablation, includeShortcut, count }, async () => {
    const { ablationBody, evaluationInputs, queued } = await import("./compute");
    return queued(async () => {
      const { stateDict, setup } = await evaluationInputs(ck, count)();
      return ablationBody(stateDict, setup, { threshold, mode: ablation, includeShortcut });
    });
  });
  return { accuracy: value.accuracy, interval: value.interval, fractionRemoved: value.fractionRemoved };
}
