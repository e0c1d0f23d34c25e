/**
 * The paper's depth and width figure from the index: test accuracy against depth (ResNet-D at
 * width 16) and against width (ResNet-14 at width 16·K), one line per trainable mode, mean ± sd
 * over seeds; x as depth/width or as parameters (total or trainable). Points link to their runs.
 */
import type { Metadata } from "next";
import Link from "../../_components/link";
import { z } from "zod";
import { depthWidthRows, type DepthWidthRow } from "../../../lib/server/tables";
import { openDb } from "../../../lib/db/client";
import { otherNetworkCounts } from "../../../lib/db/queries";
import { runListHref } from "../../../lib/server/runs-query";
import { DEPTH_WIDTH_X, lenientParse } from "../../../lib/server/figure-query";
import { depthWidthSpec, type DepthWidthState } from "../../../lib/charts/run-figures";
import type { DepthWidthPoint } from "../../../lib/charts/depth-width";
import { DepthWidthView } from "../../_components/depth-width-view";
import { compact, pct } from "../../../lib/server/format";
import { compareHref, groupRunsHref, LINKED_RUNS_MAX, query, runHref } from "../../../lib/server/urls";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Depth vs width" };

const Query = z.strictObject({
  dataset: z.string().trim().max(40).optional(),
  metric: z.enum(["final", "best"]).default("final"),
  x: z.enum(DEPTH_WIDTH_X).default("size"),
});

const X_LABEL: Record<(typeof DEPTH_WIDTH_X)[number], string> = { size: "depth / width", "params-total": "all parameters", "params-trainable": "trainable parameters" };

function Segmented({ label, options, current, href }: { label: string; options: { value: string; label: string }[]; current: string; href: (v: string) => string }) {
  return (
    <div className="flex flex-col gap-1">
      <span className="text-xs font-medium text-muted">{label}</span>
      <div role="group" aria-label={label} className="inline-flex flex-wrap overflow-hidden rounded-md border border-line">
        {options.map((o) => (
          <Link
            key={o.value}
            href={href(o.value)}
            scroll={false}
            aria-current={o.value === current ? "true" : undefined}
            className={`border-r border-line px-2.5 py-1 text-sm no-underline last:border-r-0 ${o.value === current ? "bg-accent text-surface" : "bg-surface text-fg hover:bg-soft"}`}
          >
            {o.label}
          </Link>
        ))}
      </div>
    </div>
  );
}

