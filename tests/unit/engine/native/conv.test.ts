import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";

import { fallbackCounts, type NativeBackend } from "../../../../lib/engine/native";
import { compareWithCpu, nativeOrSkip, randomTensor } from "./helpers";

const available = await nativeOrSkip();

type Pad = "same" | "valid" | number | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
  dilations?: number | [number, number];
}

const cases: Case[] = [
  { name: "3x3 stride 1 pad 1", x: [2, 8, 8, 3], filter: [3, 3, 3, 16], strides: 1, pad: 1 },
  { name: "3x3 stride 2 pad 1, odd size", x: [3, 9, 7, 5], filter: [3, 3, 5, 6], strides: 2, pad: 1 },
  { name: "3x3 stride 2 pad 1, even size", x: [2, 8, 8, 16], filter: [3, 3, 16, 32], strides: 2, pad: 1 },
  { name: "1x1 stride 2 pad 0 (projection shortcut)", x: [2, 8, 8, 16], filter: [1, 1, 16, 32], strides: 2, pad: 0 },
  { name: "1x1 stride 2 pad 0, odd size", x: [2, 9, 9, 4], filter: [1, 1, 4, 8], strides: 2, pad: 0 },
  { name: "batch 1, one channel", x: [1, 5, 6, 1], filter: [3, 3, 1, 1], strides: 1, pad: 1 },
  { name: "same, stride 2 (asymmetric pads)", x: [2, 10, 11, 3], filter: [3, 3, 3, 4], strides: 2, pad: "same" },
  { name: "valid, 5x3, strides [2,1]", x: [2, 11, 9, 3], filter: [5, 3, 3, 7], strides: [2, 1], pad: "valid" },
  { name: "explicit pads", x: [2, 7, 6, 3], filter: [3, 2, 3, 5], strides: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { name: "pad 2 stride 3", x: [2, 13, 10, 2], filter: [4, 4, 2, 3], strides: 3, pad: 2 },
  { name: "resnet stage 3", x: [2, 8, 8, 64], filter: [3, 3, 64, 64], strides: 1, pad: 1 },
];

const TOL = 1e-4;

function convInfo(c: Case) {
  return tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, c.dilations ?? 1, c.pad);
}

describe.skipIf(!available)("native conv kernels match the cpu backend", () => {
  beforeAll(() => fallbackCounts.clear());

  for (const [i, c] of cases.entries()) {
    it(`Conv2D: ${c.name}`, async () => {
      const { errors, native, cpu } = await compareWithCpu(() =>
        tf.conv2d(randomTensor(c.x, i + 1) as tf.Tensor4D, randomTensor(c.filter, i + 101) as tf.Tensor4D, c.strides, c.pad, "NHWC", c.dilations ?? 1));
      expect(native.shapes).toEqual(cpu.shapes);
      expect(errors[0]).toBeLessThan(TOL);
    });

    it(`Conv2DBackpropInput: ${c.name}`, async () => {
      const dyShape = convInfo(c).outShape;
      const { errors, native, cpu } = await compareWithCpu(() =>
        tf.engine().runKernel("Conv2DBackpropInput",
          { dy: randomTensor(dyShape, i + 201), filter: randomTensor(c.filter, i + 101) },
          { inputShape: c.x, strides: c.strides, pad: c.pad, dataFormat: "NHWC" }) as tf.Tensor);
      expect(native.shapes).toEqual([c.x]);
      expect(native.shapes).toEqual(cpu.shapes);
      expect(errors[0]).toBeLessThan(TOL);
    });

    it(`Conv2DBackpropFilter: ${c.name}`, async () => {
      const dyShape = convInfo(c).outShape;
      const { errors, native } = await compareWithCpu(() =>
        tf.engine().runKernel("Conv2DBackpropFilter",
          { x: randomTensor(c.x, i + 1), dy: randomTensor(dyShape, i + 201) },
          { strides: c.strides, pad: c.pad, dataFormat: "NHWC", filterShape: c.filter }) as tf.Tensor);
      expect(native.shapes).toEqual([c.filter]);
      expect(errors[0]).toBeLessThan(TOL);
    });
  }

  it("Conv2D with dilation 2", async () => {
    const { errors } = await compareWithCpu(() =>
      tf.conv2d(randomTensor([2, 9, 9, 3], 7) as tf.Tensor4D, randomTensor([3, 3, 3, 4], 8) as tf.Tensor4D, 1, "same", "NHWC", 2));
    expect(errors[0]).toBeLessThan(TOL);
  });

  it("ran every case natively (no cpu fallback)", () => {
    expect(Object.fromEntries(fallbackCounts)).toEqual({});
  });

  it("gradients of a conv chain through tf.grads", async () => {
    const f = () => {
      const x = randomTensor([2, 8, 8, 3], 11) as tf.Tensor4D;
      const w1 = randomTensor([3, 3, 3, 8], 12) as tf.Tensor4D;
      const w2 = randomTensor([1, 1, 8, 4], 13) as tf.Tensor4D;
      const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2d(tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 1)), c as tf.Tensor4D, 2, 0)));
      return tf.grads(loss)([x, w1, w2]);
    };
    const { errors } = await compareWithCpu(f);
    expect(errors).toHaveLength(3);
    for (const e of errors) expect(e).toBeLessThan(TOL);
  });

  it("NCHW falls back to the cpu kernel and still matches", async () => {
    const { errors } = await compareWithCpu(() =>
      tf.conv2d(randomTensor([2, 3, 6, 6], 21) as tf.Tensor4D, randomTensor([3, 3, 3, 4], 22) as tf.Tensor4D, 1, 1, "NCHW"));
    expect(errors[0]).toBeLessThan(TOL);
  });
});

