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
import type { RunConfig } from "../../../lib/run/config";
import { modeName } from "../../../lib/run/modes";
import { expandSweep, readSweep, type SweepRun } from "../../../trainer/sweep";

const DIR = "trainer/sweeps";
const FILES = readdirSync(DIR).filter((f) => /\.(json|ya?ml)$/.test(f)).map((f) => path.join(DIR, f)).sort();

async function expand(file: string): Promise<SweepRun[]> {
  return expandSweep(await readSweep(file), file);
}

/** A run as the findings page would see it after training, with a made-up accuracy and γ fractions. */
function asFindingRun(r: SweepRun, i: number): FindingRun {
  const c: RunConfig = r.config;
  return {
    id: r.id, dataset: c.data.dataset, family: c.model.family, depth: c.model.depth, width: c.model.width, bnPlacement: c.model.bnPlacement, shortcut: c.model.shortcut,
    mode: modeName(c.training.trainable, c.training.randomK), seed: c.training.seed,
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
      const runs = await expand(file);
      expect(runs.length).toBeGreaterThan(0);
      expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
    });
  }

  it(`${PAPER_SWEEP} settles every claim on CIFAR-10 at the paper's budget`, async () => {
    const runs = await expand(PAPER_SWEEP);
    expect(runs.every((r) => r.config.data.dataset === "cifar10" && r.config.training.epochs === 160 && r.config.data.trainSubset === undefined)).toBe(true);
    expect(new Set(runs.map((r) => r.config.model.family))).toEqual(new Set(["resnet", "vgg"]));
    const rs = runs.map(asFindingRun);
    const pruning = rs.filter((r) => r.mode === "bn").map((r) => ({ runId: r.id, fraction: 0.3, gammaOrdered: 0.6, randomMean: 0.3, randomSd: 0.01 }));
    const f = findings(rs, { dataset: "cifar10", pruning });
    expect(f.filter((x) => x.verdict === "needs runs").map((x) => x.id)).toEqual([]);
  });

  for (const c of CLAIMS) {
    it(`${c.sweep} is small and settles claim ${c.n}`, async () => {
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
