import { expect, test } from 'vitest';
import { nms } from '../../pipeline/detect/nms.ts';

const boxes = Float32Array.from(
  [
    [0, 0, 10, 10], // 0
    [1, 1, 11, 11], // 1: IoU with 0 = 81/119 ≈ 0.68
    [20, 20, 30, 30], // 2: disjoint
    [0, 0, 10, 10], // 3: same box as 0, other group
  ].flat(),
);
const scores = Float32Array.from([0.6, 0.9, 0.5, 0.7]);

test('keeps the best of overlapping boxes, best first', () => {
  expect(Array.from(nms(boxes, scores, 3, 0.5))).toEqual([1, 2]);
  expect(Array.from(nms(boxes, scores, 3, 0.7))).toEqual([1, 0, 2]); // 0.68 is not above 0.7
});

test('boxes of different groups do not suppress each other', () => {
  const groups = Int32Array.from([0, 0, 0, 1]);
  expect(Array.from(nms(boxes, scores, 4, 0.5, { groups }))).toEqual([1, 3, 2]);
  expect(Array.from(nms(boxes, scores, 4, 0.5))).toEqual([1, 2]);
});

test('honours count and maxOutput', () => {
  expect(Array.from(nms(boxes, scores, 0, 0.5))).toEqual([]);
  expect(
    Array.from(nms(boxes, scores, 4, 0.5, { groups: Int32Array.from([0, 0, 0, 1]), maxOutput: 2 })),
  ).toEqual([1, 3]);
});
