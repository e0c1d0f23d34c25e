"use client";
/**
 * The runs list's "Compare selected" button. The checkboxes are plain inputs of a GET form to
 * /compare (which works without JavaScript, as `?runs=a&runs=b`); with JavaScript the button counts
 * the selection and opens `/compare?runs=a,b,c`.
 */
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";

export function CompareBar() {
  const router = useRouter();
  const button = useRef<HTMLButtonElement>(null);
  const [selected, setSelected] = useState<string[]>([]);

  useEffect(() => {
    const form = button.current?.form;
    if (!form) return;
    const read = () => setSelected(new FormData(form).getAll("runs").map(String));
    read();
    form.addEventListener("change", read);
    return () => form.removeEventListener("change", read);
  }, []);

  const clear = () => {
    const form = button.current?.form;
    if (!form) return;
    for (const box of Array.from(form.querySelectorAll<HTMLInputElement>('input[name="runs"]'))) box.checked = false;
    setSelected([]);
  };

  return (
    <div className="flex flex-wrap items-center gap-2 text-sm">
      <button
        ref={button}
        type="submit"
        disabled={selected.length < 2}
        data-testid="compare-selected"
        onClick={(e) => {
          e.preventDefault();
          if (selected.length >= 2) router.push(`/compare?runs=${selected.map(encodeURIComponent).join(",")}`);
        }}
        className="rounded-md bg-accent px-3 py-1.5 font-medium text-surface disabled:cursor-not-allowed disabled:opacity-40"
      >
        Compare selected{selected.length ? ` (${selected.length})` : ""}
      </button>
      {selected.length > 0 ? (
        <button type="button" onClick={clear} className="text-xs text-accent hover:underline">
          clear selection
        </button>
      ) : (
        <span className="text-xs text-muted">tick two or more runs to overlay their curves and γ</span>
      )}
    </div>
  );
}
