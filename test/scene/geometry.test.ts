import { describe, expect, test } from 'vitest';
import {
  allCollinear,
  bottomCentre,
  cross,
  pointInPolygon,
  polygonArea,
  segmentsIntersect,
  selfIntersection,
} from '../../pipeline/scene/geometry.ts';
import type { Point } from '../../schemas/scene.ts';

const square: Point[] = [
  [0, 0],
  [10, 0],
  [10, 10],
  [0, 10],
];

describe('cross', () => {
  test('left of a→b on screen (y down) is negative, right positive, on the line 0', () => {
    expect(cross([0, 0], [10, 0], [5, -1])).toBeLessThan(0); // above: left when heading +x
    expect(cross([0, 0], [10, 0], [5, 1])).toBeGreaterThan(0);
    expect(cross([0, 0], [10, 0], [20, 0])).toBe(0);
  });
});

describe('bottomCentre', () => {
  test('is the middle of the bottom edge', () => {
    expect(bottomCentre({ x: 10, y: 20, w: 100, h: 50 })).toEqual([60, 70]);
  });
});

describe('segmentsIntersect', () => {
  test('proper crossing', () => {
    expect(segmentsIntersect([0, 0], [10, 10], [0, 10], [10, 0])).toBe(true);
  });
  test('disjoint, parallel, and collinear apart', () => {
    expect(segmentsIntersect([0, 0], [10, 0], [0, 1], [10, 1])).toBe(false);
    expect(segmentsIntersect([0, 0], [4, 0], [5, 0], [10, 0])).toBe(false);
    expect(segmentsIntersect([0, 0], [10, 10], [6, 0], [10, 4])).toBe(false);
  });
  test('touching at an endpoint and collinear overlap count', () => {
    expect(segmentsIntersect([0, 0], [10, 0], [5, 0], [5, 5])).toBe(true);
    expect(segmentsIntersect([0, 0], [6, 0], [5, 0], [10, 0])).toBe(true);
  });
});

describe('polygonArea / allCollinear', () => {
  test('shoelace area, sign by winding', () => {
    expect(polygonArea(square)).toBe(100);
    expect(polygonArea([...square].reverse())).toBe(-100);
  });
  test('collinear points', () => {
    expect(
      allCollinear([
        [0, 0],
        [1, 1],
        [5, 5],
      ]),
    ).toBe(true);
    expect(allCollinear(square)).toBe(false);
    expect(
      allCollinear([
        [3, 3],
        [3, 3],
        [3, 3],
      ]),
    ).toBe(true);
  });
});

describe('selfIntersection', () => {
  test('simple polygons (convex and concave) pass', () => {
    expect(selfIntersection(square)).toBeNull();
    expect(
      selfIntersection([
        [0, 0],
        [10, 0],
        [10, 10],
        [5, 3],
        [0, 10],
      ]),
    ).toBeNull();
  });
  test('a bow tie is caught', () => {
    expect(
      selfIntersection([
        [0, 0],
        [10, 0],
        [0, 10],
        [10, 10],
      ]),
    ).toEqual([1, 3]);
  });
  test('a repeated point and a spike folding back are caught', () => {
    expect(
      selfIntersection([
        [0, 0],
        [10, 0],
        [10, 0],
        [0, 10],
      ]),
    ).toEqual([1, 2]);
    expect(
      selfIntersection([
        [0, 0],
        [10, 0],
        [20, 0],
        [5, 0],
        [0, 10],
      ]),
    ).not.toBeNull();
  });
  test('a vertex touching a non-adjacent edge is caught', () => {
    expect(
      selfIntersection([
        [0, 0],
        [10, 0],
        [10, 10],
        [5, 0],
        [0, 10],
      ]),
    ).not.toBeNull();
  });
});

describe('pointInPolygon (ray casting)', () => {
  test('inside, outside, concave notch', () => {
    expect(pointInPolygon([5, 5], square)).toBe(true);
    expect(pointInPolygon([15, 5], square)).toBe(false);
    expect(pointInPolygon([-1, 5], square)).toBe(false);
    const notch: Point[] = [
      [0, 0],
      [10, 0],
      [10, 10],
      [5, 3],
      [0, 10],
    ];
    expect(pointInPolygon([5, 8], notch)).toBe(false);
    expect(pointInPolygon([1, 8], notch)).toBe(true);
  });
  test('a ray through a vertex counts it once', () => {
    const diamond: Point[] = [
      [5, 0],
      [10, 5],
      [5, 10],
      [0, 5],
    ];
    expect(pointInPolygon([2, 5], diamond)).toBe(true);
    expect(pointInPolygon([-2, 5], diamond)).toBe(false);
  });
  test('two zones sharing an edge never both contain a point on it', () => {
    const right: Point[] = [
      [10, 0],
      [20, 0],
      [20, 10],
      [10, 10],
    ];
    const p: Point = [10, 5];
    expect(Number(pointInPolygon(p, square)) + Number(pointInPolygon(p, right))).toBe(1);
  });
});
