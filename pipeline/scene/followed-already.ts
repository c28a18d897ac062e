import type { Point } from '../../schemas/scene.ts';
import type { TrackedDetection } from '../track/byte-tracker.ts';
import type { LineTrackState, Side } from './line-zone-state.ts';

/**
 * Whether a LineZone already followed the object a new track is on: another of its tracks near where
 * the new one was first known (`at`, within two box sizes) counted a crossing to the side the new one
 * is on in the last three frame intervals, or went missing on a course across the line (its exit
 * still to count). That is the same vehicle under a new id the tracker did not link, or a box on part
 * of it, and it must not count twice.
 *
 * @example
 *   if (followedAlready(tracks, d, d.origin, 'left', tsMs, 500)) return; // no second count
 */
export function followedAlready(
  tracks: ReadonlyMap<number, LineTrackState>,
  d: TrackedDetection,
  at: Point,
  sideNow: Side,
  tsMs: number,
  frameMs: number | null,
): boolean {
  const recentMs = 3 * (frameMs ?? 0);
  for (const [id, t] of tracks) {
    if (id === d.trackId || !t.last) continue;
    const counted = t.countedMs !== undefined && tsMs - t.countedMs <= recentMs && t.side === sideNow;
    if (!counted && t.exitSide !== sideNow) continue;
    const reach = 2 * Math.max(d.box.w, d.box.h, t.size ?? 0);
    if (Math.hypot(t.last[0] - at[0], t.last[1] - at[1]) <= reach) return true;
  }
  return false;
}
