import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";

import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from "../../../../lib/engine/kernel-names";
import { batchNormTrain } from "../../../../lib/engine/ops";
import { fallbackCounts, type NativeBackend } from "../../../../lib/engine/native";
import { compareWithCpu, nativeOrSkip, randomArray, randomTensor, relError, runOn } from "./helpers";

const available = await nativeOrSkip();
const TOL = 1e-4;

/** Batch norm in training mode in float64, straight from the spec in lib/engine/kernel-names.ts. */
function bnReference(x: Float32Array, dy: Float32Array, gamma: Float32Array, beta: Float32Array, c: number, eps: number) {
  const m = x.length / c;
  const mean = new Float64Array(c), variance = new Float64Array(c);
  for (let i = 0; i < x.length; i++) mean[i % c] += x[i] / m;
  for (let i = 0; i < x.length; i++) variance[i % c] += (x[i] - mean[i % c]) ** 2 / m;
  const invstd = variance.map((v) => 1 / Math.sqrt(v + eps));
  const y = new Float64Array(x.length), dbeta = new Float64Array(c), dgamma = new Float64Array(c);
  for (let i = 0; i < x.length; i++) {
    const k = i % c, xhat = (x[i] - mean[k]) * invstd[k];
    y[i] = xhat * gamma[k] + beta[k];
    dbeta[k] += dy[i];
    dgamma[k] += dy[i] * xhat;
  }
  const dx = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const k = i % c, xhat = (x[i] - mean[k]) * invstd[k];
    dx[i] = (gamma[k] * invstd[k] / m) * (m * dy[i] - dbeta[k] - xhat * dgamma[k]);
  }
  return { y, mean, variance, dx, dgamma, dbeta };
}

describe.skipIf(!available)("native batch norm", () => {
  beforeAll(async () => {
    fallbackCounts.clear();
    await tf.setBackend("native");
  });

  const shapes = [[4, 5, 6, 7], [16, 3], [2, 3, 4, 5, 8], [1, 1, 1, 9], [128, 4, 4, 16]];
  for (const [i, shape] of shapes.entries()) {
    for (const eps of [1e-5, 1e-3]) {
      it(`${BATCH_NORM_TRAIN} and its gradient on [${shape}], eps ${eps}`, () => {
        const c = shape[shape.length - 1];
        const n = shape.reduce((p, d) => p * d, 1);
        // An offset and scale per channel make the statistics non-trivial.
        const x = randomArray(n, i + 1).map((v, j) => v * (1 + (j % c)) + (j % c) - 2);
        const dy = randomArray(n, i + 50);
        const gamma = randomArray(c, i + 2).map((v) => v + 1.5);
        const beta = randomArray(c, i + 3);
        const ref = bnReference(x, dy, gamma, beta, c, eps);
        tf.tidy(() => {
          const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN,
            { x: tf.tensor(x, shape), gamma: tf.tensor(gamma), beta: tf.tensor(beta) }, { epsilon: eps }) as tf.Tensor[];
          expect(y.shape).toEqual(shape);
          expect(mean.shape).toEqual([c]);
          expect(relError(y.dataSync(), ref.y)).toBeLessThan(TOL);
          expect(relError(mean.dataSync(), ref.mean)).toBeLessThan(TOL);
          expect(relError(variance.dataSync(), ref.variance)).toBeLessThan(TOL);
          const [dx, dgamma, dbeta] = tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD,
            { dy: tf.tensor(dy, shape), x: tf.tensor(x, shape), gamma: tf.tensor(gamma), mean, variance }, { epsilon: eps }) as tf.Tensor[];
          expect(dx.shape).toEqual(shape);
          expect(relError(dx.dataSync(), ref.dx)).toBeLessThan(TOL);
          expect(relError(dgamma.dataSync(), ref.dgamma)).toBeLessThan(TOL);
          expect(relError(dbeta.dataSync(), ref.dbeta)).toBeLessThan(TOL);
        });
      });
    }
  }

  it(`${BATCH_NORM_TRAIN} with a mean far from zero (1000 ± 1)`, () => {
    const shape = [64, 4, 4, 8], c = 8, n = 64 * 4 * 4 * 8;
    const x = randomArray(n, 9).map((v) => 1000 + v);
    const gamma = new Float32Array(c).fill(1), beta = new Float32Array(c);
    const ref = bnReference(x, new Float32Array(n), gamma, beta, c, 1e-5);
    tf.tidy(() => {
      const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN,
        { x: tf.tensor(x, shape), gamma: tf.tensor(gamma), beta: tf.tensor(beta) }, { epsilon: 1e-5 }) as tf.Tensor[];
      expect(relError(mean.dataSync(), ref.mean)).toBeLessThan(1e-6);
      expect(relError(variance.dataSync(), ref.variance)).toBeLessThan(1e-4);
      expect(relError(y.dataSync(), ref.y)).toBeLessThan(TOL);
    });
  });

  const evalCases: [string, () => tf.Tensor][] = [
    ["rank 4 with scale and offset", () => tf.batchNorm(randomTensor([3, 4, 5, 6], 1), randomTensor([6], 2), tf.abs(randomTensor([6], 3)), randomTensor([6], 4), randomTensor([6], 5), 1e-5)],
    ["rank 2 without scale and offset", () => tf.batchNorm(randomTensor([7, 5], 6), randomTensor([5], 7), tf.abs(randomTensor([5], 8)))],
    ["scalar mean and variance", () => tf.batchNorm(randomTensor([2, 3, 3, 4], 9), tf.scalar(0.3), tf.scalar(2), undefined, undefined, 1e-3)],
    ["parameters shaped [1,1,1,C]", () => tf.batchNorm(randomTensor([2, 3, 3, 4], 11), randomTensor([1, 1, 1, 4], 12), tf.abs(randomTensor([1, 1, 1, 4], 13)))],
  ];
  for (const [name, f] of evalCases) {
    it(`FusedBatchNorm (eval mode): ${name}`, async () => {
      const { errors, native, cpu } = await compareWithCpu(f);
      expect(native.shapes).toEqual(cpu.shapes);
      expect(errors[0]).toBeLessThan(TOL);
    });
  }

  it("ran natively (no cpu fallback)", () => {
    expect(Object.fromEntries(fallbackCounts)).toEqual({});
  });
});

