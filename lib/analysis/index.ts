/**
 * bnlab's analyses as pure maths: γ statistics, channel masks and thresholds, pruning masks with a
 * random baseline, depth/width aggregation. State dicts in, numbers out; nothing here loads tfjs
 * (evaluating a network is lib/eval's).
 */
export * from "./stats";
export * from "./gamma";
export * from "./ablation";
export * from "./pruning";
export * from "./aggregate";
export * from "./snapshot";
