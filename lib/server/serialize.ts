/**
 * What the API shows of the index: runs and checkpoints without server paths or ingest
 * bookkeeping, errors with the server's folders taken out, the config parsed.
 */
import type { RunRow } from "./checkpoint";
import { modeGroups } from "../run/modes";
import { redactPaths } from "./errors";

type RunFields = Omit<RunRow, "checkpoints">;
type CheckpointRow = RunRow["checkpoints"][number];

export interface PublicRun {
  id: string;
  status: string;
  error: string | null;
  dataset: string;
  /** The network (lib/models/names): resnet or vgg ("" for an imported architecture bnlab does not build), depth, width, BN placement, shortcuts. */
  family: string;
  depth: number;
  width: number;
  bnPlacement: string;
  shortcut: string;
  mode: string;
  trainable: string[];
  seed: number;
  bnInit: string;
  epochs: number;
  epochsDone: number;
  paramsTotal: number;
  paramsTrainable: number;
  finalTestAccuracy: number | null;
  bestTestAccuracy: number | null;
  backend: string;
  codeVersion: string;
  createdAt: string;
  updatedAt: string;
  indexedAt: string;
  /** Imported runs (bnlab import): where the weights came from; null for runs bnlab trained. */
  source: { path: string; format: string } | null;
  /** Imported runs: the recognised architecture (`resnet18`, `unknown`, …); null for bnlab's own. */
  architecture: string | null;
  /** Why evaluation and pruning are unavailable ("unknown architecture", no local dataset); null when they run. */
  forwardUnavailable: string | null;
}

export function publicRun(r: RunFields): PublicRun {
  return {
    id: r.id,
    status: r.status,
    error: r.error === null ? null : redactPaths(r.error),
    dataset: r.dataset,
    family: r.family,
    depth: r.depth,
    width: r.width,
    bnPlacement: r.bnPlacement,
    shortcut: r.shortcut,
    mode: r.mode,
    trainable: modeGroups(r.mode),
    seed: r.seed,
    bnInit: r.bnInit,
    epochs: r.epochs,
    epochsDone: r.epochsDone,
    paramsTotal: r.paramsTotal,
    paramsTrainable: r.paramsTrainable,
    finalTestAccuracy: r.finalTestAccuracy,
    bestTestAccuracy: r.bestTestAccuracy,
    backend: r.backend,
    codeVersion: r.codeVersion,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    indexedAt: r.indexedAt.toISOString(),
    source: r.sourcePath === null ? null : { path: redactPaths(r.sourcePath), format: r.sourceFormat ?? "" },
    architecture: r.architecture,
    forwardUnavailable: r.forwardUnavailable,
  };
}

/** The run's config as run.json has it; null for a run whose run.json never parsed. */
export function parseConfig(r: RunFields): unknown {
  try {
    const c = JSON.parse(r.config) as unknown;
    return c && typeof c === "object" && Object.keys(c).length > 0 ? c : null;
  } catch {
    return null;
  }
}

export function publicCheckpoint(c: CheckpointRow) {
  return { epoch: c.epoch, size: c.size, hash: c.hash, error: c.error === null ? null : redactPaths(c.error) };
}