export default async function DepthWidthPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { value: q } = lenientParse(Query, await searchParams);
  const db = await openDb();
  const all = await depthWidthRows(db, undefined, q.metric);
  const datasets = [...new Set(all.map((r) => r.dataset))].sort();
  const dataset = q.dataset && datasets.includes(q.dataset) ? q.dataset : datasets[0];
  // VGG and the BN-placement / shortcut variants are other networks: off these axes, said and linked.
  const others = dataset ? await otherNetworkCounts(db, dataset) : [];
  const rows = all.filter((r) => r.dataset === dataset);
  // The figure gets its points only: a group's run ids when few enough to link one by one (a
  // larger group links to the runs list), never every run of the index.
  const points: DepthWidthPoint[] = rows.map((r) => ({
    dataset: r.dataset, family: r.family, depth: r.depth, width: r.width, mode: r.mode, network: r.network, n: r.n,
    ids: r.ids.length <= LINKED_RUNS_MAX ? r.ids : [], final: r.final, best: r.best, parameters: { total: r.parameters.total, trainable: r.parameters.trainable },
  }));
  const href = (patch: Partial<{ dataset: string; metric: string; x: string }>) => `/compare/depth-width${query({ dataset, metric: q.metric, x: q.x, ...patch })}`;

  if (all.length === 0) {
    return (
      <section className="mx-auto max-w-2xl rounded-lg border border-line bg-surface p-6" data-testid="depth-width-empty">
        <h1 className="text-xl font-semibold">Depth vs width</h1>
        <p className="mt-2 text-muted">
          No complete runs yet. The figure needs complete runs of ResNet-D at width 16 (the depth axis) or ResNet-14 at width 16·K (the width axis), in several trainable modes; the demo sweep (<code className="font-mono">npm start</code>) trains some.
        </p>
      </section>
    );
  }

  // Each chart draws every series along its axis, or says in words that the runs hold none.
  const families: { family: "resnet" | "wide"; title: string }[] = [
    { family: "resnet", title: "Against depth" },
    { family: "wide", title: "Against width" },
  ];

  return (
    <div className="flex flex-col gap-4">
      <header className="flex flex-col gap-1">
        <h1 className="text-2xl font-semibold">Depth vs width</h1>
        <p className="max-w-3xl text-sm text-muted">Test accuracy of the complete runs, one line per trainable mode, mean ± sd over seeds. The paper finds that BN-only networks gain more from depth than from width for the same number of trainable parameters; set the x axis to trainable parameters to see it. Click a point to open its runs.</p>
      </header>
      <div className="flex flex-wrap gap-4 rounded-lg border border-line bg-surface p-3" data-testid="depth-width-controls">
        <Segmented label="Dataset" options={datasets.map((d) => ({ value: d, label: d }))} current={dataset} href={(v) => href({ dataset: v })} />
        <Segmented label="Accuracy" options={[{ value: "final", label: "final" }, { value: "best", label: "best" }]} current={q.metric} href={(v) => href({ metric: v })} />
        <Segmented label="x axis" options={DEPTH_WIDTH_X.map((x) => ({ value: x, label: X_LABEL[x] }))} current={q.x} href={(v) => href({ x: v })} />
      </div>
      {others.length > 0 && (
        <p className="text-sm text-muted" data-testid="depth-width-others">
          The axes hold the paper&apos;s grid: ResNets with projection shortcuts and BN before ReLU. Not drawn here:{" "}
          {others.map((o, i) => (
            <span key={`${o.family}/${o.bnPlacement}/${o.shortcut}`}>
              {i > 0 ? ", " : ""}
              <Link href={runListHref({ dataset, family: o.family as "resnet" | "vgg", ...(o.bnPlacement !== "before-relu" ? { bnPlacement: o.bnPlacement as "after-relu" } : {}), ...(o.family === "resnet" && o.shortcut !== "projection" ? { shortcut: o.shortcut as "identity" | "none" } : {}), status: "complete" })}>
                {o.n} run{o.n === 1 ? "" : "s"} of {o.family === "vgg" ? "VGG" : "ResNet"}
                {o.bnPlacement !== "before-relu" ? " with BN after ReLU" : ""}
                {o.family === "resnet" && o.shortcut !== "projection" ? (o.shortcut === "none" ? " without shortcuts" : ` with ${o.shortcut} shortcuts`) : ""}
              </Link>
            </span>
          ))}
          ; the findings page compares them.
        </p>
      )}
      <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
        {families.map(({ family, title }) => {
          const state: DepthWidthState = { family, x: q.x, metric: q.metric, dataset };
          return (
            <section key={family} aria-label={title} className="rounded-lg border border-line bg-surface p-2" data-family={family}>
              <DepthWidthView spec={depthWidthSpec(points, state)} name={`depth-width-${family}`} exportUrl={`/api/depth-width/figure${query({ dataset, metric: q.metric, family, x: q.x })}`} />
            </section>
          );
        })}
      </div>
      <section aria-labelledby="dw-table" className="flex flex-col gap-2">
        <h2 id="dw-table" className="text-lg font-semibold">
          The numbers
        </h2>
        <div className="overflow-x-auto rounded-lg border border-line bg-surface">
          <table className="w-full text-sm" data-testid="depth-width-table">
            <thead className="bg-soft text-left text-xs">
              <tr>
                <th scope="col" className="px-2 py-2 font-medium">Network</th>
                <th scope="col" className="px-2 py-2 text-right font-medium">Depth</th>
                <th scope="col" className="px-2 py-2 text-right font-medium">Width</th>
                <th scope="col" className="px-2 py-2 font-medium">Trainable</th>
                <th scope="col" className="px-2 py-2 text-right font-medium">Seeds</th>
                <th scope="col" className="px-2 py-2 text-right font-medium">{q.metric === "best" ? "Best" : "Final"} accuracy</th>
                <th scope="col" className="px-2 py-2 text-right font-medium">Params (trainable / total)</th>
                <th scope="col" className="px-2 py-2 font-medium">Runs</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r: DepthWidthRow) => (
                <tr key={`${r.depth}-${r.width}-${r.mode}`} className="border-t border-line align-top" data-network={r.network}>
                  <td className="px-2 py-1.5 whitespace-nowrap">{r.network}</td>
                  <td className="px-2 py-1.5 text-right tabular-nums">{r.depth}</td>
                  <td className="px-2 py-1.5 text-right tabular-nums">{r.width}</td>
                  <td className="px-2 py-1.5">{r.mode}</td>
                  <td className="px-2 py-1.5 text-right tabular-nums">{r.n}</td>
                  <td className="whitespace-nowrap px-2 py-1.5 text-right tabular-nums">
                    {pct(r.accuracy.mean)}
                    {r.accuracy.sd !== null ? ` ± ${(r.accuracy.sd * 100).toFixed(1)}` : ""}
                  </td>
                  <td className="whitespace-nowrap px-2 py-1.5 text-right tabular-nums">
                    {compact(r.parameters.trainable)} / {compact(r.parameters.total)}
                  </td>
                  <td className="px-2 py-1.5 text-xs">
                    {r.ids.length > LINKED_RUNS_MAX && (
                      <Link href={groupRunsHref(r)} aria-label={`list all ${r.ids.length} runs of ${r.network}, ${r.mode}`}>
                        {r.ids.length} runs
                      </Link>
                    )}
                    {r.ids.length > 1 && r.ids.length <= LINKED_RUNS_MAX && (
                      <Link href={compareHref(r.ids)} className="mr-2" aria-label={`compare all ${r.ids.length} runs of ${r.network}, ${r.mode}`}>
                        compare all
                      </Link>
                    )}
                    {r.ids.length <= LINKED_RUNS_MAX && r.ids.map((id, i) => (
                      <Link key={id} href={runHref(id)} className="mr-2 font-mono" title={id} aria-label={`open run ${id} (${r.network}, ${r.mode})`}>
                        {/-s(\d+)$/.exec(id) ? `s${/-s(\d+)$/.exec(id)![1]}` : `run ${i + 1}`}
                      </Link>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
