/**
 * The vocabulary every architecture is described in: parameter groups, tensor specs in
 * PyTorch's names and layouts, and the BN / conv tensors they are built from. No tfjs here.
 */

/** The four parameter groups a tensor belongs to; lib/run/modes names the sets of them that train. */
export const PARAM_GROUPS = ["bn", "output", "shortcut", "other"] as const;
export type ParamGroup = (typeof PARAM_GROUPS)[number];

/**
 * Where BN sits relative to the ReLU that follows its conv: `before-relu` (conv → BN → ReLU,
 * open_lth's and the paper's default) or `after-relu` (conv → ReLU → BN).
 */
export const BN_PLACEMENTS = ["before-relu", "after-relu"] as const;
export type BnPlacement = (typeof BN_PLACEMENTS)[number];

/** A tensor of the model in PyTorch's naming and layout (conv OIHW, linear [out, in]). */
export interface TensorSpec {
  name: string;
  shape: number[];
  /** Learnable parameters have a group; BN running statistics are buffers. */
  kind: "param" | "buffer";
  group: ParamGroup | null;
  dtype: "float32" | "int64";
}

export class ArchError extends Error {}

export function bnTensors(prefix: string, channels: number): TensorSpec[] {
  return [
    { name: `${prefix}.weight`, shape: [channels], kind: "param", group: "bn", dtype: "float32" },
    { name: `${prefix}.bias`, shape: [channels], kind: "param", group: "bn", dtype: "float32" },
    { name: `${prefix}.running_mean`, shape: [channels], kind: "buffer", group: null, dtype: "float32" },
    { name: `${prefix}.running_var`, shape: [channels], kind: "buffer", group: null, dtype: "float32" },
    { name: `${prefix}.num_batches_tracked`, shape: [], kind: "buffer", group: null, dtype: "int64" },
  ];
}

/** A conv filter [out, in, k, k] (OIHW). */
export function convTensor(name: string, out: number, inp: number, k: number, group: ParamGroup): TensorSpec {
  return { name, shape: [out, inp, k, k], kind: "param", group, dtype: "float32" };
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function checkPositiveInt(key: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new ArchError(`${key} must be a positive integer, got ${v}`);
}
