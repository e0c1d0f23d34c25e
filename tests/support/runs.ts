/** Tiny real runs made by the trainer, for the registry, analysis and dashboard tests. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { RunConfigInput } from "../../lib/run/config";
import { initBackend } from "../../lib/engine/backend";
import { trainableGroups, type TrainableMode } from "../../lib/run/modes";
import { createReporter } from "../../trainer/progress";
import { train } from "../../trainer/train";

export function tinyConfig(mode: TrainableMode, seed = 0, epochs = 2): RunConfigInput {
  return {
    data: { dataset: "synthetic", trainSubset: 128, testSubset: 64 },
    model: { depth: 8, width: 4 },
    training: { trainable: trainableGroups(mode), epochs, batchSize: 32, seed },
  };
}

/** Trains the given modes into a fresh runs directory; returns it and the run directories. */
export async function makeRuns(modes: TrainableMode[] = ["bn", "all"]): Promise<{ runsDir: string; runDirs: string[] }> {
  await initBackend({ log: () => {} });
  const runsDir = mkdtempSync(path.join(tmpdir(), "bnlab-runs-"));
  const runDirs: string[] = [];
  for (const mode of modes) {
    const r = await train(tinyConfig(mode), { runsDir, saveEvery: 1, reporter: createReporter({ quiet: true }) });
    runDirs.push(r.runDir);
  }
  return { runsDir, runDirs };
}
