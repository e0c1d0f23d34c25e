/** Shared helpers for the native engine's tests: availability, seeded data, cpu-vs-native runs. */
import "@tensorflow/tfjs-backend-cpu";
import "../../../../lib/engine/gradients";
import * as tf from "@tensorflow/tfjs-core";

import { registerNativeBackend, type NativeRegistration } from "../../../../lib/engine/native";

let registration: NativeRegistration | undefined;

/**
 * Registers the native backend. When the addon is not built the native tests are skipped with
 * the reason printed, unless BNLAB_REQUIRE_NATIVE=1 (then they fail).
 */
export async function nativeOrSkip(): Promise<boolean> {
  registration ??= await registerNativeBackend();
  if (registration.ok) return true;
  if (process.env.BNLAB_REQUIRE_NATIVE === "1") throw new Error(registration.why);
  console.warn(`native engine tests skipped: ${registration.why}`);
  return false;
}

/** Deterministic uniform values in [-1, 1) (xorshift32). */
export function randomArray(n: number, seed: number): Float32Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

export function randomTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(randomArray(shape.reduce((p, d) => p * d, 1), seed), shape);
}

/** max|a − b| / max(max|b|, 1e-6) */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    diff = Number.isNaN(d) ? (Number.isNaN(a[i]) && Number.isNaN(b[i]) ? diff : Infinity) : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-6);
}

export interface Outputs {
  shapes: number[][];
  values: Float32Array[];
}

/** Runs fn on a backend and copies its outputs out (fn must build its inputs itself). */
export async function runOn(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<Outputs> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const out = fn();
    const list = Array.isArray(out) ? out : [out];
    return { shapes: list.map((t) => t.shape), values: list.map((t) => Float32Array.from(t.dataSync())) };
  });
}

/** fn's outputs on native and on cpu: same shapes, and each relative error. */
export async function compareWithCpu(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ native: Outputs; cpu: Outputs; errors: number[] }> {
  const cpu = await runOn("cpu", fn);
  const native = await runOn("native", fn);
  return { native, cpu, errors: native.values.map((v, i) => relError(v, cpu.values[i])) };
}
