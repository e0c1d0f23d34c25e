// Prints the findings page's verdicts for the database in DATABASE_URL, waiting for pruning curves.
import { openDb } from "./lib/db/client";
import { loadFindings } from "./lib/server/findings";

const db = await openDb();
const t0 = Date.now();
for (;;) {
  const f = await loadFindings(db, process.argv[2]);
  const pending = f.list.flatMap((x) => x.pending ?? []);
  if (pending.length === 0 || Date.now() - t0 > 20 * 60_000) {
    console.log(`dataset ${f.dataset}, ${f.runs} complete runs`);
    for (const x of f.list) {
      console.log(`\n(${x.n}) ${x.claim}\n  verdict: ${x.verdict}${x.budget ? `  budget: ${JSON.stringify(x.budget)}` : ""}`);
      for (const c of x.comparisons) console.log(`  - ${JSON.stringify(c)}`);
      if (x.needs) console.log(`  needs: ${x.needs.runs} (${x.needs.sweep})`);
    }
    if (Object.keys(f.pruningErrors).length) console.log("pruning errors", f.pruningErrors);
    break;
  }
  await new Promise((r) => setTimeout(r, 5000));
}
process.exit(0);
