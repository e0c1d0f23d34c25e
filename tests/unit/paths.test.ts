import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { databaseUrl } from "../../lib/db/url";
import { dataDir, runsDir } from "../../lib/paths";

const saved = { data: process.env.BNLAB_DATA_DIR, runs: process.env.BNLAB_RUNS_DIR };
afterEach(() => {
  process.env.BNLAB_DATA_DIR = saved.data;
  process.env.BNLAB_RUNS_DIR = saved.runs;
  if (saved.data === undefined) delete process.env.BNLAB_DATA_DIR;
  if (saved.runs === undefined) delete process.env.BNLAB_RUNS_DIR;
});

describe("folders and database location", () => {
  it("default to data/ and data/runs, and treat empty variables as unset", () => {
    process.env.BNLAB_DATA_DIR = "";
    process.env.BNLAB_RUNS_DIR = "";
    expect(dataDir()).toBe(path.resolve("data"));
    expect(runsDir()).toBe(path.resolve("data", "runs"));
    expect(databaseUrl({ BNLAB_DATA_DIR: "" })).toMatchObject({ kind: "sqlite", file: path.resolve("data", "bnlab.db") });
    expect(databaseUrl({ DATABASE_URL: "  " })).toMatchObject({ kind: "sqlite" });
  });

  it("follow the variables and flags", () => {
    process.env.BNLAB_DATA_DIR = "/srv/bnlab";
    expect(runsDir()).toBe("/srv/bnlab/runs");
    expect(runsDir("/x/runs")).toBe("/x/runs");
    process.env.BNLAB_RUNS_DIR = "/shared/runs";
    expect(runsDir()).toBe("/shared/runs");
    expect(databaseUrl({ DATABASE_URL: "postgresql://u@h/db" })).toEqual({ kind: "postgresql", url: "postgresql://u@h/db" });
    expect(() => databaseUrl({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL="mysql:\/\/x": DATABASE_URL must start with/);
  });
});
