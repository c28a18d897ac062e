import type { RgbFrame } from '../../schemas/frame.ts';
import type { ProbedSource } from '../../schemas/jobs.ts';
import { FrameExtractor } from '../extract/frame-extractor.ts';
import type { CropRect, ExtractedFrame } from '../extract/frame-extractor-options.ts';

/**
 * A second decoder of a file at the source's own resolution, for plate reading: the detector's
 * frames are scaled to about 512 px, where a plate is a few pixels tall. It samples the same grid as
 * the main decoder (PTS 0, 1/fps, 2/fps, ...) and hands over the frames whose PTS a segment names, so
 * only those are written for the plate stage; the rest are dropped as they come.
 *
 * @example
 *   const full = new SourceFrames({ uri, fps: 2, startTimeMs });
 *   const frames = await full.take([0, 500, 1000]); // source-resolution frames at those PTS
 *   await full.close();
 */
export class SourceFrames {
  private readonly extractor: FrameExtractor;
  private readonly iterator: AsyncGenerator<ExtractedFrame, void, undefined>;
  private readonly toleranceMs: number;
  private pending: ExtractedFrame | null = null;
  private ended = false;

  constructor(o: { uri: string; fps: number; startTimeMs: number; crop?: CropRect; probed?: ProbedSource }) {
    this.extractor = new FrameExtractor({
      uri: o.uri,
      fps: o.fps,
      startTimeMs: o.startTimeMs,
      maxWidth: 16384,
      maxHeight: 16384,
      ...(o.crop ? { crop: o.crop } : {}),
      ...(o.probed ? { probed: o.probed } : {}),
    });
    this.iterator = this.extractor.frames();
    this.toleranceMs = 250 / o.fps;
  }

  /**
   * The frames at these PTS (ascending), in order. A PTS the decoder has no frame for (it ended
   * early) gets the nearest frame before it, or null when there is none.
   */
  async take(ptsMs: readonly number[]): Promise<(RgbFrame | null)[]> {
    const out: (RgbFrame | null)[] = [];
    let last: RgbFrame | null = null;
    for (const want of ptsMs) {
      let got: RgbFrame | null = null;
      while (!got) {
        const f = await this.next();
        if (!f) break;
        if (f.time.ptsMs < want - this.toleranceMs) continue;
        if (f.time.ptsMs > want + this.toleranceMs) {
          this.pending = f; // belongs to a later PTS
          break;
        }
        // Copied: a decoded frame may be a view on a buffer the decoder reuses.
        got = { ...f.frame, data: f.frame.data.slice() };
      }
      last = got ?? last;
      out.push(got ?? last);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.iterator.return(undefined);
    await this.extractor.close();
  }

  private async next(): Promise<ExtractedFrame | null> {
    if (this.pending) {
      const p = this.pending;
      this.pending = null;
      return p;
    }
    if (this.ended) return null;
    const r = await this.iterator.next();
    if (r.done) this.ended = true;
    return r.done ? null : r.value;
  }
}
