"use client";
/**
 * The runs list's filter bar. Every change goes into the URL (router.replace: bookmarkable, back
 * button friendly, no history spam) and the server page filters the index again; typing is
 * debounced. Without JavaScript it is a plain GET form with an Apply button.
 */
import { usePathname, useRouter } from "next/navigation";
import { useEffect, useRef, useState, useTransition } from "react";
import type { RunListState } from "../../lib/server/runs-query";

export interface FilterOptions {
  dataset: string[];
  family: string[];
  bnPlacement: string[];
  shortcut: string[];
  bnInit: string[];
  depth: number[];
  width: number[];
  mode: string[];
  seed: number[];
  status: string[];
  backend: string[];
}

type Values = Record<string, string>;

const TEXT_FIELDS = ["q", "epochsMin", "finalMin", "bestMin", "paramsMin", "paramsMax", "since"] as const;
const SELECT_FIELDS = ["dataset", "family", "depth", "width", "bnPlacement", "shortcut", "bnInit", "mode", "seed", "status", "backend"] as const;
/** Shown only where the index holds more than one value (or the URL sets one): most labs train one kind of network. */
const VARIANT_FIELDS: ReadonlySet<string> = new Set(["family", "bnPlacement", "shortcut", "bnInit"]);

function valuesOf(s: RunListState): Values {
  const out: Values = {};
  for (const k of [...TEXT_FIELDS, ...SELECT_FIELDS]) {
    const v = s[k];
    out[k] = v === undefined ? "" : String(v);
  }
  return out;
}

const LABELS: Record<(typeof SELECT_FIELDS)[number], string> = {
  dataset: "Dataset",
  family: "Network",
  depth: "Depth",
  bnPlacement: "BN placement",
  shortcut: "Shortcuts",
  bnInit: "BN init",
  width: "Width",
  mode: "Trainable",
  seed: "Seed",
  status: "Status",
  backend: "Backend",
};

const SORT_CHOICES: [string, string][] = [
  ["started:desc", "newest first"],
  ["started:asc", "oldest first"],
  ["final:desc", "final accuracy, best first"],
  ["best:desc", "best accuracy, best first"],
  ["arch:asc", "architecture"],
  ["mode:asc", "trainable mode"],
  ["seed:asc", "seed"],
  ["status:asc", "status"],
  ["params:asc", "trainable parameters"],
  ["epochs:desc", "epochs done"],
  ["dataset:asc", "dataset"],
  ["backend:asc", "backend"],
  ["id:asc", "run id"],
];

const VALUE_LABELS: Record<string, string> = { resnet: "ResNet", vgg: "VGG", "before-relu": "before ReLU", "after-relu": "after ReLU", projection: "projection", identity: "identity", none: "none (plain)" };

function optionLabel(k: (typeof SELECT_FIELDS)[number], o: string | number): string {
  if (k === "depth") return `depth ${o}`;
  if (k === "width") return `width ${o}`;
  return VALUE_LABELS[String(o)] !== undefined && (k === "family" || k === "bnPlacement" || k === "shortcut") ? VALUE_LABELS[String(o)] : String(o);
}

const input = "w-full rounded-md border border-line bg-surface px-2 py-1 text-sm text-fg placeholder:text-muted focus:outline-2 focus:outline-accent";

