/**
 * Every sweep shipped under trainer/sweeps/ parses and expands to valid run configs, and each
 * claim's sweep makes the runs its claim needs: fed through the findings rules with made-up
 * accuracies, none of them leaves its claim at "needs runs".
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CLAIMS, findings, PAPER_SWEEP, type FindingRun } from "../../../lib/analysis/findings";
import { getDataset } from "../../../lib/data/registry";
import { ModelConfig, type RunConfig } from "../../../lib/run/config";
import { modeName } from "../../../lib/run/modes";
import { expandSweep, readSweep, type SweepRun } from "../../../trainer/sweep";

const DIR = "trainer/sweeps";
const FILES = readdirSync(DIR).filter((f) => /\.(json|ya?ml)$/.test(f)).map((f) => path.join(DIR, f)).sort();

/**
 * The run config's architecture fields (BN placement, shortcuts, the random-k control) and the
 * sweeps that need them. Until the config has them these sweeps must fail with an error naming
 * the missing field, never train a default network in their place.
 */
const ARCH_FIELDS_LANDED = Object.keys(ModelConfig.shape).includes("shortcut");
const NEEDS_ARCH_FIELDS = new Map([
  [path.join(DIR, "claim-3-bn-vs-random-k.json"), /random-k/],
  [path.join(DIR, "claim-5-bn-placement.json"), /bnPlacement/],
  [path.join(DIR, "claim-8-shortcuts.json"), /shortcut/],
  [PAPER_SWEEP, /random-k|bnPlacement|shortcut|vgg/],
]);

async function expand(file: string): Promise<SweepRun[]> {
  return expandSweep(await readSweep(file), file);
}

/** A run as the findings page would see it after training, with a made-up accuracy and γ fractions. */
function asFindingRun(r: SweepRun, i: number): FindingRun {
  const c: RunConfig = r.config;
  const model = c.model as RunConfig["model"] & { family?: string; bnPlacement?: string; shortcut?: string };
  const training = c.training as RunConfig["training"] & { randomK?: number };
  return {
    id: r.id, dataset: c.data.dataset, family: model.family, depth: c.model.depth, width: c.model.width, bnPlacement: model.bnPlacement, shortcut: model.shortcut,
    mode: training.randomK !== undefined ? "random-k" : modeName(c.training.trainable), seed: c.training.seed,
    finalAccuracy: 0.5 + 0.01 * (i % 7), paramsTotal: 1, paramsTrainable: 1, gammaBelow001: 0.1 + 0.01 * (i % 5), gammaBelow001Init: 0.01,
    epochs: c.training.epochs, trainSize: c.data.trainSubset ?? getDataset(c.data.dataset).trainCount,
  };
}

describe("the shipped sweeps", () => {
  it("include one sweep per claim and the paper grid", () => {
    for (const c of CLAIMS) expect(FILES).toContain(c.sweep);
    expect(FILES).toContain(PAPER_SWEEP);
  });

  for (const file of FILES) {
    it(`${file} expands to valid, distinct runs`, async () => {
      const pattern = NEEDS_ARCH_FIELDS.get(file);
      if (pattern && !ARCH_FIELDS_LANDED) {
        await expect(expand(file)).rejects.toThrow(pattern);
        return;
      }
      const runs = await expand(file);
      expect(runs.length).toBeGreaterThan(0);
      expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
    });
  }

  for (const c of CLAIMS) {
    it(`${c.sweep} is small and settles claim ${c.n}`, async () => {
      if (NEEDS_ARCH_FIELDS.has(c.sweep) && !ARCH_FIELDS_LANDED) return expect(expand(c.sweep)).rejects.toThrow(NEEDS_ARCH_FIELDS.get(c.sweep)!);
      const runs = await expand(c.sweep);
      // Sized for a 2-core CPU: a few thousand small images, a few epochs, a handful of runs.
      expect(runs.length).toBeLessThanOrEqual(9);
      for (const r of runs) {
        expect(["mnist", "fashion-mnist"]).toContain(r.config.data.dataset);
        expect(r.config.data.trainSubset).toBeLessThanOrEqual(2000);
        expect(r.config.training.epochs).toBeLessThanOrEqual(4);
      }
      const rs = runs.map(asFindingRun);
      const bn = rs.filter((r) => r.mode === "bn");
      const pruning = bn.map((r) => ({ runId: r.id, fraction: 0.3, gammaOrdered: r.finalAccuracy!, randomMean: 0.3, randomSd: 0.01 }));
      const f = findings(rs, { dataset: rs[0].dataset, pruning }).find((x) => x.id === c.id)!;
      expect(f.verdict, `${c.sweep} leaves claim ${c.n} without runs`).not.toBe("needs runs");
    });
  }
});
