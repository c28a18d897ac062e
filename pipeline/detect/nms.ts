import type { ProductClass } from '../../schemas/classes.ts';
/**
 * Greedy non-maximum suppression on typed arrays: visits boxes by descending score and keeps a box
 * unless it overlaps (IoU > iouThreshold) a box already kept in the same group, or, with
 * `crossGroups`, overlaps one of the same cross group by more than `crossIouThreshold`.
 *
 * @param boxes  corners packed as [x1, y1, x2, y2, x1, y1, ...]; at least 4·count values
 * @param scores at least `count` values
 * @param count  number of boxes to consider (the arrays may be larger, reused buffers)
 * @param groups optional group per box: only boxes of the same group suppress each other
 *               (class-aware NMS: the class index per box; or, e.g., car/bus/truck in one group so a
 *               vehicle peaking as both car and truck is reported once, while a person on a bicycle
 *               keeps both boxes)
 * @param crossGroups optional second grouping, applied with its own (usually higher) threshold: e.g.
 *               class-aware NMS at 0.45 within a class plus suppression of near-identical boxes
 *               (IoU > 0.7) between confusable classes such as car and truck
 * @returns indices of the kept boxes, highest score first, at most `maxOutput`
 */
export function nms(
  boxes: Float32Array,
  scores: Float32Array,
  count: number,
  iouThreshold: number,
  options: {
    groups?: Int32Array;
    maxOutput?: number;
    crossGroups?: Int32Array;
    crossIouThreshold?: number;
  } = {},
): Int32Array {
  const { groups, maxOutput = count, crossGroups, crossIouThreshold = 1 } = options;
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  const kept = new Int32Array(Math.min(count, maxOutput));
  let n = 0;
  for (let k = 0; k < count && n < kept.length; k++) {
    const i = order[k];
    const ax1 = boxes[4 * i];
    const ay1 = boxes[4 * i + 1];
    const ax2 = boxes[4 * i + 2];
    const ay2 = boxes[4 * i + 3];
    const areaA = Math.max(0, ax2 - ax1) * Math.max(0, ay2 - ay1);
    let keep = true;
    for (let m = 0; m < n && keep; m++) {
      const j = kept[m];
      let limit = iouThreshold;
      if (groups && groups[i] !== groups[j]) {
        if (!crossGroups || crossGroups[i] !== crossGroups[j]) continue;
        limit = crossIouThreshold;
      }
      const iw = Math.min(ax2, boxes[4 * j + 2]) - Math.max(ax1, boxes[4 * j]);
      const ih = Math.min(ay2, boxes[4 * j + 3]) - Math.max(ay1, boxes[4 * j + 1]);
      if (iw <= 0 || ih <= 0) continue;
      const inter = iw * ih;
      const areaB = (boxes[4 * j + 2] - boxes[4 * j]) * (boxes[4 * j + 3] - boxes[4 * j + 1]);
      if (inter / (areaA + areaB - inter) > limit) keep = false;
    }
    if (keep) kept[n++] = i;
  }
  return kept.slice(0, n);
}

/**
 * Classes a detector confuses on one object: a vehicle often peaks as car and truck (or bus), a
 * two-wheeler as bicycle and motorcycle. Boxes of the same group suppress each other in cross-class
 * NMS; a person riding a bicycle keeps both boxes (different groups).
 */
export const CLASS_GROUP: Record<ProductClass, number> = {
  car: 0,
  bus: 0,
  truck: 0,
  bicycle: 1,
  motorcycle: 1,
  person: 2,
};
