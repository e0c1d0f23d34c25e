import { describe, expect, it } from "vitest";
import { collectGammas } from "../../../lib/analysis/gamma";
import { pruningMasks, randomMaskLike } from "../../../lib/analysis/pruning";
import { baseStateDict, sequenceStateDict, SPEC } from "./helpers";

const removedIndices = (removed: Uint8Array) => Array.from(removed).flatMap((v, i) => (v ? [i] : []));

describe("pruning masks", () => {
  it("γ-ordered masks remove round(f·N) smallest |γ|; random masks remove the same count in every layer", () => {
    const g = collectGammas(sequenceStateDict(), SPEC);
    const masks = pruningMasks(g, [0, 0.1, 0.5, 0.9], [0, 1, 2]);
    expect(masks.map((m) => m.removed)).toEqual([0, 8, 42, 76]);
    // γ = i/83 in forward order: the smallest 8 are the stem's 4 and blocks.0.bn1's 4.
    expect(masks[1].gamma.layers.map((l) => l.removedCount)).toEqual([4, 4, 0, 0, 0, 0, 0, 0, 0]);
    for (const m of masks) {
      expect(m.gamma.removed).toBe(m.removed);
      expect(m.random).toHaveLength(3);
      for (const r of m.random) {
        expect(r.removed).toBe(m.removed);
        expect(r.layers.map((l) => l.removedCount)).toEqual(m.gamma.layers.map((l) => l.removedCount));
        // The flags really hold those counts.
        expect(r.layers.map((l) => l.removed.reduce((s, v) => s + v, 0))).toEqual(m.gamma.layers.map((l) => l.removedCount));
      }
    }
    // At f = 0.5 blocks.2.bn1 (γ 36/83..51/83) loses channels 0..5 to γ; random picks other channels.
    const layer = 6;
    expect(masks[2].gamma.layers[layer].name).toBe("blocks.2.bn1");
    expect(removedIndices(masks[2].gamma.layers[layer].removed)).toEqual([0, 1, 2, 3, 4, 5]);
    const picks = masks[2].random.map((r) => removedIndices(r.layers[layer].removed).join(","));
    expect(new Set(picks).size).toBeGreaterThan(1);
  });

  it("random masks are reproducible from the seed and differ between seeds", () => {
    const g = collectGammas(baseStateDict(2), SPEC);
    const like = pruningMasks(g, [0.5], [0])[0].gamma;
    const a = randomMaskLike(like, 7);
    const b = randomMaskLike(like, 7);
    const c = randomMaskLike(like, 8);
    const flat = (m: typeof a) => m.layers.map((l) => Array.from(l.removed).join("")).join("|");
    expect(flat(a)).toBe(flat(b));
    expect(flat(a)).not.toBe(flat(c));
    expect(() => pruningMasks(g, [1.5])).toThrow(RangeError);
  });
});
