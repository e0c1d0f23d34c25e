/**
 * Step parity with PyTorch: bnlab trains exactly as a PyTorch user's SGD loop would, step for step.
 * bnlab writes its epoch-0 checkpoint (through `train()`), trains on its own batches with its own
 * learning-rate schedule and records the batches; PyTorch loads the checkpoint strictly and trains
 * on the same batches at the same learning rates (tests/integration/pytorch_step_parity.py).
 * After one step the loss, every gradient of a trainable tensor, every parameter and BN statistic
 * and every momentum buffer agree within 1e-4 relative; after 50 steps the parameters, statistics
 * and losses agree within 1e-3 relative with PyTorch's float64 run from the same start, the exact
 * trajectory; frozen tensors are bit-identical to the checkpoint.
 * Runs on the backend `initBackend` picks (BNLAB_BACKEND=wasm for the wasm pass).
 *
 * Conditioning: over 50 steps a float32 trajectory can part from the exact one without any error
 * in what is computed. A ReLU input that the exact run puts within float32's resolution of zero
 * falls on either side depending on summation order, and the gradient then flows through that unit
 * or not: a jump, not a drift. ResNet-8 at width 8 trained in full from seed 3 has one at step 26
 * (a block-1 output ReLU input at 1.8e-9 of its tensor's largest value); from there bnlab, and
 * PyTorch's own float32 run with 2 threads or in channels-last format, end 7.4e-3 from float64
 * (blocks.0.bn1.bias, the same figure for all three), while PyTorch's 1-thread contiguous run lands
 * on float64's side and ends 1.1e-6 from it. So every case is first checked to be well conditioned:
 * PyTorch float32 in two memory formats (two summation orders) must both end within COND_TOL of
 * float64; the bound on bnlab is then 10× above what rounding can explain.
 */
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { RunConfig, type RunConfigInput } from "../../lib/run/config";
import { readSafetensors, writeSafetensors, type RawTensor } from "../../lib/checkpoint/safetensors";
import { loadStateDict } from "../../lib/checkpoint/state-dict-io";
import { batchCount, iterateBatches } from "../../lib/data/batches";
import { getDataset, loadDataset } from "../../lib/data/registry";
import { initBackend } from "../../lib/engine/backend";
import { resnetSpec, tensorSpecs, type ResNetSpec } from "../../lib/models/arch";
import { trainableGroups, type TrainableMode } from "../../lib/run/modes";
import { ResNet } from "../../lib/models/resnet";
import type { StateDict } from "../../lib/models/state-dict";
import { deriveSeed } from "../../lib/random";
import { createReporter } from "../../trainer/progress";
import { learningRate } from "../../trainer/schedule";
import { createLearner, momentumBuffers, trainStep, type StepBatch } from "../../trainer/step";
import { train } from "../../trainer/train";
import { hasTorch, runPython } from "../support/torch";

const SCRIPT = fileURLToPath(new URL("./pytorch_step_parity.py", import.meta.url));
const STEPS = 50;
const STEP1_TOL = 1e-4;
const FINAL_TOL = 1e-3;
/** How far PyTorch's float32 runs may end from its float64 run for a case to count as well conditioned. */
const COND_TOL = 1e-4;
const backend = hasTorch ? (await initBackend({ log: () => {} })).name : "none";

/** Largest relative error seen per quantity, over every case of this file (printed at the end). */
const worst = new Map<string, { rel: number; where: string }>();

