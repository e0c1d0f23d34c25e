/**
 * The evaluation queue (lib/server/limit.ts) on its own: whatever the number of tasks, their
 * durations and failures, no more than `limit` run at once, every task runs exactly once in
 * arrival order, a failure frees its slot, and a full queue refuses with a 503. The load test
 * checks the same queue's high-water mark through the running server.
 */
import { availableParallelism } from "node:os";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../lib/server/errors";
import { evaluations, Limiter, queueHeaders } from "../../lib/server/limit";
import { report } from "./report";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("evaluation queue", () => {
  it("never runs more than its limit at once, runs each task once in arrival order, and survives failures", async () => {
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(fc.record({ ms: fc.integer({ min: 0, max: 3 }), fails: fc.boolean() }), { minLength: 1, maxLength: 40 }), async (limit, tasks) => {
        cases++;
        const q = new Limiter(limit);
        let running = 0;
        let observed = 0;
        const started: number[] = [];
        const settled = await Promise.allSettled(
          tasks.map((t, i) =>
            q.run(async () => {
              running++;
              observed = Math.max(observed, running);
              started.push(i);
              await tick(t.ms);
              running--;
              if (t.fails) throw new Error(`task ${i}`);
              return i;
            }),
          ),
        );
        expect(observed).toBeLessThanOrEqual(limit);
        expect(q.stats()).toEqual({ limit, running: 0, waiting: 0, peak: observed, done: tasks.length });
        expect(started).toEqual(tasks.map((_, i) => i));
        settled.forEach((s, i) => expect(s).toEqual(tasks[i].fails ? { status: "rejected", reason: new Error(`task ${i}`) } : { status: "fulfilled", value: i }));
        // Tasks that all overlap fill every slot: the queue does not serialise more than it must.
        if (tasks.length >= limit && tasks.every((t) => t.ms > 0)) expect(observed).toBe(limit);
      }),
      { numRuns: 60 },
    );
    report("evaluation queue cases tried", cases);
  });

  it("refuses with a 503 when too many wait, and serves the rest", async () => {
    const q = new Limiter(1, 2);
    let release!: () => void;
    const first = q.run(() => new Promise<string>((r) => (release = () => r("first"))));
    const waiting = [q.run(() => "second"), q.run(() => "third")];
    await expect(q.run(() => "fourth")).rejects.toSatisfy((e) => e instanceof ApiError && e.status === 503);
    expect(q.stats()).toMatchObject({ running: 1, waiting: 2 });
    release();
    await expect(Promise.all([first, ...waiting])).resolves.toEqual(["first", "second", "third"]);
    expect(q.stats()).toMatchObject({ running: 0, waiting: 0, peak: 1, done: 3 });
  });

  it("is one queue per process, one slot per core, and its headers carry the high-water mark", async () => {
    expect(evaluations()).toBe(evaluations());
    expect(evaluations().limit).toBe(availableParallelism());
    await Promise.all(Array.from({ length: availableParallelism() + 3 }, () => evaluations().run(() => tick(5))));
    expect(queueHeaders()).toEqual({ "x-bnlab-queue-peak": String(availableParallelism()), "x-bnlab-queue-limit": String(availableParallelism()) });
  });
});
