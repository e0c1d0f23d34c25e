#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx, so no build step stands between a checkout and `npx bnlab`.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../trainer/cli.ts");
process.exitCode = await main(process.argv.slice(2));
