/**
 * `bnlab import`: a network trained elsewhere becomes a bnlab run directory under the runs root
 * — run.json saying where it came from, ckpt/ep-<E>.safetensors converted from its checkpoints,
 * metrics.jsonl from open_lth's logger — so ingest, the γ views and exports treat it like any run.
 *
 * The run id is the run's name and a hash of the source's path: importing the same path again
 * finds the same run, and its content hash decides whether anything changes (same bytes, same
 * options: nothing; a changed file, or an architecture bnlab has come to run since: the run is
 * rewritten). Everything is written into a hidden folder first and moved into place at the end,
 * so a refused file leaves the runs root as it was.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fractionBelow, collectDiscoveredGammas } from "../analysis/gamma";
import { writeFileAtomic } from "../checkpoint/atomic";
import { readTextFile } from "../checkpoint/read-file";
import { saveStateDict } from "../checkpoint/state-dict-io";
import { getDataset, listDatasets } from "../data/registry";
import { discoverBnLayers } from "../models/bn-layers";
import { architectureName, forwardSpec, parseArchitecture, recogniseArchitecture, type Architecture } from "../models/recognise";
import { checkStateDict, type StateDict } from "../models/state-dict";
import { datasetFromHparams, hparam, loggerMetrics, parseHparams } from "./open-lth";
import { readForeignCheckpoint } from "./read-checkpoint";
import { ImportedRunFile, parseImportedRunFile } from "../run/imported";
import { resolveSources, type ImportSource } from "./sources";

export interface ImportOptions {
  runsDir: string;
  /** The run's name (default: the file or folder name); only with a single source. */
  name?: string;
  dataset?: string;
  /** Per-channel normalisation for evaluation; default the dataset's training statistics. */
  mean?: number[];
  std?: number[];
  /** Architecture name overriding recognition (see parseArchitecture). */
  arch?: string;
  /** Where local datasets are looked for. */
  dataDir?: string;
  codeVersion: string;
  /** Measure test accuracy when possible (default true). */
  evaluate?: boolean;
  onProgress?: (message: string) => void;
}

export interface ImportResult {
  id: string;
  dir: string;
  change: "added" | "updated" | "unchanged";
  run: ImportedRunFile;
  bnLayers: number;
  /** Channels with |γ| < 0.01 in the last checkpoint. */
  below001: number;
}

export class ImportError extends Error {}

/** Imports every source a path holds (an open_lth train_<hash> folder holds one per replicate). */
export async function importPath(input: string, opts: ImportOptions): Promise<ImportResult[]> {
  const sources = resolveSources(input);
  if (opts.name !== undefined && sources.length > 1) throw new ImportError(`${input} holds ${sources.length} runs; --name names only one`);
  const out: ImportResult[] = [];
  for (const s of sources) out.push(await importSource(s, opts));
  return out;
}

async function sha256File(file: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest("hex");
}

function slug(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._+-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "").replace(/\.\.+/g, ".").slice(0, 80);
  return s || "network";
}

export function importRunId(source: ImportSource, name: string): string {
  return `import-${slug(name)}-${createHash("sha256").update(source.path).digest("hex").slice(0, 10)}`;
}

