/**
 * Batch norm: bnlab's training kernels (BnlabBatchNormTrain / BnlabBatchNormTrainGrad, see
 * lib/engine/kernel-names.ts) through oneDNN, and tfjs's FusedBatchNorm (eval mode) as one
 * per-channel affine pass.
 */
import { FusedBatchNorm } from "@tensorflow/tfjs-core";
import type { FusedBatchNormAttrs, TensorInfo } from "@tensorflow/tfjs-core";

import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from "../../kernel-names";
import { cpuKernel, isF32, nativeBackend, sizeOf, warnFallback, type KernelArgs } from "./util";

const params = new Int32Array(4);

/** NHWC dims for oneDNN: rank-4 x as is, any other rank as [count/C, 1, 1, C]. */
function bnParams(shape: number[]): Int32Array | undefined {
  if (shape.length < 1) return undefined;
  const c = shape[shape.length - 1];
  const size = sizeOf(shape);
  if (c < 1 || size < 1) return undefined;
  if (shape.length === 4) params.set(shape);
  else params.set([size / c, 1, 1, c]);
  return params;
}

function epsilonOf(args: KernelArgs): number {
  const eps = (args.attrs as { epsilon?: number } | undefined)?.epsilon;
  if (typeof eps !== "number" || !(eps >= 0)) throw new Error(`${BATCH_NORM_TRAIN}: attr epsilon must be a number >= 0, got ${eps}`);
  return eps;
}

/**
 * Batch statistics now; the normalised output deferred (lazy.ts) as (x − mean) · γ/σ + β, so
 * that the relu (and residual add) after it make one pass, and relu's gradient re-derives the
 * sign from x. Whoever else reads y gets it computed then.
 */
export function batchNormTrain(args: KernelArgs): TensorInfo[] {
  const { x, gamma, beta } = args.inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
  const eps = epsilonOf(args);
  const c = x.shape[x.shape.length - 1];
  if (!isF32(x, gamma, beta) || x.shape.length < 1 || sizeOf(x.shape) === 0 || sizeOf(gamma.shape) !== c || sizeOf(beta.shape) !== c) {
    return cpuKernel(BATCH_NORM_TRAIN, args) as TensorInfo[];
  }
  const b = nativeBackend(args);
  const [xv, gv, bv] = [b.f32(x), b.f32(gamma), b.f32(beta)];
  const mean = new Float32Array(c);
  const variance = new Float32Array(c);
  b.addon.bnStats(xv, mean, variance);
  const scale = new Float32Array(c);
  for (let i = 0; i < c; i++) scale[i] = gv[i] / Math.sqrt(variance[i] + eps);
  const y = b.deferred(x.shape.slice(), { kind: "affine", x: xv, m: mean, a: scale, b: Float32Array.from(bv) }, [x]);
  return [y, b.output([c], mean), b.output([c], variance)];
}

export function batchNormTrainGrad(args: KernelArgs): TensorInfo[] {
  const { dy, x, gamma, mean, variance } = args.inputs as Record<"dy" | "x" | "gamma" | "mean" | "variance", TensorInfo>;
  const eps = epsilonOf(args);
  const c = x.shape[x.shape.length - 1];
  if (!isF32(dy, x, gamma, mean, variance) || sizeOf(dy.shape) !== sizeOf(x.shape) || [gamma, mean, variance].some((t) => sizeOf(t.shape) !== c)) {
    return cpuKernel(BATCH_NORM_TRAIN_GRAD, args) as TensorInfo[];
  }
  const b = nativeBackend(args);
  const [dyv, xv, gv, mv, vv] = [dy, x, gamma, mean, variance].map((t) => b.f32(t));
  const p = bnParams(x.shape);
  if (!p) return cpuKernel(BATCH_NORM_TRAIN_GRAD, args) as TensorInfo[];
  const dx = b.take(sizeOf(x.shape));
  const dgamma = new Float32Array(c);
  const dbeta = new Float32Array(c);
  try {
    b.addon.bnTrainBackward(dyv, xv, gv, mv, vv, dx, dgamma, dbeta, p, eps);
  } catch (e) {
    b.pool.giveBack(dx);
    warnFallback(BATCH_NORM_TRAIN_GRAD, e);
    return cpuKernel(BATCH_NORM_TRAIN_GRAD, args) as TensorInfo[];
  }
  return [b.output(x.shape.slice(), dx), b.output([c], dgamma), b.output([c], dbeta)];
}

/**
 * tfjs's batchNorm (eval mode): y = (x − mean) · scale / √(variance + ε) + offset, per channel.
 * The result is deferred (lazy.ts): a following relu or residual add computes it in its own pass.
 */
export function fusedBatchNorm(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x, mean, variance, offset, scale } = args.inputs as Record<"x" | "mean" | "variance", TensorInfo> &
    Partial<Record<"offset" | "scale", TensorInfo>>;
  const attrs = args.attrs as unknown as FusedBatchNormAttrs | undefined;
  const eps = attrs?.varianceEpsilon ?? 0.001;
  const c = x.shape[x.shape.length - 1] ?? 1;
  // tfjs indexes each parameter cyclically; a length of C (or 1) is per channel (or scalar).
  const perChannel = (t: TensorInfo | undefined) => t === undefined || sizeOf(t.shape) === c || sizeOf(t.shape) === 1;
  if (!isF32(x, mean, variance, offset, scale) || x.shape.length < 1 || sizeOf(x.shape) === 0 ||
      ![mean, variance, offset, scale].every(perChannel)) {
    return cpuKernel(FusedBatchNorm, args);
  }
  const b = nativeBackend(args);
  const at = (t: TensorInfo | undefined, dflt: number) => {
    if (!t) return () => dflt;
    const v = b.f32(t);
    return v.length === 1 ? () => v[0] : (i: number) => v[i];
  };
  const m = at(mean, 0), v = at(variance, 1), s = at(scale, 1), o = at(offset, 0);
  const a = new Float32Array(c), sh = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    const ai = s(i) / Math.sqrt(v(i) + eps);
    a[i] = ai;
    sh[i] = o(i) - m(i) * ai;
  }
  const p = b.pending(x);
  if (p?.kind === "conv" && !p.scale && !p.shift && !p.h && !p.relu && p.outChannels === c) {
    return b.deferred(x.shape.slice(), { ...p, scale: a, shift: sh }, [...b.pendingInputs(x)]);
  }
  return b.deferred(x.shape.slice(), { kind: "affine", x: b.f32(x), a, b: sh }, [x]);
}
