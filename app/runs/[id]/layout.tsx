/**
 * Around a run's pages (the run, its prune page): an unknown run answers 404. The check sits here,
 * above this segment's loading boundary, because once that boundary streams its placeholder the
 * status is already 200 and a notFound() in the page can no longer change it.
 */
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { openDb } from "../../../lib/db/client";
import { runExists } from "../../../lib/db/queries";
import { runIdOf } from "../../../lib/server/run-id";

export default async function RunLayout({ children, params }: { children: ReactNode; params: Promise<{ id: string }> }) {
  const id = runIdOf((await params).id);
  if (!id || !(await runExists(await openDb(), id))) notFound();
  return children;
}
