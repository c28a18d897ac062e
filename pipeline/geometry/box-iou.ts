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
  const iw = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const ih = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / (a.w * a.h + b.w * b.h - inter);
}
