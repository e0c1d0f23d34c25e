/**
 * The Debian packages bnlab needs, checked with dpkg-query and installed with apt-get when that
 * is allowed (root, apt-get present, BNLAB_NO_APT unset) — the way Playwright's `install-deps`
 * does — so that `npm install && npm start` and `npm test` do the whole set-up on a fresh Debian
 * machine. Otherwise it says the exact command to run, and the caller decides whether to go on
 * (the engine falls back to wasm) or stop (the tests).
 *
 * Every tool is found through the PATH of the environment passed in, so tests can put shims
 * for `dpkg-query`, `apt-get` and `id` in front of the real ones.
 */
import { spawnSync } from "node:child_process";

export type Env = Record<string, string | undefined>;

/** What each part of bnlab needs from Debian. */
export const DEBIAN_NEEDS = {
  native: {
    packages: ["g++", "make", "python3", "libdnnl-dev"],
    purpose: "the native oneDNN engine",
  },
  demo: {
    packages: ["dataset-fashion-mnist"],
    purpose: "the demo's dataset (Fashion-MNIST)",
  },
  tests: {
    packages: ["chromium", "postgresql", "python3-torch", "python3-torchvision", "dataset-fashion-mnist"],
    purpose: "the tests (browser, PostgreSQL, PyTorch cross-checks, real data)",
  },
} as const satisfies Record<string, { packages: readonly string[]; purpose: string }>;

export type DebianNeed = keyof typeof DEBIAN_NEEDS;

export interface PackageState {
  name: string;
  installed: boolean;
  /** The installed version, when installed. */
  version?: string;
}

function run(cmd: string, args: string[], env: Env, timeoutMs = 30_000) {
  // PATH from `env`: Node looks the command up there when env is given.
  return spawnSync(cmd, args, { env: env as NodeJS.ProcessEnv, encoding: "utf8", timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
}

/**
 * The state of each package, or null when this is not a Debian-like system (no dpkg-query).
 * A package dpkg has never heard of, or whose files were removed, is not installed.
 */
export function debianPackageStates(names: readonly string[], env: Env = process.env): PackageState[] | null {
  const r = run("dpkg-query", ["-W", "-f=${Package}\t${db:Status-Status}\t${Version}\n", ...names], env);
  if (r.error) return null;
  // dpkg-query exits 1 when some name is unknown, and still prints the others.
  const seen = new Map<string, { status: string; version: string }>();
  for (const line of (r.stdout ?? "").split("\n")) {
    const [name, status, version] = line.split("\t");
    if (name) seen.set(name.replace(/:.*$/, ""), { status: status ?? "", version: version ?? "" });
  }
  return names.map((name) => {
    const s = seen.get(name);
    return s?.status === "installed" ? { name, installed: true, version: s.version } : { name, installed: false };
  });
}

/** The command that installs `names`, as the user should type it. */
export function aptInstallCommand(names: readonly string[], root: boolean): string {
  return `${root ? "" : "sudo "}apt-get install -y --no-install-recommends ${names.join(" ")}`;
}

function isRoot(env: Env): boolean {
  const r = run("id", ["-u"], env);
  return r.status === 0 && r.stdout.trim() === "0";
}

function hasAptGet(env: Env): boolean {
  const r = run("apt-get", ["--version"], env);
  return !r.error && r.status === 0;
}

export type EnsureOutcome =
  /** every package is there */
  | "present"
  /** apt-get installed the missing ones */
  | "installed"
  /** not a Debian system: nothing checked */
  | "not-debian"
  /** missing, and BNLAB_NO_APT=1 */
  | "opted-out"
  /** missing, and not root (or no apt-get) */
  | "not-allowed"
  /** apt-get ran but packages are still missing */
  | "failed";

export interface EnsureResult {
  outcome: EnsureOutcome;
  /** Missing before any install. */
  missing: string[];
  /** What the user should run (empty when nothing is missing). */
  command: string;
  /** One line for the user; empty when there is nothing more to say (present, or installed and announced). */
  message: string;
}

export interface EnsureOptions {
  env?: Env;
  /** Where the one-line notices go (default stderr). */
  log?: (line: string) => void;
}

/**
 * Makes sure the packages a part of bnlab needs are installed: installs the missing ones with
 * apt-get when allowed, else returns the command to run. Never throws; the caller decides.
 */
export function ensureDebianPackages(needs: DebianNeed | readonly DebianNeed[], opts: EnsureOptions = {}): EnsureResult {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => console.error(line));
  const list = typeof needs === "string" ? [needs] : needs;
  const packages = [...new Set(list.flatMap((n) => DEBIAN_NEEDS[n].packages))];
  const purpose = list.map((n) => DEBIAN_NEEDS[n].purpose).join(" and ");
  const states = debianPackageStates(packages, env);
  if (states === null) {
    const command = aptInstallCommand(packages, false);
    return { outcome: "not-debian", missing: [], command, message: `bnlab: not a Debian system (no dpkg-query); ${purpose} needs the equivalents of: ${packages.join(" ")}` };
  }
  const missing = states.filter((s) => !s.installed).map((s) => s.name);
  if (missing.length === 0) return { outcome: "present", missing, command: "", message: "" };

  const root = isRoot(env);
  const command = aptInstallCommand(missing, root);
  if (env.BNLAB_NO_APT === "1") {
    return { outcome: "opted-out", missing, command, message: `bnlab: ${purpose} needs Debian packages that are missing; BNLAB_NO_APT=1, so not installing them: run \`${command}\`` };
  }
  if (!root || !hasAptGet(env)) {
    const why = root ? "apt-get is not available" : "not root";
    return { outcome: "not-allowed", missing, command, message: `bnlab: ${purpose} needs Debian packages that are missing (${why}): run \`${command}\`` };
  }

  log(`bnlab: installing Debian packages for ${purpose}: ${missing.join(" ")} (apt-get; BNLAB_NO_APT=1 opts out)`);
  const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
  // A fresh image has no package lists; a failed update (offline, a local mirror) is not fatal
  // by itself, the install below says whether it mattered.
  run("apt-get", ["update", "-qq"], aptEnv, 600_000);
  const install = run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], aptEnv, 1_800_000);
  const still = (debianPackageStates(missing, env) ?? []).filter((s) => !s.installed).map((s) => s.name);
  if (install.status !== 0 || still.length > 0) {
    const detail = `${install.stderr ?? ""}`.trim().split("\n").filter(Boolean).pop() ?? `exit ${install.status ?? install.signal}`;
    return { outcome: "failed", missing, command, message: `bnlab: apt-get could not install ${still.join(" ") || missing.join(" ")} (${detail}): run \`${command}\`` };
  }
  // The line above already said so.
  return { outcome: "installed", missing, command, message: "" };
}
