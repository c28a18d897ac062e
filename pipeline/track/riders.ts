import type { Box, Detection } from '../../schemas/detection.ts';
import { coveredShare } from '../geometry/box-iou.ts';

/**
 * Drops the riders: a person detected on a motorcycle or a bicycle is part of that vehicle, not a
 * pedestrian. COCO detectors report a motorbike and its rider(s) as separate objects, so on a street
 * of motorbikes every vehicle would otherwise also count as one or two people walking in the roadway.
 *
 *        ┌───┐  person: bottom-centre over the bike,
 *        │ o │          feet (box bottom) within the bike's height
 *      ┌─┼───┼─┐
 *      │ │ ╱╲│ │  motorcycle / bicycle
 *      └─┴───┴─┘
 *
 * A person is a rider when the bottom-centre of its box lies within the vehicle's box widened by a
 * tenth on each side, between the vehicle's top and a tenth of its height below its bottom, and at
 * least a fifth of the person's box overlaps the vehicle's. Pedestrians beside a parked bike keep
 * their feet beside it, not over it; a person standing behind one is rare enough to accept.
 *
 * @example
 *   const objects = withoutRiders(detections); // same order, riders removed
 */
export function withoutRiders(detections: readonly Detection[]): Detection[] {
  const bikes = detections.filter((d) => d.cls === 'motorcycle' || d.cls === 'bicycle');
  if (!bikes.length) return [...detections];
  return detections.filter((d) => d.cls !== 'person' || !bikes.some((b) => rides(d.box, b.box)));
}

function rides(p: Box, v: Box): boolean {
  const fx = p.x + p.w / 2;
  const fy = p.y + p.h;
  if (fx < v.x - 0.1 * v.w || fx > v.x + 1.1 * v.w) return false;
  if (fy < v.y || fy > v.y + 1.1 * v.h) return false;
  return coveredShare(p, v) >= 0.2;
}
