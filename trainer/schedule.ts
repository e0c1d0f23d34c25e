/**
 * The learning rate as a pure function of the step: linear warmup, then step decay at
 * milestones (lr × decay^k after the k-th milestone epoch), as in the paper's recipe.
 */
import type { RunConfig } from "../lib/run/config";

/** The paper's milestones, 80 and 120 of 160 epochs, as fractions of training. */
export const PAPER_MILESTONE_FRACTIONS = [0.5, 0.75] as const;

/** Milestones in epochs: the configured ones, or the paper's scaled to the number of epochs. */
export function milestones(training: RunConfig["training"]): number[] {
  if (training.milestones) return [...training.milestones].sort((a, b) => a - b);
  return PAPER_MILESTONE_FRACTIONS.map((f) => Math.round(f * training.epochs));
}

export function learningRate(training: RunConfig["training"], step: number, stepsPerEpoch: number): number {
  const epoch = Math.floor(step / stepsPerEpoch);
  const passed = milestones(training).filter((m) => epoch >= m).length;
  let lr = training.lr * training.lrDecay ** passed;
  const warmupSteps = Math.round(training.warmupEpochs * stepsPerEpoch);
  if (step < warmupSteps) lr *= (step + 1) / warmupSteps;
  return lr;
}
