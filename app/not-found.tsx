import Link from "./_components/link";

export default function NotFound() {
  return (
    <section className="mx-auto max-w-2xl rounded-lg border border-line bg-surface p-6" data-testid="not-found">
      <h1 className="text-xl font-semibold">Not found</h1>
      <p className="mt-2 text-muted">There is no such run or page in this index. Runs appear here once they are ingested (<code className="font-mono">npx bnlab ingest</code>).</p>
      <Link href="/" className="mt-4 inline-block">
        ← All runs
      </Link>
    </section>
  );
}
