import type { Point } from '../../schemas/scene.ts';
import type { TrackedDetection } from '../track/byte-tracker.ts';
import type { LineTrackState, Side } from './line-zone-state.ts';

/**
 * Whether a LineZone already followed the object a new track is on: another of its tracks near where
 * the new one was first known (`at`, within two of the new box's widths across and two heights
 * along) counted a crossing to the side the new one
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
    // Within two of its box's widths across and two heights along the picture: a vehicle in the
    // next lane, a box width or two away, is another one (at a distance of two box heights
    // regardless, a lorry seen from an overpass would reach across the road).
    const h = Math.max(d.box.h, t.lastH ?? 0);
    if (Math.abs(t.last[0] - at[0]) <= 2 * d.box.w && Math.abs(t.last[1] - at[1]) <= 2 * h) return true;
  }
  return false;
}
