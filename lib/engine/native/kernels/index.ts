/** Kernel name → native kernel function, registered for the "native" backend. */
import {
  Add, Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput, Fill, FusedBatchNorm, Mean, Multiply, RealDiv, Relu, Step, Sub, Sum,
} from "@tensorflow/tfjs-core";

import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from "../../kernel-names";
import { batchNormTrain, batchNormTrainGrad, fusedBatchNorm } from "./batchnorm";
import { conv2D, conv2DBackpropFilter, conv2DBackpropInput } from "./conv";
import { add, fill, mean, multiply, realDiv, relu, step, sub, sum } from "./elementwise";
import type { NativeKernelFunc } from "./util";

export const NATIVE_KERNELS: Readonly<Record<string, NativeKernelFunc>> = {
  [Conv2D]: conv2D,
  [Conv2DBackpropInput]: conv2DBackpropInput,
  [Conv2DBackpropFilter]: conv2DBackpropFilter,
  [BATCH_NORM_TRAIN]: batchNormTrain,
  [BATCH_NORM_TRAIN_GRAD]: batchNormTrainGrad,
  [FusedBatchNorm]: fusedBatchNorm,
  [Relu]: relu,
  [Step]: step,
  [Add]: add,
  [Sub]: sub,
  [Multiply]: multiply,
  [RealDiv]: realDiv,
  [Fill]: fill,
  [Sum]: sum,
  [Mean]: mean,
};
