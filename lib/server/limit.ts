/**
 * The queue in front of the server's evaluations (ablation, accuracy, pruning curves): at most
 * `limit` run at once — one per CPU core — and the rest wait in arrival order. Each evaluation
 * holds a checkpoint's weights and the model's activations, so without it 50 concurrent misses
 * would load 50 checkpoints at once. A bounded number may wait; beyond that the request is a 503.
 * No tfjs here: routes read the queue's figures without loading the compute module.
 */
import { availableParallelism } from "node:os";
import { ApiError } from "./errors";

export interface LimiterStats {
  limit: number;
  running: number;
  waiting: number;
  /** The most tasks that ever ran at once (the high-water mark), since the process started. */
  peak: number;
  /** Tasks run to completion or failure. */
  done: number;
}

export class Limiter {
  private running = 0;
  private peak = 0;
  private done = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    readonly limit: number,
    readonly maxWaiting = Number.POSITIVE_INFINITY,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit must be a positive integer, got ${limit}`);
  }

  /** Runs `task` once a slot is free; rejects at once (503) when `maxWaiting` tasks already wait. */
  async run<T>(task: () => Promise<T> | T): Promise<T> {
    if (this.running >= this.limit) {
      if (this.queue.length >= this.maxWaiting) throw new ApiError(503, "the server is busy with other evaluations; try again shortly");
      // The slot is handed over by release(), so `running` never drops between two tasks.
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.running++;
    }
    this.peak = Math.max(this.peak, this.running);
    try {
      return await task();
    } finally {
      this.done++;
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }

  stats(): LimiterStats {
    return { limit: this.limit, running: this.running, waiting: this.queue.length, peak: this.peak, done: this.done };
  }
}

const KEY = Symbol.for("bnlab.evaluations");

/**
 * The process's one evaluation queue. Kept on globalThis because Next bundles a module into each
 * route that imports it: a module-level instance would be one queue per route, not per process.
 */
export function evaluations(): Limiter {
  const g = globalThis as typeof globalThis & { [KEY]?: Limiter };
  return (g[KEY] ??= new Limiter(availableParallelism(), 256));
}

/**
 * `task` through the queue, started on a later turn of the event loop. A chain of evaluations
 * (a pruning curve's 176) queued with `evaluations().run` alone would run back to back in
 * microtasks whenever a slot is free, never letting a request's I/O through; this yields first.
 */
export function queuedTurn<T>(task: () => T): Promise<T> {
  return evaluations().run(
    () =>
      new Promise<T>((resolve, reject) =>
        setImmediate(() => {
          try {
            resolve(task());
          } catch (e) {
            reject(e);
          }
        }),
      ),
  );
}

/** Response headers with the queue's high-water mark, so load tests and operators can see it. */
export function queueHeaders(): Record<string, string> {
  const s = evaluations().stats();
  return { "x-bnlab-queue-peak": String(s.peak), "x-bnlab-queue-limit": String(s.limit) };
}