async function importSource(source: ImportSource, opts: ImportOptions): Promise<ImportResult> {
  const say = opts.onProgress ?? (() => {});
  const name = opts.name ?? source.defaultName;
  const id = importRunId(source, name);
  const dir = path.join(opts.runsDir, id);

  // The content hash: every file imported, by name and bytes.
  const files = [];
  for (const f of source.files) files.push({ name: f.name, epoch: f.epoch, sha256: await sha256File(f.file) });
  const extraFiles = [source.hparamsFile, source.loggerFile].filter((f): f is string => f !== null);
  const content = createHash("sha256");
  for (const f of files) content.update(`${f.name}\0${f.sha256}\n`);
  for (const f of extraFiles) content.update(`${path.basename(f)}\0${await sha256File(f)}\n`);
  const sha256 = content.digest("hex");

  const hparams = source.hparamsFile ? parseHparams(await readTextFile(source.hparamsFile)) : null;
  const datasetName = opts.dataset ?? datasetFromHparams(hparams) ?? null;
  const dataset = datasetName === null ? null : getDataset(datasetName);
  const mean = opts.mean ?? dataset?.mean;
  const std = opts.std ?? dataset?.std;
  if ((opts.mean === undefined) !== (opts.std === undefined)) throw new ImportError("give --mean and --std together");
  if (opts.mean && !dataset) throw new ImportError("--mean and --std need --dataset (they normalise that dataset's images)");
  if (dataset && mean && std && (mean.length !== dataset.channels || std.length !== dataset.channels)) {
    throw new ImportError(`--mean and --std need ${dataset.channels} value${dataset.channels === 1 ? "" : "s"} each for ${dataset.name} (one per channel)`);
  }
  const preprocessing = dataset && mean && std ? { mean: [...mean], std: [...std] } : null;

  // Unchanged: same bytes and same options as the run already imported from this path.
  const existing = await readExisting(path.join(dir, "run.json"));
  if (
    existing &&
    existing.source.sha256 === sha256 &&
    existing.name === name &&
    existing.dataset === datasetName &&
    JSON.stringify(existing.preprocessing) === JSON.stringify(preprocessing) &&
    (opts.arch === undefined ? !existing.architectureGiven : existing.architectureGiven && architectureName(existing.architecture) === opts.arch) &&
    !runsNow(existing)
  ) {
    return { id, dir, change: "unchanged", run: existing, ...(await summaryOfLast(dir, existing)) };
  }

  await mkdir(opts.runsDir, { recursive: true });
  const tmp = path.join(opts.runsDir, `.import-${id}.tmp-${randomBytes(4).toString("hex")}`);
  await mkdir(path.join(tmp, "ckpt"), { recursive: true });
  try {
    let arch: Architecture | null = null;
    let last: StateDict | null = null;
    let total = 0;
    for (const f of source.files) {
      say(`reading ${f.name} (epoch ${f.epoch})`);
      const sd = await readForeignCheckpoint(f);
      if (discoverBnLayers(sd).length === 0) throw new ImportError(`${f.file}: no BN layers (no weight, bias, running_mean and running_var of one length under a prefix); bnlab shows BN networks`);
      const a = opts.arch !== undefined ? parseArchitecture(opts.arch, sd) : recogniseArchitecture(sd);
      if (arch && architectureName(a) !== architectureName(arch)) {
        throw new ImportError(`${f.file} is ${architectureName(a)} but the earlier checkpoints are ${architectureName(arch)}: not one network`);
      }
      arch = a;
      total = [...sd.values()].reduce((s, t) => s + (t.dtype === "float32" ? t.data.length : 0), 0);
      await saveStateDict(path.join(tmp, "ckpt", `ep-${f.epoch}.safetensors`), sd, { run: id, epoch: String(f.epoch), source: f.name });
      last = sd;
    }
    if (!arch || !last) throw new ImportError(`${source.path}: no checkpoints`);
    const lastEpoch = source.files[source.files.length - 1].epoch;

    if (source.loggerFile) {
      const ipe = iterationsPerEpoch(hparams, datasetName);
      const metrics = loggerMetrics(await readTextFile(source.loggerFile), ipe);
      await writeFile(path.join(tmp, "metrics.jsonl"), metrics.map((m) => JSON.stringify(m) + "\n").join(""));
    }

    const forwardUnavailable = forwardProblem(arch, datasetName, opts.dataDir, last);
    let test: ImportedRunFile["test"] = null;
    if (!forwardUnavailable && preprocessing && datasetName && opts.evaluate !== false) {
      say(`evaluating epoch ${lastEpoch} on ${datasetName}'s test split`);
      const { testAccuracy } = await import("./evaluate");
      const r = await testAccuracy(last, arch, { dataset: datasetName, mean: preprocessing.mean, std: preprocessing.std, dataDir: opts.dataDir });
      test = { epoch: lastEpoch, ...r };
    }

    const now = new Date().toISOString();
    const gammas = collectDiscoveredGammas(last);
    const run: ImportedRunFile = ImportedRunFile.parse({
      formatVersion: 1,
      kind: "imported",
      id,
      name,
      source: { path: source.path, format: source.format, sha256, files },
      architecture: arch,
      architectureGiven: opts.arch !== undefined,
      dataset: datasetName,
      preprocessing,
      hparams,
      status: "complete",
      epochsDone: lastEpoch,
      parameters: { total, bnChannels: gammas.gamma.length },
      test,
      forwardUnavailable,
      codeVersion: opts.codeVersion,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    });
    await writeFileAtomic(path.join(tmp, "run.json"), JSON.stringify(run, null, 2) + "\n");
    await moveIntoPlace(tmp, dir);
    return { id, dir, change: existing ? "updated" : "added", run, bnLayers: gammas.layers.length, below001: fractionBelow(gammas, 0.01).count };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** An earlier import found bnlab did not run its architecture, and bnlab runs it now: import it again to evaluate it. */
function runsNow(existing: ImportedRunFile): boolean {
  return existing.forwardUnavailable?.startsWith("bnlab does not run ") === true && forwardSpec(existing.architecture) !== null;
}

/** The run.json already imported under this id, or null (none, or not an imported run's). */
async function readExisting(file: string): Promise<ImportedRunFile | null> {
  if (!existsSync(file)) return null;
  try {
    return parseImportedRunFile(await readFile(file, "utf8"), file);
  } catch {
    return null;
  }
}

async function summaryOfLast(dir: string, run: ImportedRunFile): Promise<{ bnLayers: number; below001: number }> {
  try {
    const { loadStateDict } = await import("../checkpoint/state-dict-io");
    const { stateDict } = await loadStateDict(path.join(dir, "ckpt", `ep-${run.epochsDone}.safetensors`));
    const gammas = collectDiscoveredGammas(stateDict);
    return { bnLayers: gammas.layers.length, below001: fractionBelow(gammas, 0.01).count };
  } catch {
    return { bnLayers: 0, below001: 0 };
  }
}

/** Replaces `dir` with `tmp`: the old run moves aside first, so the runs root never shows half a run. */
async function moveIntoPlace(tmp: string, dir: string): Promise<void> {
  let aside: string | null = null;
  if (existsSync(dir)) {
    aside = `${path.join(path.dirname(dir), `.${path.basename(dir)}`)}.old-${randomBytes(4).toString("hex")}`;
    await rename(dir, aside);
  }
  try {
    await rename(tmp, dir);
  } catch (e) {
    if (aside) await rename(aside, dir);
    throw e;
  }
  if (aside) await rm(aside, { recursive: true, force: true });
}

/** Why bnlab cannot run this network on this machine, or null when it can. `sd`: its weights, which must be the architecture's exactly. */
export function forwardProblem(arch: Architecture, dataset: string | null, dataDir?: string, sd?: StateDict): string | null {
  if (arch.family === "unknown") return "unknown architecture";
  const spec = forwardSpec(arch);
  if (!spec) return `bnlab does not run ${architectureName(arch)} yet`;
  if (sd) {
    try {
      checkStateDict(spec, sd);
    } catch (e) {
      // Recognised by its names, but some layer was changed: running it as the standard network would be wrong.
      return `its tensors differ from ${architectureName(arch)}'s (${(e as Error).message.slice(0, 200)})`;
    }
  }
  if (dataset === null) return "no dataset named (import it again naming the dataset it was trained on)";
  const info = getDataset(dataset);
  if (spec.inChannels !== info.channels || spec.classes !== info.classes) {
    return `the network takes ${spec.inChannels} channels and has ${spec.classes} classes; ${dataset} has ${info.channels} and ${info.classes}`;
  }
  const listing = listDatasets({ dataDir }).find((d) => d.name === dataset);
  if (!listing?.available) return `no local ${dataset} dataset (${listing?.hint ?? "not found"})`;
  return null;
}

/** open_lth: steps per epoch from the batch size and the (subsampled) training set. */
function iterationsPerEpoch(hparams: Record<string, Record<string, string>> | null, dataset: string | null): number | null {
  const batch = Number(hparam(hparams, "batch_size"));
  const name = dataset ?? datasetFromHparams(hparams);
  if (!name || !Number.isInteger(batch) || batch <= 0) return null;
  const fraction = Number(hparam(hparams, "subsample_fraction") ?? "1");
  const examples = Math.floor(getDataset(name).trainCount * (Number.isFinite(fraction) && fraction > 0 && fraction <= 1 ? fraction : 1));
  return Math.ceil(examples / batch);
}
