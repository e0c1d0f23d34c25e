#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx, so no build step stands between a checkout and `npx bnlab`.
import { register as registerHooks } from "node:module";
import { register } from "tsx/esm/api";

registerHooks("./esm-resolve.mjs", import.meta.url);
register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
