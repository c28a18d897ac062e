import type { FrameTime } from '../../schemas/frame.ts';
import { segmentIndex } from '../extract/segmenter.ts';

/** A finished window of live frames: segment `index` holds index·segmentMs <= tsMs < (index+1)·segmentMs. */
export interface LiveSegment<T> {
  index: number;
  frames: T[];
}

/**
 * Cuts a live camera's frames into segments on the WALL-CLOCK grid: segment i holds the frames whose
 * wall time falls in [i·segmentMs, (i+1)·segmentMs). The index depends only on the time, not on
 * when the decoder (re)started or which worker runs the camera, so after a restart or a takeover the
 * next frames land in the next index and the segment chain downstream (tracking state, the store's
 * ledger) simply continues.
 *
 *   wall time  …:00      …:10      …:20      …:30          (segmentMs = 10 000)
 *   frames       ● ● ● ●   ● ●          ● ● ● ●             (decoder restarted in between)
 *   segments   └── i ──┘ └─ i+1 ─┘   └─ i+2 ─┘
 *
 * A segment is handed out when a frame of a later window arrives, or by flushDue() once the wall
 * clock has passed its end by graceMs (a camera that went silent still gets its last frames
 * analysed). Frames must come in time order; one that falls in an already handed-out window is
 * dropped (returned by push in `late`).
 *
 * @example
 *   const seg = new WallClockSegmenter(10_000, 1_000);
 *   for (const f of frames) for (const s of seg.push(f).done) queue(s);
 *   setInterval(() => { const s = seg.flushDue(Date.now()); if (s) queue(s); }, 500);
 */
export class WallClockSegmenter<T extends { time: FrameTime }> {
  #current: LiveSegment<T> | null = null;
  #lastIndex = -1;

  /**
   * `afterIndex`: the last segment already handed out for this camera (by an earlier run or another
   * worker); frames of that window or earlier are late, so a taken-over camera never emits a segment
   * index twice.
   */
  constructor(
    readonly segmentMs: number,
    readonly graceMs: number,
    afterIndex = -1,
  ) {
    this.#lastIndex = afterIndex;
    if (!(Number.isFinite(segmentMs) && segmentMs > 0))
      throw new RangeError(`segmentMs must be > 0, got ${segmentMs}`);
    if (!(graceMs >= 0)) throw new RangeError(`graceMs must be >= 0, got ${graceMs}`);
  }

  /** The index of the last segment handed out (-1: none yet). */
  get lastIndex(): number {
    return this.#lastIndex;
  }

  push(frame: T): { done: LiveSegment<T>[]; late: boolean } {
    const index = segmentIndex(frame.time.tsMs, this.segmentMs);
    if (index <= this.#lastIndex) return { done: [], late: true };
    const done: LiveSegment<T>[] = [];
    if (this.#current && index > this.#current.index) done.push(this.#hand());
    if (!this.#current) this.#current = { index, frames: [] };
    this.#current.frames.push(frame);
    return { done, late: false };
  }

  /** The open segment, if the wall clock is past its end by graceMs. */
  flushDue(nowMs: number): LiveSegment<T> | null {
    const c = this.#current;
    if (!c || nowMs < (c.index + 1) * this.segmentMs + this.graceMs) return null;
    return this.#hand();
  }

  /** The open segment whatever the time (the camera stops). */
  flush(): LiveSegment<T> | null {
    return this.#current ? this.#hand() : null;
  }

  #hand(): LiveSegment<T> {
    const c = this.#current as LiveSegment<T>;
    this.#current = null;
    this.#lastIndex = c.index;
    return c;
  }
}
