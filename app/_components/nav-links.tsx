"use client";
/** The header's navigation, marking the current section. */
import Link from "./link";
import { usePathname } from "next/navigation";

const LINKS = [
  { href: "/", label: "Runs", match: (p: string) => p === "/" || p.startsWith("/runs") },
  { href: "/compare/depth-width", label: "Depth vs width", match: (p: string) => p.startsWith("/compare/depth-width") },
  { href: "/compare", label: "Compare", match: (p: string) => p === "/compare" },
  { href: "/findings", label: "Findings", match: (p: string) => p.startsWith("/findings") },
  { href: "/import", label: "Import", match: (p: string) => p.startsWith("/import") },
];

export function NavLinks() {
  const pathname = usePathname() ?? "/";
  return (
    <nav aria-label="Main" className="flex items-center gap-0.5 text-[13px] sm:gap-1 sm:text-sm">
      {LINKS.map((l) => {
        const active = l.match(pathname);
        return (
          <Link
            key={l.href}
            href={l.href}
            aria-current={active ? "page" : undefined}
            className={`whitespace-nowrap rounded-md px-1.5 py-1 no-underline sm:px-2.5 ${active ? "bg-accent-soft font-semibold text-accent" : "text-muted hover:bg-soft hover:text-fg"}`}
          >
            {l.label}
          </Link>
        );
      })}
    </nav>
  );
}
