/** The forward pass of torchvision's ResNets (see ./torchvision-resnet for the architecture and its names). */
import * as tf from "@tensorflow/tfjs-core";
import type { ForwardOps } from "./forward-ops";
import { torchvisionBlocks, type TorchvisionBlock, type TorchvisionResNetSpec } from "./torchvision-resnet";

export function torchvisionResnetForward(ops: ForwardOps, spec: TorchvisionResNetSpec, x: tf.Tensor4D): tf.Tensor2D {
  let h = tf.relu(ops.norm(ops.conv(x, "conv1.weight", 2), "bn1"));
  // MaxPool2d(3, stride 2, padding 1): after the ReLU every value is ≥ 0, so zero padding picks
  // the same maxima as PyTorch's implicit −∞ padding (no window is padding alone).
  h = tf.maxPool(tf.pad(h, [[0, 0], [1, 1], [1, 1], [0, 0]]), 3, 2, "valid");
  for (const b of torchvisionBlocks(spec)) h = block(ops, b, h);
  const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
  return tf.add(tf.matMul(pooled, ops.param("fc.weight") as tf.Tensor2D), ops.param("fc.bias")) as tf.Tensor2D;
}

function block(ops: ForwardOps, b: TorchvisionBlock, h: tf.Tensor4D): tf.Tensor4D {
  const p = b.prefix;
  let out: tf.Tensor4D;
  if (b.bottleneck) {
    out = tf.relu(ops.norm(ops.conv(h, `${p}.conv1.weight`, 1), `${p}.bn1`));
    out = tf.relu(ops.norm(ops.conv(out, `${p}.conv2.weight`, b.stride), `${p}.bn2`));
    out = ops.norm(ops.conv(out, `${p}.conv3.weight`, 1), `${p}.bn3`);
  } else {
    out = tf.relu(ops.norm(ops.conv(h, `${p}.conv1.weight`, b.stride), `${p}.bn1`));
    out = ops.norm(ops.conv(out, `${p}.conv2.weight`, 1), `${p}.bn2`);
  }
  const identity = b.downsample ? ops.norm(ops.conv(h, `${p}.downsample.0.weight`, b.stride), `${p}.downsample.1`) : h;
  return tf.relu(tf.add(out, identity) as tf.Tensor4D);
}
