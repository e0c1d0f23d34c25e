import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { ablate, applyMask, prunePercent, smallestGammaMask, thresholdMask } from "../../../lib/analysis/ablation";
import { collectGammas } from "../../../lib/analysis/gamma";
import { BN_EPSILON, ResNet } from "../../../lib/models/resnet";
import { bnLayers } from "../../../lib/models/arch";
import type { StateDict } from "../../../lib/models/state-dict";
import { createRng } from "../../../lib/random";
import { handStateDict, sequenceStateDict, setTensor, SPEC } from "./helpers";

beforeAll(async () => {
  await tf.setBackend("cpu");
});


/** handStateDict plus blocks.0.bn2[1] = 0.001, a stem β that differs per channel, and non-trivial running stats. */
function ablationStateDict(): StateDict {
  const sd = handStateDict();
  (sd.get("blocks.0.bn2.weight")!.data as Float32Array)[1] = 0.001;
  setTensor(sd, "bn.bias", [0.7, -0.3, 0.1, 0.2]);
  const rng = createRng(9);
  for (const { name, channels } of bnLayers(SPEC)) {
    setTensor(sd, `${name}.running_mean`, Array.from({ length: channels }, () => rng.normal() * 0.5));
    setTensor(sd, `${name}.running_var`, Array.from({ length: channels }, () => 0.5 + rng.next() * 2));
  }
  return sd;
}

/** A BN layer in eval mode, from the model's own parameters and running statistics. */
function bnEval(model: ResNet, x: tf.Tensor4D, name: string): tf.Tensor4D {
  const s = model.bn.get(name)!;
  return tf.batchNorm4d(x, s.runningMean as tf.Tensor1D, s.runningVar as tf.Tensor1D, model.params.get(`${name}.bias`) as tf.Tensor1D, model.params.get(`${name}.weight`) as tf.Tensor1D, BN_EPSILON);
}

function conv(model: ResNet, x: tf.Tensor4D, name: string): tf.Tensor4D {
  return tf.conv2d(x, model.params.get(name) as tf.Tensor4D, 1, 1);
}

/** Post-BN outputs of the stem `bn` and of `blocks.0.bn2`, NHWC, for a random batch. */
function outputs(sd: StateDict): { stem: number[][][][]; block0bn2: number[][][][] } {
  const model = ResNet.fromStateDict(SPEC, sd);
  const rng = createRng(4);
  const out = tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from({ length: 2 * 8 * 8 * 3 }, () => rng.normal()), [2, 8, 8, 3]);
    const stem = bnEval(model, conv(model, x, "conv.weight"), "bn");
    const h = tf.relu(stem);
    const o1 = tf.relu(bnEval(model, conv(model, h, "blocks.0.conv1.weight"), "blocks.0.bn1"));
    const o2 = bnEval(model, conv(model, o1, "blocks.0.conv2.weight"), "blocks.0.bn2");
    return { stem: stem.arraySync(), block0bn2: o2.arraySync() };
  });
  model.dispose();
  return out;
}

const channel = (a: number[][][][], c: number) => a.flat(2).map((px) => px[c]);

describe("masks", () => {
  it("threshold mask: per-layer removed counts, float32 comparison, t = 0 removes nothing", () => {
    const g = collectGammas(ablationStateDict(), SPEC);
    const m = thresholdMask(g, 0.01);
    expect(m.removed).toBe(5);
    expect(m.total).toBe(84);
    expect(Object.fromEntries(m.layers.filter((l) => l.removedCount).map((l) => [l.name, Array.from(l.removed).flatMap((v, i) => (v ? [i] : []))]))).toEqual({
      bn: [0, 1],
      "blocks.0.bn2": [1],
      "blocks.1.shortcut.1": [0],
      "blocks.2.bn2": [3],
    });
    expect(thresholdMask(g, 0).removed).toBe(0);
    const ns = thresholdMask(collectGammas(ablationStateDict(), SPEC, { includeShortcut: false }), 0.01);
    expect([ns.removed, ns.total]).toEqual([4, 60]);
    expect(ns.excluded).toEqual(["blocks.1.shortcut.1", "blocks.2.shortcut.1"]);
  });

  it("prunePercent gives the threshold removing the p % smallest |γ|", () => {
    const g = collectGammas(sequenceStateDict(), SPEC);
    expect(thresholdMask(g, prunePercent(g, 50)).removed).toBe(42);
    expect(prunePercent(g, 50)).toBe(Math.fround(42 / 83));
    expect(thresholdMask(g, prunePercent(g, 0)).removed).toBe(0);
    expect(thresholdMask(g, prunePercent(g, 100)).removed).toBe(84);
    expect(thresholdMask(g, prunePercent(g, 10)).removed).toBe(8);
    // The same channels as ranking: the 42 smallest are channels 0..41 in forward order.
    const rank = smallestGammaMask(g, 42);
    const thr = thresholdMask(g, prunePercent(g, 50));
    expect(rank.layers.map((l) => Array.from(l.removed))).toEqual(thr.layers.map((l) => Array.from(l.removed)));
    expect(() => prunePercent(g, 101)).toThrow(RangeError);
  });
});