describe.skipIf(!available)("native element-wise kernels and reductions", () => {
  beforeAll(() => fallbackCounts.clear());

  it("Relu keeps NaN and zeroes negatives", async () => {
    const { native, cpu } = await compareWithCpu(() => tf.relu(tf.tensor([-1, 0, 2.5, NaN, -0, 3])));
    expect(Array.from(native.values[0])).toEqual(Array.from(cpu.values[0]));
  });

  it("Relu on a large tensor (multithreaded path)", async () => {
    const { errors } = await compareWithCpu(() => tf.relu(randomTensor([8, 16, 16, 32], 1)));
    expect(errors[0]).toBe(0);
  });

  it("Step with alpha, and NaN", async () => {
    const { native, cpu } = await compareWithCpu(() =>
      tf.engine().runKernel("Step", { x: tf.tensor([-1, 0, 2, NaN]) }, { alpha: 0.25 }) as tf.Tensor);
    expect(Array.from(native.values[0])).toEqual(Array.from(cpu.values[0]));
  });

  it("relu's gradient", async () => {
    const { errors } = await compareWithCpu(() =>
      tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.relu(x), randomTensor([4, 8, 8, 16], 3))))(randomTensor([4, 8, 8, 16], 2)));
    expect(errors[0]).toBe(0);
  });

  const binaryShapes: [number[], number[]][] = [
    [[4, 8, 8, 16], [4, 8, 8, 16]],
    [[4, 8, 8, 16], [16]],
    [[16], [4, 8, 8, 16]],
    [[4, 1, 1, 16], [4, 8, 8, 16]],
    [[4, 8, 8, 16], []],
    [[], [5, 7]],
    [[3, 1], [1, 4]],
    [[2, 5, 1, 3], [1, 1, 6, 1]],
    [[1], [1]],
    [[64, 300], [64, 1]],
    [[1, 70000], [1]],
  ];
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ["add", tf.add], ["sub", tf.sub], ["mul", tf.mul], ["div", tf.div],
  ];
  for (const [opName, op] of ops) {
    for (const [i, [sa, sb]] of binaryShapes.entries()) {
      it(`${opName} [${sa}] and [${sb}]`, async () => {
        const { errors, native, cpu } = await compareWithCpu(() => {
          const b = randomTensor(sb, i + 20);
          // keep divisors away from zero
          return op(randomTensor(sa, i + 10), opName === "div" ? tf.add(tf.abs(b), 0.5) : b);
        });
        expect(native.shapes).toEqual(cpu.shapes);
        expect(errors[0]).toBeLessThan(1e-6);
      });
    }
  }

  it("int32 arithmetic falls back to the cpu kernels", async () => {
    const out = await runOn("native", () => tf.add(tf.tensor([1, 2, 3], [3], "int32"), tf.tensor([4], [1], "int32")));
    expect(Array.from(out.values[0])).toEqual([5, 6, 7]);
  });

  const reductions: [string, number[], number | number[] | undefined, boolean][] = [
    ["global average pool axes [1,2]", [8, 6, 5, 16], [1, 2], false],
    ["channel sums [0,1,2]", [16, 16, 16, 8], [0, 1, 2], false],
    ["last axis", [6, 5, 70], -1, false],
    ["first axis", [300, 3], 0, true],
    ["all axes", [4, 7, 9], undefined, false],
    ["size-1 dims in between", [5, 1, 6, 1, 4], [0, 2], true],
    ["non-contiguous axes (cpu fallback)", [3, 4, 5, 6], [0, 2], false],
  ];
  for (const [name, shape, axis, keepDims] of reductions) {
    for (const [opName, op] of [["sum", tf.sum], ["mean", tf.mean]] as const) {
      it(`${opName}: ${name}`, async () => {
        const { errors, native, cpu } = await compareWithCpu(() => op(randomTensor(shape, 5), axis, keepDims));
        expect(native.shapes).toEqual(cpu.shapes);
        expect(errors[0]).toBeLessThan(TOL);
      });
    }
  }

  it("mean's gradient (ones, broadcast multiply, divide)", async () => {
    const { errors } = await compareWithCpu(() =>
      tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.mean(x, [1, 2]), randomTensor([4, 16], 8))))(randomTensor([4, 8, 8, 16], 7)));
    expect(errors[0]).toBeLessThan(TOL);
  });

  it("fill", async () => {
    const { native } = await compareWithCpu(() => tf.fill([300, 200], 2.5));
    expect(native.values[0].every((v) => v === 2.5)).toBe(true);
  });

  it("only the non-contiguous reductions and int32 fell back", () => {
    expect([...fallbackCounts.keys()].sort()).toEqual(["Add", "Mean", "Sum"]);
    expect(fallbackCounts.get("Add")).toBe(1);
  });
});

