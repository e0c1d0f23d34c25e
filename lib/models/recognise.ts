/**
 * Which architecture a state dict is, from its tensor names and shapes alone: bnlab's own CIFAR
 * ResNets (= open_lth `cifar_resnet_D_W`), open_lth `cifar_vgg_D`, torchvision `resnet18…152`,
 * `vgg*_bn` and `mobilenet_v2`. Anything else is "unknown" (its BN layers still count, see
 * bn-layers.ts). `parseArchitecture` reads the same names for `--arch`.
 */
import { blocksPerStage, resnetSpec, type ModelSpec } from "./arch";
import { torchvisionResnetSpec } from "./torchvision-resnet";
import { torchvisionVggLayers, torchvisionVggSpec } from "./torchvision-vgg";
import { VGG_PLANS, vggSpec } from "./vgg";
import { checkStateDict, type StateDict } from "./state-dict";

export type Architecture =
  | { family: "cifar_resnet"; depth: number; width: number; inChannels: number; classes: number }
  | { family: "cifar_vgg"; depth: 11 | 13 | 16 | 19; inChannels: number; classes: number }
  | { family: "torchvision_resnet"; depth: 18 | 34 | 50 | 101 | 152; inChannels: number; classes: number }
  | { family: "torchvision_vgg_bn"; depth: 11 | 13 | 16 | 19; inChannels: number; classes: number; hidden: number }
  | { family: "mobilenet_v2"; classes: number }
  | { family: "unknown" };

export type ArchitectureFamily = Architecture["family"];

/** The architecture's conventional name: `cifar_resnet_20_16`, `cifar_vgg_16`, `resnet18`, `vgg16_bn`, `mobilenet_v2`, `unknown`. */
export function architectureName(a: Architecture): string {
  switch (a.family) {
    case "cifar_resnet":
      return `cifar_resnet_${a.depth}_${a.width}`;
    case "cifar_vgg":
      return `cifar_vgg_${a.depth}`;
    case "torchvision_resnet":
      return `resnet${a.depth}`;
    case "torchvision_vgg_bn":
      return `vgg${a.depth}_bn`;
    default:
      return a.family;
  }
}

/**
 * The model builder's spec of an architecture it runs (forward pass, ablation, pruning): bnlab's
 * ResNets and VGGs (open_lth's names), torchvision's ResNets and VGG-BNs; null for the others
 * (MobileNetV2 is recognised, its γ shown, but not run).
 */
export function forwardSpec(a: Architecture): ModelSpec | null {
  switch (a.family) {
    case "cifar_resnet":
      return resnetSpec(a);
    case "cifar_vgg":
      return vggSpec(a);
    case "torchvision_resnet":
      return torchvisionResnetSpec(a);
    case "torchvision_vgg_bn":
      return torchvisionVggSpec(a);
    default:
      return null;
  }
}

/** Whether bnlab's model builder runs this architecture. */
export function canRunForward(a: Architecture): boolean {
  return forwardSpec(a) !== null;
}

const shape = (sd: StateDict, name: string) => sd.get(name)?.shape;

function cifarResnet(sd: StateDict): Architecture | null {
  const stem = shape(sd, "conv.weight");
  const fc = shape(sd, "fc.weight");
  if (!stem || stem.length !== 4 || !fc || fc.length !== 2) return null;
  let n = 0;
  while (sd.has(`blocks.${n}.conv1.weight`)) n++;
  if (n === 0 || n % 3 !== 0) return null;
  const a = { family: "cifar_resnet" as const, depth: 6 * (n / 3) + 2, width: stem[0], inChannels: stem[1], classes: fc[0] };
  try {
    blocksPerStage(a.depth);
    checkStateDict(resnetSpec(a), sd);
  } catch {
    return null;
  }
  return a;
}

/** Conv widths and pools in `nn.Sequential` index order: a gap in the indices is a MaxPool. */
function sequentialPlan(sd: StateDict, convAt: (i: number) => number[] | undefined, count: number): (number | "M")[] {
  const plan: (number | "M")[] = [];
  for (let i = 0; i < count; i++) {
    const w = convAt(i);
    if (w) plan.push(w[0]);
    else if (plan.length > 0 && plan[plan.length - 1] !== "M") plan.push("M");
  }
  while (plan[plan.length - 1] === "M") plan.pop();
  return plan;
}

function matchPlan(plan: (number | "M")[]): 11 | 13 | 16 | 19 | null {
  for (const d of [11, 13, 16, 19] as const) if (JSON.stringify(VGG_PLANS[d]) === JSON.stringify(plan)) return d;
  return null;
}

function cifarVgg(sd: StateDict): Architecture | null {
  const fc = shape(sd, "fc.weight");
  const first = shape(sd, "layers.0.conv.weight");
  if (!fc || fc.length !== 2 || fc[1] !== 512 || !first || first.length !== 4) return null;
  // open_lth's ConvModule: layers.<i>.conv and layers.<i>.bn; pools take indices of their own.
  const plan = sequentialPlan(sd, (i) => (sd.has(`layers.${i}.bn.running_mean`) ? shape(sd, `layers.${i}.conv.weight`) : undefined), 64);
  const depth = matchPlan(plan);
  return depth ? { family: "cifar_vgg", depth, inChannels: first[1], classes: fc[0] } : null;
}

