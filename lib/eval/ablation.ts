/**
 * Evaluating ablated networks: the masks and thresholds are lib/analysis's (pure); this builds the
 * network from the masked state dict and measures it. Needs a tfjs backend set by the caller
 * (`initBackend()` from lib/engine).
 */
import { ablate, DEFAULT_ABLATION_EVAL_COUNT, type AblationEvaluation, type AblationOptions, type AccuracyEstimate } from "../analysis/ablation";
import { wilson } from "../analysis/stats";
import { takeFirst } from "../data/subset";
import type { ImageSet } from "../data/types";
import type { ModelSpec } from "../models/arch";
import { ResNet } from "../models/resnet";
import type { StateDict } from "../models/state-dict";
import { evaluate } from "./evaluate";

export interface EvalOptions {
  /** Per-channel normalisation of the dataset (e.g. `getDataset(name).mean / std`). */
  mean: readonly number[];
  std: readonly number[];
  /** Test images: the first N of the set (default 1,000), or "all". */
  count?: number | "all";
  batchSize?: number;
  /** z of the Wilson interval (default 1.96, 95 %). */
  z?: number;
}

/** The first N test images (deterministic, so accuracies at different thresholds are paired). */
export function evaluationSubset(set: ImageSet, count: number | "all" = DEFAULT_ABLATION_EVAL_COUNT): ImageSet {
  return count === "all" ? set : takeFirst(set, count);
}

/** Accuracy of a network on a set, with its Wilson interval. */
export function estimateAccuracy(model: ResNet, set: ImageSet, opts: EvalOptions): AccuracyEstimate {
  const subset = evaluationSubset(set, opts.count);
  const e = evaluate(model, subset, { mean: opts.mean, std: opts.std, batchSize: opts.batchSize });
  return { accuracy: e.accuracy, correct: e.correct, count: e.count, loss: e.loss, interval: wilson(e.correct, e.count, opts.z) };
}

/**
 * Ablates channels with |γ| < threshold and measures test accuracy of the ablated network (eval
 * mode, running statistics) on the first `count` test images.
 */
export function evaluateAblation(sd: StateDict, spec: ModelSpec, set: ImageSet, opts: AblationOptions & EvalOptions): AblationEvaluation {
  const { stateDict, mask: _mask, ...rest } = ablate(sd, spec, opts);
  const model = ResNet.fromStateDict(spec, stateDict);
  try {
    return { ...rest, ...estimateAccuracy(model, set, opts) };
  } finally {
    model.dispose();
  }
}