describe.skipIf(!available)("deferred (fused) element-wise chains", () => {
  const shape = [4, 6, 6, 8];
  const bn = (seed: number) =>
    tf.batchNorm(randomTensor(shape, seed), randomTensor([8], seed + 1), tf.add(tf.abs(randomTensor([8], seed + 2)), 0.1), randomTensor([8], seed + 3), randomTensor([8], seed + 4), 1e-5);

  const chains: [string, () => tf.Tensor | tf.Tensor[]][] = [
    ["batchNorm → relu", () => tf.relu(bn(1))],
    ["batchNorm → add(·, h) → relu", () => tf.relu(tf.add(bn(1), randomTensor(shape, 9)))],
    ["add(h, batchNorm) → relu", () => tf.relu(tf.add(randomTensor(shape, 9), bn(1)))],
    ["add(batchNorm, batchNorm) → relu (projection shortcut)", () => tf.relu(tf.add(bn(1), bn(20)))],
    ["batchNorm read twice (relu and itself)", () => { const y = bn(1); return [tf.relu(y), y]; }],
    ["batchNorm → add, read without relu", () => tf.add(bn(1), randomTensor(shape, 9))],
    ["batchNorm → add → a cpu kernel (Transpose)", () => tf.transpose(tf.add(bn(1), randomTensor(shape, 9)))],
    ["step read directly", () => tf.engine().runKernel("Step", { x: randomTensor(shape, 3) }, { alpha: 0 }) as tf.Tensor],
    ["mul(dy, step(x))", () => tf.mul(randomTensor(shape, 4), tf.step(randomTensor(shape, 3)))],
    ["mul(step(x), dy) with alpha 0.5 (not fused)", () => tf.mul(tf.step(randomTensor(shape, 3), 0.5), randomTensor(shape, 4))],
  ];
  for (const [name, f] of chains) {
    it(name, async () => {
      const { errors, native, cpu } = await compareWithCpu(f);
      expect(native.shapes).toEqual(cpu.shapes);
      for (const e of errors) expect(e).toBeLessThan(TOL);
    });
  }

  it("fuses in the eval forward of a residual block and frees everything", async () => {
    await tf.setBackend("native");
    const backend = tf.backend() as NativeBackend;
    const before = { tensors: tf.memory().numTensors, data: backend.numDataIds(), fused: backend.lazyStats.fused, computed: backend.lazyStats.computed };
    tf.tidy(() => {
      const out = tf.relu(tf.add(bn(1), tf.relu(bn(30))));
      out.dataSync();
    });
    expect(tf.memory().numTensors).toBe(before.tensors);
    expect(backend.numDataIds()).toBe(before.data);
    // both batch norms and the add were consumed by the relus without being computed
    expect(backend.lazyStats.fused - before.fused).toBe(3);
    expect(backend.lazyStats.computed - before.computed).toBe(0);
  });

  it("an unread deferred tensor keeps its inputs alive until it is disposed", async () => {
    await tf.setBackend("native");
    const backend = tf.backend() as NativeBackend;
    const data0 = backend.numDataIds();
    const x = randomTensor([64, 32, 32, 4], 5);
    const [mean, variance] = [tf.zeros([4]), tf.ones([4])];
    const y = tf.batchNorm(x, mean, variance, undefined, undefined, 0);
    x.dispose(); // y still reads x's buffer
    tf.tidy(() => void tf.relu(tf.fill([64, 32, 32, 4], -1))); // would recycle x's buffer if it were freed
    expect(relError(y.dataSync(), randomArray(64 * 32 * 32 * 4, 5))).toBeLessThan(TOL);
    y.dispose();
    tf.dispose([mean, variance]);
    expect(backend.numDataIds()).toBe(data0);
  });
});