function torchvisionResnet(sd: StateDict): Architecture | null {
  const stem = shape(sd, "conv1.weight");
  const fc = shape(sd, "fc.weight");
  if (!stem || stem.length !== 4 || stem[2] !== 7 || !fc || !sd.has("bn1.running_mean")) return null;
  const counts = [1, 2, 3, 4].map((l) => {
    let i = 0;
    while (sd.has(`layer${l}.${i}.conv1.weight`)) i++;
    return i;
  });
  const bottleneck = sd.has("layer1.0.conv3.weight");
  const key = `${counts.join(",")}${bottleneck ? "b" : ""}`;
  const depth = ({ "2,2,2,2": 18, "3,4,6,3": 34, "3,4,6,3b": 50, "3,4,23,3b": 101, "3,8,36,3b": 152 } as const)[key as "2,2,2,2"];
  if (!depth || fc[1] !== (bottleneck ? 2048 : 512)) return null;
  return { family: "torchvision_resnet", depth, inChannels: stem[1], classes: fc[0] };
}

/**
 * torchvision's `features`: per conv three indices (conv, BN, ReLU), per pool one; the plan must
 * be one of torchvision's exactly. The hidden width and input channels are read from the shapes.
 */
function torchvisionVggBn(sd: StateDict): Architecture | null {
  const out = shape(sd, "classifier.6.weight");
  const hidden = shape(sd, "classifier.0.weight");
  const first = shape(sd, "features.0.weight");
  if (!out || out.length !== 2 || !hidden || hidden.length !== 2 || !first || first.length !== 4 || !sd.has("features.1.running_mean")) return null;
  if (Math.min(out[0], hidden[0], first[1]) < 1) return null;
  for (const depth of [11, 13, 16, 19] as const) {
    const layers = torchvisionVggLayers(torchvisionVggSpec({ depth, inChannels: first[1] }));
    const fits = layers.every((l) =>
      l.kind === "pool" ? !sd.has(`features.${l.index}.weight`) : shape(sd, `features.${l.index}.weight`)?.[0] === l.outFilters && sd.has(`features.${l.index + 1}.running_mean`),
    );
    const end = layers[layers.length - 1].index + 1;
    const nothingAfter = ![0, 1, 2, 3].some((k) => sd.has(`features.${end + k}.weight`));
    if (fits && nothingAfter) return { family: "torchvision_vgg_bn", depth, inChannels: first[1], classes: out[0], hidden: hidden[0] };
  }
  return null;
}

function mobilenetV2(sd: StateDict): Architecture | null {
  const stem = shape(sd, "features.0.0.weight");
  const last = shape(sd, "features.18.0.weight");
  const out = shape(sd, "classifier.1.weight");
  if (!stem || stem[0] !== 32 || !last || last[0] !== 1280 || !out) return null;
  return { family: "mobilenet_v2", classes: out[0] };
}

export function recogniseArchitecture(sd: StateDict): Architecture {
  return cifarResnet(sd) ?? cifarVgg(sd) ?? torchvisionResnet(sd) ?? torchvisionVggBn(sd) ?? mobilenetV2(sd) ?? { family: "unknown" };
}

export class ArchitectureNameError extends Error {}

/**
 * `--arch`: a name as architectureName() writes it (also `cifar_resnet_D` for width 16). The
 * state dict fills in what the name does not say (channels, classes) and must fit it: a name
 * that contradicts the tensors is an error, not a silent misreading.
 */
export function parseArchitecture(name: string, sd: StateDict): Architecture {
  const n = name.trim().toLowerCase();
  if (n === "unknown") return { family: "unknown" };
  const found = recogniseArchitecture(sd);
  const want = (() => {
    let m = /^cifar_resnet_(\d+)(?:_(\d+))?$/.exec(n);
    if (m) return { family: "cifar_resnet", label: `cifar_resnet_${m[1]}_${m[2] ?? 16}` };
    m = /^cifar_vgg_(11|13|16|19)$/.exec(n);
    if (m) return { family: "cifar_vgg", label: n };
    m = /^resnet(18|34|50|101|152)$/.exec(n);
    if (m) return { family: "torchvision_resnet", label: n };
    m = /^vgg(11|13|16|19)_bn$/.exec(n);
    if (m) return { family: "torchvision_vgg_bn", label: n };
    if (n === "mobilenet_v2") return { family: "mobilenet_v2", label: n };
    throw new ArchitectureNameError(
      `unknown architecture "${name.slice(0, 80)}": use cifar_resnet_D[_W], cifar_vgg_{11,13,16,19}, resnet{18,34,50,101,152}, vgg{11,13,16,19}_bn, mobilenet_v2 or unknown`,
    );
  })();
  if (found.family === "unknown" || architectureName(found) !== want.label) {
    throw new ArchitectureNameError(`--arch ${want.label} does not fit the checkpoint's tensors (they look like ${architectureName(found)}); use --arch unknown to import it without an architecture`);
  }
  return found;
}
