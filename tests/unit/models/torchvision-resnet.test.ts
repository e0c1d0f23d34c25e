/**
 * torchvision's ResNets in bnlab's model builder, against torchvision itself: state dicts PyTorch
 * saved (a 3-channel ResNet-18 on 32-pixel images, 1-channel ResNet-50 and -18 on 28-pixel ones, with
 * real running statistics and spread γ) are recognised, load strictly, and give torchvision's
 * eval-mode logits within 1e-4 on the same images.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPytorchCheckpoint } from "../../../lib/checkpoint/pytorch";
import { initBackend } from "../../../lib/engine/backend";
import { bnLayers, tensorSpecs } from "../../../lib/models/arch";
import { countParameters } from "../../../lib/models/groups";
import { architectureName, forwardSpec, recogniseArchitecture } from "../../../lib/models/recognise";
import { ResNet } from "../../../lib/models/resnet";
import { hasTorch, nchwToNhwc, readF32, runPython } from "../../support/torch";

const SCRIPT = fileURLToPath(new URL("./torchvision_resnet.py", import.meta.url));

interface Case {
  name: string;
  depth: number;
  channels: number;
  size: number;
  classes: number;
  count: number;
}

describe.skipIf(!hasTorch)("torchvision ResNets against torchvision", { timeout: 300_000 }, () => {
  let dir = "";
  let cases: Case[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "bnlab-tv-resnet-"));
    runPython(SCRIPT, [dir], 600_000);
    cases = JSON.parse(readFileSync(path.join(dir, "cases.json"), "utf8")) as Case[];
    await initBackend({ log: () => {} });
  }, 700_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(["resnet18_cifar10", "resnet50_fmnist", "resnet18_fmnist"])("%s: recognised, loaded strictly, torchvision's logits within 1e-4", async (name) => {
    const c = cases.find((k) => k.name === name)!;
    const { stateDict } = await readPytorchCheckpoint(path.join(dir, `${name}.pth`));
    const arch = recogniseArchitecture(stateDict);
    expect(arch).toEqual({ family: "torchvision_resnet", depth: c.depth, inChannels: c.channels, classes: c.classes });
    expect(architectureName(arch)).toBe(`resnet${c.depth}`);
    const spec = forwardSpec(arch)!;
    // Every tensor torchvision saved is one the spec names, and nothing else.
    expect(tensorSpecs(spec).map((t) => t.name).sort()).toEqual([...stateDict.keys()].sort());
    const floats = [...stateDict.values()].reduce((s, t) => s + (t.dtype === "float32" ? t.data.length : 0), 0);
    const buffers = bnLayers(spec).reduce((s, l) => s + 2 * l.channels, 0);
    expect(countParameters(spec).total).toBe(floats - buffers);

    const model = ResNet.fromStateDict(spec, stateDict);
    try {
      const shape = [c.count, c.channels, c.size, c.size];
      const x = nchwToNhwc(readF32(path.join(dir, `${name}.input.f32`)), shape);
      const want = readF32(path.join(dir, `${name}.logits.f32`));
      const got = tf.tidy(() => model.forward(tf.tensor4d(x, [c.count, c.size, c.size, c.channels]), false).dataSync() as Float32Array);
      expect(got.length).toBe(c.count * c.classes);
      // Logits of unit scale, so 1e-4 is a tight bound, not a loose one on large numbers.
      const scale = Math.max(...Array.from(want, Math.abs));
      expect(scale).toBeGreaterThan(0.5);
      expect(scale).toBeLessThan(50);
      const worst = Math.max(...Array.from(got, (v, i) => Math.abs(v - want[i])));
      expect(worst).toBeLessThanOrEqual(1e-4);
    } finally {
      model.dispose();
    }
  });
});
