/**
 * Convolution gradients built from the backend's own fast kernels (its `Conv2D` and
 * `BatchMatMul`, called as functions on TensorInfos) plus cheap JS re-layouts on the
 * backend's memory. Written for wasm, whose 4.22 release has no Conv2DBackpropFilter and a
 * slow Conv2DBackpropInput; they only need `kernelIO`, so they work on any backend it reaches.
 *
 * Layouts are NHWC activations and HWIO filters (tfjs's). Any stride, dilation 1, any padding
 * tfjs accepts ('same', 'valid', a number, explicit): pads and output sizes come from
 * `backend_util.computeConv2DInfo`, exactly as the forward kernel computes them.
 *
 * Conv2DBackpropFilter: dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s+kh−pt, ow·s+kw−pl, ci] · dy[n,oh,ow,co]
 *   is itself a convolution: of xᵀ [ci, H', W', n] (images as channels, input channels as the
 *   batch, padding written in) with dyᵀ [oh, ow, n, co] as the filter, dilated by the stride,
 *   'valid' padding, giving [ci, kh, kw, co]. (A 1-wide filter instead gathers every stride-th
 *   row or column, and needs no dilation.) The backend's Conv2D (XNNPACK on wasm) does the
 *   whole reduction without materialising im2col columns.
 * Conv2DBackpropInput, stride 1: a 'full' convolution of dy with the filter flipped in space
 *   and with in/out channels swapped, padded f−1−p on each side.
 * Conv2DBackpropInput, other strides: dcols = dy · Wᵀ through BatchMatMul (in chunks of
 *   images), then col2im, scattering each column back onto dx.
 */
import {
  backend_util,
  getKernel,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import { kernelIO } from "../kernel-io";

type Shape4 = [number, number, number, number];

export interface ConvBackpropOptions {
  /** Cap on the floats of one dcols chunk in the strided backprop-input path (default 8M = 32 MB). */
  maxColumnFloats?: number;
}

const MAX_COLUMN_FLOATS = 8 * 1024 * 1024;
/** Images per block in the re-layouts: 16 floats = one 64-byte cache line. */
const IMAGE_BLOCK = 16;

function callKernel(
  name: string,
  backendName: string,
  backend: object,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap,
): TensorInfo {
  const kernel = getKernel(name, backendName);
  if (kernel == null) throw new Error(`bnlab conv kernels need '${name}' on backend '${backendName}'`);
  const out = kernel.kernelFunc({ inputs, attrs, backend });
  return Array.isArray(out) ? out[0] : out;
}

function shape4(shape: number[], what: string): Shape4 {
  if (shape.length !== 4) throw new Error(`${what} must be rank 4 (NHWC), got [${shape.join(", ")}]`);
  return shape as Shape4;
}

function convInfoOf(
  kernel: string,
  xShape: Shape4,
  filterShape: Shape4,
  attrs: Conv2DBackpropFilterAttrs | Conv2DBackpropInputAttrs,
): backend_util.Conv2DInfo {
  const dataFormat = backend_util.convertConv2DDataFormat(attrs.dataFormat ?? "NHWC");
  if (dataFormat !== "channelsLast") throw new Error(`${kernel} (bnlab): only NHWC is supported`);
  return backend_util.computeConv2DInfo(
    xShape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, dataFormat,
  );
}

function checkDy(kernel: string, dy: TensorInfo, info: backend_util.Conv2DInfo): void {
  const want = info.outShape;
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== want[i])) {
    throw new Error(`${kernel} (bnlab): dy has shape [${dy.shape.join(", ")}], the convolution gives [${want.join(", ")}]`);
  }
}

// The re-layouts move whole images' rows past each other; they go in blocks of IMAGE_BLOCK
// images so that every cache line is read once and written once. (Small functions of their
// own: V8 optimises these loops far better than inside a kernel's closure.)

interface InputLayout { n: number; h: number; w: number; ci: number; hp: number; wp: number; pt: number; pl: number; rowStep: number; colStep: number }

