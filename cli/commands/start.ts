import { spawn } from "node:child_process";
import path from "node:path";
import { openDb } from "../../lib/db/client";
import { ingest } from "../../lib/db/ingest";
import { dataDir, runsDir } from "../../lib/paths";
import { isLoopbackHost, MIN_TOKEN_LENGTH } from "../../lib/security";
import { buildIsFresh, NEXT_BIN, ROOT } from "../dashboard-build";
import { liveIngest } from "../live-ingest";
import { createReporter } from "../../trainer/progress";
import { runSweep } from "../../trainer/run-sweep";
import { intFlag, parseFlags, UsageError, type Command } from "./command";

const DEMO = path.join(ROOT, "trainer", "sweeps", "demo.json");

const help = `usage: bnlab start [--no-train] [--port 3000] [--host 127.0.0.1] [--sweep FILE]

The main job: migrates the database, trains the demo sweep where its runs are not complete
(resuming partial ones), indexes the runs and serves the dashboard.
  --no-train     serve what exists (also BNLAB_NO_TRAIN=1)
  --sweep FILE   train this sweep instead of trainer/sweeps/demo.json (also BNLAB_DEMO_SWEEP)
  --port, --host where to serve (also PORT, HOST); a host other than loopback needs
                 BNLAB_TOKEN, which every request must then carry`;

export const startCommand: Command = {
  name: "start",
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      "no-train": { type: "boolean" },
      port: { type: "string" },
      host: { type: "string" },
      sweep: { type: "string" },
    });
    if (values.help) return void console.log(help);
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    // An empty PORT or HOST counts as unset: `-H ""` would make next listen on every interface.
    // Bounded here: port 99999 would otherwise fail only when the server starts, after the training.
    const port = intFlag("port", values.port || process.env.PORT || undefined, 1, 65535) ?? 3000;
    const host = values.host || process.env.HOST || "127.0.0.1";
    // Checked before any training: a dashboard on a network address without a token would let
    // anyone who can reach it read every run (proxy.ts enforces the token on each request).
    const token = process.env.BNLAB_TOKEN;
    if (!isLoopbackHost(host)) {
      if (!token) throw new UsageError(`refusing to serve on ${host} without a token: set BNLAB_TOKEN (at least ${MIN_TOKEN_LENGTH} characters, e.g. \`openssl rand -hex 16\`) to serve a network address, or leave --host at 127.0.0.1`);
      if (token.length < MIN_TOKEN_LENGTH) throw new UsageError(`BNLAB_TOKEN is too short (${token.length} characters) to guard ${host}: use at least ${MIN_TOKEN_LENGTH}, e.g. \`openssl rand -hex 16\``);
    }
    const data = dataDir();
    const runs = runsDir(undefined, data);
    const reporter = createReporter();

    // 1. the database (created and migrated on open)
    const db = await openDb();
    reporter.log(`database: ${db.kind === "sqlite" ? db.url.replace(/^file:/, "") : "PostgreSQL"}`);

    // 2. the demo sweep, unless told to serve only
    const noTrain = values["no-train"] || process.env.BNLAB_NO_TRAIN === "1";
    if (!noTrain) {
      const index = liveIngest(reporter);
      try {
        const result = await runSweep(values.sweep ?? process.env.BNLAB_DEMO_SWEEP ?? DEMO, { runsDir: runs, dataDir: data, reporter, onCheckpoint: index.onCheckpoint });
        if (result.interrupted) return 130;
      } finally {
        await index.close();
      }
    }

    // 3. the index
    const r = await ingest(db, runs, { onRun: (done, total) => reporter.progress({ label: "ingest", done, total }) });
    reporter.end();
    reporter.log(`${r.runs} runs in the index (${r.added + r.updated} changed by this pass, ${r.broken.length} broken)`);
    await db.close();

    // 4. the dashboard: built once, then served
    if (!buildIsFresh()) {
      reporter.log("building the dashboard (after install or a change to its sources; ~1–2 minutes)…");
      await run(process.execPath, [NEXT_BIN, "build"]);
    }
    const env = { ...process.env, BNLAB_DATA_DIR: data, BNLAB_RUNS_DIR: runs };
    reporter.log(`dashboard: http://${host.includes(":") ? `[${host}]` : host}:${port}/`);
    return run(process.execPath, [NEXT_BIN, "start", "-H", host, "-p", String(port)], env);
  },
};

/** Runs a child with our stdio; resolves with its exit code; passes Ctrl-C on. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: "inherit" });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      if (code !== 0 && cmd === process.execPath && args[1] === "build") reject(new Error(`next build failed (exit ${code ?? signal})`));
      else resolve(code ?? (signal === "SIGINT" || signal === "SIGTERM" ? 0 : 1));
    });
  });
}
