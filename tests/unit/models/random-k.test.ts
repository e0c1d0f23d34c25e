import { describe, expect, it } from "vitest";
import { resnetSpec, sizeOf } from "../../../lib/models/arch";
import { chooseRandomK, parseRandomK, randomKCount, randomKMask } from "../../../lib/models/random-k";
import { vggSpec } from "../../../lib/models/vgg";

describe("random-k selection", () => {
  it("chooses k distinct weights per output channel of every conv, seeded", () => {
    const spec = resnetSpec({ depth: 14, width: 8 });
    const s = chooseRandomK(spec, 2, 9);
    expect(s.layers.map((l) => l.name)).toContain("blocks.2.shortcut.0.weight");
    for (const l of s.layers) {
      const fanIn = sizeOf(l.shape.slice(1));
      expect(l.indices).toHaveLength(l.shape[0]);
      for (const c of l.indices) {
        expect(new Set(c).size).toBe(2);
        expect(c.every((i) => i >= 0 && i < fanIn)).toBe(true);
      }
      const mask = randomKMask(l);
      expect(mask.reduce((a, b) => a + b, 0)).toBe(2 * l.shape[0]);
    }
    expect(chooseRandomK(spec, 2, 9)).toEqual(s);
    expect(chooseRandomK(spec, 2, 10)).not.toEqual(s);
    expect(randomKCount(s)).toBe(2 * s.layers.reduce((a, l) => a + l.shape[0], 0));
  });

  it("has BN-only's budget at k = 2 on VGG (γ and β per channel)", () => {
    const spec = vggSpec({ depth: 11 });
    expect(randomKCount(chooseRandomK(spec, 2, 0))).toBe(5504);
  });

  it("rejects a k larger than a channel's fan-in and a saved selection that does not fit", () => {
    const spec = resnetSpec({ depth: 8, width: 4, inChannels: 1 });
    expect(() => chooseRandomK(spec, 10, 0)).toThrow(/k = 10 is more than the 9 weights per output channel of conv\.weight/);
    const s = chooseRandomK(spec, 2, 0);
    expect(parseRandomK(JSON.parse(JSON.stringify(s)), spec, "r.json")).toEqual(s);
    const bad = JSON.parse(JSON.stringify(s));
    bad.layers[0].indices[0] = [3, 3];
    expect(() => parseRandomK(bad, spec, "r.json")).toThrow(/^r\.json: .*conv\.weight: each channel needs 2 distinct positions/);
    expect(() => parseRandomK(s, resnetSpec({ depth: 8, width: 8, inChannels: 1 }), "r.json")).toThrow(/layer 0 is conv\.weight/);
  });
});
