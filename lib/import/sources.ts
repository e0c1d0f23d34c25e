/**
 * What a path given to `bnlab import` holds: one checkpoint file (.pth/.pt or .safetensors), an
 * open_lth replicate (or a `train_<hash>` folder of them: one run each), or a folder of
 * checkpoints of one network. Each becomes an ImportSource: its files in epoch order.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { OPEN_LTH_CHECKPOINT, openLthMain, openLthReplicates } from "./open-lth";
import type { SourceFormat } from "../run/imported";

export interface SourceFile {
  file: string;
  /** The name shown and recorded (relative to the source). */
  name: string;
  epoch: number;
  kind: "pytorch" | "safetensors";
}

export interface ImportSource {
  /** Absolute path of what is imported. */
  path: string;
  format: SourceFormat;
  files: SourceFile[];
  /** open_lth: the replicate's hparams.log and logger, when present. */
  hparamsFile: string | null;
  loggerFile: string | null;
  /** A readable default for the run's name. */
  defaultName: string;
}

export class ImportSourceError extends Error {}

const CHECKPOINT_FILE = /\.(pth|pt|bin|ckpt|safetensors)$/i;

const kindOf = (f: string): SourceFile["kind"] => (/\.safetensors$/i.test(f) ? "safetensors" : "pytorch");

/** Natural order: `ep2` before `ep10`. */
const natural = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });

/** Epochs for a folder's files: the numbers in their names when those are distinct, else 1, 2, … in name order. */
export function folderEpochs(names: string[]): number[] {
  for (const pattern of [/ep(?:och)?[_-]?(\d+)/i, /(\d+)(?=\.[^.]+$)/]) {
    const nums = names.map((n) => pattern.exec(n)?.[1]).map((d) => (d === undefined ? NaN : Number(d)));
    if (nums.every(Number.isSafeInteger) && new Set(nums).size === nums.length) return nums;
  }
  return names.map((_, i) => i + 1);
}

export function resolveSources(input: string): ImportSource[] {
  const abs = path.resolve(input);
  if (!existsSync(abs)) throw new ImportSourceError(`${abs}: no such file or folder`);
  const st = statSync(abs);
  if (st.isFile()) {
    const epoch = /ep(?:och)?[_-]?(\d+)/i.exec(path.basename(abs));
    const kind = kindOf(abs);
    return [
      {
        path: abs,
        format: kind,
        files: [{ file: abs, name: path.basename(abs), epoch: epoch ? Number(epoch[1]) : 1, kind }],
        hparamsFile: null,
        loggerFile: null,
        defaultName: path.basename(abs).replace(/\.[^.]+$/, ""),
      },
    ];
  }
  if (!st.isDirectory()) throw new ImportSourceError(`${abs}: not a file or folder`);
  const main = openLthMain(abs);
  if (main) return [openLthSource(main)];
  const replicates = openLthReplicates(abs);
  if (replicates.length > 0) return replicates.map(openLthSource);
  const names = readdirSync(abs)
    .filter((f) => CHECKPOINT_FILE.test(f) && statSync(path.join(abs, f)).isFile())
    .sort(natural);
  if (names.length === 0) {
    throw new ImportSourceError(`${abs}: no checkpoints here (.pth, .pt, .safetensors files, or open_lth's replicate_<n>/main/model_ep<E>_it<I>.pth)`);
  }
  const epochs = folderEpochs(names);
  const files = names.map((name, i) => ({ file: path.join(abs, name), name, epoch: epochs[i], kind: kindOf(name) }));
  return [{ path: abs, format: "folder", files: files.sort((a, b) => a.epoch - b.epoch), hparamsFile: null, loggerFile: null, defaultName: path.basename(abs) }];
}

function openLthSource(main: string): ImportSource {
  const byEpoch = new Map<number, { name: string; it: number }>();
  for (const name of readdirSync(main)) {
    const m = OPEN_LTH_CHECKPOINT.exec(name);
    if (!m) continue;
    const epoch = Number(m[1]);
    const it = Number(m[2]);
    // open_lth saves at epoch boundaries (it 0); a mid-epoch save of the same epoch counts only without one.
    const known = byEpoch.get(epoch);
    if (!known || it < known.it) byEpoch.set(epoch, { name, it });
  }
  const files = [...byEpoch.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([epoch, { name }]) => ({ file: path.join(main, name), name, epoch, kind: "pytorch" as const }));
  const optional = (f: string) => (existsSync(path.join(main, f)) ? path.join(main, f) : null);
  const replicate = path.basename(path.dirname(main));
  const train = path.basename(path.dirname(path.dirname(main)));
  return {
    path: main,
    format: "open_lth",
    files,
    hparamsFile: optional("hparams.log"),
    loggerFile: optional("logger"),
    defaultName: `${train}-${replicate}`,
  };
}
