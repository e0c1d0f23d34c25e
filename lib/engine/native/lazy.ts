/**
 * Deferred element-wise results, so that chains the model makes kernel by kernel run as one
 * pass over memory:
 *
 *   conv → batchNorm (eval) [→ add(·, h)] → relu
 *                                         the convolution writes the result: bias, residual and
 *                                         relu in its epilogue, the filter scaled by γ/σ; in bf16
 *                                         a relu without residual stays deferred, and a bf16
 *                                         convolution that reads it has it written in bf16
 *   batchNorm (eval) → add(·, h) → relu   one pass instead of three
 *   batchNorm (train) → [add] → relu      statistics, then one pass: the normalised tensor is
 *                                         never written; relu's gradient re-derives its sign
 *   relu's gradient, mul(dy, step(x))     one pass instead of two (step is never written out)
 *
 * A deferred tensor is stored like any other (tfjs's cpu data layout) but its `values` is a
 * getter: whoever reads it — another kernel, a cpu fallback, dataSync() — gets the result
 * computed at that moment, once. A kernel that knows how to consume the expression directly
 * (e.g. Relu of a pending batch norm) does so without ever computing the intermediate. Until
 * then the deferred tensor holds references on the tensors its expression reads, so their
 * buffers cannot be recycled under it.
 */
import type { DataId } from "@tensorflow/tfjs-core";

/** y[..., c] = (x[..., c] − m[c]) · a[c] + b[c] (+ h[...]) */
export interface AffineExpr {
  kind: "affine";
  x: Float32Array;
  m?: Float32Array;
  a: Float32Array;
  b: Float32Array;
  h?: Float32Array;
}

/**
 * y = [relu](conv(x, w · scale[o]) + shift[o] [+ h]); params as for the addon's convForward.
 * bf16: x is read as bf16 — `xh` when the operand was itself written in bf16 by the convolution
 * before (then x is absent: its float32 values were never needed).
 */
export type ConvExpr = {
  kind: "conv";
  w: Float32Array;
  params: Int32Array;
  outChannels: number;
  scale?: Float32Array;
  shift?: Float32Array;
  h?: Float32Array;
  relu?: boolean;
  bf16?: boolean;
} & ({ x: Float32Array; xh?: undefined } | { xh: Uint16Array; x?: undefined });

export type LazyExpr =
  | ConvExpr
  | AffineExpr
  /** y = v > 0 ? 1 : alpha (NaN stays NaN), v = x or the deferred affine `of` */
  | { kind: "step"; alpha: number; x: Float32Array; of?: undefined }
  | { kind: "step"; alpha: number; of: AffineExpr; x?: undefined };

export interface LazyHost {
  /** Computes the expression into a fresh buffer of n floats (registered with the pool). */
  compute(expr: LazyExpr, n: number): Float32Array;
  /** Drops one reference on a tensor's data (it is freed when none remain). */
  release(dataId: DataId): void;
}

export class LazyData {
  readonly dtype = "float32";
  refCount = 1;
  private computed: Float32Array | undefined;
  private expression: LazyExpr | undefined;

  constructor(
    private readonly host: LazyHost,
    expr: LazyExpr,
    private holds: DataId[],
    private readonly size: number,
  ) {
    this.expression = expr;
  }

  /** The expression, while the values have not been computed. */
  get pending(): LazyExpr | undefined {
    return this.expression;
  }

  /** The data its expression reads (held until computed or disposed). */
  get inputs(): readonly DataId[] {
    return this.holds;
  }

  /** The values if computed, without computing them. */
  get computedValues(): Float32Array | undefined {
    return this.computed;
  }

  get values(): Float32Array {
    if (this.computed === undefined) {
      this.computed = this.host.compute(this.expression!, this.size);
      this.expression = undefined;
      this.releaseInputs();
    }
    return this.computed;
  }

  set values(v: Float32Array) {
    this.computed = v;
    this.expression = undefined;
    this.releaseInputs();
  }

  /** Lets go of the inputs (on compute, or when the tensor is disposed unread). */
  releaseInputs(): void {
    const holds = this.holds;
    this.holds = [];
    for (const id of holds) this.host.release(id);
  }
}
