/**
 * The "native" tfjs backend: tfjs's cpu backend (data lives in JS typed arrays) whose hot kernels
 * run in the oneDNN addon, reading and writing those arrays in place, with outputs drawn from a
 * buffer pool that disposed tensors return to.
 */
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { engine } from "@tensorflow/tfjs-core";
import type { backend_util, DataId, DataType, TensorInfo } from "@tensorflow/tfjs-core";

import type { NativeAddon } from "./addon";
import { Bf16Shadows } from "./bf16";
import { LazyData, type AffineExpr, type ConvExpr, type LazyExpr } from "./lazy";
import { BufferPool } from "./pool";

export const NATIVE_BACKEND_NAME = "native";


function poolBytesFromEnv(): number | undefined {
  const mb = Number(process.env.BNLAB_NATIVE_POOL_MB);
  return Number.isFinite(mb) && mb >= 0 && process.env.BNLAB_NATIVE_POOL_MB !== undefined ? mb * 1024 ** 2 : undefined;
}

const constants = new Map<string, Float32Array>();
/** A shared read-only array of n copies of v (1s and 0s for an identity affine). */
export function constant(n: number, v: number): Float32Array {
  const key = `${n}:${v}`;
  let a = constants.get(key);
  if (!a) constants.set(key, (a = new Float32Array(n).fill(v)));
  return a;
}

/** Numeric precision of the convolutions: float32, or bf16 operands with float32 accumulation. */
export type NativePrecision = "fp32" | "bf16";

export class NativeBackend extends MathBackendCPU {
  readonly pool: BufferPool;
  /** bf16 copies of convolution operands (mixed precision). */
  readonly shadows: Bf16Shadows;
  /**
   * Set through setNativePrecision() (lib/engine/native), which checks the CPU first. Everything
   * but the convolutions stays float32 either way.
   */
  precision: NativePrecision = "fp32";
  /**
   * Whether filter gradients run in bf16 too, as under PyTorch's autocast (the gradient still
   * accumulates in float32). On by default: on an idle machine it is the faster kernel. oneDNN
   * 2.6's bf16 weight-gradient kernel synchronises its threads with spin barriers, so with another
   * process busy on a core it can take twice the float32 kernel's time:
   * BNLAB_NATIVE_BF16_FILTER_GRAD=0 keeps filter gradients in float32.
   */
  bf16FilterGrad = process.env.BNLAB_NATIVE_BF16_FILTER_GRAD !== "0";
  /**
   * Whether a relu'd convolution read by a bf16 convolution is written in bf16 directly, and a
   * residual add joins the convolution's epilogue (lazy.ts); off: both run as separate passes.
   */
  fuseConvChains = true;
  /** Conv parameter blocks (as strings) oneDNN has no fast bf16 kernel for: they run in float32. */
  readonly fp32Only = new Set<string>();
  /** How many deferred results were consumed without being computed, and how many were computed. */
  readonly lazyStats = { fused: 0, computed: 0 };
  /** bf16 results of deferred convolutions (bf16OfPending), by their tensor's data. */
  private readonly pendingShadows = new WeakMap<LazyData, Uint16Array>();
  private readonly lazyHost = {
    compute: (expr: LazyExpr, n: number) => this.computeLazy(expr, n),
    // The last reference may be ours: then the engine, which let go earlier, must forget the id too.
    release: (dataId: DataId) => {
      if (this.disposeData(dataId)) engine().removeDataId(dataId, this);
    },
  };

