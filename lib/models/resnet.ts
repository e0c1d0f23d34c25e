/**
 * The network (a CIFAR ResNet; a VGG, torchvision ResNet or VGG-BN through its *-net module) as tfjs-core ops over named variables
 * (not tfjs-layers: a frozen layers Conv2D still computes its filter gradient). Activations are NHWC; conv filters are kept
 * in tfjs's HWIO layout and the linear weight as [in, out], converted to PyTorch's layouts
 * only at the state-dict boundary.
 */
import * as tf from "@tensorflow/tfjs-core";
import { batchNormTrain } from "../engine/ops";
import { blocks, bnLayers, describeSpec, tensorSpecs, type BlockSpec, type ModelSpec, type ParamGroup, type ResNetSpec, type TensorSpec } from "./arch";
import { bnRelu, type ForwardOps } from "./forward-ops";
import { torchvisionResnetForward } from "./torchvision-resnet-net";
import { torchvisionVggForward } from "./torchvision-vgg-net";
import { vggForward } from "./vgg-net";
import { initialStateDict, type InitOptions } from "./init";
import { checkStateDict, hwioToOihw, oihwToHwio, transpose2d, type StateDict } from "./state-dict";

/** PyTorch's BatchNorm2d defaults. */
export const BN_EPSILON = 1e-5;
export const BN_MOMENTUM = 0.1;

interface BnState {
  runningMean: tf.Variable;
  runningVar: tf.Variable;
  numBatchesTracked: bigint;
}

/** Any model of ./arch (the name predates the other families). */
export class ResNet {
  readonly spec: ModelSpec;
  /** Learnable parameters by PyTorch name, in tfjs layouts. */
  readonly params = new Map<string, tf.Variable>();
  /** BN running statistics by layer prefix (`blocks.3.bn1`). */
  readonly bn = new Map<string, BnState>();
  private readonly specs: TensorSpec[];

  private constructor(spec: ModelSpec, sd: StateDict) {
    this.spec = spec;
    this.specs = tensorSpecs(spec);
    checkStateDict(spec, sd);
    for (const t of this.specs) {
      if (t.kind !== "param") continue;
      // tidy frees the initial tensor; the variable keeps its own reference to the data.
      this.params.set(t.name, tf.tidy(() => tf.variable(toTfjs(t, sd), true)));
    }
    for (const { name } of bnLayers(spec)) {
      const mean = sd.get(`${name}.running_mean`)!;
      const variance = sd.get(`${name}.running_var`)!;
      const tracked = sd.get(`${name}.num_batches_tracked`)!;
      this.bn.set(name, {
        runningMean: tf.tidy(() => tf.variable(tf.tensor1d(mean.data as Float32Array), false)),
        runningVar: tf.tidy(() => tf.variable(tf.tensor1d(variance.data as Float32Array), false)),
        numBatchesTracked: (tracked.data as BigInt64Array)[0],
      });
    }
  }

  /** A freshly initialised network (open_lth's initialisation, seeded). */
  static create(spec: ModelSpec, init: InitOptions): ResNet {
    return new ResNet(spec, initialStateDict(spec, init));
  }

  /** A network holding exactly the given state dict (strict: names and shapes must match). */
  static fromStateDict(spec: ModelSpec, sd: StateDict): ResNet {
    return new ResNet(spec, sd);
  }

  /** The variables of the given groups, in a fixed order (optimizer state is matched by position). */
  variables(groups: readonly ParamGroup[]): tf.Variable[] {
    return this.specs.filter((t) => t.kind === "param" && t.group !== null && groups.includes(t.group)).map((t) => this.params.get(t.name)!);
  }

  /** Names of the parameters of the given groups, in the same order as `variables`. */
  parameterNames(groups: readonly ParamGroup[]): string[] {
    return this.specs.filter((t) => t.kind === "param" && t.group !== null && groups.includes(t.group)).map((t) => t.name);
  }