export function RunFilters({ state, options }: { state: RunListState; options: FilterOptions }) {
  const router = useRouter();
  const pathname = usePathname();
  const [pending, startTransition] = useTransition();
  const [values, setValues] = useState<Values>(() => valuesOf(state));
  const editing = useRef<string | null>(null);
  const timer = useRef<number | undefined>(undefined);
  const serverKey = JSON.stringify(valuesOf(state));

  // The URL changed under us (back/forward, a sort link, "clear"): show what it says, except in
  // the field being typed in.
  useEffect(() => {
    const fromUrl = JSON.parse(serverKey) as Values;
    setValues((old) => {
      const next = { ...fromUrl };
      if (editing.current) next[editing.current] = old[editing.current];
      return next;
    });
  }, [serverKey]);

  useEffect(() => () => window.clearTimeout(timer.current), []);

  const navigate = (next: Values) => {
    const params = new URLSearchParams(window.location.search);
    for (const [k, v] of Object.entries(next)) {
      if (v.trim() === "") params.delete(k);
      else params.set(k, v.trim());
    }
    params.delete("page");
    const qs = params.toString();
    startTransition(() => router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false }));
  };

  const setField = (k: string, v: string, debounce: boolean) => {
    const next = { ...values, [k]: v };
    setValues(next);
    window.clearTimeout(timer.current);
    if (debounce) timer.current = window.setTimeout(() => navigate(next), 350);
    else navigate(next);
  };

  const clear = () => {
    window.clearTimeout(timer.current);
    const empty: Values = Object.fromEntries(Object.keys(values).map((k) => [k, ""]));
    setValues(empty);
    const params = new URLSearchParams(window.location.search);
    const keep = new URLSearchParams();
    for (const k of ["sort", "order"]) if (params.has(k)) keep.set(k, params.get(k)!);
    const qs = keep.toString();
    startTransition(() => router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false }));
  };

  const textProps = (k: (typeof TEXT_FIELDS)[number]) => ({
    id: `filter-${k}`,
    name: k,
    value: values[k],
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => setField(k, e.target.value, true),
    onFocus: () => (editing.current = k),
    onBlur: () => (editing.current = null),
  });

  const active = Object.values(values).some((v) => v !== "");
  const sortValue = `${state.sort ?? "started"}:${state.order ?? ((state.sort ?? "started") === "started" ? "desc" : "asc")}`;

  return (
    <form
      action={pathname}
      method="get"
      role="search"
      aria-label="Filter runs"
      data-testid="run-filters"
      onSubmit={(e) => {
        e.preventDefault();
        window.clearTimeout(timer.current);
        navigate(values);
      }}
      className="rounded-lg border border-line bg-surface p-3"
    >
      <div className="flex flex-wrap items-end gap-3">
        <label className="flex min-w-[14rem] flex-[2_1_16rem] flex-col gap-1 text-xs text-muted" htmlFor="filter-q">
          Search
          <input type="search" placeholder="run id, mode, dataset, backend, error…" className={input} {...textProps("q")} />
        </label>
        {SELECT_FIELDS.filter((k) => !VARIANT_FIELDS.has(k) || options[k].length > 1 || values[k] !== "").map((k) => (
          <label key={k} className="flex min-w-[6.5rem] flex-[1_1_7rem] flex-col gap-1 text-xs text-muted" htmlFor={`filter-${k}`}>
            {LABELS[k]}
            <select id={`filter-${k}`} name={k} value={values[k]} onChange={(e) => setField(k, e.target.value, false)} className={input}>
              <option value="">any</option>
              {(options[k] as (string | number)[]).map((o) => (
                <option key={String(o)} value={String(o)}>
                  {optionLabel(k, o)}
                </option>
              ))}
            </select>
          </label>
        ))}
      </div>
      <details className="mt-2" open={TEXT_FIELDS.slice(1).some((k) => values[k] !== "")}>
        <summary className="cursor-pointer select-none text-xs text-muted">More filters: epochs, accuracy, parameters, start date</summary>
        <div className="mt-2 flex flex-wrap items-end gap-3">
          <label className="flex w-28 flex-col gap-1 text-xs text-muted" htmlFor="filter-epochsMin">
            Epochs done ≥
            <input type="number" min={0} inputMode="numeric" className={input} {...textProps("epochsMin")} />
          </label>
          <label className="flex w-28 flex-col gap-1 text-xs text-muted" htmlFor="filter-finalMin">
            Final acc. ≥ %
            <input type="number" min={0} max={100} step="any" className={input} {...textProps("finalMin")} />
          </label>
          <label className="flex w-28 flex-col gap-1 text-xs text-muted" htmlFor="filter-bestMin">
            Best acc. ≥ %
            <input type="number" min={0} max={100} step="any" className={input} {...textProps("bestMin")} />
          </label>
          <label className="flex w-32 flex-col gap-1 text-xs text-muted" htmlFor="filter-paramsMin">
            Trainable params ≥
            <input type="number" min={0} className={input} {...textProps("paramsMin")} />
          </label>
          <label className="flex w-32 flex-col gap-1 text-xs text-muted" htmlFor="filter-paramsMax">
            Trainable params ≤
            <input type="number" min={0} className={input} {...textProps("paramsMax")} />
          </label>
          <label className="flex w-40 flex-col gap-1 text-xs text-muted" htmlFor="filter-since">
            Started on or after
            <input type="date" className={input} {...textProps("since")} />
          </label>
        </div>
      </details>
      <div className="mt-2 flex flex-wrap items-center gap-3 text-xs">
        <label className="flex items-center gap-1 text-muted md:hidden" htmlFor="filter-sort">
          Sort
          <select
            id="filter-sort"
            value={sortValue}
            onChange={(e) => {
              const [sort, order] = e.target.value.split(":");
              const params = new URLSearchParams(window.location.search);
              params.set("sort", sort);
              params.set("order", order);
              params.delete("page");
              startTransition(() => router.replace(`${pathname}?${params}`, { scroll: false }));
            }}
            className="rounded-md border border-line bg-surface px-1.5 py-1 text-xs text-fg"
          >
            {(SORT_CHOICES.some(([v]) => v === sortValue) ? SORT_CHOICES : [[sortValue, sortValue.replace(":", ", ")] as [string, string], ...SORT_CHOICES]).map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="rounded-md border border-line px-2.5 py-1 text-fg hover:bg-soft">
          Apply
        </button>
        {active && (
          <button type="button" onClick={clear} className="text-accent underline-offset-2 hover:underline" data-testid="clear-filters">
            Clear filters
          </button>
        )}
        <span aria-live="polite" className="text-muted">
          {pending ? "updating…" : ""}
        </span>
      </div>
    </form>
  );
}
