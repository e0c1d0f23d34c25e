/**
 * Indexing runs reads checkpoints as plain data: importing the ingest path must not load tfjs
 * (a backend is slow to start and is not needed to hash, validate and summarise a checkpoint).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../../..");

/** The modules a fresh Node process loads when it imports `entry` (through tsx, as bin/bnlab does). */
function loadedModules(entry: string): string[] {
  // tfjs's packages are CommonJS, so they land in the require cache even when imported from ESM;
  // tfjs-core also leaves its engine on the global object.
  const script = `
    const { register } = await import("tsx/esm/api");
    register();
    await import(${JSON.stringify(pathToFileURL(path.join(ROOT, entry)).href)});
    const { createRequire } = await import("node:module");
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    if ("_tfengine" in globalThis) loaded.push("@tensorflow/tfjs-core (its engine global)");
    console.log(JSON.stringify(loaded));
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
  if (r.status !== 0) throw new Error(`importing ${entry} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as string[];
}

describe("the ingest path", () => {
  it("sees tfjs where it is loaded (the model builder)", () => {
    expect(loadedModules("lib/models/resnet.ts").some((m) => m.includes("@tensorflow"))).toBe(true);
  });

  it("imports lib/db/ingest without loading @tensorflow", () => {
    const loaded = loadedModules("lib/db/ingest.ts");
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.filter((m) => m.includes("@tensorflow"))).toEqual([]);
  });

  it("imports the Import page's upload path (lib/server/import-upload) without loading @tensorflow", () => {
    // tfjs comes in only when an import measures test accuracy (lib/import/evaluate, lazily).
    const loaded = loadedModules("lib/server/import-upload.ts");
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.filter((m) => m.includes("@tensorflow"))).toEqual([]);
  });
});
