import { expect, test } from 'vitest';
import { LineZone } from '../../pipeline/scene/line-zone.ts';
import { ByteTracker } from '../../pipeline/track/byte-tracker.ts';
import { doublesStronger } from '../../pipeline/track/doubled-box.ts';
import type { Detection } from '../../schemas/detection.ts';

const det = (
  cls: Detection['cls'],
  score: number,
  x: number,
  y: number,
  w: number,
  h: number,
): Detection => ({
  cls,
  score,
  box: { x, y, w, h },
});

test('a weak box doubles a stronger one of the frame where they overlap as NMS would merge, whatever the classes', () => {
  const car = det('car', 0.46, 528, 67, 110, 81);
  const truck = det('truck', 0.26, 528, 65, 110, 156);
  expect(doublesStronger(truck, [car, truck])).toBe(true);
  // Not the stronger one itself; not a box half hidden behind another (IoU 0.33); not when alone.
  expect(doublesStronger(car, [car, truck])).toBe(false);
  expect(doublesStronger(det('car', 0.26, 583, 67, 110, 81), [car])).toBe(false);
  expect(doublesStronger(truck, [truck])).toBe(false);
});

/** A frame of the window clip's detections at 2 fps (640×360), with their measured motion. */
type Frame = [number, Array<[Detection['cls'], number, [number, number, number, number], [number, number]]>];

/*
 * The window clip 1/6 s later, at 2 fps: a red pickup enters at the right edge and drives left across
 * the line x = 500. At 5.0 s the detector gives it as a `car` box and, over it, a taller `truck` box
 * taking in its shadow; both traced back past the picture's edge, both moving. Four parked vehicles.
 */
const FRAMES: Frame[] = [
  [
    4.5,
    [
      ['car', 0.68, [309, 235, 155, 78], [0, 0]],
      ['car', 0.63, [224, 77, 70, 48], [0, 0]],
      ['truck', 0.56, [165, 213, 132, 84], [0, 0]],
      ['car', 0.53, [85, 107, 66, 36], [0, 0]],
    ],
  ],
  [
    5.0,
    [
      ['car', 0.64, [309, 234, 157, 78], [0, 0]],
      ['car', 0.63, [224, 77, 70, 48], [0, 0]],
      ['truck', 0.57, [165, 213, 132, 84], [0, 0]],
      ['car', 0.53, [85, 107, 65, 36], [0, 0]],
      ['car', 0.46, [528, 67, 110, 81], [-123, 15]],
      ['truck', 0.26, [528, 65, 110, 156], [-138, 0]],
    ],
  ],
  [
    5.5,
    [
      ['car', 0.64, [309, 235, 156, 79], [0, 0]],
      ['truck', 0.6, [169, 215, 128, 79], [0, 0]],
      ['car', 0.59, [224, 77, 70, 47], [0, 0]],
      ['car', 0.54, [85, 107, 65, 36], [0, 0]],
      ['car', 0.49, [383, 83, 163, 83], [-166, 6]],
      ['truck', 0.26, [384, 85, 86, 83], [0, -9]],
    ],
  ],
  [
    6.0,
    [
      ['car', 0.71, [281, 101, 139, 71], [-55, 3]],
      ['truck', 0.55, [168, 214, 130, 81], [0, 0]],
      ['car', 0.53, [225, 77, 69, 42], [0, 0]],
      ['car', 0.47, [309, 235, 156, 74], [0, 0]],
      ['car', 0.45, [85, 107, 65, 36], [0, 0]],
    ],
  ],
  [
    6.5,
    [
      ['car', 0.72, [203, 114, 113, 64], [-89, 9]],
      ['car', 0.61, [309, 235, 155, 76], [0, 0]],
      ['car', 0.55, [85, 107, 66, 37], [0, 0]],
      ['car', 0.54, [219, 79, 75, 45], [0, 0]],
      ['truck', 0.53, [168, 214, 131, 81], [0, 0]],
    ],
  ],
];

test('a pickup entering at the picture edge as a car box and a weak truck box over it is one track and one crossing', () => {
  // The tracking options the pipeline runs yolox-nano with (trackingSpec: the model's threshold).
  const tracker = new ByteTracker({ highThreshold: 0.4, newTrackThreshold: 0.4 });
  const line = new LineZone({ id: 'street', from: [500, 62], to: [500, 300] });
  const moving = new Set<number>(); // ids of tracks on moving boxes
  let crossings = 0;
  for (const [t, dets] of FRAMES) {
    const detections = dets.map(([cls, score, [x, y, w, h], [dx, dy]]) => ({
      ...det(cls, score, x, y, w, h),
      motion: { dx, dy, dtMs: 500 },
    }));
    const tracked = tracker.update(detections, t * 1000);
    for (const d of tracked)
      if (detections[d.input].motion.dx || detections[d.input].motion.dy) moving.add(d.trackId);
    crossings += line.update(tracked, t * 1000, tracker.lostBufferMs).length;
  }
  expect(moving.size).toBe(1);
  expect(crossings).toBe(1);
});
