import { describe, expect, it } from "vitest";
import { ArchError, blocks, bnLayers, parseArch, resnetSpec, tensorSpecs } from "../../../lib/models/arch";
import { countParameters, countTrainable } from "../../../lib/models/groups";
import { trainableGroups } from "../../../lib/run/modes";

/** An independent count from the architecture's description, not from tensorSpecs. */
function expectedCount(depth: number, width: number, inChannels: number, classes: number) {
  const n = (depth - 2) / 6;
  const f = [width, 2 * width, 4 * width];
  let other = inChannels * width * 9;
  let bn = 2 * width;
  let shortcut = 0;
  for (let s = 0; s < 3; s++) {
    const fin = s === 0 ? width : f[s - 1];
    other += fin * f[s] * 9 + f[s] * f[s] * 9 + (n - 1) * 2 * f[s] * f[s] * 9;
    bn += 2 * n * 2 * f[s];
    if (s > 0) {
      shortcut += fin * f[s];
      bn += 2 * f[s];
    }
  }
  const output = 4 * width * classes + classes;
  return { total: other + bn + shortcut + output, bn, output, shortcut, other };
}

describe("architecture", () => {
  it("counts resnet-110 width 16 as the paper does", () => {
    const c = countParameters(resnetSpec({ depth: 110 }));
    expect(c.total).toBe(1_730_714);
    expect(c.bn).toBe(8_288);
    expect((c.bn / c.total) * 100).toBeCloseTo(0.48, 2);
  });

  it("counts resnet-20 and resnet-56 (projection shortcuts)", () => {
    expect(countParameters(resnetSpec({ depth: 20 })).total).toBe(272_474);
    expect(countParameters(resnetSpec({ depth: 56 })).total).toBe(855_770);
  });

  it.each([
    [8, 16, 3, 10],
    [14, 32, 1, 10],
    [20, 8, 3, 100],
    [32, 64, 3, 10],
    [866, 16, 3, 10],
  ])("matches an independent count for depth %i width %i (%i in, %i classes)", (depth, width, inChannels, classes) => {
    const c = countParameters(resnetSpec({ depth, width, inChannels, classes }));
    expect(c).toEqual(expectedCount(depth, width, inChannels, classes));
  });

  it("rejects depths that are not 6n+2 and bad widths", () => {
    for (const depth of [0, 2, 7, 19, 21, 20.5]) expect(() => resnetSpec({ depth })).toThrow(ArchError);
    expect(() => resnetSpec({ depth: 20, width: 0 })).toThrow(/width/);
    expect(() => resnetSpec({ depth: 19 })).toThrow(/6n\+2/);
  });

  it("parses resnet-D and wrn-D-K names", () => {
    expect(parseArch("resnet-20")).toEqual({ family: "resnet", depth: 20, width: 16 });
    expect(parseArch("resnet110", 32)).toEqual({ family: "resnet", depth: 110, width: 32 });
    expect(parseArch("wrn-14-4")).toEqual({ family: "wrn", depth: 14, width: 64 });
    expect(() => parseArch("vgg-12")).toThrow(/vgg-12 is not one of open_lth.s VGGs/);
    expect(() => parseArch("densenet-40")).toThrow(/unknown architecture "densenet-40"/);
    expect(() => parseArch("wrn-14-4", 16)).toThrow(/width/);
  });

  it("names tensors as PyTorch's open_lth model does", () => {
    const names = tensorSpecs(resnetSpec({ depth: 20 })).map((t) => t.name);
    expect(names.slice(0, 6)).toEqual(["conv.weight", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"]);
    expect(names).toContain("blocks.3.shortcut.0.weight");
    expect(names).toContain("blocks.6.shortcut.1.running_var");
    expect(names).not.toContain("blocks.0.shortcut.0.weight");
    expect(names).not.toContain("blocks.4.shortcut.0.weight");
    expect(names.slice(-2)).toEqual(["fc.weight", "fc.bias"]);
    const shapes = new Map(tensorSpecs(resnetSpec({ depth: 20 })).map((t) => [t.name, t.shape]));
    expect(shapes.get("conv.weight")).toEqual([16, 3, 3, 3]);
    expect(shapes.get("blocks.3.conv1.weight")).toEqual([32, 16, 3, 3]);
    expect(shapes.get("blocks.3.shortcut.0.weight")).toEqual([32, 16, 1, 1]);
    expect(shapes.get("fc.weight")).toEqual([10, 64]);
    expect(shapes.get("bn.num_batches_tracked")).toEqual([]);
  });

  it("downsamples at the first block of stages 2 and 3", () => {
    const b = blocks(resnetSpec({ depth: 20 }));
    expect(b.map((x) => x.stride)).toEqual([1, 1, 1, 2, 1, 1, 2, 1, 1]);
    expect(b.map((x) => x.projection)).toEqual([false, false, false, true, false, false, true, false, false]);
    expect(bnLayers(resnetSpec({ depth: 20 })).length).toBe(1 + 9 * 2 + 2);
  });
});

describe("parameter groups", () => {
  const spec = resnetSpec({ depth: 20 });
  it("puts every parameter in exactly one group and buffers in none", () => {
    for (const t of tensorSpecs(spec)) {
      if (t.kind === "buffer") expect(t.group).toBeNull();
      else expect(["bn", "output", "shortcut", "other"]).toContain(t.group);
      if (t.name.includes("shortcut.1.") && t.kind === "param") expect(t.group).toBe("bn");
      if (t.name.includes("shortcut.0.")) expect(t.group).toBe("shortcut");
      if (t.name.startsWith("fc.")) expect(t.group).toBe("output");
      if (/conv\d?\.weight$/.test(t.name)) expect(t.group).toBe("other");
    }
  });

  it("counts the trainable parameters of a mode's groups", () => {
    expect(countTrainable(spec, trainableGroups("all"))).toBe(countParameters(spec).total);
    expect(countTrainable(spec, trainableGroups("bn+output"))).toBe(countParameters(spec).bn + 650);
  });
});
