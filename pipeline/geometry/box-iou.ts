import type { Box } from '../../schemas/detection.ts';

/**
 * Intersection over union of two boxes (x, y = top-left; w, h = size): 0 when apart, 1 when equal.
 *
 *   ┌──────┐
 *   │ a ┌──┼───┐      iou = area(a ∩ b) / (area(a) + area(b) − area(a ∩ b))
 *   └───┼──┘ b │
 *       └──────┘
 */
export function iou(a: Box, b: Box): number {
  const inter = intersectionArea(a, b);
  return inter === 0 ? 0 : inter / (a.w * a.h + b.w * b.h - inter);
}

/**
 * The share of box a that lies inside box b: 1 when a is wholly within b, 0 when apart. Unlike
 * {@link iou} it is not symmetric: a small box inside a large one is covered by it (a split-off
 * duplicate box on part of a car), though their IoU is small.
 *
 *   ┌──────────┐
 *   │ b ┌──┐   │     covered(a, b) = area(a ∩ b) / area(a)
 *   │   │a │   │
 *   └───┴──┴───┘
 */
export function coveredShare(a: Box, b: Box): number {
  const inter = intersectionArea(a, b);
  return inter === 0 ? 0 : inter / (a.w * a.h);
}

/** The area two boxes share, 0 when they do not overlap. */
function intersectionArea(a: Box, b: Box): number {
  const iw = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const ih = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return iw > 0 && ih > 0 ? iw * ih : 0;
}
