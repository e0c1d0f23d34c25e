/** Element-wise kernels and reductions over float32 data through the addon's OpenMP loops. */
import { Add, backend_util, Fill, Mean, Multiply, RealDiv, Relu, Step, Sub, Sum, util } from "@tensorflow/tfjs-core";
import type { FillAttrs, StepAttrs, SumAttrs, TensorInfo } from "@tensorflow/tfjs-core";

import { BinaryOp } from "../addon";
import { constant } from "../backend";
import { cpuKernel, isF32, nativeBackend, sizeOf, type KernelArgs, type NativeKernelFunc } from "./util";

const MAX_INT32 = 2 ** 31 - 1;

export function relu(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x } = args.inputs as { x: TensorInfo };
  const n = sizeOf(x.shape);
  if (!isF32(x) || n === 0) return cpuKernel(Relu, args);
  const b = nativeBackend(args);
  const p = b.pending(x);
  // batch norm (+ add), then relu (and, in bf16, the next convolution's operand)
  if (p?.kind === "affine") return b.reluOfAffine(p, x.shape.slice(), n);
  if (p?.kind === "conv" && p.bf16 && !p.h && b.precision === "bf16" && b.fuseConvChains) {
    // Stays deferred: a bf16 convolution reading it next has it written in bf16 directly
    // (bf16OfPending), and its float32 values are computed only if something else reads them.
    return b.deferred(x.shape.slice(), { ...p, relu: true }, [...b.pendingInputs(x)]);
  }
  const y = b.take(n);
  if (p?.kind === "conv") b.runConv(p, y, true); // conv (+ batch norm, + residual), relu in its epilogue
  else b.addon.relu(b.f32(x), y);
  return b.output(x.shape.slice(), y);
}

/** Deferred: relu's gradient, mul(dy, step(x)), then reads x directly (see multiply). */
export function step(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x } = args.inputs as { x: TensorInfo };
  const n = sizeOf(x.shape);
  if (!isF32(x) || n === 0) return cpuKernel(Step, args);
  const { alpha } = (args.attrs ?? {}) as unknown as StepAttrs;
  const b = nativeBackend(args);
  const p = b.pending(x);
  // relu's input was a batch norm never written out: its sign is re-derived where it is needed
  if (p?.kind === "affine") return b.deferred(x.shape.slice(), { kind: "step", of: p, alpha: alpha ?? 0 }, [...b.pendingInputs(x)]);
  return b.deferred(x.shape.slice(), { kind: "step", x: b.f32(x), alpha: alpha ?? 0 }, [x]);
}

export function fill(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { shape, value, dtype } = args.attrs as unknown as FillAttrs;
  const n = sizeOf(shape);
  if ((dtype !== undefined && dtype !== "float32") || typeof value !== "number" || n === 0) return cpuKernel(Fill, args);
  const b = nativeBackend(args);
  const y = b.take(n);
  b.addon.fill(y, value);
  return b.output(shape.slice(), y);
}

/**
 * The addon's layout for out = a ∘ b with numpy broadcasting: the output dims merged wherever a
 * and b broadcast alike, as [r, dims[r], stridesA[r], stridesB[r]] (stride 0 = broadcast).
 */
export function broadcastLayout(aShape: number[], bShape: number[], outShape: number[]): Int32Array | undefined {
  const r = outShape.length;
  const padded = (s: number[]) => [...new Array<number>(r - s.length).fill(1), ...s];
  const A = padded(aShape), B = padded(bShape);
  const groups: { n: number; a: boolean; b: boolean }[] = [];
  for (let d = 0; d < r; d++) {
    const n = outShape[d];
    if (n === 1) continue;
    const a = A[d] !== 1, b = B[d] !== 1;
    const last = groups[groups.length - 1];
    if (last && last.a === a && last.b === b) last.n *= n;
    else groups.push({ n, a, b });
  }
  if (groups.length === 0) groups.push({ n: 1, a: false, b: false });
  const g = groups.length;
  if (g > 6) return undefined;
  const layout = new Int32Array(1 + 3 * g);
  layout[0] = g;
  let sa = 1, sb = 1;
  for (let i = g - 1; i >= 0; i--) {
    const { n, a, b } = groups[i];
    layout[1 + i] = n;
    layout[1 + g + i] = a ? sa : 0;
    layout[1 + 2 * g + i] = b ? sb : 0;
    if (a) sa *= n;
    if (b) sb *= n;
  }
  return layout;
}

