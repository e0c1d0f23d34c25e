/**
 * `bnlab doctor`: what this machine has for bnlab and whether the main job (`npm start`) can
 * run — backends (chosen, and why the better ones are not), the native engine's ISA, GPU and
 * tfjs-node-gpu, datasets, database and migrations, Debian packages, the runs folder.
 * Reads only: it creates no folder, database or file.
 */
import { availableBackends, BACKEND_NAMES, type BackendAvailability, type BackendName } from "../engine/backend";
import { listDatasets, type DatasetListing } from "../data/registry";
import { dataDir as defaultDataDir, runsDir as defaultRunsDir } from "../paths";
import { aptInstallCommand, DEBIAN_NEEDS, debianPackageStates, type DebianNeed, type PackageState } from "../setup/debian";
import { databaseState, type DatabaseReport } from "./database";
import { cpuIsa, folderState, nvidiaGpus, runsUsage, type FolderReport, type GpuReport, type IsaReport } from "./system";

/** The one command that adds the GPU backend (its install script downloads libtensorflow with CUDA). */
export const TFJS_NODE_GPU_INSTALL = "npm install --no-save @tensorflow/tfjs-node-gpu@4.22.0";

export type Status = "ok" | "warn" | "fail";

export interface Check {
  /** Short name, e.g. "backend". */
  name: string;
  status: Status;
  detail: string;
  /** What to do about it, when there is something to do. */
  fix?: string;
}

export interface DoctorReport {
  /** True when the main job can run: no check failed. */
  ok: boolean;
  checks: Check[];
  backends: { chosen: BackendName | null; forcedBy?: string; all: BackendAvailability[] };
  isa: IsaReport;
  gpu: GpuReport & { tfjsNodeGpu: string; install: string };
  datasets: DatasetListing[];
  database: DatabaseReport;
  debian: { states: PackageState[] | null; missing: Partial<Record<DebianNeed, string[]>> };
  dataDir: FolderReport;
  runsDir: FolderReport & { bytes: number; runs: number };
}

export interface DoctorOptions {
  env?: Record<string, string | undefined>;
  dataDir?: string;
  runsDir?: string;
  /** The datasets the main job can train its demo on, preferred first (any one will do). */
  demoDatasets?: string[];
}

