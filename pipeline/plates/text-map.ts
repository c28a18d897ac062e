import type { Box } from '../../schemas/detection.ts';

export interface TextMapOptions {
  /** A pixel is text above this probability; default 0.3 (PaddleOCR's DB default). */
  threshold?: number;
  /** A region is kept when its mean probability reaches this; default 0.6. */
  minMeanProbability?: number;
  /** Regions with a short side under this many map pixels are noise; default 3. */
  minSide?: number;
  /** DB "unclip" ratio: the shrunk text kernel grows back by area·ratio / perimeter; default 1.5. */
  unclipRatio?: number;
}

/**
 * Text boxes from a DB text detector's probability map (width × height, one float per pixel):
 * threshold, 8-connected regions, drop the faint and the thin, then grow each region's bounding box
 * back by the DB unclip distance (the network predicts a shrunk kernel of each text line).
 *
 *   map ░░▓▓▓▓▓▓░░     region bbox ┌──────┐     unclipped  ┌────────────┐
 *       ░░▓▓▓▓▓▓░░  →              │      │  →  d = A·r/P  │  ┌──────┐  │
 *                                  └──────┘                │  └──────┘  │
 *                                                          └────────────┘
 * Boxes are axis-aligned (plates on street cameras are close to level), in map pixels.
 */
export function textBoxesFromMap(
  map: Float32Array,
  width: number,
  height: number,
  o: TextMapOptions = {},
): Box[] {
  const threshold = o.threshold ?? 0.3;
  const minMean = o.minMeanProbability ?? 0.6;
  const minSide = o.minSide ?? 3;
  const ratio = o.unclipRatio ?? 1.5;
  const seen = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  const boxes: Box[] = [];
  for (let start = 0; start < map.length; start++) {
    if (seen[start] || map[start] <= threshold) continue;
    const r = flood(map, width, height, start, threshold, seen, stack);
    const w = r.x1 - r.x0 + 1;
    const h = r.y1 - r.y0 + 1;
    if (Math.min(w, h) < minSide || r.sum / r.count < minMean) continue;
    const d = (w * h * ratio) / (2 * (w + h));
    const x = Math.max(0, r.x0 - d);
    const y = Math.max(0, r.y0 - d);
    boxes.push({ x, y, w: Math.min(width, r.x1 + 1 + d) - x, h: Math.min(height, r.y1 + 1 + d) - y });
  }
  return boxes;
}

interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  sum: number;
  count: number;
}

/** One 8-connected region above threshold from `start`, with its bounds and probability sum. */
function flood(
  map: Float32Array,
  width: number,
  height: number,
  start: number,
  threshold: number,
  seen: Uint8Array,
  stack: Int32Array,
): Region {
  const r: Region = { x0: width, y0: height, x1: -1, y1: -1, sum: 0, count: 0 };
  let top = 0;
  stack[top++] = start;
  seen[start] = 1;
  while (top > 0) {
    const i = stack[--top];
    const x = i % width;
    const y = (i - x) / width;
    r.sum += map[i];
    r.count++;
    if (x < r.x0) r.x0 = x;
    if (x > r.x1) r.x1 = x;
    if (y < r.y0) r.y0 = y;
    if (y > r.y1) r.y1 = y;
    for (let dy = -1; dy <= 1; dy++) {
      const ny = y + dy;
      if (ny < 0 || ny >= height) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx;
        if (nx < 0 || nx >= width) continue;
        const j = ny * width + nx;
        if (!seen[j] && map[j] > threshold) {
          seen[j] = 1;
          stack[top++] = j;
        }
      }
    }
  }
  return r;
}