/** xt[k, r, c, b] = x[b, r·rowStep − pt, c·colStep − pl, k], zero outside x. */
function layoutInputForFilterGrad(xv: Float32Array, xtv: Float32Array, l: InputLayout): void {
  const { n, h, w, ci, hp, wp, pt, pl, rowStep, colStep } = l;
  const plane = hp * wp * n; // stride of k in xt
  const imgStride = h * w * ci;
  for (let b0 = 0; b0 < n; b0 += IMAGE_BLOCK) {
    const b1 = Math.min(n, b0 + IMAGE_BLOCK);
    for (let r = 0; r < hp; r++) {
      const ih = r * rowStep - pt;
      for (let c = 0; c < wp; c++) {
        const iw = c * colStep - pl;
        const dst = (r * wp + c) * n;
        if (ih < 0 || ih >= h || iw < 0 || iw >= w) {
          for (let k = 0; k < ci; k++) xtv.fill(0, k * plane + dst + b0, k * plane + dst + b1);
          continue;
        }
        const pix = (ih * w + iw) * ci;
        for (let b = b0; b < b1; b++) {
          const src = b * imgStride + pix;
          for (let k = 0; k < ci; k++) xtv[k * plane + dst + b] = xv[src + k];
        }
      }
    }
  }
}

/** dyt[p, b, k] = dy[b, p, k] for p over the output pixels. */
function layoutDyForFilterGrad(dyv: Float32Array, dytv: Float32Array, n: number, pixels: number, co: number): void {
  for (let b0 = 0; b0 < n; b0 += IMAGE_BLOCK) {
    const b1 = Math.min(n, b0 + IMAGE_BLOCK);
    for (let p = 0; p < pixels; p++) {
      for (let b = b0; b < b1; b++) {
        const src = (b * pixels + p) * co;
        const dst = (p * n + b) * co;
        for (let k = 0; k < co; k++) dytv[dst + k] = dyv[src + k];
      }
    }
  }
}

function conv2DBackpropFilterKernel(backendName: string): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as Conv2DBackpropFilterAttrs;
    const info = convInfoOf("Conv2DBackpropFilter", shape4(x.shape, "x"), a.filterShape, a);
    checkDy("Conv2DBackpropFilter", dy, info);
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
    const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
    const pt = info.padInfo.top;
    const pl = info.padInfo.left;
    // The rows/columns of padded x that some filter tap at some output position reads: all of
    // them from the first to the last, except for a 1-wide filter, which reads every stride-th
    // one; then only those are gathered and the inner conv needs no dilation.
    const [rowStep, dilH, hp] = fh === 1 ? [sh, 1, oh] : [1, sh, fh + sh * (oh - 1)];
    const [colStep, dilW, wp] = fw === 1 ? [sw, 1, ow] : [1, sw, fw + sw * (ow - 1)];
    const io = kernelIO(backend);

    const xt = io.alloc([ci, hp, wp, n]);
    const dyt = io.alloc([oh, ow, n, co]);
    // Views after both allocations (wasm's heap may move).
    layoutInputForFilterGrad(io.view(x), io.view(xt), { n, h, w, ci, hp, wp, pt, pl, rowStep, colStep });
    layoutDyForFilterGrad(io.view(dy), io.view(dyt), n, oh * ow, co);
    const out = callKernel("Conv2D", backendName, backend, { x: xt, filter: dyt }, {
      strides: 1, pad: "valid", dataFormat: "NHWC", dilations: [dilH, dilW],
    });
    io.free(xt);
    io.free(dyt);
    if (out.shape.join() !== [ci, fh, fw, co].join()) {
      io.free(out);
      throw new Error(`Conv2DBackpropFilter (bnlab): inner conv gave [${out.shape.join(", ")}]`);
    }
    // [ci, fh, fw, co] → [fh, fw, ci, co]
    const dw = io.alloc([fh, fw, ci, co]);
    {
      const ov = io.view(out);
      const dwv = io.view(dw);
      for (let k = 0; k < ci; k++) {
        for (let t = 0; t < fh * fw; t++) {
          const src = (k * fh * fw + t) * co;
          const dst = (t * ci + k) * co;
          for (let m = 0; m < co; m++) dwv[dst + m] = ov[src + m];
        }
      }
    }
    io.free(out);
    return dw;
  };
}

function conv2DBackpropInputKernel(backendName: string, maxColumnFloats: number): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = attrs as unknown as Conv2DBackpropInputAttrs;
    const info = convInfoOf("Conv2DBackpropInput", a.inputShape, shape4(filter.shape, "filter"), a);
    checkDy("Conv2DBackpropInput", dy, info);
    const { top, bottom, left, right } = info.padInfo;
    const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
    const full = [fh - 1 - top, fh - 1 - bottom, fw - 1 - left, fw - 1 - right];
    if (sh === 1 && sw === 1 && full.every((p) => p >= 0)) {
      return backpropInputStride1(backendName, backend, dy, filter, info, full);
    }
    return backpropInputColumns(backendName, backend, dy, filter, info, maxColumnFloats);
  };
}

