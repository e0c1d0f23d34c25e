/**
 * Sweeps: a base config and a grid of values, expanded to one RunConfig per combination.
 * The run ids make a sweep resumable: what is complete is skipped, what is partial resumes.
 *
 * File (JSON or YAML):
 *   { "name": "demo", "base": { "data": {...}, "model": {...}, "training": {...} },
 *     "grid": { "arch": ["resnet-14", "wrn-14-2"], "trainable": ["all", "bn"], "training.seed": [0, 1] } }
 * Grid keys are `arch` (architecture names), `trainable` (mode names) or dotted config paths.
 * `grids` (instead of `grid`) is a list of grids over the one base, expanded each and joined:
 * experiments that vary different fields (BN placement on one network, depth on another) in one
 * file without their Cartesian product.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { readTextFile } from "../lib/checkpoint/read-file";
import { DataConfig, ModelConfig, RunConfig, runId, TrainingConfig, type RunConfigInput } from "../lib/run/config";
import { readRunFile } from "../lib/run/files";
import { archFields } from "../lib/models/arch";
import { modeFields, TRAINABLE_CHOICES } from "../lib/run/modes";

const SweepFile = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  base: z.record(z.string(), z.unknown()).default({}),
  grid: z.record(z.string(), z.array(z.unknown()).min(1)).optional(),
  grids: z.array(z.record(z.string(), z.array(z.unknown()).min(1))).min(1).optional(),
});
export type SweepFile = z.infer<typeof SweepFile>;

export interface SweepRun {
  id: string;
  config: RunConfig;
}

export type RunState = "done" | "partial" | "pending";

export class SweepError extends Error {}

/** A grid larger than this is a mistake (a seed list of 10⁶), not a sweep anyone will train. */
export const MAX_SWEEP_RUNS = 10_000;

/** The fields each config section has: a key outside them is a typo that would silently train the default. */
const SECTION_FIELDS: Record<string, readonly string[]> = {
  data: Object.keys(DataConfig.shape),
  model: Object.keys(ModelConfig.shape),
  training: Object.keys(TrainingConfig.shape),
};

/** Refuses a grid of more than MAX_SWEEP_RUNS combinations before any is built. */
function checkGridSize(grid: Record<string, readonly unknown[]>, file: string): void {
  const size = Object.values(grid).reduce((n, values) => n * values.length, 1);
  if (size > MAX_SWEEP_RUNS) throw new SweepError(`${file}: grid: ${size} combinations, more than the ${MAX_SWEEP_RUNS} a sweep may have`);
}

function checkConfigKeys(base: Record<string, unknown>, file: string): void {
  for (const [section, value] of Object.entries(base)) {
    const fields = Object.hasOwn(SECTION_FIELDS, section) ? SECTION_FIELDS[section] : undefined;
    if (!fields) throw new SweepError(`${file}: base.${section}: unknown section (data, model, training)`);
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new SweepError(`${file}: base.${section}: must be an object`);
    for (const key of Object.keys(value)) {
      if (!fields.includes(key)) throw new SweepError(`${file}: base.${section}.${key}: unknown field (${fields.join(", ")})`);
    }
  }
}

