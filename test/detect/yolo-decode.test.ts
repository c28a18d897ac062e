import { describe, expect, test } from 'vitest';
import { nms } from '../../pipeline/detect/nms.ts';
import { Candidates } from '../../pipeline/detect/yolo/candidates.ts';
import { decodeYolov8 } from '../../pipeline/detect/yolo/decode-yolov8.ts';
import { decodeYolox, yoloxGrid } from '../../pipeline/detect/yolo/decode-yolox.ts';
import { yolov8Constant } from '../fixtures/tiny-onnx-model.ts';

const C = 4; // labels: car, person, dog, truck
const thresholds = Float32Array.of(0.3, 0.3, 0.3, 0.3);

/** Decoded candidates as plain rows: label, score, x1, y1, x2, y2 (rounded). */
function rows(c: Candidates, which?: Iterable<number>) {
  const idx = which ? [...which] : Array.from({ length: c.count }, (_, i) => i);
  return idx.map((i) => [
    c.labels[i],
    Number(c.scores[i].toFixed(3)),
    ...Array.from(c.boxes.subarray(4 * i, 4 * i + 4), (v) => Number(v.toFixed(2))),
  ]);
}

describe('decodeYolov8 on a hand-built [1, 4 + C, N] tensor', () => {
  const anchors = [
    { cx: 20, cy: 12, w: 16, h: 8, label: 0, score: 0.9 }, // 0: car (12, 8)-(28, 16)
    { cx: 21, cy: 12, w: 16, h: 8, label: 0, score: 0.8 }, // 1: duplicate car, shifted 1 px
    { cx: 20, cy: 12, w: 16, h: 8, label: 1, score: 0.7 }, // 2: person on the same box
    { cx: 50, cy: 50, w: 10, h: 10, label: 2, score: 0.95 }, // 3: dog
    { cx: 40, cy: 40, w: 10, h: 10, label: 0, score: 0.2 }, // 4: car below threshold
  ];
  const dims = [1, 4 + C, anchors.length];
  const data = yolov8Constant(C, anchors);

  test('candidates: the best class per anchor, corners in input pixels, above thresholds', () => {
    const c = decodeYolov8(data, dims, 0, { thresholds });
    expect(rows(c)).toEqual([
      [0, 0.9, 12, 8, 28, 16],
      [0, 0.8, 13, 8, 29, 16],
      [1, 0.7, 12, 8, 28, 16],
      [2, 0.95, 45, 45, 55, 55],
    ]);
    expect(c.box(0)).toEqual({ x: 12, y: 8, w: 16, h: 8 });
  });

  test('a label with an infinite threshold is dropped; per-label thresholds apply', () => {
    const c = decodeYolov8(data, dims, 0, { thresholds: Float32Array.of(0.85, 0.3, Infinity, 0.3) });
    expect(rows(c)).toEqual([
      [0, 0.9, 12, 8, 28, 16],
      [1, 0.7, 12, 8, 28, 16],
    ]);
  });

  test('class-aware NMS keeps one car and the person on the same box', () => {
    const c = decodeYolov8(data, dims, 0, { thresholds });
    const kept = nms(c.boxes, c.scores, c.count, 0.45, { groups: c.labels });
    expect(rows(c, kept)).toEqual([
      [2, 0.95, 45, 45, 55, 55],
      [0, 0.9, 12, 8, 28, 16],
      [1, 0.7, 12, 8, 28, 16],
    ]);
  });

  test('the anchor-major [1, N, 4 + C] variant decodes the same', () => {
    const N = anchors.length;
    const t = new Float32Array(data.length);
    for (let n = 0; n < N; n++) for (let k = 0; k < 4 + C; k++) t[n * (4 + C) + k] = data[k * N + n];
    const a = decodeYolov8(t, [1, N, 4 + C], 0, { thresholds, anchorMajor: true });
    expect(rows(a)).toEqual(rows(decodeYolov8(data, dims, 0, { thresholds })));
  });

  test('batch index selects the frame; the output buffer is reused', () => {
    const two = new Float32Array(2 * data.length);
    two.set(data, data.length); // frame 0 empty, frame 1 = data
    const out = new Candidates();
    expect(decodeYolov8(two, [2, 4 + C, anchors.length], 0, { thresholds }, out).count).toBe(0);
    expect(decodeYolov8(two, [2, 4 + C, anchors.length], 1, { thresholds }, out)).toBe(out);
    expect(out.count).toBe(4);
  });

  test('dims that do not fit the labels are a RangeError', () => {
    expect(() => decodeYolov8(data, dims, 0, { thresholds: new Float32Array(3) })).toThrow(RangeError);
    expect(() => decodeYolov8(data, dims, 1, { thresholds })).toThrow(/frame 1/);
  });
});

