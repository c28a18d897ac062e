import type { Detection } from '../../schemas/detection.ts';
import { iou } from '../geometry/box-iou.ts';

/** Above this IoU with a stronger box of the frame, a weak box is that object's second box (the detector's own NMS overlap). */
export const DOUBLE_IOU = 0.45;

/**
 * Whether a weak detection overlaps a stronger one of the same frame as much as the detector's own
 * NMS would have merged them, whatever the classes. The detector suppresses duplicates within a class
 * and only near-identical boxes across classes, so a pickup entering the picture can come as a `car`
 * box and, over it, a taller `truck` box taking in its shadow. A weak box starts a track only because
 * it visibly moved (byte-tracker.ts); such a double moved as well, and its track counted the pickup a
 * second time. Two vehicles, one half hidden behind the other, overlap less than this.
 *
 *   ┌──────────────┐
 *   │ car 0.46     │ ← starts the track
 *   ├──────────────┤
 *   │ truck 0.26   │ ← IoU 0.52 with it: no second track
 *   └──────────────┘
 *
 * @example
 *   const car = { cls: 'car', score: 0.46, box: { x: 528, y: 67, w: 110, h: 81 } };
 *   const truck = { cls: 'truck', score: 0.26, box: { x: 528, y: 65, w: 110, h: 156 } };
 *   doublesStronger(truck, [car, truck]); // true
 */
export function doublesStronger(d: Detection, frame: readonly Detection[]): boolean {
  return frame.some((o) => o !== d && o.score > d.score && iou(o.box, d.box) > DOUBLE_IOU);
}
