/** Whether the dashboard's production build (`.next`) is newer than every file it is built from. */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const NEXT_BIN = path.join(ROOT, "node_modules", "next", "dist", "bin", "next");

function newestMtime(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(p)) {
    if (e === "node_modules" || e.startsWith(".")) continue;
    m = Math.max(m, newestMtime(path.join(p, e)));
  }
  return m;
}

export function buildIsFresh(): boolean {
  const id = path.join(ROOT, ".next", "BUILD_ID");
  if (!existsSync(id)) return false;
  const built = statSync(id).mtimeMs;
  const sources = ["app", "lib", "proxy.ts", "next.config.ts", "postcss.config.mjs", "package.json", "tsconfig.json"].map((p) => path.join(ROOT, p)).filter(existsSync);
  return sources.every((s) => newestMtime(s) <= built);
}
