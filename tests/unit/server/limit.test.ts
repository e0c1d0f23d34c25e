import { describe, expect, it } from "vitest";
import { evaluations, queuedTurn } from "../../../lib/server/limit";

/** Busy work standing in for one evaluation (it holds the thread as tfjs does). */
function evaluate(ms: number): number {
  const end = Date.now() + ms;
  let n = 0;
  while (Date.now() < end) n++;
  return n;
}

/** How many times a timer fired while `chain` ran 20 evaluations of 5 ms one after another. */
async function timerTicksDuring(step: (task: () => number) => Promise<number>): Promise<number> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  try {
    for (let i = 0; i < 20; i++) await step(() => evaluate(5));
  } finally {
    clearInterval(timer);
  }
  return ticks;
}

describe("queuedTurn", () => {
  it("lets other work through between queued evaluations (a chain through the queue alone does not)", async () => {
    expect(await timerTicksDuring((task) => evaluations().run(task))).toBe(0);
    expect(await timerTicksDuring(queuedTurn)).toBeGreaterThanOrEqual(5);
  });

  it("passes the result and the error on, and frees its slot", async () => {
    expect(await queuedTurn(() => 42)).toBe(42);
    await expect(queuedTurn(() => {
      throw new Error("broken checkpoint");
    })).rejects.toThrow("broken checkpoint");
    expect(evaluations().stats().running).toBe(0);
  });
});
