import type { LineTrackState, Side } from './line-zone-state.ts';

/**
 * A counted track counts back across the line only this share of its box's height beyond it, until
 * it has been that far beyond on its own side (then it has left the line behind). On the night
 * arterial at 5 fps a motorbike's 17-25 px box, just past the line, had its bottom 3 px back over it
 * in the next frame and 5 px past it again in the one after: three crossings for one.
 */
export const RETURN_BOX_SHARE = 0.35;

/**
 * The side a counted track, not yet clear of the line, is taken to be on: `side` when it is its
 * counted side (noting whether it is now `beyond` the return margin there), else only `beyond`.
 *
 *        left  ─ ─ ─ ─ ─ ─ ─ ─ ─   RETURN_BOX_SHARE × box height
 *   ════════════════════════════   the line (± the deadband)
 *        right ─ ─ ─ ─ ─ ─ ─ ─ ─   counted here: back over the line counts only past the dashes
 *
 * @example
 *   const s = returnSide(t, side, zone.sideOfLine(anchor, h, RETURN_BOX_SHARE)); // null: no side yet
 */
export function returnSide(t: LineTrackState, side: Side, beyond: Side | null): Side | null {
  if (side !== t.side) return beyond;
  t.clear = beyond === side;
  return side;
}
