import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import { convBackpropKernelConfigs, registerBnlabKernels, tensorCount } from "../../../lib/engine";
import { relErr, sizeOf, take, useBackend, values } from "./compare";

type Shape4 = [number, number, number, number];
type Pad = "same" | "valid" | number | [[number, number], [number, number], [number, number], [number, number]];
interface Case { name: string; x: Shape4; f: Shape4; strides: number | [number, number]; pad: Pad }

const cases: Case[] = [
  { name: "3×3 stride 2 pad 1 (ResNet downsampling)", x: [2, 8, 8, 3], f: [3, 3, 3, 4], strides: 2, pad: 1 },
  { name: "3×3 stride 2 pad 1, odd size", x: [2, 9, 9, 3], f: [3, 3, 3, 4], strides: 2, pad: 1 },
  { name: "3×3 stride 1 pad 1, batch 1", x: [1, 6, 6, 4], f: [3, 3, 4, 5], strides: 1, pad: 1 },
  { name: "1×1 stride 2 pad 0 (projection shortcut)", x: [3, 8, 8, 2], f: [1, 1, 2, 6], strides: 2, pad: 0 },
  { name: "1×1 stride 2, odd size", x: [2, 7, 7, 3], f: [1, 1, 3, 2], strides: 2, pad: 0 },
  { name: "3×3 stride 2 'same' (asymmetric)", x: [2, 6, 6, 3], f: [3, 3, 3, 2], strides: 2, pad: "same" },
  { name: "3×2 stride 1 'valid', non-square", x: [2, 7, 5, 3], f: [3, 2, 3, 4], strides: 1, pad: "valid" },
  { name: "5×5 stride 1 'same'", x: [1, 5, 5, 2], f: [5, 5, 2, 3], strides: 1, pad: "same" },
  { name: "stride [2, 1] explicit pads", x: [2, 10, 9, 4], f: [3, 3, 4, 4], strides: [2, 1], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { name: "stride 3 pad 1", x: [2, 8, 8, 3], f: [3, 3, 3, 3], strides: 3, pad: 1 },
  { name: "stride 1, pad larger than the filter", x: [1, 4, 4, 2], f: [2, 2, 2, 2], strides: 1, pad: 2 },
];

interface Result { y: Float32Array; dx: Float32Array; dw: Float32Array }

/** Forward conv and both backprop kernels, called directly, on the current backend. */
function run(c: Case): Result {
  return tf.tidy(() => {
    const x = tf.tensor4d(values(sizeOf(c.x), 11), c.x);
    const w = tf.tensor4d(values(sizeOf(c.f), 12), c.f);
    const y = tf.conv2d(x, w, c.strides, c.pad);
    const dy = tf.tensor4d(values(y.size, 13), y.shape);
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: "NHWC" };
    const dx = tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: w }, { ...attrs, inputShape: c.x }) as tf.Tensor;
    const dw = tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { ...attrs, filterShape: c.f }) as tf.Tensor;
    expect(dx.shape).toEqual(c.x);
    expect(dw.shape).toEqual(c.f);
    return { y: Float32Array.from(y.dataSync()), dx: Float32Array.from(dx.dataSync()), dw: Float32Array.from(dw.dataSync()) };
  });
}

