/**
 * Kernels bnlab adds to tfjs. Every backend bnlab runs on (cpu, wasm, native) registers them;
 * the model calls them through `lib/engine/ops`.
 *
 * BnlabBatchNormTrain — batch norm in training mode over all axes but the last (NHWC or NC).
 *   inputs  { x: float32 [..., C], gamma: float32 [C], beta: float32 [C] }
 *   attrs   { epsilon: number }
 *   outputs [ y: like x, mean: [C], variance: [C] (biased, i.e. divided by the count) ]
 *   y = (x - mean) / sqrt(variance + epsilon) * gamma + beta
 *
 * BnlabBatchNormTrainGrad — its gradient, given the forward's saved values.
 *   inputs  { dy: like x, x, gamma: [C], mean: [C], variance: [C] }
 *   attrs   { epsilon: number }
 *   outputs [ dx: like x, dgamma: [C], dbeta: [C] ]
 *   with xhat = (x - mean) * invstd, invstd = 1 / sqrt(variance + epsilon), M = count per channel:
 *   dbeta = Σ dy, dgamma = Σ dy·xhat, dx = gamma·invstd/M · (M·dy − dbeta − xhat·dgamma)
 */
export const BATCH_NORM_TRAIN = "BnlabBatchNormTrain";
export const BATCH_NORM_TRAIN_GRAD = "BnlabBatchNormTrainGrad";
