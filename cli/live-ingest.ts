/**
 * When a database is configured (DATABASE_URL, or the embedded SQLite file already exists),
 * the trainer indexes its own run at every checkpoint so the dashboard sees live runs.
 * A failure to index is a warning: training never stops for the index.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { openDb, type Db } from "../lib/db/client";
import { ingest } from "../lib/db/ingest";
import { databaseUrl } from "../lib/db/url";
import type { Reporter } from "../trainer/progress";

export interface LiveIngest {
  /** Pass as the trainer's onCheckpoint; undefined when no database is configured. */
  onCheckpoint?: (runDir: string) => Promise<void>;
  /** Closes the connection, if one was opened, so the process can exit. */
  close(): Promise<void>;
}

export function liveIngest(reporter: Reporter): LiveIngest {
  const target = databaseUrl();
  if (!process.env.DATABASE_URL && !(target.file && existsSync(target.file))) return { close: async () => {} };
  let db: Db | null = null;
  let warned = false;
  return {
    onCheckpoint: async (runDir) => {
      try {
        db ??= await openDb();
        await ingest(db, path.dirname(runDir), { only: [path.basename(runDir)] });
      } catch (e) {
        if (!warned) reporter.warn(`warning: could not index ${path.basename(runDir)} (${(e as Error).message}); run \`bnlab ingest\` later`);
        warned = true;
      }
    },
    close: async () => {
      await db?.close();
    },
  };
}
