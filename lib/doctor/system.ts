/** Facts about this machine the doctor reports: CPU ISA, GPU, and folders (writable, size). */
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { loadAddon } from "../engine/native/addon";

export interface IsaReport {
  /** e.g. avx512_core_bf16 (oneDNN's names) or avx512f (a /proc/cpuinfo flag). */
  isa: string;
  /** Where the answer came from. */
  source: "oneDNN (native addon)" | "/proc/cpuinfo" | "unknown";
  detail: string;
}

/** /proc/cpuinfo flags, best first, with the oneDNN ISA each roughly corresponds to. */
const CPU_FLAGS: [flag: string, isa: string][] = [
  ["amx_tile", "avx512_core_amx"],
  ["avx512_bf16", "avx512_core_bf16"],
  ["avx512_vnni", "avx512_core_vnni"],
  ["avx512f", "avx512_core"],
  ["avx2", "avx2"],
  ["avx", "avx"],
  ["sse4_1", "sse41"],
];

/**
 * The ISA the native engine's kernels run: oneDNN's own answer (dnnl::get_effective_cpu_isa,
 * through the addon's info()) when the addon loads, else the best /proc/cpuinfo flag.
 */
export function cpuIsa(): IsaReport {
  const loaded = loadAddon();
  if ("addon" in loaded) {
    const info = loaded.addon.info();
    return { isa: info.cpuIsa, source: "oneDNN (native addon)", detail: `oneDNN ${info.dnnl}, ${info.threads} OpenMP threads` };
  }
  try {
    const flags = new Set((readFileSync("/proc/cpuinfo", "utf8").match(/^flags\s*:(.*)$/m)?.[1] ?? "").trim().split(/\s+/));
    const best = CPU_FLAGS.find(([f]) => flags.has(f));
    if (best) return { isa: best[1], source: "/proc/cpuinfo", detail: `flag ${best[0]}; the native addon is not loaded (${loaded.why})` };
  } catch {
    // not Linux
  }
  return { isa: "unknown", source: "unknown", detail: `native addon not loaded (${loaded.why}) and no /proc/cpuinfo` };
}

export interface GpuReport {
  /** GPUs nvidia-smi lists (empty when none or no driver). */
  gpus: string[];
  detail: string;
}

export function nvidiaGpus(env: Record<string, string | undefined> = process.env): GpuReport {
  const r = spawnSync("nvidia-smi", ["-L"], { encoding: "utf8", timeout: 10_000, env: env as NodeJS.ProcessEnv });
  if (r.error) return { gpus: [], detail: existsSync("/dev/nvidia0") ? "/dev/nvidia0 exists but nvidia-smi is not installed" : "no NVIDIA driver (nvidia-smi not found)" };
  const gpus = (r.stdout ?? "").split("\n").map((l) => l.trim()).filter((l) => l.startsWith("GPU "));
  return { gpus, detail: gpus.length ? `${gpus.length} GPU${gpus.length > 1 ? "s" : ""}` : `nvidia-smi lists no GPU (${(r.stderr ?? "").trim().split("\n")[0] || `exit ${r.status}`})` };
}

export interface FolderReport {
  path: string;
  exists: boolean;
  /** Whether bnlab can write there (or create it). */
  writable: boolean;
  /** Why not, when not writable. */
  problem?: string;
}

/** Whether `dir` is a writable folder, or could be created as one, without creating anything. */
export function folderState(dir: string): FolderReport {
  let probe = dir;
  while (!existsSync(probe)) {
    const parent = path.dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  const exists = probe === dir;
  if (!statSync(probe).isDirectory()) {
    return { path: dir, exists: false, writable: false, problem: `${probe} is a file, not a folder` };
  }
  try {
    accessSync(probe, constants.W_OK);
  } catch {
    return { path: dir, exists, writable: false, problem: `${probe} is not writable` };
  }
  return { path: dir, exists, writable: true };
}

/** Bytes of every file under `dir` and how many run folders (with a run.json) it has. */
export function runsUsage(dir: string): { bytes: number; runs: number } {
  let bytes = 0;
  let runs = 0;
  const walk = (p: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(p, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(p, e.name);
      if (e.isDirectory()) walk(full, depth + 1);
      else if (e.isFile()) {
        bytes += statSync(full).size;
        if (depth === 1 && e.name === "run.json") runs++;
      }
    }
  };
  if (existsSync(dir) && statSync(dir).isDirectory()) walk(dir, 0);
  return { bytes, runs };
}
