/** Loss and accuracy of a network on a labelled set, in eval mode (BN running statistics). */
import * as tf from "@tensorflow/tfjs-core";
import { iterateBatches } from "../data/batches";
import type { ImageSet } from "../data/types";
import type { ResNet } from "../models/resnet";

export interface Evaluation {
  loss: number;
  accuracy: number;
  correct: number;
  count: number;
}

/** Mean softmax cross-entropy of logits against integer labels. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits) as tf.Scalar;
}

export function countCorrect(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), "int32"));
}

export function evaluate(model: ResNet, set: ImageSet, opts: { mean: readonly number[]; std: readonly number[]; batchSize?: number }): Evaluation {
  let loss = 0;
  let correct = 0;
  const batches = iterateBatches(set, { batchSize: opts.batchSize ?? 500, shuffle: false, seed: 0, epoch: 0, augment: false, mean: opts.mean, std: opts.std });
  for (const b of batches) {
    const [l, c] = tf.tidy(() => {
      const x = tf.tensor4d(b.x, [b.size, set.height, set.width, set.channels]);
      const y = tf.tensor1d(b.labels, "int32");
      const logits = model.forward(x, false);
      return [tf.mul(crossEntropy(logits, y), b.size), countCorrect(logits, y)];
    });
    loss += l.dataSync()[0];
    correct += c.dataSync()[0];
    tf.dispose([l, c]);
  }
  return { loss: set.count ? loss / set.count : NaN, accuracy: set.count ? correct / set.count : NaN, correct, count: set.count };
}
