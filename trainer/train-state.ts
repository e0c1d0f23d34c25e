/**
 * Saving and restoring what a resumed run needs to continue the same trajectory: weights and
 * BN statistics, SGD momentum buffers, the step, and the partial epoch's running sums.
 * A checkpoint that fails to load is skipped with a warning and the previous good one is used.
 */
import { existsSync } from "node:fs";
import { CheckpointError } from "../lib/checkpoint/errors";
import { readSafetensors, writeSafetensors, type RawTensor } from "../lib/checkpoint/safetensors";
import { loadStateDict, saveStateDict, toRawTensors, toStateDict } from "../lib/checkpoint/state-dict-io";
import { tensorSpecs, type ModelSpec } from "../lib/models/arch";
import type { ResNet } from "../lib/models/resnet";
import type { StateDict } from "../lib/models/state-dict";
import type { Sgd } from "./sgd";
import type { RunDir } from "./run-dir";

/** Where training stands: `epoch` epochs complete, plus `stepInEpoch` steps of the next one. */
export interface Progress {
  epoch: number;
  stepInEpoch: number;
  step: number;
  /** Sums over the partial epoch's steps, so its train metrics survive an interrupt. */
  partial: { loss: number; correct: number; seen: number; seconds: number };
}

export interface TrainState {
  stateDict: StateDict;
  momentum: Float32Array[];
  progress: Progress;
  source: string;
}

const MOMENTUM_PREFIX = "momentum.";

function momentumTensors(names: string[], sgd: Sgd): Map<string, RawTensor> {
  const out = new Map<string, RawTensor>();
  sgd.state().forEach((v, i) => {
    out.set(MOMENTUM_PREFIX + names[i], { dtype: "F32", shape: [v.length], bytes: new Uint8Array(v.buffer) });
  });
  return out;
}

function readMomentum(tensors: Map<string, RawTensor>, names: string[], file: string): Float32Array[] {
  return names.map((name) => {
    const t = tensors.get(MOMENTUM_PREFIX + name);
    if (!t || t.dtype !== "F32") throw new CheckpointError(file, `no momentum buffer for ${name}`);
    return new Float32Array(Uint8Array.from(t.bytes).buffer);
  });
}

/** The kept checkpoint after an epoch: PyTorch-loadable weights plus the momentum sidecar. */
export async function saveEpoch(dir: RunDir, runId: string, model: ResNet, sgd: Sgd, names: string[], progress: Progress): Promise<void> {
  const meta = { run_id: runId, epoch: String(progress.epoch), step: String(progress.step) };
  // Sidecar first: a weights file under a real name always has its momentum beside it.
  await writeSafetensors(dir.optimizerSidecar(progress.epoch), momentumTensors(names, sgd), { ...meta, layout: "tfjs" });
  await saveStateDict(dir.checkpoint(progress.epoch), model.stateDict(), meta);
}

/** The rolling resume point (end of each epoch, or an interrupt mid-epoch). */
export async function saveResume(dir: RunDir, runId: string, model: ResNet, sgd: Sgd, names: string[], progress: Progress): Promise<void> {
  const tensors = toRawTensors(model.stateDict());
  for (const [k, v] of momentumTensors(names, sgd)) tensors.set(k, v);
  await writeSafetensors(dir.resumeFile, tensors, { run_id: runId, progress: JSON.stringify(progress) });
}

async function loadResume(file: string, spec: ModelSpec, names: string[]): Promise<TrainState> {
  const parsed = await readSafetensors(file);
  const model = new Set(tensorSpecs(spec).map((t) => t.name));
  const stateDict = toStateDict(new Map([...parsed.tensors].filter(([k]) => model.has(k))), file, spec);
  let progress: Progress;
  try {
    progress = JSON.parse(parsed.metadata.progress ?? "") as Progress;
  } catch {
    throw new CheckpointError(file, "metadata has no readable progress");
  }
  return { stateDict, momentum: readMomentum(parsed.tensors, names, file), progress, source: file };
}

async function loadEpoch(dir: RunDir, epoch: number, spec: ModelSpec, names: string[]): Promise<TrainState> {
  const { stateDict, metadata } = await loadStateDict(dir.checkpoint(epoch), spec);
  const sidecar = dir.optimizerSidecar(epoch);
  const optim = await readSafetensors(sidecar);
  if (optim.metadata.step !== metadata.step) throw new CheckpointError(sidecar, `is for step ${optim.metadata.step}, weights for ${metadata.step}`);
  const step = Number(metadata.step);
  return {
    stateDict,
    momentum: readMomentum(optim.tensors, names, sidecar),
    progress: { epoch, stepInEpoch: 0, step, partial: { loss: 0, correct: 0, seen: 0, seconds: 0 } },
    source: dir.checkpoint(epoch),
  };
}

/**
 * The newest state that loads: the resume file when it is at least as new as the newest epoch
 * checkpoint, else epoch checkpoints newest first. Each one skipped is reported through `warn`.
 */
export async function latestState(dir: RunDir, spec: ModelSpec, names: string[], warn: (line: string) => void): Promise<TrainState | null> {
  const candidates: { load: () => Promise<TrainState>; name: string }[] = [];
  const epochs = await dir.checkpointEpochs();
  if (existsSync(dir.resumeFile)) candidates.push({ load: () => loadResume(dir.resumeFile, spec, names), name: "resume.safetensors" });
  for (const e of epochs) candidates.push({ load: () => loadEpoch(dir, e, spec, names), name: `ep-${e}` });
  let best: TrainState | null = null;
  for (const c of candidates) {
    try {
      const state = await c.load();
      const isNewer = !best || state.progress.step > best.progress.step;
      if (isNewer) best = state;
      if (c.name !== "resume.safetensors") break; // epochs come newest first
    } catch (e) {
      warn(`warning: ${(e as Error).message}; falling back to an earlier checkpoint`);
    }
  }
  return best;
}
