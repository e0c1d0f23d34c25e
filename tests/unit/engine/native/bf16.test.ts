/**
 * bf16 mixed precision on the native engine: each convolution kernel against tfjs's float32 cpu
 * backend (bf16 tolerance), a ResNet's loss over 50 steps against float32 on the native engine,
 * and a flat tensor count over 200 steps. Skipped, saying why, where the CPU has no native bf16.
 */
import * as tf from "@tensorflow/tfjs-core";
import { afterEach, describe, expect, it } from "vitest";

import { fallbackCounts, type NativeBackend } from "../../../../lib/engine/native";
import { batchNormTrain } from "../../../../lib/engine/ops";
import { applyPrecision, bf16Support } from "../../../../lib/engine/precision";
import { resnetSpec } from "../../../../lib/models/arch";
import { trainableGroups } from "../../../../lib/run/modes";
import { ResNet } from "../../../../lib/models/resnet";
import { Sgd } from "../../../../trainer/sgd";
import { compareWithCpu, nativeOrSkip, randomArray, randomTensor, relError } from "./helpers";

const available = await nativeOrSkip();
const support = bf16Support();
if (available && !support.native) console.warn(`bf16 native engine tests skipped: ${support.detail}`);
const runs = available && support.native;

/** bf16 keeps 8 significant bits: outputs agree with float32 to about 1%. */
const BF16_TOL = 1e-2;

function nativeBackend(): NativeBackend {
  return tf.findBackend("native") as NativeBackend;
}

/** fn on the cpu backend (float32), then on native in bf16; the outputs' relative errors. */
async function bf16AgainstCpu(fn: () => tf.Tensor): Promise<{ error: number; shadowsMade: number; exact: boolean }> {
  await tf.setBackend("cpu");
  const expected = tf.tidy(() => Float32Array.from(fn().dataSync()));
  await tf.setBackend("native");
  applyPrecision("bf16");
  const before = nativeBackend().shadows.stats.converted;
  const got = tf.tidy(() => Float32Array.from(fn().dataSync()));
  applyPrecision("fp32");
  const exact = relError(got, expected) < 1e-6;
  return { error: relError(got, expected), shadowsMade: nativeBackend().shadows.stats.converted - before, exact };
}

interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number;
  pad: number;
}

// The convolutions of a CIFAR ResNet: 3×3 stride 1 and 2, the 1×1 stride-2 projection.
const cases: Case[] = [
  { name: "3x3 stride 1, 16 → 16", x: [4, 16, 16, 16], filter: [3, 3, 16, 16], strides: 1, pad: 1 },
  { name: "3x3 stride 2, 16 → 32", x: [4, 16, 16, 16], filter: [3, 3, 16, 32], strides: 2, pad: 1 },
  { name: "3x3 stride 1, 64 → 64", x: [4, 8, 8, 64], filter: [3, 3, 64, 64], strides: 1, pad: 1 },
  { name: "1x1 stride 2, 32 → 64", x: [4, 8, 8, 32], filter: [1, 1, 32, 64], strides: 2, pad: 0 },
];

