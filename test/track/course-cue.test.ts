import { describe, expect, test } from 'vitest';
import { ByteTracker } from '../../pipeline/track/byte-tracker.ts';
import { courseBox, withSighting } from '../../pipeline/track/course-cue.ts';
import type { Box, Detection } from '../../schemas/detection.ts';

// A pinhole camera 9 m above a flat road, looking along it (focal 520 px, horizon at row 40): a car
// 1.8 m wide, 2.9 m tall on screen (its height and part of its length), `z` metres away.
function carBox(z: number, lateralM = 0): Box {
  const s = 520 / z;
  const w = 1.8 * s;
  const h = 2.9 * s;
  return { x: 320 + s * lateralM - w / 2, y: 40 + 9 * s - h, w, h };
}

describe('courseBox', () => {
  test('a car keeping its speed over the ground is predicted where and as large as the camera sees it', () => {
    // 25 m/s, seen at 60 m and 47.5 m (0.5 s apart): at 1 s it is at 35 m.
    const seen = [
      { box: carBox(60, 2), tsMs: 0 },
      { box: carBox(47.5, 2), tsMs: 500 },
    ];
    const p = courseBox(seen, 1000, 2000);
    const truth = carBox(35, 2);
    expect(p?.x).toBeCloseTo(truth.x, 6);
    expect(p?.y).toBeCloseTo(truth.y, 6);
    expect(p?.w).toBeCloseTo(truth.w, 6);
    expect(p?.h).toBeCloseTo(truth.h, 6);
  });

  test('no course from one sighting, or from two further apart than maxSpanMs', () => {
    expect(courseBox([{ box: carBox(60), tsMs: 0 }], 500, 2000)).toBeNull();
    const apart = [
      { box: carBox(60), tsMs: 0 },
      { box: carBox(40), tsMs: 2500 },
    ];
    expect(courseBox(apart, 3000, 2000)).toBeNull();
    expect(courseBox(apart, 3000, 3000)).not.toBeNull();
  });

  test('no course past a box cut by the lower edge, nor one heading against the track', () => {
    const seen = [
      { box: carBox(60, 2), tsMs: 0 },
      { box: carBox(47.5, 2), tsMs: 500, cut: true },
    ];
    expect(courseBox(seen, 1000, 2000)).toBeNull();
    const whole = seen.map(({ box, tsMs }) => ({ box, tsMs }));
    // The course runs down the picture (towards the camera); a track heading up disagrees.
    expect(courseBox(whole, 1000, 2000, { vx: 0, vy: 40 })).not.toBeNull();
    expect(courseBox(whole, 1000, 2000, { vx: 0, vy: -40 })).toBeNull();
  });

  test('withSighting keeps the last two, copied', () => {
    const box = { x: 1, y: 2, w: 3, h: 4 };
    const one = withSighting(undefined, box, 0);
    box.x = 99;
    const three = withSighting(withSighting(one, carBox(50), 500), carBox(40), 1000, true);
    expect(one).toEqual([{ box: { x: 1, y: 2, w: 3, h: 4 }, tsMs: 0 }]);
    expect(three.map((s) => [s.tsMs, s.cut ?? false])).toEqual([
      [500, false],
      [1000, true],
    ]);
  });
});

/**
 * Two cars 1.5 s apart in one lane approach at 28 m/s (100 km/h), seen at 2 fps with no measured
 * motion. Near the camera the leader speeds up and grows on screen: a constant image velocity
 * predicts it a box length short and too small, so its nearest sighting would start a new track
 * (and its lost track later take the follower's). Returns each report as "frame car id".
 */
function platoon(restoreAt = -1): string[] {
  let tracker = new ByteTracker({ highThreshold: 0.4, newTrackThreshold: 0.4, minHits: 2 });
  const out: string[] = [];
  for (let k = 0; k < 12; k++) {
    if (k === restoreAt)
      tracker = ByteTracker.restore(JSON.parse(JSON.stringify(tracker.snapshot())), {
        highThreshold: 0.4,
        newTrackThreshold: 0.4,
        minHits: 2,
      });
    const detections: Detection[] = [];
    const cars: number[] = [];
    for (const [car, z0] of [
      [0, 85],
      [1, 127],
    ]) {
      const z = z0 - 14 * k;
      const box = carBox(z, 1);
      if (z < 8 || z > 100 || box.y + box.h > 360) continue; // not yet in view, or past the lower edge
      detections.push({ cls: 'car', score: 0.8, box });
      cars.push(car);
    }
    for (const d of tracker.update(detections, k * 500)) out.push(`${k} ${cars[d.input]} ${d.trackId}`);
  }
  return out;
}

test('a platoon approaching at 2 fps: each car keeps one track from its second sighting to its last', () => {
  const reports = platoon();
  // The leader is seen at frames 0-5, the follower at 2-8 (then past the lower edge).
  const car = (n: number) => reports.filter((r) => r.split(' ')[1] === String(n));
  expect(car(0).map((r) => r.split(' ')[0])).toEqual(['1', '2', '3', '4', '5']);
  expect(car(1).map((r) => r.split(' ')[0])).toEqual(['3', '4', '5', '6', '7', '8']);
  expect(new Set(car(0).map((r) => r.split(' ')[2])).size).toBe(1);
  expect(new Set(car(1).map((r) => r.split(' ')[2])).size).toBe(1);
  // Resumed from a snapshot as the leader nears the camera, the course (its sightings) carries on.
  expect(platoon(4)).toEqual(reports);
});
