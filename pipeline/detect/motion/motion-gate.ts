import type { RgbFrame } from '../../../schemas/frame.ts';

export interface MotionGateOptions {
  /** Share of grid cells that must have changed for a frame to be analysed, e.g. 0.01 = 1 %. */
  minChangedFraction: number;
  /** Change of a cell's mean luma (0-255) that counts as a change. */
  pixelDelta: number;
  /** Analyse at least every this many frames even when nothing changed (slow drifts, lighting). */
  maxSkipFrames: number;
  /** Grid cell size in frame pixels. */
  cellSize?: number;
}

/**
 * Decides whether a frame is worth running the detector on: it compares the frame's luma, averaged
 * over a grid of cells, with the last frame that was analysed.
 *
 *   frame 512x282, cellSize 16  ──▶  32x18 cells of mean luma
 *   changed cell: |mean - mean at last analysed frame| > pixelDelta
 *   analyse when changed cells / all cells >= minChangedFraction, or maxSkipFrames were skipped
 *
 * Averaging over cells ignores sensor noise and compression flicker that a per-pixel difference
 * would count; comparing with the last ANALYSED frame (not the previous one) keeps slow movement
 * from slipping under the threshold one small step at a time. The first frame is always analysed.
 * When a frame is skipped its objects are those of the last analysed frame: nothing in view changed.
 *
 * @example
 *   const gate = new MotionGate({ minChangedFraction: 0.01, pixelDelta: 12, maxSkipFrames: 25 });
 *   for (const frame of frames) if (gate.update(frame)) await detector.detect([frame]);
 */
export class MotionGate {
  private readonly o: Required<MotionGateOptions>;
  private reference: Float32Array<ArrayBuffer> | null = null;
  private current: Float32Array<ArrayBuffer> = new Float32Array(0);
  private skipped = 0;

  constructor(options: MotionGateOptions) {
    const o = { cellSize: 16, ...options };
    if (!(o.minChangedFraction >= 0 && o.minChangedFraction <= 1)) {
      throw new RangeError(`MotionGate: minChangedFraction must be in [0, 1], got ${o.minChangedFraction}`);
    }
    if (!(o.pixelDelta >= 0 && o.pixelDelta <= 255)) {
      throw new RangeError(`MotionGate: pixelDelta must be in [0, 255], got ${o.pixelDelta}`);
    }
    if (!(Number.isInteger(o.maxSkipFrames) && o.maxSkipFrames >= 0)) {
      throw new RangeError(`MotionGate: maxSkipFrames must be an integer >= 0, got ${o.maxSkipFrames}`);
    }
    if (!(Number.isInteger(o.cellSize) && o.cellSize >= 1)) {
      throw new RangeError(`MotionGate: cellSize must be an integer >= 1, got ${o.cellSize}`);
    }
    this.o = o;
  }

  /** true: run the detector on this frame (it becomes the new reference); false: skip it. */
  update(frame: RgbFrame): boolean {
    const cells = this.cellLuma(frame);
    const ref = this.reference;
    let analyse = ref === null || ref.length !== cells.length || this.skipped >= this.o.maxSkipFrames;
    if (!analyse && ref) {
      let changed = 0;
      for (let i = 0; i < cells.length; i++) if (Math.abs(cells[i] - ref[i]) > this.o.pixelDelta) changed++;
      analyse = changed >= this.o.minChangedFraction * cells.length && changed > 0;
    }
    if (analyse) {
      // Swap buffers: the current cells become the reference, the old reference is reused next time.
      this.current = ref && ref.length === cells.length ? ref : new Float32Array(cells.length);
      this.reference = cells;
      this.skipped = 0;
    } else {
      this.skipped++;
    }
    return analyse;
  }

  /** Mean luma (BT.601) of each cell, into a reused buffer. */
  private cellLuma(f: RgbFrame): Float32Array<ArrayBuffer> {
    const s = this.o.cellSize;
    const cols = Math.ceil(f.width / s);
    const rows = Math.ceil(f.height / s);
    let out = this.current;
    if (out.length !== cols * rows || out === this.reference) out = new Float32Array(cols * rows);
    out.fill(0);
    const d = f.data;
    for (let y = 0; y < f.height; y++) {
      const rowBase = Math.floor(y / s) * cols;
      let p = y * f.width * 3;
      for (let x = 0; x < f.width; x++, p += 3) {
        out[rowBase + Math.floor(x / s)] += 0.299 * d[p] + 0.587 * d[p + 1] + 0.114 * d[p + 2];
      }
    }
    for (let r = 0; r < rows; r++) {
      const h = Math.min(s, f.height - r * s);
      for (let c = 0; c < cols; c++) out[r * cols + c] /= h * Math.min(s, f.width - c * s);
    }
    this.current = out;
    return out;
  }
}
