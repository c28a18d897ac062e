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

  test('no course from one instant, a zero height or time running backwards; growth is capped', () => {
    expect(courseAt(seen(1), seen(1), 2000)).toBeNull();
    expect(courseAt({ at: [0, 0], h: 0, tsMs: 0 }, seen(1), 2000)).toBeNull();
    // Passing under the camera (depth would go negative): at most five times the last size.
    const p = courseAt(seen(2), seen(2.3), 3000)?.at;
    expect(p && Number.isFinite(p[1])).toBe(true);
    expect(p?.[1]).toBeLessThanOrEqual(40 + 5 * (seen(2.3).at[1] - 40) + 1e-6);
  });
});
