/**
 * bnlab's analyses as pure functions: γ statistics, channel masks and ablation, pruning curves
 * with a random baseline, depth/width aggregation, and evaluation. State dicts and image sets in,
 * numbers out; the functions that evaluate a network need a tfjs backend set by the caller
 * (`initBackend()` from lib/engine).
 */
export * from "./stats";
export * from "./gamma";
export {
  ABLATION_MODES,
  DEFAULT_ABLATION_EVAL_COUNT,
  ablate,
  applyMask,
  estimateAccuracy,
  evaluateAblation,
  evaluationSubset,
  prunePercent,
  shortcutPolicy,
  smallestGammaMask,
  thresholdMask,
  type Ablation,
  type AblationEvaluation,
  type AblationMode,
  type AblationOptions,
  type AblationSummary,
  type AccuracyEstimate,
  type ChannelMask,
  type EvalOptions,
  type LayerMask,
} from "./ablation";
export * from "./pruning";
export * from "./aggregate";
export * from "./evaluate";
