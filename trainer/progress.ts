/**
 * Progress for long work: a redrawn bar on a TTY, periodic plain lines otherwise (logs, CI).
 */
export interface ProgressInfo {
  label: string;
  done: number;
  total: number;
  /** Extra fields shown after the bar, e.g. {loss: "1.23", acc: "45.6%"}. */
  fields?: Record<string, string>;
}

export interface Reporter {
  log(line: string): void;
  warn(line: string): void;
  progress(info: ProgressInfo): void;
  /** Ends a bar in progress (moves to a new line). */
  end(): void;
}

function eta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

export function createReporter(opts: { stream?: NodeJS.WriteStream; tty?: boolean; intervalMs?: number; quiet?: boolean } = {}): Reporter {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? Boolean(stream.isTTY);
  const interval = opts.intervalMs ?? (tty ? 100 : 10_000);
  let last = 0;
  let started = 0;
  let startDone = 0;
  let label = "";
  let open = false;
  const end = () => {
    if (open && tty) stream.write("\n");
    open = false;
  };
  return {
    log(line) {
      end();
      if (!opts.quiet) stream.write(line + "\n");
    },
    warn(line) {
      end();
      stream.write(line + "\n");
    },
    progress(info) {
      const now = Date.now();
      if (info.label !== label) {
        label = info.label;
        started = now;
        startDone = info.done;
      }
      const finished = info.done >= info.total;
      if (opts.quiet || (now - last < interval && !finished)) return;
      last = now;
      const frac = info.total > 0 ? Math.min(1, info.done / info.total) : 1;
      const rate = (info.done - startDone) / Math.max((now - started) / 1000, 1e-9);
      const fields = Object.entries(info.fields ?? {}).map(([k, v]) => `${k} ${v}`).join("  ");
      const remaining = rate > 0 ? (info.total - info.done) / rate : NaN;
      const text = `${info.label} ${info.done}/${info.total} ${fields}  eta ${eta(remaining)}`;
      if (tty) {
        const width = 24;
        const filled = Math.round(frac * width);
        stream.write(`\r\x1b[2K[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${text}`);
        open = true;
        if (finished) end();
      } else {
        stream.write(text + "\n");
      }
    },
    end,
  };
}
