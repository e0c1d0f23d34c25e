/**
 * The random-k control of the paper: train k randomly chosen weights of each output channel of
 * every conv layer (the 3×3 convs, and the 1×1 projections where there are any), the same
 * budget per channel as BN's γ and β when k = 2. The choice is plain data, seeded, and saved
 * with the run, so which weights trained can be read back and checked.
 */
import { createRng, deriveSeed } from "../random";
import { ArchError, sizeOf, tensorSpecs, type ModelSpec } from "./arch";

export interface RandomKLayer {
  /** The conv filter, e.g. `blocks.3.conv1.weight` (OIHW). */
  name: string;
  shape: number[];
  /** indices[o]: the k chosen positions, ascending, in the flattened [in, kh, kw] of channel o. */
  indices: number[][];
}

export interface RandomKSelection {
  k: number;
  seed: number;
  layers: RandomKLayer[];
}

/** k distinct positions out of n, ascending (a partial Fisher–Yates shuffle). */
function choose(n: number, k: number, rng: { int(n: number): number }): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, k).sort((a, b) => a - b);
}

export function chooseRandomK(spec: ModelSpec, k: number, seed: number): RandomKSelection {
  if (!Number.isInteger(k) || k < 1) throw new ArchError(`random-k: k must be a positive integer, got ${k}`);
  const layers: RandomKLayer[] = [];
  for (const t of tensorSpecs(spec)) {
    if (t.kind !== "param" || t.shape.length !== 4) continue;
    const [out, ...rest] = t.shape;
    const fanIn = sizeOf(rest);
    if (k > fanIn) throw new ArchError(`random-k: k = ${k} is more than the ${fanIn} weights per output channel of ${t.name}`);
    // One stream per layer, so the choice in one layer does not depend on the layers before it.
    const rng = createRng(deriveSeed(seed, `random-k:${t.name}`));
    layers.push({ name: t.name, shape: t.shape, indices: Array.from({ length: out }, () => choose(fanIn, k, rng)) });
  }
  return { k, seed, layers };
}

/** The selection as a 0/1 mask in the filter's OIHW layout. */
export function randomKMask(layer: RandomKLayer): Float32Array {
  const fanIn = sizeOf(layer.shape.slice(1));
  const mask = new Float32Array(sizeOf(layer.shape));
  layer.indices.forEach((chosen, o) => chosen.forEach((i) => (mask[o * fanIn + i] = 1)));
  return mask;
}

export function randomKCount(selection: RandomKSelection): number {
  return selection.layers.reduce((s, l) => s + l.indices.length * selection.k, 0);
}

/** Parses a saved selection and checks it against the architecture (names, shapes, ranges). */
export function parseRandomK(json: unknown, spec: ModelSpec, source: string): RandomKSelection {
  const fail = (why: string): never => {
    throw new ArchError(`${source}: not a random-k selection for this model: ${why}`);
  };
  const s = json as RandomKSelection;
  if (!s || typeof s !== "object" || !Number.isInteger(s.k) || s.k < 1 || !Number.isInteger(s.seed) || !Array.isArray(s.layers)) fail("expected {k, seed, layers}");
  const expected = chooseRandomK(spec, s.k, s.seed).layers;
  if (s.layers.length !== expected.length) fail(`${s.layers.length} layers, expected ${expected.length}`);
  s.layers.forEach((l, i) => {
    const e = expected[i];
    if (l?.name !== e.name || JSON.stringify(l.shape) !== JSON.stringify(e.shape)) fail(`layer ${i} is ${l?.name} [${l?.shape}], expected ${e.name} [${e.shape}]`);
    const fanIn = sizeOf(e.shape.slice(1));
    if (!Array.isArray(l.indices) || l.indices.length !== e.shape[0]) fail(`${l.name} has no index list per output channel`);
    for (const chosen of l.indices) {
      if (!Array.isArray(chosen) || chosen.length !== s.k || new Set(chosen).size !== s.k || chosen.some((i) => !Number.isInteger(i) || i < 0 || i >= fanIn)) {
        fail(`${l.name}: each channel needs ${s.k} distinct positions in [0, ${fanIn})`);
      }
    }
  });
  return s;
}