/** max |a − b| / max |b| over a tensor: relative to the tensor's scale, so near-zero entries do not blow up. */
function relError(ours: ArrayLike<number>, ref: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(ours[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

function check(quantity: string, name: string, ours: ArrayLike<number>, ref: ArrayLike<number>, tol: number): void {
  expect(ours.length, `${quantity} ${name}: length`).toBe(ref.length);
  const rel = relError(ours, ref);
  if (rel > (worst.get(quantity)?.rel ?? -1)) worst.set(quantity, { rel, where: name });
  expect(rel, `${quantity} ${name}: relative error`).toBeLessThanOrEqual(tol);
}

function floats(t: RawTensor | undefined, what: string): Float64Array {
  if (!t) throw new Error(`PyTorch's output has no ${what}`);
  const bytes = Uint8Array.from(t.bytes);
  if (t.dtype === "F64") return new Float64Array(bytes.buffer);
  if (t.dtype === "F32") return Float64Array.from(new Float32Array(bytes.buffer));
  if (t.dtype === "I64") return Float64Array.from(new BigInt64Array(bytes.buffer), Number);
  throw new Error(`${what} has dtype ${t.dtype}`);
}

const bytesOf = (a: Float32Array | BigInt64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** NHWC → NCHW. */
function toNchw(x: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++) for (let z = 0; z < w; z++) for (let k = 0; k < c; k++) out[((i * c + k) * h + y) * w + z] = x[((i * h + y) * w + z) * c + k];
  return out;
}

function compareStates(quantity: string, ours: StateDict, torch: Map<string, RawTensor>, tol: number, prefix = "state"): void {
  for (const [name, t] of ours) {
    const ref = torch.get(`${prefix}.${name}`);
    if (t.dtype === "int64") {
      expect(floats(ref, name)[0], `${quantity} ${name}`).toBe(Number((t.data as BigInt64Array)[0]));
    } else {
      const q = name.endsWith(".running_mean") || name.endsWith(".running_var") ? `${quantity} BN ${name.slice(name.lastIndexOf(".") + 1)}` : `${quantity} parameters`;
      check(q, name, t.data as Float32Array, floats(ref, name), tol);
    }
  }
}

async function stepParity(mode: TrainableMode, spec: ResNetSpec, seed: number): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "bnlab-parity-"));
  // 36 examples of 8×8 in batches of 12, reshuffled each epoch and augmented; 17 epochs cover the
  // 50 steps and put both lr milestones inside them. Small images keep it fast; at lr 0.01 the setup is
  // well conditioned: PyTorch's own float32 trajectories stay within COND_TOL of float64 (checked below),
  // so a gap between bnlab and PyTorch is a difference in what they compute, not rounding grown chaotic.
  const input: RunConfigInput = {
    data: { dataset: "synthetic", trainSubset: 36, testSubset: 16, augment: true },
    model: { depth: spec.depth, width: spec.width },
    training: { trainable: trainableGroups(mode), epochs: 0, batchSize: 12, lr: 0.01, momentum: 0.9, weightDecay: 1e-4, seed },
  };
  const config = RunConfig.parse(input);
  const { training } = config;

  // bnlab writes its epoch-0 checkpoint the way every run does.
  const run = await train(config, { runsDir: dir, reporter: createReporter({ quiet: true }) });
  const ckpt = path.join(run.runDir, "ckpt", "ep-0.safetensors");
  copyFileSync(ckpt, path.join(dir, "ep-0.safetensors"));
  const initial = (await loadStateDict(ckpt, spec)).stateDict;

  const info = getDataset(config.data.dataset);
  const set = loadDataset(info.name, { split: "train", subset: config.data.trainSubset, synthetic: { height: 8, width: 8 } });
  const schedule = { ...training, epochs: 17 };
  const stepsPerEpoch = batchCount(set.count, training.batchSize);
  const model = ResNet.fromStateDict(spec, initial);
  const learner = createLearner(model, training.trainable, { momentum: training.momentum, weightDecay: training.weightDecay });
  const shape = [set.height, set.width, set.channels] as const;

  const exchange = new Map<string, RawTensor>();
  const lrs = new Float64Array(STEPS);
  const losses: number[] = [];
  let afterOne: { loss: number; grads: Map<string, Float32Array>; state: StateDict; momentum: Map<string, Float32Array> } | null = null;
  try {
    for (let epoch = 0, step = 0; step < STEPS; epoch++) {
      const batches = iterateBatches(set, { batchSize: training.batchSize, shuffle: true, seed: deriveSeed(training.seed, "data"), epoch, augment: true, mean: info.mean, std: info.std });
      for (const b of batches) {
        if (step === STEPS) break;
        const batch: StepBatch = b;
        lrs[step] = learningRate(schedule, step, stepsPerEpoch);
        exchange.set(`x.${step}`, { dtype: "F32", shape: [b.size, set.channels, set.height, set.width], bytes: bytesOf(toNchw(b.x, b.size, set.height, set.width, set.channels)) });
        exchange.set(`y.${step}`, { dtype: "I64", shape: [b.size], bytes: bytesOf(BigInt64Array.from(b.labels, (v) => BigInt(v))) });
        const r = trainStep(learner, batch, shape, lrs[step], { gradients: step === 0 });
        losses.push(r.loss);
        if (step === 0) afterOne = { loss: r.loss, grads: r.gradients ?? new Map(), state: model.stateDict(), momentum: momentumBuffers(learner) };
        step++;
      }
    }
    exchange.set("lr", { dtype: "F64", shape: [STEPS], bytes: new Uint8Array(lrs.buffer) });
    expect(new Set(lrs).size, "the schedule changes the lr within the steps").toBe(3);
    await writeSafetensors(path.join(dir, "batches.safetensors"), exchange);
    runPython(SCRIPT, [dir, String(spec.depth), String(spec.width), String(spec.inChannels), String(spec.classes), training.trainable.join(","), String(training.momentum), String(training.weightDecay)], 300_000);

    // ---- after one step
    const torch1 = (await readSafetensors(path.join(dir, "torch_step1.safetensors"))).tensors;
    const one = afterOne!;
    check("step-1 loss", "loss", [one.loss], floats(torch1.get("loss"), "loss"), STEP1_TOL);
    expect([...one.grads.keys()].sort()).toEqual([...torch1.keys()].filter((k) => k.startsWith("grad.")).map((k) => k.slice(5)).sort());
    for (const [name, g] of one.grads) check("step-1 gradients", name, g, floats(torch1.get(`grad.${name}`), `grad.${name}`), STEP1_TOL);
    compareStates("step-1", one.state, torch1, STEP1_TOL);
    for (const [name, m] of one.momentum) check("step-1 momentum", name, m, floats(torch1.get(`momentum.${name}`), `momentum.${name}`), STEP1_TOL);

    // ---- after 50 steps
    const final = (await readSafetensors(path.join(dir, "torch_final.safetensors"))).tensors;
    const exact = floats(final.get("losses_f64"), "losses_f64");
    for (const run of ["", "cl"]) {
      const what = run ? "PyTorch float32 (channels-last)" : "PyTorch float32";
      const runLosses = floats(final.get(`losses${run ? `_${run}` : ""}`), `${what} losses`);
      const lossGap = Math.max(...exact.map((l, i) => relError([runLosses[i]], [l])));
      let stateGap = 0;
      for (const [name, t] of initial) {
        if (t.dtype !== "float32") continue;
        stateGap = Math.max(stateGap, relError(floats(final.get(`${run || "state"}.${name}`), name), floats(final.get(`f64.${name}`), name)));
      }
      const message = `${what} parts from float64 (losses ${lossGap.toExponential(1)}, state ${stateGap.toExponential(1)}): the setup is ill-conditioned, choose another seed`;
      expect(Math.max(lossGap, stateGap), message).toBeLessThan(COND_TOL);
    }
    losses.forEach((l, i) => check("step-50 losses", `step ${i + 1}`, [l], [exact[i]], FINAL_TOL));
    const ours = model.stateDict();
    compareStates("step-50", ours, final, FINAL_TOL, "f64");

    // ---- frozen tensors are untouched, bit for bit, on both sides
    for (const t of tensorSpecs(spec)) {
      if (t.kind !== "param" || training.trainable.includes(t.group!)) continue;
      const init = bytesOf(initial.get(t.name)!.data as Float32Array);
      expect(sameBytes(bytesOf(ours.get(t.name)!.data as Float32Array), init), `bnlab changed frozen ${t.name}`).toBe(true);
      const theirs = final.get(`state.${t.name}`)!;
      expect(sameBytes(Uint8Array.from(theirs.bytes), init), `PyTorch changed frozen ${t.name}`).toBe(true);
    }
  } finally {
    learner.sgd.dispose();
    model.dispose();
  }
}

