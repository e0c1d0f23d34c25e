/**
 * Loading the compiled addon (native/build/Release/bnlab_native.node, built by native/build.mjs)
 * and its typed surface. Every function works in place on the Float32Arrays it is given and
 * returns nothing; shapes travel as Int32Array parameter blocks (see the layouts below).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Conv parameter block: N,H,W,C (input), O (out channels), KH,KW, OH,OW, SH,SW, PT,PL,PB,PR, DH,DW. */
export const CONV_PARAMS = 17;

/**
 * An activation operand of a convolution: float32, or bf16 (a Uint16Array made by toBf16; mixed
 * precision: the filter is rounded to bf16 too, accumulation and results stay float32). In a
 * filter gradient x and dy must both be one or the other.
 */
export type Activation = Float32Array | Uint16Array;

export interface NativeAddon {
  info(): { dnnl: string; threads: number; cpuIsa: string };
  setThreads(n: number): void;
  convForward(x: Activation, filter: Float32Array, y: Float32Array, params: Int32Array): void;
  /**
   * Builds and caches the forward primitive (with bf16, the backward ones too); throws if oneDNN
   * cannot run this convolution (with bf16: has no optimised bf16 kernel for it).
   */
  convPrepare(params: Int32Array, bf16?: boolean): void;
  /**
   * y = [relu](conv(x, filter · scale[o]) + shift[o] [+ h]): a batch norm in eval mode (and the
   * residual add) folded in. y may be bf16 (then x must be too): the operand of a bf16
   * convolution written directly. Throws where oneDNN has no optimised kernel for that epilogue.
   */
  convForwardFused(
    x: Activation, filter: Float32Array, y: Activation, params: Int32Array,
    scale: Float32Array | null, shift: Float32Array | null, relu: boolean, h?: Float32Array | null,
  ): void;
  convBackwardData(dy: Activation, filter: Float32Array, dx: Float32Array, params: Int32Array): void;
  convBackwardWeights(x: Activation, dy: Activation, dw: Float32Array, params: Int32Array): void;
  convImplInfo(params: Int32Array, bf16?: boolean): { forward: string; backwardData: string; backwardWeights: string };
  /** dst = bf16(src), rounded to nearest even. */
  toBf16(src: Float32Array, dst: Uint16Array): void;
  /** dst = float32(src). */
  fromBf16(src: Uint16Array, dst: Float32Array): void;
  /**
   * oneDNN's training forward (statistics and y in one primitive). The kernels use bnStats and a
   * deferred affine instead, which lets y go unwritten; this stays as the reference they are
   * tested against. params: N,H,W,C (data described as NHWC; other ranks fold leading dims into N).
   */
  bnTrainForward(
    x: Float32Array, gamma: Float32Array, beta: Float32Array,
    y: Float32Array, mean: Float32Array, variance: Float32Array,
    params: Int32Array, epsilon: number,
  ): void;
  bnTrainBackward(
    dy: Float32Array, x: Float32Array, gamma: Float32Array, mean: Float32Array, variance: Float32Array,
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array,
    params: Int32Array, epsilon: number,
  ): void;
  relu(x: Float32Array, y: Float32Array): void;
  step(x: Float32Array, y: Float32Array, alpha: number): void;
  reluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  fill(y: Float32Array, value: number): void;
  /**
   * y[..., c] = (x[..., c] − m[c]) · a[c] + b[c] (+ h[...]), then max(·, 0) if relu; C = a.length.
   * yh: y in bf16 too, in the same pass (for a bf16 convolution that reads y next).
   */
  affine(
    x: Float32Array, m: Float32Array | null, a: Float32Array, b: Float32Array, h: Float32Array | null,
    y: Float32Array, relu: boolean, yh?: Uint16Array | null,
  ): void;
  /** dx = dy · step((x − m) · a + b (+ h)): relu's gradient through a deferred affine. */
  reluGradAffine(
    dy: Float32Array, x: Float32Array, m: Float32Array | null, a: Float32Array, b: Float32Array,
    h: Float32Array | null, dx: Float32Array,
  ): void;
  /** Per-channel mean and biased variance of x [..., C], C = mean.length. */
  bnStats(x: Float32Array, mean: Float32Array, variance: Float32Array): void;
  /** layout = [r, dims[r], stridesA[r], stridesB[r]]; op: see BinaryOp. */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, layout: Int32Array): void;
  /** out[o, i] = scale * Σ_m x[o, m, i]. */
  reduceSum(x: Float32Array, out: Float32Array, outer: number, mid: number, inner: number, scale: number): void;
}

export const BinaryOp = { add: 0, sub: 1, mul: 2, div: 3 } as const;

/** Where the addon is looked for: $BNLAB_NATIVE_ADDON, else native/build/Release under the repo root. */
export function addonPath(): string {
  const fromEnv = process.env.BNLAB_NATIVE_ADDON;
  if (fromEnv) return path.resolve(fromEnv);
  const here = path.dirname(fileURLToPath(import.meta.url));
  const besideSource = path.resolve(here, "../../../native/build/Release/bnlab_native.node");
  // Bundled (the dashboard's server), this module no longer sits in lib/engine/native: fall back
  // to the project root the server runs in.
  const inProject = path.resolve("native/build/Release/bnlab_native.node");
  return existsSync(besideSource) || !existsSync(inProject) ? besideSource : inProject;
}

const REQUIRED: (keyof NativeAddon)[] = [
  "info", "setThreads", "convForward", "convPrepare", "convForwardFused", "convBackwardData", "convBackwardWeights", "bnTrainForward",
  "bnTrainBackward", "relu", "step", "reluGrad", "fill", "affine", "reluGradAffine", "bnStats", "binary", "reduceSum",
  "toBf16", "fromBf16",
];

let cached: { addon: NativeAddon } | { why: string } | undefined;

/** Loads the addon once; never throws. */
export function loadAddon(): { addon: NativeAddon } | { why: string } {
  if (cached) return cached;
  cached = tryLoad();
  return cached;
}

function tryLoad(): { addon: NativeAddon } | { why: string } {
  let file: string;
  try {
    file = addonPath();
  } catch (e) {
    return { why: `cannot locate the native addon: ${(e as Error).message}` };
  }
  if (!existsSync(file)) {
    return { why: `native addon not built (${file} missing): run \`node native/build.mjs\` (needs g++ and libdnnl-dev)` };
  }
  try {
    // process.dlopen is what require() does for a .node file; bundlers leave it alone.
    const loaded = { exports: {} as Partial<NativeAddon> };
    process.dlopen(loaded, file);
    const addon = loaded.exports;
    const missing = REQUIRED.filter((k) => typeof addon[k] !== "function");
    if (missing.length > 0) {
      return { why: `native addon at ${file} is out of date (missing ${missing.join(", ")}): rebuild with \`node native/build.mjs\`` };
    }
    return { addon: addon as NativeAddon };
  } catch (e) {
    return { why: `native addon failed to load from ${file}: ${(e as Error).message}` };
  }
}
