/**
 * torchvision's VGG with BN (`vgg11_bn`, `vgg13_bn`, `vgg16_bn`, `vgg19_bn`) as plain data, for
 * networks imported from PyTorch: `features` is per conv Conv2d(3×3, padding 1, with bias) →
 * BatchNorm2d → ReLU (three `nn.Sequential` indices), per `M` a 2×2 max-pool (one index), the
 * last entry a pool; then AdaptiveAvgPool2d((7, 7)), flatten in PyTorch's NCHW order and
 * `classifier` = Linear(512·7·7, hidden) → ReLU → Dropout → Linear(hidden, hidden) → ReLU →
 * Dropout → Linear(hidden, classes). torchvision's hidden width is 4096; a network imported with
 * another (read from `classifier.0.weight`) keeps it.
 *
 * Parameter groups: BN γ/β `bn`, `classifier.6.*` `output`, everything else (conv weights and
 * biases, the first two linears) `other`.
 */
import { ArchError, bnTensors, checkPositiveInt, convTensor, type TensorSpec } from "./tensors";
import { VGG_PLANS, isVggDepth, type VggDepth } from "./vgg";

/** torchvision's plans are open_lth's with a fifth pool at the end. */
export const TORCHVISION_VGG_PLANS: Record<VggDepth, readonly (number | "M")[]> = {
  11: [...VGG_PLANS[11], "M"],
  13: [...VGG_PLANS[13], "M"],
  16: [...VGG_PLANS[16], "M"],
  19: [...VGG_PLANS[19], "M"],
};

/** The adaptive average pool's output side: classifier.0 takes 512·7·7 inputs. */
export const TORCHVISION_VGG_POOL = 7;
export const TORCHVISION_VGG_FEATURES = 512 * TORCHVISION_VGG_POOL * TORCHVISION_VGG_POOL;
/** The smallest side the five max-pools leave at least one pixel of. */
export const TORCHVISION_VGG_MIN_SIDE = 32;

export interface TorchvisionVggSpec {
  family: "torchvision-vgg";
  depth: VggDepth;
  inChannels: number;
  classes: number;
  /** Width of classifier.0 and classifier.3 (torchvision's 4096). */
  hidden: number;
  /** torchvision's order, the only one it has (kept so every spec says where BN sits). */
  bnPlacement: "before-relu";
}

export function torchvisionVggSpec(s: { depth: number; inChannels?: number; classes?: number; hidden?: number }): TorchvisionVggSpec {
  if (!isVggDepth(s.depth)) throw new ArchError(`vgg${s.depth}_bn is not one of torchvision's VGGs: use vgg11_bn, vgg13_bn, vgg16_bn or vgg19_bn`);
  const spec: TorchvisionVggSpec = {
    family: "torchvision-vgg", depth: s.depth, inChannels: s.inChannels ?? 3, classes: s.classes ?? 1000, hidden: s.hidden ?? 4096, bnPlacement: "before-relu",
  };
  for (const key of ["inChannels", "classes", "hidden"] as const) checkPositiveInt(key, spec[key]);
  return spec;
}

/** One entry of `features`: a conv at `features.<index>` with its BN at `features.<index + 1>`, or a pool. */
export type TorchvisionVggLayer = { index: number; kind: "conv"; inFilters: number; outFilters: number } | { index: number; kind: "pool" };

export function torchvisionVggLayers(spec: TorchvisionVggSpec): TorchvisionVggLayer[] {
  const out: TorchvisionVggLayer[] = [];
  let index = 0;
  let filters = spec.inChannels;
  for (const p of TORCHVISION_VGG_PLANS[spec.depth]) {
    if (p === "M") {
      out.push({ index, kind: "pool" });
      index += 1;
    } else {
      out.push({ index, kind: "conv", inFilters: filters, outFilters: p });
      filters = p;
      index += 3;
    }
  }
  return out;
}

/** Every tensor of torchvision's state dict, in its registration order. */
export function torchvisionVggTensorSpecs(spec: TorchvisionVggSpec): TensorSpec[] {
  const out: TensorSpec[] = [];
  const param = (name: string, shape: number[], group: "other" | "output"): TensorSpec => ({ name, shape, kind: "param", group, dtype: "float32" });
  for (const l of torchvisionVggLayers(spec)) {
    if (l.kind === "pool") continue;
    out.push(convTensor(`features.${l.index}.weight`, l.outFilters, l.inFilters, 3, "other"));
    out.push(param(`features.${l.index}.bias`, [l.outFilters], "other"));
    out.push(...bnTensors(`features.${l.index + 1}`, l.outFilters));
  }
  out.push(param("classifier.0.weight", [spec.hidden, TORCHVISION_VGG_FEATURES], "other"), param("classifier.0.bias", [spec.hidden], "other"));
  out.push(param("classifier.3.weight", [spec.hidden, spec.hidden], "other"), param("classifier.3.bias", [spec.hidden], "other"));
  out.push(param("classifier.6.weight", [spec.classes, spec.hidden], "output"), param("classifier.6.bias", [spec.classes], "output"));
  return out;
}

/**
 * How an input of side `height`×`width` reaches torchvision's VGG: 28×28 (MNIST, Fashion-MNIST)
 * zero-padded by 2 pixels on every side after normalisation, as bnlab's VGG does (PyTorch fails
 * on 28×28: the fifth pool leaves nothing); any side from 32 up as it is (the adaptive pool
 * makes 7×7 of whatever the pools leave). Smaller sides are an error naming the fix.
 */
export function torchvisionVggInputPadding(height: number, width: number): number {
  if (height === 28 && width === 28) return 2;
  if (height >= TORCHVISION_VGG_MIN_SIDE && width >= TORCHVISION_VGG_MIN_SIDE) return 0;
  throw new ArchError(
    `torchvision's VGG takes inputs of at least ${TORCHVISION_VGG_MIN_SIDE}×${TORCHVISION_VGG_MIN_SIDE} (28×28 are padded to 32), got ${height}×${width}: its five 2×2 max-pools leave no pixel; resize the images`,
  );
}

/**
 * AdaptiveAvgPool2d's bins along one axis of `size` pixels into `out`: bin i averages
 * [floor(i·size/out), ceil((i+1)·size/out)), as PyTorch computes them. As a [size, out] matrix,
 * so the pool is two matrix products.
 */
export function adaptivePoolMatrix(size: number, out: number): Float32Array {
  const m = new Float32Array(size * out);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * size) / out);
    const end = Math.ceil(((i + 1) * size) / out);
    for (let s = start; s < end; s++) m[s * out + i] = 1 / (end - start);
  }
  return m;
}
