/** The page theme: remembered in localStorage (and a cookie), applied as `<html data-theme>`. */
export type PageTheme = "light" | "dark";

export const THEME_KEY = "bnlab-theme";

/** Runs in <head> before the first paint: the stored choice, else the system's preference. */
export const THEME_SCRIPT = `(function(){try{var t=localStorage.getItem("${THEME_KEY}");if(t!=="light"&&t!=="dark"){t=window.matchMedia&&window.matchMedia("(prefers-color-scheme: dark)").matches?"dark":"light"}document.documentElement.setAttribute("data-theme",t)}catch(e){}})()`;