export async function readSweep(file: string): Promise<SweepFile> {
  let text: string;
  try {
    text = await readTextFile(file);
  } catch (e) {
    throw new SweepError((e as Error).message);
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new SweepError(`${file}: not valid ${/\.ya?ml$/i.test(file) ? "YAML" : "JSON"} (${(e as Error).message.split("\n")[0]})`);
  }
  const parsed = SweepFile.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new SweepError(`${file}: ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  if (parsed.data.grid && parsed.data.grids) throw new SweepError(`${file}: give grid or grids, not both`);
  checkConfigKeys(parsed.data.base, file);
  for (const g of gridsOf(parsed.data)) checkGridSize(g, file);
  return parsed.data;
}

function setPath(target: Record<string, Record<string, unknown>>, key: string, value: unknown, file: string): void {
  if (key === "arch") {
    if (typeof value !== "string") throw new SweepError(`${file}: arch ${JSON.stringify(value)} is not an architecture name such as resnet-20`);
    try {
      target.model = { ...target.model, ...archFields(value) };
    } catch (e) {
      throw new SweepError(`${file}: ${(e as Error).message}`);
    }
  } else if (key === "trainable") {
    if (typeof value !== "string" || !TRAINABLE_CHOICES.includes(value)) {
      throw new SweepError(`${file}: trainable "${String(value)}" is not one of ${TRAINABLE_CHOICES.join(", ")}`);
    }
    target.training = { ...target.training, ...modeFields(value, target.training?.randomK as number | undefined) };
  } else {
    const [section, field, ...rest] = key.split(".");
    if (!["data", "model", "training"].includes(section) || !field || rest.length > 0) {
      throw new SweepError(`${file}: grid key "${key}" must be arch, trainable or data.X / model.X / training.X`);
    }
    if (!SECTION_FIELDS[section].includes(field)) throw new SweepError(`${file}: grid key "${key}": unknown field (${SECTION_FIELDS[section].join(", ")})`);
    target[section] = { ...target[section], [field]: value };
  }
}

/**
 * The sweep with training.precision set in its base (`bnlab sweep --precision`), as if the file
 * said so; a grid over training.precision still wins.
 */
export function withPrecision(sweep: SweepFile, precision: string | undefined): SweepFile {
  if (precision === undefined) return sweep;
  const base = structuredClone(sweep.base) as Record<string, Record<string, unknown>>;
  base.training = { ...base.training, precision };
  return { ...sweep, base };
}

/** The sweep's grids: `grids`, or the one `grid` (none: the base alone). */
function gridsOf(sweep: SweepFile): Record<string, unknown[]>[] {
  return sweep.grids ?? [sweep.grid ?? {}];
}

/** Every combination of each grid over the base, deduplicated by run id, in grid order. */
export function expandSweep(sweep: SweepFile, file = sweep.name): SweepRun[] {
  const out = new Map<string, SweepRun>();
  for (const grid of gridsOf(sweep)) expandGrid(sweep.base, grid, file, out);
  if (out.size > MAX_SWEEP_RUNS) throw new SweepError(`${file}: ${out.size} runs, more than the ${MAX_SWEEP_RUNS} a sweep may have`);
  return [...out.values()];
}

function expandGrid(base: Record<string, unknown>, grid: Record<string, unknown[]>, file: string, out: Map<string, SweepRun>): void {
  const keys = Object.keys(grid);
  checkGridSize(grid, file);
  const combos = keys.reduce<unknown[][]>((acc, k) => acc.flatMap((c) => grid[k].map((v) => [...c, v])), [[]]);
  for (const combo of combos) {
    const draft = structuredClone(base) as Record<string, Record<string, unknown>>;
    combo.forEach((v, i) => setPath(draft, keys[i], v, file));
    const parsed = RunConfig.safeParse(draft as RunConfigInput);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SweepError(`${file}: run ${JSON.stringify(Object.fromEntries(keys.map((k, i) => [k, combo[i]])))}: ${issue.path.join(".")}: ${issue.message}`);
    }
    const id = runId(parsed.data);
    if (!out.has(id)) out.set(id, { id, config: parsed.data });
  }
}

/** done = complete; partial = a run directory exists but is not complete; pending = none. */
export async function runState(runsDir: string, id: string): Promise<{ state: RunState; epochsDone: number; note?: string }> {
  const file = path.join(runsDir, id, "run.json");
  if (!existsSync(file)) return { state: "pending", epochsDone: 0 };
  try {
    const run = await readRunFile(file);
    return { state: run.status === "complete" ? "done" : "partial", epochsDone: run.epochsDone, note: run.status };
  } catch (e) {
    return { state: "partial", epochsDone: 0, note: (e as Error).message };
  }
}
