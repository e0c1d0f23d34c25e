/**
 * open_lth's run directory: `train_<hash>/replicate_<n>/main/` holds `model_ep<E>_it<I>.pth`
 * checkpoints, `hparams.log` (the hyperparameters, one `* name => value` line each under a section
 * title) and `logger` (`name,iteration,value` lines: train_loss, test_accuracy, …).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { MetricLine } from "../run/files";

export const OPEN_LTH_CHECKPOINT = /^model_ep(\d+)_it(\d+)\.pth$/;

/** The `main` folder of a replicate, given it, its replicate folder, or null when neither is open_lth's. */
export function openLthMain(dir: string): string | null {
  for (const candidate of [dir, path.join(dir, "main")]) {
    if (existsSync(candidate) && statSync(candidate).isDirectory() && readdirSync(candidate).some((f) => OPEN_LTH_CHECKPOINT.test(f))) return candidate;
  }
  return null;
}

/** The replicates of a `train_<hash>` folder (replicate_1, replicate_2, …) that hold checkpoints. */
export function openLthReplicates(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((f) => /^replicate_\d+$/.test(f))
    .sort((a, b) => Number(a.slice(10)) - Number(b.slice(10)))
    .map((f) => openLthMain(path.join(dir, f)))
    .filter((m): m is string => m !== null);
}

/** hparams.log as section → field → value; lines it cannot read are skipped. */
export function parseHparams(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section = "Hyperparameters";
  for (const raw of text.split(/\r?\n/)) {
    const field = /^\s*\*\s*([A-Za-z_][\w]*)\s*=>\s*(.*?)\s*$/.exec(raw);
    if (field) (out[section] ??= {})[field[1]] = field[2];
    else if (raw.trim() && !/^\s/.test(raw)) section = raw.trim().slice(0, 100);
  }
  return out;
}

/** A field from any section (open_lth's names are unique across sections). */
export function hparam(h: Record<string, Record<string, string>> | null, name: string): string | undefined {
  for (const section of Object.values(h ?? {})) if (Object.hasOwn(section, name)) return section[name];
  return undefined;
}

/** open_lth's dataset names → bnlab's. */
export function datasetFromHparams(h: Record<string, Record<string, string>> | null): string | undefined {
  const name = hparam(h, "dataset_name")?.toLowerCase().replace(/[_-]/g, "");
  return name ? ({ cifar10: "cifar10", mnist: "mnist", fashionmnist: "fashion-mnist" } as Record<string, string>)[name] : undefined;
}

/**
 * The logger's lines as bnlab metric lines: loss and accuracy of one split at one iteration make
 * one line. `iterationsPerEpoch` (from the batch size and the dataset) turns iterations into
 * epochs; without it every line is epoch 0 with its iteration as the step.
 */
export function loggerMetrics(text: string, iterationsPerEpoch: number | null): MetricLine[] {
  const byKey = new Map<string, { split: "train" | "test"; it: number; loss?: number; accuracy?: number }>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^(train|test)_(loss|accuracy),(\d+),([-+0-9.eE]+|nan|inf)$/.exec(line.trim());
    if (!m) continue;
    const value = Number(m[4]);
    if (!Number.isFinite(value)) continue;
    const key = `${m[1]}:${m[3]}`;
    const entry = byKey.get(key) ?? { split: m[1] as "train" | "test", it: Number(m[3]) };
    entry[m[2] as "loss" | "accuracy"] = value;
    byKey.set(key, entry);
  }
  return [...byKey.values()]
    .filter((e) => e.loss !== undefined && e.accuracy !== undefined && e.accuracy >= 0 && e.accuracy <= 1)
    .sort((a, b) => a.it - b.it || a.split.localeCompare(b.split))
    .map((e) => ({
      epoch: iterationsPerEpoch ? Math.floor(e.it / iterationsPerEpoch) : 0,
      step: e.it,
      split: e.split,
      loss: e.loss!,
      accuracy: e.accuracy!,
      lr: 0,
      seconds: 0,
    }));
}
