import type { WatchlistEntry } from '../../schemas/plates.ts';
import { editDistance } from './edit-distance.ts';

/**
 * The watch-list entry a plate read hits, or null: entries not yet expired whose plate is within
 * their edit distance of the read (0: exact). The closest entry wins; among equals, the first.
 *
 * @example
 *   const entry = matchWatchlist('51F67890', entries, Date.now()); // exact, or one character off for maxDistance 1
 */
export function matchWatchlist(
  plate: string,
  entries: readonly WatchlistEntry[],
  nowMs: number,
): { entry: WatchlistEntry; distance: number } | null {
  let best: { entry: WatchlistEntry; distance: number } | null = null;
  for (const entry of entries) {
    if (Date.parse(entry.expiresAt) <= nowMs) continue;
    // Lengths that differ by more than the allowed distance cannot match: skip the computation.
    if (Math.abs(entry.plate.length - plate.length) > entry.maxDistance) continue;
    const distance = editDistance(plate, entry.plate);
    if (distance <= entry.maxDistance && (!best || distance < best.distance)) best = { entry, distance };
  }
  return best;
}

/**
 * A plate for people without the plates role: the first three and the last two characters kept, the
 * rest starred (`51F67890` → `51F***90`), enough to tell reads apart on a screen, not to identify.
 */
export function maskPlate(plate: string): string {
  if (plate.length <= 5) return '*'.repeat(plate.length);
  return `${plate.slice(0, 3)}${'*'.repeat(plate.length - 5)}${plate.slice(-2)}`;
}
