import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import "../../../lib/engine/gradients";
import { beforeAll, describe, expect, it } from "vitest";
import { ArchError, bnLayers, modelSpec, parseArch, tensorSpecs } from "../../../lib/models/arch";
import { countParameters } from "../../../lib/models/groups";
import { ResNet } from "../../../lib/models/resnet";
import { vggInputPadding, vggSpec } from "../../../lib/models/vgg";
import { createRng } from "../../../lib/random";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("VGG spec (open_lth cifar_vgg)", () => {
  it("numbers layers as nn.Sequential does, counting the pools", () => {
    const names = tensorSpecs(vggSpec({ depth: 11 })).map((t) => t.name);
    expect(names.slice(0, 7)).toEqual([
      "layers.0.conv.weight", "layers.0.conv.bias", "layers.0.bn.weight", "layers.0.bn.bias",
      "layers.0.bn.running_mean", "layers.0.bn.running_var", "layers.0.bn.num_batches_tracked",
    ]);
    // plan 11: [64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512]
    expect(bnLayers(vggSpec({ depth: 11 })).map((l) => l.name)).toEqual(
      [0, 2, 4, 5, 7, 8, 10, 11].map((i) => `layers.${i}.bn`),
    );
    expect(names.slice(-2)).toEqual(["fc.weight", "fc.bias"]);
    const shapes = new Map(tensorSpecs(vggSpec({ depth: 11, inChannels: 1, classes: 7 })).map((t) => [t.name, t.shape]));
    expect(shapes.get("layers.0.conv.weight")).toEqual([64, 1, 3, 3]);
    expect(shapes.get("layers.4.conv.weight")).toEqual([256, 128, 3, 3]);
    expect(shapes.get("layers.11.conv.bias")).toEqual([512]);
    expect(shapes.get("fc.weight")).toEqual([7, 512]);
  });

  it("puts conv biases in `other` (frozen with the weights, as open_lth freezes them)", () => {
    const groups = new Map(tensorSpecs(vggSpec({ depth: 13 })).map((t) => [t.name, t.group]));
    expect(groups.get("layers.0.conv.bias")).toBe("other");
    expect(groups.get("layers.0.bn.weight")).toBe("bn");
    expect(groups.get("fc.bias")).toBe("output");
  });

  it("counts an independent sum of the plan", () => {
    const plan = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512] as const;
    let f = 3;
    let other = 0;
    let bn = 0;
    for (const p of plan) {
      if (p === "M") continue;
      other += f * p * 9 + p;
      bn += 2 * p;
      f = p;
    }
    expect(countParameters(vggSpec({ depth: 16 }))).toEqual({ total: other + bn + 5130, bn, output: 5130, shortcut: 0, other });
  });

  it("parses vgg-D and rejects widths, shortcuts and other depths", () => {
    expect(parseArch("vgg-16")).toEqual({ family: "vgg", depth: 16, width: 16 });
    expect(parseArch("VGG19")).toEqual({ family: "vgg", depth: 19, width: 16 });
    expect(() => parseArch("vgg-16", 32)).toThrow(/do not pass --width/);
    expect(() => parseArch("vgg-15")).toThrow(ArchError);
    expect(() => modelSpec({ family: "vgg", depth: 11, shortcut: "identity" })).toThrow(/ResNets only/);
  });

  it("pads 28×28 inputs to 32 and names the fix for other sizes", () => {
    expect(vggInputPadding(32, 32)).toBe(0);
    expect(vggInputPadding(28, 28)).toBe(2);
    expect(() => vggInputPadding(64, 64)).toThrow(/32×32 inputs .* got 64×64: resize the images to 32×32 or use a ResNet/);
  });
});

describe("VGG network", () => {
  it("maps 32×32 and 28×28 batches to logits and trains the BN parameters", () => {
    const spec = vggSpec({ depth: 11, inChannels: 1, classes: 4 });
    const model = ResNet.create(spec, { seed: 3, bnInit: "uniform" });
    const rng = createRng(1);
    for (const side of [32, 28]) {
      const x = tf.tensor4d(Float32Array.from({ length: 2 * side * side }, () => rng.normal()), [2, side, side, 1]);
      const out = tf.tidy(() => model.forward(x, true));
      expect(out.shape).toEqual([2, 4]);
      expect([...out.dataSync()].every(Number.isFinite)).toBe(true);
      tf.dispose([x, out]);
    }
    const x = tf.tensor4d(Float32Array.from({ length: 2 * 32 * 32 }, () => rng.normal()), [2, 32, 32, 1]);
    const vars = model.variables(["bn"]);
    const { grads } = tf.variableGrads(() => tf.sum(model.forward(x, true)) as tf.Scalar, vars);
    expect(Object.keys(grads)).toHaveLength(vars.length);
    expect(Math.max(...tf.abs(grads[vars[0].name]).dataSync())).toBeGreaterThan(0);
    tf.dispose([x, ...Object.values(grads)]);
    model.dispose();
  });
});
