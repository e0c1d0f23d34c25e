/**
 * PyTorch is the contract: bnlab's checkpoints load into open_lth's cifar_resnet and cifar_vgg
 * (and PyTorch models of bnlab's variants: BN after ReLU, identity and no shortcuts) with
 * load_state_dict(strict=True) and give the same eval-mode logits, and PyTorch's state dicts
 * load into bnlab and give PyTorch's logits. Runs on every CPU backend available here.
 */
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { readSafetensors, writeSafetensors } from "../../lib/checkpoint/safetensors";
import { loadStateDict, saveStateDict } from "../../lib/checkpoint/state-dict-io";
import { resnetSpec, type ModelSpec } from "../../lib/models/arch";
import { ResNet } from "../../lib/models/resnet";
import { vggSpec } from "../../lib/models/vgg";
import { createRng } from "../../lib/random";
import { createReporter } from "../../trainer/progress";
import { train } from "../../trainer/train";
import { cpuBackends, useBackend } from "../support/backends";
import { hasTorch, runPython } from "../support/torch";

const SCRIPT = fileURLToPath(new URL("./pytorch_crosscheck.py", import.meta.url));
const backends = await cpuBackends();

function f32(a: Float32Array) {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** NHWC → NCHW. */
function toNchw(x: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++) for (let z = 0; z < w; z++) for (let k = 0; k < c; k++) out[((i * c + k) * h + y) * w + z] = x[((i * h + y) * w + z) * c + k];
  return out;
}

/**
 * `checkpoint`: a run's checkpoint file to compare; without it a fresh network with non-trivial
 * BN statistics and β is made here.
 */
async function crossCheck(spec: ModelSpec, size: number, checkpoint?: string) {
  const dir = mkdtempSync(path.join(tmpdir(), "bnlab-torch-"));
  const rng = createRng(7);
  const shape = [4, size, size, spec.inChannels];
  const x = Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.normal());
  let model: ResNet;
  let sd;
  if (checkpoint) {
    ({ stateDict: sd } = await loadStateDict(checkpoint, spec));
    model = ResNet.fromStateDict(spec, sd);
    copyFileSync(checkpoint, path.join(dir, "bnlab.safetensors"));
  } else {
    model = ResNet.create(spec, { seed: 11, bnInit: "uniform" });
    // Non-trivial BN statistics and β: a few training-mode passes, then β drawn at random.
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        model.forward(tf.tensor4d(Float32Array.from(x, (v) => v * 2 + rng.normal()), shape as [number, number, number, number]), true);
      });
    }
    sd = model.stateDict();
    for (const [name, t] of sd) if (name.endsWith(".bias") && name !== "fc.bias") (t.data as Float32Array).forEach((_, i, a) => (a[i] = rng.normal() * 0.1));
    model.loadStateDict(sd);
    await saveStateDict(path.join(dir, "bnlab.safetensors"), sd);
  }
  const logits = tf.tidy(() => model.forward(tf.tensor4d(x, shape as [number, number, number, number]), false).dataSync() as Float32Array);
  await writeSafetensors(
    path.join(dir, "batch.safetensors"),
    new Map([
      ["x", { dtype: "F32" as const, shape: [shape[0], shape[3], shape[1], shape[2]], bytes: f32(toNchw(x, shape)) }],
      ["logits", { dtype: "F32" as const, shape: [4, spec.classes], bytes: f32(logits) }],
    ]),
  );
  const out = JSON.parse(runPython(SCRIPT, [dir, JSON.stringify(spec)]));
  expect(out.keys).toBe(sd.size);
  expect(out.max_abs_diff).toBeLessThan(1e-4);

  // The reverse: PyTorch's state dict into bnlab.
  const { stateDict } = await loadStateDict(path.join(dir, "torch.safetensors"), spec);
  const fromTorch = ResNet.fromStateDict(spec, stateDict);
  const ours = tf.tidy(() => fromTorch.forward(tf.tensor4d(x, shape as [number, number, number, number]), false).dataSync() as Float32Array);
  const theirs = (await readSafetensors(path.join(dir, "torch_out.safetensors"))).tensors.get("logits")!;
  const ref = new Float32Array(Uint8Array.from(theirs.bytes).buffer);
  const diff = Math.max(...ours.map((v, i) => Math.abs(v - ref[i])));
  expect(diff).toBeLessThan(1e-4);
  model.dispose();
  fromTorch.dispose();
}

describe.skipIf(!hasTorch)("PyTorch cross-check", () => {
  describe.each(backends)("on %s", (backend) => {
    it("resnet-20 (3 channels, 10 classes) matches PyTorch both ways", async () => {
      await useBackend(backend);
      await crossCheck(resnetSpec({ depth: 20 }), 32);
    });

    it("resnet-14 width 32 with 1 input channel matches PyTorch both ways", async () => {
      await useBackend(backend);
      await crossCheck(resnetSpec({ depth: 14, width: 32, inChannels: 1 }), 28);
    });

    it.each([
      ["after-relu", "projection"],
      ["before-relu", "identity"],
      ["before-relu", "none"],
      ["after-relu", "identity"],
    ] as const)("resnet-14 width 8, BN %s, %s shortcuts, matches PyTorch both ways", async (bnPlacement, shortcut) => {
      await useBackend(backend);
      await crossCheck(resnetSpec({ depth: 14, width: 8, bnPlacement, shortcut }), 16);
    });
  });

  // VGG is the slow one (9 M parameters): once, on the best CPU backend, in each BN placement.
  it("vgg-11 with BN after ReLU matches PyTorch both ways", async () => {
    await useBackend(backends[0]);
    await crossCheck(vggSpec({ depth: 11, bnPlacement: "after-relu" }), 32);
  });


  it("a BN-only vgg-11 run's checkpoint loads strictly into open_lth's VGG with the same logits (28×28 padded to 32)", async () => {
    await useBackend(backends[0]);
    const runs = mkdtempSync(path.join(tmpdir(), "bnlab-torch-run-"));
    const r = await train(
      {
        data: { dataset: "mnist", trainSubset: 32, testSubset: 16, augment: false },
        model: { family: "vgg", depth: 11 },
        training: { trainable: ["bn"], epochs: 1, batchSize: 16, lr: 0.1 },
      },
      { runsDir: runs, reporter: createReporter({ quiet: true }) },
    );
    expect(r.status).toBe("complete");
    await crossCheck(vggSpec({ depth: 11, inChannels: 1 }), 28, path.join(r.runDir, "ckpt", "ep-1.safetensors"));
  });
});
