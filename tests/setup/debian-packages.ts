/**
 * Vitest global setup: the Debian packages the tests use (Chromium, PostgreSQL, PyTorch,
 * torchvision, Fashion-MNIST) are installed with apt-get when the tests run as root, the way
 * `npm install` installs the native engine's. When they cannot be (not root, BNLAB_NO_APT=1, an
 * apt-get failure) the run stops with the command to type: a missing package is never a
 * silently skipped test.
 */
import { ensureDebianPackages, type Env } from "../../lib/setup/debian";

export function checkTestPackages(env: Env = process.env, log: (line: string) => void = (l) => console.error(l)): void {
  const r = ensureDebianPackages("tests", { env, log });
  if (r.outcome === "opted-out" || r.outcome === "not-allowed" || r.outcome === "failed") throw new Error(r.message);
  if (r.message) log(r.message);
}

export default function setup(): void {
  checkTestPackages();
}
