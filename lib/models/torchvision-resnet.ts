/**
 * torchvision's ImageNet ResNets (`resnet18/34/50/101/152`) as plain data, for networks imported
 * from PyTorch: a 7×7 stride-2 stem conv → BN → ReLU → 3×3 stride-2 max-pool, four stages of
 * basic (18, 34) or bottleneck (50+) blocks with 64, 128, 256, 512 planes (bottlenecks expand
 * them 4×), the stride on the first block of stages 2-4 (on the 3×3 conv, as torchvision ≥ 0.8
 * does), a `downsample` (1×1 conv → BN) where the shape changes, global average pool and `fc`.
 * The stem divides the side by 4, so 28- and 32-pixel images leave a 1×1 map by the last stage.
 *
 * Parameter groups as bnlab's own ResNet: BN γ/β `bn`, `fc.*` `output`, the downsample convs
 * `shortcut`, every other conv `other`.
 */
import { ArchError, bnTensors, checkPositiveInt, convTensor, type TensorSpec } from "./tensors";

export const TORCHVISION_RESNET_STAGES = {
  18: { blocks: [2, 2, 2, 2], bottleneck: false },
  34: { blocks: [3, 4, 6, 3], bottleneck: false },
  50: { blocks: [3, 4, 6, 3], bottleneck: true },
  101: { blocks: [3, 4, 23, 3], bottleneck: true },
  152: { blocks: [3, 8, 36, 3], bottleneck: true },
} as const;

export type TorchvisionResNetDepth = keyof typeof TORCHVISION_RESNET_STAGES;

export interface TorchvisionResNetSpec {
  family: "torchvision-resnet";
  depth: TorchvisionResNetDepth;
  inChannels: number;
  classes: number;
  /** torchvision's order, the only one it has (kept so every spec says where BN sits). */
  bnPlacement: "before-relu";
}

export function torchvisionResnetSpec(s: { depth: number; inChannels?: number; classes?: number }): TorchvisionResNetSpec {
  if (!Object.prototype.hasOwnProperty.call(TORCHVISION_RESNET_STAGES, s.depth)) {
    throw new ArchError(`resnet${s.depth} is not one of torchvision's ResNets: use resnet18, resnet34, resnet50, resnet101 or resnet152`);
  }
  const spec: TorchvisionResNetSpec = { family: "torchvision-resnet", depth: s.depth as TorchvisionResNetDepth, inChannels: s.inChannels ?? 3, classes: s.classes ?? 1000, bnPlacement: "before-relu" };
  checkPositiveInt("inChannels", spec.inChannels);
  checkPositiveInt("classes", spec.classes);
  return spec;
}

/** One block: `layer<stage>.<index>`. */
export interface TorchvisionBlock {
  prefix: string;
  inChannels: number;
  /** The 3×3 conv's channels (a bottleneck's inner width). */
  planes: number;
  outChannels: number;
  stride: 1 | 2;
  bottleneck: boolean;
  /** Has `downsample.0` (1×1 conv, the block's stride) and `downsample.1` (BN). */
  downsample: boolean;
}

export function torchvisionBlocks(spec: TorchvisionResNetSpec): TorchvisionBlock[] {
  const { blocks, bottleneck } = TORCHVISION_RESNET_STAGES[spec.depth];
  const expansion = bottleneck ? 4 : 1;
  const out: TorchvisionBlock[] = [];
  let inChannels = 64;
  blocks.forEach((n, stage) => {
    const planes = 64 * 2 ** stage;
    for (let i = 0; i < n; i++) {
      const stride = stage > 0 && i === 0 ? 2 : 1;
      const outChannels = planes * expansion;
      out.push({ prefix: `layer${stage + 1}.${i}`, inChannels, planes, outChannels, stride, bottleneck, downsample: stride !== 1 || inChannels !== outChannels });
      inChannels = outChannels;
    }
  });
  return out;
}

/** Every tensor of torchvision's state dict, in its registration order. */
export function torchvisionResnetTensorSpecs(spec: TorchvisionResNetSpec): TensorSpec[] {
  const out: TensorSpec[] = [convTensor("conv1.weight", 64, spec.inChannels, 7, "other"), ...bnTensors("bn1", 64)];
  let features = 64;
  for (const b of torchvisionBlocks(spec)) {
    const p = b.prefix;
    if (b.bottleneck) {
      out.push(convTensor(`${p}.conv1.weight`, b.planes, b.inChannels, 1, "other"), ...bnTensors(`${p}.bn1`, b.planes));
      out.push(convTensor(`${p}.conv2.weight`, b.planes, b.planes, 3, "other"), ...bnTensors(`${p}.bn2`, b.planes));
      out.push(convTensor(`${p}.conv3.weight`, b.outChannels, b.planes, 1, "other"), ...bnTensors(`${p}.bn3`, b.outChannels));
    } else {
      out.push(convTensor(`${p}.conv1.weight`, b.planes, b.inChannels, 3, "other"), ...bnTensors(`${p}.bn1`, b.planes));
      out.push(convTensor(`${p}.conv2.weight`, b.planes, b.planes, 3, "other"), ...bnTensors(`${p}.bn2`, b.planes));
    }
    if (b.downsample) out.push(convTensor(`${p}.downsample.0.weight`, b.outChannels, b.inChannels, 1, "shortcut"), ...bnTensors(`${p}.downsample.1`, b.outChannels));
    features = b.outChannels;
  }
  out.push({ name: "fc.weight", shape: [spec.classes, features], kind: "param", group: "output", dtype: "float32" });
  out.push({ name: "fc.bias", shape: [spec.classes], kind: "param", group: "output", dtype: "float32" });
  return out;
}
