/**
 * Picks and starts the best tfjs backend this machine has, and says which.
 *
 * Order: node-gpu (tfjs-node-gpu, when TensorFlow sees a GPU) → node (tfjs-node) → native
 * (bnlab's oneDNN addon, `./native`) → wasm (XNNPACK, SIMD) → cpu (pure JS).
 * tfjs-node(-gpu) are optional and not dependencies: they are loaded with a dynamic import
 * and a failure means "unavailable". `BNLAB_BACKEND` (or `prefer`) forces one backend; if it
 * is unavailable that is an error, never a silent fallback.
 */
import { env, findBackend, findBackendFactory, getBackend, setBackend, version_core } from "@tensorflow/tfjs-core";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { registerBnlabKernels } from "./register";

export type BackendName = "node-gpu" | "node" | "native" | "wasm" | "cpu";

/** Best first. */
export const BACKEND_NAMES: readonly BackendName[] = ["node-gpu", "node", "native", "wasm", "cpu"];

export interface BackendReport {
  name: BackendName;
  /** What it is running on, e.g. "simd, 1 thread". */
  detail: string;
  /** Better backends that were passed over, and why. Empty when the backend was forced. */
  skipped: { name: BackendName; why: string }[];
}

export interface InitBackendOptions {
  /** Force this backend (overrides BNLAB_BACKEND). */
  prefer?: BackendName;
  /** Where the one-time report goes; default stderr. */
  log?: (line: string) => void;
}

export interface BackendAvailability {
  name: BackendName;
  available: boolean;
  /** When available: what it runs on. Otherwise: why not. */
  detail: string;
}

type Probe = { ok: true; detail: string } | { ok: false; why: string };

/** The shape bnlab's native module (`lib/engine/native`) exports. */
interface NativeModule {
  registerNativeBackend(): Promise<{ ok: true; detail: string } | { ok: false; why: string }>;
}

/** tfjs's registry name of each backend. */
const TF_NAME: Record<BackendName, string> = {
  "node-gpu": "tensorflow",
  node: "tensorflow",
  native: "native",
  wasm: "wasm",
  cpu: "cpu",
};

function isBackendName(s: string): s is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(s);
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  // Node's "Cannot find package 'x' imported from /path/of/the/importer": the path says nothing.
  const line = msg.split("\n")[0].replace(/ imported from \S+$/, "").trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

function isNotFound(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return (
    code === "ERR_MODULE_NOT_FOUND" ||
    code === "MODULE_NOT_FOUND" ||
    /Cannot find (module|package)|Failed to load url|Does the file exist/i.test(firstLine(e))
  );
}

type Imported = { ok: true; mod: unknown } | { ok: false; notFound: boolean; error: string };

/**
 * Imports an optional module. The specifier is a variable so that neither TypeScript nor the
 * bundler insists that it exists.
 */
async function importOptional(specifier: string): Promise<Imported> {
  try {
    return { ok: true, mod: await import(/* @vite-ignore */ specifier) };
  } catch (e) {
    return { ok: false, notFound: isNotFound(e), error: firstLine(e) };
  }
}

/** Loads tfjs-node or tfjs-node-gpu; both register the backend "tensorflow". */
async function loadTfjsNode(pkg: string): Promise<Probe> {
  const loaded = await importOptional(pkg);
  if (!loaded.ok) {
    return { ok: false, why: loaded.notFound ? `${pkg} is not installed` : `${pkg} failed to load: ${loaded.error}` };
  }
  if (findBackendFactory("tensorflow") == null) {
    return { ok: false, why: `${pkg} loaded but registered its backend with another copy of @tensorflow/tfjs-core (bnlab has ${version_core}; versions must match)` };
  }
  const version = (loaded.mod as { version?: { "tfjs-node"?: string } }).version?.["tfjs-node"];
  return { ok: true, detail: version ? `${pkg} ${version}` : pkg };
}

function usesGpu(): boolean {
  const b = findBackend("tensorflow") as { binding?: { isUsingGpuDevice?: () => boolean } } | null;
  return b?.binding?.isUsingGpuDevice?.() === true;
}

