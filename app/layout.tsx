import type { Metadata, Viewport } from "next";
import Link from "./_components/link";
import type { ReactNode } from "react";
import { NavLinks } from "./_components/nav-links";
import { SweepPanel } from "./_components/sweep-panel";
import { ThemeToggle } from "./_components/theme-toggle";
import { THEME_SCRIPT } from "../lib/server/page-theme";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "bnlab", template: "%s · bnlab" },
  description: "Training BatchNorm and only BatchNorm: runs, γ analysis, pruning and depth/width figures",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" data-theme="light" suppressHydrationWarning>
      <head>
        {/* Sets data-theme from the remembered choice (or the system's) before the first paint. */}
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body className="min-h-screen bg-page font-sans text-fg antialiased">
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-surface focus:px-3 focus:py-2">
          Skip to content
        </a>
        <header className="sticky top-0 z-40 border-b border-line bg-surface/95 backdrop-blur">
          <div className="mx-auto flex max-w-[1240px] flex-wrap items-center gap-x-3 gap-y-1 px-3 py-2 sm:gap-x-6 sm:px-4">
            <Link href="/" className="flex items-baseline gap-2 text-fg no-underline">
              <span className="text-lg font-bold tracking-tight">bnlab</span>
              <span className="hidden text-xs text-muted sm:inline">training BatchNorm and only BatchNorm</span>
            </Link>
            <NavLinks />
            <div className="ml-auto">
              <ThemeToggle />
            </div>
          </div>
        </header>
        <main id="main" className="mx-auto max-w-[1240px] px-3 py-5 sm:px-4">
          <SweepPanel />
          {children}
        </main>
        <footer className="mx-auto max-w-[1240px] px-4 pb-8 pt-4 text-xs text-muted">
          Frankle, Schwab &amp; Morcos, <em>Training BatchNorm and Only BatchNorm: On the Expressive Power of Random Features in CNNs</em>, ICLR 2021.
        </footer>
      </body>
    </html>
  );
}
