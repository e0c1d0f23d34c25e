/**
 * Timing of a ResNet-20-like layer's convolutions on the wasm backend, before and after
 * bnlab's kernels (not a test). Run: npx tsx tests/unit/engine/wasm-conv-timing.ts [batch] [reps]
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import { registerBnlabKernels } from "../../../lib/engine/register";

const batch = Number(process.argv[2] ?? 128);
const reps = Number(process.argv[3] ?? 5);

interface Layer { name: string; x: [number, number, number, number]; f: [number, number, number, number]; stride: number; pad: number }
const layers: Layer[] = [
  { name: "3x3 16→16 s1 (32×32)", x: [batch, 32, 32, 16], f: [3, 3, 16, 16], stride: 1, pad: 1 },
  { name: "3x3 16→32 s2 (32×32)", x: [batch, 32, 32, 16], f: [3, 3, 16, 32], stride: 2, pad: 1 },
  { name: "1x1 16→32 s2 (32×32)", x: [batch, 32, 32, 16], f: [1, 1, 16, 32], stride: 2, pad: 0 },
];

function time(fn: () => tf.Tensor): number {
  const ts: number[] = [];
  for (let i = 0; i < reps + 1; i++) {
    const t0 = performance.now();
    const r = fn();
    r.dataSync();
    ts.push(performance.now() - t0);
    r.dispose();
  }
  ts.shift(); // warm-up
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

function measure(l: Layer, withFilter: boolean): string[] {
  const x = tf.randomNormal(l.x) as tf.Tensor4D;
  const f = tf.randomNormal(l.f) as tf.Tensor4D;
  const y = tf.conv2d(x, f, l.stride, l.pad);
  const dy = tf.randomNormal(y.shape) as tf.Tensor4D;
  const fwd = time(() => tf.conv2d(x, f, l.stride, l.pad));
  const din = time(() => tf.conv2dTranspose(dy, f, l.x, l.stride, l.pad));
  const attrs = { strides: l.stride, pad: l.pad, dataFormat: "NHWC", filterShape: l.f };
  const dfl = withFilter ? time(() => tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, attrs) as tf.Tensor) : NaN;
  tf.dispose([x, f, y, dy]);
  return [fwd, din, dfl].map((t) => (Number.isNaN(t) ? "missing" : `${t.toFixed(1)} ms`));
}

await tf.setBackend("wasm");
await tf.ready();
console.log(`wasm, batch ${batch}, median of ${reps}: forward / backprop-input / backprop-filter`);
for (const l of layers) console.log(`before ${l.name}: ${measure(l, false).join(" / ")}`);
registerBnlabKernels();
for (const l of layers) console.log(`after  ${l.name}: ${measure(l, true).join(" / ")}`);
