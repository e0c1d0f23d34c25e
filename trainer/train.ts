/**
 * `train()`: one run from config to checkpoints, top to bottom. Setup → data → model and
 * optimizer (fresh or resumed) → epochs of steps → evaluation, metrics, checkpoints.
 * Asking for a run that exists finds it: complete → nothing to do; incomplete → resume.
 */
import { constants } from "node:fs";
import { access, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "../lib/engine/gradients";
import { countCorrect, crossEntropy, evaluate, type Evaluation } from "../lib/eval/evaluate";
import { RunConfig, runId, type RunConfigInput } from "../lib/run/config";
import { RUN_FORMAT_VERSION, type MetricLine, type RunFile } from "../lib/run/files";
import { batchCount, iterateBatches, type Batch } from "../lib/data/batches";
import { getDataset, loadDataset } from "../lib/data/registry";
import { splitHoldout } from "../lib/data/subset";
import type { ImageSet } from "../lib/data/types";
import { initBackend } from "../lib/engine/backend";
import { describeSpec, modelSpec } from "../lib/models/arch";
import { countParameters, countTrainable } from "../lib/models/groups";
import { randomKCount, type RandomKSelection } from "../lib/models/random-k";
import { ResNet } from "../lib/models/resnet";
import { deriveSeed } from "../lib/random";
import { createReporter, type Reporter } from "./progress";
import { RunDir } from "./run-dir";
import { learningRate } from "./schedule";
import { Sgd } from "./sgd";
import { latestState, saveEpoch, saveResume, type Progress } from "./train-state";
import { randomKSelection, trainableOf } from "./trainable";
import { CODE_VERSION } from "./version";

export interface TrainOptions {
  runsDir: string;
  dataDir?: string;
  /** Keep a PyTorch-loadable checkpoint every N epochs (epoch 0 and the last are always kept). */
  saveEvery?: number;
  /** When aborted, the run stops after the current step, saves and is marked interrupted. */
  signal?: AbortSignal;
  reporter?: Reporter;
  /** Called after each checkpoint and when the run stops (e.g. to index it while it trains). */
  onCheckpoint?: (runDir: string) => Promise<void>;
}

export interface TrainResult {
  id: string;
  runDir: string;
  status: RunFile["status"];
  epochsDone: number;
  /** True when the run was already complete and nothing was trained. */
  alreadyComplete: boolean;
  test?: Evaluation;
}

const HOLDOUT_SEED = 0; // the same validation slice for every seed of a sweep
const EMPTY_PARTIAL = { loss: 0, correct: 0, seen: 0, seconds: 0 };

export async function train(input: RunConfigInput, opts: TrainOptions): Promise<TrainResult> {
  // ---- setup: identity, run directory, data facts
  const config = RunConfig.parse(input);
  const id = runId(config);
  const dir = new RunDir(path.join(opts.runsDir, id));
  const log = opts.reporter ?? createReporter();
  const { training } = config;
  const info = getDataset(config.data.dataset);
  const spec = modelSpec({ ...config.model, inChannels: info.channels, classes: info.classes });

  let run: RunFile | null = dir.exists() ? await dir.readRun() : null;
  if (run?.status === "complete") {
    log.log(`run ${id} is already complete (${run.epochsDone} epochs)`);
    return { id, runDir: dir.root, status: "complete", epochsDone: run.epochsDone, alreadyComplete: true };
  }
  await ensureWritable(opts.runsDir);

  // ---- data
  const backend = await initBackend({ log: (line: string) => log.log(line) });
  const dataOpts = { dataDir: opts.dataDir };
  let trainSet = loadDataset(info.name, { ...dataOpts, split: "train", subset: config.data.trainSubset });
  let valSet: ImageSet | null = null;
  if (config.data.holdout > 0) ({ train: trainSet, holdout: valSet } = splitHoldout(trainSet, config.data.holdout, HOLDOUT_SEED));
  const testSet = loadDataset(info.name, { ...dataOpts, split: "test", subset: config.data.testSubset });
  const norm = { mean: info.mean, std: info.std };
  const stepsPerEpoch = batchCount(trainSet.count, training.batchSize);

  // ---- model and optimizer, fresh or resumed (the random-k choice is made once, then read back)
  let selection: RandomKSelection | null = null;
  if (training.randomK !== undefined) {
    await mkdir(dir.root, { recursive: true });
    selection = await randomKSelection(dir.root, spec, training.randomK, deriveSeed(training.seed, "random-k"));
  }
  const model = ResNet.create(spec, { seed: deriveSeed(training.seed, "init"), bnInit: config.model.bnInit });
  const { vars, names, masks } = trainableOf(model, training.trainable, selection);
  const sgd = new Sgd(vars, { momentum: training.momentum, weightDecay: training.weightDecay }, masks);
  let progress: Progress = { epoch: 0, stepInEpoch: 0, step: 0, partial: { ...EMPTY_PARTIAL } };
  const state = run ? await latestState(dir, spec, names, (l) => log.warn(l)) : null;
  const now = () => new Date().toISOString();
  try {
    if (run && state) {
      await dir.clearTemps();
      model.loadStateDict(state.stateDict);
      sgd.load(state.momentum);
      progress = state.progress;
      await dir.truncateMetrics(progress.epoch);
      log.log(`resuming ${id} from ${path.relative(dir.root, state.source)} (epoch ${progress.epoch}, step ${progress.step})`);
      run = { ...run, status: "running", backend: backend.name, updatedAt: now(), error: undefined };
    } else {
      await dir.create();
      const counts = countParameters(spec);
      run = {
        formatVersion: RUN_FORMAT_VERSION, id, config, status: "running", epochsDone: 0,
        parameters: { total: counts.total, trainable: countTrainable(spec, training.trainable) + (selection ? randomKCount(selection) : 0) },
        codeVersion: CODE_VERSION, backend: backend.name, createdAt: now(), updatedAt: now(),
      };
      await dir.clearMetrics();
      await dir.writeRun(run);
      // Epoch 0: the random initialisation that every analysis compares against.
      const init = evaluate(model, testSet, norm);
      await dir.appendMetrics([metric(0, 0, "test", init, learningRate(training, 0, stepsPerEpoch), 0)]);
      await saveEpoch(dir, id, model, sgd, names, progress);
      await opts.onCheckpoint?.(dir.root);
    }
    await dir.writeRun(run);
    if (spec.family === "vgg" && trainSet.height !== 32) log.log(`${describeSpec(spec)} takes 32×32 inputs: the ${trainSet.height}×${trainSet.width} images are zero-padded by ${(32 - trainSet.height) / 2} pixels after normalisation`);
    log.log(`training ${id}: ${trainSet.count} examples, ${stepsPerEpoch} steps/epoch, ${training.epochs} epochs, ${run.parameters.trainable.toLocaleString("en-US")} of ${run.parameters.total.toLocaleString("en-US")} parameters trainable`);

    // ---- epochs
    let test: Evaluation | undefined;
    for (let epoch = progress.epoch; epoch < training.epochs; epoch++) {
      const partial = progress.stepInEpoch > 0 ? progress.partial : { ...EMPTY_PARTIAL };
      const started = performance.now() - partial.seconds * 1000;
      const batches = iterateBatches(trainSet, {
        batchSize: training.batchSize, shuffle: true, seed: deriveSeed(training.seed, "data"), epoch,
        augment: config.data.augment, ...norm, startBatch: progress.stepInEpoch,
      });
      let lr = 0;
      for (const batch of batches) {
        lr = learningRate(training, progress.step, stepsPerEpoch);
        const r = trainStep(model, vars, sgd, batch, trainSet, lr);
        // A diverged run stops here: its weights are NaN from now on, and the metric line (NaN is
        // not JSON) and checkpoints it would write are of no use. What is on disk stays readable.
        if (!Number.isFinite(r.loss)) throw new Error(`diverged: the training loss became ${r.loss} at epoch ${epoch + 1}, step ${progress.stepInEpoch + 1} (lr ${lr}); try a smaller --lr`);
        partial.loss += r.loss * batch.size;
        partial.correct += r.correct;
        partial.seen += batch.size;
        progress = { epoch, stepInEpoch: progress.stepInEpoch + 1, step: progress.step + 1, partial };
        const seconds = (performance.now() - started) / 1000;
        log.progress({
          label: `epoch ${epoch + 1}/${training.epochs}`, done: progress.stepInEpoch, total: stepsPerEpoch,
          fields: { loss: (partial.loss / partial.seen).toFixed(3), acc: pct(partial.correct / partial.seen), "ex/s": (partial.seen / seconds).toFixed(0) },
        });
        if (opts.signal?.aborted && progress.stepInEpoch < stepsPerEpoch) {
          partial.seconds = seconds;
          await saveResume(dir, id, model, sgd, names, progress);
          run = { ...run, status: "interrupted", updatedAt: now() };
          await dir.writeRun(run);
          await opts.onCheckpoint?.(dir.root);
          log.log(`interrupted at epoch ${epoch + 1}, step ${progress.stepInEpoch}/${stepsPerEpoch}; run the same command again to resume`);
          return { id, runDir: dir.root, status: "interrupted", epochsDone: epoch, alreadyComplete: false };
        }
      }
      log.end();
      const seconds = (performance.now() - started) / 1000;
      const done = epoch + 1;
      test = evaluate(model, testSet, norm);
      const lines = [
        { ...metric(done, progress.step, "train", { loss: partial.loss / partial.seen, accuracy: partial.correct / partial.seen }, lr, seconds), examplesPerSecond: partial.seen / seconds },
        metric(done, progress.step, "test", test, lr, seconds),
      ];
      if (valSet) lines.push(metric(done, progress.step, "val", evaluate(model, valSet, norm), lr, seconds));
      const bad = lines.find((l) => !Number.isFinite(l.loss));
      if (bad) throw new Error(`diverged: the ${bad.split} loss is ${bad.loss} after epoch ${done} (lr ${lr}); try a smaller --lr`);
      // Metrics before checkpoints: a resume drops lines past its checkpoint, so none go missing.
      await dir.appendMetrics(lines);
      progress = { epoch: done, stepInEpoch: 0, step: progress.step, partial: { ...EMPTY_PARTIAL } };
      const saveEvery = opts.saveEvery ?? 10;
      if (done % saveEvery === 0 || done === training.epochs) await saveEpoch(dir, id, model, sgd, names, progress);
      else await saveResume(dir, id, model, sgd, names, progress);
      run = { ...run, epochsDone: done, updatedAt: now() };
      await dir.writeRun(run);
      log.log(`epoch ${done}/${training.epochs}  train loss ${lines[0].loss.toFixed(3)} acc ${pct(lines[0].accuracy)}  test loss ${test.loss.toFixed(3)} acc ${pct(test.accuracy)}  ${(partial.seen / seconds).toFixed(0)} ex/s`);
      await opts.onCheckpoint?.(dir.root);
      if (opts.signal?.aborted && done < training.epochs) {
        run = { ...run, status: "interrupted", updatedAt: now() };
        await dir.writeRun(run);
        await opts.onCheckpoint?.(dir.root);
        log.log(`interrupted after epoch ${done}; run the same command again to resume`);
        return { id, runDir: dir.root, status: "interrupted", epochsDone: done, alreadyComplete: false };
      }
    }
    await rm(dir.resumeFile, { force: true });
    run = { ...run, status: "complete", epochsDone: training.epochs, updatedAt: now() };
    await dir.writeRun(run);
    await opts.onCheckpoint?.(dir.root);
    return { id, runDir: dir.root, status: "complete", epochsDone: training.epochs, alreadyComplete: false, test };
  } catch (e) {
    if (run && dir.exists()) await dir.writeRun({ ...run, status: "failed", error: (e as Error).message, updatedAt: now() }).catch(() => {});
    throw e;
  } finally {
    sgd.dispose();
    model.dispose();
  }
}

/** One SGD step on one batch; returns the batch's mean loss and correct count. */
function trainStep(model: ResNet, vars: tf.Variable[], sgd: Sgd, batch: Batch, set: ImageSet, lr: number): { loss: number; correct: number } {
  const [loss, correct] = tf.tidy(() => {
    const x = tf.tensor4d(batch.x, [batch.size, set.height, set.width, set.channels]);
    const y = tf.tensor1d(batch.labels, "int32");
    let right: tf.Scalar | null = null;
    const objective = () => {
      const logits = model.forward(x, true);
      right = tf.keep(countCorrect(logits, y));
      return crossEntropy(logits, y);
    };
    // With nothing trainable ("none") the forward still updates the BN running statistics.
    if (vars.length === 0) return [objective(), right!];
    const { value, grads } = tf.variableGrads(objective, vars);
    sgd.step(vars.map((v) => grads[v.name]), lr);
    return [value, right!];
  });
  const out = { loss: loss.dataSync()[0], correct: correct.dataSync()[0] };
  tf.dispose([loss, correct]);
  return out;
}

function metric(epoch: number, step: number, split: MetricLine["split"], e: { loss: number; accuracy: number }, lr: number, seconds: number): MetricLine {
  return { epoch, step, split, loss: e.loss, accuracy: e.accuracy, lr, seconds };
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

async function ensureWritable(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    // A permission check, not a probe file: a kill between writing and removing one would leave it.
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw new Error(`cannot write to the runs directory ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); choose another with --runs-dir or BNLAB_RUNS_DIR`);
  }
}
