/**
 * Ablation parity with PyTorch: the accuracy bnlab reports for a pruned network is PyTorch's eval
 * accuracy of the same masked state dict, on the same test images, to the image (same count of
 * correct predictions). Two short real runs on Fashion-MNIST (BN-only ResNet-20 and a full-training
 * ResNet-8) are indexed and asked through the HTTP handlers, as the dashboard asks:
 *   - `/ablation` at several thresholds (γ-ordered, zero and gamma-only) against PyTorch's accuracy
 *     of the file `/pruned` serves at the same threshold; PyTorch recomputes |γ| < t itself and
 *     the file must hold exactly its masked state dict;
 *   - `/pruning-curve`: the γ-ordered point and seed 0's random mask at each fraction, against
 *     PyTorch switching off the same channels (the masks of lib/analysis's `pruningMasks`, which
 *     the curve evaluates); PyTorch checks that the γ mask removes the smallest |γ| of the network
 *     and that the random one removes as many channels per layer.
 * Runs on the backend `initBackend` picks (BNLAB_BACKEND=wasm for the wasm pass).
 *
 * What it settles about the random baseline's steep fall (to near chance by 10 % removed): it is
 * the networks', not bnlab's. Here the full-training ResNet-8 goes from 309/500 to 90/500 with
 * seed 0's random 10 % mask (γ-ordered: 322/500) and PyTorch gets the same count from the same
 * channels; most of PyTorch's own random draws of the same per-layer counts, and of draws uniform
 * over the whole network, fall as far, with or without β zeroed: a few channels carry much of the
 * function, and a random mask of 10 % usually hits one.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectGammas } from "../../lib/analysis/gamma";
import { prunePercent, type ChannelMask } from "../../lib/analysis/ablation";
import { pruningMasks } from "../../lib/analysis/pruning";
import { loadStateDict } from "../../lib/checkpoint/state-dict-io";
import { getDataset } from "../../lib/data/registry";
import { locateIdxDataset } from "../../lib/data/mnist";
import { initBackend } from "../../lib/engine/backend";
import { resnetSpec, type ResNetSpec } from "../../lib/models/arch";
import { RunConfig, runId, type RunConfigInput } from "../../lib/run/config";
import { trainableGroups, type TrainableMode } from "../../lib/run/modes";
import { createReporter } from "../../trainer/progress";
import { train } from "../../trainer/train";
import { getRoute, type RouteHandler } from "../support/routes";
import { hasTorch, runPython } from "../support/torch";

const SCRIPT = fileURLToPath(new URL("./pytorch_ablation_parity.py", import.meta.url));
const TEST_IMAGES = 500;
/** γ-ordered thresholds at these percentiles of |γ| (so each removes a known share of channels). */
const PERCENTS = [5, 20, 50];
const FRACTIONS = [0.1, 0.3];
const WIDTH = 8;
const EPOCHS = 3;

const tmp = mkdtempSync(path.join(tmpdir(), "bnlab-ablation-parity-"));
process.env.DATABASE_URL = `file:${path.join(tmp, "index.db")}`;
process.env.BNLAB_RUNS_DIR = path.join(tmp, "runs");
const backend = hasTorch ? (await initBackend({ log: () => {} })).name : "none";

async function get(handler: RouteHandler, url: string, id: string): Promise<Response> {
  const res = await getRoute(handler, url, id);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return res;
}

function config(mode: TrainableMode, depth: number): RunConfigInput {
  // 1,500 training images, 3 epochs of batch 50 (90 steps) at a constant lr, width 8, no
  // augmentation: seconds of training that leave both networks above chance, so pruning has
  // accuracy to lose.
  return {
    data: { dataset: "fashion-mnist", trainSubset: 1500, testSubset: TEST_IMAGES, augment: false },
    model: { depth, width: WIDTH },
    training: { trainable: trainableGroups(mode), epochs: EPOCHS, milestones: [], batchSize: 50, lr: 0.1, seed: 0 },
  };
}

interface Evaluation {
  id: string;
  mode: "zero" | "gamma-only";
  includeShortcut: boolean;
  file?: string;
  source?: string;
  threshold?: number;
  mask?: Record<string, number[]>;
  like?: string;
  smallest?: boolean;
}

const maskIndices = (m: ChannelMask): Record<string, number[]> =>
  Object.fromEntries(m.layers.map((l) => [l.name, [...l.removed.keys()].filter((i) => l.removed[i] === 1)]));

/** Each evaluation's correct count on both sides, printed at the end. */
const seen: string[] = [];

