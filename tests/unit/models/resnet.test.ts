import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import "../../../lib/engine/gradients";
import { beforeAll, describe, expect, it } from "vitest";
import { resnetSpec } from "../../../lib/models/arch";
import { ResNet } from "../../../lib/models/resnet";
import { createRng } from "../../../lib/random";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** Values per channel a BN layer of the depth-8 test net normalises over, for a 4×8×8 batch. */
function countFor(name: string): number {
  const spatial = name.startsWith("blocks.1.") ? 4 * 4 : name.startsWith("blocks.2.") ? 2 * 2 : 8 * 8;
  return 4 * spatial;
}

function randomBatch(n: number, h: number, w: number, c: number, seed = 1): tf.Tensor4D {
  const rng = createRng(seed);
  return tf.tensor4d(Float32Array.from({ length: n * h * w * c }, () => rng.normal() * 2 + 0.5), [n, h, w, c]);
}

describe("ResNet", () => {
  const spec = resnetSpec({ depth: 8, width: 4, inChannels: 3, classes: 5 });

  it("maps a NHWC batch to logits, at any input size", () => {
    const model = ResNet.create(spec, { seed: 1, bnInit: "uniform" });
    for (const [h, w] of [[8, 8], [9, 7], [32, 32]]) {
      const out = tf.tidy(() => model.forward(randomBatch(3, h, w, 3), false));
      expect(out.shape).toEqual([3, 5]);
      out.dispose();
    }
    model.dispose();
  });

  it("updates running statistics as PyTorch does (momentum 0.1, unbiased variance)", () => {
    const model = ResNet.create(spec, { seed: 2, bnInit: "uniform" });
    const x = randomBatch(4, 8, 8, 3);
    const conv = tf.conv2d(x, model.params.get("conv.weight") as tf.Tensor4D, 1, 1);
    const { mean, variance } = tf.moments(conv, [0, 1, 2]);
    const count = 4 * 8 * 8;
    model.forward(x, true).dispose();
    const bn = model.bn.get("bn")!;
    const batchMean = mean.arraySync() as number[];
    const batchVar = variance.arraySync() as number[];
    (bn.runningMean.arraySync() as number[]).forEach((v, i) => expect(v).toBeCloseTo(0.1 * batchMean[i], 5));
    (bn.runningVar.arraySync() as number[]).forEach((v, i) => expect(v).toBeCloseTo(0.9 + 0.1 * batchVar[i] * (count / (count - 1)), 5));
    expect(bn.numBatchesTracked).toBe(1n);
    expect(model.bn.get("blocks.2.shortcut.1")!.numBatchesTracked).toBe(1n);
    tf.dispose([x, conv, mean, variance]);
    model.dispose();
  });

  it("normalises with batch statistics in training and running statistics in eval", () => {
    const model = ResNet.create(spec, { seed: 2, bnInit: "uniform" });
    const x = randomBatch(4, 8, 8, 3);
    const train = model.forward(x, true).arraySync() as number[][];
    // From one update out of (0, 1) recover each layer's batch statistics, install them as the
    // running statistics, and eval mode must reproduce training mode's output.
    const sd = model.stateDict();
    for (const [name, t] of sd) {
      const d = t.data as Float32Array;
      if (name.endsWith(".running_mean")) for (let i = 0; i < d.length; i++) d[i] = d[i] / 0.1;
      if (name.endsWith(".running_var")) {
        const layerCount = countFor(name);
        for (let i = 0; i < d.length; i++) d[i] = ((d[i] - 0.9) / 0.1) * ((layerCount - 1) / layerCount);
      }
    }
    model.loadStateDict(sd);
    const evaluated = model.forward(x, false).arraySync() as number[][];
    const diff = Math.max(...train.flat().map((v, i) => Math.abs(v - evaluated.flat()[i])));
    expect(diff).toBeLessThan(1e-3);
    x.dispose();
    model.dispose();
  });

  it("gives different outputs in train and eval mode before running statistics converge", () => {
    const model = ResNet.create(spec, { seed: 3, bnInit: "uniform" });
    const x = randomBatch(4, 8, 8, 3);
    const a = model.forward(x, false).arraySync() as number[][];
    const b = model.forward(x, true).arraySync() as number[][];
    expect(Math.max(...a.flat().map((v, i) => Math.abs(v - b.flat()[i])))).toBeGreaterThan(1e-3);
    model.dispose();
  });

  it("round-trips its state dict exactly", () => {
    const a = ResNet.create(spec, { seed: 4, bnInit: "uniform" });
    a.forward(randomBatch(2, 8, 8, 3), true).dispose();
    const sd = a.stateDict();
    const b = ResNet.fromStateDict(spec, sd);
    const sd2 = b.stateDict();
    for (const [name, t] of sd) expect(sd2.get(name)!.data).toEqual(t.data);
    const c = ResNet.create(spec, { seed: 5, bnInit: "fixed" });
    c.loadStateDict(sd);
    const x = randomBatch(2, 8, 8, 3, 9);
    expect(c.forward(x, false).arraySync()).toEqual(a.forward(x, false).arraySync());
    [a, b, c].forEach((m) => m.dispose());
  });

  it("selects variables by group in a fixed order", () => {
    const model = ResNet.create(spec, { seed: 1, bnInit: "uniform" });
    expect(model.parameterNames(["output"])).toEqual(["fc.weight", "fc.bias"]);
    expect(model.variables(["bn"]).length).toBe(2 * (1 + 3 * 2 + 2));
    expect(model.parameterNames(["shortcut"])).toEqual(["blocks.1.shortcut.0.weight", "blocks.2.shortcut.0.weight"]);
    model.dispose();
  });

  it("releases every tensor on dispose and leaks none per step", () => {
    const before = tf.memory().numTensors;
    const model = ResNet.create(spec, { seed: 1, bnInit: "uniform" });
    const x = randomBatch(2, 8, 8, 3);
    const first = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      tf.tidy(() => {
        tf.variableGrads(() => tf.sum(model.forward(x, true)) as tf.Scalar, model.variables(["bn"]));
      });
    }
    expect(tf.memory().numTensors).toBe(first);
    x.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
