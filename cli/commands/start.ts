import { spawn } from "node:child_process";
import path from "node:path";
import { dataDir, runsDir } from "../../lib/paths";
import { isLoopbackHost, MIN_TOKEN_LENGTH } from "../../lib/security";
import { buildIsFresh, NEXT_BIN, nextEnv, ROOT } from "../dashboard-build";
import { createReporter, type Reporter } from "../../trainer/progress";
import { intFlag, parseFlags, UsageError, type Command } from "./command";

// The database, the trainer and tfjs load after the server has started (dynamic imports below):
// loading them first would delay the first page by their load time.

const DEMO = path.join(ROOT, "trainer", "sweeps", "demo.json");

const help = `usage: bnlab start [--no-train] [--port 3000] [--host 127.0.0.1] [--sweep FILE]

The main job: migrates the database, serves the dashboard, and trains the demo sweep behind it
where its runs are not complete (resuming partial ones); the dashboard follows the training live.
Ctrl-C stops the training after the current step (saving it) and the server.
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
    // Bounded here: port 99999 should fail before anything starts, not when next does.
    const port = intFlag("port", values.port || process.env.PORT || undefined, 1, 65535) ?? 3000;
    const host = values.host || process.env.HOST || "127.0.0.1";
    // Checked before anything starts: a dashboard on a network address without a token would let
    // anyone who can reach it read every run (proxy.ts enforces the token on each request).
    const token = process.env.BNLAB_TOKEN;
    if (!isLoopbackHost(host)) {
      if (!token) throw new UsageError(`refusing to serve on ${host} without a token: set BNLAB_TOKEN (at least ${MIN_TOKEN_LENGTH} characters, e.g. \`openssl rand -hex 16\`) to serve a network address, or leave --host at 127.0.0.1`);
      if (token.length < MIN_TOKEN_LENGTH) throw new UsageError(`BNLAB_TOKEN is too short (${token.length} characters) to guard ${host}: use at least ${MIN_TOKEN_LENGTH}, e.g. \`openssl rand -hex 16\``);
    }
    const data = dataDir();
    const runs = runsDir(undefined, data);
    const reporter = createReporter();

    // 1. the dashboard, served first (npm install built it; a change to its sources rebuilds it)
    if (!buildIsFresh()) {
      reporter.log("building the dashboard (its build is missing or older than its sources; ~1–2 minutes)…");
      await run(process.execPath, [NEXT_BIN, "build"], nextEnv());
    }
    const server = serve(host, port, { ...nextEnv(), BNLAB_DATA_DIR: data, BNLAB_RUNS_DIR: runs });
    reporter.log(`dashboard: http://${host.includes(":") ? `[${host}]` : host}:${port}/`);

    try {
      const { openDb } = await import("../../lib/db/client");
      // 2. the database (created and migrated on open, by whichever process opens it first), and
      // what is already in the runs folder indexed
      const db = await openDb();
      reporter.log(`database: ${db.kind === "sqlite" ? db.url.replace(/^file:/, "") : "PostgreSQL"}`);
      await db.close();
      await indexRuns(runs, reporter);

      // 3. the demo sweep trains behind it; the dashboard follows through the index and the progress file
      const noTrain = values["no-train"] || process.env.BNLAB_NO_TRAIN === "1";
      if (!noTrain) {
        const status = await trainBehind(values.sweep ?? process.env.BNLAB_DEMO_SWEEP, { data, runs, reporter, server: server.exited });
        if (status === "interrupted") {
          await server.stop();
          return 130;
        }
        await indexRuns(runs, reporter);
      }
    } catch (e) {
      // A failure here (the database, the sweep) must not leave the server running without us.
      await server.stop();
      throw e;
    }
    return server.exited;
  },
};

