/**
 * The tfjs side of the analysis endpoints: read a checkpoint's weights (checked against the hash
 * it was indexed with), the test split and the backend, and compute each endpoint's body with the
 * functions of lib/analysis and lib/eval. Routes import this module lazily, on a cache miss, so
 * that listing runs or serving a cached result never loads tfjs. The one module of lib/server
 * that crosses the tfjs line (see ARCHITECTURE.md).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  collectDiscoveredGammas,
  collectGammas,
  compareToInit,
  DEFAULT_GAMMA_THRESHOLDS,
  fractionBelow,
  fractionBelowCurve,
  gammaHistograms,
  gammaReport,
  type AblationEvaluation,
  type AblationMode,
  type AccuracyEstimate,
  type FractionBelow,
  type FractionBelowCurve,
  type GammaHistograms,
  type GammaReport,
  type InitComparison,
  type PruningCurve,
} from "../analysis";
import { estimateAccuracy, evaluateAblation, pruningCurve, type PruningProgress } from "../eval";
import { CheckpointError } from "../checkpoint/errors";
import { decodeSafetensors } from "../checkpoint/safetensors";
import { checkFinite, toStateDict } from "../checkpoint/state-dict-io";
import { loadDataset } from "../data/registry";
import { MissingDatasetError } from "../data/errors";
import type { DatasetInfo, ImageSet } from "../data/types";
import { initBackend } from "../engine/backend";
import type { ModelSpec } from "../models/arch";
import { applyPrecision, precisionFromEnv, resolvePrecision } from "../engine/precision";
import { ResNet } from "../models/resnet";
import type { StateDict } from "../models/state-dict";
import { dataDir } from "../paths";
import { forwardShape, type ResolvedCheckpoint } from "./checkpoint";
import { ApiError, notFound } from "./errors";
import { evaluations, queuedTurn } from "./limit";

/**
 * Reads the checkpoint's weights, checked against the architecture and against the hash it was
 * indexed with (a file changed since ingest would otherwise be cached under the old hash).
 */
export async function loadCheckpoint(ck: ResolvedCheckpoint): Promise<StateDict> {
  let bytes: Buffer;
  try {
    bytes = await readFile(ck.file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw notFound(`the checkpoint file of run "${ck.run.id}" at epoch ${ck.epoch} is gone; run \`bnlab ingest\``);
    }
    throw e;
  }
  if (createHash("sha256").update(bytes).digest("hex") !== ck.hash) {
    throw new ApiError(409, `the checkpoint of run "${ck.run.id}" at epoch ${ck.epoch} changed since it was indexed; run \`bnlab ingest\``);
  }
  try {
    const sd = toStateDict(decodeSafetensors(bytes, ck.file).tensors, ck.file, ck.spec ?? undefined);
    // NaN weights (a diverged run) would come out as null statistics and accuracies: refuse them.
    checkFinite(sd, ck.file);
    return sd;
  } catch (e) {
    if (e instanceof CheckpointError) throw new ApiError(422, `checkpoint of run "${ck.run.id}" at epoch ${ck.epoch} is broken: ${e.message}`);
    throw e;
  }
}

const testSets = new Map<string, ImageSet>();
/** Missing datasets already logged: a findings page asks for one per candidate run, on every visit. */
const missingLogged = new Set<string>();

/** The test split of a dataset, read once per process. 503 when this server does not have it. */
export function testSet(dataset: DatasetInfo): ImageSet {
  const dir = dataDir();
  const key = `${dataset.name}\0${dir}`;
  let set = testSets.get(key);
  if (!set) {
    try {
      set = loadDataset(dataset.name, { split: "test", dataDir: dir });
    } catch (e) {
      if (e instanceof MissingDatasetError) {
        if (!missingLogged.has(e.message)) console.error(`[bnlab api] ${e.message} (said once; the pages say it each time)`);
        missingLogged.add(e.message);
        throw new ApiError(503, `the ${dataset.name} test split is not available on this server (see \`bnlab data list\`)`);
      }
      throw e;
    }
    testSets.set(key, set);
  }
  return set;
}

let backend: Promise<unknown> | null = null;

/**
 * The tfjs backend, started once per process (initBackend is idempotent; a failure is retried),
 * at the precision BNLAB_PRECISION asks for (fp32 by default).
 */
export function ensureBackend(): Promise<unknown> {
  if (!backend) {
    backend = initBackend({ log: (line) => console.info(`[bnlab api] ${line}`) }).then((report) => {
      const precision = resolvePrecision(precisionFromEnv(), report.name);
      applyPrecision(precision);
      if (precision !== "fp32") console.info(`[bnlab api] evaluations in ${precision}`);
      return report;
    });
    backend.catch(() => (backend = null));
  }
  return backend;
}

/**
 * Everything an evaluation of `ck` needs — its weights, the backend, the test images — made on
 * first use only, so a request answered from the cache reads no file and starts no backend.
 */
