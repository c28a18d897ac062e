import { describe, expect, test } from 'vitest';
import { mulberry32 } from '../../benchmarks/tracking/synthetic-scene.ts';
import { KalmanBoxFilter } from '../../pipeline/track/kalman-box-filter.ts';

describe('KalmanBoxFilter', () => {
  test('starts at the box, at rest', () => {
    const kf = new KalmanBoxFilter({ x: 100, y: 50, w: 40, h: 20 });
    expect(kf.box()).toEqual({ x: 100, y: 50, w: 40, h: 20 });
    expect(kf.velocity()).toEqual({ vx: 0, vy: 0 });
  });

  test('converges to the velocity of a moving box, with noise and uneven time steps', () => {
    const rnd = mulberry32(7);
    const box = (t: number) => ({ x: 100 + 300 * t, y: 400 - 50 * t, w: 120, h: 60 });
    const kf = new KalmanBoxFilter(box(0));
    let t = 0;
    for (let i = 0; i < 40; i++) {
      const dt = 0.2 + 0.3 * rnd(); // 2–5 fps
      t += dt;
      kf.predict(dt);
      const b = box(t);
      kf.update({ x: b.x + (rnd() - 0.5) * 4, y: b.y + (rnd() - 0.5) * 4, w: b.w, h: b.h });
    }
    const { vx, vy } = kf.velocity();
    expect(vx).toBeCloseTo(300, -1); // within ±5 px/s
    expect(vy).toBeCloseTo(-50, -1);
    // Its prediction half a second ahead lands near the true box.
    kf.predict(0.5);
    const p = kf.box();
    const truth = box(t + 0.5);
    expect(Math.abs(p.x - truth.x)).toBeLessThan(6);
    expect(Math.abs(p.y - truth.y)).toBeLessThan(6);
  });

  test('uncertainty grows with the gap and shrinks with updates', () => {
    const kf = new KalmanBoxFilter({ x: 0, y: 0, w: 100, h: 50 });
    const far = { x: 150, y: 0, w: 100, h: 50 };
    kf.predict(0.2);
    const short = kf.centreDistance2(far);
    kf.predict(0.8);
    expect(kf.centreDistance2(far)).toBeLessThan(short);
    const before = kf.covariance[0];
    kf.update({ x: 0, y: 0, w: 100, h: 50 });
    expect(kf.covariance[0]).toBeLessThan(before);
  });

  test('state round-trips through JSON exactly', () => {
    const kf = new KalmanBoxFilter({ x: 10, y: 20, w: 30, h: 40 });
    kf.predict(0.3);
    kf.update({ x: 14, y: 21, w: 31, h: 39 });
    const copy = KalmanBoxFilter.fromState(JSON.parse(JSON.stringify(kf.toState())));
    copy.predict(0.25);
    kf.predict(0.25);
    expect(Array.from(copy.mean)).toEqual(Array.from(kf.mean));
    expect(Array.from(copy.covariance)).toEqual(Array.from(kf.covariance));
  });

  test('rejects bad input early', () => {
    expect(() => new KalmanBoxFilter({ x: 0, y: 0, w: 0, h: 5 })).toThrow(/w and h/);
    expect(() => new KalmanBoxFilter({ x: 0, y: 0, w: 5, h: 5 }, { measurementStd: -1 })).toThrow(
      /measurementStd/,
    );
    expect(() => new KalmanBoxFilter({ x: 0, y: 0, w: 5, h: 5 }).predict(-1)).toThrow(/dtSec/);
  });
});
