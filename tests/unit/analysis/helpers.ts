/** Small state dicts whose γ the tests write themselves (resnet-8, width 4: 84 BN channels). */
import { bnLayers, resnetSpec, type ResNetSpec } from "../../../lib/models/arch";
import { initialStateDict } from "../../../lib/models/init";
import type { StateDict } from "../../../lib/models/state-dict";

/** resnet-8 width 4: bn 4, blocks.0.bn1/bn2 4+4, blocks.1.bn1/bn2/shortcut.1 8×3, blocks.2.* 16×3. */
export const SPEC: ResNetSpec = resnetSpec({ depth: 8, width: 4, inChannels: 3, classes: 10 });
export const TOTAL_CHANNELS = 84;
export const SHORTCUT_CHANNELS = 24;

export function baseStateDict(seed = 1): StateDict {
  return initialStateDict(SPEC, { seed, bnInit: "uniform" });
}

export function setTensor(sd: StateDict, name: string, values: ArrayLike<number>): void {
  const t = sd.get(name);
  if (!t || t.dtype !== "float32" || t.data.length !== values.length) throw new Error(`bad test tensor ${name}`);
  t.data.set(Array.from(values));
}

export function fill(sd: StateDict, suffix: "weight" | "bias", value: number): void {
  for (const { name } of bnLayers(SPEC)) (sd.get(`${name}.${suffix}`)!.data as Float32Array).fill(value);
}

/** γ of every BN channel in forward order = i / 83 for i = 0..83, so quantile q of γ is q. */
export function sequenceStateDict(): StateDict {
  const sd = baseStateDict();
  let i = 0;
  for (const { name, channels } of bnLayers(SPEC)) {
    setTensor(sd, `${name}.weight`, Array.from({ length: channels }, () => i++ / 83));
  }
  return sd;
}

/**
 * All γ = 1 except: bn = [0.005, −0.003, 0.5, 0.02]; blocks.1.shortcut.1[0] = 0;
 * blocks.2.bn2[3] = −0.0001; blocks.1.bn1[7] = 0.05. β = 0.25 everywhere.
 * |γ| < 0.01: 4 channels (3 without the shortcut BNs); < 0.1: 6 (5).
 */
export function handStateDict(): StateDict {
  const sd = baseStateDict();
  fill(sd, "weight", 1);
  fill(sd, "bias", 0.25);
  setTensor(sd, "bn.weight", [0.005, -0.003, 0.5, 0.02]);
  (sd.get("blocks.1.shortcut.1.weight")!.data as Float32Array)[0] = 0;
  (sd.get("blocks.2.bn2.weight")!.data as Float32Array)[3] = -0.0001;
  (sd.get("blocks.1.bn1.weight")!.data as Float32Array)[7] = 0.05;
  return sd;
}
