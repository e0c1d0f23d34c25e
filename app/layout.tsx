import type { ReactNode } from "react";

export const metadata = { title: "bnlab", description: "Training BatchNorm and only BatchNorm" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
