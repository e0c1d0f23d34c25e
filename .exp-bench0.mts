import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
const be = process.argv[2] ?? "wasm";
await tf.setBackend(be); await tf.ready();
const x = tf.randomNormal([128,32,32,16]) as tf.Tensor4D;
const f = tf.randomNormal([3,3,16,16]) as tf.Tensor4D;
const dy = tf.randomNormal([128,32,32,16]) as tf.Tensor4D;
function time(name: string, fn: () => tf.Tensor, n = 3) {
  const ts: number[] = [];
  for (let i = 0; i < n + 1; i++) { const t0 = performance.now(); const r = fn(); r.dataSync(); ts.push(performance.now() - t0); r.dispose(); }
  ts.shift(); console.log(be, name, Math.min(...ts).toFixed(1), "ms");
}
time("conv2d fwd", () => tf.conv2d(x, f, 1, 1));
time("backprop input", () => tf.conv2dTranspose(dy, f, [128,32,32,16], 1, 1), be === "cpu" ? 1 : 3);
try { time("backprop filter", () => tf.engine().runKernel("Conv2DBackpropFilter", {x, dy}, {strides: 1, pad: 1, dataFormat: "NHWC", dimRoundingMode: undefined, filterShape: [3,3,16,16]} as any) as tf.Tensor, 1); } catch (e) { console.log(be, "backprop filter:", (e as Error).message.slice(0, 100)); }
const a = tf.randomNormal([144, 131072]), b = tf.randomNormal([131072, 16]);
time("matmul 144x131072x16", () => tf.matMul(a, b));
const a2 = tf.randomNormal([131072, 16]), b2 = tf.randomNormal([16, 144]);
time("matmul 131072x16x144", () => tf.matMul(a2, b2));
