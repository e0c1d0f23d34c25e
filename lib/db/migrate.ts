/**
 * Applies prisma/migrations/<kind>/*.sql in name order, each once, recorded in
 * `_bnlab_migrations`. A small runner instead of `prisma migrate deploy`, whose native schema
 * engine cannot be downloaded on an offline machine.
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import pg from "pg";
import type { DbKind } from "./url";

const MIGRATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "prisma", "migrations");

export function migrationFiles(kind: DbKind): { name: string; sql: string }[] {
  const dir = path.join(MIGRATIONS, kind);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((name) => ({ name, sql: readFileSync(path.join(dir, name), "utf8") }));
}

/** Creates the file if needed, switches it to WAL (readers never block the writer), migrates. */
export function migrateSqlite(file: string): string[] {
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, { timeout: 10_000 });
  try {
    db.pragma("journal_mode = WAL");
    db.exec(`CREATE TABLE IF NOT EXISTS "_bnlab_migrations" ("name" TEXT PRIMARY KEY, "appliedAt" TEXT NOT NULL)`);
    const done = new Set((db.prepare(`SELECT "name" FROM "_bnlab_migrations"`).all() as { name: string }[]).map((r) => r.name));
    const applied: string[] = [];
    for (const m of migrationFiles("sqlite")) {
      if (done.has(m.name)) continue;
      // IMMEDIATE takes the write lock first, so two processes starting at once apply it once.
      db.transaction(() => {
        const again = db.prepare(`SELECT 1 FROM "_bnlab_migrations" WHERE "name" = ?`).get(m.name);
        if (again) return;
        db.exec(m.sql);
        db.prepare(`INSERT INTO "_bnlab_migrations" VALUES (?, ?)`).run(m.name, new Date().toISOString());
        applied.push(m.name);
      }).immediate();
    }
    return applied;
  } finally {
    db.close();
  }
}

export async function migratePostgres(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // One migrator at a time across processes.
    await client.query("SELECT pg_advisory_lock(727272)");
    await client.query(`CREATE TABLE IF NOT EXISTS "_bnlab_migrations" ("name" TEXT PRIMARY KEY, "appliedAt" TEXT NOT NULL)`);
    const done = new Set((await client.query(`SELECT "name" FROM "_bnlab_migrations"`)).rows.map((r: { name: string }) => r.name));
    const applied: string[] = [];
    for (const m of migrationFiles("postgresql")) {
      if (done.has(m.name)) continue;
      await client.query("BEGIN");
      try {
        await client.query(m.sql);
        await client.query(`INSERT INTO "_bnlab_migrations" VALUES ($1, $2)`, [m.name, new Date().toISOString()]);
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${m.name} failed: ${(e as Error).message}`);
      }
      applied.push(m.name);
    }
    return applied;
  } finally {
    await client.query("SELECT pg_advisory_unlock(727272)").catch(() => {});
    await client.end();
  }
}