/** One ingest pass over the runs folder, with its own connection (the trainer's live index shares and closes the process's). */
async function indexRuns(runs: string, reporter: Reporter): Promise<void> {
  const [{ openDb }, { ingest }] = await Promise.all([import("../../lib/db/client"), import("../../lib/db/ingest")]);
  const db = await openDb();
  try {
    const r = await ingest(db, runs, { onRun: (done, total) => reporter.progress({ label: "ingest", done, total }) });
    reporter.end();
    reporter.log(`${r.runs} runs in the index (${r.added + r.updated} changed by this pass, ${r.broken.length} broken)`);
  } finally {
    await db.close();
  }
}

/** The demo's dataset, or MNIST when it is missing and apt-get cannot install it (said loudly). */
async function demoDataset(file: string, data: string, reporter: Reporter): Promise<string | undefined> {
  const [{ readSweep }, { listDatasets }, { ensureDebianPackages }] = await Promise.all([import("../../trainer/sweep"), import("../../lib/data/registry"), import("../../lib/setup/debian")]);
  const sweep = await readSweep(file);
  const wanted = (sweep.base.data as { dataset?: string } | undefined)?.dataset;
  const available = () => listDatasets({ dataDir: data }).find((d) => d.name === wanted)?.available;
  if (!wanted || available()) return undefined;
  if (wanted === "fashion-mnist") {
    const r = ensureDebianPackages("demo", { log: (l) => reporter.log(l) });
    if (r.message) reporter.warn(r.message);
    if (available()) return undefined;
  }
  reporter.warn(`warning: the demo's dataset ${wanted} is missing, so the demo trains on MNIST instead (its gaps are smaller); \`bnlab data list\` says how to get ${wanted}`);
  return "mnist";
}

/** Trains the sweep while the server runs; Ctrl-C stops after the current step and saves. */
async function trainBehind(sweepFile: string | undefined, opts: { data: string; runs: string; reporter: Reporter; server: Promise<number> }): Promise<"complete" | "interrupted"> {
  const [{ liveIngest }, { runSweep }, { stopOnSignal }, { trackSweepProgress }] = await Promise.all([
    import("../live-ingest"), import("../../trainer/run-sweep"), import("../stop-signal"), import("../../trainer/sweep-progress"),
  ]);
  const file = sweepFile ?? DEMO;
  const dataset = sweepFile ? undefined : await demoDataset(file, opts.data, opts.reporter);
  const stop = stopOnSignal(opts.reporter);
  // The server going away (it crashed, or was killed) stops the training too.
  void opts.server.then(() => stop.abort());
  const tracker = trackSweepProgress({ dataDir: opts.data, sweep: path.basename(file, path.extname(file)), inner: opts.reporter });
  const index = liveIngest(opts.reporter);
  const started = Date.now();
  try {
    const result = await runSweep(file, {
      runsDir: opts.runs, dataDir: opts.data, dataset, reporter: tracker.reporter, signal: stop.signal,
      onCheckpoint: index.onCheckpoint, hooks: tracker.hooks,
    });
    tracker.finish(result.interrupted ? "interrupted" : "complete");
    if (!result.interrupted && result.trained > 0) opts.reporter.log(`the sweep trained ${result.trained} runs in ${Math.round((Date.now() - started) / 1000)} s; the dashboard shows them all`);
    return result.interrupted ? "interrupted" : "complete";
  } catch (e) {
    tracker.finish("failed", (e as Error).message);
    throw e;
  } finally {
    stop.dispose();
    await index.close();
  }
}

/** `next start` as a child: its exit code, and a way to stop it. */
function serve(host: string, port: number, env: NodeJS.ProcessEnv): { exited: Promise<number>; stop(): Promise<number> } {
  const child = spawn(process.execPath, [NEXT_BIN, "start", "-H", host, "-p", String(port)], { cwd: ROOT, env, stdio: "inherit" });
  const exited = new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal === "SIGINT" || signal === "SIGTERM" ? 0 : 1)));
  });
  // Ctrl-C reaches the whole process group; SIGTERM sent to bnlab alone is passed on.
  const forward = () => child.kill("SIGTERM");
  process.on("SIGTERM", forward);
  void exited.finally(() => process.off("SIGTERM", forward));
  return {
    exited,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

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
