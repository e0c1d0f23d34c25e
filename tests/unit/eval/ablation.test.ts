import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { syntheticDataset } from "../../../lib/data/synthetic";
import { evaluateAblation } from "../../../lib/eval/ablation";
import { evaluate } from "../../../lib/eval/evaluate";
import { ResNet } from "../../../lib/models/resnet";
import { baseStateDict, SPEC } from "../analysis/helpers";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const MEAN = [0.5, 0.5, 0.5];
const STD = [0.25, 0.25, 0.25];
const testSet = syntheticDataset({ seed: 3, split: "test", count: 200, height: 8, width: 8 });

describe("evaluateAblation", () => {
  it("t = 0 gives exactly the unablated accuracy and loss, with a Wilson interval", () => {
    const sd = baseStateDict(5);
    const model = ResNet.fromStateDict(SPEC, sd);
    const plain = evaluate(model, testSet, { mean: MEAN, std: STD });
    model.dispose();
    const e = evaluateAblation(sd, SPEC, testSet, { threshold: 0, mean: MEAN, std: STD });
    expect(e.removed).toBe(0);
    expect(e.count).toBe(200);
    expect(e.correct).toBe(plain.correct);
    expect(e.accuracy).toBe(plain.accuracy);
    expect(e.loss).toBe(plain.loss);
    expect(e.interval[0]).toBeLessThanOrEqual(e.accuracy);
    expect(e.interval[1]).toBeGreaterThanOrEqual(e.accuracy);
    expect(evaluateAblation(sd, SPEC, testSet, { threshold: 0, mean: MEAN, std: STD, count: 50 }).count).toBe(50);
  });

  it("removing every channel (zero mode) leaves logits = fc.bias: accuracy is the share of its argmax class", () => {
    const sd = baseStateDict(5);
    const bias = Array.from(sd.get("fc.bias")!.data as Float32Array);
    const cls = bias.indexOf(Math.max(...bias));
    const share = Array.from(testSet.labels).filter((l) => l === cls).length;
    const e = evaluateAblation(sd, SPEC, testSet, { threshold: 10, mean: MEAN, std: STD, count: "all" });
    expect(e.fractionRemoved).toBe(1);
    expect(e.correct).toBe(share);
    expect(tf.memory().numTensors).toBeLessThan(5);
  });
});
