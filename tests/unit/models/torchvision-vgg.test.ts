/**
 * torchvision's VGG-BNs in bnlab's model builder, against torchvision itself: state dicts PyTorch
 * saved (vgg11_bn on 3×32×32, vgg11_bn and vgg16_bn with one input channel on 28×28 — padded to 32
 * on both sides —, vgg13_bn on 72×72 whose 2×2 map the adaptive pool splits into overlapping bins,
 * vgg19_bn on 224×224; a small hidden width, real running statistics and spread γ) are recognised
 * with their depth, channels, classes and hidden width, load strictly, and give torchvision's
 * eval-mode logits within 1e-4 on the same images.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPytorchCheckpoint } from "../../../lib/checkpoint/pytorch";
import { initBackend } from "../../../lib/engine/backend";
import { ArchError, bnLayers, describeSpec, modelSpec, tensorSpecs } from "../../../lib/models/arch";
import { countParameters } from "../../../lib/models/groups";
import { initialStateDict } from "../../../lib/models/init";
import { architectureName, forwardSpec, recogniseArchitecture } from "../../../lib/models/recognise";
import { ResNet } from "../../../lib/models/resnet";
import { adaptivePoolMatrix, torchvisionVggInputPadding, torchvisionVggSpec } from "../../../lib/models/torchvision-vgg";
import { hasTorch, nchwToNhwc, readF32, runPython } from "../../support/torch";

const SCRIPT = fileURLToPath(new URL("./torchvision_vgg.py", import.meta.url));

interface Case {
  name: string;
  depth: number;
  channels: number;
  size: number;
  classes: number;
  hidden: number;
  count: number;
}

describe("torchvision VGG-BN spec", () => {
  it("names tensors as torchvision's features and classifier do, with the groups bnlab freezes by", () => {
    const spec = torchvisionVggSpec({ depth: 11, inChannels: 1, classes: 7, hidden: 32 });
    const specs = tensorSpecs(spec);
    expect(specs.slice(0, 7).map((t) => t.name)).toEqual([
      "features.0.weight", "features.0.bias", "features.1.weight", "features.1.bias", "features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked",
    ]);
    // plan A: [64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M]: a conv takes 3 indices, a pool 1.
    expect(bnLayers(spec).map((l) => l.name)).toEqual([1, 5, 9, 12, 16, 19, 23, 26].map((i) => `features.${i}`));
    const byName = new Map(specs.map((t) => [t.name, t]));
    expect(byName.get("features.0.weight")!.shape).toEqual([64, 1, 3, 3]);
    expect(byName.get("features.25.weight")!.shape).toEqual([512, 512, 3, 3]);
    expect(byName.get("classifier.0.weight")!.shape).toEqual([32, 25088]);
    expect(byName.get("classifier.3.weight")!.shape).toEqual([32, 32]);
    expect(byName.get("classifier.6.weight")!.shape).toEqual([7, 32]);
    expect(specs.slice(-6).map((t) => `${t.name}:${t.group}`)).toEqual([
      "classifier.0.weight:other", "classifier.0.bias:other", "classifier.3.weight:other", "classifier.3.bias:other", "classifier.6.weight:output", "classifier.6.bias:output",
    ]);
    expect(byName.get("features.0.bias")!.group).toBe("other");
    expect(byName.get("features.1.weight")!.group).toBe("bn");
    expect(describeSpec(spec)).toBe("vgg11_bn (torchvision, hidden width 32)");
    expect(describeSpec(torchvisionVggSpec({ depth: 16 }))).toBe("vgg16_bn (torchvision)");
  });

  it("counts torchvision's vgg16_bn: 138,365,992 parameters (torchvision's documented 138.4M)", () => {
    const c = countParameters(torchvisionVggSpec({ depth: 16 }));
    expect(c.total).toBe(138_365_992);
    expect(c.output).toBe(4096 * 1000 + 1000);
  });

  it("pads 28×28 to 32, takes sides from 32 up, refuses smaller ones naming the fix", () => {
    expect(torchvisionVggInputPadding(28, 28)).toBe(2);
    expect(torchvisionVggInputPadding(32, 32)).toBe(0);
    expect(torchvisionVggInputPadding(224, 224)).toBe(0);
    expect(() => torchvisionVggInputPadding(16, 16)).toThrow(ArchError);
    expect(() => torchvisionVggInputPadding(24, 40)).toThrow(/at least 32×32 .* got 24×40: .* resize the images/);
  });

  it("bins the adaptive pool as PyTorch does: floor(i·H/7) to ceil((i+1)·H/7)", () => {
    const bins = (size: number) => {
      const m = adaptivePoolMatrix(size, 7);
      return Array.from({ length: 7 }, (_, i) => Array.from({ length: size }, (_, s) => m[s * 7 + i]).flatMap((v, s) => (v > 0 ? [s] : [])));
    };
    expect(bins(1)).toEqual(Array.from({ length: 7 }, () => [0]));
    expect(bins(2)).toEqual([[0], [0], [0], [0, 1], [1], [1], [1]]);
    expect(bins(7)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => [i]));
    expect(bins(10)).toEqual([[0, 1], [1, 2], [2, 3, 4], [4, 5], [5, 6, 7], [7, 8], [8, 9]]);
  });

  it("is imported, never built from options", () => {
    expect(() => modelSpec({ family: "torchvision-vgg", depth: 11 })).toThrow(/imported/);
    expect(() => torchvisionVggSpec({ depth: 12 })).toThrow(/vgg12_bn is not one of torchvision's VGGs/);
  });

  it("refuses a side its pools would empty with an ArchError, not a shape error deep inside", async () => {
    await initBackend({ log: () => {} });
    const spec = torchvisionVggSpec({ depth: 11, inChannels: 1, classes: 3, hidden: 8 });
    const model = ResNet.fromStateDict(spec, initialStateDict(spec, { seed: 1, bnInit: "fixed" }));
    try {
      expect(() => tf.tidy(() => model.forward(tf.zeros([1, 20, 20, 1]), false))).toThrow(/at least 32×32 .* got 20×20/);
      const out = tf.tidy(() => model.forward(tf.zeros([2, 28, 28, 1]), false));
      expect(out.shape).toEqual([2, 3]);
      out.dispose();
    } finally {
      model.dispose();
    }
  });
});

describe.skipIf(!hasTorch)("torchvision VGG-BNs against torchvision", { timeout: 600_000 }, () => {
  let dir = "";
  let cases: Case[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "bnlab-tv-vgg-"));
    runPython(SCRIPT, [dir], 900_000);
    cases = JSON.parse(readFileSync(path.join(dir, "cases.json"), "utf8")) as Case[];
    await initBackend({ log: () => {} });
  }, 1_000_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(["vgg11_bn_cifar10", "vgg11_bn_fmnist", "vgg16_bn_fmnist", "vgg13_bn_72", "vgg19_bn_224"])(
    "%s: recognised, loaded strictly, torchvision's logits within 1e-4",
    async (name) => {
      const c = cases.find((k) => k.name === name)!;
      const { stateDict } = await readPytorchCheckpoint(path.join(dir, `${name}.pth`));
      const arch = recogniseArchitecture(stateDict);
      expect(arch).toEqual({ family: "torchvision_vgg_bn", depth: c.depth, inChannels: c.channels, classes: c.classes, hidden: c.hidden });
      expect(architectureName(arch)).toBe(`vgg${c.depth}_bn`);
      const spec = forwardSpec(arch)!;
      // Every tensor torchvision saved is one the spec names, and nothing else.
      expect(tensorSpecs(spec).map((t) => t.name).sort()).toEqual([...stateDict.keys()].sort());
      const floats = [...stateDict.values()].reduce((s, t) => s + (t.dtype === "float32" ? t.data.length : 0), 0);
      const buffers = bnLayers(spec).reduce((s, l) => s + 2 * l.channels, 0);
      expect(countParameters(spec).total).toBe(floats - buffers);

      const model = ResNet.fromStateDict(spec, stateDict);
      try {
        const x = nchwToNhwc(readF32(path.join(dir, `${name}.input.f32`)), [c.count, c.channels, c.size, c.size]);
        const want = readF32(path.join(dir, `${name}.logits.f32`));
        const got = tf.tidy(() => model.forward(tf.tensor4d(x, [c.count, c.size, c.size, c.channels]), false).dataSync() as Float32Array);
        expect(got.length).toBe(c.count * c.classes);
        // Logits of unit scale, so 1e-4 is a tight bound, not a loose one on large numbers.
        const scale = Math.max(...Array.from(want, Math.abs));
        expect(scale).toBeGreaterThan(0.5);
        expect(scale).toBeLessThan(50);
        const worst = Math.max(...Array.from(got, (v, i) => Math.abs(v - want[i])));
        expect(worst).toBeLessThanOrEqual(1e-4);
      } finally {
        model.dispose();
      }
    },
  );
});
