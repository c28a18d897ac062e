import { expect, test } from 'vitest';
import { coveredShare, iou } from '../../pipeline/geometry/box-iou.ts';

const box = (x: number, y: number, w: number, h: number) => ({ x, y, w, h });

test('iou is symmetric; coveredShare is the share of the first box inside the second', () => {
  const car = box(0, 0, 100, 50);
  const part = box(80, 10, 40, 20); // 20 of its 40 px across lie inside the car
  expect(iou(car, part)).toBeCloseTo(400 / (5000 + 800 - 400));
  expect(iou(part, car)).toBe(iou(car, part));
  expect(coveredShare(part, car)).toBeCloseTo(0.5);
  expect(coveredShare(car, part)).toBeCloseTo(400 / 5000);
  expect(coveredShare(box(10, 10, 5, 5), car)).toBe(1);
});

test('apart, touching or empty boxes share nothing', () => {
  const a = box(0, 0, 10, 10);
  for (const b of [box(20, 0, 10, 10), box(10, 0, 10, 10), box(5, 5, 0, 0)]) {
    expect(iou(a, b)).toBe(0);
    expect(coveredShare(b, a)).toBe(0);
    expect(coveredShare(a, b)).toBe(0);
  }
});
