import type { TrackedDetection } from '../track/byte-tracker.ts';
import { bottomCentre } from './geometry.ts';
import type { LineTrackState } from './line-zone-state.ts';
import { whereNow } from './where-now.ts';

/** A track standing within this share of a vanished one's size from where it would be is the same object. */
export const SAME_OBJECT_SHARE = 0.3;

/**
 * Whether another track of its kind (person, or vehicle) stands where a track that just went
 * missing would be now, within {@link SAME_OBJECT_SHARE} of its size: the tracker followed one
 * object under two ids for a frame or two (a box that changed shape, a weak duplicate) and the other
 * id still follows it. Such a vanishing is not an exit, so the object counts once. Neighbours in
 * traffic stand a lane or a length apart, farther than that share. A track seen only once (the
 * usual split-off duplicate) also counts as still seen where it last stood, as its course from one
 * sighting is only the tracker's guess.
 *
 * @example
 *   // Track 7 of a LineZone went missing in this frame: is its object still followed by another id?
 *   if (stillSeen(zoneTrack, 7, trackedNow, tsMs)) zoneTrack.exitSide = undefined;
 */
export function stillSeen(
  t: LineTrackState,
  id: number,
  tracked: readonly TrackedDetection[],
  tsMs: number,
): boolean {
  if (!t.size) return false;
  const places = [...whereNow(t, tsMs).slice(0, 1), ...(t.prev || !t.last ? [] : [t.last])];
  const person = t.cls === 'person';
  const near = SAME_OBJECT_SHARE * t.size;
  return tracked.some((d) => {
    if (d.trackId === id || (d.cls === 'person') !== person) return false;
    const [ax, ay] = bottomCentre(d.box);
    return places.some(([px, py]) => Math.hypot(ax - px, ay - py) <= near);
  });
}
