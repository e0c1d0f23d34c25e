/**
 * Registers everything bnlab adds to tfjs's registries: the batch-norm kernels (cpu and wasm)
 * and their gradient, and the wasm convolution gradients (Conv2DBackpropFilter, missing in
 * tfjs-backend-wasm 4.22, and a faster Conv2DBackpropInput in place of the stock one).
 *
 * Idempotent. The backend packages are imported first so that their own registrations
 * happen before ours and cannot overwrite them.
 */
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { getGradient, getKernel, registerGradient, registerKernel, unregisterKernel, type KernelConfig } from "@tensorflow/tfjs-core";
import { BATCH_NORM_TRAIN } from "./kernel-names";
import { batchNormKernelConfigs, batchNormTrainGradConfig } from "./kernels/batch-norm";
import { convBackpropKernelConfigs } from "./kernels/conv-backprop";

/** Backends whose batch-norm kernels are the JS loops of `kernels/batch-norm`. */
export const JS_KERNEL_BACKENDS = ["cpu", "wasm"] as const;

let registered = false;

/** Registers a kernel unless that backend already has one under that name (e.g. a native one). */
function registerIfAbsent(config: KernelConfig): void {
  if (getKernel(config.kernelName, config.backendName) == null) registerKernel(config);
}

/** Registers a kernel, replacing the backend's own. */
function replaceKernel(config: KernelConfig): void {
  if (getKernel(config.kernelName, config.backendName) != null) unregisterKernel(config.kernelName, config.backendName);
  registerKernel(config);
}

export function registerBnlabKernels(): void {
  if (registered) return;
  registered = true;
  for (const backendName of JS_KERNEL_BACKENDS) batchNormKernelConfigs(backendName).forEach(registerIfAbsent);
  if (getGradient(BATCH_NORM_TRAIN) == null) registerGradient(batchNormTrainGradConfig);
  convBackpropKernelConfigs("wasm").forEach(replaceKernel);
}
