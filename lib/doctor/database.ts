/**
 * The database the main job would open, and how far its migrations are, read without changing
 * anything: a SQLite file is opened read-only (and not created), PostgreSQL is asked with a short
 * connection timeout.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { migrationFiles } from "../db/migrate";
import { databaseUrl, type DbKind } from "../db/url";
import { folderState } from "./system";

export interface DatabaseReport {
  kind: DbKind | null;
  /** The URL with any password hidden. */
  url: string;
  /** Migrations recorded as applied / known to this version of bnlab; null when unknown. */
  applied: number | null;
  total: number | null;
  /** Migration files not yet applied (they are applied when a command next opens the database). */
  pending: string[];
  /** Set when the main job could not open this database. */
  problem?: string;
  detail: string;
}

function hidePassword(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]+:)[^@]*@/, "$1***@");
}

function appliedSqlite(file: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 5_000 });
  try {
    const table = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_bnlab_migrations'`).get();
    if (!table) return [];
    return (db.prepare(`SELECT "name" FROM "_bnlab_migrations"`).all() as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
}

async function appliedPostgres(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const exists = await client.query(`SELECT to_regclass('"_bnlab_migrations"') AS t`);
    if (!exists.rows[0]?.t) return [];
    return (await client.query(`SELECT "name" FROM "_bnlab_migrations"`)).rows.map((r: { name: string }) => r.name);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function databaseState(env: Record<string, string | undefined>): Promise<DatabaseReport> {
  let target: ReturnType<typeof databaseUrl>;
  try {
    target = databaseUrl(env);
  } catch (e) {
    const msg = (e as Error).message;
    return { kind: null, url: env.DATABASE_URL ?? "", applied: null, total: null, pending: [], problem: msg, detail: msg };
  }
  const url = hidePassword(target.url);
  const files = migrationFiles(target.kind).map((m) => m.name);
  const summarise = (applied: string[]): DatabaseReport => {
    const done = new Set(applied);
    const pending = files.filter((f) => !done.has(f));
    const detail = pending.length === 0 ? `all ${files.length} migrations applied` : `${files.length - pending.length} of ${files.length} migrations applied; ${pending.length} pending (applied when a command next opens it)`;
    return { kind: target.kind, url, applied: files.length - pending.length, total: files.length, pending, detail };
  };
  if (target.kind === "sqlite") {
    const file = target.file!;
    if (!existsSync(file)) {
      const dir = folderState(path.dirname(file));
      if (!dir.writable) return { kind: "sqlite", url, applied: null, total: files.length, pending: files, problem: `cannot create ${file}: ${dir.problem}`, detail: `cannot create ${file}: ${dir.problem}` };
      return { kind: "sqlite", url, applied: 0, total: files.length, pending: files, detail: `not created yet; created with all ${files.length} migrations on the first command that opens it` };
    }
    try {
      return summarise(appliedSqlite(file));
    } catch (e) {
      const msg = `cannot read ${file}: ${(e as Error).message}`;
      return { kind: "sqlite", url, applied: null, total: files.length, pending: [], problem: msg, detail: msg };
    }
  }
  try {
    return summarise(await appliedPostgres(target.url));
  } catch (e) {
    const msg = `cannot connect: ${(e as Error).message}`;
    return { kind: "postgresql", url, applied: null, total: files.length, pending: [], problem: msg, detail: msg };
  }
}
