/**
 * bnlab's native CPU engine: a tfjs backend named "native" whose hot kernels (convolutions,
 * batch norm, relu, element-wise arithmetic, reductions) run in a oneDNN addon on all cores,
 * and whose other kernels are tfjs's cpu kernels. See native/ for the C++ side.
 *
 *   const r = await registerNativeBackend();
 *   if (r.ok) await tf.setBackend("native");
 */
import "@tensorflow/tfjs-backend-cpu"; // registers the cpu kernels this backend inherits
import { findBackendFactory, getKernel, getKernelsForBackend, registerBackend, registerKernel } from "@tensorflow/tfjs-core";
import type { KernelFunc } from "@tensorflow/tfjs-core";

import { loadAddon, type NativeAddon } from "./addon";
import { NATIVE_BACKEND_NAME, NativeBackend } from "./backend";
import { NATIVE_KERNELS } from "./kernels";

export { NATIVE_BACKEND_NAME, NativeBackend } from "./backend";
export { addonPath, loadAddon, type NativeAddon } from "./addon";
export { NATIVE_KERNELS } from "./kernels";
export { fallbackCounts } from "./kernels/util";

/** Above wasm (2) and cpu (1), below tfjs-node (3): tfjs's own pick agrees with bnlab's chain. */
const PRIORITY = 2.5;

export type NativeRegistration = { ok: true; detail: string } | { ok: false; why: string };

let result: NativeRegistration | undefined;

/**
 * Registers the "native" backend if the addon loads and passes a small self-check. Never throws:
 * on failure it says why, and the caller tries the next backend. Safe to call more than once.
 */
export async function registerNativeBackend(): Promise<NativeRegistration> {
  if (result) return result;
  try {
    const loaded = loadAddon();
    if ("why" in loaded) return (result = { ok: false, why: loaded.why });
    const { addon } = loaded;
    const problem = selfCheck(addon);
    if (problem) return (result = { ok: false, why: `native addon self-check failed: ${problem}` });
    registerNativeKernels();
    if (!findBackendFactory(NATIVE_BACKEND_NAME)) {
      registerBackend(NATIVE_BACKEND_NAME, () => {
        registerNativeKernels(); // cpu kernels registered since (e.g. bnlab's own) are inherited too
        return new NativeBackend(addon);
      }, PRIORITY);
    }
    const info = addon.info();
    return (result = { ok: true, detail: `oneDNN ${info.dnnl} (${info.cpuIsa}), ${info.threads} OpenMP threads` });
  } catch (e) {
    return (result = { ok: false, why: `native backend failed to register: ${(e as Error).message}` });
  }
}

/** Registers the native kernels, then every cpu kernel that has no native version (idempotent). */
function registerNativeKernels(): void {
  for (const [kernelName, kernelFunc] of Object.entries(NATIVE_KERNELS)) {
    if (!getKernel(kernelName, NATIVE_BACKEND_NAME)) {
      registerKernel({ kernelName, backendName: NATIVE_BACKEND_NAME, kernelFunc: kernelFunc as unknown as KernelFunc });
    }
  }
  for (const k of getKernelsForBackend("cpu")) {
    if (!getKernel(k.kernelName, NATIVE_BACKEND_NAME)) {
      registerKernel({ ...k, backendName: NATIVE_BACKEND_NAME });
    }
  }
}

/** A 3×3 conv and a relu on tiny data, against sums done here; returns a problem or undefined. */
function selfCheck(addon: NativeAddon): string | undefined {
  // x: 1×3×3×1 of 1..9, filter 3×3×1×1 of ones, pad 1: the centre output is 45.
  const x = Float32Array.from({ length: 9 }, (_, i) => i + 1);
  const w = new Float32Array(9).fill(1);
  const y = new Float32Array(9);
  addon.convForward(x, w, y, Int32Array.from([1, 3, 3, 1, 1, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1]));
  if (Math.abs(y[4] - 45) > 1e-4 || Math.abs(y[0] - 12) > 1e-4) return `conv gave ${Array.from(y).join(",")}`;
  const r = new Float32Array(2);
  addon.relu(Float32Array.from([-1, 2]), r);
  if (r[0] !== 0 || r[1] !== 2) return `relu gave ${Array.from(r).join(",")}`;
  return undefined;
}
