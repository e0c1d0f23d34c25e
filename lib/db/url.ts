/**
 * Which database: `DATABASE_URL` (postgresql://… for a shared PostgreSQL, file:… for SQLite),
 * else the embedded SQLite file `bnlab.db` in the data folder.
 */
import path from "node:path";
import { z } from "zod";

export type DbKind = "sqlite" | "postgresql";

const DatabaseUrl = z
  .string()
  .trim()
  .refine((u) => /^(postgres(ql)?:\/\/|file:)/.test(u), "DATABASE_URL must start with postgresql://, postgres:// or file:");

export function databaseUrl(env: Record<string, string | undefined> = process.env): { kind: DbKind; url: string; file?: string } {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw.trim() === "") {
    const file = path.resolve(env.BNLAB_DATA_DIR || "data", "bnlab.db");
    return { kind: "sqlite", url: `file:${file}`, file };
  }
  const parsed = DatabaseUrl.safeParse(raw);
  if (!parsed.success) throw new Error(`DATABASE_URL="${raw}": ${parsed.error.issues[0].message}`);
  if (parsed.data.startsWith("file:")) {
    const file = path.resolve(parsed.data.slice("file:".length));
    return { kind: "sqlite", url: `file:${file}`, file };
  }
  return { kind: "postgresql", url: parsed.data };
}
