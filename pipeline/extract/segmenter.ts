import type { FrameTime } from '../../schemas/frame.ts';

/**
 * A window of consecutive frames: the unit of idempotent work downstream (one detect job, one
 * ledger row). Segment i holds the frames with i·segmentMs <= ptsMs < (i+1)·segmentMs, so the
 * numbering depends only on the PTS, and the extractor's PTS only on the source and the sampling
 * rate: a re-run over the same file yields the same segments with the same indexes.
 *
 *   ptsMs   0   200  400  …  9800 │ 10000 10200 … 19800 │ 20000 … 37600
 *   segment └──────── 0 ─────────┘ └────────── 1 ──────┘ └──── 3 ────…  (segmentMs = 10000)
 */
export interface Segment<T> {
  index: number;
  /** Window start, inclusive: index · segmentMs. */
  startPtsMs: number;
  /** Window end, exclusive: (index + 1) · segmentMs (not the last frame's PTS). */
  endPtsMs: number;
  /** The frames in the window, in PTS order; never empty. */
  frames: T[];
  /**
   * No segment follows in this run: the source ended (`error` undefined) or failed (`error` set).
   */
  last: boolean;
  /**
   * Set on the final segment when the source failed after delivering its frames: the segment
   * holds the frames decoded before the fault and may be incomplete. The generator rethrows the
   * same error right after yielding it, so a caller that ignores this field still sees the failure.
   */
  error?: unknown;
}

/**
 * Groups time-ordered frames into fixed PTS windows. Windows without frames (a gap in the source)
 * are skipped, not yielded empty; their indexes are simply absent. Holds one segment's frames at a
 * time (one segment of look-ahead is what tells whether a segment is the last).
 *
 * Throws RangeError for segmentMs <= 0, a negative PTS, or a frame that belongs to a window
 * before the current one (frames must come in PTS order).
 *
 * @example
 *   for await (const seg of segmentFrames(extractor, 10_000)) {
 *     await queueDetect(seg.index, seg.frames); // seg.last on the final one
 *   }
 */
export async function* segmentFrames<T extends { time: FrameTime }>(
  frames: AsyncIterable<T>,
  segmentMs: number,
): AsyncGenerator<Segment<T>, void, undefined> {
  if (typeof segmentMs !== 'number' || !Number.isFinite(segmentMs) || segmentMs <= 0) {
    throw new RangeError(`segmentMs must be a finite number > 0, got ${String(segmentMs)}`);
  }
  let current: Segment<T> | null = null;
  try {
    for await (const f of frames) {
      const pts = f.time.ptsMs;
      const index = segmentIndex(pts, segmentMs);
      if (current && index === current.index) {
        current.frames.push(f);
        continue;
      }
      if (current && index < current.index) {
        throw new RangeError(
          `frame at PTS ${pts} ms belongs to segment ${index}, before the current segment ${current.index}: ` +
            'frames must come in PTS order',
        );
      }
      if (current) yield current;
      current = {
        index,
        startPtsMs: index * segmentMs,
        endPtsMs: (index + 1) * segmentMs,
        frames: [f],
        last: false,
      };
    }
  } catch (error) {
    if (current) {
      const partial: Segment<T> = { ...current, last: true, error };
      current = null;
      yield partial;
    }
    throw error;
  }
  if (current) yield { ...current, last: true };
}

/**
 * The i with i·segmentMs <= ptsMs < (i+1)·segmentMs, computed with the same multiplications the
 * bounds use, so a PTS on a boundary never lands in the previous window through rounding.
 */
export function segmentIndex(ptsMs: number, segmentMs: number): number {
  if (!Number.isFinite(ptsMs) || ptsMs < 0)
    throw new RangeError(`PTS must be a finite number >= 0, got ${ptsMs}`);
  let i = Math.floor(ptsMs / segmentMs);
  while (i > 0 && i * segmentMs > ptsMs) i--;
  while ((i + 1) * segmentMs <= ptsMs) i++;
  return i;
}
