/**
 * bnlab's compute layer: backend choice, the kernels tfjs lacks, and memory helpers.
 * See DESIGN.md ("lib/engine") and `kernel-names.ts` for the kernel contract.
 */
export {
  initBackend,
  availableBackends,
  resetBackendChoice,
  BACKEND_NAMES,
  type BackendName,
  type BackendReport,
  type BackendAvailability,
  type InitBackendOptions,
} from "./backend";
export { registerBnlabKernels } from "./register";
export { batchNormTrain, batchNormTrainComposite, type BatchNormTrainResult } from "./ops";
export { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from "./kernel-names";
export { kernelIO, hasKernelIO, sizeOfShape, type KernelIO } from "./kernel-io";
export {
  batchNormKernelConfigs,
  batchNormTrainGradConfig,
  batchNormTrainForward,
  batchNormTrainBackward,
  type BatchNormTrainAttrs,
} from "./kernels/batch-norm";
export { convBackpropKernelConfigs, type ConvBackpropOptions } from "./kernels/conv-backprop";
export { tensorCount, tensorBytes } from "./memory";
