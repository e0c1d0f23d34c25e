/**
 * open_lth's initialisation, which the paper used: conv and linear weights He-normal
 * (kaiming_normal_, fan_in, gain √2); biases of convs and linears keep PyTorch's default
 * U(−1/√fan_in, 1/√fan_in) (open_lth's initializers touch weights only); BN running statistics
 * 0 / 1 and γ, β as open_lth's `bn_initializers` set them (see BN_INITS).
 * These random weights are the features that BN-only training rescales.
 */
import { createRng, deriveSeed } from "../random";
import { sizeOf, tensorSpecs, type ModelSpec } from "./arch";
import type { StateDict } from "./state-dict";

/**
 * open_lth's BN initialisers (models/bn_initializers.py): `uniform` γ ~ U[0,1), β = 0;
 * `fixed` γ = 1, β = 0; `oneone` γ = 1, β = 1; `positivenegative` γ ~ U[−1,1), β = 0.
 */
export const BN_INITS = ["uniform", "fixed", "oneone", "positivenegative"] as const;
export type BnInit = (typeof BN_INITS)[number];

export interface InitOptions {
  seed: number;
  bnInit: BnInit;
}

function bnGamma(bnInit: BnInit, rng: { next(): number }): number {
  if (bnInit === "uniform") return rng.next();
  if (bnInit === "positivenegative") return rng.next() * 2 - 1;
  return 1;
}

export function initialStateDict(spec: ModelSpec, { seed, bnInit }: InitOptions): StateDict {
  const sd: StateDict = new Map();
  const specs = tensorSpecs(spec);
  const shapes = new Map(specs.map((t) => [t.name, t.shape]));
  for (const t of specs) {
    if (t.dtype === "int64") {
      sd.set(t.name, { dtype: "int64", shape: t.shape, data: new BigInt64Array(1) });
      continue;
    }
    // Each tensor draws from its own stream, so adding a tensor never shifts another's values.
    const rng = createRng(deriveSeed(seed, t.name));
    const data = new Float32Array(sizeOf(t.shape));
    const leaf = t.name.slice(t.name.lastIndexOf(".") + 1);
    const isBn = t.group === "bn" || t.kind === "buffer";
    if (isBn) {
      if (leaf === "weight") for (let i = 0; i < data.length; i++) data[i] = bnGamma(bnInit, rng);
      else if (leaf === "bias" && bnInit === "oneone") data.fill(1);
      else if (leaf === "running_var") data.fill(1);
      // other biases and running_mean stay 0
    } else if (leaf === "weight") {
      const fanIn = sizeOf(t.shape.slice(1));
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
    } else if (leaf === "bias") {
      // PyTorch's default for Conv2d and Linear biases: bound 1/√fan_in of the layer's weight.
      const weight = shapes.get(`${t.name.slice(0, -"bias".length)}weight`)!;
      const bound = 1 / Math.sqrt(sizeOf(weight.slice(1)));
      for (let i = 0; i < data.length; i++) data[i] = (rng.next() * 2 - 1) * bound;
    }
    sd.set(t.name, { dtype: "float32", shape: t.shape, data });
  }
  return sd;
}