describe.skipIf(!available)("convolution with the ops that fold into it (eval mode)", () => {
  const x = () => randomTensor([2, 8, 8, 6], 31) as tf.Tensor4D;
  const conv = (seed: number, stride = 1, k = 3) =>
    tf.conv2d(x(), randomTensor([k, k, 6, 8], seed) as tf.Tensor4D, stride, k === 3 ? 1 : 0);
  const bn = (t: tf.Tensor, seed: number) =>
    tf.batchNorm(t, randomTensor([8], seed), tf.add(tf.abs(randomTensor([8], seed + 1)), 0.1), randomTensor([8], seed + 2), randomTensor([8], seed + 3), 1e-5);

  const chains: [string, () => tf.Tensor | tf.Tensor[]][] = [
    ["conv → batchNorm → relu", () => tf.relu(bn(conv(1), 50))],
    ["conv → relu", () => tf.relu(conv(1))],
    ["conv → batchNorm, read", () => bn(conv(1), 50)],
    ["conv → batchNorm → add(·, h) → relu", () => tf.relu(tf.add(bn(conv(1), 50), randomTensor([2, 8, 8, 8], 60)))],
    ["projection block: relu(bn(conv) + bn(conv 1×1))", () => tf.relu(tf.add(bn(conv(1, 2), 50), bn(conv(2, 2, 1), 70)))],
    ["conv read by relu and by itself", () => { const c = conv(1); return [tf.relu(c), c]; }],
    ["conv → batchNorm (scalar parameters, not folded)", () => tf.relu(tf.batchNorm(conv(1), tf.scalar(0.2), tf.scalar(1.5)))],
  ];
  for (const [name, f] of chains) {
    it(name, async () => {
      const { errors, native, cpu } = await compareWithCpu(f);
      expect(native.shapes).toEqual(cpu.shapes);
      for (const e of errors) expect(e).toBeLessThan(TOL);
    });
  }

  it("folds batch norm and relu into the convolution: nothing in between is computed", async () => {
    await tf.setBackend("native");
    const backend = tf.backend() as NativeBackend;
    const before = { ...backend.lazyStats };
    tf.tidy(() => void tf.relu(bn(conv(1), 50)).dataSync());
    expect(backend.lazyStats.computed - before.computed).toBe(0);
    expect(backend.lazyStats.fused - before.fused).toBe(2); // the conv and the batch norm
  });
});
