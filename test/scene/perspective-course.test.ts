import { describe, expect, test } from 'vitest';
import { courseAt, type Sighting } from '../../pipeline/scene/perspective-course.ts';

// A pinhole camera 9 m above a flat road, looking along it (focal 520 px, principal point (320, 40)):
// a car 1.8 m wide and 2.9 m tall on screen (height + part of its length) approaching at 25 m/s.
function seen(tS: number, lateralM = 2, z0 = 60, v = 25): Sighting {
  const z = z0 - v * tS;
  const s = 520 / z;
  return { at: [320 + s * lateralM, 40 + s * 9], h: s * 2.9, tsMs: tS * 1000 };
}

describe('courseAt', () => {
  test('an object keeping its speed over the ground is where the camera will see it', () => {
    for (const [t1, t2, t3] of [
      [0, 0.5, 1],
      [0.5, 1, 1.5],
      [1, 1.2, 1.4],
    ]) {
      const p = courseAt(seen(t1), seen(t2), t3 * 1000)?.at;
      const truth = seen(t3).at;
      expect(p?.[0]).toBeCloseTo(truth[0], 6);
      expect(p?.[1]).toBeCloseTo(truth[1], 6);
    }
    // A constant image velocity falls far behind: from y 118 and 144 it would say 170, not 196.
    expect(seen(1.5).at[1] - seen(1).at[1]).toBeGreaterThan(seen(1).at[1] - seen(0.5).at[1]);
  });

  test('a standing object with jittering boxes stays where it is; moving sideways at one depth is linear', () => {
    const p = courseAt({ at: [200, 300], h: 50, tsMs: 0 }, { at: [200, 300], h: 56, tsMs: 200 }, 400)?.at;
    expect(p?.[0]).toBeCloseTo(200, 6);
    expect(p?.[1]).toBeCloseTo(300, 6);
    const q = courseAt({ at: [100, 300], h: 50, tsMs: 0 }, { at: [130, 300], h: 50, tsMs: 200 }, 400)?.at;
    expect(q).toEqual([160, 300]);
  });

  test('no course from one instant, a zero height, nor past five times the last size', () => {
    expect(courseAt(seen(1), seen(1), 2000)).toBeNull();
    expect(courseAt({ at: [0, 0], h: 0, tsMs: 0 }, seen(1), 2000)).toBeNull();
    // Passing under the camera (10 m, then 2.5 m away): at 2.35 s (1.25 m) still where the camera
    // sees it; at 3 s its depth would be negative.
    expect(courseAt(seen(2), seen(2.3), 2350)?.at[1]).toBeCloseTo(seen(2.35).at[1], 6);
    expect(courseAt(seen(2), seen(2.3), 3000)).toBeNull();
  });

  test('an object growing fast never turns back up the picture: its course ends instead', () => {
    // 26 then 63 px tall a second apart, moving down: 1/h would pass zero 0.7 s later (five times the size at 0.56 s) and
    // y/h turn negative after 2.5 s, which would put the object back above where it was.
    const a = { at: [300, 150] as [number, number], h: 26, tsMs: 0 };
    const b = { at: [320, 260] as [number, number], h: 63, tsMs: 1000 };
    const y = (t: number) => courseAt(a, b, t)?.at[1];
    expect(y(1200)).toBeGreaterThan(260);
    expect(y(1500)).toBeGreaterThan(y(1200) ?? Number.NaN);
    for (const t of [1600, 2000, 3000, 5000]) expect(y(t)).toBeUndefined();
  });
});
