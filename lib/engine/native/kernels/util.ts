import { getKernel, util } from "@tensorflow/tfjs-core";
import type { KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from "@tensorflow/tfjs-core";

import type { NativeBackend } from "../backend";

export interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}

export type NativeKernelFunc = (args: KernelArgs) => TensorInfo | TensorInfo[];

export function nativeBackend(args: KernelArgs): NativeBackend {
  return args.backend as NativeBackend;
}

/** How many calls of each native kernel ran tfjs's cpu kernel instead (for tests and benchmarks). */
export const fallbackCounts = new Map<string, number>();

/** Runs tfjs's cpu kernel of that name on the same arguments (the native backend is a cpu backend). */
export function cpuKernel(kernelName: string, args: KernelArgs): TensorInfo | TensorInfo[] {
  fallbackCounts.set(kernelName, (fallbackCounts.get(kernelName) ?? 0) + 1);
  const k = getKernel(kernelName, "cpu");
  if (!k) throw new Error(`native backend: no native path for this ${kernelName} call and no cpu kernel to fall back to`);
  return (k.kernelFunc as KernelFunc)(args as Parameters<KernelFunc>[0]);
}

export function sizeOf(shape: number[]): number {
  return util.sizeFromShape(shape);
}

export function isF32(...ts: (TensorInfo | undefined)[]): boolean {
  return ts.every((t) => t === undefined || t.dtype === "float32");
}

const warned = new Set<string>();
/** Says once per kernel that a call fell back to JavaScript because the addon refused it. */
export function warnFallback(kernelName: string, e: unknown): void {
  if (warned.has(kernelName)) return;
  warned.add(kernelName);
  console.warn(`bnlab native backend: ${kernelName} fell back to the cpu kernel: ${(e as Error).message}`);
}
