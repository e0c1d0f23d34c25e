"use client";
/** Light/dark switch; the choice is remembered (localStorage and a cookie) and applied at once. */
import { THEME_KEY, type PageTheme } from "../../lib/server/page-theme";
import { useTheme } from "./use-theme";

export function ThemeToggle() {
  const theme = useTheme();
  const next: PageTheme = theme === "dark" ? "light" : "dark";
  const toggle = () => {
    document.documentElement.setAttribute("data-theme", next);
    try {
      localStorage.setItem(THEME_KEY, next);
    } catch {
      // private mode: the choice lasts for this page only
    }
    document.cookie = `${THEME_KEY}=${next}; path=/; max-age=31536000; SameSite=Lax`;
  };
  return (
    <button
      type="button"
      onClick={toggle}
      className="inline-flex items-center gap-1.5 rounded-md border border-line bg-surface px-2.5 py-1 text-xs text-fg hover:bg-soft"
      aria-label={`Switch to ${next} theme`}
      title={`Switch to ${next} theme`}
      data-testid="theme-toggle"
    >
      <span aria-hidden="true">{theme === "dark" ? "☾" : "☀"}</span>
      <span className="hidden sm:inline">{theme === "dark" ? "Dark" : "Light"}</span>
    </button>
  );
}
