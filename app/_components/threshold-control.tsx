"use client";
/**
 * The threshold t on |γ|: a log-scale slider (a native, labelled `<input type="range">` over
 * log10 t, so arrow keys, Page Up/Down, Home and End work), a number field for an exact value,
 * and optionally "prune the p % smallest", which sets t to the |γ| at that rank. A value that does
 * not parse is never applied: the field is marked invalid and says what is allowed.
 */
import { useEffect, useId, useState } from "react";
import { parsePercentInput, parseThresholdInput } from "../../lib/analysis/threshold-input";
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
  const [tError, setTError] = useState<string | null>(null);
  const [pError, setPError] = useState<string | null>(null);
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
          aria-invalid={tError ? true : undefined}
          aria-describedby={tError ? `${id}-number-error` : undefined}
          onChange={(e) => {
            setText(e.target.value);
            const parsed = parseThresholdInput(e.target.value);
            setTError(parsed.ok ? null : parsed.message);
            if (parsed.ok) {
              setPercent(null);
              setPError(null);
              onChange(parsed.value);
            }
          }}
          onBlur={() => {
            // The box goes back to the value the figures show.
            setText(fmt(value));
            setTError(null);
          }}
          className="rounded-md border border-line bg-surface px-2 py-1 text-sm text-fg tabular-nums aria-[invalid=true]:border-danger"
        />
        {tError && (
          <span id={`${id}-number-error`} role="alert" className="text-xs font-normal text-danger" data-testid="threshold-error">
            {tError}; the figures still show t = {fmt(value)}
          </span>
        )}
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
              step="any"
              value={percent ?? (fraction !== undefined && Number.isFinite(fraction) ? String(Number((fraction * 100).toFixed(1))) : "")}
              data-testid="percent-input"
              aria-invalid={pError ? true : undefined}
              aria-describedby={pError ? `${id}-percent-error` : undefined}
              onChange={(e) => {
                setPercent(e.target.value);
                const parsed = parsePercentInput(e.target.value);
                setPError(parsed.ok ? null : parsed.message);
                if (parsed.ok) {
                  const t = percentToThreshold(parsed.value);
                  if (t > 0) {
                    setTError(null);
                    onChange(t);
                  }
                }
              }}
              onBlur={() => {
                setPercent(null);
                setPError(null);
              }}
              className="w-24 rounded-md border border-line bg-surface px-2 py-1 text-sm text-fg tabular-nums aria-[invalid=true]:border-danger"
            />
            <span className="text-sm text-fg">%</span>
          </span>
          {pError && (
            <span id={`${id}-percent-error`} role="alert" className="text-xs font-normal text-danger" data-testid="percent-error">
              {pError}
            </span>
          )}
        </label>
      )}
    </div>
  );
}
