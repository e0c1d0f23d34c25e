/**
 * Timing on the wasm backend of a ResNet-20-like layer's convolutions and batch norm, before
 * and after bnlab's kernels (a script, not a test; best of N after a warm-up, because the
 * machine is shared). Run: npx tsx tests/unit/engine/wasm-timing.ts [batch] [reps]
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import "@tensorflow/tfjs-backend-wasm";
import { batchNormTrain, batchNormTrainComposite } from "../../../lib/engine/ops";
import { registerBnlabKernels } from "../../../lib/engine/register";

const batch = Number(process.argv[2] ?? 128);
const reps = Number(process.argv[3] ?? 7);

interface Layer { name: string; x: [number, number, number, number]; f: [number, number, number, number]; stride: number; pad: number }
const layers: Layer[] = [
  { name: "3x3 16→16 s1 (32×32)", x: [batch, 32, 32, 16], f: [3, 3, 16, 16], stride: 1, pad: 1 },
  { name: "3x3 16→32 s2 (32×32)", x: [batch, 32, 32, 16], f: [3, 3, 16, 32], stride: 2, pad: 1 },
  { name: "1x1 16→32 s2 (32×32)", x: [batch, 32, 32, 16], f: [1, 1, 16, 32], stride: 2, pad: 0 },
];

function time(fn: () => tf.Tensor | tf.Tensor[]): string {
  let best = Infinity;
  for (let i = 0; i < reps + 1; i++) {
    const t0 = performance.now();
    const r = fn();
    const rs = Array.isArray(r) ? r : [r];
    rs.forEach((t) => t.dataSync());
    if (i > 0) best = Math.min(best, performance.now() - t0);
    tf.dispose(rs);
  }
  return `${best.toFixed(1)} ms`;
}

function convs(l: Layer, withFilter: boolean): string[] {
  const x = tf.randomNormal(l.x) as tf.Tensor4D;
  const f = tf.randomNormal(l.f) as tf.Tensor4D;
  const y = tf.conv2d(x, f, l.stride, l.pad);
  const dy = tf.randomNormal(y.shape) as tf.Tensor4D;
  const attrs = { strides: l.stride, pad: l.pad, dataFormat: "NHWC", filterShape: l.f };
  const out = [
    time(() => tf.conv2d(x, f, l.stride, l.pad)),
    time(() => tf.conv2dTranspose(dy, f, l.x, l.stride, l.pad)),
    withFilter ? time(() => tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, attrs) as tf.Tensor) : "missing",
  ];
  tf.dispose([x, f, y, dy]);
  return out;
}

function batchNorm(impl: typeof batchNormTrain): string {
  const shape = [batch, 32, 32, 16];
  const x = tf.randomNormal(shape);
  const w = tf.randomNormal(shape);
  const g = tf.ones([16]);
  const b = tf.zeros([16]);
  const f = (a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(impl(a, gg, bb, 1e-5).y, w));
  const t = time(() => tf.grads(f)([x, g, b]));
  tf.dispose([x, w, g, b]);
  return t;
}

await tf.setBackend("wasm");
await tf.ready();
console.log(`wasm, batch ${batch}, best of ${reps}`);
console.log("conv: forward / backprop-input / backprop-filter");
for (const l of layers) console.log(`  before ${l.name}: ${convs(l, false).join(" / ")}`);
console.log(`batch norm [${batch}, 32, 32, 16] forward + backward: composite ops ${batchNorm(batchNormTrainComposite)}`);
registerBnlabKernels();
for (const l of layers) console.log(`  after  ${l.name}: ${convs(l, true).join(" / ")}`);
console.log(`batch norm [${batch}, 32, 32, 16] forward + backward: bnlab kernels ${batchNorm(batchNormTrain)}`);
