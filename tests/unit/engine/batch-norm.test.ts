import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import {
  batchNormKernelConfigs,
  batchNormTrain,
  batchNormTrainComposite,
  BATCH_NORM_TRAIN,
  BATCH_NORM_TRAIN_GRAD,
  kernelIO,
  registerBnlabKernels,
  tensorCount,
} from "../../../lib/engine";
import { relErr, sizeOf, take, useBackend, values } from "./compare";

const EPS = 1e-5;

interface Case { shape: number[]; offset?: number; scale?: number }
const cases: Case[] = [
  { shape: [4, 5, 5, 3] },
  { shape: [1, 3, 3, 8] }, // batch 1
  { shape: [2, 7, 7, 16], offset: 3, scale: 0.01 }, // odd sizes, mean ≫ std
  { shape: [3, 1, 1, 5] },
  { shape: [16, 10] }, // 2-D [N, C]
  // (Not [2, C]: with two rows x̂ = ±1 and dx vanishes up to ε terms, so no relative error is meaningful.)
  { shape: [5, 6] },
];

interface Result { y: Float32Array; mean: Float32Array; variance: Float32Array; dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array }

/** Forward and gradients of Σ y·w (w random, so dx is not trivially zero) on the current backend. */
function run(c: Case, impl: typeof batchNormTrain): Result {
  const n = sizeOf(c.shape);
  const ch = c.shape[c.shape.length - 1];
  const xv = values(n, 1).map((v) => (c.offset ?? 0) + (c.scale ?? 1) * v);
  const x = tf.tensor(xv, c.shape);
  const gamma = tf.tensor1d(values(ch, 2).map((v) => v + 1.5));
  const beta = tf.tensor1d(values(ch, 3));
  const w = tf.tensor(values(n, 4), c.shape);
  const fwd = impl(x, gamma, beta, EPS);
  const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(impl(a, g, b, EPS).y, w)))([x, gamma, beta]);
  const out = {
    y: take(fwd.y), mean: take(fwd.mean), variance: take(fwd.variance),
    dx: take(grads[0]), dgamma: take(grads[1]), dbeta: take(grads[2]),
  };
  tf.dispose([x, gamma, beta, w]);
  return out;
}

describe("BnlabBatchNormTrain and its gradient", () => {
  const reference = new Map<Case, Result>();

  beforeAll(async () => {
    registerBnlabKernels();
    await useBackend("cpu");
    for (const c of cases) reference.set(c, run(c, batchNormTrainComposite));
  });
  afterAll(() => tf.setBackend("cpu"));

  for (const backend of ["cpu", "wasm"] as const) {
    describe(backend, () => {
      beforeAll(() => useBackend(backend));

      it("has both kernels registered", () => {
        expect(tf.getKernel(BATCH_NORM_TRAIN, backend)).toBeDefined();
        expect(tf.getKernel(BATCH_NORM_TRAIN_GRAD, backend)).toBeDefined();
      });

      for (const c of cases) {
        it(`matches the composite ops and tf.grads on cpu for [${c.shape.join(", ")}]`, () => {
          const got = run(c, batchNormTrain);
          const want = reference.get(c)!;
          for (const key of ["y", "mean", "variance", "dx", "dgamma", "dbeta"] as const) {
            expect(relErr(got[key], want[key]), key).toBeLessThan(1e-4);
          }
        });
      }

      it("computes mean and biased variance exactly as defined", () => {
        // Two channels over three rows: [1, 10], [2, 20], [6, 30].
        const x = tf.tensor2d([1, 10, 2, 20, 6, 30], [3, 2]);
        const { y, mean, variance } = batchNormTrain(x, tf.ones([2]), tf.zeros([2]), 0);
        expect(Array.from(mean.dataSync())).toEqual([3, 20]);
        expect(variance.dataSync()[0]).toBeCloseTo(14 / 3, 5);
        expect(variance.dataSync()[1]).toBeCloseTo(200 / 3, 4);
        expect(y.dataSync()[0]).toBeCloseTo(-2 / Math.sqrt(14 / 3), 5);
        tf.dispose([x, y, mean, variance]);
      });

      it("leaks no tensors and no backend memory over many steps", () => {
        const x = tf.tensor(values(2 * 8 * 8 * 4, 5), [2, 8, 8, 4]);
        const g = tf.variable(tf.ones([4]));
        const b = tf.variable(tf.zeros([4]));
        const step = () =>
          tf.tidy(() => {
            const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(batchNormTrain(x, g, b, EPS).y)), [g, b]);
            g.assign(tf.sub(g, tf.mul(grads[g.name], 0.01)));
            b.assign(tf.sub(b, tf.mul(grads[b.name], 0.01)));
            return value;
          }).dispose();
        const be = tf.engine().backend as unknown as { numDataIds(): number; wasm?: { HEAPU8: Uint8Array } };
        const snapshot = () => ({
          tensors: tensorCount(),
          bytes: tf.memory().numBytes,
          buffers: be.numDataIds(),
          heap: be.wasm?.HEAPU8.buffer.byteLength ?? 0,
        });
        for (let i = 0; i < 3; i++) step();
        const before = snapshot();
        for (let i = 0; i < 50; i++) step();
        expect(snapshot()).toEqual(before);
        tf.dispose([x, g, b]);
      });

      it("kernelIO views, allocates and frees backend memory without tensors", () => {
        const t = tf.tensor1d([1, 2, 3]);
        const io = kernelIO(tf.engine().backend);
        const out = io.alloc([2, 3]);
        io.view(out).set([1, 2, 3, 4, 5, 6]);
        expect(Array.from(io.view(t))).toEqual([1, 2, 3]);
        const buffers = tf.engine().backend.numDataIds();
        io.free(out);
        expect(tf.engine().backend.numDataIds()).toBe(buffers - 1);
        const ints = tf.tensor1d([1], "int32");
        expect(() => io.view(ints)).toThrow(/expected a float32 tensor/);
        tf.dispose([t, ints]);
      });

      it("falls back to the composite ops on a backend without the kernel", () => {
        const c = cases[0];
        const [config] = batchNormKernelConfigs(backend);
        tf.unregisterKernel(BATCH_NORM_TRAIN, backend);
        try {
          const got = run(c, batchNormTrain);
          expect(relErr(got.dx, reference.get(c)!.dx)).toBeLessThan(1e-4);
        } finally {
          tf.registerKernel(config);
        }
      });

      it("rejects gamma/beta of the wrong size", () => {
        const x = tf.zeros([2, 3]);
        expect(() => batchNormTrain(x, tf.ones([4]), tf.zeros([3]), EPS)).toThrow(/gamma must have shape \[3\]/);
        x.dispose();
      });
    });
  }
});
