/** Conv2D and its two gradients on NHWC data through oneDNN. Other layouts fall back to cpu. */
import { backend_util, Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput } from "@tensorflow/tfjs-core";
import type { Conv2DAttrs, Conv2DBackpropFilterAttrs, Conv2DBackpropInputAttrs, TensorInfo } from "@tensorflow/tfjs-core";

import { CONV_PARAMS } from "../addon";
import type { NativeBackend } from "../backend";
import { cpuKernel, isF32, nativeBackend, sizeOf, warnFallback, type KernelArgs } from "./util";

// One parameter block reused by every call (the addon reads it synchronously).
const params = new Int32Array(CONV_PARAMS);

/**
 * The addon's parameter block for a conv, or undefined when oneDNN cannot express it the way
 * tfjs computes it (then the cpu kernel runs).
 */
export function convParams(info: backend_util.Conv2DInfo): Int32Array | undefined {
  if (info.dataFormat !== "channelsLast") return undefined;
  const { top, left, bottom, right } = info.padInfo;
  const dims: [number, number, number, number, number, number][] = [
    // in, effective filter, out, stride, pad low, pad high
    [info.inHeight, info.effectiveFilterHeight, info.outHeight, info.strideHeight, top, bottom],
    [info.inWidth, info.effectiveFilterWidth, info.outWidth, info.strideWidth, left, right],
  ];
  for (const [inSize, k, out, s, lo, hi] of dims) {
    if (out < 1 || inSize < 1 || s < 1 || lo < 0 || hi + s <= 0) return undefined;
    if (Math.floor((inSize - k + lo + hi) / s) + 1 !== out) return undefined;
  }
  if (info.batchSize < 1 || info.inChannels < 1 || info.outChannels < 1) return undefined;
  params.set([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outChannels,
    info.filterHeight, info.filterWidth, info.outHeight, info.outWidth,
    info.strideHeight, info.strideWidth, top, left, bottom, right,
    info.dilationHeight, info.dilationWidth,
  ]);
  return params;
}

/**
 * Whether this convolution runs in bf16: the backend is in mixed precision and oneDNN has fast
 * bf16 kernels for the shape in all three directions (a shape it lacks one for, e.g. some first
 * layers, stays float32 throughout, remembered so it is asked once).
 */
function bf16For(b: NativeBackend, p: Int32Array): boolean {
  if (b.precision !== "bf16") return false;
  const key = p.join(",");
  if (b.fp32Only.has(key)) return false;
  try {
    b.addon.convPrepare(p, true);
    return true;
  } catch {
    b.fp32Only.add(key);
    return false;
  }
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Deferred (lazy.ts): a batch norm (eval) and relu that follow fold into the convolution's
 * epilogue; anything else that reads the output runs the plain convolution.
 */
export function conv2D(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as Conv2DAttrs;
  if (!isF32(x, filter) || x.shape.length !== 4 || dataFormat === "NCHW") return cpuKernel(Conv2D, args);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    strides, dilations, pad, dimRoundingMode, false, "channelsLast");
  const b = nativeBackend(args);
  // A deferred bf16 convolution as input: in bf16 it may be written in bf16 for this one.
  const px = b.pending(x);
  const bf16Input = px?.kind === "conv" && px.bf16 === true && b.precision === "bf16" ? px : undefined;
  // Inputs first: reading a deferred input computes it, which must not happen between filling
  // the shared parameter block and the call.
  const wv = b.f32(filter);
  let xv = bf16Input ? undefined : b.f32(x);
  let p = convParams(info);
  if (!p) return cpuKernel(Conv2D, args);
  try {
    b.addon.convPrepare(p);
  } catch (e) {
    warnFallback(Conv2D, e);
    return cpuKernel(Conv2D, args);
  }
  const bf16 = bf16For(b, p);
  p = p.slice();
  const common = { kind: "conv", w: wv, params: p, outChannels: info.outChannels, bf16 } as const;
  if (bf16Input && bf16) return b.deferred(info.outShape, { ...common, xh: b.bf16OfPending(x, bf16Input) }, [x, filter]);
  xv ??= b.f32(x);
  return b.deferred(info.outShape, { ...common, x: xv }, [x, filter]);
}

export function conv2DBackpropInput(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const { inputShape, strides, pad, dataFormat, dimRoundingMode } = args.attrs as unknown as Conv2DBackpropInputAttrs;
  if (!isF32(dy, filter) || dy.shape.length !== 4 || dataFormat === "NCHW") return cpuKernel(Conv2DBackpropInput, args);
  const info = backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number],
    strides, 1, pad, dimRoundingMode, false, "channelsLast");
  const b = nativeBackend(args);
  const [dyv, wv] = [b.f32(dy), b.f32(filter)];
  const p = convParams(info);
  if (!p || !sameShape(info.outShape, dy.shape)) return cpuKernel(Conv2DBackpropInput, args);
  const dx = b.take(sizeOf(info.inShape));
  try {
    b.addon.convBackwardData(bf16For(b, p) ? b.bf16(dyv) : dyv, wv, dx, p);
  } catch (e) {
    b.pool.giveBack(dx);
    warnFallback(Conv2DBackpropInput, e);
    return cpuKernel(Conv2DBackpropInput, args);
  }
  return b.output(info.inShape.slice(), dx);
}

export function conv2DBackpropFilter(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  if (!isF32(x, dy) || x.shape.length !== 4 || dataFormat === "NCHW") return cpuKernel(Conv2DBackpropFilter, args);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape,
    strides, 1, pad, dimRoundingMode, false, "channelsLast");
  const b = nativeBackend(args);
  const [xv, dyv] = [b.f32(x), b.f32(dy)];
  const p = convParams(info);
  if (!p || !sameShape(info.outShape, dy.shape)) return cpuKernel(Conv2DBackpropFilter, args);
  const dw = b.take(sizeOf(filterShape));
  try {
    if (b.bf16FilterGrad && bf16For(b, p)) b.addon.convBackwardWeights(b.bf16(xv), b.bf16(dyv), dw, p);
    else b.addon.convBackwardWeights(xv, dyv, dw, p);
  } catch (e) {
    b.pool.giveBack(dw);
    warnFallback(Conv2DBackpropFilter, e);
    return cpuKernel(Conv2DBackpropFilter, args);
  }
  return b.output(filterShape.slice(), dw);
}