  constructor(readonly addon: NativeAddon) {
    super();
    this.pool = new BufferPool(poolBytesFromEnv());
    this.shadows = new Bf16Shadows(addon);
    // MathBackendCPU prints "install tfjs-node" on its first write; this backend is the answer.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** The float32 values of a tensor of this backend, without copying. */
  f32(t: TensorInfo): Float32Array {
    const v = this.data.get(t.dataId).values;
    if (!(v instanceof Float32Array)) throw new Error(`native backend: expected float32 data, got ${t.dtype}`);
    return v;
  }

  /** The bf16 copy of a tensor's (or a deferred expression's) float32 values. */
  bf16(values: Float32Array): Uint16Array {
    return this.shadows.of(values, this.pool.isPrivate(values));
  }

  /** An output buffer of n floats (contents unspecified). */
  take(n: number): Float32Array {
    return this.pool.take(n);
  }

  /** Registers values (from take()) as a new float32 tensor. */
  output(shape: number[], values: Float32Array): TensorInfo {
    return this.makeTensorInfo(shape, "float32", values);
  }

  /**
   * A float32 tensor whose values are computed from expr when first read (see lazy.ts). It holds
   * a reference on the data of each of `inputs` (those whose buffers expr reads) until then.
   */
  deferred(shape: number[], expr: LazyExpr, inputs: (TensorInfo | DataId)[]): TensorInfo {
    const holds = inputs.map((t) => ("dataId" in t && "shape" in t ? (t as TensorInfo).dataId : t));
    for (const id of holds) this.incRef(id);
    // An id like MathBackendCPU.write makes (DataStorage.set counts entries, so set once).
    const dataId = { id: (MathBackendCPU as unknown as { nextDataId: number }).nextDataId++ };
    this.data.set(dataId, new LazyData(this.lazyHost, expr, holds, shape.reduce((p, d) => p * d, 1)) as never);
    return { dataId, shape, dtype: "float32" };
  }

  /** The pending expression of a deferred tensor, or undefined (also once it was computed). */
  pending(t: TensorInfo): LazyExpr | undefined {
    const d: unknown = this.data.get(t.dataId);
    return d instanceof LazyData ? d.pending : undefined;
  }

  /** The data a pending tensor's expression reads (empty when not pending). */
  pendingInputs(t: TensorInfo): readonly DataId[] {
    const d: unknown = this.data.get(t.dataId);
    return d instanceof LazyData && d.pending ? d.inputs : [];
  }

  /**
   * Runs a deferred convolution (with its folded batch norm, residual, and relu if asked or in
   * the expression) into y: float32, or bf16 for a bf16 convolution that reads it next.
   */
  runConv(expr: ConvExpr, y: Float32Array | Uint16Array, relu: boolean): void {
    const { w, params, scale, shift, h, outChannels } = expr;
    const xin = expr.xh ?? (expr.bf16 ? this.bf16(expr.x) : expr.x);
    relu ||= expr.relu === true;
    if (!scale && !shift && !h && !relu && y instanceof Float32Array) {
      this.addon.convForward(xin, w, y, params);
      return;
    }
    try {
      this.addon.convForwardFused(xin, w, y, params, scale ?? null, shift ?? null, relu, h ?? null);
    } catch {
      // oneDNN refused the epilogue: plain convolution, then the affine, residual and relu in
      // one pass (in place, or into a float32 buffer that is then rounded to y).
      const out = y instanceof Float32Array ? y : this.pool.take(y.length);
      this.addon.convForward(xin, w, out, params);
      this.addon.affine(out, null, scale ?? constant(outChannels, 1), shift ?? constant(outChannels, 0), h ?? null, out, relu);
      if (!(y instanceof Float32Array)) {
        this.addon.toBf16(out, y);
        this.pool.giveBack(out);
      }
    }
  }

  /**
   * The bf16 values of a deferred convolution (a bf16 one), written by it directly and kept
   * while its tensor lives; its float32 values stay deferred, computed only if someone reads them.
   */
  bf16OfPending(t: TensorInfo, expr: ConvExpr): Uint16Array {
    const d = this.data.get(t.dataId) as unknown as LazyData;
    const cached = this.pendingShadows.get(d);
    if (cached) {
      this.shadows.stats.reused++;
      return cached;
    }
    const yh = this.shadows.scratch(t.shape.reduce((p, n) => p * n, 1));
    this.runConv(expr, yh, false);
    this.shadows.stats.written++;
    this.pendingShadows.set(d, yh);
    return yh;
  }

  /** Runs a deferred affine (a batch norm, maybe plus a residual) into y, with relu if asked. */
  runAffine(e: AffineExpr, y: Float32Array, relu: boolean, yh?: Uint16Array): void {
    this.addon.affine(e.x, e.m ?? null, e.a, e.b, e.h ?? null, y, relu, yh ?? null);
  }

  /**
   * A new tensor y = relu(e) that a bf16 convolution will read next: in mixed precision its bf16
   * copy is written in the same pass and kept as y's shadow (when y is a private pool buffer).
   */
  reluOfAffine(e: AffineExpr, shape: number[], n: number): TensorInfo {
    const y = this.take(n);
    if (this.precision !== "bf16") {
      this.runAffine(e, y, true);
      return this.output(shape, y);
    }
    const yh = this.shadows.scratch(n);
    this.runAffine(e, y, true, yh);
    const out = this.output(shape, y);
    if (this.pool.isPrivate(y)) this.shadows.adopt(y, yh);
    else this.shadows.release(yh);
    return out;
  }

  private computeLazy(expr: LazyExpr, n: number): Float32Array {
    const y = this.pool.take(n);
    if (expr.kind === "conv") this.runConv(expr, y, false); // relu if the expression has it
    else if (expr.kind === "affine") this.runAffine(expr, y, false);
    else if (expr.of === undefined) this.addon.step(expr.x, y, expr.alpha);
    else {
      this.runAffine(expr.of, y, false);
      this.addon.step(y, y, expr.alpha);
    }
    this.pool.onWrite(y);
    this.lazyStats.computed++;
    return y;
  }

  override write(values: backend_util.BackendValues, shape: number[], dtype: DataType): DataId {
    this.pool.onWrite(values);
    return super.write(values, shape, dtype);
  }

  override move(dataId: DataId, values: backend_util.BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    this.pool.onWrite(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override readSync(dataId: DataId): backend_util.BackendValues {
    const values = super.readSync(dataId);
    this.pool.onRead(values);
    return values;
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const d: unknown = this.data.has(dataId) ? this.data.get(dataId) : undefined;
    // Reading .values of a deferred tensor would compute it: ask what it has instead.
    const lazy = d instanceof LazyData ? d : undefined;
    const values = lazy ? lazy.computedValues : (d as { values?: unknown } | undefined)?.values;
    const released = super.disposeData(dataId, force);
    if (d !== undefined && !this.data.has(dataId)) {
      if (lazy?.pending) this.lazyStats.fused++;
      lazy?.releaseInputs();
      const written = lazy && this.pendingShadows.get(lazy);
      if (written) {
        this.pendingShadows.delete(lazy);
        this.shadows.release(written);
      }
      if (values !== undefined) {
        if (values instanceof Float32Array) this.shadows.drop(values);
        this.pool.onDispose(values);
      }
    }
    return released;
  }

  override dispose(): void {
    this.pool.clear();
    this.shadows.clear();
    super.dispose();
  }
}
