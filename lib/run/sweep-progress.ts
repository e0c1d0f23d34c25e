/**
 * The progress of a sweep that is training, as a small JSON file in the data folder
 * (`sweep-progress.json`): the trainer rewrites it at each step (at most once a second) and the
 * dashboard reads it for its progress panel. Written to a temporary name and renamed, so a reader
 * never sees half a file.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

export const SWEEP_PROGRESS_FILE = "sweep-progress.json";

export const SweepProgress = z.object({
  sweep: z.string(),
  state: z.enum(["running", "complete", "interrupted", "failed"]),
  /** The trainer's process, to tell a live sweep from one whose process died. */
  pid: z.number().int(),
  total: z.number().int().nonnegative(),
  /** Runs complete, including those complete before this start. */
  done: z.number().int().nonnegative(),
  current: z
    .object({
      id: z.string(),
      /** 1-based index among the runs this start trains. */
      index: z.number().int(),
      of: z.number().int(),
      epoch: z.number().int(),
      epochs: z.number().int(),
      step: z.number().int(),
      steps: z.number().int(),
    })
    .nullable(),
  startedAt: z.string(),
  updatedAt: z.string(),
  /** Seconds of training left, estimated from the work done so far; null until there is some. */
  etaSeconds: z.number().nullable(),
  error: z.string().optional(),
});
export type SweepProgress = z.infer<typeof SweepProgress>;

export function sweepProgressPath(dataDir: string): string {
  return path.join(dataDir, SWEEP_PROGRESS_FILE);
}

export function writeSweepProgress(dataDir: string, p: SweepProgress): void {
  const file = sweepProgressPath(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(p));
  renameSync(tmp, file);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The progress file, or null when there is none (or it is unreadable). A sweep recorded as
 * running whose process is gone is reported as interrupted.
 */
export function readSweepProgress(dataDir: string): SweepProgress | null {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(sweepProgressPath(dataDir), "utf8"));
  } catch {
    return null;
  }
  const parsed = SweepProgress.safeParse(raw);
  if (!parsed.success) return null;
  const p = parsed.data;
  return p.state === "running" && !alive(p.pid) ? { ...p, state: "interrupted", current: null, etaSeconds: null } : p;
}
