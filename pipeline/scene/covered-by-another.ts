import { coveredShare } from '../geometry/box-iou.ts';
import type { TrackedDetection } from '../track/byte-tracker.ts';

/**
 * A track that enters with at least this share of its box under a larger box of another track of its
 * kind may be no vehicle of its own. Measured on the sample street (the zone visits seen once, then
 * lost, in backfills at 3, 4, 8 and 10 fps, looked up in `detections`: five): a second box on part of
 * a car, or a car's box cut by the picture's edge coming back into the zone under the next car's,
 * 45-100 % under that larger box. Vehicles side by side rarely cover each other that much, and a held
 * track still counts as soon as it is seen again.
 */
export const DUPLICATE_COVER = 0.4;

/**
 * Whether much of d's box lies under the larger box of another track of its kind (person, or
 * vehicle). Larger: of a car and the part box on it, the part is the duplicate.
 */
export function coveredByAnother(d: TrackedDetection, tracked: readonly TrackedDetection[]): boolean {
  const person = d.cls === 'person';
  const area = d.box.w * d.box.h;
  return tracked.some(
    (o) =>
      o.trackId !== d.trackId &&
      (o.cls === 'person') === person &&
      o.box.w * o.box.h > area &&
      coveredShare(d.box, o.box) >= DUPLICATE_COVER,
  );
}
