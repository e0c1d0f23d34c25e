/**
 * BN layers found in any state dict, whatever the architecture: a BN layer is four 1-D float
 * tensors of one length sharing a prefix — `weight` (γ), `bias` (β), `running_mean`,
 * `running_var` — usually with `num_batches_tracked`. Order is the state dict's (PyTorch's
 * registration order, which for the common architectures is forward order).
 */
import type { StateDict } from "./state-dict";

export interface DiscoveredBnLayer {
  /** The prefix: `bn1`, `layer1.0.bn2`, `features.1`; "" for a state dict that is one BN layer. */
  name: string;
  channels: number;
}

const PARTS = ["weight", "bias", "running_mean", "running_var"] as const;

export function discoverBnLayers(sd: StateDict): DiscoveredBnLayer[] {
  const out: DiscoveredBnLayer[] = [];
  for (const key of sd.keys()) {
    if (key !== "running_mean" && !key.endsWith(".running_mean")) continue;
    const name = key.slice(0, -"running_mean".length).replace(/\.$/, "");
    const tensors = PARTS.map((p) => sd.get(name ? `${name}.${p}` : p));
    const channels = tensors[0]?.shape[0];
    const isBn = tensors.every((t) => t !== undefined && t.dtype === "float32" && t.shape.length === 1 && t.shape[0] === channels);
    if (isBn && channels !== undefined && channels > 0) out.push({ name, channels });
  }
  return out;
}
