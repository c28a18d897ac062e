import type { Box } from '../../schemas/detection.ts';

export type PlateLayout = 'one-line' | 'two-line';

/** A region worth reading: a plate-shaped text line, or two stacked lines read as one plate. */
export interface PlateCandidate {
  box: Box;
  layout: PlateLayout;
}

export interface PlateCandidateOptions {
  /** Width/height range of a plate (one-line plates are long, two-line plates near square). */
  minAspect?: number;
  maxAspect?: number;
  /** Growth of each candidate before reading, as fractions of its width and height (both sides together). */
  growWidth?: number;
  growHeight?: number;
}

/**
 * Plate candidates from text-line boxes. Each plate-shaped line is one; and two lines stacked one over
 * the other with similar widths, overlapping horizontally and close vertically, make a two-line
 * candidate (Vietnamese motorbike plates, `59-X1` over `234.56`):
 *
 *   ┌────────┐  a          ┌────────────┐
 *   └────────┘     gap ≤ h  │  59-X1     │  union, layout 'two-line'
 *   ┌──────────┐  b         │  234.56    │
 *   └──────────┘            └────────────┘
 *
 * A near-square single line is also called two-line: the detector sometimes joins close lines.
 */
export function plateCandidates(found: readonly Box[], o: PlateCandidateOptions = {}): PlateCandidate[] {
  let lines = found;
  const minAspect = o.minAspect ?? 0.8;
  const maxAspect = o.maxAspect ?? 7;
  const out: PlateCandidate[] = [];
  const shaped = (b: Box) => b.w / b.h >= minAspect && b.w / b.h <= maxAspect;
  // A line the detector split at a dash or a dot (`59` `X1`) is joined again first.
  lines = [...lines, ...joinedLines(lines)];
  for (const b of lines) {
    if (shaped(b)) out.push({ box: b, layout: b.w / b.h < 2 ? 'two-line' : 'one-line' });
  }
  for (let i = 0; i < lines.length; i++) {
    for (let j = 0; j < lines.length; j++) {
      if (i === j) continue;
      const pair = stacked(lines[i], lines[j]);
      if (pair && shaped(pair)) out.push({ box: pair, layout: 'two-line' });
    }
  }
  const gw = o.growWidth ?? 0.16;
  const gh = o.growHeight ?? 0.35;
  return out.map((c) => ({ ...c, box: grow(c.box, gw, gh) }));
}

/**
 * Unions of two boxes side by side on one line (vertical overlap ≥ 60 % of the lower one, similar
 * heights, a gap under half their height), as the text detector may split a plate's line.
 */
function joinedLines(lines: readonly Box[]): Box[] {
  const out: Box[] = [];
  for (const a of lines) {
    for (const b of lines) {
      if (b.x <= a.x || a === b) continue;
      const gap = b.x - (a.x + a.w);
      const overlap = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
      const lo = Math.min(a.h, b.h);
      if (gap > 0.5 * lo || gap < -0.5 * lo || overlap < 0.6 * lo || lo / Math.max(a.h, b.h) < 0.7) continue;
      const x = a.x;
      const y = Math.min(a.y, b.y);
      out.push({ x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y });
    }
  }
  return out;
}

/** The union of `top` and `bottom` when bottom sits just under top like a plate's second line. */
function stacked(top: Box, bottom: Box): Box | null {
  if (bottom.y <= top.y) return null;
  const gap = bottom.y - (top.y + top.h);
  if (gap > Math.max(top.h, bottom.h)) return null;
  const narrow = Math.min(top.w, bottom.w);
  if (narrow / Math.max(top.w, bottom.w) < 0.5) return null;
  const overlap = Math.min(top.x + top.w, bottom.x + bottom.w) - Math.max(top.x, bottom.x);
  if (overlap < 0.6 * narrow) return null;
  const x = Math.min(top.x, bottom.x);
  const y = top.y;
  return { x, y, w: Math.max(top.x + top.w, bottom.x + bottom.w) - x, h: bottom.y + bottom.h - y };
}

function grow(b: Box, fw: number, fh: number): Box {
  const dx = (b.w * fw) / 2;
  const dy = (b.h * fh) / 2;
  return { x: b.x - dx, y: b.y - dy, w: b.w + 2 * dx, h: b.h + 2 * dy };
}

/**
 * Candidates from a plate detector's boxes (plates already, not text lines): each grown a little, as
 * a detector's box can be tight, and called two-line when it is less than twice as wide as tall.
 */
export function detectedPlateCandidates(
  plates: readonly Box[],
  o: PlateCandidateOptions = {},
): PlateCandidate[] {
  const gw = o.growWidth ?? 0.06;
  const gh = o.growHeight ?? 0.12;
  return plates.map((b) => ({ box: grow(b, gw, gh), layout: b.w / b.h < 2 ? 'two-line' : 'one-line' }));
}