describe("wasm convolution gradients", () => {
  const reference = new Map<Case, Result>();

  beforeAll(async () => {
    // The reference: tfjs's stock cpu kernels, before anything of bnlab's is registered.
    await useBackend("cpu");
    for (const c of cases) reference.set(c, run(c));
    registerBnlabKernels();
    await useBackend("wasm");
  });
  afterAll(() => tf.setBackend("cpu"));

  for (const c of cases) {
    it(`matches the cpu kernels: ${c.name}`, () => {
      const got = run(c);
      const want = reference.get(c)!;
      expect(relErr(got.y, want.y), "forward").toBeLessThan(1e-4);
      expect(relErr(got.dx, want.dx), "backprop input").toBeLessThan(1e-4);
      expect(relErr(got.dw, want.dw), "backprop filter").toBeLessThan(1e-4);
    });
  }

  it("computes strided backprop-input in chunks of images when the columns are large", () => {
    const c = cases[1];
    const chunked = convBackpropKernelConfigs("wasm", { maxColumnFloats: 200 }).find((k) => k.kernelName === "Conv2DBackpropInput")!;
    const got = tf.tidy(() => {
      const w = tf.tensor4d(values(sizeOf(c.f), 12), c.f);
      const dyShape = tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, w, c.strides, c.pad).shape;
      const dy = tf.tensor4d(values(sizeOf(dyShape), 13), dyShape);
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: "NHWC", inputShape: c.x };
      const info = chunked.kernelFunc({ inputs: { dy, filter: w }, attrs, backend: tf.engine().backend }) as tf.TensorInfo;
      return tf.engine().makeTensorFromTensorInfo(info);
    });
    expect(relErr(take(got), reference.get(c)!.dx)).toBeLessThan(1e-4);
  });

  it("serves tf.grads of conv2d (the path a model takes)", async () => {
    const c = cases[0];
    const f = (x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad)));
    const grads = async () => {
      const x = tf.tensor4d(values(sizeOf(c.x), 21), c.x);
      const w = tf.tensor4d(values(sizeOf(c.f), 22), c.f);
      const [dx, dw] = tf.grads(f)([x, w]);
      tf.dispose([x, w]);
      return [take(dx), take(dw)];
    };
    const [dxWasm, dwWasm] = await grads();
    await useBackend("cpu");
    const [dxCpu, dwCpu] = await grads();
    await useBackend("wasm");
    expect(relErr(dxWasm, dxCpu)).toBeLessThan(1e-4);
    expect(relErr(dwWasm, dwCpu)).toBeLessThan(1e-4);
  });

  it("leaks no tensors, no backend buffers, and no wasm heap over many calls", () => {
    const shape: Shape4 = [4, 16, 16, 8];
    const x = tf.tensor4d(values(sizeOf(shape), 31), shape);
    const w1 = tf.tensor4d(values(3 * 3 * 8 * 8, 32), [3, 3, 8, 8]);
    const w2 = tf.tensor4d(values(3 * 3 * 8 * 16, 33), [3, 3, 8, 16]);
    const step = () =>
      tf.tidy(() => {
        // Stride 1 and stride 2, so both backprop-input paths run.
        const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.add(tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 1))), tf.sum(tf.conv2d(a as tf.Tensor4D, c as tf.Tensor4D, 2, 1)));
        return tf.addN(tf.grads(loss)([x, w1, w2]).map((g) => tf.sum(g)));
      }).dispose();
    const backend = tf.engine().backend as unknown as { numDataIds(): number; wasm: { HEAPU8: Uint8Array } };
    for (let i = 0; i < 3; i++) step();
    const before = { tensors: tensorCount(), bytes: tf.memory().numBytes, ids: backend.numDataIds(), heap: backend.wasm.HEAPU8.buffer.byteLength };
    for (let i = 0; i < 30; i++) step();
    expect(tensorCount()).toBe(before.tensors);
    expect(tf.memory().numBytes).toBe(before.bytes);
    expect(backend.numDataIds()).toBe(before.ids);
    expect(backend.wasm.HEAPU8.buffer.byteLength).toBe(before.heap);
    tf.dispose([x, w1, w2]);
  });

  it("registers idempotently and replaces the stock wasm Conv2DBackpropInput", () => {
    const input = tf.getKernel("Conv2DBackpropInput", "wasm");
    const filter = tf.getKernel("Conv2DBackpropFilter", "wasm");
    registerBnlabKernels();
    expect(tf.getKernel("Conv2DBackpropInput", "wasm")).toBe(input);
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBe(filter);
    expect(input?.setupFunc).toBeUndefined(); // the stock one sets up a wasm function
  });
});
