import { describe, expect, test } from 'vitest';
import { SpeedEstimator } from '../../pipeline/measure/speed-estimator.ts';
import { Homography } from '../../pipeline/scene/homography.ts';

// A perspective view of a 3.5 m × 40 m stretch of road: the far end is narrower in the picture.
const H = Homography.fromPoints(
  [
    [860, 300],
    [1060, 300],
    [1500, 1000],
    [420, 1000],
  ],
  [
    [0, 40],
    [3.5, 40],
    [3.5, 0],
    [0, 0],
  ],
);

/** Image position of a ground point. */
function image(x: number, y: number): [number, number] {
  const p = H.toImage([x, y]);
  if (!p) throw new Error('point beyond the horizon');
  return [p[0], p[1]];
}

/** Seeded normal noise (Box-Muller on a small LCG), so the tests are deterministic. */
function noise(seed: number) {
  let s = seed;
  const u = () => {
    s = (s * 1664525 + 1013904223) % 2 ** 32;
    return (s + 1) / (2 ** 32 + 1);
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

describe('SpeedEstimator', () => {
  test('a car at 36 km/h (10 m/s) along the road reads 36 km/h, at 5 fps without noise', () => {
    const s = new SpeedEstimator(H);
    let last: number | null = null;
    for (let i = 0; i <= 15; i++) {
      const t = i * 200;
      last = s.update(1, image(1.75, 2 + (10 * t) / 1000), 1_000_000 + t).speedKmh;
    }
    expect(last).not.toBeNull();
    expect(last as number).toBeCloseTo(36, 1);
  });

  test('no speed before the minimum history', () => {
    const s = new SpeedEstimator(H, { minHistoryMs: 800, minPoints: 3 });
    expect(s.update(1, image(1, 5), 0).speedKmh).toBeNull();
    expect(s.update(1, image(1, 6), 200).speedKmh).toBeNull();
    expect(s.update(1, image(1, 7), 400).speedKmh).toBeNull(); // 3 points but 400 ms
    expect(s.update(1, image(1, 9), 800).speedKmh).not.toBeNull();
  });

  test('with pixel jitter and an outlier box: each car within 12 %, no bias over many cars', () => {
    const rand = noise(7);
    const errors: number[] = [];
    for (let car = 0; car < 40; car++) {
      const s = new SpeedEstimator(H);
      const v = 5 + car * 0.5; // 18 .. 88 km/h
      let reading: number | null = null;
      for (let i = 0; i < 15; i++) {
        const t = i * 200;
        const [px, py] = image(1.75, 1 + (v * t) / 1000);
        // ~2 px of jitter, and one box in fifteen jumps by 25 px (a partly hidden car).
        const jump = i === 7 ? 25 : 0;
        const r = s.update(car, [px + 2 * rand(), py + 2 * rand() + jump], t);
        if (r.speedKmh !== null) reading = r.speedKmh;
      }
      errors.push(((reading as number) - v * 3.6) / (v * 3.6));
    }
    // One car's reading is noisy (the parabola's slope near the window's end); an interval's mean,
    // over tens of cars, is what the measures report (see synthetic-pipeline.test.ts: within 5 %).
    expect(Math.max(...errors.map(Math.abs))).toBeLessThan(0.12);
    expect(Math.abs(errors.reduce((a, b) => a + b, 0) / errors.length)).toBeLessThan(0.02);
  });

  test('an identity switch (a jump no vehicle can make) restarts the history', () => {
    const s = new SpeedEstimator(H);
    for (let i = 0; i < 10; i++) s.update(1, image(1, 2 + i * 2), i * 200);
    // The same id now sits 30 m away: not a 540 km/h car.
    const r = s.update(1, image(1, 38), 2000);
    expect(r.speedKmh).toBeNull();
  });

  test("at 10 fps a lorry's jittering box (±1.5 m a frame at 108 km/h) is no identity switch", () => {
    const s = new SpeedEstimator(H);
    let last: number | null = null;
    for (let i = 0; i <= 12; i++)
      last = s.update(1, image(1.75, 2 + 3 * i + (i % 2 ? 1.5 : -1.5)), i * 100).speedKmh;
    expect(last).not.toBeNull(); // a step of 6 m in 0.1 s (216 km/h) came every other frame
    expect(last as number).toBeGreaterThan(80);
    expect(last as number).toBeLessThan(140);
  });

  test('snapshot and restore carry on exactly', () => {
    const a = new SpeedEstimator(H);
    for (let i = 0; i < 5; i++) a.update(3, image(2, 3 + i), i * 200);
    const b = SpeedEstimator.restore(JSON.parse(JSON.stringify(a.snapshot())), H);
    expect(b.update(3, image(2, 8.1), 1000)).toEqual(a.update(3, image(2, 8.1), 1000));
  });

  test('rejects bad options', () => {
    expect(() => new SpeedEstimator(H, { minPoints: 1 })).toThrow(/minPoints/);
    expect(() => new SpeedEstimator(H, { windowMs: Number.NaN })).toThrow(/windowMs/);
  });
});
