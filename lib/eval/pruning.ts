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

/**
 * Accuracy against fraction of channels removed, γ-ordered and random (mean ± sd over seeds),
 * on the first `count` test images (default 1,000). One model is built and reloaded per mask.
 * Needs a tfjs backend set.
 */
export function pruningCurve(sd: StateDict, spec: ModelSpec, set: ImageSet, opts: PruningCurveOptions): PruningCurve {
  const mode = opts.mode ?? "zero";
  const seeds = [...(opts.seeds ?? DEFAULT_RANDOM_SEEDS)];
  if (seeds.length === 0) throw new RangeError("pruning curve needs at least one random seed");
  const gammas = collectGammas(sd, spec, { includeShortcut: opts.includeShortcut });
  const masks = pruningMasks(gammas, opts.fractions ?? DEFAULT_PRUNE_FRACTIONS, seeds);
  const subset = evaluationSubset(set, opts.count);
  const evalOpts: EvalOptions = { ...opts, count: "all" };
  const model = ResNet.fromStateDict(spec, sd);
  try {
    const run = (mask: ChannelMask): AccuracyEstimate => {
      model.loadStateDict(applyMask(sd, mask, mode));
      return estimateAccuracy(model, subset, evalOpts);
    };
    const points = masks.map((m): PruningPoint => {
      const gamma = run(m.gamma);
      const accuracies = m.random.map((r) => run(r).accuracy);
      return {
        fraction: m.fraction,
        removed: m.removed,
        total: m.gamma.total,
        layers: m.gamma.layers.map((l) => ({ name: l.name, removed: l.removedCount, channels: l.channels })),
        gamma,
        random: { ...meanSd(accuracies), accuracies, seeds },
      };
    });
    return { mode, includeShortcut: gammas.includeShortcut, shortcutPolicy: shortcutPolicy(gammas.includeShortcut), count: subset.count, seeds, points };
  } finally {
    model.dispose();
  }
}
