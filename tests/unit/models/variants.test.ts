import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import "../../../lib/engine/gradients";
import { beforeAll, describe, expect, it } from "vitest";
import { blocks, resnetSpec, tensorSpecs } from "../../../lib/models/arch";
import { countParameters } from "../../../lib/models/groups";
import { BN_INITS, initialStateDict } from "../../../lib/models/init";
import { ResNet } from "../../../lib/models/resnet";
import { vggSpec } from "../../../lib/models/vgg";
import { createRng } from "../../../lib/random";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("shortcut variants", () => {
  it("identity and none have no shortcut tensors; projection keeps open_lth's", () => {
    const names = (shortcut: "projection" | "identity" | "none") => tensorSpecs(resnetSpec({ depth: 20, shortcut })).map((t) => t.name);
    expect(names("projection").filter((n) => n.includes("shortcut"))).toHaveLength(12);
    expect(names("identity").filter((n) => n.includes("shortcut"))).toEqual([]);
    expect(names("none")).toEqual(names("identity"));
    const p = countParameters(resnetSpec({ depth: 20 }));
    const i = countParameters(resnetSpec({ depth: 20, shortcut: "identity" }));
    expect(i.shortcut).toBe(0);
    expect(p.total - i.total).toBe(p.shortcut + 2 * (32 + 64));
    expect(blocks(resnetSpec({ depth: 20, shortcut: "identity" })).filter((b) => b.reshapes).map((b) => b.index)).toEqual([3, 6]);
  });

  it("runs every shortcut × placement forward and backward", () => {
    const rng = createRng(4);
    const x = tf.tensor4d(Float32Array.from({ length: 2 * 8 * 8 * 3 }, () => rng.normal()), [2, 8, 8, 3]);
    const outs: number[][] = [];
    for (const shortcut of ["projection", "identity", "none"] as const) {
      for (const bnPlacement of ["before-relu", "after-relu"] as const) {
        const model = ResNet.create(resnetSpec({ depth: 8, width: 4, shortcut, bnPlacement }), { seed: 5, bnInit: "uniform" });
        const vars = model.variables(["bn"]);
        const { value, grads } = tf.variableGrads(() => tf.sum(model.forward(x, true)) as tf.Scalar, vars);
        expect(Number.isFinite(value.dataSync()[0])).toBe(true);
        outs.push(tf.tidy(() => [...model.forward(x, false).dataSync()]));
        tf.dispose([value, ...Object.values(grads)]);
        model.dispose();
      }
    }
    // Six different networks: no two variants may compute the same function.
    expect(new Set(outs.map((o) => o.map((v) => v.toFixed(5)).join())).size).toBe(6);
    x.dispose();
  });
});

describe("BN init (open_lth bn_initializers)", () => {
  it("sets γ and β as uniform, fixed, oneone and positivenegative do", () => {
    const spec = resnetSpec({ depth: 8, width: 16 });
    const stats = Object.fromEntries(
      BN_INITS.map((bnInit) => {
        const sd = initialStateDict(spec, { seed: 1, bnInit });
        const g = [...(sd.get("blocks.0.bn1.weight")!.data as Float32Array)];
        const b = [...(sd.get("blocks.0.bn1.bias")!.data as Float32Array)];
        return [bnInit, { min: Math.min(...g), max: Math.max(...g), beta: [...new Set(b)] }];
      }),
    );
    expect(stats.uniform.min).toBeGreaterThanOrEqual(0);
    expect(stats.uniform.beta).toEqual([0]);
    expect(stats.fixed).toEqual({ min: 1, max: 1, beta: [0] });
    expect(stats.oneone).toEqual({ min: 1, max: 1, beta: [1] });
    expect(stats.positivenegative.min).toBeLessThan(0);
    expect(stats.positivenegative.max).toBeGreaterThan(0);
    expect(stats.positivenegative.beta).toEqual([0]);
    // positivenegative is uniform's draw mapped to 2u − 1, as open_lth computes it.
    const u = initialStateDict(spec, { seed: 1, bnInit: "uniform" }).get("bn.weight")!.data as Float32Array;
    const pn = initialStateDict(spec, { seed: 1, bnInit: "positivenegative" }).get("bn.weight")!.data as Float32Array;
    pn.forEach((v, i) => expect(v).toBeCloseTo(u[i] * 2 - 1, 6));
  });

  it("draws VGG conv biases from PyTorch's default U(−1/√fan_in, 1/√fan_in)", () => {
    const sd = initialStateDict(vggSpec({ depth: 11 }), { seed: 2, bnInit: "uniform" });
    const bias = sd.get("layers.4.conv.bias")!.data as Float32Array; // fan_in 128·9
    const bound = 1 / Math.sqrt(128 * 9);
    expect(Math.max(...bias.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...bias.map(Math.abs))).toBeGreaterThan(bound * 0.9);
  });
});