describe.skipIf(!hasTorch)(`ablation parity with PyTorch (${backend})`, () => {
  let routes: { ablation: RouteHandler; pruned: RouteHandler; curve: RouteHandler };
  let close: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const { openDb } = await import("../../lib/db/client");
    const { ingest } = await import("../../lib/db/ingest");
    routes = {
      ablation: (await import("../../app/api/runs/[id]/ablation/route")).GET,
      pruned: (await import("../../app/api/runs/[id]/pruned/route")).GET,
      curve: (await import("../../app/api/runs/[id]/pruning-curve/route")).GET,
    };
    const db = await openDb();
    close = () => db.close();
    for (const [mode, depth] of [["bn", 20], ["all", 8]] as const) {
      await train(RunConfig.parse(config(mode, depth)), { runsDir: process.env.BNLAB_RUNS_DIR!, reporter: createReporter({ quiet: true }) });
    }
    expect((await ingest(db, process.env.BNLAB_RUNS_DIR!)).broken).toEqual([]);
  }, 300_000);
  afterAll(async () => {
    await close();
    if (seen.length) console.info(`ablation parity on ${backend}:\n${seen.join("\n")}`);
  });

  it.each([
    ["BN-only ResNet-20", "bn", 20],
    ["full-training ResNet-8", "all", 8],
  ] as const)("%s: bnlab's pruned accuracies are PyTorch's, image for image", async (_, mode, depth) => {
    const id = runId(RunConfig.parse(config(mode, depth)));
    const info = getDataset("fashion-mnist");
    const spec: ResNetSpec = resnetSpec({ depth, width: WIDTH, inChannels: info.channels, classes: info.classes });
    const source = path.join(process.env.BNLAB_RUNS_DIR!, id, "ckpt", `ep-${EPOCHS}.safetensors`);
    const sd = (await loadStateDict(source, spec)).stateDict;
    const gammas = collectGammas(sd, spec, { includeShortcut: true });

    const reported = new Map<string, { correct: number; count: number }>();
    const evaluations: Evaluation[] = [];

    // ---- γ-ordered pruning by threshold: /ablation's accuracy, /pruned's file.
    const thresholds = PERCENTS.map((p) => prunePercent(gammas, p));
    for (const [k, t] of thresholds.entries()) {
      for (const ablation of k === 1 ? (["zero", "gamma-only"] as const) : (["zero"] as const)) {
        const q = `threshold=${t}&mode=${ablation}&includeShortcut=true`;
        const body = await (await get(routes.ablation, `/api/runs/${id}/ablation?${q}`, id)).json();
        const key = `t=${t.toPrecision(4)} ${ablation}`;
        reported.set(key, { correct: body.correct, count: body.count });
        if (k === 0 && ablation === "zero") reported.set("unpruned", { correct: body.baseline.correct, count: body.baseline.count });
        const file = path.join(tmp, `${id}-${k}-${ablation}.safetensors`);
        writeFileSync(file, new Uint8Array(await (await get(routes.pruned, `/api/runs/${id}/pruned?${q}`, id)).arrayBuffer()));
        evaluations.push({ id: key, file, source, threshold: t, mode: ablation, includeShortcut: true });
      }
    }
    evaluations.push({ id: "unpruned", source, mask: {}, mode: "zero", includeShortcut: true });

    // ---- the pruning curve: γ-ordered and seed 0's random mask at each fraction.
    const curve = await (await get(routes.curve, `/api/runs/${id}/pruning-curve?fractions=${FRACTIONS.join(",")}&seeds=1&mode=zero&includeShortcut=true`, id)).json();
    const masks = pruningMasks(gammas, FRACTIONS, [0]);
    for (const [k, m] of masks.entries()) {
      const point = curve.points[k];
      expect(point.fraction).toBe(m.fraction);
      expect(point.layers.map((l: { removed: number }) => l.removed)).toEqual(m.gamma.layers.map((l) => l.removedCount));
      const g = `curve ${m.fraction} γ-ordered`;
      const r = `curve ${m.fraction} random seed 0`;
      reported.set(g, { correct: point.gamma.correct, count: point.gamma.count });
      const randomCorrect = point.random.accuracies[0] * curve.count;
      expect(Math.abs(randomCorrect - Math.round(randomCorrect))).toBeLessThan(1e-6);
      reported.set(r, { correct: Math.round(randomCorrect), count: curve.count });
      evaluations.push({ id: g, source, mask: maskIndices(m.gamma), mode: "zero", includeShortcut: true, smallest: true });
      evaluations.push({ id: r, source, mask: maskIndices(m.random[0]), mode: "zero", includeShortcut: true, like: g });
    }

    const images = locateIdxDataset("fashion-mnist");
    if (!images) throw new Error("Fashion-MNIST is not installed (Debian: dataset-fashion-mnist)");
    const request = path.join(tmp, `${id}-request.json`);
    writeFileSync(
      request,
      JSON.stringify({
        images: path.join(images, "t10k-images-idx3-ubyte.gz"),
        labels: path.join(images, "t10k-labels-idx1-ubyte.gz"),
        count: TEST_IMAGES,
        mean: info.mean,
        std: info.std,
        model: { depth, width: WIDTH, inChannels: info.channels, classes: info.classes },
        evaluations,
      }),
    );
    const torch = JSON.parse(runPython(SCRIPT, [request], 300_000)).results as Record<string, { correct: number; count: number; removed: Record<string, number> }>;

    for (const e of evaluations) {
      const ours = reported.get(e.id)!;
      seen.push(`  ${id} ${e.id.padEnd(28)} bnlab ${ours.correct}/${ours.count}  PyTorch ${torch[e.id].correct}/${torch[e.id].count}`);
      expect(ours.count, `${e.id}: test images`).toBe(TEST_IMAGES);
      expect(torch[e.id].count, `${e.id}: PyTorch's test images`).toBe(TEST_IMAGES);
      expect(ours.correct, `${e.id}: correct predictions, bnlab vs PyTorch`).toBe(torch[e.id].correct);
    }
    // The thresholds remove what their percentiles say (so the cases are the ones intended).
    for (const [k, p] of PERCENTS.entries()) {
      const removed = Object.values(torch[`t=${thresholds[k].toPrecision(4)} zero`].removed).reduce((a, b) => a + b, 0);
      expect(Math.abs(removed - (p / 100) * gammas.absGamma.length)).toBeLessThanOrEqual(1);
    }
  }, 300_000);
});