const probes: Record<BackendName, () => Promise<Probe>> = {
  async "node-gpu"() {
    const p = await loadTfjsNode("@tensorflow/tfjs-node-gpu");
    if (!p.ok) return p;
    if (!usesGpu()) return { ok: false, why: "@tensorflow/tfjs-node-gpu loaded but TensorFlow sees no GPU" };
    return { ok: true, detail: `TensorFlow C++ on GPU, ${p.detail}` };
  },
  async node() {
    const p = await loadTfjsNode("@tensorflow/tfjs-node");
    if (p.ok) return { ok: true, detail: `TensorFlow C++ on CPU, ${p.detail}` };
    // tfjs-node-gpu without a GPU still runs TensorFlow on the CPU, as tfjs-node would.
    if (findBackendFactory("tensorflow") != null) return { ok: true, detail: "TensorFlow C++ on CPU, via @tensorflow/tfjs-node-gpu" };
    return p;
  },
  async native() {
    // A literal specifier, so bundlers (the dashboard's server) include the module.
    const loaded = await import("./native").then((mod) => ({ ok: true as const, mod }), (e: unknown) => ({ ok: false as const, notFound: isNotFound(e), error: firstLine(e) }));
    if (!loaded.ok) {
      return { ok: false, why: loaded.notFound ? `lib/engine/native is not there (${loaded.error})` : `lib/engine/native failed to load: ${loaded.error}` };
    }
    const mod = loaded.mod as Partial<NativeModule>;
    if (typeof mod.registerNativeBackend !== "function") return { ok: false, why: "lib/engine/native does not export registerNativeBackend()" };
    try {
      const r = await mod.registerNativeBackend();
      return r.ok ? { ok: true, detail: r.detail } : { ok: false, why: r.why };
    } catch (e) {
      return { ok: false, why: `registerNativeBackend() threw: ${firstLine(e)}` };
    }
  },
  async wasm() {
    if (typeof WebAssembly !== "object") return { ok: false, why: "this runtime has no WebAssembly" };
    if (findBackendFactory("wasm") == null) return { ok: false, why: "@tensorflow/tfjs-backend-wasm is not registered" };
    const simd = (await env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
    return { ok: true, detail: simd ? "simd" : "no simd" };
  },
  async cpu() {
    return { ok: true, detail: "pure JS, slow" };
  },
};

/** Loads a backend and makes it tfjs's current one. */
async function start(name: BackendName): Promise<Probe> {
  const p = await probes[name]();
  if (!p.ok) return p;
  if (name === "cpu") {
    // We say "pure JS, slow" ourselves; the cpu backend's first-use banner would repeat it.
    const cpu = findBackend("cpu") as { firstUse?: boolean } | null;
    if (cpu && "firstUse" in cpu) cpu.firstUse = false;
  }
  let ok: boolean;
  try {
    ok = await setBackend(TF_NAME[name]);
  } catch (e) {
    return { ok: false, why: `initialisation failed: ${firstLine(e)}` };
  }
  if (!ok || getBackend() !== TF_NAME[name]) return { ok: false, why: "initialisation failed (see the tfjs warning above)" };
  if (name === "wasm") {
    const threads = getThreadsCount();
    return { ok: true, detail: `${p.detail}, ${threads} thread${threads === 1 ? "" : "s"}` };
  }
  return p;
}

/**
 * Which backends this process could use, without switching to any of them. Loads the optional
 * modules (tfjs-node registers its backend on import), so it costs what a first `initBackend` does.
 */
export async function availableBackends(): Promise<BackendAvailability[]> {
  const out: BackendAvailability[] = [];
  for (const name of BACKEND_NAMES) {
    const p = await probes[name]();
    out.push({ name, available: p.ok, detail: p.ok ? p.detail : p.why });
  }
  return out;
}

let chosen: Promise<BackendReport> | null = null;

function requested(opts: InitBackendOptions): { name: BackendName; source: string } | null {
  if (opts.prefer != null) {
    if (!isBackendName(opts.prefer)) throw new Error(`initBackend: unknown backend "${String(opts.prefer)}"; one of ${BACKEND_NAMES.join(", ")}`);
    return { name: opts.prefer, source: `prefer=${opts.prefer}` };
  }
  const envValue = process.env.BNLAB_BACKEND?.trim();
  if (!envValue) return null;
  if (!isBackendName(envValue)) throw new Error(`BNLAB_BACKEND=${envValue}: unknown backend; one of ${BACKEND_NAMES.join(", ")}`);
  return { name: envValue, source: `BNLAB_BACKEND=${envValue}` };
}

async function choose(opts: InitBackendOptions): Promise<BackendReport> {
  registerBnlabKernels();
  const log = opts.log ?? ((line: string) => console.error(line));
  const forced = requested(opts);
  let report: BackendReport | null = null;
  if (forced) {
    const p = await start(forced.name);
    if (!p.ok) {
      const others = (await availableBackends()).filter((b) => b.available && b.name !== forced.name).map((b) => b.name);
      throw new Error(`${forced.source}: ${p.why}; available: ${others.join(", ") || "none"}`);
    }
    report = { name: forced.name, detail: p.detail, skipped: [] };
  } else {
    const skipped: BackendReport["skipped"] = [];
    for (const name of BACKEND_NAMES) {
      const p = await start(name);
      if (p.ok) {
        report = { name, detail: p.detail, skipped };
        break;
      }
      skipped.push({ name, why: p.why });
    }
    if (!report) throw new Error(`no tfjs backend could start: ${skipped.map((s) => `${s.name}: ${s.why}`).join("; ")}`);
  }
  log(`backend: ${report.name} (${report.detail})`);
  for (const s of report.skipped) log(`${s.name} unavailable: ${s.why}`);
  return report;
}

/**
 * Starts the best available backend (or the forced one) and registers bnlab's kernels.
 * Idempotent: later calls return the first call's report and log nothing; asking a later call
 * for a different backend is an error. A failed call can be retried.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendReport> {
  if (chosen == null) {
    const attempt = choose(opts);
    chosen = attempt;
    attempt.catch(() => {
      if (chosen === attempt) chosen = null;
    });
    return attempt;
  }
  const report = await chosen;
  if (opts.prefer != null && opts.prefer !== report.name) {
    throw new Error(`initBackend: the backend is already ${report.name}; cannot switch to ${opts.prefer} in this process`);
  }
  return report;
}

/** Forgets the choice so the next `initBackend` chooses again (for tests; tfjs's backend stays as it is). */
export function resetBackendChoice(): void {
  chosen = null;
}
