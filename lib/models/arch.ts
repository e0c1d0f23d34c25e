/**
 * Architectures as plain data: which tensors exist, their PyTorch names and shapes, and which
 * parameter group each belongs to. No tfjs here, so counting parameters or validating a
 * checkpoint needs no backend. This module holds the open_lth CIFAR ResNet (`cifar_resnet_D_W`)
 * and the dispatch over families; VGG lives in ./vgg.
 */
import { ArchError, bnTensors, checkPositiveInt, convTensor, type BnPlacement, type TensorSpec } from "./tensors";
import { torchvisionResnetTensorSpecs, type TorchvisionResNetSpec } from "./torchvision-resnet";
import { torchvisionVggTensorSpecs, type TorchvisionVggSpec } from "./torchvision-vgg";
import { vggSpec, vggTensorSpecs, VGG_DEPTHS, type VggSpec } from "./vgg";

export * from "./tensors";

/**
 * What joins a residual block's input to its output: `projection` (1×1 conv + BN where the shape
 * changes, open_lth's), `identity` (parameter-free: stride-2 subsampling and zero channels
 * appended, He et al.'s option A as fb.resnet.torch builds it) or `none` (a plain network).
 */
export const SHORTCUTS = ["projection", "identity", "none"] as const;
export type Shortcut = (typeof SHORTCUTS)[number];

export interface ResNetSpec {
  family: "resnet";
  /** 6n+2: n blocks per stage, three stages. */
  depth: number;
  /** Filters of the first stage (stages have W, 2W, 4W). open_lth's default is 16. */
  width: number;
  inChannels: number;
  classes: number;
  bnPlacement: BnPlacement;
  shortcut: Shortcut;
}

/** bnlab's families, and torchvision's ResNets and VGG-BNs for networks imported from PyTorch (never trained here). */
export type ModelSpec = ResNetSpec | VggSpec | TorchvisionResNetSpec | TorchvisionVggSpec;
export type ModelFamily = ModelSpec["family"];

/** One residual block of the flat `blocks.{i}` list. */
export interface BlockSpec {
  index: number;
  inFilters: number;
  outFilters: number;
  stride: 1 | 2;
  /** The shape changes here (stride 2 or more filters). */
  reshapes: boolean;
  /** Has `shortcut.0` (1×1 conv) and `shortcut.1` (BN). */
  projection: boolean;
}

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

/**
 * Validates and completes a spec (width 16, 3 input channels, 10 classes, BN before ReLU and
 * projection shortcuts by default).
 */
export function resnetSpec(s: Partial<Omit<ResNetSpec, "family">> & { depth: number }): ResNetSpec {
  blocksPerStage(s.depth);
  const spec: ResNetSpec = {
    family: "resnet", depth: s.depth, width: s.width ?? 16, inChannels: s.inChannels ?? 3, classes: s.classes ?? 10,
    bnPlacement: s.bnPlacement ?? "before-relu", shortcut: s.shortcut ?? "projection",
  };
  for (const key of ["width", "inChannels", "classes"] as const) checkPositiveInt(key, spec[key]);
  if (spec.width > MAX_WIDTH) throw new ArchError(`width ${spec.width} is more than bnlab builds (at most ${MAX_WIDTH})`);
  return spec;
}

/** The options every family takes; ResNet-only ones are rejected for VGG rather than ignored. */
export interface ModelOptions {
  family: ModelFamily;
  depth: number;
  width?: number;
  inChannels?: number;
  classes?: number;
  bnPlacement?: BnPlacement;
  shortcut?: Shortcut;
}

export function modelSpec(o: ModelOptions): ModelSpec {
  if (o.family === "torchvision-resnet" || o.family === "torchvision-vgg") throw new ArchError("torchvision's networks are imported (bnlab import), not built from options");
  if (o.family === "vgg") {
    if (o.shortcut !== undefined && o.shortcut !== "projection") throw new ArchError(`VGG has no shortcuts; --shortcut ${o.shortcut} applies to ResNets only`);
    return vggSpec(o);
  }
  return resnetSpec(o);
}

