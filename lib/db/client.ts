/**
 * The database: migrated on open, one Prisma client per URL, SQLite or PostgreSQL behind the
 * same models. Only lib/db touches Prisma; the rest of bnlab calls the queries in lib/db.
 */
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as PgClient } from "./generated/postgresql/client";
import { PrismaClient as SqliteClient } from "./generated/sqlite/client";
import { migratePostgres, migrateSqlite } from "./migrate";
import { databaseUrl, type DbKind } from "./url";

/** Both generated clients have the same models and delegates; the SQLite one's type stands for both. */
export type Prisma = InstanceType<typeof SqliteClient>;

export interface Db {
  kind: DbKind;
  url: string;
  prisma: Prisma;
  close(): Promise<void>;
}

const open = new Map<string, Promise<Db>>();

async function connect(kind: DbKind, url: string, file?: string): Promise<Db> {
  let prisma: Prisma;
  if (kind === "sqlite") {
    migrateSqlite(file!);
    prisma = new SqliteClient({ adapter: new PrismaBetterSqlite3({ url: file!, timeout: 10_000 }) });
    // WAL with NORMAL sync: a commit waits for no fsync (a checkpoint does). A power cut may lose
    // the last commits, never corrupt the file — and the index is rebuilt from the run
    // directories by the next ingest. Ingest commits once per run, so this is its speed.
    await prisma.$executeRawUnsafe("PRAGMA synchronous = NORMAL");
  } else {
    await migratePostgres(url);
    prisma = new PgClient({ adapter: new PrismaPg({ connectionString: url }) }) as unknown as Prisma;
  }
  return {
    kind,
    url,
    prisma,
    close: async () => {
      open.delete(url);
      await prisma.$disconnect();
    },
  };
}

/** The database for `DATABASE_URL` (or the embedded SQLite), migrated and connected once per process. */
export function openDb(env: Record<string, string | undefined> = process.env): Promise<Db> {
  const { kind, url, file } = databaseUrl(env);
  let db = open.get(url);
  if (!db) {
    db = connect(kind, url, file);
    open.set(url, db);
    db.catch(() => open.delete(url));
  }
  return db;
}

