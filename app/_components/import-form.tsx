"use client";
/**
 * The Import page's form: one checkpoint file (checked for its extension and size here, and again
 * by the server), optionally the dataset it was trained on; sent as the body of POST /api/import.
 * On success the page moves to the new run; a refusal is shown as the server words it.
 */
import { useRouter } from "next/navigation";
import { useEffect, useId, useState } from "react";
import { fileSize } from "../../lib/server/format";

type Outcome = { kind: "idle" } | { kind: "sending"; name: string } | { kind: "error"; message: string } | { kind: "done"; href: string; id: string; change: string };

export function ImportForm({ extensions, limitBytes, datasets }: { extensions: string[]; limitBytes: number; datasets: string[] }) {
  const id = useId();
  const router = useRouter();
  const [file, setFile] = useState<File | null>(null);
  const [dataset, setDataset] = useState("");
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });
  // Until the page's script runs, a click would submit the bare form (a GET of this page) and lose the file.
  const [ready, setReady] = useState(false);
  useEffect(() => setReady(true), []);

  function localProblem(f: File): string | null {
    if (!extensions.some((e) => f.name.toLowerCase().endsWith(e))) return `${f.name}: not a checkpoint file; the dashboard imports ${extensions.join(", ")} files`;
    if (f.size > limitBytes) return `${f.name} is ${fileSize(f.size)}, over the import limit of ${fileSize(limitBytes)}; import it with npx bnlab import instead`;
    if (f.size === 0) return `${f.name} is empty`;
    return null;
  }

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!file) return setOutcome({ kind: "error", message: "choose a file first" });
    const problem = localProblem(file);
    if (problem) return setOutcome({ kind: "error", message: problem });
    setOutcome({ kind: "sending", name: file.name });
    try {
      const q = new URLSearchParams({ name: file.name });
      if (dataset) q.set("dataset", dataset);
      const res = await fetch(`/api/import?${q}`, { method: "POST", body: file, headers: { "content-type": "application/octet-stream" } });
      const body = (await res.json().catch(() => ({ error: `HTTP ${res.status}` }))) as { error?: string; id?: string; href?: string; change?: string };
      if (!res.ok || !body.href || !body.id) return setOutcome({ kind: "error", message: body.error ?? `HTTP ${res.status}` });
      setOutcome({ kind: "done", href: body.href, id: body.id, change: body.change ?? "added" });
      router.push(body.href);
    } catch (err) {
      setOutcome({ kind: "error", message: `${file.name}: the upload failed (${(err as Error).message})` });
    }
  }

  return (
    <form onSubmit={submit} className="flex flex-col gap-3 rounded-lg border border-line bg-surface p-4" data-testid="import-form" data-ready={ready ? "true" : "false"}>
      <label htmlFor={`${id}-file`} className="text-sm font-medium">
        Checkpoint file ({extensions.join(", ")}; at most {fileSize(limitBytes)})
      </label>
      <input
        id={`${id}-file`}
        type="file"
        accept={extensions.join(",")}
        data-testid="import-file"
        onChange={(e) => {
          setFile(e.target.files?.[0] ?? null);
          setOutcome({ kind: "idle" });
        }}
        className="text-sm"
      />
      <label htmlFor={`${id}-dataset`} className="text-sm font-medium">
        Trained on <span className="font-normal text-muted">(optional: test accuracy and pruning need the dataset)</span>
      </label>
      <select id={`${id}-dataset`} value={dataset} onChange={(e) => setDataset(e.target.value)} className="w-56 rounded-md border border-line bg-surface px-2 py-1 text-sm" data-testid="import-dataset">
        <option value="">not named</option>
        {datasets.map((d) => (
          <option key={d} value={d}>
            {d}
          </option>
        ))}
      </select>
      <div>
        <button type="submit" disabled={!ready || outcome.kind === "sending"} className="rounded-md bg-accent px-3 py-1.5 text-sm font-medium text-surface disabled:opacity-60" data-testid="import-submit">
          {outcome.kind === "sending" ? "Importing…" : "Import"}
        </button>
      </div>
      <p aria-live="polite" className="text-sm" data-testid="import-status" data-state={outcome.kind}>
        {outcome.kind === "sending" && <span className="text-muted">Uploading and reading {outcome.name}…</span>}
        {outcome.kind === "error" && (
          <span role="alert" className="text-danger" data-testid="import-error">
            Not imported: {outcome.message}
          </span>
        )}
        {outcome.kind === "done" && (
          <span>
            {outcome.change === "unchanged" ? "Already imported as" : "Imported as"}{" "}
            <a href={outcome.href} className="font-mono text-xs" data-testid="import-run-link">
              {outcome.id}
            </a>
          </span>
        )}
      </p>
    </form>
  );
}
