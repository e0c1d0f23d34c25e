/**
 * tfjs-core alone registers no op gradients (the @tensorflow/tfjs bundle does). Code that
 * differentiates (the trainer, gradient tests) imports this module; code that only evaluates
 * (the dashboard's server) does not, so it never loads tfjs-core's ESM build, whose
 * extensionless imports plain Node resolves only with bin/esm-resolve.mjs.
 */
import "@tensorflow/tfjs-core/dist/register_all_gradients";
