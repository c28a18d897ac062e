import type { ProductClass } from '../../schemas/classes.ts';
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
 * Nor one of a class the new track's object cannot also be ({@link couldBeSame}: a pedestrian's
 * state taken by a car's new id lost the car's crossing).
 *
 * @example
 *   const t = tracks.get(d.trackId) ?? adoptVanished(tracks, d.trackId, anchor, size, tsMs, present, d.cls)?.state;
 */
export function adoptVanished(
  tracks: Map<number, LineTrackState>,
  trackId: number,
  anchor: [number, number],
  size: number,
  tsMs: number,
  present: ReadonlySet<number>,
  cls: ProductClass,
): { state: LineTrackState; fromId: number } | undefined {
  for (const [id, t] of tracks) {
    // Only a track missing from this frame: one seen in it is another vehicle.
    if (present.has(id) || t.lastSeenMs >= tsMs || t.followed) continue;
    if (!couldBeSame(t.cls, cls)) continue;
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

/**
 * Whether two classes can be one object seen under two ids: the same class, two vehicles (a
 * detector confuses car, bus, truck and, at night, motorbike), or a rider and a two-wheeler (a
 * rider is tracked as a person while the bike is not found). Never a person and a car, bus or truck.
 */
export function couldBeSame(a: ProductClass | undefined, b: ProductClass): boolean {
  if (!a || a === b) return true;
  const twoWheeler = (c: ProductClass) => c === 'motorcycle' || c === 'bicycle';
  if (a === 'person') return twoWheeler(b);
  if (b === 'person') return twoWheeler(a);
  return true;
}
