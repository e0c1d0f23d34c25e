import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { availableBackends, initBackend, resetBackendChoice } from "../../../lib/engine";

const saved = process.env.BNLAB_BACKEND;
let lines: string[] = [];
const log = (line: string) => void lines.push(line);

beforeEach(() => {
  lines = [];
  resetBackendChoice();
  delete process.env.BNLAB_BACKEND;
});
afterEach(() => {
  if (saved === undefined) delete process.env.BNLAB_BACKEND;
  else process.env.BNLAB_BACKEND = saved;
});

describe("initBackend", () => {
  it("BNLAB_BACKEND=cpu starts the cpu backend and says so once", async () => {
    process.env.BNLAB_BACKEND = "cpu";
    const report = await initBackend({ log });
    expect(report).toEqual({ name: "cpu", detail: "pure JS, slow", skipped: [] });
    expect(tf.getBackend()).toBe("cpu");
    expect(lines).toEqual(["backend: cpu (pure JS, slow)"]);
    expect(await initBackend({ log })).toBe(report);
    expect(lines).toHaveLength(1);
  });

  it("BNLAB_BACKEND=node, not installed here, is a clear error naming what is available", async () => {
    process.env.BNLAB_BACKEND = "node";
    await expect(initBackend({ log })).rejects.toThrow(
      /^BNLAB_BACKEND=node: @tensorflow\/tfjs-node is not installed; available: (native, )?wasm, cpu$/,
    );
    expect(lines).toEqual([]);
  });

  it("an unknown BNLAB_BACKEND is an error", async () => {
    process.env.BNLAB_BACKEND = "gpu";
    await expect(initBackend({ log })).rejects.toThrow(/BNLAB_BACKEND=gpu: unknown backend; one of node-gpu, node, native, wasm, cpu/);
  });

  it("by default picks the best available backend (wasm here unless the native addon is built) and says why better ones were skipped", async () => {
    const nativeOk = (await availableBackends()).find((b) => b.name === "native")!.available;
    const report = await initBackend({ log });
    const expected = nativeOk ? "native" : "wasm";
    expect(report.name).toBe(expected);
    expect(tf.getBackend()).toBe(expected);
    expect(report.skipped.map((s) => s.name)).toEqual(nativeOk ? ["node-gpu", "node"] : ["node-gpu", "node", "native"]);
    expect(report.skipped[0].why).toMatch(/^@tensorflow\/tfjs-node-gpu is not installed/);
    if (!nativeOk) expect(report.detail).toMatch(/^(simd|no simd), 1 thread$/);
    expect(lines[0]).toBe(`backend: ${report.name} (${report.detail})`);
    expect(lines.slice(1)).toEqual(report.skipped.map((s) => `${s.name} unavailable: ${s.why}`));
  });

  it("logs once for concurrent and repeated calls", async () => {
    process.env.BNLAB_BACKEND = "wasm";
    const [a, b] = await Promise.all([initBackend({ log }), initBackend({ log })]);
    expect(a).toBe(b);
    await initBackend({ log });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^backend: wasm \((simd|no simd), 1 thread\)$/);
  });

  it("prefer overrides BNLAB_BACKEND, and a later call cannot switch", async () => {
    process.env.BNLAB_BACKEND = "wasm";
    expect((await initBackend({ prefer: "cpu", log })).name).toBe("cpu");
    await expect(initBackend({ prefer: "wasm", log })).rejects.toThrow(/already cpu; cannot switch to wasm/);
  });

  it("availableBackends lists every backend with a reason", async () => {
    const list = await availableBackends();
    expect(list.map((b) => b.name)).toEqual(["node-gpu", "node", "native", "wasm", "cpu"]);
    expect(list.find((b) => b.name === "cpu")).toEqual({ name: "cpu", available: true, detail: "pure JS, slow" });
    expect(list.find((b) => b.name === "node")!.available).toBe(false);
    for (const b of list) expect(b.detail.length).toBeGreaterThan(0);
  });
});
