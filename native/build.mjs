#!/usr/bin/env node
// Builds the bnlab native engine (native/build/Release/bnlab_native.node) with node-gyp.
//
// It never fails the caller: when the addon cannot be built it prints one line saying why and
// exits 0, and bnlab falls back to the wasm or cpu backend at run time. Set BNLAB_SKIP_NATIVE=1
// to skip the build, BNLAB_NATIVE_STRICT=1 to exit 1 on failure (for CI that must have it).
//
// On Debian, missing packages (g++ make python3 libdnnl-dev) are installed first with apt-get when
// run as root (lib/setup/debian.ts; BNLAB_NO_APT=1 opts out); otherwise the exact apt-get command
// is printed and the build goes on to fail or succeed with what is there.
//
// Needs: a C++17 compiler, make, Python 3 (node-gyp), Node's headers (Debian: /usr/include/node,
// used through --nodedir=/usr since node-gyp cannot download them offline) and oneDNN
// (Debian: libdnnl-dev).

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const strict = process.env.BNLAB_NATIVE_STRICT === "1";
const verbose = process.argv.includes("--verbose");

function done(ok, line) {
  console.log(`bnlab native engine: ${line}`);
  if (!ok) console.log("bnlab native engine: bnlab will train on the wasm backend instead, about 6–9× slower");
  process.exit(ok || !strict ? 0 : 1);
}

/** Installs the Debian packages the build needs when allowed, or prints the command that would. */
async function ensureDebianPackages() {
  try {
    const { register } = await import("tsx/esm/api");
    const unregister = register();
    try {
      const debian = await import("../lib/setup/debian.ts");
      const r = debian.ensureDebianPackages("native", { log: (line) => console.log(line) });
      if (r.message) console.log(r.message);
    } finally {
      await unregister();
    }
  } catch (e) {
    console.log(`bnlab native engine: could not check Debian packages (${e?.message ?? e})`);
  }
}

function has(cmd, args = ["--version"]) {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return r.status === 0;
}

if (process.env.BNLAB_SKIP_NATIVE === "1") done(true, "skipped (BNLAB_SKIP_NATIVE=1)");

await ensureDebianPackages();

const cxx = process.env.CXX ?? "c++";
if (!has(cxx)) done(false, `not built: no C++ compiler (${cxx}); install g++ (Debian: build-essential)`);
if (!has("make")) done(false, "not built: no make; install build-essential");
if (!has("python3")) done(false, "not built: node-gyp needs python3");

const includeDirs = [
  ...(process.env.DNNL_ROOT ? [path.join(process.env.DNNL_ROOT, "include")] : []),
  "/usr/include",
  "/usr/local/include",
];
if (!includeDirs.some((d) => existsSync(path.join(d, "dnnl.hpp")))) {
  done(false, "not built: oneDNN headers (dnnl.hpp) not found; install libdnnl-dev");
}

// Node's own headers: node-gyp would download them, which fails offline.
const nodeDirCandidates = [
  process.env.npm_config_nodedir,
  path.resolve(path.dirname(process.execPath), ".."),
  "/usr",
  "/usr/local",
].filter(Boolean);
const nodeDir = nodeDirCandidates.find((d) => existsSync(path.join(d, "include", "node", "node_api.h")));
if (!nodeDir) done(false, "not built: Node's headers (include/node/node_api.h) not found; install nodejs headers (Debian: libnode-dev)");

function findNodeGyp() {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve("node-gyp/bin/node-gyp.js");
  } catch {
    // not a dependency of the project; use the one npm bundles
  }
  const npmDirs = [
    process.env.npm_execpath ? path.resolve(path.dirname(process.env.npm_execpath), "..") : undefined,
    path.resolve(path.dirname(process.execPath), "../lib/node_modules/npm"),
    "/usr/lib/node_modules/npm",
    "/usr/local/lib/node_modules/npm",
    "/usr/share/nodejs/npm",
  ].filter(Boolean);
  for (const dir of npmDirs) {
    const p = path.join(dir, "node_modules", "node-gyp", "bin", "node-gyp.js");
    if (existsSync(p)) return p;
  }
  for (const p of ["/usr/share/nodejs/node-gyp/bin/node-gyp.js", "/usr/lib/node_modules/node-gyp/bin/node-gyp.js"]) {
    if (existsSync(p)) return p;
  }
  return undefined;
}
const nodeGyp = findNodeGyp();
if (!nodeGyp) done(false, "not built: node-gyp not found (it comes with npm)");

const jobs = String(Math.max(1, Math.min(4, (await import("node:os")).cpus().length)));
const r = spawnSync(process.execPath, [nodeGyp, "rebuild", `--nodedir=${nodeDir}`, "-j", jobs], {
  cwd: here,
  encoding: "utf8",
  env: { ...process.env, CXX: cxx },
  maxBuffer: 64 * 1024 * 1024,
});
const log = `${r.stdout ?? ""}${r.stderr ?? ""}`;
if (r.status !== 0) {
  const errors = log.split("\n").filter((l) => /error|Error|ERR!/.test(l));
  if (verbose) console.error(log);
  else console.error(errors.slice(0, 12).join("\n"));
  const first = errors.find((l) => /error:/.test(l)) ?? errors[0] ?? `node-gyp exited with ${r.status}`;
  done(false, `not built: ${first.trim()} (run node native/build.mjs --verbose for the full log)`);
}
if (verbose) console.log(log);
if (!existsSync(path.join(here, "build", "Release", "bnlab_native.node"))) {
  done(false, "not built: node-gyp succeeded but build/Release/bnlab_native.node is missing");
}
done(true, `built native/build/Release/bnlab_native.node (oneDNN, nodedir ${nodeDir})`);