/** The model-config fields an architecture name sets (`vgg-16` → family and depth; no width). */
export function archFields(name: string, width?: number): { family?: "vgg"; depth: number; width?: number } {
  const a = parseArch(name, width);
  return a.family === "vgg" ? { family: "vgg", depth: a.depth } : { depth: a.depth, width: a.width };
}

/** A short name: `resnet-20 width 16`, `vgg-16`, plus placement and shortcut when not the default. */
export function describeSpec(spec: ModelSpec): string {
  if (spec.family === "torchvision-resnet") return `resnet${spec.depth} (torchvision)`;
  if (spec.family === "torchvision-vgg") return `vgg${spec.depth}_bn (torchvision${spec.hidden !== 4096 ? `, hidden width ${spec.hidden}` : ""})`;
  const parts = [spec.family === "resnet" ? `resnet-${spec.depth} width ${spec.width}` : `vgg-${spec.depth}`];
  if (spec.bnPlacement !== "before-relu") parts.push(`BN ${spec.bnPlacement}`);
  if (spec.family === "resnet" && spec.shortcut !== "projection") parts.push(`${spec.shortcut} shortcuts`);
  return parts.join(", ");
}

/**
 * Parses an architecture name: `resnet-D` (width from the option, default 16), the paper's
 * wide family `wrn-D-K` (width 16·K) or open_lth's `vgg-D` (D in 11, 13, 16, 19; no width).
 */
export function parseArch(name: string, width?: number): { family: "resnet" | "wrn" | "vgg"; depth: number; width: number } {
  const resnet = /^resnet-?(\d+)$/i.exec(name.trim());
  if (resnet) return { family: "resnet", depth: Number(resnet[1]), width: width ?? 16 };
  const vgg = /^vgg-?(\d+)$/i.exec(name.trim());
  if (vgg) {
    if (width !== undefined && width !== 16) throw new ArchError(`${name} has open_lth's fixed widths (64 to 512); do not pass --width`);
    vggSpec({ depth: Number(vgg[1]) });
    return { family: "vgg", depth: Number(vgg[1]), width: 16 };
  }
  const wrn = /^wrn-?(\d+)-(\d+)$/i.exec(name.trim());
  if (wrn) {
    if (width !== undefined && width !== 16 * Number(wrn[2])) {
      throw new ArchError(`${name} has width ${16 * Number(wrn[2])}; do not pass a different --width`);
    }
    return { family: "wrn", depth: Number(wrn[1]), width: 16 * Number(wrn[2]) };
  }
  throw new ArchError(`unknown architecture "${name}": use resnet-D (D = 6n+2, e.g. resnet-20), wrn-D-K (e.g. wrn-14-4) or vgg-D (${VGG_DEPTHS.join(", ")})`);
}

export function blocks(spec: ResNetSpec): BlockSpec[] {
  const n = blocksPerStage(spec.depth);
  const out: BlockSpec[] = [];
  let filters = spec.width;
  for (let stage = 0; stage < 3; stage++) {
    const stageFilters = spec.width * 2 ** stage;
    for (let b = 0; b < n; b++) {
      const downsample = stage > 0 && b === 0;
      const reshapes = downsample || filters !== stageFilters;
      out.push({
        index: out.length,
        inFilters: filters,
        outFilters: stageFilters,
        stride: downsample ? 2 : 1,
        reshapes,
        projection: reshapes && spec.shortcut === "projection",
      });
      filters = stageFilters;
    }
  }
  return out;
}

/** Every tensor of the model's state dict, in PyTorch's registration order. */
export function tensorSpecs(spec: ModelSpec): TensorSpec[] {
  if (spec.family === "torchvision-resnet") return torchvisionResnetTensorSpecs(spec);
  if (spec.family === "torchvision-vgg") return torchvisionVggTensorSpecs(spec);
  return spec.family === "vgg" ? vggTensorSpecs(spec) : resnetTensorSpecs(spec);
}

function resnetTensorSpecs(spec: ResNetSpec): TensorSpec[] {
  const conv = convTensor;
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
export function bnLayers(spec: ModelSpec): { name: string; channels: number }[] {
  return tensorSpecs(spec)
    .filter((t) => t.name.endsWith(".running_mean"))
    .map((t) => ({ name: t.name.slice(0, -".running_mean".length), channels: t.shape[0] }));
}
