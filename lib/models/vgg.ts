/**
 * open_lth's `cifar_vgg_{11,13,16,19}` as plain data. A conv module is conv 3×3 (padding 1,
 * with bias) → BN → ReLU; `M` is a 2×2 max-pool; after the layers a 2×2 average pool, flatten
 * and `fc` (512 → classes). Tensor names are PyTorch's: `layers.<i>.conv.*`, `layers.<i>.bn.*`
 * with `i` the `nn.Sequential` index, which counts the pools too, then `fc.*`.
 *
 * Parameter groups follow open_lth's freezing (models/registry.py): BN γ/β are `bn`, `fc.*` is
 * `output`, and everything else (conv weights and conv biases) is `other`, so BN-only training
 * leaves the conv biases at their random initialisation.
 */
import { ArchError, bnTensors, checkPositiveInt, convTensor, type BnPlacement, type TensorSpec } from "./tensors";

export const VGG_PLANS = {
  11: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512],
  13: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512],
  16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512],
  19: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512],
} as const satisfies Record<number, readonly (number | "M")[]>;

export type VggDepth = keyof typeof VGG_PLANS;
export const VGG_DEPTHS = Object.keys(VGG_PLANS).map(Number) as VggDepth[];

/** The input side VGG is built for: four 2×2 max-pools and a 2×2 average pool leave 1×1×512. */
export const VGG_INPUT_SIZE = 32;

export interface VggSpec {
  family: "vgg";
  depth: VggDepth;
  inChannels: number;
  classes: number;
  bnPlacement: BnPlacement;
}

export function isVggDepth(d: number): d is VggDepth {
  return Object.prototype.hasOwnProperty.call(VGG_PLANS, d);
}

/** Validates and completes a spec (3 input channels, 10 classes, BN before ReLU by default). */
export function vggSpec(s: { depth: number; inChannels?: number; classes?: number; bnPlacement?: BnPlacement }): VggSpec {
  if (!isVggDepth(s.depth)) throw new ArchError(`vgg-${s.depth} is not one of open_lth's VGGs: use vgg-11, vgg-13, vgg-16 or vgg-19`);
  const spec: VggSpec = { family: "vgg", depth: s.depth, inChannels: s.inChannels ?? 3, classes: s.classes ?? 10, bnPlacement: s.bnPlacement ?? "before-relu" };
  checkPositiveInt("inChannels", spec.inChannels);
  checkPositiveInt("classes", spec.classes);
  return spec;
}

/** One entry of the plan with its `nn.Sequential` index. */
export type VggLayer = { index: number; kind: "conv"; inFilters: number; outFilters: number } | { index: number; kind: "pool" };

export function vggLayers(spec: VggSpec): VggLayer[] {
  let filters = spec.inChannels;
  return VGG_PLANS[spec.depth].map((p, index): VggLayer => {
    if (p === "M") return { index, kind: "pool" };
    const layer = { index, kind: "conv" as const, inFilters: filters, outFilters: p };
    filters = p;
    return layer;
  });
}

export function vggTensorSpecs(spec: VggSpec): TensorSpec[] {
  const out: TensorSpec[] = [];
  for (const l of vggLayers(spec)) {
    if (l.kind === "pool") continue;
    const p = `layers.${l.index}`;
    out.push(convTensor(`${p}.conv.weight`, l.outFilters, l.inFilters, 3, "other"));
    out.push({ name: `${p}.conv.bias`, shape: [l.outFilters], kind: "param", group: "other", dtype: "float32" });
    out.push(...bnTensors(`${p}.bn`, l.outFilters));
  }
  out.push({ name: "fc.weight", shape: [spec.classes, 512], kind: "param", group: "output", dtype: "float32" });
  out.push({ name: "fc.bias", shape: [spec.classes], kind: "param", group: "output", dtype: "float32" });
  return out;
}

/**
 * How an input of side `size` reaches VGG: 32 as is; 28 (MNIST, Fashion-MNIST) zero-padded by
 * 2 pixels on every side after normalisation (open_lth's VGG fails on 28×28: 4 pools leave 1×1,
 * too small for the 2×2 average pool). Anything else is an error naming the fix.
 */
export function vggInputPadding(height: number, width: number): number {
  if (height === VGG_INPUT_SIZE && width === VGG_INPUT_SIZE) return 0;
  if (height === 28 && width === 28) return 2;
  throw new ArchError(`VGG takes 32×32 inputs (28×28 are padded to 32), got ${height}×${width}: resize the images to 32×32 or use a ResNet`);
}
