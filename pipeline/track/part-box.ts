import type { ProductClass } from '../../schemas/classes.ts';
import type { Box } from '../../schemas/detection.ts';
import { coveredShare } from '../geometry/box-iou.ts';

/** What a track claimed in this update: where it was predicted, and its class. */
export interface ClaimedBox {
  box: Box;
  cls: ProductClass;
}

/** At least this share of a part box lies inside the claiming track's predicted box. */
export const PART_COVER = 0.8;
/** The predicted box is at least this many times the part box's area. */
export const PART_AREA_RATIO = 2;

/**
 * Whether an unmatched detection is a second box on part of an object a track already took a box of
 * in this update: of the same class, mostly inside that track's predicted box or the box it took,
 * and much smaller. Such a box starts no track. The detector keeps a part box where it overlaps the
 * whole one little, as when a car leaving at the picture's lower edge is seen as its cut front and,
 * beside it, its rear; a new track there took the whole box a frame later (its perspective course
 * fitted better than the old track's prediction, thrown off by the cut) and the car was counted in
 * its zone twice. A car driving away from the lower edge came as its whole box and, inside it, its
 * rear half: the rear box lay outside the prediction (the cut box before) but inside the box taken,
 * and its track was counted at the line as a second car.
 *
 *   ┌─ track's predicted box ──────────────────┐
 *   │ ┌──────────┐┌───────────────────────────┐│
 *   │ │ part box ││ box the track took        ││
 *   │ └──────────┘│ (cut by the picture edge) ││
 *   └─────────────┴───────────────────────────┴┘
 *
 * A vehicle of the same class mostly hidden behind a nearer one is left untracked while so hidden,
 * and starts its track once it shows: the share and the area ratio keep two vehicles side by side,
 * or one behind the other at a similar distance, out of this.
 *
 * @example
 *   const claimed = [{ box: { x: 340, y: 180, w: 257, h: 176 }, cls: 'car' }];
 *   isPartBox({ cls: 'car', box: { x: 337, y: 197, w: 124, h: 104 } }, claimed); // true
 */
export function isPartBox(d: { cls: ProductClass; box: Box }, claimed: readonly ClaimedBox[]): boolean {
  const area = d.box.w * d.box.h;
  return claimed.some(
    (c) =>
      c.cls === d.cls &&
      c.box.w * c.box.h >= PART_AREA_RATIO * area &&
      coveredShare(d.box, c.box) >= PART_COVER,
  );
}
