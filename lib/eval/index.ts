/**
 * Everything that runs a network: evaluation, ablation and pruning curves. State dicts and image
 * sets in, numbers out; the caller sets a tfjs backend first (`initBackend()` from lib/engine).
 * The masks, thresholds and statistics these use are lib/analysis's pure functions.
 */
export * from "./evaluate";
export * from "./ablation";
export * from "./pruning";
