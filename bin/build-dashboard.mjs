#!/usr/bin/env node
// `npm install`'s last step: builds the dashboard (`next build`) so that the first `npm start`
// serves at once instead of building first. Skipped when the build is already newer than its
// sources, or with BNLAB_SKIP_DASHBOARD_BUILD=1. Never fails the install: `npm start` builds
// whatever is missing.
import { spawnSync } from "node:child_process";
import { register } from "tsx/esm/api";

const say = (line) => console.log(`bnlab dashboard: ${line}`);
if (process.env.BNLAB_SKIP_DASHBOARD_BUILD === "1") {
  say("build skipped (BNLAB_SKIP_DASHBOARD_BUILD=1); npm start builds it");
  process.exit(0);
}
register();
const { buildIsFresh, NEXT_BIN, nextEnv, ROOT } = await import("../cli/dashboard-build.ts");
if (buildIsFresh()) {
  say("build is up to date");
  process.exit(0);
}
const started = Date.now();
const r = spawnSync(process.execPath, [NEXT_BIN, "build"], { cwd: ROOT, env: nextEnv(), encoding: "utf8", maxBuffer: 64 << 20 });
if (r.status !== 0) {
  console.error(`${r.stdout ?? ""}${r.stderr ?? ""}`.split("\n").slice(-30).join("\n"));
  say(`build failed (exit ${r.status ?? r.signal}); npm start will try again`);
} else {
  say(`built in ${Math.round((Date.now() - started) / 1000)} s (npm start serves it at once)`);
}
