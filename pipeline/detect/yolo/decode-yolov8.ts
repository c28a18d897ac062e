/**
 * YOLOv8 / YOLO11 (Ultralytics) output decoding: [B, 4 + C, N], channel-major: for anchor n,
 * (cx, cy, w, h) in input pixels at channels 0-3 and C class scores (sigmoid applied in the graph,
 * no objectness) at channels 4.., all at stride N. Score = the best class score (as Ultralytics'
 * non_max_suppression with multi_label off).
 *
 * Some exports (e.g. after a transposing post-processing step) emit the anchor-major [B, N, 4 + C]:
 * pass `anchorMajor: true`.
 */
import { Candidates, type DecodeOptions, minThreshold } from './candidates.ts';

export interface Yolov8DecodeOptions extends DecodeOptions {
  /** The output is [B, N, 4 + C] instead of [B, 4 + C, N]. Default false. */
  anchorMajor?: boolean;
}

/**
 * Decodes frame `batch` of a YOLOv8 output into `out` (reset first): boxes above their label's
 * threshold, corners in input pixels. Throws RangeError when dims do not fit the labels.
 */
export function decodeYolov8(
  data: Float32Array,
  dims: readonly number[],
  batch: number,
  o: Yolov8DecodeOptions,
  out: Candidates = new Candidates(),
): Candidates {
  out.reset();
  const C = o.thresholds.length;
  const F = 4 + C;
  const fAxis = o.anchorMajor ? 2 : 1;
  if (dims.length !== 3 || dims[fAxis] !== F || batch < 0 || batch >= dims[0]) {
    const want = o.anchorMajor ? `[B, N, ${F}]` : `[B, ${F}, N]`;
    throw new RangeError(
      `yolov8 output [${dims.join(', ')}] does not fit ${want} for ${C} labels (frame ${batch})`,
    );
  }
  const N = dims[o.anchorMajor ? 1 : 2];
  const thr = o.thresholds;
  const floor = minThreshold(thr);
  if (floor > 1) return out;
  const base = batch * F * N;
  if (o.anchorMajor) {
    for (let n = 0, r = base; n < N; n++, r += F) {
      let best = -1;
      let label = 0;
      for (let c = 0, p = r + 4; c < C; c++, p++) {
        if (data[p] > best) {
          best = data[p];
          label = c;
        }
      }
      if (!(best >= thr[label])) continue;
      pushBox(out, data[r], data[r + 1], data[r + 2], data[r + 3], best, label);
    }
    return out;
  }
  // Channel-major: sweep class rows (contiguous) keeping each anchor's best score and label.
  const { score, label } = out.scratch(N);
  score.fill(-1, 0, N);
  label.fill(0, 0, N);
  for (let c = 0; c < C; c++) {
    const row = base + (4 + c) * N;
    for (let n = 0; n < N; n++) {
      const v = data[row + n];
      if (v > score[n]) {
        score[n] = v;
        label[n] = c;
      }
    }
  }
  for (let n = 0; n < N; n++) {
    const s = score[n];
    if (!(s >= floor) || !(s >= thr[label[n]])) continue;
    pushBox(
      out,
      data[base + n],
      data[base + N + n],
      data[base + 2 * N + n],
      data[base + 3 * N + n],
      s,
      label[n],
    );
  }
  return out;
}

function pushBox(
  out: Candidates,
  cx: number,
  cy: number,
  w: number,
  h: number,
  s: number,
  label: number,
): void {
  out.push(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, s, label);
}
