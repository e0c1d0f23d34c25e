"use client";
import { useEffect, useRef, useState } from "react";
import { replaceParam } from "../../lib/server/urls";

/** The threshold, mirrored into the address bar (`t=`) shortly after it stops moving. */
export function useUrlThreshold(initial: number): [number, (t: number) => void] {
  const [t, setT] = useState(initial);
  const timer = useRef<number | undefined>(undefined);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => replaceParam("t", String(t)), 250);
    return () => window.clearTimeout(timer.current);
  }, [t]);
  return [t, setT];
}
