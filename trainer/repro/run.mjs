#!/usr/bin/env node
// `npm run repro`: runs the TypeScript script through tsx with bnlab's resolver for tfjs-core's ESM build (as bin/bnlab.mjs does).
import { register as registerHooks } from "node:module";
import { register } from "tsx/esm/api";

registerHooks("../../bin/esm-resolve.mjs", import.meta.url);
register();
await import("./fashion-mnist.ts");
