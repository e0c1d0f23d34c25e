/**
 * Pruning curves evaluated: test accuracy of the γ-ordered and random masks of lib/analysis's
 * `pruningMasks` at each fraction. Needs a tfjs backend set by the caller.
 */
import { applyMask, shortcutPolicy, type AblationMode, type AccuracyEstimate, type ChannelMask } from "../analysis/ablation";
import { collectGammas } from "../analysis/gamma";
import { DEFAULT_PRUNE_FRACTIONS, DEFAULT_RANDOM_SEEDS, pruningMasks, type PruningCurve, type PruningPoint } from "../analysis/pruning";
import { meanSd } from "../analysis/stats";
import type { ImageSet } from "../data/types";
import type { ModelSpec } from "../models/arch";
import { ResNet } from "../models/resnet";
import type { StateDict } from "../models/state-dict";
import { estimateAccuracy, evaluationSubset, type EvalOptions } from "./ablation";

export interface PruningCurveOptions extends EvalOptions {
  fractions?: readonly number[];
  /** Seeds of the random baseline (default [0, 1, 2]; use at least 3 for a meaningful sd). */
  seeds?: readonly number[];
  mode?: AblationMode;
  includeShortcut?: boolean;
}

/** One evaluation's turn: the default runs it on a later turn of the event loop. */
export type EvaluationStep = <T>(evaluate: () => T) => Promise<T>;

const nextTurn: EvaluationStep = (evaluate) => new Promise((resolve, reject) => setImmediate(() => {
  try {
    resolve(evaluate());
  } catch (e) {
    reject(e);
  }
}));

export interface PruningProgress {
  /** Called after each fraction is measured, with the curve so far (points in plan order). */
  onPoint?: (partial: PruningCurve, planned: number) => void;
  /**
   * Runs each masked evaluation (default: on the next turn of the event loop). A server passes its
   * evaluation queue here, so a curve of 176 evaluations takes turns with other requests instead
   * of holding the process for minutes.
   */
  step?: EvaluationStep;
}

/**
 * Accuracy against fraction of channels removed, γ-ordered and random (mean ± sd over seeds),
 * on the first `count` test images (default 1,000), one masked evaluation at a time (see
 * `PruningProgress.step`). One model is built and reloaded per mask. Needs a tfjs backend set.
 */
export async function pruningCurve(sd: StateDict, spec: ModelSpec, set: ImageSet, opts: PruningCurveOptions, progress: PruningProgress = {}): Promise<PruningCurve> {
  const mode = opts.mode ?? "zero";
  const seeds = [...(opts.seeds ?? DEFAULT_RANDOM_SEEDS)];
  if (seeds.length === 0) throw new RangeError("pruning curve needs at least one random seed");
  const step = progress.step ?? nextTurn;
  const gammas = collectGammas(sd, spec, { includeShortcut: opts.includeShortcut });
  const masks = pruningMasks(gammas, opts.fractions ?? DEFAULT_PRUNE_FRACTIONS, seeds);
  const subset = evaluationSubset(set, opts.count);
  const evalOpts: EvalOptions = { ...opts, count: "all" };
  const model = ResNet.fromStateDict(spec, sd);
  const curve: PruningCurve = { mode, includeShortcut: gammas.includeShortcut, shortcutPolicy: shortcutPolicy(gammas.includeShortcut), count: subset.count, seeds, points: [] };
  try {
    const run = (mask: ChannelMask): Promise<AccuracyEstimate> =>
      step(() => {
        model.loadStateDict(applyMask(sd, mask, mode));
        return estimateAccuracy(model, subset, evalOpts);
      });
    for (const m of masks) {
      const gamma = await run(m.gamma);
      const accuracies: number[] = [];
      for (const r of m.random) accuracies.push((await run(r)).accuracy);
      const point: PruningPoint = {
        fraction: m.fraction,
        removed: m.removed,
        total: m.gamma.total,
        layers: m.gamma.layers.map((l) => ({ name: l.name, removed: l.removedCount, channels: l.channels })),
        gamma,
        random: { ...meanSd(accuracies), accuracies, seeds },
      };
      curve.points = [...curve.points, point];
      progress.onPoint?.({ ...curve }, masks.length);
    }
    return curve;
  } finally {
    model.dispose();
  }
}
