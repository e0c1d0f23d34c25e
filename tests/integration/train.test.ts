/** The trainer end to end on tiny synthetic runs: freezing, learning, resume, crash safety. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { TEMP_INFIX } from "../../lib/checkpoint/atomic";
import { RunConfig, runId, type RunConfigInput } from "../../lib/run/config";
import { readRunFile } from "../../lib/run/files";
import { loadStateDict } from "../../lib/checkpoint/state-dict-io";
import { initBackend } from "../../lib/engine/backend";
import { resnetSpec, tensorSpecs } from "../../lib/models/arch";
import { trainableGroups, type TrainableMode } from "../../lib/run/modes";
import { ResNet } from "../../lib/models/resnet";
import { createReporter } from "../../trainer/progress";
import { RunDir } from "../../trainer/run-dir";
import { train } from "../../trainer/train";

await initBackend({ log: () => {} });
const quiet = createReporter({ quiet: true });

export function tiny(mode: TrainableMode, extra: { epochs?: number; seed?: number } = {}): RunConfigInput {
  return {
    data: { dataset: "synthetic", trainSubset: 192, testSubset: 96, augment: true },
    model: { depth: 8, width: 4 },
    training: { trainable: trainableGroups(mode), epochs: extra.epochs ?? 2, batchSize: 32, seed: extra.seed ?? 0, lr: 0.1 },
  };
}

const tmp = () => mkdtempSync(path.join(tmpdir(), "bnlab-train-"));
const spec = resnetSpec({ depth: 8, width: 4, inChannels: 3, classes: 10 });

async function weights(runDir: string, epoch: number) {
  return (await loadStateDict(path.join(runDir, "ckpt", `ep-${epoch}.safetensors`), spec)).stateDict;
}

describe("train", () => {
  it.each<[TrainableMode, string[]]>([
    ["bn", ["bn"]],
    ["output", ["output"]],
    ["bn+output", ["bn", "output"]],
    ["none", []],
    ["all", ["bn", "output", "shortcut", "other"]],
  ])("in mode %s changes exactly the groups %j", async (mode, groups) => {
    const runs = tmp();
    const r = await train(tiny(mode, { epochs: 1 }), { runsDir: runs, reporter: quiet });
    expect(r.status).toBe("complete");
    const [before, after] = [await weights(r.runDir, 0), await weights(r.runDir, 1)];
    for (const t of tensorSpecs(spec)) {
      const same = Buffer.from((before.get(t.name)!.data as Float32Array).buffer).equals(Buffer.from((after.get(t.name)!.data as Float32Array).buffer));
      if (t.kind === "buffer") expect(same, t.name).toBe(false); // BN statistics always update in training mode
      else expect(same, `${t.name} (${t.group})`).toBe(!groups.includes(t.group!));
    }
    const run = await readRunFile(path.join(r.runDir, "run.json"));
    expect(run.parameters.trainable).toBe(groups.length === 0 ? 0 : run.parameters.trainable);
    expect(run.config.training.trainable).toEqual(groups);
  });

  it("computes no filter gradient for frozen convolutions", async () => {
    const model = ResNet.create(spec, { seed: 0, bnInit: "uniform" });
    const x = tf.randomNormal([4, 16, 16, 3]) as tf.Tensor4D;
    const count = async (mode: TrainableMode) => {
      const info = await tf.profile(() => {
        tf.tidy(() => {
          tf.variableGrads(() => tf.sum(model.forward(x, true)) as tf.Scalar, model.variables(trainableGroups(mode)));
        });
      });
      return info.kernels.filter((k) => k.name === "Conv2DBackpropFilter").length;
    };
    expect(await count("bn")).toBe(0);
    expect(await count("output")).toBe(0);
    expect(await count("all")).toBe(1 + 3 * 2 + 2); // every conv, shortcuts included
    x.dispose();
    model.dispose();
  });

  it("lowers the loss with BN-only training on a learnable task", async () => {
    const base = tiny("bn", { epochs: 4 });
    const config = { ...base, data: { ...base.data, trainSubset: 1024, augment: false }, model: { depth: 8, width: 16 }, training: { ...base.training, batchSize: 64 } };
    const r = await train(config, { runsDir: tmp(), reporter: quiet });
    const metrics = await new RunDir(r.runDir).readMetrics();
    const trainLoss = metrics.filter((m) => m.split === "train").map((m) => m.loss);
    expect(trainLoss.length).toBe(4);
    expect(trainLoss[3]).toBeLessThan(trainLoss[0]);
    const test = metrics.filter((m) => m.split === "test");
    expect(test.map((m) => m.epoch)).toEqual([0, 1, 2, 3, 4]);
    expect(test[4].accuracy).toBeGreaterThan(0.2); // chance is 0.1
  });

  it("gives the same metrics for the same seed and different ones for another seed", async () => {
    const [a, b, c] = await Promise.all([0, 0, 1].map(async (seed) => {
      const r = await train(tiny("bn", { epochs: 1, seed }), { runsDir: tmp(), reporter: quiet });
      return (await new RunDir(r.runDir).readMetrics()).map(({ seconds: _s, examplesPerSecond: _e, ...m }) => m);
    }));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("finds a complete run instead of training it again", async () => {
    const runs = tmp();
    const first = await train(tiny("output", { epochs: 1 }), { runsDir: runs, reporter: quiet });
    const again = await train(tiny("output", { epochs: 1 }), { runsDir: runs, reporter: quiet });
    expect(again).toMatchObject({ alreadyComplete: true, runDir: first.runDir, status: "complete" });
    expect(path.basename(first.runDir)).toBe(runId(RunConfig.parse(tiny("output", { epochs: 1 }))));
  });

  it("resumes an interrupted run to the same final weights as an uninterrupted one", async () => {
    const config = tiny("bn", { epochs: 3 });
    const straight = await train(config, { runsDir: tmp(), reporter: quiet });
    const runs = tmp();
    // Interrupt in the middle of epoch 2 (step 9 of 6 per epoch), then in epoch 3 after its first step.
    for (const stopAt of [9, 13]) {
      const controller = new AbortController();
      const r = await train(config, {
        runsDir: runs, signal: controller.signal,
        reporter: { ...quiet, progress: (p) => p.label && stepOf(p) === stopAt && controller.abort() },
      });
      expect(r.status).toBe("interrupted");
      expect((await readRunFile(path.join(r.runDir, "run.json"))).status).toBe("interrupted");
    }
    // Leftovers of a kill mid-write (run.json and a checkpoint) are cleared by the resume.
    const runDir = path.join(runs, runId(RunConfig.parse(config)));
    writeFileSync(path.join(runDir, `.run.json${TEMP_INFIX}dead0001`), "{\"status\":");
    writeFileSync(path.join(runDir, "ckpt", `.ep-2.safetensors${TEMP_INFIX}dead0002`), "partial");
    const resumed = await train(config, { runsDir: runs, reporter: quiet });
    expect(resumed.status).toBe("complete");
    expect(readdirSync(runDir).filter((f) => f.includes(TEMP_INFIX))).toEqual([]);
    const [x, y] = [await weights(straight.runDir, 3), await weights(resumed.runDir, 3)];
    for (const [name, t] of x) expect(Buffer.from(y.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
    const strip = (m: { seconds: number; examplesPerSecond?: number }) => ({ ...m, seconds: 0, examplesPerSecond: 0 });
    expect((await new RunDir(resumed.runDir).readMetrics()).map(strip)).toEqual((await new RunDir(straight.runDir).readMetrics()).map(strip));
    expect(readdirSync(path.join(resumed.runDir, "ckpt")).sort()).toEqual(["ep-0.optim.safetensors", "ep-0.safetensors", "ep-3.optim.safetensors", "ep-3.safetensors"]);
  });

  it("stops a diverged run as failed, with its files still readable", async () => {
    const base = tiny("all", { epochs: 2 });
    const config = { ...base, training: { ...base.training, lr: 1e30 } };
    const runs = tmp();
    await expect(train(config, { runsDir: runs, reporter: quiet })).rejects.toThrow(/diverged: the training loss became NaN at epoch 1, step \d+ \(lr 1e\+30\)/);
    const dir = new RunDir(path.join(runs, runId(RunConfig.parse(config))));
    const run = await dir.readRun();
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/diverged/);
    // Only the finite epoch-0 line was written; no NaN (null in JSON) line makes the run unreadable.
    expect((await dir.readMetrics()).map((m) => `${m.epoch}/${m.split}`)).toEqual(["0/test"]);
  });

  it("falls back to the previous good checkpoint when the newest is corrupt, and says so", async () => {
    const config = tiny("bn", { epochs: 3 });
    const runs = tmp();
    const controller = new AbortController();
    await train(config, { runsDir: runs, saveEvery: 1, signal: controller.signal, reporter: { ...quiet, progress: (p) => stepOf(p) === 14 && controller.abort() } });
    const dir = new RunDir(path.join(runs, runId(RunConfig.parse(config))));
    // Corrupt the resume file and the epoch-2 checkpoint: resume must use epoch 1.
    writeFileSync(dir.resumeFile, "garbage");
    writeFileSync(dir.checkpoint(2), readFileSync(dir.checkpoint(2)).subarray(0, 100));
    const warnings: string[] = [];
    const logs: string[] = [];
    const r = await train(config, { runsDir: runs, saveEvery: 1, reporter: { ...quiet, warn: (l) => warnings.push(l), log: (l) => logs.push(l) } });
    expect(r.status).toBe("complete");
    expect(warnings.join("\n")).toMatch(/resume\.safetensors: not a valid safetensors file/);
    expect(warnings.join("\n")).toMatch(/ep-2\.safetensors: .*truncated/);
    expect(logs.join("\n")).toMatch(/resuming .* from ckpt\/ep-1\.safetensors \(epoch 1/);
    const metrics = await dir.readMetrics();
    expect(metrics.filter((m) => m.split === "test").map((m) => m.epoch)).toEqual([0, 1, 2, 3]);
  });
});

/** The global step a progress report refers to (epoch label "epoch E/N", done = step in epoch). */
function stepOf(p: { label: string; done: number }): number {
  const epoch = Number(/epoch (\d+)/.exec(p.label)?.[1] ?? 0);
  return (epoch - 1) * 6 + p.done;
}
