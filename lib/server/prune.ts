/**
 * Server side of the prune page's downloads: the channel mask of |γ| < t for a checkpoint (as
 * JSON), and the checkpoint with that mask applied (safetensors, PyTorch-loadable like every
 * bnlab checkpoint). Channels are chosen exactly as `/api/runs/[id]/ablation` chooses them
 * (`thresholdMask`, float32 comparison), so the file is the network whose accuracy the page shows.
 */
import { applyMask, thresholdMask, type AblationMode } from "../analysis/ablation";
import { collectGammas } from "../analysis/gamma";
import type { Db } from "../db/client";
import { resolveCheckpoint, type ResolvedCheckpoint } from "./checkpoint";

export interface PruneOptions {
  epoch?: number;
  threshold: number;
  mode: AblationMode;
  includeShortcut: boolean;
}

export interface MaskFile {
  format: "bnlab-channel-mask@1";
  runId: string;
  epoch: number;
  /** sha256 of the checkpoint the mask was computed from. */
  checkpointHash: string;
  threshold: number;
  rule: string;
  mode: AblationMode;
  includeShortcut: boolean;
  removed: number;
  total: number;
  fractionRemoved: number;
  excluded: string[];
  /** Per BN layer in forward order: the removed channel indices. */
  layers: { name: string; channels: number; shortcut: boolean; removed: number[] }[];
}

async function maskOf(ck: ResolvedCheckpoint, o: PruneOptions) {
  const { loadCheckpoint } = await import("./compute");
  const sd = await loadCheckpoint(ck);
  const mask = thresholdMask(collectGammas(sd, ck.spec, { includeShortcut: o.includeShortcut }), o.threshold);
  return { sd, mask };
}

function maskFile(ck: ResolvedCheckpoint, o: PruneOptions, mask: Awaited<ReturnType<typeof maskOf>>["mask"]): MaskFile {
  return {
    format: "bnlab-channel-mask@1",
    runId: ck.run.id,
    epoch: ck.epoch,
    checkpointHash: ck.hash,
    threshold: o.threshold,
    rule: `channel removed when |gamma| < float32(${o.threshold}); ${o.mode === "zero" ? "gamma = beta = 0" : "gamma = 0, beta kept"}`,
    mode: o.mode,
    includeShortcut: o.includeShortcut,
    removed: mask.removed,
    total: mask.total,
    fractionRemoved: mask.total ? mask.removed / mask.total : 0,
    excluded: mask.excluded,
    layers: mask.layers.map((l) => ({
      name: l.name,
      channels: l.channels,
      shortcut: l.shortcut,
      removed: Array.from(l.removed.entries())
        .filter(([, v]) => v === 1)
        .map(([i]) => i),
    })),
  };
}

export async function pruneMask(db: Db, runId: string, o: PruneOptions): Promise<MaskFile> {
  const ck = await resolveCheckpoint(db, runId, o.epoch);
  const { mask } = await maskOf(ck, o);
  return maskFile(ck, o, mask);
}

/** The pruned checkpoint as safetensors bytes; its metadata names the source and the mask. */
export async function prunedCheckpoint(db: Db, runId: string, o: PruneOptions): Promise<{ bytes: Uint8Array; epoch: number; mask: MaskFile }> {
  const ck = await resolveCheckpoint(db, runId, o.epoch);
  const { sd, mask } = await maskOf(ck, o);
  const { toRawTensors } = await import("../checkpoint/state-dict-io");
  const { encodeSafetensors } = await import("../checkpoint/safetensors");
  const pruned = applyMask(sd, mask, o.mode);
  const file = maskFile(ck, o, mask);
  const bytes = encodeSafetensors(toRawTensors(pruned), {
    format: "pt",
    run_id: ck.run.id,
    epoch: String(ck.epoch),
    pruned_from: ck.hash,
    prune_threshold: String(o.threshold),
    prune_mode: o.mode,
    prune_include_shortcut: String(o.includeShortcut),
    prune_removed: `${mask.removed}/${mask.total}`,
  });
  return { bytes, epoch: ck.epoch, mask: file };
}
