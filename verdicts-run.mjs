import { register as registerHooks } from "node:module";
import { register } from "tsx/esm/api";
registerHooks("./bin/esm-resolve.mjs", import.meta.url);
register();
await import("./verdicts-tmp.ts");
