import { describe, expect, it } from "vitest";
import { WARMUP_MAX_STEPS, warmUp } from "../../../../trainer/bench/engine";

/** A step that takes `ms` of wall time (busy, as an engine step is). */
const stepOf = (ms: number) => () => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe("warmUp", () => {
  it("runs at least the given steps even when they outlast the time", () => {
    expect(warmUp(stepOf(30), 2, 0.01)).toBe(2);
  });

  it("keeps stepping until the time has passed", () => {
    const start = performance.now();
    const n = warmUp(stepOf(10), 2, 0.2);
    expect(performance.now() - start).toBeGreaterThanOrEqual(200);
    expect(n).toBeGreaterThanOrEqual(Math.floor(200 / 10) - 1);
    expect(n).toBeLessThan(WARMUP_MAX_STEPS);
  });

  it("stops at the step cap however much time is left", () => {
    expect(warmUp(() => {}, 2, 60)).toBe(WARMUP_MAX_STEPS);
  });
});
