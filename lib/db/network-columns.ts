/** The index columns that name a network (lib/models/names): a search by name matches their distinct rows. */
export const NETWORK_COLUMNS = ["family", "depth", "width", "bnPlacement", "shortcut", "architecture"] as const;
export type NetworkRow = { family: string; depth: number; width: number; bnPlacement: string; shortcut: string; architecture: string | null };
export const NETWORK_SELECT = { family: true, depth: true, width: true, bnPlacement: true, shortcut: true, architecture: true } as const;
