/**
 * Ablation benchmark: the dashboard's prune request on ResNet-20 — an exact re-evaluation of a
 * test set (by default a full one, 10,000 images) with the channels below a γ threshold removed —
 * and the same request answered from the analysis cache (a temporary SQLite index). The images
 * are made once, before any timing, as the server decodes a test split once per process.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { evaluateAblation } from "../../lib/eval/ablation";
import { syntheticDataset } from "../../lib/data/synthetic";
import { openDb } from "../../lib/db/client";
import { cached } from "../../lib/db/queries";
import { resnetSpec } from "../../lib/models/arch";
import { initialStateDict } from "../../lib/models/init";

export interface AblationBench {
  images: number;
  /** Seconds for one exact re-evaluation (median of `rounds`). */
  evaluateSeconds: number;
  /** Milliseconds for the cached answer (median). */
  cachedMs: number;
  accuracy: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function benchAblation(opts: { images?: number; rounds?: number } = {}): Promise<AblationBench> {
  const images = opts.images ?? 10_000;
  const rounds = opts.rounds ?? 2;
  const spec = resnetSpec({ depth: 20 });
  const sd = initialStateDict(spec, { seed: 1, bnInit: "uniform" });
  const set = syntheticDataset({ seed: 1, split: "test", count: images, height: 32, width: 32, channels: 3, classes: 10 });
  const norm = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], count: images };
  // Warm-up (kernels, primitive caches): a few batches are enough.
  evaluateAblation(sd, spec, set, { threshold: 0.1, ...norm, count: Math.min(images, 1000) });
  const times: number[] = [];
  let result = null as unknown as ReturnType<typeof evaluateAblation>;
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    result = evaluateAblation(sd, spec, set, { threshold: 0.1, ...norm });
    times.push((performance.now() - t) / 1000);
  }

  const dir = mkdtempSync(path.join(tmpdir(), "bnlab-bench-"));
  try {
    const db = await openDb({ DATABASE_URL: `file:${path.join(dir, "bench.db")}` });
    const params = { threshold: 0.1, count: images };
    await cached(db, "bench", "ablation", params, async () => result);
    const lookups: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      const r = await cached(db, "bench", "ablation", params, async () => {
        throw new Error("cache miss");
      });
      lookups.push(performance.now() - t);
      if (!r.hit) throw new Error("expected a cache hit");
    }
    await db.close();
    return { images, evaluateSeconds: median(times), cachedMs: median(lookups), accuracy: result.accuracy };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
