import { describe, expect, it } from "vitest";
import { resnetSpec, sizeOf, tensorSpecs } from "../../../lib/models/arch";
import { initialStateDict } from "../../../lib/models/init";
import { checkStateDict, hwioToOihw, oihwToHwio, transpose2d } from "../../../lib/models/state-dict";

describe("state dict", () => {
  const spec = resnetSpec({ depth: 8, width: 4 });

  it("converts OIHW ↔ HWIO and back", () => {
    const shape = [5, 3, 3, 2];
    const src = Float32Array.from({ length: sizeOf(shape) }, (_, i) => i);
    const hwio = oihwToHwio(src, shape);
    // element (o=4, i=2, h=1, w=0) sits at ((h*W + w)*I + i)*O + o in HWIO
    expect(hwio[((1 * 2 + 0) * 3 + 2) * 5 + 4]).toBe(src[((4 * 3 + 2) * 3 + 1) * 2 + 0]);
    expect(hwioToOihw(hwio, shape)).toEqual(src);
    expect(transpose2d(transpose2d(src, 6, 15), 15, 6)).toEqual(src);
  });

  it("initialises as open_lth does", () => {
    const sd = initialStateDict(resnetSpec({ depth: 20 }), { seed: 3, bnInit: "uniform" });
    const conv = sd.get("blocks.4.conv1.weight")!.data as Float32Array;
    const std = Math.sqrt(conv.reduce((s, v) => s + v * v, 0) / conv.length);
    // blocks.4 is in stage 2: 32 input channels.
    expect(std).toBeCloseTo(Math.sqrt(2 / (32 * 9)), 2);
    const gamma = sd.get("blocks.4.bn1.weight")!.data as Float32Array;
    expect(Math.min(...gamma)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...gamma)).toBeLessThan(1);
    expect(new Set(gamma).size).toBe(32);
    expect([...(sd.get("blocks.4.bn1.bias")!.data as Float32Array)].every((v) => v === 0)).toBe(true);
    expect([...(sd.get("blocks.4.bn1.running_var")!.data as Float32Array)].every((v) => v === 1)).toBe(true);
    const bias = sd.get("fc.bias")!.data as Float32Array;
    expect(Math.max(...bias.map(Math.abs))).toBeLessThanOrEqual(1 / 8);
    const fixed = initialStateDict(spec, { seed: 3, bnInit: "fixed" });
    expect([...(fixed.get("bn.weight")!.data as Float32Array)].every((v) => v === 1)).toBe(true);
  });

  it("is deterministic per seed and differs across seeds", () => {
    const a = initialStateDict(spec, { seed: 1, bnInit: "uniform" });
    const b = initialStateDict(spec, { seed: 1, bnInit: "uniform" });
    const c = initialStateDict(spec, { seed: 2, bnInit: "uniform" });
    expect(a.get("conv.weight")!.data).toEqual(b.get("conv.weight")!.data);
    expect(a.get("conv.weight")!.data).not.toEqual(c.get("conv.weight")!.data);
  });

  it("checks names and shapes strictly, listing the problems", () => {
    const sd = initialStateDict(spec, { seed: 1, bnInit: "uniform" });
    expect(() => checkStateDict(spec, sd)).not.toThrow();
    sd.delete("bn.bias");
    sd.set("fc.weight", { dtype: "float32", shape: [10, 3], data: new Float32Array(30) });
    sd.set("extra.weight", { dtype: "float32", shape: [1], data: new Float32Array(1) });
    expect(() => checkStateDict(spec, sd, "x.safetensors")).toThrow(/x\.safetensors.*missing bn\.bias.*fc\.weight has shape \[10,3\], expected \[10,16\].*unexpected extra\.weight/);
    expect(tensorSpecs(spec).length).toBeGreaterThan(0);
  });
});
