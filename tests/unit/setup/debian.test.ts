import { describe, expect, it } from "vitest";
import { aptInstallCommand, debianPackageStates, ensureDebianPackages } from "../../../lib/setup/debian";
import { debianShims } from "../../support/debian-shims";
import { checkTestPackages } from "../../setup/debian-packages";

const base = { ...process.env, BNLAB_NO_APT: "" };

describe("Debian packages", () => {
  it("reads installed and missing packages from dpkg-query", () => {
    const shims = debianShims({ missing: ["libdnnl-dev"], uid: 0 });
    const states = debianPackageStates(["g++", "libdnnl-dev"], { ...base, ...shims.env });
    expect(states).toEqual([{ name: "g++", installed: true, version: "1.0" }, { name: "libdnnl-dev", installed: false }]);
  });

  it("says a system without dpkg-query is not Debian, and installs nothing", () => {
    const r = ensureDebianPackages("native", { env: { ...base, PATH: "/nonexistent" }, log: () => {} });
    expect(r.outcome).toBe("not-debian");
    expect(r.message).toMatch(/not a Debian system.*g\+\+ make python3 libdnnl-dev/);
  });

  it("does nothing when every package is there", () => {
    const shims = debianShims({ missing: [], uid: 0 });
    const r = ensureDebianPackages(["native", "tests"], { env: { ...base, ...shims.env }, log: () => {} });
    expect(r).toMatchObject({ outcome: "present", missing: [], message: "" });
    expect(shims.aptCalls()).toEqual([]);
  });

  it("installs what is missing as root, saying so in one line", () => {
    const shims = debianShims({ missing: ["libdnnl-dev"], uid: 0 });
    const lines: string[] = [];
    const r = ensureDebianPackages("native", { env: { ...base, ...shims.env }, log: (l) => lines.push(l) });
    expect(r.outcome).toBe("installed");
    expect(shims.aptCalls()).toEqual([
      ["update", "-qq"],
      ["install", "-y", "-qq", "--no-install-recommends", "libdnnl-dev"],
    ]);
    expect(lines).toEqual(["bnlab: installing Debian packages for the native oneDNN engine: libdnnl-dev (apt-get; BNLAB_NO_APT=1 opts out)"]);
  });

  it("names the command instead when not root, or when BNLAB_NO_APT=1", () => {
    const user = debianShims({ missing: ["python3-torch", "chromium"], uid: 1000 });
    const r = ensureDebianPackages("tests", { env: { ...base, ...user.env }, log: () => {} });
    expect(r.outcome).toBe("not-allowed");
    expect(r.command).toBe("sudo apt-get install -y --no-install-recommends chromium python3-torch");
    expect(r.message).toContain("`sudo apt-get install -y --no-install-recommends chromium python3-torch`");
    expect(user.aptCalls()).toEqual([]);

    const root = debianShims({ missing: ["chromium"], uid: 0 });
    const o = ensureDebianPackages("tests", { env: { ...base, ...root.env, BNLAB_NO_APT: "1" }, log: () => {} });
    expect(o.outcome).toBe("opted-out");
    expect(o.message).toMatch(/BNLAB_NO_APT=1.*`apt-get install -y --no-install-recommends chromium`/);
    expect(root.aptCalls()).toEqual([]);
  });

  it("reports an apt-get failure with the command to retry", () => {
    const shims = debianShims({ missing: ["chromium"], uid: 0, aptFails: true });
    const r = ensureDebianPackages("tests", { env: { ...base, ...shims.env }, log: () => {} });
    expect(r.outcome).toBe("failed");
    expect(r.message).toMatch(/could not install chromium \(E: Unable to locate package\).*apt-get install -y --no-install-recommends chromium/);
  });

  it("builds the command a user would type", () => {
    expect(aptInstallCommand(["a", "b"], true)).toBe("apt-get install -y --no-install-recommends a b");
    expect(aptInstallCommand(["a"], false)).toBe("sudo apt-get install -y --no-install-recommends a");
  });
});

describe("the tests' global setup", () => {
  it("installs a missing package as root and goes on", () => {
    const shims = debianShims({ missing: ["postgresql"], uid: 0 });
    expect(() => checkTestPackages({ ...base, ...shims.env }, () => {})).not.toThrow();
    expect(shims.aptCalls().at(-1)).toEqual(["install", "-y", "-qq", "--no-install-recommends", "postgresql"]);
  });

  it("stops the run with the command when it may not install", () => {
    const shims = debianShims({ missing: ["python3-torchvision"], uid: 1000 });
    expect(() => checkTestPackages({ ...base, ...shims.env }, () => {})).toThrow("sudo apt-get install -y --no-install-recommends python3-torchvision");
    const optedOut = debianShims({ missing: ["chromium"], uid: 0 });
    expect(() => checkTestPackages({ ...base, ...optedOut.env, BNLAB_NO_APT: "1" }, () => {})).toThrow(/BNLAB_NO_APT=1.*apt-get install -y --no-install-recommends chromium/);
    expect(optedOut.aptCalls()).toEqual([]);
  });
});
