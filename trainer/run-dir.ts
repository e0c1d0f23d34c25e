/**
 * A run directory on disk: run.json, metrics.jsonl, ckpt/. Every write is atomic (temp +
 * rename) except metric appends, whose torn last line a reader ignores and a resume drops.
 */
import { existsSync } from "node:fs";
import { appendFile, mkdir, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { TEMP_INFIX, writeFileAtomic } from "../lib/checkpoint/atomic";
import { parseMetrics, readRunFile, type MetricLine, type RunFile } from "../lib/run/files";

export class RunDir {
  constructor(readonly root: string) {}

  get runFile(): string {
    return path.join(this.root, "run.json");
  }
  get metricsFile(): string {
    return path.join(this.root, "metrics.jsonl");
  }
  get ckptDir(): string {
    return path.join(this.root, "ckpt");
  }
  /** The PyTorch-loadable weights after `epoch` epochs. */
  checkpoint(epoch: number): string {
    return path.join(this.ckptDir, `ep-${epoch}.safetensors`);
  }
  /** The optimizer state (momentum buffers) that goes with `checkpoint(epoch)`. */
  optimizerSidecar(epoch: number): string {
    return path.join(this.ckptDir, `ep-${epoch}.optim.safetensors`);
  }
  /** The latest state, possibly mid-epoch: weights, momentum and progress in one file. */
  get resumeFile(): string {
    return path.join(this.ckptDir, "resume.safetensors");
  }

  exists(): boolean {
    return existsSync(this.runFile);
  }

  async create(): Promise<void> {
    await mkdir(this.ckptDir, { recursive: true });
    await this.clearTemps();
  }

  /** Removes leftovers of a crash mid-write (they never carry a real name). Call before writing. */
  async clearTemps(): Promise<void> {
    for (const dir of [this.root, this.ckptDir]) {
      if (!existsSync(dir)) continue;
      for (const f of await readdir(dir)) if (f.includes(TEMP_INFIX)) await rm(path.join(dir, f), { force: true });
    }
  }

  readRun(): Promise<RunFile> {
    return readRunFile(this.runFile);
  }

  async writeRun(run: RunFile): Promise<void> {
    await writeFileAtomic(this.runFile, JSON.stringify(run, null, 2) + "\n");
  }

  async readMetrics(): Promise<MetricLine[]> {
    if (!existsSync(this.metricsFile)) return [];
    return parseMetrics(await readFile(this.metricsFile, "utf8"), this.metricsFile);
  }

  async appendMetrics(lines: MetricLine[]): Promise<void> {
    if (lines.length === 0) return;
    await appendFile(this.metricsFile, lines.map((l) => JSON.stringify(l) + "\n").join(""));
  }

  /** Empties the metrics (a fresh start: lines of an earlier start killed before its first checkpoint would be doubled). */
  async clearMetrics(): Promise<void> {
    await writeFileAtomic(this.metricsFile, "");
  }

  /** Keeps only the metric lines of the first `epochs` epochs (resume after a crash). */
  async truncateMetrics(epochs: number): Promise<void> {
    const kept = (await this.readMetrics()).filter((m) => m.epoch <= epochs);
    await writeFileAtomic(this.metricsFile, kept.map((l) => JSON.stringify(l) + "\n").join(""));
  }

  /** Epochs that have a weights file, newest first. */
  async checkpointEpochs(): Promise<number[]> {
    if (!existsSync(this.ckptDir)) return [];
    const epochs = (await readdir(this.ckptDir))
      .map((f) => /^ep-(\d+)\.safetensors$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]));
    return epochs.sort((a, b) => b - a);
  }
}
