import type { Detection } from '../../schemas/detection.ts';

/** How near the lower edge a box's bottom must be to count as cut, as a share of the picture's height. */
export const CUT_SHARE = 0.01;

/**
 * Marks the detections whose box reaches the analysed picture's lower edge (`cut`). Such a box's
 * bottom is the edge's, not where the object touches the ground: a vehicle entering at the bottom
 * of the picture is nearer than its box's bottom says, so its ground position (for speeds) may not
 * be read from it.
 *
 *   ┌──────────────────────┐
 *   │        ┌───┐         │
 *   │        │car│         │  ← whole: its bottom is on the ground
 *   │   ┌────┴───┴──┐      │
 *   └───┤   cut     ├──────┘  ← the picture's lower edge (within CUT_SHARE of its height)
 *       └───────────┘           the vehicle's bottom is out of sight
 *
 * A detector's box for a vehicle the edge cuts ends on the last rows, not always on the last one;
 * a whole vehicle that close to the edge loses one speed sample, no more.
 *
 * @param sourceHeight the picture's height in the boxes' (source) pixels
 * @example
 *   markCut(detections, frame.height / frame.scale);
 */
export function markCut(detections: Detection[], sourceHeight: number): void {
  const edge = sourceHeight * (1 - CUT_SHARE);
  for (const d of detections) if (d.box.y + d.box.h >= edge) d.cut = true;
}
