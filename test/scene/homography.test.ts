import { describe, expect, test } from 'vitest';
import { Homography, type Matrix3, solve } from '../../pipeline/scene/homography.ts';
import type { Point } from '../../schemas/scene.ts';

const applyH = (m: Matrix3, [x, y]: Point): Point => {
  const w = m[6] * x + m[7] * y + m[8];
  return [(m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w];
};

describe('solve', () => {
  test('solves a small system and reports a singular one', () => {
    expect(
      solve([
        [2, 1, 5],
        [1, 3, 10],
      ]),
    ).toEqual([1, 3]);
    expect(
      solve([
        [1, 2, 3],
        [2, 4, 6],
      ]),
    ).toBeNull();
  });
});

describe('Homography', () => {
  test('recovers a known projective mapping', () => {
    const truth: Matrix3 = [0.02, 0.004, -5, 0.001, 0.05, -12, 0.00002, 0.0009, 1];
    const image: Point[] = [
      [800, 400],
      [1100, 400],
      [1700, 1000],
      [200, 1000],
    ];
    const world = image.map((p) => applyH(truth, p));
    const h = Homography.fromPoints(image, world);
    for (const [a, b] of h.matrix.map((v, i) => [v, truth[i]])) expect(a).toBeCloseTo(b, 9);
    for (const p of [
      [950, 700],
      [300, 990],
      [1500, 500],
    ] as Point[]) {
      const w = h.toWorld(p);
      const e = applyH(truth, p);
      expect(w?.[0]).toBeCloseTo(e[0], 6);
      expect(w?.[1]).toBeCloseTo(e[1], 6);
      const back = h.toImage(e);
      expect(back?.[0]).toBeCloseTo(p[0], 6);
      expect(back?.[1]).toBeCloseTo(p[1], 6);
    }
  });

  test('a road trapezoid maps onto a 3.5 m × 30 m lane', () => {
    const h = Homography.fromPoints(
      [
        [800, 400],
        [1100, 400],
        [1700, 1000],
        [200, 1000],
      ],
      [
        [0, 0],
        [3.5, 0],
        [3.5, 30],
        [0, 30],
      ],
    );
    const near = h.toWorld([950, 1000]);
    expect(near?.[0]).toBeCloseTo(1.75, 9);
    expect(near?.[1]).toBeCloseTo(30, 9);
    // Equal steps in the picture are longer steps on the ground far away (perspective).
    const y = (py: number) => h.toWorld([950, py])?.[1] ?? Number.NaN;
    expect(y(500) - y(400)).toBeGreaterThan(y(1000) - y(900));
    // The lane edges meet at (950, 250): the horizon is y = 250, and above it there is no ground.
    expect(h.toWorld([950, 200])).toBeNull();
    expect(h.toWorld([950, 300])).not.toBeNull();
  });

  test('three collinear points give no mapping', () => {
    expect(() =>
      Homography.fromPoints(
        [
          [0, 0],
          [10, 0],
          [20, 0],
          [0, 10],
        ],
        [
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 1],
        ],
      ),
    ).toThrow(RangeError);
  });
});
