"use client";
/**
 * The runs list's "Compare selected" button. The checkboxes are plain inputs of a GET form to
 * /compare (which works without JavaScript, as `?runs=a&runs=b`); with JavaScript the button counts
 * the selection and opens `/compare?runs=a,b,c`. The ticked runs are kept in the address
 * (`?sel=a,b`, replaced in place: no request), so a reload, a bookmark or a filter that hides a
 * ticked run keeps the selection.
 */
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";

/** `sel` in the address, replaced in place (no navigation, no request); nothing else is touched. */
function writeSelection(selected: string[]): void {
  const params = new URLSearchParams(window.location.search);
  const want = selected.join(",");
  if ((params.get("sel") ?? "") === want) return;
  if (want) params.set("sel", want);
  else params.delete("sel");
  const qs = params.toString().replaceAll("%2C", ",");
  window.history.replaceState(window.history.state, "", `${window.location.pathname}${qs ? `?${qs}` : ""}`);
}

export function CompareBar({ initial }: { initial: string[] }) {
  const router = useRouter();
  const button = useRef<HTMLButtonElement>(null);
  const [selected, setSelected] = useState<string[]>(initial);

  useEffect(() => {
    const form = button.current?.form;
    if (!form) return;
    const onChange = (e: Event) => {
      const box = e.target as HTMLInputElement;
      if (box.name !== "runs") return;
      setSelected((old) => (box.checked ? [...new Set([...old, box.value])] : old.filter((id) => id !== box.value)));
    };
    form.addEventListener("change", onChange);
    return () => form.removeEventListener("change", onChange);
  }, []);

  // After every render: a sort or page link leaves `sel` out of the address; put it back.
  useEffect(() => writeSelection(selected));

  const clear = () => {
    const form = button.current?.form;
    if (!form) return;
    for (const box of Array.from(form.querySelectorAll<HTMLInputElement>('input[name="runs"]'))) box.checked = false;
    setSelected([]);
  };

  const n = selected.length;
  return (
    <div className="flex flex-wrap items-center gap-2 text-sm">
      <button
        ref={button}
        type="submit"
        disabled={n < 2}
        data-testid="compare-selected"
        data-selected={n}
        onClick={(e) => {
          e.preventDefault();
          if (n >= 2) router.push(`/compare?runs=${selected.map(encodeURIComponent).join(",")}`);
        }}
        className="rounded-md bg-accent px-3 py-1.5 font-medium text-surface disabled:cursor-not-allowed disabled:opacity-40"
      >
        {n >= 2 ? `Compare ${n} runs` : "Compare selected"}
      </button>
      {n > 0 && (
        <button type="button" onClick={clear} className="text-xs text-accent hover:underline">
          clear selection
        </button>
      )}
      <span className="text-xs text-muted" data-testid="selection-hint">
        {n === 0 ? "tick two or more runs to overlay their curves and γ" : n === 1 ? "1 run ticked: tick one more to compare" : `${n} runs ticked`}
      </span>
    </div>
  );
}