describe.skipIf(!runs)("bf16 convolution kernels match float32 within bf16 tolerance", () => {
  afterEach(() => applyPrecision("fp32"));

  for (const [i, c] of cases.entries()) {
    const dyShape = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape;

    it(`Conv2D: ${c.name}`, async () => {
      const r = await bf16AgainstCpu(() => tf.conv2d(randomTensor(c.x, i + 1) as tf.Tensor4D, randomTensor(c.filter, i + 101) as tf.Tensor4D, c.strides, c.pad));
      expect(r.error).toBeLessThan(BF16_TOL);
      expect(r.shadowsMade).toBeGreaterThan(0); // it ran in bf16 ...
      expect(r.exact).toBe(false); // ... and rounding shows
    });

    it(`Conv2DBackpropInput: ${c.name}`, async () => {
      const r = await bf16AgainstCpu(() => tf.engine().runKernel("Conv2DBackpropInput",
        { dy: randomTensor(dyShape, i + 201), filter: randomTensor(c.filter, i + 101) },
        { inputShape: c.x, strides: c.strides, pad: c.pad, dataFormat: "NHWC" }) as tf.Tensor);
      expect(r.error).toBeLessThan(BF16_TOL);
      expect(r.shadowsMade).toBeGreaterThan(0);
      expect(r.exact).toBe(false);
    });

    it(`Conv2DBackpropFilter: ${c.name} (bf16 by default, float32 when switched off)`, async () => {
      const filterGrad = () => tf.engine().runKernel("Conv2DBackpropFilter",
        { x: randomTensor(c.x, i + 1), dy: randomTensor(dyShape, i + 201) },
        { filterShape: c.filter, strides: c.strides, pad: c.pad, dataFormat: "NHWC" }) as tf.Tensor;
      await tf.setBackend("native");
      const initial = nativeBackend().bf16FilterGrad;
      expect(initial).toBe(process.env.BNLAB_NATIVE_BF16_FILTER_GRAD !== "0");
      nativeBackend().bf16FilterGrad = true;
      const r = await bf16AgainstCpu(filterGrad);
      expect(r.error).toBeLessThan(BF16_TOL);
      expect(r.shadowsMade).toBe(2); // x and dy
      expect(r.exact).toBe(false);
      nativeBackend().bf16FilterGrad = false;
      try {
        const off = await bf16AgainstCpu(filterGrad);
        expect(off.shadowsMade).toBe(0);
        expect(off.error).toBeLessThan(1e-4);
      } finally {
        nativeBackend().bf16FilterGrad = initial;
      }
    });
  }

  it("conv → batch norm (eval) → relu, folded into one bf16 convolution", async () => {
    const c = cases[2];
    const r = await bf16AgainstCpu(() => {
      const y = tf.conv2d(randomTensor(c.x, 7) as tf.Tensor4D, randomTensor(c.filter, 8) as tf.Tensor4D, 1, 1);
      const ch = c.filter[3];
      const pos = (seed: number) => tf.tensor1d(randomArray(ch, seed).map((v) => 1.5 + v));
      return tf.relu(tf.batchNorm(y, randomTensor([ch], 9), pos(10), randomTensor([ch], 11), pos(12), 1e-5));
    });
    expect(r.error).toBeLessThan(BF16_TOL);
    expect(r.shadowsMade).toBeGreaterThan(0);
  });

  it("bf16 copies are made once per activation and reused by the filter gradient", async () => {
    await tf.setBackend("native");
    applyPrecision("bf16");
    nativeBackend().bf16FilterGrad = true;
    const stats = nativeBackend().shadows.stats;
    const x = tf.relu(randomTensor([8, 16, 16, 16], 3)); // a pooled, private buffer (like a layer's output)
    const w = tf.variable(randomTensor([3, 3, 16, 16], 4));
    const before = { ...stats };
    const g = tf.grad((f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 1))))(w);
    g.dataSync();
    // x once (forward, read again by the filter gradient), dy once (both gradients)
    expect(stats.converted - before.converted).toBe(2);
    expect(stats.reused - before.reused).toBeGreaterThanOrEqual(1);
    tf.dispose([x, w, g]);
  });
});

describe.skipIf(!runs)("bf16 operands written by relu", () => {
  afterEach(() => applyPrecision("fp32"));

  it("relu after a batch norm writes the next convolution's bf16 operand in the same pass, rounded as oneDNN rounds", async () => {
    await tf.setBackend("native");
    applyPrecision("bf16");
    const b = nativeBackend();
    const x = randomTensor([8, 16, 16, 16], 21);
    const { y } = batchNormTrain(x as tf.Tensor4D, tf.fill([16], 0.7), tf.fill([16], 0.1), 1e-5);
    const h = tf.relu(y);
    const values = b.f32(h);
    const fused = b.shadows.of(values, true); // the adopted copy, not a new conversion
    const converted = b.shadows.stats.converted;
    const reference = new Uint16Array(values.length);
    b.addon.toBf16(values, reference);
    expect(Array.from(fused)).toEqual(Array.from(reference));
    const out = tf.conv2d(h as tf.Tensor4D, randomTensor([3, 3, 16, 16], 22) as tf.Tensor4D, 1, 1);
    out.dataSync();
    expect(b.shadows.stats.converted).toBe(converted); // the convolution read the fused copy
    tf.dispose([x, y, h, out]);
  });
});

/** conv → batch norm (eval), the way a ResNet's inference computes each convolution. */
function convBn(x: tf.Tensor, seed: number, channels: number): tf.Tensor4D {
  const inC = x.shape[3]!;
  const y = tf.conv2d(x as tf.Tensor4D, randomTensor([3, 3, inC, channels], seed) as tf.Tensor4D, 1, 1);
  const pos = (s: number) => tf.tensor1d(randomArray(channels, s).map((v) => 1.5 + v));
  return tf.batchNorm(y, randomTensor([channels], seed + 1), pos(seed + 2), randomTensor([channels], seed + 3), pos(seed + 4), 1e-5) as tf.Tensor4D;
}

