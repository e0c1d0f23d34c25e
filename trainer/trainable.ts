/**
 * What the optimizer updates: the variables of the trainable groups, plus, for the random-k
 * control, whole conv filters with a 0/1 mask of the chosen weights. The random-k choice is
 * made once and saved in the run directory; a resumed run reads it back rather than choosing again.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type * as tf from "@tensorflow/tfjs-core";
import { writeFileAtomic } from "../lib/checkpoint/atomic";
import { tensorSpecs, type ModelSpec, type ParamGroup } from "../lib/models/arch";
import { chooseRandomK, parseRandomK, randomKMask, type RandomKSelection } from "../lib/models/random-k";
import type { ResNet } from "../lib/models/resnet";
import { oihwToHwio } from "../lib/models/state-dict";

export const RANDOM_K_FILE = "random-k.json";

export interface Trainable {
  vars: tf.Variable[];
  /** PyTorch names of `vars`, in the same order (optimizer state is matched by position). */
  names: string[];
  /** Per variable: null (all of it trains) or a 0/1 mask in the variable's tfjs layout. */
  masks: (Float32Array | null)[];
}

export function trainableOf(model: ResNet, groups: readonly ParamGroup[], selection: RandomKSelection | null): Trainable {
  const chosen = new Map((selection?.layers ?? []).map((l) => [l.name, l]));
  const out: Trainable = { vars: [], names: [], masks: [] };
  for (const t of tensorSpecs(model.spec)) {
    if (t.kind !== "param" || t.group === null) continue;
    const whole = groups.includes(t.group);
    const layer = chosen.get(t.name);
    if (!whole && !layer) continue;
    out.vars.push(model.params.get(t.name)!);
    out.names.push(t.name);
    out.masks.push(whole || !layer ? null : oihwToHwio(randomKMask(layer), t.shape));
  }
  return out;
}

/** The run's saved selection, or a fresh one (written to the run directory) when there is none. */
export async function randomKSelection(runRoot: string, spec: ModelSpec, k: number, seed: number): Promise<RandomKSelection> {
  const file = path.join(runRoot, RANDOM_K_FILE);
  if (existsSync(file)) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(file, "utf8"));
    } catch (e) {
      throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
    }
    const saved = parseRandomK(json, spec, file);
    if (saved.k !== k) throw new Error(`${file}: holds k = ${saved.k}, but the run asks for k = ${k}`);
    return saved;
  }
  const selection = chooseRandomK(spec, k, seed);
  await writeFileAtomic(file, JSON.stringify(selection) + "\n");
  return selection;
}
