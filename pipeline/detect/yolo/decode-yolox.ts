/**
 * YOLOX output decoding: [B, N, 5 + C] rows (cx, cy, w, h, objectness, C class probabilities) over
 * the anchor-free grids of strides 8, 16 and 32, row-major per level, levels in stride order.
 *
 * Upstream YOLOX exports (tools/export_onnx.py, `decode_in_inference` off) leave the box raw:
 * centre = ((cx + gx) · s, (cy + gy) · s), size = (exp(w) · s, exp(h) · s); objectness and class
 * scores already went through a sigmoid inside the graph (the Megvii yolox_nano.onnx ends in
 * Sigmoid → Concat, and its values lie in [0, 1]). Exports made with `decode_in_inference` on carry
 * boxes in input pixels already: pass `decoded: true` (OnnxDetector detects that on a test run).
 * Score = objectness × best class probability, the class being the best of all C (as upstream).
 */
import { Candidates, type DecodeOptions, minThreshold } from './candidates.ts';

export const YOLOX_STRIDES: readonly number[] = [8, 16, 32];

/** The cells of each level for an input size: a stride-s conv pyramid gives ⌈H/s⌉ × ⌈W/s⌉ cells. */
export interface YoloxGrid {
  strides: readonly number[];
  widths: number[];
  heights: number[];
  /** Total cells = the rows N the output must have. */
  rows: number;
}

export function yoloxGrid(inputWidth: number, inputHeight: number, strides = YOLOX_STRIDES): YoloxGrid {
  const widths = strides.map((s) => Math.ceil(inputWidth / s));
  const heights = strides.map((s) => Math.ceil(inputHeight / s));
  const rows = widths.reduce((a, w, i) => a + w * heights[i], 0);
  return { strides, widths, heights, rows };
}

export interface YoloxDecodeOptions extends DecodeOptions {
  inputWidth: number;
  inputHeight: number;
  /** The export decoded the boxes already (cx, cy, w, h in input pixels). Default false. */
  decoded?: boolean;
  /** Default [8, 16, 32]. */
  strides?: readonly number[];
}

/**
 * Decodes frame `batch` of a YOLOX output into `out` (reset first): boxes above their label's
 * threshold, corners in input pixels. Throws RangeError when dims do not fit the input size/labels.
 *
 * @param data the output tensor's data, [B, N, 5 + C] row-major
 * @param dims its dims
 */
export function decodeYolox(
  data: Float32Array,
  dims: readonly number[],
  batch: number,
  o: YoloxDecodeOptions,
  out: Candidates = new Candidates(),
): Candidates {
  out.reset();
  const C = o.thresholds.length;
  const grid = yoloxGrid(o.inputWidth, o.inputHeight, o.strides);
  if (dims.length !== 3 || dims[1] !== grid.rows || dims[2] !== 5 + C || batch < 0 || batch >= dims[0]) {
    throw new RangeError(
      `yolox output [${dims.join(', ')}] does not fit [B, ${grid.rows}, ${5 + C}] for a ` +
        `${o.inputWidth}x${o.inputHeight} input and ${C} labels (frame ${batch})`,
    );
  }
  const F = 5 + C;
  const thr = o.thresholds;
  const floor = minThreshold(thr);
  if (floor > 1) return out;
  let r = batch * grid.rows * F;
  for (let l = 0; l < grid.strides.length; l++) {
    const s = grid.strides[l];
    const gw = grid.widths[l];
    const gh = grid.heights[l];
    for (let gy = 0; gy < gh; gy++) {
      for (let gx = 0; gx < gw; gx++, r += F) {
        const obj = data[r + 4];
        if (!(obj >= floor)) continue; // score = obj × p ≤ obj
        let best = -1;
        let label = 0;
        for (let c = 0, p = r + 5; c < C; c++, p++) {
          if (data[p] > best) {
            best = data[p];
            label = c;
          }
        }
        const score = obj * best;
        if (!(score >= thr[label])) continue;
        let cx: number;
        let cy: number;
        let w: number;
        let h: number;
        if (o.decoded) {
          cx = data[r];
          cy = data[r + 1];
          w = data[r + 2];
          h = data[r + 3];
        } else {
          cx = (data[r] + gx) * s;
          cy = (data[r + 1] + gy) * s;
          w = Math.exp(data[r + 2]) * s;
          h = Math.exp(data[r + 3]) * s;
        }
        out.push(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, score, label);
      }
    }
  }
  return out;
}
