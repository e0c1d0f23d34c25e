/**
 * What a family's forward pass needs from the network that holds the variables: its
 * parameters by PyTorch name, a conv with PyTorch's padding, and BN in the pass's mode.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { BnPlacement } from "./tensors";

export interface ForwardOps {
  param(name: string): tf.Tensor;
  /** Conv by filter name; k×k pads (k − 1) / 2 on every side (PyTorch's padding=1 for 3×3, 3 for 7×7), 1×1 none. */
  conv(h: tf.Tensor4D, name: string, stride: number): tf.Tensor4D;
  /** BN layer `name` (prefix such as `blocks.3.bn1`), with batch or running statistics. */
  norm(h: tf.Tensor4D, name: string): tf.Tensor4D;
}

/** BN and ReLU in the configured order: conv → BN → ReLU, or conv → ReLU → BN. */
export function bnRelu(ops: ForwardOps, placement: BnPlacement, h: tf.Tensor4D, bn: string): tf.Tensor4D {
  return placement === "after-relu" ? ops.norm(tf.relu(h), bn) : tf.relu(ops.norm(h, bn));
}