const MODES: TrainableMode[] = ["all", "bn", "bn+output", "output"];
/** Name, network, seed per mode (the seed of a well-conditioned setup; see the conditioning note above). */
const seeds = (bn = 0): Record<TrainableMode, number> => ({ all: 0, bn, "bn+output": 0, output: 0 } as Record<TrainableMode, number>);
const NETWORKS: [string, ResNetSpec, Record<TrainableMode, number>][] = [
  // BN-only at width 16 is ill-conditioned from 6 of seeds 0–9 (PyTorch's own float32 runs end up to
  // 6e-2 from float64: seeds 0–3, 8, 9); seeds 4–7 are well conditioned, and bnlab passes on each.
  ["resnet-8 width 16", resnetSpec({ depth: 8, width: 16 }), seeds(4)],
  // Every ResNet here has projection shortcuts (stages 2 and 3). ResNet-14 is left out on purpose:
  // over 50 steps its float32 trajectory is ill-conditioned on tiny batches (PyTorch's own float32
  // run parts from its float64 run by up to 5e-2 in loss), so no float32 implementation could pass.
  ["resnet-8 width 8 (projection shortcuts, width ≠ 16)", resnetSpec({ depth: 8, width: 8 }), seeds()],
];

describe.skipIf(!hasTorch)(`step parity with PyTorch (${backend})`, () => {
  describe.each(NETWORKS)("%s", (_, spec, seedOf) => {
    it.each(MODES)("trains %s as PyTorch does", async (mode) => {
      await stepParity(mode, spec, seedOf[mode]);
    }, 240_000);
  });

  afterAll(() => {
    const rows = [...worst].map(([q, w]) => `  ${q.padEnd(26)} ${w.rel.toExponential(2)}  (${w.where})`);
    console.info(`largest relative error per quantity on ${backend}:\n${rows.join("\n")}`);
  });
});
