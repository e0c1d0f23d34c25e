import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";

import { batchNormTrain } from "../../../../lib/engine/ops";
import { fallbackCounts, NativeBackend } from "../../../../lib/engine/native";
import { nativeOrSkip, randomArray, relError } from "./helpers";

const available = await nativeOrSkip();

/** A small residual conv net from tf ops: conv-BN-relu, a residual block, a stride-2 projection, pool, linear. */
function makeNet(seed: number) {
  const v = (shape: number[], s: number, scale: number) =>
    tf.variable(tf.tensor(randomArray(shape.reduce((p, d) => p * d, 1), seed + s).map((x) => x * scale), shape));
  const params = {
    c0: v([3, 3, 3, 8], 1, 0.4), g0: v([8], 2, 0.5), b0: v([8], 3, 0.1),
    c1: v([3, 3, 8, 8], 4, 0.2), g1: v([8], 5, 0.5), b1: v([8], 6, 0.1),
    c2: v([3, 3, 8, 16], 7, 0.2), g2: v([16], 8, 0.5), b2: v([16], 9, 0.1),
    cs: v([1, 1, 8, 16], 10, 0.3), gs: v([16], 11, 0.5), bs: v([16], 12, 0.1),
    fw: v([16, 10], 13, 0.3), fb: v([10], 14, 0.1),
  };
  const bn = (x: tf.Tensor4D, g: tf.Variable, b: tf.Variable) => batchNormTrain(x, g, b, 1e-5).y;
  const forward = (x: tf.Tensor4D) => {
    const p = params;
    const h = tf.relu(bn(tf.conv2d(x, p.c0 as tf.Tensor4D, 1, 1), p.g0, p.b0)) as tf.Tensor4D;
    const r = tf.relu(tf.add(bn(tf.conv2d(h, p.c1 as tf.Tensor4D, 1, 1), p.g1, p.b1), h)) as tf.Tensor4D;
    const d = bn(tf.conv2d(r, p.c2 as tf.Tensor4D, 2, 1), p.g2, p.b2);
    const s = bn(tf.conv2d(r, p.cs as tf.Tensor4D, 2, 0), p.gs, p.bs);
    const o = tf.relu(tf.add(d, s)) as tf.Tensor4D;
    return tf.add(tf.matMul(tf.mean(o, [1, 2]) as tf.Tensor2D, p.fw as tf.Tensor2D), p.fb) as tf.Tensor2D;
  };
  return { params, forward };
}

/** A batch of n images size×size×3; `fixed` repeats the same batch every step. */
function batch(step: number, n: number, size: number, fixed: boolean) {
  const seed = fixed ? 1000 : 1000 + step;
  const x = tf.tensor4d(randomArray(n * size * size * 3, seed), [n, size, size, 3]);
  const labels = Array.from({ length: n }, (_, i) => (i * 7 + (fixed ? 0 : step)) % 10);
  return { x, y: tf.oneHot(tf.tensor1d(labels, "int32"), 10) };
}

/** Runs `steps` SGD-with-momentum steps on a backend; returns the losses. */
interface TrainOptions {
  steps: number;
  which: "all" | "bn";
  batchSize: number;
  imageSize: number;
  fixedBatch: boolean;
  onStep?: (step: number) => void;
}

async function train(backend: string, { steps, which, batchSize, imageSize, fixedBatch, onStep }: TrainOptions) {
  await tf.setBackend(backend);
  const net = makeNet(1);
  const trainable = Object.entries(net.params)
    .filter(([k]) => which === "all" || /^[gb]/.test(k))
    .map(([, v]) => v);
  const opt = tf.train.momentum(0.05, 0.9);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = tf.tidy(() => {
      const { x, y } = batch(step, batchSize, imageSize, fixedBatch);
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)) as tf.Scalar, trainable);
      opt.applyGradients(grads as Parameters<typeof opt.applyGradients>[0]);
      return value;
    });
    losses.push(loss.dataSync()[0]);
    loss.dispose();
    onStep?.(step);
  }
  opt.dispose();
  Object.values(net.params).forEach((p) => p.dispose());
  return losses;
}

describe.skipIf(!available)("training on the native backend", () => {
  it("follows the cpu backend's loss trajectory (all parameters and BN only)", async () => {
    for (const which of ["all", "bn"] as const) {
      const opts = { steps: 5, which, batchSize: 8, imageSize: 8, fixedBatch: true };
      const cpu = await train("cpu", opts);
      const native = await train("native", opts);
      expect(relError(native, cpu)).toBeLessThan(1e-3);
      expect(native[4]).toBeLessThan(native[0]);
    }
  });

  it("keeps tensor count and memory flat over 200 steps", async () => {
    fallbackCounts.clear();
    const counts: number[] = [];
    const rss: number[] = [];
    // 32×16×16×8 activations: large enough to go through the buffer pool
    const losses = await train("native", { steps: 200, which: "all", batchSize: 32, imageSize: 16, fixedBatch: false, onStep: (step) => {
      counts.push(tf.memory().numTensors);
      if (step === 49 || step === 199) {
        (globalThis as { gc?: () => void }).gc?.();
        rss.push(process.memoryUsage().rss);
      }
    } });
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(counts[199]).toBe(counts[9]);
    // steady state: the pool recycles the same buffers every step
    expect((rss[1] - rss[0]) / 2 ** 20).toBeLessThan(40);
    const backend = tf.findBackend("native") as NativeBackend;
    expect(backend.pool.stats.hits).toBeGreaterThan(backend.pool.stats.misses);
    // the hot kernels of this net all ran natively
    for (const k of ["Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", "BnlabBatchNormTrain", "Relu", "Add", "Mean"]) {
      expect(fallbackCounts.get(k) ?? 0).toBe(0);
    }
  });

  it("does not recycle a buffer the caller read out with dataSync()", async () => {
    await tf.setBackend("native");
    const big = [64, 32, 32, 4];
    const a = tf.relu(tf.fill(big, 3));
    const values = a.dataSync();
    a.dispose();
    const b = tf.relu(tf.fill(big, -1)); // same size: would reuse a's buffer if it were pooled
    expect(values[0]).toBe(3);
    expect(values[values.length - 1]).toBe(3);
    b.dispose();
  });

  it("does not recycle a buffer that a view (Slice) still shares", async () => {
    await tf.setBackend("native");
    const a = tf.relu(tf.fill([64, 32, 32, 4], 5));
    const first = tf.slice(a, [0], [1]); // cpu's Slice returns a subarray of a's values
    a.dispose();
    const b = tf.relu(tf.fill([64, 32, 32, 4], -7));
    expect(first.dataSync()[0]).toBe(5);
    first.dispose();
    b.dispose();
  });

  it("does not recycle a caller's array passed to tf.tensor()", async () => {
    await tf.setBackend("native");
    const data = new Float32Array(64 * 32 * 32 * 4).fill(2);
    const t = tf.tensor(data, [64, 32, 32, 4]);
    t.dispose();
    tf.relu(tf.fill([64, 32, 32, 4], -1)).dispose();
    expect(data[0]).toBe(2);
  });
});
