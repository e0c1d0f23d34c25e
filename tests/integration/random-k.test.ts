/** The random-k control end to end: exactly the chosen conv weights move, nothing else does. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runId } from "../../lib/run/config";
import { readRunFile } from "../../lib/run/files";
import { loadStateDict } from "../../lib/checkpoint/state-dict-io";
import { initBackend } from "../../lib/engine/backend";
import { resnetSpec, sizeOf, tensorSpecs } from "../../lib/models/arch";
import { chooseRandomK, type RandomKSelection } from "../../lib/models/random-k";
import { deriveSeed } from "../../lib/random";
import { configFromFlags } from "../../cli/flags";
import { createReporter } from "../../trainer/progress";
import { train } from "../../trainer/train";
import { RANDOM_K_FILE } from "../../trainer/trainable";

await initBackend({ log: () => {} });
const quiet = createReporter({ quiet: true });

describe("random-k", () => {
  it("trains exactly the k chosen weights of each conv output channel, saved in the run", async () => {
    const runs = mkdtempSync(path.join(tmpdir(), "bnlab-randomk-"));
    const config = configFromFlags({
      dataset: "synthetic", "train-subset": "96", "test-subset": "32", arch: "resnet-8", width: "4",
      epochs: "1", "batch-size": "32", trainable: "random-k", "random-k": "3", seed: "5",
    });
    expect(config.training).toMatchObject({ trainable: [], randomK: 3 });
    expect(runId(config)).toMatch(/^synthetic-resnet8-w4-random-k-[0-9a-f]{10}-s5$/);
    const r = await train(config, { runsDir: runs, reporter: quiet });
    expect(r.status).toBe("complete");

    const spec = resnetSpec({ depth: 8, width: 4 });
    const saved = JSON.parse(readFileSync(path.join(r.runDir, RANDOM_K_FILE), "utf8")) as RandomKSelection;
    expect(saved).toEqual(chooseRandomK(spec, 3, deriveSeed(5, "random-k")));
    const chosen = new Map(saved.layers.map((l) => [l.name, l]));
    expect([...chosen.keys()]).toEqual(tensorSpecs(spec).filter((t) => t.shape.length === 4).map((t) => t.name));

    const load = async (e: number) => (await loadStateDict(path.join(r.runDir, "ckpt", `ep-${e}.safetensors`), spec)).stateDict;
    const [before, after] = [await load(0), await load(1)];
    let moved = 0;
    for (const t of tensorSpecs(spec)) {
      if (t.kind !== "param") continue;
      const a = before.get(t.name)!.data as Float32Array;
      const b = after.get(t.name)!.data as Float32Array;
      const layer = chosen.get(t.name);
      const fanIn = sizeOf(t.shape.slice(1));
      for (let i = 0; i < a.length; i++) {
        const isChosen = layer !== undefined && layer.indices[Math.floor(i / fanIn)].includes(i % fanIn);
        expect(a[i] !== b[i], `${t.name}[${i}] ${isChosen ? "chosen but did not move" : "moved but not chosen"}`).toBe(isChosen);
        if (isChosen) moved++;
      }
    }
    const run = await readRunFile(path.join(r.runDir, "run.json"));
    expect(run.parameters.trainable).toBe(moved);
    expect(moved).toBe(3 * saved.layers.reduce((s, l) => s + l.shape[0], 0));
  });
});