describe.skipIf(!available)("batch norm in training mode, fused with what follows", () => {
  const shape = [8, 6, 6, 16];
  const gradsOf = (f: (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, h: tf.Tensor) => tf.Tensor) => () => {
    const w = randomTensor(shape, 77);
    const loss = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, h: tf.Tensor) => tf.sum(tf.mul(f(x, g, b, h), w));
    const x = tf.add(tf.mul(randomTensor(shape, 1), 3), 2); // mean 2, spread 3
    return tf.grads(loss)([x, tf.add(randomTensor([16], 2), 1.2), randomTensor([16], 3), randomTensor(shape, 4)]);
  };
  const bnY = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => batchNormTrain(x, g, b, 1e-5).y;

  const cases: [string, (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, h: tf.Tensor) => tf.Tensor][] = [
    ["relu(bn(x))", (x, g, b, h) => tf.add(tf.relu(bnY(x, g, b)), tf.mul(h, 0))],
    ["relu(bn(x) + h)", (x, g, b, h) => tf.relu(tf.add(bnY(x, g, b), h))],
    ["bn(x) read directly", (x, g, b, h) => tf.add(bnY(x, g, b), tf.mul(h, 0.5))],
    ["relu(bn(x)) and bn(x) both used", (x, g, b, h) => { const y = bnY(x, g, b); return tf.add(tf.relu(y), tf.mul(y, h)); }],
  ];
  for (const [name, f] of cases) {
    it(`gradients of ${name} match the cpu backend`, async () => {
      const { errors } = await compareWithCpu(gradsOf(f));
      expect(errors).toHaveLength(4);
      for (const e of errors) expect(e).toBeLessThan(TOL);
    });
  }

  it("relu(bn(x) + h) never writes bn(x) out", async () => {
    await tf.setBackend("native");
    const backend = tf.backend() as NativeBackend;
    const before = { ...backend.lazyStats };
    tf.tidy(() => void gradsOf((x, g, b, h) => tf.relu(tf.add(bnY(x, g, b), h)))().forEach((t) => t.dataSync()));
    expect(backend.lazyStats.computed - before.computed).toBe(0);
  });
});

describe.skipIf(!available)("the addon's batch statistics", () => {
  it("agree with oneDNN's training forward", async () => {
    const { loadAddon } = await import("../../../../lib/engine/native");
    const loaded = loadAddon();
    if (!("addon" in loaded)) throw new Error(loaded.why);
    const { addon } = loaded;
    const [n, h, w, c] = [16, 8, 8, 24];
    const x = randomArray(n * h * w * c, 3).map((v, i) => v * (1 + (i % 5)) + (i % c));
    const [m1, v1, m2, v2] = [0, 0, 0, 0].map(() => new Float32Array(c));
    addon.bnStats(x, m1, v1);
    const y = new Float32Array(x.length);
    addon.bnTrainForward(x, new Float32Array(c).fill(1), new Float32Array(c), y, m2, v2, Int32Array.from([n, h, w, c]), 1e-5);
    expect(relError(m1, m2)).toBeLessThan(1e-5);
    expect(relError(v1, v2)).toBeLessThan(1e-5);
  });
});
