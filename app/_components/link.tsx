"use client";
/**
 * The dashboard's links: next/link without prefetching in the viewport (the runs page alone
 * would fetch dozens of pages on every visit, each rendered by the server), and with the page
 * prefetched when the pointer rests on the link or it takes keyboard focus — the moment before
 * a click, when it still saves time.
 */
import NextLink from "next/link";
import { useRouter } from "next/navigation";
import type { ComponentProps, FocusEvent, MouseEvent } from "react";

type Props = Omit<ComponentProps<typeof NextLink>, "href" | "prefetch"> & { href: string };

export default function Link({ href, onMouseEnter, onFocus, ...rest }: Props) {
  const router = useRouter();
  const prefetch = () => router.prefetch(href);
  return (
    <NextLink
      href={href}
      prefetch={false}
      onMouseEnter={(e: MouseEvent<HTMLAnchorElement>) => {
        prefetch();
        onMouseEnter?.(e);
      }}
      onFocus={(e: FocusEvent<HTMLAnchorElement>) => {
        prefetch();
        onFocus?.(e);
      }}
      {...rest}
    />
  );
}