export type EvaluationInputs = () => Promise<{ stateDict: StateDict; setup: EvalSetup }>;

export function evaluationInputs(ck: ResolvedCheckpoint, count: number | "all"): EvaluationInputs {
  // Before any work: an imported network bnlab cannot run is a 422 naming why.
  const { spec, dataset } = forwardShape(ck);
  let made: Promise<{ stateDict: StateDict; setup: EvalSetup }> | null = null;
  return () =>
    (made ??= (async () => {
      const stateDict = await loadCheckpoint(ck);
      const set = testSet(dataset);
      await ensureBackend();
      return { stateDict, setup: { spec, dataset, set, count } };
    })());
}

/**
 * Runs an evaluation through the process's queue (./limit): no more at once than CPU cores, the
 * rest waiting their turn. Load the inputs inside `task`, so waiting requests hold no weights.
 */
export function queued<T>(task: () => Promise<T> | T): Promise<T> {
  return evaluations().run(task);
}

// ---- γ

export interface GammaOptions {
  threshold: number;
  includeShortcut: boolean;
  bins: number;
}

export interface GammaBody {
  threshold: number;
  includeShortcut: boolean;
  /** Moments, quantiles, zeros and fractions below 0.001, 0.01, 0.1 and `threshold`, per layer and overall. */
  report: GammaReport;
  /** Fraction of channels with |γ| < threshold, overall and per layer. */
  fractionBelow: FractionBelow;
  /** γ with linear bins, |γ| with log10 bins. */
  histograms: GammaHistograms;
  /** Fraction below t on a log grid of t (the cumulative distribution of |γ|). */
  curve: FractionBelowCurve;
  /** Each layer's |γ| sorted ascending: the rows of a heatmap. */
  layers: { name: string; shortcut: boolean; channels: number; absGammaSorted: number[] }[];
  /** The change since the epoch-0 checkpoint; null when the run has none. */
  init: (InitComparison & { epoch: 0 }) | null;
}

/** `spec` null: a network that is not a bnlab ResNet, whose BN layers are discovered by their tensors. */
export function gammaBody(sd: StateDict, spec: ModelSpec | null, init: StateDict | null, o: GammaOptions): GammaBody {
  const collect = (s: StateDict) => (spec ? collectGammas(s, spec, { includeShortcut: o.includeShortcut }) : collectDiscoveredGammas(s, { includeShortcut: o.includeShortcut }));
  const gammas = collect(sd);
  const thresholds = [...new Set([...DEFAULT_GAMMA_THRESHOLDS, o.threshold])].sort((a, b) => a - b);
  return {
    threshold: o.threshold,
    includeShortcut: o.includeShortcut,
    report: gammaReport(gammas, { thresholds }),
    fractionBelow: fractionBelow(gammas, o.threshold),
    histograms: gammaHistograms(gammas, { linear: { bins: o.bins }, log: { bins: o.bins } }),
    curve: fractionBelowCurve(gammas),
    layers: gammas.layers.map((l) => ({ name: l.name, shortcut: l.shortcut, channels: l.channels, absGammaSorted: Array.from(l.sortedAbs) })),
    init: init ? { epoch: 0, ...compareToInit(gammas, collect(init), { thresholds }) } : null,
  };
}

// ---- evaluation

export interface EvalSetup {
  spec: ModelSpec;
  dataset: DatasetInfo;
  set: ImageSet;
  count: number | "all";
}

/** Accuracy of the checkpoint as it is, on the same images as its ablations. */
export function baselineAccuracy(sd: StateDict, e: EvalSetup): AccuracyEstimate {
  const model = ResNet.fromStateDict(e.spec, sd);
  try {
    return estimateAccuracy(model, e.set, { mean: e.dataset.mean, std: e.dataset.std, count: e.count });
  } finally {
    model.dispose();
  }
}

export interface AblationOptions {
  threshold: number;
  mode: AblationMode;
  includeShortcut: boolean;
}

export function ablationBody(sd: StateDict, e: EvalSetup, o: AblationOptions): AblationEvaluation {
  return evaluateAblation(sd, e.spec, e.set, { ...o, mean: e.dataset.mean, std: e.dataset.std, count: e.count });
}

export interface PruningOptions {
  fractions: number[];
  seeds: number;
  mode: AblationMode;
  includeShortcut: boolean;
}

/** The curve, each masked evaluation queued on its own (./limit) so other requests take turns with it. */
export function pruningBody(sd: StateDict, e: EvalSetup, o: PruningOptions, onPoint?: PruningProgress["onPoint"]): Promise<PruningCurve> {
  return pruningCurve(sd, e.spec, e.set, {
    fractions: o.fractions,
    seeds: Array.from({ length: o.seeds }, (_, i) => i),
    mode: o.mode,
    includeShortcut: o.includeShortcut,
    mean: e.dataset.mean,
    std: e.dataset.std,
    count: e.count,
  }, { onPoint, step: queuedTurn });
}