function megabytes(bytes: number): string {
  return bytes < 1e6 ? `${(bytes / 1e3).toFixed(0)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

function chooseBackend(all: BackendAvailability[], env: Record<string, string | undefined>): { chosen: BackendName | null; forcedBy?: string } {
  const forced = env.BNLAB_BACKEND?.trim();
  if (forced) {
    const b = all.find((x) => x.name === forced);
    return { chosen: b?.available ? b.name : null, forcedBy: `BNLAB_BACKEND=${forced}` };
  }
  return { chosen: all.find((b) => b.available)?.name ?? null };
}

export async function runDoctor(opts: DoctorOptions = {}): Promise<DoctorReport> {
  const env = opts.env ?? process.env;
  const checks: Check[] = [];

  // Backends: the same probes bnlab uses to choose.
  const all = await availableBackends();
  const { chosen, forcedBy } = chooseBackend(all, env);
  if (chosen) {
    const better = all.slice(0, BACKEND_NAMES.indexOf(chosen)).map((b) => `${b.name}: ${b.detail}`);
    const slow = chosen === "wasm" || chosen === "cpu";
    checks.push({
      name: "backend",
      status: slow ? "warn" : "ok",
      detail: `${chosen} (${all.find((b) => b.name === chosen)!.detail})${forcedBy ? `, forced by ${forcedBy}` : ""}${better.length && !forcedBy ? `; not chosen — ${better.join("; ")}` : ""}`,
      fix: slow ? `the native engine is 6–9× faster: ${aptInstallCommand([...DEBIAN_NEEDS.native.packages], true)}, then \`node native/build.mjs\`` : undefined,
    });
  } else {
    const why = forcedBy ? `${forcedBy} is not available (${all.find((b) => b.name === forcedBy.split("=")[1])?.detail ?? "unknown backend"})` : "no tfjs backend can start";
    checks.push({ name: "backend", status: "fail", detail: why, fix: forcedBy ? `unset BNLAB_BACKEND or choose one of: ${all.filter((b) => b.available).map((b) => b.name).join(", ")}` : undefined });
  }

  const isa = cpuIsa();
  checks.push({ name: "native ISA", status: "ok", detail: `${isa.isa} (from ${isa.source}; ${isa.detail})` });

  const gpuFacts = nvidiaGpus(env);
  const nodeGpu = all.find((b) => b.name === "node-gpu")!;
  const gpu = { ...gpuFacts, tfjsNodeGpu: nodeGpu.detail, install: TFJS_NODE_GPU_INSTALL };
  checks.push({
    name: "GPU",
    status: gpuFacts.gpus.length > 0 && !nodeGpu.available ? "warn" : "ok",
    detail: `${gpuFacts.detail}; ${nodeGpu.available ? `@tensorflow/tfjs-node-gpu in use (${nodeGpu.detail})` : nodeGpu.detail}`,
    fix: nodeGpu.available ? undefined : `to train on an NVIDIA GPU (CUDA 11.x, cuDNN 8): \`${TFJS_NODE_GPU_INSTALL}\` (not an optional dependency: npm fetches its ~170 packages before libtensorflow's download fails, about a minute added to every install where it cannot work; a later \`npm install\` removes it)`,
  });

  const dataDir = folderState(opts.dataDir ?? defaultDataDir(env.BNLAB_DATA_DIR));
  checks.push({ name: "data folder", status: dataDir.writable ? "ok" : "fail", detail: `${dataDir.path}${dataDir.writable ? (dataDir.exists ? "" : " (created on first use)") : `: ${dataDir.problem}`}`, fix: dataDir.writable ? undefined : "point BNLAB_DATA_DIR at a writable folder" });

  const datasets = listDatasets({ dataDir: dataDir.path });
  const demo = opts.demoDatasets ?? ["fashion-mnist", "mnist"];
  const demoReady = demo.filter((d) => datasets.find((x) => x.name === d)?.available);
  for (const d of datasets) {
    const isDemo = demo.includes(d.name);
    checks.push({
      name: `dataset ${d.name}`,
      status: d.available ? "ok" : isDemo && demoReady.length === 0 ? "fail" : "warn",
      detail: d.available ? (d.location ?? d.hint) : "missing",
      fix: d.available ? undefined : d.hint,
    });
  }
  if (demoReady.length > 0 && demoReady[0] !== demo[0]) {
    checks.push({ name: "demo data", status: "warn", detail: `${demo[0]} is missing: the demo trains on ${demoReady[0]} instead` });
  }

  const database = await databaseState({ ...env, BNLAB_DATA_DIR: dataDir.path });
  checks.push({ name: "database", status: database.problem ? "fail" : "ok", detail: `${database.url} — ${database.detail}`, fix: database.problem ? "fix DATABASE_URL (postgresql://… or file:…), or unset it for the embedded SQLite" : undefined });

  const states = debianPackageStates([...new Set(Object.values(DEBIAN_NEEDS).flatMap((n) => n.packages))], env);
  const missing: Partial<Record<DebianNeed, string[]>> = {};
  if (states === null) {
    checks.push({ name: "Debian packages", status: "warn", detail: "not a Debian system (no dpkg-query): nothing checked" });
  } else {
    for (const need of Object.keys(DEBIAN_NEEDS) as DebianNeed[]) {
      const m = DEBIAN_NEEDS[need].packages.filter((p) => !states.find((s) => s.name === p)?.installed);
      if (m.length) missing[need] = m;
      checks.push({
        name: `Debian: ${need}`,
        status: m.length ? "warn" : "ok",
        detail: m.length ? `${DEBIAN_NEEDS[need].purpose}: missing ${m.join(" ")}` : DEBIAN_NEEDS[need].packages.map((p) => `${p} ${states.find((s) => s.name === p)?.version ?? ""}`.trim()).join(", "),
        fix: m.length ? aptInstallCommand(m, process.getuid?.() === 0) : undefined,
      });
    }
  }

  const runsFolder = folderState(opts.runsDir ?? defaultRunsDir(env.BNLAB_RUNS_DIR, dataDir.path));
  const usage = runsUsage(runsFolder.path);
  checks.push({
    name: "runs folder",
    status: runsFolder.writable ? "ok" : "fail",
    detail: runsFolder.writable ? `${runsFolder.path}: ${runsFolder.exists ? `${usage.runs} runs, ${megabytes(usage.bytes)}` : "not created yet"}` : `${runsFolder.path}: ${runsFolder.problem}`,
    fix: runsFolder.writable ? undefined : "point BNLAB_RUNS_DIR (or --runs-dir) at a writable folder",
  });

  return {
    ok: checks.every((c) => c.status !== "fail"),
    checks,
    backends: { chosen, forcedBy, all },
    isa,
    gpu,
    datasets,
    database,
    debian: { states, missing },
    dataDir,
    runsDir: { ...runsFolder, ...usage },
  };
}

/** The report as a person reads it: one line per check, a fix under each that has one. */
export function formatDoctor(report: DoctorReport): string {
  const mark: Record<Status, string> = { ok: "ok  ", warn: "warn", fail: "FAIL" };
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const lines = report.checks.flatMap((c) => [`${mark[c.status]}  ${c.name.padEnd(width)}  ${c.detail}`, ...(c.fix ? [`      ${" ".repeat(width)}  → ${c.fix}`] : [])]);
  lines.push("", report.ok ? "The main job can run: npm start" : "The main job cannot run: fix the FAIL lines above.");
  return lines.join("\n");
}