describe.skipIf(!runs)("bf16 inference chains fused into the convolutions", () => {
  afterEach(() => applyPrecision("fp32"));
  const xShape = [4, 8, 8, 32];

  it("conv → bn → relu → conv: the first convolution writes the second's bf16 operand, and no float32 copy is made", async () => {
    const stats = nativeBackend().shadows.stats;
    let written = 0, converted = 0, computed = 0;
    const r = await bf16AgainstCpu(() => {
      const x = randomTensor(xShape, 31);
      const h = tf.relu(convBn(x, 40, 32));
      const before = { ...stats };
      const lazyBefore = tf.getBackend() === "native" ? nativeBackend().lazyStats.computed : 0;
      const out = tf.relu(convBn(h, 50, 32));
      out.dataSync();
      written = stats.written - before.written;
      converted = stats.converted - before.converted;
      if (tf.getBackend() === "native") computed = nativeBackend().lazyStats.computed - lazyBefore;
      return out;
    });
    expect(r.error).toBeLessThan(BF16_TOL);
    expect(r.exact).toBe(false);
    expect(written).toBe(1); // h, in bf16, by the first convolution
    expect(converted).toBe(1); // x (a caller's array); h never went through a float32 → bf16 pass
    expect(computed).toBe(1); // the output, read by dataSync; h's float32 values never were
  });

  it("falls back to float32 values when something other than a convolution reads the output", async () => {
    const r = await bf16AgainstCpu(() => {
      const h = tf.relu(convBn(randomTensor(xShape, 32), 41, 32));
      const viaConv = tf.mean(convBn(h, 51, 32), [1, 2]); // the fused bf16 path ...
      return tf.concat([tf.mean(h, [1, 2]), tf.slice(tf.reshape(tf.add(h, 1), [4, -1]), [0, 0], [4, 8]), viaConv], 1); // ... and float32 readers
    });
    expect(r.error).toBeLessThan(BF16_TOL);
    const only = await bf16AgainstCpu(() => tf.relu(convBn(randomTensor(xShape, 33), 42, 32)));
    expect(only.error).toBeLessThan(BF16_TOL);
  });

  it("a ResNet block gives the unfused path's outputs within bf16 tolerance", async () => {
    await tf.setBackend("native");
    applyPrecision("bf16");
    const b = nativeBackend();
    const block = () => tf.tidy(() => {
      const x = tf.relu(randomTensor(xShape, 36));
      const out = tf.relu(tf.add(convBn(tf.relu(convBn(x, 44, 32)), 54, 32), x));
      return Float32Array.from(out.dataSync());
    });
    const written = b.shadows.stats.written;
    const fused = block();
    expect(b.shadows.stats.written).toBe(written + 1);
    b.fuseConvChains = false;
    try {
      const unfused = block();
      expect(b.shadows.stats.written).toBe(written + 1);
      expect(relError(fused, unfused)).toBeLessThan(BF16_TOL);
    } finally {
      b.fuseConvChains = true;
    }
  });

  it("a residual add (and the relu after it) join the convolution's epilogue, in bf16 and in float32", async () => {
    const block = (withRelu: boolean) => () => {
      const x = randomTensor(xShape, 34);
      const sum = tf.add(convBn(x, 43, 32), randomTensor(xShape, 35));
      return withRelu ? tf.relu(sum) : sum;
    };
    for (const withRelu of [true, false]) {
      const r = await bf16AgainstCpu(block(withRelu));
      expect(r.error).toBeLessThan(BF16_TOL);
      expect(r.exact).toBe(false);
      const fp32 = await compareWithCpu(block(withRelu));
      expect(Math.max(...fp32.errors)).toBeLessThan(1e-5);
    }
  });
});

/** Trains a ResNet-8 (width 16) on a fixed batch of random 12×12 images; returns the loss of each step. */
async function trainResNet(precision: "fp32" | "bf16", steps: number, onStep?: (step: number) => void): Promise<number[]> {
  await tf.setBackend("native");
  applyPrecision(precision);
  const spec = resnetSpec({ depth: 8, width: 16 });
  const model = ResNet.create(spec, { seed: 3, bnInit: "uniform" });
  const vars = model.variables(trainableGroups("all"));
  const sgd = new Sgd(vars, { momentum: 0.9, weightDecay: 5e-4 });
  const n = 16, size = 12;
  const x = tf.tensor4d(randomArray(n * size * size * 3, 77), [n, size, size, 3]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 7) % 10), "int32"), 10);
  const losses: number[] = [];
  try {
    for (let step = 0; step < steps; step++) {
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.forward(x, true)) as tf.Scalar, vars);
        sgd.step(vars.map((v) => grads[v.name]), 0.02);
        return value;
      });
      losses.push(loss.dataSync()[0]);
      loss.dispose();
      onStep?.(step);
    }
  } finally {
    tf.dispose([x, y]);
    sgd.dispose();
    model.dispose();
    applyPrecision("fp32");
  }
  return losses;
}

describe.skipIf(!runs)("bf16 training on the native engine", () => {
  it("tracks the float32 loss within 2% over 50 steps", async () => {
    const fp32 = await trainResNet("fp32", 50);
    const shadowsBefore = nativeBackend().shadows.stats.converted;
    const bf16 = await trainResNet("bf16", 50);
    expect(nativeBackend().shadows.stats.converted).toBeGreaterThan(shadowsBefore);
    for (let i = 0; i < 50; i++) expect(Math.abs(bf16[i] - fp32[i]) / fp32[i]).toBeLessThan(0.02);
    expect(bf16[49]).toBeLessThan(0.5 * bf16[0]); // it learns
  }, 120_000);

  it("keeps the tensor count flat over 200 steps", async () => {
    fallbackCounts.clear();
    const counts: number[] = [];
    const losses = await trainResNet("bf16", 200, () => counts.push(tf.memory().numTensors));
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(counts[199]).toBe(counts[9]);
    for (const k of ["Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"]) expect(fallbackCounts.get(k) ?? 0).toBe(0);
  }, 300_000);
});
