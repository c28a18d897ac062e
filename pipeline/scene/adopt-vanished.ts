import type { LineTrackState } from './line-zone-state.ts';
import { couldBe } from './where-now.ts';

/**
 * A new track where a missing one was heading is most likely the same vehicle under a new id (the
 * tracker lost it: a frame without detection, a box cut by the picture's edge). The new id takes
 * over the missing one's state, side and pending exit included, so one vehicle never counts twice:
 * once for the old id and again from the new id's origin. Returns the adopted state (now under
 * `trackId` in `tracks`) and the id it was under, or undefined.
 *
 * Not a missing track another id already stood in for (`followed`): its object goes on under that
 * id, and a third id taking its side counted a crossing no one made (a person standing at a
 * crossing's kerb took a walker's far side 1.5 s after another id had taken the walker over).
 *
 * @example
 *   const t = tracks.get(d.trackId) ?? adoptVanished(tracks, d.trackId, anchor, size, tsMs, present)?.state;
 */
export function adoptVanished(
  tracks: Map<number, LineTrackState>,
  trackId: number,
  anchor: [number, number],
  size: number,
  tsMs: number,
  present: ReadonlySet<number>,
): { state: LineTrackState; fromId: number } | undefined {
  for (const [id, t] of tracks) {
    // Only a track missing from this frame: one seen in it is another vehicle.
    if (present.has(id) || t.lastSeenMs >= tsMs || t.followed) continue;
    // Where its perspective course or its tracker velocity puts it, and of a size it could have.
    if (!couldBe(t, anchor, size, tsMs)) continue;
    tracks.delete(id);
    // No lastH: its course starts from the new id's sightings (old box to new races off).
    const adopted = { ...t, trackId, lastH: undefined };
    tracks.set(trackId, adopted);
    return { state: adopted, fromId: id };
  }
  return undefined;
}
