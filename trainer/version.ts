import { readFileSync } from "node:fs";

/** bnlab's version, recorded in every run.json. */
export const CODE_VERSION: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