describe('decodeYolox', () => {
  // A 64×48 input: strides 8/16/32 give 8×6 + 4×3 + 2×2 = 64 rows.
  const W = 64;
  const H = 48;
  const grid = yoloxGrid(W, H);
  const F = 5 + C;

  test('grids are derived from the input size', () => {
    expect(grid).toEqual({ strides: [8, 16, 32], widths: [8, 4, 2], heights: [6, 3, 2], rows: 64 });
    expect(yoloxGrid(416, 416).rows).toBe(3549);
    expect(yoloxGrid(640, 640).rows).toBe(8400);
  });

  function tensor(set: (row: Float32Array, index: number) => void): Float32Array {
    const t = new Float32Array(grid.rows * F);
    for (let r = 0; r < grid.rows; r++) set(t.subarray(r * F, (r + 1) * F), r);
    return t;
  }
  // row of cell (gx, gy) at level l
  const rowOf = (l: number, gx: number, gy: number) =>
    [0, 1, 2].slice(0, l).reduce((a, k) => a + grid.widths[k] * grid.heights[k], 0) +
    gy * grid.widths[l] +
    gx;

  test('raw boxes: grid offset, stride and exp(); score = objectness × class probability', () => {
    const r16 = rowOf(1, 2, 1); // stride 16, cell (2, 1)
    const r8 = rowOf(0, 7, 5); // stride 8, last cell
    const t = tensor((row, r) => {
      if (r === r16) row.set([0.5, 0.25, Math.log(2), 0, 0.9, 0.1, 0.8, 0.05, 0.3]); // person 0.72
      if (r === r8) row.set([0, 0, 0, 0, 0.5, 0.7, 0, 0, 0]); // car 0.35
      if (r === 0) row.set([0, 0, 0, 0, 0.2, 0.99, 0, 0, 0]); // objectness 0.2: below every threshold
    });
    const c = decodeYolox(t, [1, grid.rows, F], 0, { thresholds, inputWidth: W, inputHeight: H });
    // r8: centre (7·8, 5·8) = (56, 40), 8×8; r16: centre ((2.5)·16, (1.25)·16) = (40, 20), 32×16
    expect(rows(c)).toEqual([
      [0, 0.35, 52, 36, 60, 44],
      [1, 0.72, 24, 12, 56, 28],
    ]);
  });

  test('already-decoded exports: boxes taken as input pixels', () => {
    const t = tensor((row, r) => {
      if (r === 3) row.set([40, 20, 32, 16, 0.9, 0.1, 0.8, 0, 0]);
    });
    const c = decodeYolox(t, [1, grid.rows, F], 0, {
      thresholds,
      inputWidth: W,
      inputHeight: H,
      decoded: true,
    });
    expect(rows(c)).toEqual([[1, 0.72, 24, 12, 56, 28]]);
  });

  test('the class is the best of all labels, as upstream: a dropped label wins and drops the box', () => {
    const t = tensor((row, r) => {
      if (r === 3) row.set([0, 0, 0, 0, 0.9, 0.5, 0, 0.6, 0]); // dog 0.6 beats car 0.5
    });
    const only = Float32Array.of(0.3, 0.3, Infinity, 0.3);
    expect(
      decodeYolox(t, [1, grid.rows, F], 0, { thresholds: only, inputWidth: W, inputHeight: H }).count,
    ).toBe(0);
  });

  test('rows that do not match the input size are a RangeError', () => {
    expect(() =>
      decodeYolox(new Float32Array(63 * F), [1, 63, F], 0, { thresholds, inputWidth: W, inputHeight: H }),
    ).toThrow(/\[B, 64, 9\] for a 64x48 input/);
  });
});

describe('nms crossGroups', () => {
  const boxes = Float32Array.from(
    [
      [0, 0, 10, 10], // 0: car 0.9
      [0, 0, 10, 9], // 1: truck 0.6 on nearly the same box (IoU 0.9 with the car)
      [30, 0, 40, 10], // 2: truck 0.85 elsewhere
      [3, 0, 13, 10], // 3: bus 0.8 overlapping the car by IoU 0.54: another vehicle
    ].flat(),
  );
  const scores = Float32Array.of(0.9, 0.6, 0.85, 0.8);
  const classes = Int32Array.of(0, 1, 1, 2);

  test('class-aware NMS alone keeps the same vehicle as car and as truck', () => {
    expect(Array.from(nms(boxes, scores, 4, 0.45, { groups: classes }))).toEqual([0, 2, 3, 1]);
  });

  test('confusable classes suppress each other only above the cross threshold', () => {
    const crossGroups = Int32Array.of(0, 0, 0, 0);
    expect(
      Array.from(nms(boxes, scores, 4, 0.45, { groups: classes, crossGroups, crossIouThreshold: 0.7 })),
    ).toEqual([0, 2, 3]);
  });

  test('different cross groups never suppress each other', () => {
    const crossGroups = Int32Array.of(0, 1, 1, 2);
    expect(
      Array.from(nms(boxes, scores, 4, 0.45, { groups: classes, crossGroups, crossIouThreshold: 0.7 })),
    ).toEqual([0, 2, 3, 1]);
  });
});