function backpropInputStride1(
  backendName: string,
  backend: object,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
  [padTop, padBottom, padLeft, padRight]: number[],
): TensorInfo {
  const { filterHeight: fh, filterWidth: fw, inChannels: ci, outChannels: co } = info;
  const io = kernelIO(backend);
  // flipped[kh, kw, co, ci] = W[fh−1−kh, fw−1−kw, ci, co]
  const flipped = io.alloc([fh, fw, co, ci]);
  {
    const wv = io.view(filter);
    const fv = io.view(flipped);
    for (let kh = 0; kh < fh; kh++) {
      for (let kw = 0; kw < fw; kw++) {
        const dst = (kh * fw + kw) * co * ci;
        const src = ((fh - 1 - kh) * fw + (fw - 1 - kw)) * ci * co;
        for (let i = 0; i < ci; i++) {
          for (let o = 0; o < co; o++) fv[dst + o * ci + i] = wv[src + i * co + o];
        }
      }
    }
  }
  const dx = callKernel("Conv2D", backendName, backend, { x: dy, filter: flipped }, {
    strides: 1,
    pad: [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]],
    dataFormat: "NHWC",
    dilations: 1,
  });
  io.free(flipped);
  return dx;
}

function backpropInputColumns(
  backendName: string,
  backend: object,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
  maxColumnFloats: number,
): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const kf = info.filterHeight * info.filterWidth * ci;
  const pixels = oh * ow;
  const io = kernelIO(backend);

  // wt [1, co, kf] = W viewed as [kf, co], transposed.
  const wt = io.alloc([1, co, kf]);
  {
    const wv = io.view(filter);
    const wtv = io.view(wt);
    for (let k = 0; k < kf; k++) {
      for (let o = 0; o < co; o++) wtv[o * kf + k] = wv[k * co + o];
    }
  }
  const dx = io.alloc([n, h, w, ci]);
  io.view(dx).fill(0);

  const chunk = Math.max(1, Math.min(n, Math.floor(maxColumnFloats / (pixels * kf))));
  for (let n0 = 0; n0 < n; n0 += chunk) {
    const nc = Math.min(chunk, n - n0);
    const rows = nc * pixels;
    let lhs: TensorInfo;
    let ownsLhs = false;
    if (nc === n) {
      // The whole of dy, seen as [1, rows, co]: same buffer, no copy. (As the left operand,
      // nothing is cached on its id.)
      lhs = { dataId: dy.dataId, shape: [1, rows, co], dtype: "float32" };
    } else {
      lhs = io.alloc([1, rows, co]);
      ownsLhs = true;
      io.view(lhs).set(io.view(dy).subarray(n0 * pixels * co, (n0 + nc) * pixels * co));
    }
    const cols = callKernel("BatchMatMul", backendName, backend, { a: lhs, b: wt }, { transposeA: false, transposeB: false });
    if (ownsLhs) io.free(lhs);
    col2im(io.view(cols), io.view(dx), n0, nc, info);
    io.free(cols);
  }
  io.free(wt);
  return dx;
}

/** dx[b, y·sh − pt + kh, x·sw − pl + kw, k] += cols[(b − n0, y, x), (kh, kw, k)] for images n0 … n0+nc−1. */
function col2im(cv: Float32Array, dxv: Float32Array, n0: number, nc: number, info: backend_util.Conv2DInfo): void {
  const { inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const kf = fh * fw * ci;
  let src = 0;
  for (let b = n0; b < n0 + nc; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++, src += kf) {
        for (let kh = 0; kh < fh; kh++) {
          const ih = y * sh - pt + kh;
          if (ih < 0 || ih >= h) continue;
          for (let kw = 0; kw < fw; kw++) {
            const iw = x * sw - pl + kw;
            if (iw < 0 || iw >= w) continue;
            const d = ((b * h + ih) * w + iw) * ci;
            const s = src + (kh * fw + kw) * ci;
            for (let k = 0; k < ci; k++) dxv[d + k] += cv[s + k];
          }
        }
      }
    }
  }
}

/** Conv2DBackpropFilter and Conv2DBackpropInput for a backend with Conv2D and BatchMatMul kernels. */
export function convBackpropKernelConfigs(backendName: string, opts: ConvBackpropOptions = {}): KernelConfig[] {
  const maxColumnFloats = opts.maxColumnFloats ?? MAX_COLUMN_FLOATS;
  return [
    { kernelName: "Conv2DBackpropFilter", backendName, kernelFunc: conv2DBackpropFilterKernel(backendName) },
    { kernelName: "Conv2DBackpropInput", backendName, kernelFunc: conv2DBackpropInputKernel(backendName, maxColumnFloats) },
  ];
}
