/**
 * Test accuracy at import, for the architectures bnlab runs (its own ResNet family): eval mode,
 * the named dataset's whole test split, the given per-channel normalisation. Loads tfjs, so it is
 * imported only when there is something to evaluate.
 */
import { evaluate } from "../eval/evaluate";
import { loadDataset } from "../data/registry";
import { initBackend } from "../engine/backend";
import { resnetSpec } from "../models/arch";
import { ResNet } from "../models/resnet";
import type { StateDict } from "../models/state-dict";
import type { Architecture } from "../models/recognise";

export async function testAccuracy(
  sd: StateDict,
  arch: Extract<Architecture, { family: "cifar_resnet" }>,
  opts: { dataset: string; mean: number[]; std: number[]; dataDir?: string },
): Promise<{ accuracy: number; loss: number; count: number }> {
  const set = loadDataset(opts.dataset, { split: "test", dataDir: opts.dataDir });
  await initBackend();
  const model = ResNet.fromStateDict(resnetSpec(arch), sd);
  try {
    const r = evaluate(model, set, { mean: opts.mean, std: opts.std });
    return { accuracy: r.accuracy, loss: r.loss, count: r.count };
  } finally {
    model.dispose();
  }
}
