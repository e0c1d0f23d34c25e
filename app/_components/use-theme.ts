"use client";
/** The page's current theme (`<html data-theme>`), following every change of it. */
import { useSyncExternalStore } from "react";
import type { PageTheme } from "../../lib/server/page-theme";

function subscribe(onChange: () => void): () => void {
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  return () => observer.disconnect();
}

const current = (): PageTheme => (document.documentElement.getAttribute("data-theme") === "dark" ? "dark" : "light");

export function useTheme(): PageTheme {
  return useSyncExternalStore(subscribe, current, () => "light");
}
