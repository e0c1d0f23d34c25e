/** Pure parts of the native engine: no addon needed, so these run everywhere. */
import { describe, expect, it } from "vitest";

import { BufferPool } from "../../../../lib/engine/native/pool";
import { convParams } from "../../../../lib/engine/native/kernels/conv";
import { broadcastLayout, reduceLayout } from "../../../../lib/engine/native/kernels/elementwise";
import * as tf from "@tensorflow/tfjs-core";

describe("broadcastLayout", () => {
  it("merges dims that broadcast alike", () => {
    // [N,H,W,C] + [C]: rows of C, b repeats
    expect(Array.from(broadcastLayout([2, 3, 4, 5], [5], [2, 3, 4, 5])!)).toEqual([2, 24, 5, 5, 1, 0, 1]);
    // same shape: one flat run
    expect(Array.from(broadcastLayout([2, 3], [2, 3], [2, 3])!)).toEqual([1, 6, 1, 1]);
    // [N,1,1,C] * [N,H,W,C] (mean's gradient)
    expect(Array.from(broadcastLayout([4, 1, 1, 16], [4, 8, 8, 16], [4, 8, 8, 16])!)).toEqual([3, 4, 64, 16, 16, 0, 1, 1024, 16, 1]);
    // scalars
    expect(Array.from(broadcastLayout([], [], [])!)).toEqual([1, 1, 0, 0]);
    expect(Array.from(broadcastLayout([3, 4], [], [3, 4])!)).toEqual([1, 12, 1, 0]);
  });
});

describe("reduceLayout", () => {
  it("views the reduced axes as the middle of [outer, mid, inner]", () => {
    expect(reduceLayout([8, 6, 5, 16], [1, 2])).toEqual({ outer: 8, mid: 30, inner: 16 });
    expect(reduceLayout([8, 6, 5, 16], [0, 1, 2])).toEqual({ outer: 1, mid: 240, inner: 16 });
    expect(reduceLayout([8, 6, 5, 16], [3])).toEqual({ outer: 240, mid: 16, inner: 1 });
    expect(reduceLayout([5, 1, 6, 1, 4], [0, 2])).toEqual({ outer: 1, mid: 30, inner: 4 });
    expect(reduceLayout([3, 4, 5, 6], [0, 2])).toBeUndefined();
  });
});

describe("convParams", () => {
  const info = (x: [number, number, number, number], f: [number, number, number, number], s: number, pad: "same" | "valid" | number) =>
    tf.backend_util.computeConv2DInfo(x, f, s, 1, pad);

  it("describes ResNet's convolutions for oneDNN", () => {
    expect(Array.from(convParams(info([128, 32, 32, 16], [3, 3, 16, 32], 2, 1))!)).toEqual(
      [128, 32, 32, 16, 32, 3, 3, 16, 16, 2, 2, 1, 1, 1, 1, 1, 1]);
    // the 1×1 stride-2 shortcut: tfjs's pads are consistent with oneDNN's (integer division)
    expect(Array.from(convParams(info([128, 32, 32, 16], [1, 1, 16, 32], 2, 0))!)).toEqual(
      [128, 32, 32, 16, 32, 1, 1, 16, 16, 2, 2, 0, 0, 0, 0, 1, 1]);
  });

  it("refuses channels-first", () => {
    const nchw = tf.backend_util.computeConv2DInfo([1, 3, 8, 8], [3, 3, 3, 4], 1, 1, 1, undefined, false, "channelsFirst");
    expect(convParams(nchw)).toBeUndefined();
  });
});

describe("BufferPool", () => {
  const n = 1 << 16;

  it("recycles a buffer its tensor no longer holds", () => {
    const pool = new BufferPool();
    const a = pool.take(n);
    pool.onWrite(a);
    pool.onDispose(a);
    expect(pool.take(n)).toBe(a);
    expect(pool.stats).toMatchObject({ hits: 1, misses: 1, returned: 1 });
  });

  it("never recycles what someone else may still see", () => {
    const pool = new BufferPool();
    const read = pool.take(n);
    pool.onWrite(read);
    pool.onRead(read); // dataSync() handed it out
    pool.onDispose(read);

    const viewed = pool.take(n);
    pool.onWrite(viewed);
    pool.onWrite(viewed.subarray(0, 10)); // a Slice output shares its memory
    pool.onDispose(viewed);

    const twice = pool.take(n);
    pool.onWrite(twice);
    pool.onWrite(twice); // registered under two tensors
    pool.onDispose(twice);

    const foreign = new Float32Array(n); // a caller's array given to tf.tensor()
    pool.onWrite(foreign);
    pool.onDispose(foreign);

    expect(pool.pooledBytes).toBe(0);
    const fresh = pool.take(n);
    expect([read, viewed, twice, foreign]).not.toContain(fresh);
  });

  it("keeps at most maxBytes and leaves small arrays to V8", () => {
    const pool = new BufferPool(n * 4, 1024);
    const [a, b] = [pool.take(n), pool.take(n)];
    for (const x of [a, b]) {
      pool.onWrite(x);
      pool.onDispose(x);
    }
    expect(pool.pooledBytes).toBe(n * 4);
    expect(pool.stats.dropped).toBe(1);
    const small = pool.take(100);
    pool.onWrite(small);
    pool.onDispose(small);
    expect(pool.pooledBytes).toBe(n * 4);
  });
});
