/** The forward pass of open_lth's CIFAR VGG (see ./vgg for the architecture and its names). */
import * as tf from "@tensorflow/tfjs-core";
import { bnRelu, type ForwardOps } from "./forward-ops";
import { vggInputPadding, vggLayers, type VggSpec } from "./vgg";

export function vggForward(ops: ForwardOps, spec: VggSpec, x: tf.Tensor4D): tf.Tensor2D {
  const pad = vggInputPadding(x.shape[1], x.shape[2]);
  let h: tf.Tensor4D = pad > 0 ? tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]) : x;
  for (const l of vggLayers(spec)) {
    if (l.kind === "pool") {
      h = tf.maxPool(h, 2, 2, "valid");
      continue;
    }
    const p = `layers.${l.index}`;
    const conv = tf.add(ops.conv(h, `${p}.conv.weight`, 1), ops.param(`${p}.conv.bias`)) as tf.Tensor4D;
    h = bnRelu(ops, spec.bnPlacement, conv, `${p}.bn`);
  }
  // AvgPool2d(2) leaves 1×1×512 on a 32×32 input; flattening NHWC or NCHW is then the same.
  const pooled = tf.avgPool(h, 2, 2, "valid");
  const flat = tf.reshape(pooled, [pooled.shape[0], -1]) as tf.Tensor2D;
  return tf.add(tf.matMul(flat, ops.param("fc.weight") as tf.Tensor2D), ops.param("fc.bias")) as tf.Tensor2D;
}
