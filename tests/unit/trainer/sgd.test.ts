import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { Sgd } from "../../../trainer/sgd";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("SGD", () => {
  it("follows PyTorch's update: g = grad + wd·p, buf = m·buf + g, p -= lr·buf", () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const sgd = new Sgd([p], { momentum: 0.9, weightDecay: 0.1 });
    // Reference computed by hand with PyTorch's formulas.
    let buf = [0, 0];
    let ref = [1, -2];
    const grads = [[0.5, 0.25], [-1, 2], [0, 0]];
    for (const g of grads) {
      sgd.step([tf.tensor1d(g)], 0.1);
      const full = g.map((gi, i) => gi + 0.1 * ref[i]);
      buf = buf.map((b, i) => 0.9 * b + full[i]);
      ref = ref.map((r, i) => r - 0.1 * buf[i]);
      const got = p.dataSync();
      ref.forEach((r, i) => expect(got[i]).toBeCloseTo(r, 6));
    }
    expect([...sgd.state()[0]].map((v) => +v.toFixed(6))).toEqual(buf.map((v) => +v.toFixed(6)));
  });

  it("moves only where a mask is 1 (gradient and decay masked, momentum stays zero elsewhere)", () => {
    const p = tf.variable(tf.tensor1d([1, -2, 3, 4]));
    const sgd = new Sgd([p], { momentum: 0.9, weightDecay: 0.1 }, [Float32Array.of(0, 1, 0, 1)]);
    for (let i = 0; i < 3; i++) sgd.step([tf.tensor1d([0.5, 0.5, -1, 2])], 0.1);
    const got = p.dataSync();
    expect([got[0], got[2]]).toEqual([1, 3]);
    expect(got[1]).not.toBe(-2);
    expect(got[3]).not.toBe(4);
    expect([sgd.state()[0][0], sgd.state()[0][2]]).toEqual([0, 0]);
    sgd.dispose();
    p.dispose();
  });

  it("restores its buffers and does not leak tensors", () => {
    const p = tf.variable(tf.tensor1d([1, 2, 3]));
    const sgd = new Sgd([p], { momentum: 0.9, weightDecay: 1e-4 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      const g = tf.ones([3]);
      sgd.step([g], 0.1);
      g.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    const other = new Sgd([tf.variable(tf.zeros([3]))], { momentum: 0.9, weightDecay: 0 });
    other.load(sgd.state());
    expect(other.state()).toEqual(sgd.state());
    expect(() => other.load([])).toThrow(/0 buffers, expected 1/);
  });
});
