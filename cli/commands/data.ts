import { listDatasets } from "../../lib/data";
import { fetchCifar10 } from "../../lib/data/fetch";
import { parseFlags, UsageError, type Command } from "./command";
import { dataDir } from "../../lib/paths";
import { createReporter } from "../../trainer/progress";

const help = `usage: bnlab data list [--data-dir DIR] [--json]
       bnlab data fetch cifar10 [--data-dir DIR] [--url URL] [--md5 HEX] [--from ARCHIVE [--no-verify]] [--force]

list    Shows which datasets are available on this machine, where they load from, and how to
        get the missing ones.
fetch   Downloads CIFAR-10's binary version (cifar-10-binary.tar.gz, MD5-checked; an interrupted
        download resumes) into DIR/downloads/ and unpacks it into DIR/cifar-10-batches-bin/.
        --from unpacks a local copy instead (MD5-checked unless --no-verify); --url and --md5
        name another source; --force unpacks again over a valid copy.`;

const options = {
  "data-dir": { type: "string" },
  json: { type: "boolean" },
  url: { type: "string" },
  md5: { type: "string" },
  from: { type: "string" },
  "no-verify": { type: "boolean" },
  force: { type: "boolean" },
} as const;

type Values = ReturnType<typeof parseFlags<typeof options>>["values"];

function list(values: Values): void {
  const list = listDatasets({ dataDir: dataDir(values["data-dir"]) });
  if (values.json) return void console.log(JSON.stringify(list, null, 2));
  const width = Math.max(...list.map((d) => d.name.length));
  for (const d of list) {
    const state = d.available ? "available" : "missing  ";
    console.log(`${d.name.padEnd(width)}  ${state}  ${d.location ?? "-"}`);
    if (!d.available || !d.location) console.log(`${" ".repeat(width)}  ${d.hint}`);
  }
}

const mb = (bytes: number) => Math.floor(bytes / 1e5) / 10;

async function fetchCommand(dataset: string | undefined, values: Values): Promise<void> {
  if (dataset !== "cifar10") {
    throw new UsageError(dataset ? `cannot fetch "${dataset}": only cifar10 is downloaded (see \`bnlab data list\` for the others)` : "fetch what? (cifar10)");
  }
  if (values.from !== undefined && values.url !== undefined) throw new UsageError("--from and --url exclude each other");
  if (values["no-verify"] && values.from === undefined) throw new UsageError("--no-verify only applies to --from (downloads are always checked)");
  const reporter = createReporter();
  let started = 0;
  const result = await fetchCifar10({
    dataDir: dataDir(values["data-dir"]),
    url: values.url,
    md5: values.md5,
    from: values.from,
    verify: !values["no-verify"],
    force: values.force,
    log: (line) => reporter.log(line),
    onProgress: ({ done, total, resumedFrom }) => {
      if (total === null) return;
      const now = Date.now();
      started ||= now;
      const rate = (done - resumedFrom) / 1e6 / Math.max((now - started) / 1000, 1e-3);
      reporter.progress({ label: "download", done: mb(done), total: mb(total), fields: { "MB,": `${rate.toFixed(1)} MB/s` } });
    },
  });
  reporter.end();
  if (!result.unpacked) {
    console.log(`cifar10 is already present in ${result.path} (--force unpacks it again)`);
    return;
  }
  const how = result.downloaded ? `downloaded ${mb(result.bytes)} MB` : `from ${result.archive}`;
  console.log(`cifar10 ready in ${result.path} (${how})`);
}

export const dataCommand: Command = {
  name: "data",
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, options, true);
    if (values.help) return void console.log(help);
    const [sub, ...rest] = positionals;
    if (sub === "list" && rest.length === 0) {
      const extra = ["url", "md5", "from", "no-verify", "force"].find((k) => values[k as keyof Values] !== undefined);
      if (extra) throw new UsageError(`--${extra} is for \`bnlab data fetch\``);
      return list(values);
    }
    if (sub === "fetch" && rest.length <= 1) return fetchCommand(rest[0], values);
    throw new UsageError(`unknown subcommand "${positionals.join(" ")}" (list, fetch)`);
  },
};
