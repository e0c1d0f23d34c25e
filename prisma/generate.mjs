// Generates the Prisma clients: SQLite from prisma/schema.prisma, and PostgreSQL from the same
// models with only the provider and output changed — the models are written once.
// Runs offline: `prisma generate` needs no schema engine, but wants the variable to name a file.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const prismaCli = createRequire(import.meta.url).resolve("prisma/build/index.js");
const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: "1" };

const schema = path.join(root, "prisma", "schema.prisma");
const pgSchema = path.join(root, "lib", "db", "generated", "schema.postgresql.prisma");
mkdirSync(path.dirname(pgSchema), { recursive: true });
writeFileSync(
  pgSchema,
  readFileSync(schema, "utf8")
    .replace('provider = "sqlite"', 'provider = "postgresql"')
    .replace('output   = "../lib/db/generated/sqlite"', 'output   = "./postgresql"'),
);
for (const file of [schema, pgSchema]) {
  execFileSync(process.execPath, [prismaCli, "generate", "--schema", file], { cwd: root, env, stdio: ["ignore", "ignore", "inherit"] });
}
console.log("prisma: generated the SQLite and PostgreSQL clients in lib/db/generated");
