/**
 * The forward pass of torchvision's VGG-BN (see ./torchvision-vgg for the architecture and its
 * names). Imported networks are evaluated, never trained here, so Dropout is the identity (eval mode).
 */
import * as tf from "@tensorflow/tfjs-core";
import { bnRelu, type ForwardOps } from "./forward-ops";
import { adaptivePoolMatrix, torchvisionVggInputPadding, torchvisionVggLayers, TORCHVISION_VGG_POOL, type TorchvisionVggSpec } from "./torchvision-vgg";

export function torchvisionVggForward(ops: ForwardOps, spec: TorchvisionVggSpec, x: tf.Tensor4D): tf.Tensor2D {
  const pad = torchvisionVggInputPadding(x.shape[1], x.shape[2]);
  let h: tf.Tensor4D = pad > 0 ? tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]) : x;
  for (const l of torchvisionVggLayers(spec)) {
    if (l.kind === "pool") {
      h = tf.maxPool(h, 2, 2, "valid");
      continue;
    }
    const conv = tf.add(ops.conv(h, `features.${l.index}.weight`, 1), ops.param(`features.${l.index}.bias`)) as tf.Tensor4D;
    h = bnRelu(ops, spec.bnPlacement, conv, `features.${l.index + 1}`);
  }
  let y = tf.relu(linear(ops, adaptivePoolFlatNchw(h, TORCHVISION_VGG_POOL), "classifier.0"));
  y = tf.relu(linear(ops, y, "classifier.3"));
  return linear(ops, y, "classifier.6");
}

function linear(ops: ForwardOps, x: tf.Tensor2D, name: string): tf.Tensor2D {
  return tf.add(tf.matMul(x, ops.param(`${name}.weight`) as tf.Tensor2D), ops.param(`${name}.bias`)) as tf.Tensor2D;
}

/**
 * AdaptiveAvgPool2d((out, out)) then torch.flatten(x, 1) of a NHWC batch: [N, C·out·out] in
 * PyTorch's NCHW order (channel, then row, then column), which classifier.0's columns follow.
 * The pool is separable (each bin a rectangle of equal weights): columns, then rows, each a
 * matrix product with the bins of ./torchvision-vgg's adaptivePoolMatrix.
 */
export function adaptivePoolFlatNchw(h: tf.Tensor4D, out: number): tf.Tensor2D {
  const [n, height, width, c] = h.shape;
  const nchw = tf.transpose(h, [0, 3, 1, 2]);
  const cols = tf.matMul(tf.reshape(nchw, [n * c * height, width]), tf.tensor2d(adaptivePoolMatrix(width, out), [width, out]));
  const byRow = tf.reshape(tf.transpose(tf.reshape(cols, [n * c, height, out]), [0, 2, 1]), [n * c * out, height]);
  const rows = tf.matMul(byRow, tf.tensor2d(adaptivePoolMatrix(height, out), [height, out]));
  // rows is [N·C·column, row]: swap back to row-major before flattening.
  return tf.reshape(tf.transpose(tf.reshape(rows, [n, c, out, out]), [0, 1, 3, 2]), [n, c * out * out]);
}
