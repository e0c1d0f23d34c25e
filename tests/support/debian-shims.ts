/**
 * Stand-ins for `dpkg-query`, `apt-get` and `id`, put in front of PATH, so tests can show what
 * bnlab does when a Debian package is missing without uninstalling anything. `apt-get` records
 * each call and "installs" by marking the packages installed for the fake `dpkg-query`.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface DebianShims {
  /** Environment: PATH with the shims first, and where they keep their state. */
  env: Record<string, string>;
  /** Every apt-get call, one argument list per call. */
  aptCalls(): string[][];
}

const script = (body: string) => `#!/bin/sh\n${body}\n`;

/** `missing`: packages the fake dpkg-query reports as not installed; `uid`: what `id -u` prints. */
export function debianShims(opts: { missing: string[]; uid: number; aptFails?: boolean }): DebianShims {
  const dir = mkdtempSync(path.join(tmpdir(), "bnlab-debian-shims-"));
  const missing = path.join(dir, "missing");
  const installed = path.join(dir, "installed");
  const calls = path.join(dir, "apt-calls");
  writeFileSync(missing, opts.missing.map((p) => `${p}\n`).join(""));
  writeFileSync(installed, "");
  const files: Record<string, string> = {
    "dpkg-query": script(`shift 2
for p in "$@"; do
  if grep -qx "$p" "${missing}" && ! grep -qx "$p" "${installed}"; then continue; fi
  printf '%s\\tinstalled\\t1.0\\n' "$p"
done
exit 0`),
    "apt-get": script(`[ "$1" = "--version" ] && { echo "apt 2.6.1 (amd64)"; exit 0; }
printf '%s\\n' "$*" >> "${calls}"
${opts.aptFails ? `echo "E: Unable to locate package" >&2; exit 100` : `[ "$1" = "install" ] && for p in "$@"; do case "$p" in -*|install) ;; *) echo "$p" >> "${installed}";; esac; done
exit 0`}`),
    id: script(`[ "$1" = "-u" ] && { echo ${opts.uid}; exit 0; }
exec /usr/bin/id "$@"`),
  };
  for (const [name, body] of Object.entries(files)) writeFileSync(path.join(dir, name), body, { mode: 0o755 });
  return {
    env: { PATH: `${dir}:${process.env.PATH ?? "/usr/bin:/bin"}` },
    aptCalls: () => (existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n").filter(Boolean).map((l) => l.split(" ")) : []),
  };
}
