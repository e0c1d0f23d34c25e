/**
 * open_lth's initialisation, which the paper used: conv and linear weights He-normal
 * (kaiming_normal_, fan_in, gain √2), the linear bias PyTorch's default U(−1/√in, 1/√in),
 * BN γ ~ U[0, 1] ("uniform") or γ = 1 ("fixed"), β = 0, running statistics 0 / 1.
 * These random weights are the features that BN-only training rescales.
 */
import { createRng, deriveSeed } from "../random";
import { sizeOf, tensorSpecs, type ResNetSpec } from "./arch";
import type { StateDict } from "./state-dict";

export type BnInit = "uniform" | "fixed";
export const BN_INITS: readonly BnInit[] = ["uniform", "fixed"];

export interface InitOptions {
  seed: number;
  bnInit: BnInit;
}

export function initialStateDict(spec: ResNetSpec, { seed, bnInit }: InitOptions): StateDict {
  const sd: StateDict = new Map();
  for (const t of tensorSpecs(spec)) {
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
      if (leaf === "weight") for (let i = 0; i < data.length; i++) data[i] = bnInit === "uniform" ? rng.next() : 1;
      else if (leaf === "running_var") data.fill(1);
      // bias and running_mean stay 0
    } else if (leaf === "weight") {
      const fanIn = sizeOf(t.shape.slice(1));
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
    } else if (t.name === "fc.bias") {
      const bound = 1 / Math.sqrt(spec.width * 4);
      for (let i = 0; i < data.length; i++) data[i] = (rng.next() * 2 - 1) * bound;
    }
    sd.set(t.name, { dtype: "float32", shape: t.shape, data });
  }
  return sd;
}