function binary(kernelName: string, op: number): NativeKernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    if (!isF32(a, b)) return cpuKernel(kernelName, args);
    const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const n = sizeOf(outShape);
    const layout = n > 0 && n <= MAX_INT32 ? broadcastLayout(a.shape, b.shape, outShape) : undefined;
    if (!layout) return cpuKernel(kernelName, args);
    const be = nativeBackend(args);
    const y = be.take(n);
    be.addon.binary(op, be.f32(a), be.f32(b), y, layout);
    return be.output(outShape, y);
  };
}

/** Same-shape float32 operands, the case the fused paths handle. */
function sameShape(a: TensorInfo, b: TensorInfo): boolean {
  return isF32(a, b) && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]) && sizeOf(a.shape) > 0;
}

const plainAdd = binary(Add, BinaryOp.add);
const plainMultiply = binary(Multiply, BinaryOp.mul);

/** A pending batch norm plus a tensor of its shape stays pending, for a relu to finish in one pass. */
export const add: NativeKernelFunc = (args) => {
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  if (sameShape(a, b)) {
    const be = nativeBackend(args);
    for (const [bn, other] of [[a, b], [b, a]] as const) {
      if (bn.dataId === other.dataId) break;
      const p = be.pending(bn);
      if (p?.kind === "affine" && p.h === undefined) {
        return be.deferred(a.shape.slice(), { ...p, h: be.f32(other) }, [...be.pendingInputs(bn), other]);
      }
      if (p?.kind === "conv" && !p.h && !p.relu && be.fuseConvChains) {
        // the residual joins the convolution's epilogue (a relu after it too)
        const h = be.f32(other);
        return be.deferred(a.shape.slice(), { ...p, h }, [...be.pendingInputs(bn), other]);
      }
      if (p?.kind === "conv") {
        // conv (+ batch norm, relu) computed now; the add waits for a relu to finish it in one pass
        const c = a.shape[a.shape.length - 1];
        const h = be.f32(other);
        return be.deferred(a.shape.slice(), { kind: "affine", x: be.f32(bn), a: constant(c, 1), b: constant(c, 0), h }, [bn, other]);
      }
    }
  }
  return plainAdd(args);
};

/** mul(dy, step(x)) with step pending and alpha 0 is relu's gradient: one pass over dy and x. */
export const multiply: NativeKernelFunc = (args) => {
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  if (sameShape(a, b)) {
    const be = nativeBackend(args);
    for (const [dy, s] of [[a, b], [b, a]] as const) {
      const p = be.pending(s);
      if (p?.kind === "step" && p.alpha === 0) {
        const dyv = be.f32(dy);
        const y = be.take(sizeOf(a.shape));
        if (p.of) be.addon.reluGradAffine(dyv, p.of.x, p.of.m ?? null, p.of.a, p.of.b, p.of.h ?? null, y);
        else be.addon.reluGrad(dyv, p.x, y);
        return be.output(a.shape.slice(), y);
      }
    }
  }
  return plainMultiply(args);
};

export const sub = binary(Sub, BinaryOp.sub);
export const realDiv = binary(RealDiv, BinaryOp.div);

/**
 * x viewed as [outer, mid, inner] with `mid` the reduced axes, or undefined when the reduced axes
 * (ignoring size-1 dims) are not one contiguous block.
 */
export function reduceLayout(shape: number[], axes: number[]): { outer: number; mid: number; inner: number } | undefined {
  const reduced = new Set(axes);
  let outer = 1, mid = 1, inner = 1;
  let phase: "before" | "in" | "after" = "before";
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d];
    if (n === 1) continue;
    if (reduced.has(d)) {
      if (phase === "after") return undefined;
      phase = "in";
      mid *= n;
    } else if (phase === "before") {
      outer *= n;
    } else {
      phase = "after";
      inner *= n;
    }
  }
  return { outer, mid, inner };
}

function reduction(kernelName: string, mean: boolean): NativeKernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    if (!isF32(x) || sizeOf(x.shape) === 0) return cpuKernel(kernelName, args);
    const axes = util.parseAxisParam(axis, x.shape);
    const layout = reduceLayout(x.shape, axes);
    if (!layout) return cpuKernel(kernelName, args);
    let [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
    if (keepDims) outShape = backend_util.expandShapeToKeepDim(outShape, axes);
    const { outer, mid, inner } = layout;
    const b = nativeBackend(args);
    const y = b.take(outer * inner);
    b.addon.reduceSum(b.f32(x), y, outer, mid, inner, mean ? 1 / mid : 1);
    return b.output(outShape, y);
  };
}

export const sum = reduction(Sum, false);
export const mean = reduction(Mean, true);
