/**
 * SGD with momentum and weight decay, PyTorch semantics (dampening 0, no Nesterov):
 *   g ← grad + wd·p;  buf ← momentum·buf + g;  p ← p − lr·buf
 * Decay applies to the trainable parameters only, since only they are given here. Momentum
 * buffers start at zero, which makes the first step equal to PyTorch's (buf = g).
 * A parameter may come with a 0/1 mask (the random-k control): its gradient and decay are
 * multiplied by it, so the momentum buffer stays zero and the value never moves where it is 0.
 */
import * as tf from "@tensorflow/tfjs-core";

export interface SgdOptions {
  momentum: number;
  weightDecay: number;
}

export class Sgd {
  /** One buffer per parameter, in the parameters' order and layout. */
  readonly buffers: tf.Variable[];
  private readonly masks: (tf.Tensor | null)[];

  /** `masks[i]`, when given, is a 0/1 array in `params[i]`'s own (tfjs) layout. */
  constructor(
    private readonly params: tf.Variable[],
    private readonly opts: SgdOptions,
    masks: (Float32Array | null)[] = [],
  ) {
    this.buffers = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    this.masks = params.map((p, i) => (masks[i] ? tf.tensor(masks[i]!, p.shape) : null));
  }

  /** Applies one update; `grads[i]` belongs to `params[i]`. */
  step(grads: tf.Tensor[], lr: number): void {
    const { momentum, weightDecay } = this.opts;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        let g = grads[i];
        if (weightDecay !== 0) g = tf.add(g, tf.mul(p, weightDecay));
        const mask = this.masks[i];
        if (mask) g = tf.mul(g, mask);
        const buf = momentum !== 0 ? tf.add(tf.mul(this.buffers[i], momentum), g) : g;
        if (momentum !== 0) this.buffers[i].assign(buf);
        p.assign(tf.sub(p, tf.mul(buf, lr)));
      });
    });
  }

  /** Buffer values (copies), for the checkpoint sidecar. */
  state(): Float32Array[] {
    return this.buffers.map((b) => Float32Array.from(b.dataSync() as Float32Array));
  }

  load(values: Float32Array[]): void {
    if (values.length !== this.buffers.length) throw new Error(`optimizer state has ${values.length} buffers, expected ${this.buffers.length}`);
    values.forEach((v, i) => tf.tidy(() => this.buffers[i].assign(tf.tensor(v, this.buffers[i].shape))));
  }

  dispose(): void {
    for (const b of this.buffers) b.dispose();
    for (const m of this.masks) m?.dispose();
  }
}
