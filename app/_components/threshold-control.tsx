"use client";
/**
 * The threshold t on |γ|: a log-scale slider (a native, labelled `<input type="range">` over
 * log10 t, so arrow keys, Page Up/Down, Home and End work), a number field for an exact value,
 * and optionally "prune the p % smallest", which sets t to the |γ| at that rank.
 */
import { useEffect, useId, useState } from "react";
import { threshold as fmt } from "../../lib/server/format";

export interface ThresholdControlProps {
  value: number;
  onChange: (t: number) => void;
  /** [lo, hi] of log10 t. */
  range: [number, number];
  /** Slider step in decades (default 0.05: 20 steps per decade). */
  step?: number;
  /** With "prune the p % smallest": p → t. */
  percentToThreshold?: (p: number) => number;
  /** Fraction currently below t, shown in the percent field when it was not typed. */
  fraction?: number;
  label?: string;
}

/** 10^v with 3 significant digits (a slider position as people write a threshold). */
export function fromLog(v: number): number {
  return Number((10 ** v).toPrecision(3));
}

export function ThresholdControl({ value, onChange, range, step = 0.05, percentToThreshold, fraction, label = "Threshold t on |γ|" }: ThresholdControlProps) {
  const id = useId();
  const [text, setText] = useState(String(value));
  const [percent, setPercent] = useState<string | null>(null);
  // The slider sits on its step grid (a value between steps would make the next arrow key stop at
  // the grid instead of moving one step).
  const steps = Math.round((Math.min(range[1], Math.max(range[0], Math.log10(value))) - range[0]) / step);
  const logValue = Number((range[0] + steps * step).toFixed(6));

  // Follow changes made elsewhere (the slider, the percent field, the URL) unless the field is being typed in.
  useEffect(() => {
    setText((old) => (Number(old) === value ? old : fmt(value)));
  }, [value]);

  return (
    <div className="flex flex-wrap items-end gap-x-5 gap-y-3" data-testid="threshold-control">
      <div className="flex min-w-[220px] flex-[1_1_320px] flex-col gap-1">
        <label htmlFor={`${id}-slider`} className="text-xs font-medium text-muted">
          {label} (log scale)
        </label>
        <div className="flex items-center gap-2">
          <span className="w-10 text-right text-[11px] text-muted tabular-nums" aria-hidden="true">
            {fmt(10 ** range[0])}
          </span>
          <input
            id={`${id}-slider`}
            type="range"
            min={range[0]}
            max={range[1]}
            step={step}
            value={logValue}
            aria-valuetext={`t = ${fmt(value)}`}
            data-testid="threshold-slider"
            onChange={(e) => {
              setPercent(null);
              onChange(fromLog(Number(e.target.value)));
            }}
            className="h-6 flex-1"
          />
          <span className="w-10 text-[11px] text-muted tabular-nums" aria-hidden="true">
            {fmt(10 ** range[1])}
          </span>
        </div>
      </div>
      <label htmlFor={`${id}-number`} className="flex w-32 flex-col gap-1 text-xs font-medium text-muted">
        t =
        <input
          id={`${id}-number`}
          type="number"
          inputMode="decimal"
          min={0}
          step="any"
          value={text}
          data-testid="threshold-input"
          onChange={(e) => {
            setText(e.target.value);
            const t = Number(e.target.value);
            if (e.target.value.trim() !== "" && Number.isFinite(t) && t > 0) {
              setPercent(null);
              onChange(t);
            }
          }}
          onBlur={() => setText(fmt(value))}
          className="rounded-md border border-line bg-surface px-2 py-1 text-sm text-fg tabular-nums"
        />
      </label>
      {percentToThreshold && (
        <label htmlFor={`${id}-percent`} className="flex w-44 flex-col gap-1 text-xs font-medium text-muted">
          Prune the smallest … % of channels
          <span className="flex items-center gap-1">
            <input
              id={`${id}-percent`}
              type="number"
              min={0}
              max={100}
              step={1}
              value={percent ?? (fraction !== undefined && Number.isFinite(fraction) ? String(Number((fraction * 100).toFixed(1))) : "")}
              data-testid="percent-input"
              onChange={(e) => {
                setPercent(e.target.value);
                const p = Number(e.target.value);
                if (e.target.value.trim() !== "" && p >= 0 && p <= 100) {
                  const t = percentToThreshold(p);
                  if (t > 0) onChange(t);
                }
              }}
              onBlur={() => setPercent(null)}
              className="w-24 rounded-md border border-line bg-surface px-2 py-1 text-sm text-fg tabular-nums"
            />
            <span className="text-sm text-fg">%</span>
          </span>
        </label>
      )}
    </div>
  );
}
