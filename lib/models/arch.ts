/**
 * The open_lth CIFAR ResNet family (`cifar_resnet_D_W`) as plain data: which tensors exist,
 * their PyTorch names and shapes, and which parameter group each belongs to. No tfjs here,
 * so counting parameters or validating a checkpoint needs no backend.
 */

/** The four parameter groups a tensor belongs to; lib/run/modes names the sets of them that train. */
export const PARAM_GROUPS = ["bn", "output", "shortcut", "other"] as const;
export type ParamGroup = (typeof PARAM_GROUPS)[number];

export interface ResNetSpec {
  /** 6n+2: n blocks per stage, three stages. */
  depth: number;
  /** Filters of the first stage (stages have W, 2W, 4W). open_lth's default is 16. */
  width: number;
  inChannels: number;
  classes: number;
}

/** A tensor of the model in PyTorch's naming and layout (conv OIHW, linear [out, in]). */
export interface TensorSpec {
  name: string;
  shape: number[];
  /** Learnable parameters have a group; BN running statistics are buffers. */
  kind: "param" | "buffer";
  group: ParamGroup | null;
  dtype: "float32" | "int64";
}

/** One residual block of the flat `blocks.{i}` list. */
export interface BlockSpec {
  index: number;
  inFilters: number;
  outFilters: number;
  stride: 1 | 2;
  projection: boolean;
}

export class ArchError extends Error {}

/**
 * Bounds that keep a typo or a hostile run.json from describing a network whose tensor list alone
 * would never finish building (resnet-6000000002) or whose weights no machine holds. He et al.'s
 * deepest CIFAR ResNet is 1202 layers; at width 1024 stage 3 has 4096 filters (600 MB per conv).
 */
export const MAX_DEPTH = 6002;
export const MAX_WIDTH = 1024;

export function blocksPerStage(depth: number): number {
  if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) {
    throw new ArchError(`depth ${depth} is not of the form 6n+2 with n ≥ 1 (e.g. 8, 14, 20, 32, 56, 110)`);
  }
  if (depth > MAX_DEPTH) throw new ArchError(`depth ${depth} is more than bnlab builds (at most ${MAX_DEPTH})`);
  return (depth - 2) / 6;
}

/** Validates and completes a spec (width 16, 3 input channels, 10 classes by default). */
export function resnetSpec(s: Partial<ResNetSpec> & { depth: number }): ResNetSpec {
  blocksPerStage(s.depth);
  const spec: ResNetSpec = { depth: s.depth, width: s.width ?? 16, inChannels: s.inChannels ?? 3, classes: s.classes ?? 10 };
  for (const key of ["width", "inChannels", "classes"] as const) {
    const v = spec[key];
    if (!Number.isInteger(v) || v < 1) throw new ArchError(`${key} must be a positive integer, got ${v}`);
  }
  if (spec.width > MAX_WIDTH) throw new ArchError(`width ${spec.width} is more than bnlab builds (at most ${MAX_WIDTH})`);
  return spec;
}

/**
 * Parses an architecture name: `resnet-D` (width from the option, default 16) or the paper's
 * wide family `wrn-D-K` (width 16·K).
 */
export function parseArch(name: string, width?: number): { family: "resnet" | "wrn"; depth: number; width: number } {
  const resnet = /^resnet-?(\d+)$/i.exec(name.trim());
  if (resnet) return { family: "resnet", depth: Number(resnet[1]), width: width ?? 16 };
  const wrn = /^wrn-?(\d+)-(\d+)$/i.exec(name.trim());
  if (wrn) {
    if (width !== undefined && width !== 16 * Number(wrn[2])) {
      throw new ArchError(`${name} has width ${16 * Number(wrn[2])}; do not pass a different --width`);
    }
    return { family: "wrn", depth: Number(wrn[1]), width: 16 * Number(wrn[2]) };
  }
  throw new ArchError(`unknown architecture "${name}": use resnet-D (D = 6n+2, e.g. resnet-20) or wrn-D-K (e.g. wrn-14-4)`);
}

export function blocks(spec: ResNetSpec): BlockSpec[] {
  const n = blocksPerStage(spec.depth);
  const out: BlockSpec[] = [];
  let filters = spec.width;
  for (let stage = 0; stage < 3; stage++) {
    const stageFilters = spec.width * 2 ** stage;
    for (let b = 0; b < n; b++) {
      const downsample = stage > 0 && b === 0;
      out.push({
        index: out.length,
        inFilters: filters,
        outFilters: stageFilters,
        stride: downsample ? 2 : 1,
        projection: downsample || filters !== stageFilters,
      });
      filters = stageFilters;
    }
  }
  return out;
}

function bnTensors(prefix: string, channels: number): TensorSpec[] {
  return [
    { name: `${prefix}.weight`, shape: [channels], kind: "param", group: "bn", dtype: "float32" },
    { name: `${prefix}.bias`, shape: [channels], kind: "param", group: "bn", dtype: "float32" },
    { name: `${prefix}.running_mean`, shape: [channels], kind: "buffer", group: null, dtype: "float32" },
    { name: `${prefix}.running_var`, shape: [channels], kind: "buffer", group: null, dtype: "float32" },
    { name: `${prefix}.num_batches_tracked`, shape: [], kind: "buffer", group: null, dtype: "int64" },
  ];
}

function conv(name: string, out: number, inp: number, k: number, group: ParamGroup): TensorSpec {
  return { name, shape: [out, inp, k, k], kind: "param", group, dtype: "float32" };
}

/** Every tensor of the model's state dict, in PyTorch's registration order. */
export function tensorSpecs(spec: ResNetSpec): TensorSpec[] {
  const out: TensorSpec[] = [conv("conv.weight", spec.width, spec.inChannels, 3, "other"), ...bnTensors("bn", spec.width)];
  for (const b of blocks(spec)) {
    const p = `blocks.${b.index}`;
    out.push(conv(`${p}.conv1.weight`, b.outFilters, b.inFilters, 3, "other"), ...bnTensors(`${p}.bn1`, b.outFilters));
    out.push(conv(`${p}.conv2.weight`, b.outFilters, b.outFilters, 3, "other"), ...bnTensors(`${p}.bn2`, b.outFilters));
    if (b.projection) {
      out.push(conv(`${p}.shortcut.0.weight`, b.outFilters, b.inFilters, 1, "shortcut"), ...bnTensors(`${p}.shortcut.1`, b.outFilters));
    }
  }
  const features = spec.width * 4;
  out.push({ name: "fc.weight", shape: [spec.classes, features], kind: "param", group: "output", dtype: "float32" });
  out.push({ name: "fc.bias", shape: [spec.classes], kind: "param", group: "output", dtype: "float32" });
  return out;
}

/** The names of the BN layers (prefixes such as `blocks.3.bn1`) in forward order. */
export function bnLayers(spec: ResNetSpec): { name: string; channels: number }[] {
  return tensorSpecs(spec)
    .filter((t) => t.name.endsWith(".running_mean"))
    .map((t) => ({ name: t.name.slice(0, -".running_mean".length), channels: t.shape[0] }));
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
