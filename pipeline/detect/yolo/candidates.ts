/**
 * Candidate boxes of one frame as a YOLO decoder emits them, before NMS: typed arrays, reused from
 * frame to frame. Boxes are corners in INPUT pixels (the model's input box, padding included), the
 * packing nms() takes: [x1, y1, x2, y2, x1, ...]; box(i) gives one as x, y, w, h.
 */
export class Candidates {
  boxes = new Float32Array(4 * 64);
  scores = new Float32Array(64);
  labels = new Int32Array(64);
  count = 0;
  /** Per-anchor scratch for decoders (best score and label), grown on demand. */
  private bestScore = new Float32Array(0);
  private bestLabel = new Int32Array(0);

  reset(): this {
    this.count = 0;
    return this;
  }

  push(x1: number, y1: number, x2: number, y2: number, score: number, label: number): void {
    const i = this.count;
    if (i === this.scores.length) this.grow();
    this.boxes[4 * i] = x1;
    this.boxes[4 * i + 1] = y1;
    this.boxes[4 * i + 2] = x2;
    this.boxes[4 * i + 3] = y2;
    this.scores[i] = score;
    this.labels[i] = label;
    this.count = i + 1;
  }

  /** Candidate i as top-left corner and size, input pixels. */
  box(i: number): { x: number; y: number; w: number; h: number } {
    const b = this.boxes;
    return { x: b[4 * i], y: b[4 * i + 1], w: b[4 * i + 2] - b[4 * i], h: b[4 * i + 3] - b[4 * i + 1] };
  }

  /** Scratch arrays of at least n entries (contents undefined). */
  scratch(n: number): { score: Float32Array; label: Int32Array } {
    if (this.bestScore.length < n) {
      this.bestScore = new Float32Array(n);
      this.bestLabel = new Int32Array(n);
    }
    return { score: this.bestScore, label: this.bestLabel };
  }

  private grow(): void {
    const n = this.scores.length * 2;
    const boxes = new Float32Array(4 * n);
    boxes.set(this.boxes);
    const scores = new Float32Array(n);
    scores.set(this.scores);
    const labels = new Int32Array(n);
    labels.set(this.labels);
    this.boxes = boxes;
    this.scores = scores;
    this.labels = labels;
  }
}

/** What a decoder needs besides the tensor. */
export interface DecodeOptions {
  /**
   * Minimum score per label index (length = the model's class count). A label whose threshold is
   * above 1 (e.g. Infinity) is never emitted: that is how labels outside the class map are dropped.
   */
  thresholds: Float32Array;
}

/** The smallest threshold of the labels that can be emitted (Infinity when none can). */
export function minThreshold(thresholds: Float32Array): number {
  let m = Number.POSITIVE_INFINITY;
  for (let i = 0; i < thresholds.length; i++) if (thresholds[i] < m) m = thresholds[i];
  return m;
}
