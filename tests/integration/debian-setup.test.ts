/**
 * `npm install`'s native step (native/build.mjs) on a machine where a Debian package it needs is
 * missing, shown with shims for dpkg-query, apt-get and id in front of PATH. CXX names a compiler
 * that does not exist, so the build stops right after the package step and the addon already
 * built here is left alone.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { debianShims } from "../support/debian-shims";

const BUILD = fileURLToPath(new URL("../../native/build.mjs", import.meta.url));

function build(env: Record<string, string>) {
  const r = spawnSync(process.execPath, [BUILD], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, BNLAB_NO_APT: "", BNLAB_NATIVE_STRICT: "", BNLAB_SKIP_NATIVE: "", CXX: "bnlab-no-such-compiler", ...env },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("npm install's native step with a Debian package missing", () => {
  it("installs it with apt-get as root, saying so in one line", () => {
    const shims = debianShims({ missing: ["libdnnl-dev"], uid: 0 });
    const r = build(shims.env);
    expect(r.code).toBe(0);
    expect(shims.aptCalls()).toContainEqual(["install", "-y", "-qq", "--no-install-recommends", "libdnnl-dev"]);
    expect(r.out.split("\n").filter((l) => /apt-get/.test(l))).toEqual([
      "bnlab: installing Debian packages for the native oneDNN engine: libdnnl-dev (apt-get; BNLAB_NO_APT=1 opts out)",
    ]);
  });

  it("prints the command and falls back to wasm, loudly, when not root", () => {
    const shims = debianShims({ missing: ["libdnnl-dev"], uid: 1000 });
    const r = build(shims.env);
    expect(r.code).toBe(0);
    expect(shims.aptCalls()).toEqual([]);
    expect(r.out).toContain("run `sudo apt-get install -y --no-install-recommends libdnnl-dev`");
    expect(r.out).toMatch(/will train on the wasm backend instead/);
  });

  it("installs nothing with BNLAB_NO_APT=1, even as root", () => {
    const shims = debianShims({ missing: ["g++", "make"], uid: 0 });
    const r = build({ ...shims.env, BNLAB_NO_APT: "1" });
    expect(r.code).toBe(0);
    expect(shims.aptCalls()).toEqual([]);
    expect(r.out).toContain("BNLAB_NO_APT=1, so not installing them: run `apt-get install -y --no-install-recommends g++ make`");
  });

  it("fails a strict build (CI) that cannot get its packages", () => {
    const shims = debianShims({ missing: ["libdnnl-dev"], uid: 1000 });
    expect(build({ ...shims.env, BNLAB_NATIVE_STRICT: "1" }).code).toBe(1);
  });
});
