/**
 * Ops over bnlab's kernels. Models call these, never `runKernel` directly.
 */
import { add, engine, getBackend, getKernel, moments, mul, rsqrt, sub, tidy, type Tensor, type Tensor1D } from "@tensorflow/tfjs-core";
import { BATCH_NORM_TRAIN } from "./kernel-names";
import { registerBnlabKernels } from "./register";

export interface BatchNormTrainResult<T extends Tensor = Tensor> {
  /** (x − mean) / sqrt(variance + ε) · γ + β, shaped like x. */
  y: T;
  /** Per-channel batch mean [C]. */
  mean: Tensor1D;
  /** Per-channel biased batch variance [C] (divided by the count, as PyTorch normalises). */
  variance: Tensor1D;
}

function checkArgs(x: Tensor, gamma: Tensor, beta: Tensor): void {
  const c = x.shape[x.rank - 1];
  if (x.rank < 2) throw new Error(`batchNormTrain: x must be [..., C] with rank ≥ 2, got [${x.shape.join(", ")}]`);
  for (const [name, t] of [["gamma", gamma], ["beta", beta]] as const) {
    if (t.rank !== 1 || t.shape[0] !== c) {
      throw new Error(`batchNormTrain: ${name} must have shape [${c}], got [${t.shape.join(", ")}]`);
    }
  }
  for (const [name, t] of [["x", x], ["gamma", gamma], ["beta", beta]] as const) {
    if (t.dtype !== "float32") throw new Error(`batchNormTrain: ${name} must be float32, got ${t.dtype}`);
  }
}

/**
 * Batch norm in training mode over all axes but the last (NHWC or NC), through the
 * BnlabBatchNormTrain kernel; differentiable in x, γ and β. On a backend without that kernel
 * (tfjs-node) it falls back to `batchNormTrainComposite`. γ and β may be variables; they must
 * be [C] (checked at run time).
 */
export function batchNormTrain<T extends Tensor>(x: T, gamma: Tensor, beta: Tensor, epsilon: number): BatchNormTrainResult<T> {
  checkArgs(x, gamma, beta);
  registerBnlabKernels();
  if (getKernel(BATCH_NORM_TRAIN, getBackend()) == null) return batchNormTrainComposite(x, gamma, beta, epsilon);
  const [y, mean, variance] = engine().runKernel(BATCH_NORM_TRAIN, { x, gamma, beta }, { epsilon }) as Tensor[];
  return { y: y as T, mean: mean as Tensor1D, variance: variance as Tensor1D };
}

/** The same computation from stock tfjs ops (the reference the kernels are tested against). */
export function batchNormTrainComposite<T extends Tensor>(x: T, gamma: Tensor, beta: Tensor, epsilon: number): BatchNormTrainResult<T> {
  checkArgs(x, gamma, beta);
  return tidy(() => {
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const { mean, variance } = moments(x, axes);
    const y = add(mul(mul(sub(x, mean), rsqrt(add(variance, epsilon))), gamma), beta) as T;
    return { y, mean: mean as Tensor1D, variance: variance as Tensor1D };
  });
}