  /**
   * Logits for a NHWC batch. In training mode BN normalises with batch statistics and
   * updates its running statistics as PyTorch does (momentum 0.1, unbiased variance).
   */
  forward(x: tf.Tensor4D, training: boolean): tf.Tensor2D {
    const ops: ForwardOps = {
      param: (name) => this.params.get(name)!,
      conv: (h, name, stride) => {
        const w = this.params.get(name)! as tf.Tensor4D;
        // k×k convs pad (k − 1) / 2 pixels on every side, also at stride 2, as PyTorch's are
        // built: 3×3 padding 1, torchvision's 7×7 stem padding 3, 1×1 none.
        return tf.conv2d(h, w, stride, (w.shape[0] - 1) / 2);
      },
      norm: (h, name) => this.batchNorm(h, name, training),
    };
    if (this.spec.family === "torchvision-resnet") return torchvisionResnetForward(ops, this.spec, x);
    if (this.spec.family === "torchvision-vgg") return torchvisionVggForward(ops, this.spec, x);
    return this.spec.family === "vgg" ? vggForward(ops, this.spec, x) : resnetForward(ops, this.spec, x);
  }

  private batchNorm(x: tf.Tensor4D, name: string, training: boolean): tf.Tensor4D {
    const gamma = this.params.get(`${name}.weight`)!;
    const beta = this.params.get(`${name}.bias`)!;
    const state = this.bn.get(name)!;
    if (!training) {
      return tf.batchNorm4d(x, state.runningMean as tf.Tensor1D, state.runningVar as tf.Tensor1D, beta as tf.Tensor1D, gamma as tf.Tensor1D, BN_EPSILON);
    }
    const { y, mean, variance } = batchNormTrain(x, gamma, beta, BN_EPSILON);
    const count = x.shape[0] * x.shape[1] * x.shape[2];
    // The running variance is unbiased (n / (n − 1)), while normalisation used the biased one.
    const unbiased = count > 1 ? count / (count - 1) : 1;
    tf.tidy(() => {
      state.runningMean.assign(tf.add(tf.mul(state.runningMean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
      state.runningVar.assign(tf.add(tf.mul(state.runningVar, 1 - BN_MOMENTUM), tf.mul(variance, BN_MOMENTUM * unbiased)));
    });
    state.numBatchesTracked += 1n;
    return y as tf.Tensor4D;
  }

  /** Every parameter and buffer in PyTorch names and layouts (copies). */
  stateDict(): StateDict {
    const sd: StateDict = new Map();
    for (const t of this.specs) {
      if (t.kind === "param") {
        sd.set(t.name, { dtype: "float32", shape: t.shape, data: toPytorch(t, this.params.get(t.name)!.dataSync() as Float32Array) });
        continue;
      }
      const layer = t.name.slice(0, t.name.lastIndexOf("."));
      const state = this.bn.get(layer)!;
      if (t.name.endsWith(".num_batches_tracked")) {
        sd.set(t.name, { dtype: "int64", shape: [], data: BigInt64Array.of(state.numBatchesTracked) });
      } else {
        const v = t.name.endsWith(".running_mean") ? state.runningMean : state.runningVar;
        sd.set(t.name, { dtype: "float32", shape: t.shape, data: Float32Array.from(v.dataSync() as Float32Array) });
      }
    }
    return sd;
  }

  /** A tensor of this parameter's shape (a gradient, a momentum buffer) from tfjs's layout to PyTorch's. */
  toPytorchLayout(name: string, values: Float32Array): Float32Array {
    const t = this.specs.find((s) => s.name === name && s.kind === "param");
    if (!t) throw new Error(`${name} is not a parameter of ${describeSpec(this.spec)}`);
    return toPytorch(t, values);
  }

  /** Replaces every value with the state dict's (strict, like `load_state_dict(strict=True)`). */
  loadStateDict(sd: StateDict): void {
    checkStateDict(this.spec, sd);
    for (const t of this.specs) {
      if (t.kind === "param") {
        tf.tidy(() => this.params.get(t.name)!.assign(toTfjs(t, sd)));
      }
    }
    for (const [name, state] of this.bn) {
      tf.tidy(() => {
        state.runningMean.assign(tf.tensor1d(sd.get(`${name}.running_mean`)!.data as Float32Array));
        state.runningVar.assign(tf.tensor1d(sd.get(`${name}.running_var`)!.data as Float32Array));
      });
      state.numBatchesTracked = (sd.get(`${name}.num_batches_tracked`)!.data as BigInt64Array)[0];
    }
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    for (const s of this.bn.values()) {
      s.runningMean.dispose();
      s.runningVar.dispose();
    }
  }
}

function toTfjs(t: TensorSpec, sd: StateDict): tf.Tensor {
  const data = sd.get(t.name)!.data as Float32Array;
  if (t.shape.length === 4) {
    const [o, i, h, w] = t.shape;
    return tf.tensor4d(oihwToHwio(data, t.shape), [h, w, i, o]);
  }
  if (t.shape.length === 2) return tf.tensor2d(transpose2d(data, t.shape[0], t.shape[1]), [t.shape[1], t.shape[0]]);
  return tf.tensor1d(Float32Array.from(data));
}

function toPytorch(t: TensorSpec, values: Float32Array): Float32Array {
  if (t.shape.length === 4) return hwioToOihw(values, t.shape);
  if (t.shape.length === 2) return transpose2d(values, t.shape[1], t.shape[0]);
  return Float32Array.from(values);
}

/**
 * open_lth's CIFAR ResNet. With BN after ReLU every BN moves past the ReLU that follows it: the
 * stem and conv1 become conv → ReLU → BN, and bn2 follows the ReLU after the addition
 * (h = bn2(relu(conv2(·) + shortcut))); a projection's BN stays on its 1×1 conv.
 */
function resnetForward(ops: ForwardOps, spec: ResNetSpec, x: tf.Tensor4D): tf.Tensor2D {
  const after = spec.bnPlacement === "after-relu";
  let h = bnRelu(ops, spec.bnPlacement, ops.conv(x, "conv.weight", 1), "bn");
  for (const b of blocks(spec)) {
    const pre = `blocks.${b.index}`;
    const out = ops.conv(bnRelu(ops, spec.bnPlacement, ops.conv(h, `${pre}.conv1.weight`, b.stride), `${pre}.bn1`), `${pre}.conv2.weight`, 1);
    const main = after ? out : ops.norm(out, `${pre}.bn2`);
    const sum = spec.shortcut === "none" ? main : (tf.add(main, shortcut(ops, b, h)) as tf.Tensor4D);
    h = after ? ops.norm(tf.relu(sum), `${pre}.bn2`) : tf.relu(sum);
  }
  const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
  return tf.add(tf.matMul(pooled, ops.param("fc.weight") as tf.Tensor2D), ops.param("fc.bias")) as tf.Tensor2D;
}

/**
 * The block's shortcut: its input, a projection (1×1 conv stride 2 → BN), or for `identity`
 * where the shape changes, x[:, :, ::2, ::2] with zero channels appended (a 1×1 average pool
 * of stride 2 takes every other pixel, as fb.resnet.torch's option A does).
 */
function shortcut(ops: ForwardOps, b: BlockSpec, h: tf.Tensor4D): tf.Tensor4D {
  const pre = `blocks.${b.index}`;
  if (b.projection) return ops.norm(ops.conv(h, `${pre}.shortcut.0.weight`, 2), `${pre}.shortcut.1`);
  if (!b.reshapes) return h;
  const sub = b.stride === 2 ? tf.avgPool(h, 1, 2, "valid") : h;
  return tf.pad(sub, [[0, 0], [0, 0], [0, 0], [0, b.outFilters - b.inFilters]]);
}
