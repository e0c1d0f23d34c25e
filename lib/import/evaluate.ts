/**
 * Test accuracy at import, for the architectures bnlab runs (its own ResNets and VGGs, torchvision's
 * ResNets and VGG-BNs): eval mode, the named dataset's whole test split, the given per-channel
 * normalisation. Loads tfjs, so it is imported only when there is something to evaluate.
 */
import { evaluate } from "../eval/evaluate";
import { loadDataset } from "../data/registry";
import { initBackend } from "../engine/backend";
import { ResNet } from "../models/resnet";
import type { StateDict } from "../models/state-dict";
import { architectureName, forwardSpec, type Architecture } from "../models/recognise";

export async function testAccuracy(
  sd: StateDict,
  arch: Architecture,
  opts: { dataset: string; mean: number[]; std: number[]; dataDir?: string },
): Promise<{ accuracy: number; loss: number; count: number }> {
  const spec = forwardSpec(arch);
  if (!spec) throw new Error(`bnlab does not run ${architectureName(arch)}`);
  const set = loadDataset(opts.dataset, { split: "test", dataDir: opts.dataDir });
  await initBackend();
  const model = ResNet.fromStateDict(spec, sd);
  try {
    const r = evaluate(model, set, { mean: opts.mean, std: opts.std });
    return { accuracy: r.accuracy, loss: r.loss, count: r.count };
  } finally {
    model.dispose();
  }
}
