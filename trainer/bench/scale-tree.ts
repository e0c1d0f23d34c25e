/**
 * A synthetic but valid run tree for the scale benchmark: run.json, metrics.jsonl and real
 * safetensors checkpoints (epoch 0 and the last epoch, written by the checkpoint writer) of small
 * ResNets, over varied datasets, depths, widths, modes, seeds and statuses. Deterministic in `n`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { encodeSafetensors } from "../../lib/checkpoint/safetensors";
import { toRawTensors } from "../../lib/checkpoint/state-dict-io";
import { getDataset } from "../../lib/data/registry";
import { resnetSpec, tensorSpecs } from "../../lib/models/arch";
import { initialStateDict } from "../../lib/models/init";
import { RunConfig, runId } from "../../lib/run/config";
import { RUN_FORMAT_VERSION, type RunFile } from "../../lib/run/files";
import { trainableGroups, type TrainableMode } from "../../lib/run/modes";

const DATASETS = ["mnist", "cifar10", "fashion-mnist"] as const;
const DEPTHS = [8, 14, 20];
const WIDTHS = [4, 8];
const MODES: TrainableMode[] = ["all", "bn", "bn+output", "output", "none"];
const STATUSES = ["complete", "complete", "complete", "complete", "running", "interrupted", "failed"] as const;

/** The i-th run's config and status: every combination cycles, seeds grow as the grid repeats. */
function runAt(i: number) {
  let k = i;
  const pick = <T,>(xs: readonly T[]): T => {
    const v = xs[k % xs.length];
    k = Math.floor(k / xs.length);
    return v;
  };
  const dataset = pick(DATASETS);
  const depth = pick(DEPTHS);
  const width = pick(WIDTHS);
  const mode = pick(MODES);
  const seed = k;
  const status = STATUSES[(i * 7 + seed) % STATUSES.length];
  return { dataset, depth, width, mode, seed, status };
}

/** Writes `n` runs under `root` (created); returns their ids. */
export function writeScaleTree(root: string, n: number): string[] {
  mkdirSync(root, { recursive: true });
  const ids: string[] = [];
  const t0 = Date.parse("2026-01-01T00:00:00Z");
  for (let i = 0; i < n; i++) {
    const r = runAt(i);
    const epochs = 2 + (i % 3);
    const config = RunConfig.parse({
      data: { dataset: r.dataset, trainSubset: 256, testSubset: 128 },
      model: { depth: r.depth, width: r.width },
      training: { trainable: trainableGroups(r.mode), epochs, batchSize: 32, seed: r.seed },
    });
    const id = runId(config);
    ids.push(id);
    const dir = path.join(root, id);
    mkdirSync(path.join(dir, "ckpt"), { recursive: true });
    const info = getDataset(r.dataset);
    const spec = resnetSpec({ depth: r.depth, width: r.width, inChannels: info.channels, classes: info.classes });
    const done = r.status === "complete" ? epochs : r.status === "running" ? 1 : Math.min(1, epochs);
    const total = tensorSpecs(spec).filter((t) => t.dtype !== "int64").reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
    const trainable = tensorSpecs(spec)
      .filter((t) => t.dtype !== "int64" && t.group !== null && trainableGroups(r.mode).includes(t.group))
      .reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
    const created = new Date(t0 + i * 60_000).toISOString();
    const run: RunFile = {
      formatVersion: RUN_FORMAT_VERSION, id, config, status: r.status, epochsDone: done,
      parameters: { total, trainable }, codeVersion: "bench-scale", backend: i % 4 === 0 ? "wasm" : "native",
      createdAt: created, updatedAt: created, ...(r.status === "failed" ? { error: `diverged at epoch ${done}` } : {}),
    };
    writeFileSync(path.join(dir, "run.json"), JSON.stringify(run, null, 2) + "\n");
    // Accuracy that grows with epochs, depth and width, lower for the modes that train less.
    const base = { all: 0.9, "bn+output": 0.75, bn: 0.6, output: 0.3, none: 0.1 }[r.mode] ?? 0.1;
    const lines: string[] = [];
    for (let e = 0; e <= done; e++) {
      const acc = Math.min(0.99, 0.1 + (base - 0.1) * (e / epochs) + r.depth / 1000 + r.width / 500 + ((r.seed * 13 + i) % 10) / 1000);
      if (e > 0) lines.push(JSON.stringify({ epoch: e, step: e * 8, split: "train", loss: 2.3 - 2 * acc, accuracy: acc, lr: 0.1, seconds: e }));
      lines.push(JSON.stringify({ epoch: e, step: e * 8, split: "test", loss: 2.3 - 2 * acc, accuracy: acc, lr: 0.1, seconds: e }));
    }
    writeFileSync(path.join(dir, "metrics.jsonl"), lines.join("\n") + "\n");
    const sd = initialStateDict(spec, { seed: r.seed, bnInit: "uniform" });
    writeFileSync(path.join(dir, "ckpt", "ep-0.safetensors"), encodeSafetensors(toRawTensors(sd)));
    if (done > 0) {
      // Trained γ: the BN-only runs drive a share of γ towards zero, as the paper reports.
      for (const [name, t] of sd) {
        if (!name.endsWith(".weight") || t.shape.length !== 1 || t.dtype !== "float32") continue;
        const data = t.data as Float32Array;
        for (let c = 0; c < data.length; c++) if (r.mode === "bn" && (c * 31 + i) % 4 === 0) data[c] *= 0.005;
      }
      writeFileSync(path.join(dir, "ckpt", `ep-${done}.safetensors`), encodeSafetensors(toRawTensors(sd)));
    }
  }
  return ids;
}
