/**
 * One SGD step on one batch: the unit `train()` repeats. It is its own entry point so that a step
 * can be replayed elsewhere on the same batches (the step-parity check against PyTorch) and its
 * gradients, parameters and momentum buffers read in PyTorch's names and layouts.
 */
import * as tf from "@tensorflow/tfjs-core";
import "../lib/engine/gradients";
import { countCorrect, crossEntropy } from "../lib/eval/evaluate";
import type { ParamGroup } from "../lib/models/arch";
import type { RandomKSelection } from "../lib/models/random-k";
import type { ResNet } from "../lib/models/resnet";
import { Sgd, type SgdOptions } from "./sgd";
import { trainableOf } from "./trainable";

/** A model with the optimizer over its trainable variables (in tensor-spec order). */
export interface Learner {
  model: ResNet;
  /** The trainable variables and their PyTorch names, index for index. */
  vars: tf.Variable[];
  names: string[];
  sgd: Sgd;
}

/** `selection`: the random-k control's chosen conv weights, trained beside the whole groups. */
export function createLearner(model: ResNet, groups: readonly ParamGroup[], opts: SgdOptions, selection: RandomKSelection | null = null): Learner {
  const { vars, names, masks } = trainableOf(model, groups, selection);
  return { model, vars, names, sgd: new Sgd(vars, opts, masks) };
}

/** NHWC floats and integer labels; `size` examples. */
export interface StepBatch {
  x: Float32Array;
  labels: Int32Array;
  size: number;
}

export interface StepResult {
  /** The batch's mean cross-entropy before the update. */
  loss: number;
  correct: number;
  /** With `gradients: true`: each trainable tensor's gradient (no weight decay), PyTorch name and layout. */
  gradients?: Map<string, Float32Array>;
}

/** One forward/backward pass in training mode and one SGD update at learning rate `lr`. */
export function trainStep(learner: Learner, batch: StepBatch, imageShape: readonly [number, number, number], lr: number, opts: { gradients?: boolean } = {}): StepResult {
  const { model, vars, names, sgd } = learner;
  let gradients: Map<string, Float32Array> | undefined;
  const [loss, correct] = tf.tidy(() => {
    const x = tf.tensor4d(batch.x, [batch.size, ...imageShape]);
    const y = tf.tensor1d(batch.labels, "int32");
    let right: tf.Scalar | null = null;
    const objective = () => {
      const logits = model.forward(x, true);
      right = tf.keep(countCorrect(logits, y));
      return crossEntropy(logits, y);
    };
    // With nothing trainable ("none") the forward still updates the BN running statistics.
    if (vars.length === 0) return [objective(), right!];
    const { value, grads } = tf.variableGrads(objective, vars);
    const ordered = vars.map((v) => grads[v.name]);
    if (opts.gradients) gradients = new Map(names.map((n, i) => [n, model.toPytorchLayout(n, ordered[i].dataSync() as Float32Array)]));
    sgd.step(ordered, lr);
    return [value, right!];
  });
  const out = { loss: loss.dataSync()[0], correct: correct.dataSync()[0], gradients };
  tf.dispose([loss, correct]);
  return out;
}

/** The momentum buffers by parameter name, in PyTorch layout (PyTorch's `momentum_buffer`). */
export function momentumBuffers(learner: Learner): Map<string, Float32Array> {
  const state = learner.sgd.state();
  return new Map(learner.names.map((n, i) => [n, learner.model.toPytorchLayout(n, state[i])]));
}
