import { expect, test } from 'vitest';
import { ByteTracker } from '../../pipeline/track/byte-tracker.ts';
import { isPartBox } from '../../pipeline/track/part-box.ts';
import type { Detection } from '../../schemas/detection.ts';

const car = (x: number, y: number, w: number, h: number) => ({ cls: 'car' as const, box: { x, y, w, h } });

test('a part box: same class, mostly inside the larger predicted box of a track that took another box', () => {
  const claimed = [{ box: { x: 340, y: 180, w: 257, h: 176 }, cls: 'car' as const }];
  expect(isPartBox(car(337, 197, 124, 104), claimed)).toBe(true);
  // Another class (a motorbike beside the car), a box of similar size, one mostly outside: not parts.
  expect(isPartBox({ ...car(337, 197, 124, 104), cls: 'motorcycle' }, claimed)).toBe(false);
  expect(isPartBox(car(350, 190, 230, 160), claimed)).toBe(false);
  expect(isPartBox(car(520, 197, 124, 104), claimed)).toBe(false);
  expect(isPartBox(car(337, 197, 124, 104), [])).toBe(false);
});

/** A frame of the sample street's detections (5 fps), the boxes as the detector gave them. */
type Frame = [number, Array<[Detection['cls'], number, [number, number, number, number], [number, number]?]>];

/*
 * The sample street at 5 fps, a car driving towards the camera and out at the lower edge (640×352),
 * with the parked car at the right; the frames taken 2/24 s later than the file's own 5 fps grid
 * (as a live camera may sample it). At 8.0 s the detector gives the car's cut front and, beside it,
 * its rear as a second car box; at 8.2 s one box for the car and its cut front as a motorbike. A
 * track started on the rear box took the car's whole box at 8.2 s (its perspective course fitted it
 * better than the car's own prediction, thrown off by the cut), and the car was counted twice in its
 * lane zone.
 */
const FRAMES: Frame[] = [
  [
    7.0,
    [
      ['car', 0.81, [240, 136, 99, 72], [21.5, 12.3]],
      ['car', 0.57, [597, 152, 42, 38], [0, 0]],
    ],
  ],
  [
    7.2,
    [
      ['car', 0.78, [248, 136, 132, 95]],
      ['car', 0.57, [597, 151, 42, 40], [0, 0]],
    ],
  ],
  [
    7.4,
    [
      ['car', 0.85, [264, 148, 164, 113], [15.4, 6.2]],
      ['car', 0.58, [597, 151, 42, 40], [0, 0]],
    ],
  ],
  [
    7.6,
    [
      ['car', 0.88, [276, 152, 208, 137], [43.1, 21.5]],
      ['car', 0.61, [597, 150, 42, 40], [0, 0]],
    ],
  ],
  [
    7.8,
    [
      ['car', 0.76, [310, 161, 259, 182]],
      ['car', 0.58, [597, 149, 42, 42], [0, 0]],
    ],
  ],
  [
    8.0,
    [
      ['car', 0.84, [434, 197, 206, 155]],
      ['car', 0.58, [337, 197, 124, 104], [58.5, 36.9]],
      ['car', 0.57, [597, 150, 41, 42], [0, 0]],
    ],
  ],
  [
    8.2,
    [
      ['car', 0.76, [403, 215, 227, 137]],
      ['car', 0.55, [597, 150, 42, 42], [0, 0]],
      ['motorcycle', 0.36, [535, 230, 105, 121], [52.3, 18.5]],
    ],
  ],
];

test('a car leaving at the lower edge keeps its one track; the second box on its rear starts none', () => {
  // The tracking options the pipeline runs the sample with (trackingSpec: the model's threshold).
  const tracker = new ByteTracker({ highThreshold: 0.4, newTrackThreshold: 0.4 });
  const ids = new Set<number>();
  for (const [t, dets] of FRAMES) {
    const detections: Detection[] = dets.map(([cls, score, [x, y, w, h], m]) => ({
      cls,
      score,
      box: { x, y, w, h },
      ...(m ? { motion: { dx: m[0], dy: m[1], dtMs: 200 } } : {}),
    }));
    // The moving car's box is the first one; the parked car's is at x 597.
    for (const d of tracker.update(detections, t * 1000))
      if (d.box.x < 590 || d.box.w > 60) ids.add(d.trackId);
  }
  expect([...ids]).toHaveLength(1);
});

/*
 * The sample street played backwards at 2 fps (eval:counts --reversed), a car driving away from the
 * camera: at 19.5 s it enters at the lower edge (its box cut there), at 20.0 s the detector gives
 * its whole box and, inside it, a second box on its rear half. The track of the cut box takes the
 * whole box; the rear box is not inside that track's predicted box (the cut box, further right) but
 * lies inside the box it took. It had started a second track, whose course was counted at the line
 * as a second car.
 */
const AT_20: Detection[] = [
  {
    cls: 'car',
    score: 0.74,
    box: { x: 299, y: 152, w: 172, h: 125 },
    motion: { dx: -169, dy: -77, dtMs: 500 },
  },
  {
    cls: 'car',
    score: 0.41,
    box: { x: 296, y: 149, w: 68, h: 93 },
    motion: { dx: -148, dy: -77, dtMs: 500 },
  },
  { cls: 'car', score: 0.51, box: { x: 598, y: 148, w: 40, h: 48 }, motion: { dx: 0, dy: 0, dtMs: 500 } },
];
const PARKED: Detection = {
  cls: 'car',
  score: 0.62,
  box: { x: 596, y: 148, w: 43, h: 45 },
  motion: { dx: 0, dy: 0, dtMs: 500 },
};

test('a second box inside the box a track took starts no track, wherever the track was predicted', () => {
  const tracker = new ByteTracker({ highThreshold: 0.4, newTrackThreshold: 0.4 });
  tracker.update(
    [{ cls: 'car', score: 0.88, box: { x: 394, y: 178, w: 246, h: 174 }, cut: true }, PARKED],
    19_500,
  );
  const now = tracker.update(AT_20, 20_000).filter((d) => d.box.x < 590);
  expect(now.map((d) => d.box.w)).toEqual([172]);
});