describe("ablate", () => {
  it("zero mode sets γ and β to 0 on a copy; gamma-only keeps β; the input is untouched", () => {
    const sd = ablationStateDict();
    const before = new Map([...sd].map(([k, v]) => [k, Array.from(v.data as Float32Array)]));
    const a = ablate(sd, SPEC, { threshold: 0.01 });
    expect(a.removed).toBe(5);
    expect(a.mode).toBe("zero");
    expect(a.includeShortcut).toBe(true);
    expect(a.shortcutPolicy).toMatch(/shortcut BNs .* masked/);
    expect(a.layers.find((l) => l.name === "bn")!.removed).toBe(2);
    expect(Array.from(a.stateDict.get("bn.weight")!.data as Float32Array)).toEqual([0, 0, 0.5, Math.fround(0.02)]);
    expect(Array.from(a.stateDict.get("bn.bias")!.data as Float32Array)).toEqual([0, 0, Math.fround(0.1), Math.fround(0.2)]);
    for (const [k, v] of sd) expect(Array.from(v.data as Float32Array)).toEqual(before.get(k));
    expect(a.stateDict.get("conv.weight")!.data).not.toBe(sd.get("conv.weight")!.data);

    const g = ablate(sd, SPEC, { threshold: 0.01, mode: "gamma-only" });
    expect(Array.from(g.stateDict.get("bn.bias")!.data as Float32Array)).toEqual(Array.from(Float32Array.from([0.7, -0.3, 0.1, 0.2])));
    expect((g.stateDict.get("bn.weight")!.data as Float32Array)[0]).toBe(0);

    const ns = ablate(sd, SPEC, { threshold: 0.01, includeShortcut: false });
    expect((ns.stateDict.get("blocks.1.shortcut.1.bias")!.data as Float32Array)[0]).toBe(0.25);
    expect(ns.excluded).toEqual(["blocks.1.shortcut.1", "blocks.2.shortcut.1"]);
    expect(ns.removed).toBe(4);
    expect(() => applyMask(sd, a.mask, "bogus" as never)).toThrow(/unknown ablation mode/);
  });

  it("a removed channel's BN output is exactly 0 (zero) or β (gamma-only), the others unchanged", () => {
    const sd = ablationStateDict();
    const orig = outputs(sd);
    const zero = outputs(ablate(sd, SPEC, { threshold: 0.01 }).stateDict);
    const only = outputs(ablate(sd, SPEC, { threshold: 0.01, mode: "gamma-only" }).stateDict);
    for (const c of [0, 1]) {
      expect(channel(zero.stem, c).every((v) => v === 0)).toBe(true);
      expect(channel(orig.stem, c).some((v) => v !== 0)).toBe(true);
    }
    expect(channel(only.stem, 0).every((v) => v === Math.fround(0.7))).toBe(true);
    expect(channel(only.stem, 1).every((v) => v === Math.fround(-0.3))).toBe(true);
    for (const c of [2, 3]) expect(channel(zero.stem, c)).toEqual(channel(orig.stem, c));
    // Deeper: blocks.0.bn2 channel 1 (its input already differs, since stem channels 0, 1 are gone).
    expect(channel(zero.block0bn2, 1).every((v) => v === 0)).toBe(true);
    expect(channel(only.block0bn2, 1).every((v) => v === 0.25)).toBe(true);
    expect(channel(zero.block0bn2, 0).some((v) => v !== 0)).toBe(true);
  });
});
